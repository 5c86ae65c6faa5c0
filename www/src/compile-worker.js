// The compiler, off the page's main thread: the podwire WebAssembly module
// (the npm package's web build) runs here, so typing never waits for it.
// Messages in: {id, source, files} (files: the output paths to render, or
// null for all). Out: {type: "ready", version, examples, schema} once, then
// {type: "compiled", id, result, ms} per request, in order.
import { compile, examples, schema, version } from "podwire";

self.postMessage({ type: "ready", version: version(), examples: examples(), schema: schema() });

self.onmessage = (e) => {
  const { id, source, files } = e.data;
  const t0 = performance.now();
  let result;
  try {
    result = compile(source, files ? { files } : undefined);
  } catch (err) {
    // Only a podwire bug throws (spec mistakes are diagnostics).
    self.postMessage({ type: "failed", id, error: String(err) });
    return;
  }
  self.postMessage({ type: "compiled", id, result, ms: performance.now() - t0 });
};
