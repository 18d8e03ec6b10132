export { CEILING, CHANNELS, SAMPLE_RATE, renderWav, type RenderOptions } from "./render.ts";
