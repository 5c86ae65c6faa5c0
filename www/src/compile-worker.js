// The compiler, off the page's main thread: the podwire WebAssembly module
// (the npm package's web build) runs here, so that a large spec's compile
// never holds up the page (compiler.js: which compiles run where).
// Messages in: {id, source, files} (files: the output paths to render, or
// null for all). Out: {type: "ready", version, examples, schema} once, then
// per request, in order, {type: "compiled", id, update, ms}: the core's
// Preview update, which holds only what changed since the previous one
// (compiler.js keeps the rest), or {type: "failed", id, error}.
import { Preview, examples, schema, version } from "podwire";
import { LOCAL_LIMIT, warmUp } from "./compiler.js";

self.postMessage({ type: "ready", version: version(), examples: examples(), schema: schema() });

const preview = new Preview();
// The first large compile warms the module up for the typing that follows
// (compiler.js's warmUp says why), one keystroke per task.
let warm = false;
self.onmessage = (e) => {
  const { id, source, files } = e.data;
  const t0 = performance.now();
  let update;
  try {
    update = preview.update(source, files ? { files } : undefined);
  } catch (err) {
    // Only a podwire bug throws (spec mistakes are diagnostics).
    self.postMessage({ type: "failed", id, error: String(err) });
    return;
  }
  self.postMessage({ type: "compiled", id, update, ms: performance.now() - t0 });
  preview.tidy(); // while the page shows the update
  if (!warm && source.length > LOCAL_LIMIT) {
    warm = true;
    warmUp(Preview, source, files, (step) => setTimeout(step, 0));
  }
};
