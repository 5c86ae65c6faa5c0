// The compiler, off the page's main thread: the podwire WebAssembly module
// (the npm package's web build) runs here, so typing never waits for it.
// Messages in: {id, source, files} (files: the output paths to render, or
// null for all). Out: {type: "ready", version, examples, schema} once, then
// per request, in order, {type: "compiled", id, update, ms}: the core's
// Preview update, which holds only what changed since the previous one
// (compiler.js keeps the rest), or {type: "failed", id, error}.
import { Preview, examples, schema, version } from "podwire";
import { LOCAL_LIMIT } from "./compiler.js";

self.postMessage({ type: "ready", version: version(), examples: examples(), schema: schema() });

const preview = new Preview();
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
  if (!warm && source.length > LOCAL_LIMIT) warmUp(source, files);
};

// V8 first compiles the module with its baseline compiler and optimises a
// function in the background only once it has run hot (dynamic tiering):
// without this, the first few dozen keystrokes into a large spec run the
// typing path unoptimised and wait for its optimisation. So after the
// first large compile the worker types into a copy of the spec once, on a
// Preview of its own (the page's one is never touched, so what it returns
// stays relative to what the page has), one keystroke per task: a real
// request waits for at most one of them. Optimised code is the module's,
// shared by every Preview; this runs once per page. It types an eighth
// into the text: an edit there moves the spans of most of what follows,
// the path most edits take. Measured in headless Chromium on 2 CPUs, 40
// keys into the 200-workload spec: wasm optimisation during the typing
// 400-530 ms without this, 165-230 ms typing into the middle, 85-95 ms
// here; the worker's compile p95 29-37 ms without, 25-28 ms with it.
let warm = false;
const WARM_UP_KEYS = 20;

function warmUp(source, files) {
  warm = true;
  // The end of a `key: value` line an eighth into the text, where typing digits
  // keeps the spec as valid as it was (as typing a value does).
  const lines = source.split("\n");
  let line = lines.length >> 3;
  while (line < lines.length - 1 && !/^\s*[\w.-]+: \S/.test(lines[line])) line++;
  const at = lines.slice(0, line + 1).join("\n").length;
  const opts = files ? { files } : undefined;
  const copy = new Preview();
  let key = 0;
  const step = () => {
    try {
      copy.update(source.slice(0, at) + "0123456789".repeat(2).slice(0, key) + source.slice(at), opts);
    } catch {
      key = WARM_UP_KEYS; // a podwire bug: the real requests report it
    }
    if (++key <= WARM_UP_KEYS) setTimeout(step, 0);
    else copy.free();
  };
  setTimeout(step, 0);
}
