// The page's side of compile-worker.js: one request in flight at a time, and
// only the newest text waits behind it (older waiting texts are dropped, not
// compiled), so a slow compile never queues up keystrokes. No debounce: a
// change is sent the moment it is made when the worker is idle.
//
// Where a compile runs: small specs (up to LOCAL_LIMIT) on the page's own
// thread, a microtask after the keystroke: for them a compile takes about a
// millisecond, less than the two thread hops to the worker and back cost.
// Larger specs in the worker, and on the page's thread too while an update
// of them takes at most LOCAL_BUDGET_MS there. The worker's reply is handled
// only after the frame that follows the keystroke (Chromium renders after
// input before it runs other tasks), so it reaches the page a frame after a
// compile that fits before that frame would have. Measured in headless
// Chromium on 2 CPUs, 40 keys into the 200-workload spec (2026-12-04, a
// slow phase of the machine): keystroke to updated page median 20.2 / p95
// 27.7 ms through the worker, 16.3 / 19.7 ms with the page's thread
// compiling (10 ms per update); the e2e test, with the core's per-workload
// object reuse, median 11-14 / p95 21-26 ms (5-10 ms per update), and with
// the policies kept too and both warm-ups from the first large request on,
// median 7-9 / p95 10-15 ms (3 ms per update). Whether
// an update fits is measured, not guessed: the page's Preview is warmed up
// (the warm-up's own keystrokes are timed) and kept current in idle time
// while the worker serves the keystrokes (`idleSync`), and each update on
// this thread is timed; above the budget the worker takes over again.
//
// Both compile through the core's Preview, which returns only what changed
// since its previous update; each channel's Replay keeps the rest, so every
// request still resolves with a whole result ({ok, diagnostics, graph,
// files}, as compile() returns). What did not change is the very same
// object as in the previous result of that channel: the page compares by
// identity and skips it.

/** Sources up to this many UTF-16 units are always compiled on the page's thread. */
export const LOCAL_LIMIT = 16384;

/**
 * Larger sources are compiled on the page's thread when an update of one
 * this long is expected to take at most this many ms there (the median of
 * the last three, per UTF-16 unit), and stay there until it is expected to
 * take half as long again (so that a few slow updates near the budget do
 * not move every other keystroke to the worker and back): with the
 * editor's own work for the keystroke (6-8 ms on the machine above), about
 * a frame.
 */
export const LOCAL_BUDGET_MS = 12;

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

/** What updates of large sources cost on this thread: ms per UTF-16 unit, the last three. */
class Cost {
  constructor() {
    this.perUnit = [];
  }

  add(ms, length) {
    this.perUnit.push(ms / length);
    if (this.perUnit.length > 3) this.perUnit.shift();
  }

  /** The expected ms of an update of a source this long (Infinity: not measured yet). */
  expect(length) {
    if (!this.perUnit.length) return Infinity;
    const s = [...this.perUnit].sort((a, b) => a - b);
    return s[s.length >> 1] * length;
  }
}

// V8 first compiles the module with its baseline compiler and optimises a
// function in the background only once it has run hot (dynamic tiering):
// without this, the first few dozen keystrokes into a large spec run the
// typing path unoptimised and wait for its optimisation. So after the
// first large compile each thread types into a copy of the spec once, on a
// Preview of its own (the one that serves requests is never touched, so
// what it returns stays relative to what the page has), one keystroke per
// task (`schedule`): a real request waits for at most one of them.
// Optimised code is the module instance's, shared by every Preview of that
// thread; this runs once per thread. It types an eighth into the text: an
// edit there moves the spans of most of what follows, the path most edits
// take. Measured in headless Chromium on 2 CPUs, 40 keys into the
// 200-workload spec: wasm optimisation during the typing 400-530 ms without
// this, 165-230 ms typing into the middle, 85-95 ms here; the worker's
// compile p95 29-37 ms without, 25-28 ms with it.
const WARM_UP_KEYS = 20;

