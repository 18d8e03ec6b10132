/**
 * A RIFF/WAVE writer for 16-bit PCM with a LIST/INFO chunk. The metadata goes before the data so a
 * reader that streams the file meets the AI label first; no creation date is written, so the same
 * song is the same bytes.
 */

export type WavInfo = { INAM: string; ISFT: string; ICMT: string };

const utf8 = new TextEncoder();

function infoChunk(info: WavInfo): Uint8Array {
  // Each sub-chunk is NUL-terminated text padded to an even size; UTF-8 as modern tools write it.
  const parts = Object.entries(info).map(([id, text]) => {
    const body = utf8.encode(text);
    const size = body.length + 1;
    const chunk = new Uint8Array(8 + size + (size & 1));
    writeAscii(chunk, 0, id);
    new DataView(chunk.buffer).setUint32(4, size, true);
    chunk.set(body, 8);
    return chunk;
  });
  const size = 4 + parts.reduce((s, p) => s + p.length, 0);
  const list = new Uint8Array(8 + size);
  writeAscii(list, 0, "LIST");
  new DataView(list.buffer).setUint32(4, size, true);
  writeAscii(list, 8, "INFO");
  let at = 12;
  for (const p of parts) {
    list.set(p, at);
    at += p.length;
  }
  return list;
}

function writeAscii(b: Uint8Array, at: number, s: string) {
  for (let i = 0; i < s.length; i++) b[at + i] = s.charCodeAt(i);
}

/**
 * Lays out a file for `frames` frames of `channels` 16-bit channels and returns it with the sample
 * area as an Int16Array to fill (little-endian machines) or a DataView offset (others).
 */
export function allocateWav(frames: number, channels: number, sampleRate: number, info: WavInfo) {
  const list = infoChunk(info);
  const dataBytes = frames * channels * 2;
  const headerBytes = 12 + 8 + 16 + list.length + 8;
  const bytes = new Uint8Array(headerBytes + dataBytes);
  const view = new DataView(bytes.buffer);
  writeAscii(bytes, 0, "RIFF");
  view.setUint32(4, bytes.length - 8, true);
  writeAscii(bytes, 8, "WAVE");
  writeAscii(bytes, 12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  bytes.set(list, 36);
  const dataAt = 36 + list.length;
  writeAscii(bytes, dataAt, "data");
  view.setUint32(dataAt + 4, dataBytes, true);
  return { bytes, view, dataOffset: dataAt + 8 };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Writes interleaved int16 samples from float frames, ramping a gain g0 → g1 across each call (the
 * limiter's). Rounds to nearest, no dither, so the bytes depend on nothing but the samples.
 */
export class PcmWriter {
  private readonly i16: Int16Array | undefined;
  constructor(
    private readonly view: DataView,
    private readonly dataOffset: number,
    private readonly frames: number,
  ) {
    // dataOffset is even (every chunk is even-sized), so an Int16Array view is aligned.
    if (LITTLE_ENDIAN) this.i16 = new Int16Array(view.buffer, dataOffset, frames * 2);
  }

  write(L: Float32Array, R: Float32Array, off: number, frame: number, n: number, g0: number, g1: number) {
    const count = Math.min(n, this.frames - frame);
    const dg = ((g1 - g0) / n) * 32767;
    let g = g0 * 32767;
    const i16 = this.i16;
    for (let j = 0; j < count; j++, g += dg) {
      // Round half away from zero by hand: an Int16Array store truncates, and Math.round costs 3× more here.
      let l = L[off + j]! * g, r = R[off + j]! * g;
      l = l > 32767 ? 32767 : l < -32767 ? -32767 : l + (l < 0 ? -0.5 : 0.5);
      r = r > 32767 ? 32767 : r < -32767 ? -32767 : r + (r < 0 ? -0.5 : 0.5);
      const at = 2 * (frame + j);
      if (i16) {
        i16[at] = l;
        i16[at + 1] = r;
      } else {
        this.view.setInt16(this.dataOffset + 2 * at, Math.trunc(l), true);
        this.view.setInt16(this.dataOffset + 2 * at + 2, Math.trunc(r), true);
      }
    }
  }

  /** Fades the first and last frames linearly to zero, so a song cut mid-note starts and ends without a click. */
  fadeEdges(inFrames: number, outFrames: number) {
    const scale = (frame: number, k: number) => {
      for (let c = 0; c < 2; c++) {
        const at = this.dataOffset + 2 * (2 * frame + c);
        this.view.setInt16(at, Math.round(this.view.getInt16(at, true) * k), true);
      }
    };
    const fin = Math.min(inFrames, this.frames), fout = Math.min(outFrames, this.frames);
    for (let f = 0; f < fin; f++) scale(f, f / fin);
    for (let f = 0; f < fout; f++) scale(this.frames - 1 - f, f / fout);
  }
}
