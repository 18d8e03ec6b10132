export { arrange, type ArrangeOptions } from "./arrange.ts";
export { fromMidi, toMidi, type ParsedMidi, type ParsedNote } from "./midi.ts";
export { wordTimings } from "./timings.ts";
