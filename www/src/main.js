// The podwire playground: every edit is compiled at once (no debounce) by
// the podwire WebAssembly module in a Web Worker (compile-worker.js), which
// renders only the output shown; the page then changes only what changed:
// the editor's diagnostics, the list, the output pane (by range), the
// diagram (laid out again only when its layout input changed). No backend,
// no network besides this site's own assets.
import { EditorView, basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { StateEffect, StateField, RangeSetBuilder, ChangeSet, Annotation } from "@codemirror/state";
import { Decoration } from "@codemirror/view";
import { completionStatus, currentCompletions } from "@codemirror/autocomplete";
import { Preview } from "podwire";
import { Compiler, LOCAL_LIMIT, typingPlace, whenIdle } from "./compiler.js";
import { Diagram } from "./diagram.js";
import { OutputView } from "./output-view.js";
import { schemaDocs } from "./schema-docs.js";
import { shareHash, specFromHash } from "./share.js";
import "./style.css";

const $ = (id) => document.getElementById(id);
const compiler = new Compiler(Preview);
const { version, examples: EXAMPLES, schema } = await compiler.ready;

let activePath = "gke/cluster.json";
/** The last good result's outputs: path -> content (only the files it rendered). */
let lastFiles = new Map();
let lastOk = true;
/** The last applied diagnostics and graph (the compiler hands back the same object when unchanged). */
let lastDiags = null;
let lastDiagJson = null;
let lastGraph;
let lastGraphJson = null;
let shownPath = null;
/** Requests in flight or waiting, each with the edits made since its text was taken. */
let open = new Set();
/** Marks the transaction of setSource (which sends its own request). */
const replaceDoc = Annotation.define();

// Lines with an error or a warning get a line decoration (besides the lint
// underline and gutter marker).
const setMarkedLines = StateEffect.define();
const markedLines = StateField.define({
  create: () => Decoration.none,
  update(deco, tr) {
    deco = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setMarkedLines)) deco = e.value;
    return deco;
  },
  provide: (f) => EditorView.decorations.from(f),
});

function lineDecorations(doc, marks) {
  const bySeverity = new Map();
  for (const { pos, severity } of marks) {
    const line = doc.lineAt(pos).number;
    if (bySeverity.get(line) !== "error") bySeverity.set(line, severity);
  }
  const b = new RangeSetBuilder();
  for (const line of [...bySeverity.keys()].sort((x, y) => x - y)) {
    const sev = bySeverity.get(line);
    b.add(doc.line(line).from, doc.line(line).from, Decoration.line({ class: `pw-line-${sev}`, attributes: { "data-diag-line": String(line) } }));
  }
  return b.finish();
}

/** The tooltip of a diagnostic: code, message, the help line, the field's path. */
function diagnosticDom(d) {
  const box = document.createElement("div");
  box.className = "pw-diag";
  const head = document.createElement("div");
  const code = document.createElement("code");
  code.textContent = d.code;
  head.append(code, document.createTextNode(" " + d.message));
  box.append(head);
  if (d.help) {
    const help = document.createElement("div");
    help.className = "pw-diag-help";
    help.textContent = "help: " + d.help;
    box.append(help);
  }
  if (d.path) {
    const at = document.createElement("div");
    at.className = "pw-diag-path";
    at.textContent = "at: " + d.path;
    box.append(at);
  }
  return box;
}

const extensions = [basicSetup, yaml(), lintGutter(), markedLines, schemaDocs(schema)];

// V8 compiles JavaScript lazily and optimises what runs hot. After a large
// document replaces the editor's, its first keystrokes ran CodeMirror's
// state update (its incremental YAML parse) unoptimised: measured in
// headless Chromium on 2 CPUs, 200 workloads, a state update of one typed
// digit took 7-13 ms the first time, 1.5 ms from the fifth on. So once per
// page, in idle time after the first large document, compute (and drop)
// the editor's next state for a typed digit a few times, one per idle
// callback; nothing is dispatched, the view never sees it.
const EDITOR_WARM_UP_KEYS = 12;
let editorWarmed = false;
function warmUpEditor(text) {
  if (editorWarmed || text.length <= LOCAL_LIMIT) return;
  editorWarmed = true;
  const at = typingPlace(text);
  let key = 0;
  const step = () => {
    const state = view.state;
    if (at <= state.doc.length) state.update({ changes: { from: at, insert: String(key % 10) } }).state;
    if (++key < EDITOR_WARM_UP_KEYS) whenIdle(step);
  };
  whenIdle(step);
}

