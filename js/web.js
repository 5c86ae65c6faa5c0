// podwire for browsers and bundlers (ESM): fetches and instantiates the
// WebAssembly module next to this file before the module finishes loading
// (top-level await), so every export is ready to call synchronously.
import init from "./core/podwire.js";

await init({ module_or_path: new URL("./core/podwire_bg.wasm", import.meta.url) });

export { compile, check, schema, examples, version, Preview } from "./core/podwire.js";
