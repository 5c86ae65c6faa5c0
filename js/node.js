// podwire for Node (ESM): instantiates the WebAssembly module synchronously
// from the file next to this one. Conversion lives in Rust (src/wasm.rs).
import { readFileSync } from "node:fs";
import { initSync } from "./core/podwire.js";

initSync({ module: readFileSync(new URL("./core/podwire_bg.wasm", import.meta.url)) });

export { compile, check, schema, examples, version, Preview } from "./core/podwire.js";