const view = new EditorView({
  parent: $("editor"),
  doc: "",
  extensions,
  // An edit goes to the compiler before the editor redraws (view.update):
  // the worker compiles while this thread lays out the editor. A typed
  // character was usually sent even earlier, at its keydown (`predicted`).
  dispatchTransactions(trs, v) {
    const p = predicted;
    predicted = null;
    if (trs.some((tr) => tr.docChanged) && !trs.some((tr) => tr.annotation(replaceDoc))) {
      const text = trs.at(-1).state.doc.toString();
      const hit = p && p.text === text && !p.req.dead;
      let changes = trs[0].changes;
      for (const tr of trs.slice(1)) changes = changes.compose(tr.changes);
      // The predicted request's text already is the new text: no edit to map.
      for (const r of open) if (!(hit && r === p.req)) r.changes = r.changes.compose(changes);
      if (!hit) {
        if (p) {
          p.req.dead = true;
          open.delete(p.req);
        }
        requestCompile({ source: text, track: true });
      }
    } else if (p) {
      p.req.dead = true;
      open.delete(p.req);
    }
    v.update(trs);
  },
});

/**
 * A printable key in a large spec (compiled in the worker): the text it
 * will make is sent at keydown, before CodeMirror reads the change from the
 * DOM (a few ms later, in the same task). dispatchTransactions keeps the
 * request when the edit made exactly that text, else drops it. Keys that
 * CodeMirror may turn into something else (brackets and quotes it closes
 * or steps over) are not predicted; neither are specs compiled on this
 * thread (small ones, and large ones while that is fast enough: see
 * compiler.js), whose compile (a microtask) would finish before the edit.
 */
let predicted = null;
view.contentDOM.addEventListener(
  "keydown",
  (e) => {
    if (predicted) {
      predicted.req.dead = true;
      open.delete(predicted.req);
      predicted = null;
    }
    if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey || e.isComposing || "()[]{}'\"`".includes(e.key)) return;
    const st = view.state;
    if (compiler.compilesHere(st.doc.length + 1) || st.selection.ranges.length !== 1) return;
    const { from, to } = st.selection.main;
    const doc = st.doc.toString();
    const text = doc.slice(0, from) + e.key + doc.slice(to);
    predicted = { text, req: requestCompile({ source: text, track: true }).req };
  },
  true,
);

const output = new OutputView($("output"));
const diagram = new Diagram($("diagram"), $("diagram-caption"));
// Stacked panes (narrow windows): the diagram flows downwards, as the page scrolls.
const narrow = matchMedia("(max-width: 999px)");
const direction = () => (narrow.matches ? "DOWN" : "RIGHT");
diagram.setDirection(direction());
narrow.addEventListener("change", () => diagram.setDirection(direction()).then(panHint));

function clampOffset(n, len) {
  return Math.max(0, Math.min(n ?? 0, len));
}

/**
 * Compile the editor's text (or `source`, about to become it) now, or as
 * soon as the worker is free, rendering only what is shown.
 */
function requestCompile({ files = [activePath], fresh = false, source = null, track = source == null } = {}) {
  const text = source ?? view.state.doc.toString();
  const req = { seq: ++seq, changes: ChangeSet.empty(text.length), t0: performance.now(), files, fresh, dead: false };
  // Tracked: later edits are mapped onto its diagnostics (setSource adds its own once the text is in).
  if (track) open.add(req);
  const done = compiler.compile(text, files).then(
    (r) => {
      open.delete(req);
      // Results come in order, except a small spec's (compiled here) overtaking
      // a large one's (in the worker): never show an older text's result.
      if (r && !req.dead && req.seq > appliedSeq) apply(req, r);
      return r;
    },
    (err) => {
      open.delete(req);
      $("status").textContent = `podwire failed: ${err.message}`;
      $("status").dataset.ok = "false";
    },
  );
  return { req, done };
}

