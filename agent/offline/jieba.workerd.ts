// workerd cannot compile WebAssembly from bytes at run time: the module is imported (wrangler
// bundles a .wasm import as a compiled module) and handed to jieba once. The path reaches into
// the package because its "exports" do not list the .wasm file.
import { cut, initSync } from "jieba-wasm/web";
import wasm from "../../node_modules/jieba-wasm/pkg/web/jieba_rs_wasm_bg.wasm";

initSync({ module: wasm });
export { cut };