/**
 * Where a warm-up types: the end of a `key: value` line an eighth into the
 * text, where typing digits keeps the spec as valid as it was (as typing a
 * value does).
 */
export function typingPlace(source) {
  const lines = source.split("\n");
  let line = lines.length >> 3;
  while (line < lines.length - 1 && !/^\s*[\w.-]+: \S/.test(lines[line])) line++;
  return lines.slice(0, line + 1).join("\n").length;
}

/**
 * Warm `Preview`'s module up on `source` (see above); `done` is called after
 * the last key, `measured(ms, length)` after each but the first (what an
 * update of a keystroke costs on this thread).
 */
export function warmUp(Preview, source, files, schedule, done = () => {}, measured = () => {}) {
  const at = typingPlace(source);
  const opts = files ? { files } : undefined;
  const copy = new Preview();
  let key = 0;
  const step = () => {
    try {
      const text = source.slice(0, at) + "0123456789".repeat(2).slice(0, key) + source.slice(at);
      const t0 = performance.now();
      copy.update(text, opts);
      if (key > 0) measured(performance.now() - t0, text.length);
    } catch {
      key = WARM_UP_KEYS; // a podwire bug: the real requests report it
    }
    if (++key <= WARM_UP_KEYS) schedule(step);
    else {
      copy.free();
      done();
    }
  };
  schedule(step);
}

/** Run `f` when the page's thread is idle (browsers without requestIdleCallback: soon after). */
export const whenIdle = (f) => (globalThis.requestIdleCallback ? requestIdleCallback(f, { timeout: 2000 }) : setTimeout(f, 50));

export class Compiler {
  /** `Preview`: the package's class; sources are compiled by one on this thread as described above. */
  constructor(Preview) {
    this.Preview = Preview;
    this.local = Preview ? new Preview() : null;
    this.localReplay = new Replay();
    this.workerReplay = new Replay();
    /** The length of the source of the local Preview's last update (0: none). */
    this.localLength = 0;
    this.cost = new Cost();
    this.warm = false; // this thread's module warmed up (warmUp)
    this.lastHere = false; // where the newest request went
    this.warming = false;
    this.newest = null; // the source of the newest request
    this.sync = null; // {source, files}: what idleSync brings the local Preview to
    this.worker = new Worker(new URL("./compile-worker.js", import.meta.url), { type: "module" });
    this.ready = new Promise((resolve, reject) => {
      this.worker.addEventListener("error", (e) => reject(new Error(e.message || "the compiler failed to start")), { once: true });
      this.worker.addEventListener("message", (e) => e.data.type === "ready" && resolve(e.data), { once: true });
    });
    this.nextId = 1;
    this.inFlight = null; // {id, source, files, resolve, reject}
    this.queue = []; // waiting: {source, files, keep, resolve, reject}
    this.worker.addEventListener("message", (e) => this.onMessage(e.data));
  }

  /** Whether a source this long is compiled on this thread (else in the worker). */
  compilesHere(length) {
    if (this.local == null) return false;
    if (length <= LOCAL_LIMIT) return true;
    return this.warm && this.cost.expect(length) <= LOCAL_BUDGET_MS * (this.lastHere ? 1.5 : 1);
  }