let applied = 0;
let seq = 0;
let appliedSeq = 0;
/** The last requests' timings (ms from the edit): compiled (the compiler's own time), received, applied; and whether compiled on this thread. */
const timings = [];
function apply(req, { result: r, ms, received, here }) {
  applied++;
  appliedSeq = req.seq;
  // Editor: inline diagnostics at their UTF-16 offsets (CodeMirror positions),
  // moved through the edits made since the text was taken.
  const doc = view.state.doc;
  const map = (n) => req.changes.mapPos(clampOffset(n, req.changes.length));
  const diagJson = r.diagnostics === lastDiags ? lastDiagJson : JSON.stringify(r.diagnostics);
  lastDiags = r.diagnostics;
  if (diagJson !== lastDiagJson || !req.changes.empty) {
    const located = r.diagnostics.filter((d) => d.span != null);
    const cm = located.map((d) => {
      const from = clampOffset(map(d.span.utf16Start), doc.length);
      return {
        from,
        to: Math.max(from, clampOffset(map(d.span.utf16End), doc.length)),
        severity: d.severity,
        message: `${d.code}: ${d.message}${d.help ? "\nhelp: " + d.help : ""}`,
        renderMessage: () => diagnosticDom(d),
      };
    });
    if (cm.length || lastDiagJson !== "[]") {
      // (Nothing to do when there were none and are none.)
      const tr = setDiagnostics(view.state, cm);
      const marks = cm.map((c) => ({ pos: c.from, severity: c.severity }));
      view.dispatch({ ...tr, effects: [...[tr.effects ?? []].flat(), setMarkedLines.of(lineDecorations(doc, marks))] });
    }
  }
  if (diagJson !== lastDiagJson) renderDiagnostics(r.diagnostics);
  lastDiagJson = diagJson;

  if (r.ok) {
    // Only this text's outputs: a tab rendered for an older text is asked for again when shown.
    lastFiles = new Map(r.files.map((f) => [f.path, f.content]));
    if (r.graph !== lastGraph) {
      lastGraph = r.graph;
      const graphJson = JSON.stringify(r.graph);
      if (graphJson !== lastGraphJson) {
        lastGraphJson = graphJson;
        diagram.update(r.graph, graphJson).then(panHint);
      }
    }
  }
  if (!r.ok && lastGraphJson == null) diagram.empty("fix the errors to see the wiring");
  if (r.ok !== lastOk) {
    document.body.classList.toggle("stale", !r.ok);
    diagram.stale(!r.ok);
    lastOk = r.ok;
  }
  renderOutput();
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const total = performance.now() - req.t0;
  timings.push({ compile: ms, received: received - req.t0, shown: total, here });
  if (timings.length > 200) timings.shift();
  $("status").textContent = r.ok
    ? `compiled in ${ms.toFixed(1)} ms, shown in ${total.toFixed(1)} ms`
    : `${errors} error${errors === 1 ? "" : "s"}${lastFiles.size ? " — outputs are from the last good spec" : ""}`;
  $("status").dataset.ok = String(r.ok);
}

function renderDiagnostics(diags) {
  const ul = $("diagnostics");
  ul.replaceChildren();
  $("diag-count").textContent = diags.length ? `(${diags.length})` : "";
  if (!diags.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "No problems.";
    ul.append(li);
    return;
  }
  for (const d of diags) {
    const li = document.createElement("li");
    li.className = `diag ${d.severity}`;
    li.dataset.code = d.code;
    if (d.span != null) li.dataset.line = String(d.span.line);
    const where = d.span != null ? `line ${d.span.line}:${d.span.column}` : "—";
    li.innerHTML = `<span class="where"></span> <span class="sev"></span> <code class="code"></code> <span class="msg"></span>`;
    li.querySelector(".where").textContent = where;
    li.querySelector(".sev").textContent = d.severity;
    li.querySelector(".code").textContent = d.code;
    li.querySelector(".msg").textContent = d.message + (d.path ? ` (at ${d.path})` : "") + (d.help ? ` — ${d.help}` : "");
    if (d.span != null) {
      li.tabIndex = 0;
      const go = () => {
        const pos = clampOffset(d.span.utf16Start, view.state.doc.length);
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
        view.focus();
      };
      li.addEventListener("click", go);
      li.addEventListener("keydown", (e) => e.key === "Enter" && go());
    }
    ul.append(li);
  }
}

