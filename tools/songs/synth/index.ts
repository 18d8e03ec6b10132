/** The song's audio: `renderWav(arrangement, { seed, title, stem?, instrumental? })` → a 44.1 kHz 16-bit stereo WAV. */
export { CEILING, CHANNELS, SAMPLE_RATE, renderWav, type RenderOptions } from "./render.ts";