  /**
   * Compile `source`, rendering only `files` (all when null). Resolves with
   * {result, ms, received, here} (`here`: compiled on this thread), or with
   * null when a newer request replaced it before it started; `keep` requests (a download) are never replaced, and for a
   * large source always go to the worker (every file of it).
   */
  compile(source, files, { keep = false } = {}) {
    if (!keep) this.newest = source;
    const here = this.compilesHere(source.length) && !(keep && source.length > LOCAL_LIMIT);
    if (!keep) this.lastHere = here;
    if (here) {
      return new Promise((resolve, reject) => {
        if (!keep) {
          for (const j of this.queue) if (!j.keep) j.resolve(null);
          this.queue = this.queue.filter((j) => j.keep);
        }
        queueMicrotask(() => {
          try {
            const { result, ms } = this.compileHere(source, files);
            resolve({ result, ms, received: performance.now(), here: true });
          } catch (err) {
            reject(err);
          }
        });
      });
    }
    // The first large spec: this thread warms up while the worker compiles it.
    if (!keep && source.length > LOCAL_LIMIT) this.warmUpOnce(source, files);
    return new Promise((resolve, reject) => {
      if (!keep) {
        for (const j of this.queue) if (!j.keep) j.resolve(null);
        this.queue = this.queue.filter((j) => j.keep);
      }
      this.queue.push({ source, files, keep, resolve, reject });
      this.pump();
    });
  }

  /** One update of the local Preview, timed; a large source's time is the cost's. */
  compileHere(source, files) {
    const t0 = performance.now();
    const result = this.localReplay.apply(this.local.update(source, files ? { files } : undefined));
    const ms = performance.now() - t0;
    // An update after one of another large text measures what typing costs;
    // the first one compiles everything.
    if (source.length > LOCAL_LIMIT && this.localLength > LOCAL_LIMIT) this.cost.add(ms, source.length);
    this.localLength = source.length;
    // Free what it replaced after the frame, not in the next update.
    if (source.length > LOCAL_LIMIT) setTimeout(() => this.local.tidy(), 0);
    return { result, ms };
  }

  pump() {
    if (this.inFlight || !this.queue.length) return;
    const w = this.queue.shift();
    const id = this.nextId++;
    this.inFlight = { id, source: w.source, files: w.files, keep: w.keep, resolve: w.resolve, reject: w.reject };
    this.worker.postMessage({ id, source: w.source, files: w.files });
  }

  onMessage(m) {
    if (m.type === "ready" || !this.inFlight || m.id !== this.inFlight.id) return;
    const f = this.inFlight;
    this.inFlight = null;
    if (m.type === "compiled") {
      // Replayed whether or not the page still wants it: the next update is relative to this one.
      f.resolve({ result: this.workerReplay.apply(m.update), ms: m.ms, received: performance.now(), here: false });
      if (this.local && !f.keep && f.source.length > LOCAL_LIMIT) this.idleSync(f.source, f.files);
    } else f.reject(new Error(m.error));
    this.pump();
  }

  /**
   * While the worker serves a large spec: in idle time, warm this thread's
   * module up (once), then bring the local Preview to the worker's newest
   * text, timing it, so that the next keystroke can be compiled here when
   * that fits the budget, from a Preview that is current.
   */
  idleSync(source, files) {
    const pending = this.sync != null;
    this.sync = { source, files };
    if (pending || this.warming) return;
    if (!this.warm) {
      this.warmUpOnce(source, files);
      return;
    }
    whenIdle(() => this.runSync());
  }

  /**
   * Warm this thread's module up on a large `source` (once; see warmUp),
   * from the first request of one on: in idle time while the worker
   * compiles it and the diagram is laid out, so that typing can be served
   * here from the first keystrokes on. Then bring the local Preview to the
   * worker's newest text.
   */
  warmUpOnce(source, files) {
    if (this.local == null || this.warm || this.warming) return;
    this.warming = true;
    // The warm-up's last keys say what typing costs here, so that the
    // first keystroke after it can already be compiled here.
    const measured = (ms, length) => this.cost.add(ms, length);
    const done = () => {
      this.warm = true;
      this.warming = false;
      whenIdle(() => this.runSync());
    };
    warmUp(this.Preview, source, files, whenIdle, done, measured);
  }

  runSync() {
    const s = this.sync;
    this.sync = null;
    // A newer text was sent since (to the worker, whose reply syncs again, or compiled here).
    if (!s || s.source !== this.newest) return;
    try {
      this.compileHere(s.source, s.files);
    } catch {
      // A podwire bug: the worker's compile of the same text reports it.
    }
  }
}