function renderOutput() {
  const content = lastFiles.get(activePath);
  const fresh = shownPath !== activePath;
  if (content === undefined) {
    // Not rendered for this spec yet (another tab was shown): ask for it.
    if (lastOk) requestCompile();
    return;
  }
  output.set(content, fresh);
  shownPath = activePath;
  $("output").dataset.path = activePath;
  for (const b of document.querySelectorAll("#tabs [role=tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.path === activePath));
  }
}

/** Replace the whole document (an example, a share link): the editor starts at the top left. */
function setSource(text) {
  // Requests about the old text are void; the new text is sent before the
  // editor redraws, so that the worker compiles meanwhile.
  for (const r of open) r.dead = true;
  open = new Set();
  lastFiles = new Map();
  shownPath = null;
  const { req, done } = requestCompile({ fresh: true, source: text });
  view.dispatch({
    changes: { from: 0, to: view.state.doc.length, insert: text },
    selection: { anchor: 0 },
    annotations: replaceDoc.of(true),
  });
  open.add(req);
  req.t0 = performance.now(); // "shown in" counts from here: the editor's own redraw is not the compiler's
  warmUpEditor(text);
  view.scrollDOM.scrollTop = 0;
  view.scrollDOM.scrollLeft = 0;
  // CodeMirror restores its scroll anchor after measuring: once more after that.
  requestAnimationFrame(() => {
    view.scrollDOM.scrollTop = 0;
    view.scrollDOM.scrollLeft = 0;
  });
  return done;
}

function download(path, content) {
  const blob = new Blob([content], { type: path.endsWith(".json") ? "application/json" : "application/yaml" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = path.replaceAll("/", "-");
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---- wiring up ---------------------------------------------------------

$("version").textContent = "v" + version;
const select = $("examples");
for (const e of EXAMPLES) {
  const o = document.createElement("option");
  o.value = e.name;
  o.textContent = e.name;
  select.append(o);
}
const custom = document.createElement("option");
custom.value = "";
custom.textContent = "(shared spec)";
custom.hidden = true;
select.append(custom);
select.addEventListener("change", () => {
  const e = EXAMPLES.find((x) => x.name === select.value);
  if (e) setSource(e.source);
});

for (const b of document.querySelectorAll("#tabs [role=tab]")) {
  b.addEventListener("click", () => {
    activePath = b.dataset.path;
    renderOutput();
  });
}
$("download").addEventListener("click", () => {
  const c = lastFiles.get(activePath);
  if (c !== undefined) download(activePath, c);
});
$("download-all").addEventListener("click", async () => {
  const r = await compiler.compile(view.state.doc.toString(), null, { keep: true });
  if (r?.result.ok) r.result.files.forEach((f) => download(f.path, f.content));
});
$("share").addEventListener("click", async () => {
  const url = location.href.split("#")[0] + shareHash(view.state.doc.toString());
  history.replaceState(null, "", url);
  $("share-url").value = url;
  $("share-url").select();
  try {
    await navigator.clipboard.writeText(url);
    $("status").textContent = "share link copied";
  } catch {
    $("status").textContent = "share link ready (copy it from the box)";
  }
});

/** Say so when the diagram is larger than its panel. */
function panHint() {
  const p = $("diagram-scroll");
  $("diagram-hint").hidden = !(p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1);
}
new ResizeObserver(panHint).observe($("diagram-scroll"));

// Drag to pan the diagram (it scrolls; its text is never scaled down).
{
  const panel = $("diagram-scroll");
  let drag = null;
  panel.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, left: panel.scrollLeft, top: panel.scrollTop, id: e.pointerId };
    panel.setPointerCapture(e.pointerId);
    panel.classList.add("panning");
  });
  panel.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    panel.scrollLeft = drag.left - (e.clientX - drag.x);
    panel.scrollTop = drag.top - (e.clientY - drag.y);
  });
  const end = () => {
    drag = null;
    panel.classList.remove("panning");
  };
  panel.addEventListener("pointerup", end);
  panel.addEventListener("pointercancel", end);
}

function loadFromLocation() {
  const shared = specFromHash(location.hash);
  if (shared != null) {
    select.value = "";
    return setSource(shared);
  }
  return null;
}
window.addEventListener("hashchange", loadFromLocation);

// For the end-to-end test: what the output pane holds (it renders only its visible lines).
window.playground = {
  output: () => output.text,
  outputPath: () => shownPath,
  applied: () => applied,
  timings: () => timings.slice(),
  completion: () => ({ status: completionStatus(view.state), labels: currentCompletions(view.state).map((c) => c.label) }),
  editor: view,
};

await (loadFromLocation() ??
  (() => {
    select.value = EXAMPLES[0].name;
    return setSource(EXAMPLES[0].source);
  })());
document.body.dataset.ready = "true";
