// The page's side of compile-worker.js: one request in flight at a time, and
// only the newest text waits behind it (older waiting texts are dropped, not
// compiled), so a slow compile never queues up keystrokes. No debounce: a
// change is sent the moment it is made when the worker is idle.
//
// Small specs are compiled on the page's own thread instead (a microtask
// after the keystroke): for them a compile takes about a millisecond, less
// than the two thread hops to the worker and back cost.
//
// Both compile through the core's Preview, which returns only what changed
// since its previous update; each channel's Replay keeps the rest, so every
// request still resolves with a whole result ({ok, diagnostics, graph,
// files}, as compile() returns). What did not change is the very same
// object as in the previous result of that channel: the page compares by
// identity and skips it.

/** Sources up to this many UTF-16 units are compiled on the page's thread. */
export const LOCAL_LIMIT = 16384;

/** A Preview's updates, replayed into whole results (every update, in order). */
class Replay {
  constructor() {
    this.diagnostics = [];
    this.graph = null;
    this.files = new Map();
  }

  apply(u) {
    if (u.diagnostics != null) this.diagnostics = u.diagnostics;
    if (u.graphChanged) this.graph = u.graph;
    const files = u.files.map((f) => {
      if (f.content != null) this.files.set(f.path, f.content);
      return { path: f.path, content: this.files.get(f.path) };
    });
    return { ok: u.ok, diagnostics: this.diagnostics, graph: this.graph, files };
  }
}

export class Compiler {
  /** `Preview`: the package's class; small sources are compiled by one on this thread. */
  constructor(Preview) {
    this.local = Preview ? new Preview() : null;
    this.localReplay = new Replay();
    this.workerReplay = new Replay();
    this.worker = new Worker(new URL("./compile-worker.js", import.meta.url), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener("error", (e) => reject(new Error(e.message || "the compiler failed to start")), { once: true });
      this.worker.addEventListener("message", (e) => e.data.type === "ready" && resolve(e.data), { once: true });
    });
    this.nextId = 1;
    this.inFlight = null; // {id, resolve, reject}
    this.queue = []; // waiting: {source, files, keep, resolve, reject}
    this.worker.addEventListener("message", (e) => this.onMessage(e.data));
  }

  /**
   * Compile `source`, rendering only `files` (all when null). Resolves with
   * {result, ms}, or with null when a newer request replaced it before it
   * started; `keep` requests (a download) are never replaced.
   */
  compile(source, files, { keep = false } = {}) {
    if (this.local && source.length <= LOCAL_LIMIT) {
      return new Promise((resolve, reject) => {
        for (const j of this.queue) if (!j.keep) j.resolve(null);
        this.queue = this.queue.filter((j) => j.keep);
        queueMicrotask(() => {
          const t0 = performance.now();
          try {
            const result = this.localReplay.apply(this.local.update(source, files ? { files } : undefined));
            const received = performance.now();
            resolve({ result, ms: received - t0, received });
          } catch (err) {
            reject(err);
          }
        });
      });
    }
    return new Promise((resolve, reject) => {
      if (!keep) {
        for (const j of this.queue) if (!j.keep) j.resolve(null);
        this.queue = this.queue.filter((j) => j.keep);
      }
      this.queue.push({ source, files, keep, resolve, reject });
      this.pump();
    });
  }

  pump() {
    if (this.inFlight || !this.queue.length) return;
    const w = this.queue.shift();
    const id = this.nextId++;
    this.inFlight = { id, resolve: w.resolve, reject: w.reject };
    this.worker.postMessage({ id, source: w.source, files: w.files });
  }

  onMessage(m) {
    if (m.type === "ready" || !this.inFlight || m.id !== this.inFlight.id) return;
    const f = this.inFlight;
    this.inFlight = null;
    if (m.type === "compiled") {
      // Replayed whether or not the page still wants it: the next update is relative to this one.
      f.resolve({ result: this.workerReplay.apply(m.update), ms: m.ms, received: performance.now() });
    } else f.reject(new Error(m.error));
    this.pump();
  }
}
