// The podwire playground: every edit recompiles the spec with the podwire
// WebAssembly module (../pkg, web build) within the next animation frame and
// shows the outputs, the diagnostics and the wiring diagram. No backend, no
// network besides this site's own assets.
import { compile, examples, version } from "podwire";
import { EditorView, basicSetup } from "codemirror";
import { yaml } from "@codemirror/lang-yaml";
import { setDiagnostics, lintGutter } from "@codemirror/lint";
import { StateEffect, StateField, RangeSetBuilder } from "@codemirror/state";
import { Decoration } from "@codemirror/view";
import { renderDiagram } from "./diagram.js";
import { shareHash, specFromHash } from "./share.js";
import "./style.css";

const $ = (id) => document.getElementById(id);
const EXAMPLES = examples();
let activePath = "gke/cluster.json";
let lastFiles = [];
let lastResult = null;
let pending = 0;

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

function lineDecorations(doc, diagnostics) {
  const bySeverity = new Map();
  for (const d of diagnostics) {
    const line = d.span?.line;
    if (line == null || line > doc.lines) continue;
    if (bySeverity.get(line) !== "error") bySeverity.set(line, d.severity);
  }
  const b = new RangeSetBuilder();
  for (const line of [...bySeverity.keys()].sort((a, b) => a - b)) {
    const sev = bySeverity.get(line);
    b.add(doc.line(line).from, doc.line(line).from, Decoration.line({ class: `pw-line-${sev}`, attributes: { "data-diag-line": String(line) } }));
  }
  return b.finish();
}

const view = new EditorView({
  parent: $("editor"),
  doc: "",
  extensions: [
    basicSetup,
    yaml(),
    lintGutter(),
    markedLines,
    EditorView.updateListener.of((u) => {
      if (u.docChanged) schedule();
    }),
  ],
});

function schedule() {
  if (pending) return;
  pending = requestAnimationFrame(() => {
    pending = 0;
    recompile();
  });
}

function clampOffset(n, len) {
  return Math.max(0, Math.min(n ?? 0, len));
}

function recompile() {
  const source = view.state.doc.toString();
  const t0 = performance.now();
  const r = compile(source);
  const ms = performance.now() - t0;
  lastResult = r;
  // Editor: inline diagnostics at their UTF-16 offsets (CodeMirror positions).
  const len = view.state.doc.length;
  const cm = r.diagnostics
    .filter((d) => d.span != null)
    .map((d) => {
      const from = clampOffset(d.span.utf16Start, len);
      return {
        from,
        to: Math.max(from, clampOffset(d.span.utf16End, len)),
        severity: d.severity,
        message: `${d.code}: ${d.message}${d.help ? "\nhelp: " + d.help : ""}`,
        source: d.path || undefined,
      };
    });
  const tr = setDiagnostics(view.state, cm);
  view.dispatch({ ...tr, effects: [...[tr.effects ?? []].flat(), setMarkedLines.of(lineDecorations(view.state.doc, r.diagnostics))] });

  renderDiagnostics(r.diagnostics);
  if (r.ok) {
    lastFiles = r.files;
    document.body.classList.remove("stale");
  } else {
    document.body.classList.add("stale");
  }
  $("diagram").innerHTML = renderDiagram(r.graph);
  renderOutput();
  const errors = r.diagnostics.filter((d) => d.severity === "error").length;
  const total = performance.now() - t0;
  $("status").textContent = r.ok
    ? `compiled in ${ms.toFixed(1)} ms, shown in ${total.toFixed(1)} ms`
    : `${errors} error${errors === 1 ? "" : "s"}${lastFiles.length ? " — outputs are from the last good spec" : ""}`;
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
      li.addEventListener("click", () => {
        const pos = clampOffset(d.span.utf16Start, view.state.doc.length);
        view.dispatch({ selection: { anchor: pos }, scrollIntoView: true });
        view.focus();
      });
    }
    ul.append(li);
  }
}

function renderOutput() {
  const f = lastFiles.find((f) => f.path === activePath);
  $("output").textContent = f ? f.content : "";
  $("output").dataset.path = activePath;
  for (const b of document.querySelectorAll("#tabs [role=tab]")) {
    b.setAttribute("aria-selected", String(b.dataset.path === activePath));
  }
}

function setSource(text) {
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text } });
  recompile();
}

function download(file) {
  const blob = new Blob([file.content], { type: file.path.endsWith(".json") ? "application/json" : "application/yaml" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = file.path.replaceAll("/", "-");
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// ---- wiring up ---------------------------------------------------------

$("version").textContent = "v" + version();
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
  const e = EXAMPLES.find((e) => e.name === select.value);
  if (e) setSource(e.source);
});

for (const b of document.querySelectorAll("#tabs [role=tab]")) {
  b.addEventListener("click", () => {
    activePath = b.dataset.path;
    renderOutput();
  });
}
$("download").addEventListener("click", () => {
  const f = lastFiles.find((f) => f.path === activePath);
  if (f) download(f);
});
$("download-all").addEventListener("click", () => lastFiles.forEach(download));
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

function loadFromLocation() {
  const shared = specFromHash(location.hash);
  if (shared != null) {
    select.value = "";
    setSource(shared);
    return true;
  }
  return false;
}
window.addEventListener("hashchange", loadFromLocation);
if (!loadFromLocation()) {
  select.value = EXAMPLES[0].name;
  setSource(EXAMPLES[0].source);
}
document.body.dataset.ready = "true";
