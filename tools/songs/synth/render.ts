import { AI_LABEL, GENERATOR, type Arrangement, type Track } from "../types.ts";
import { BLOCK, SR, noiseTable } from "./dsp.ts";
import { Drums } from "./drums.ts";
import { Limiter, Reverb } from "./effects.ts";
import { Bass, LeadSynth, Pad } from "./instruments.ts";
import { Singer } from "./voice.ts";
import { PcmWriter, allocateWav } from "./wav.ts";

export const SAMPLE_RATE = SR;
export const CHANNELS = 2;
/** The limiter's ceiling, −1 dBFS: no sample of a render is louder. */
export const CEILING = 0.891;

/**
 * Track levels and effect sends, set by rendering a typical arrangement and comparing the tracks'
 * RMS: the voice a few dB above the pad, the bass and kick underneath, the hats in the background.
 */
const MIX = {
  voice: 0.62,
  leadSynth: 0.55,
  pad: 0.7,
  bass: 0.55,
  drums: 0.6,
  voiceReverb: 0.35,
  padReverb: 0.3,
  reverbWet: 0.5,
  voiceEcho: 0.3,
  echoWet: 0.7,
};

export type RenderOptions = { seed: number; title: string; stem?: Track; instrumental?: boolean };

/**
 * Renders an arrangement as a 44.1 kHz 16-bit stereo WAV exactly `durationSec` long: a formant voice
 * (or, instrumental, a lead instrument), a pad, a bass and drums, with reverb, echo and a limiter.
 * `stem` renders one track alone through the same gains and effects, so the stems add up to the mix
 * (less what the limiter took). Streams in blocks: memory is the output file plus a few hundred kB.
 */
export function renderWav(arrangement: Arrangement, opts: RenderOptions): Uint8Array {
  const frames = Math.max(0, Math.round(arrangement.durationSec * SR));
  const info = { INAM: opts.title, ISFT: `${GENERATOR.name} ${GENERATOR.version}`, ICMT: AI_LABEL };
  const { bytes, view, dataOffset } = allocateWav(frames, CHANNELS, SR, info);
  const writer = new PcmWriter(view, dataOffset, frames);
  const limiter = new Limiter(BLOCK, CEILING, (L, R, off, frame, n, g0, g1) => writer.write(L, R, off, frame, n, g0, g1));
  const want = (t: Track) => opts.stem === undefined || opts.stem === t;
  const noise = noiseTable(opts.seed);

  const lead = new Float32Array(BLOCK), send = new Float32Array(BLOCK), echoSend = new Float32Array(BLOCK);
  const sung = !opts.instrumental;
  const hasLead = want("lead") && arrangement.lead.length > 0;
  const singer = hasLead && sung ? new Singer(arrangement.lead, opts.seed, noise) : undefined;
  const leadSynth = hasLead && !sung ? new LeadSynth(arrangement.lead, lead) : undefined;
  const pad = want("harmony") && arrangement.harmony.length > 0 ? new Pad(arrangement.harmony, opts.seed) : undefined;
  const bass = want("bass") && arrangement.bass.length > 0 ? new Bass(arrangement.bass) : undefined;
  const drums = want("drums") && arrangement.drums.length > 0 ? new Drums(arrangement.drums, opts.seed, noise) : undefined;
  const reverb = hasLead || pad ? new Reverb(arrangement.bpm) : undefined;

  for (let f0 = 0; f0 < frames; f0 += BLOCK) {
    const L = limiter.L, R = limiter.R;
    send.fill(0);
    if (hasLead) {
      lead.fill(0);
      singer?.process(lead, f0, BLOCK);
      leadSynth?.process(f0, BLOCK);
      const g = singer ? MIX.voice : MIX.leadSynth, sg = MIX.voiceReverb * g, eg = singer ? MIX.voiceEcho * g : 0;
      for (let i = 0; i < BLOCK; i++) {
        const v = lead[i]!;
        L[i]! += v * g;
        R[i]! += v * g;
        send[i]! += v * sg;
        echoSend[i] = v * eg;
      }
    }
    pad?.process(f0, BLOCK, L, R, MIX.pad, send, MIX.padReverb);
    bass?.process(f0, BLOCK, L, R, MIX.bass);
    drums?.process(f0, BLOCK, L, R, MIX.drums);
    reverb?.process(send, echoSend, L, R, BLOCK, MIX.reverbWet, MIX.echoWet);
    limiter.commit(f0);
  }
  limiter.flush();
  writer.fadeEdges(Math.round(0.002 * SR), Math.round(0.04 * SR));
  return bytes;
}
