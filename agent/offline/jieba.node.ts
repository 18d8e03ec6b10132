// Node loads jieba's WebAssembly itself, synchronously, on import.
export { cut } from "jieba-wasm";
