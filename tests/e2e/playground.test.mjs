// End-to-end: the built playground (www/dist) in real headless Chromium
// (Debian's /usr/bin/chromium driven by playwright-core). Loads the page,
// chooses examples, edits fields, and watches outputs, diagnostics, the
// editor's line marks and the diagram follow; downloads an output; opens a
// share link. At 800 px and 1400 px window widths: the layout (panes stack
// or sit side by side, nothing cut off, diagram text >= 11 px, the diagram
// pans), the editor's scroll position after another example, the diagram's
// geometry (edges never overlap, each label on its own edge, edges end at
// their boxes), the Kueue queues, JobSets' Jobs and GPUDirect networks in
// the diagram (flex-h100-kueue, queued-a3-mega, v5e-multislice-jax,
// a3-mega-tcpxo, pytorch-restarts-data), multi-host serving groups with Services
// to their leaders (llama-405b-multihost), GPUDirect RDMA's networks
// (a4-rdma-train), completion and hover docs from the schema, diagnostics with
// their help line on hover, and the time from a keystroke to the updated
// page in a 200-workload spec. Every request must go to the page's own
// origin. Screenshots go to target/e2e-screenshots/ (printed).
//
// Needs: www/dist built (npm --prefix www run build), pkg/ built, chromium
// (scripts/install-wasm-toolchain --browser). Run: node --test tests/e2e/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir, loadavg, cpus } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generated } from "./generated.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dist = path.join(root, "www", "dist");
const require = createRequire(path.join(root, "www", "package.json"));
const { chromium } = require("playwright-core");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const SHOTS = path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "e2e-screenshots");
const WIDTHS = [800, 1400];
const HEIGHT = 900;

const MIME = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".svg": "image/svg+xml" };
let server;
let base;
let context;
let profile;
let podwire; // the Node build of the same package, for expected outputs
let schema;
const requests = [];
const pageErrors = [];
const figures = [];

before(async () => {
  assert.ok(existsSync(path.join(dist, "index.html")), "build the playground first: npm --prefix www run build");
  podwire = await import(pathToFileURL(path.join(root, "pkg", "node.js")).href);
  schema = podwire.schema();
  mkdirSync(SHOTS, { recursive: true });
  console.log(`e2e: screenshots in ${SHOTS}`);
  server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname === "/plain.html") {
      // The package's plain web build, unbundled, as a page would import it.
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        `<!doctype html><link rel="icon" href="data:,"><script type="module">` +
          `import { compile, examples, version } from "/pkg/web.js";` +
          `window.plain = { version: version(), results: examples().map((e) => ({ name: e.name, r: compile(e.source) })) };` +
          `</script>`,
      );
      return;
    }
    let rel = decodeURIComponent(url.pathname).replace(/^\/+/, "") || "index.html";
    let dir = dist;
    if (rel.startsWith("pkg/")) {
      dir = path.join(root, "pkg");
      rel = rel.slice(4);
    }
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": MIME[path.extname(file)] || "application/octet-stream" });
    res.end(readFileSync(file));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${server.address().port}/`;
  profile = mkdtempSync(path.join(tmpdir(), "podwire-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1400, height: HEIGHT },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
  context.on("request", (r) => requests.push(r.url()));
  context.on("page", (p) => {
    p.on("pageerror", (e) => pageErrors.push(String(e)));
    p.on("console", (m) => m.type() === "error" && pageErrors.push(m.text()));
  });
});

after(async () => {
  await context?.close();
  server?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (figures.length) console.log("e2e figures:\n  " + figures.join("\n  "));
});

async function open(url = base, width = 1400) {
  const page = await context.newPage();
  await page.setViewportSize({ width, height: HEIGHT });
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 30000 });
  return page;
}

const output = (page) => page.evaluate(() => window.playground.output());
const diagramText = (page) => page.locator("#diagram svg").textContent();
const workloadsInDiagram = (page) =>
  page.$$eval("#diagram svg g.workload text.wl-name", (ts) => ts.map((t) => t.textContent));
const example = (name) => podwire.examples().find((e) => e.name === name);
const expectedFile = (source, p) => podwire.compile(source).files.find((f) => f.path === p).content;

/** Wait until the diagram shows exactly these workloads (it is laid out asynchronously). */
async function diagramShows(page, names, timeout = 60000) {
  await page.waitForFunction(
    (want) => {
      const d = document.querySelector("#diagram");
      if (d?.dataset.state !== "ready") return false;
      const got = [...d.querySelectorAll("g.workload text.wl-name")].map((t) => t.textContent);
      return JSON.stringify(got.sort()) === JSON.stringify([...want].sort());
    },
    names,
    { timeout },
  );
}

async function chooseExample(page, name) {
  await page.selectOption("#examples", name);
  const g = podwire.compile(example(name).source).graph;
  await diagramShows(page, g.workloads.map((w) => w.name));
  await page.waitForFunction((p) => window.playground.outputPath() === p, "gke/cluster.json");
}

async function shot(page, name) {
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

/**
 * Replace the text of the first editor line containing `needle` (after its
 * indentation, which CodeMirror's Shift+Home keeps) with `text`, by typing.
 */
async function editLine(page, needle, text) {
  const line = page.locator(".cm-line", { hasText: needle }).first();
  await line.click();
  await page.keyboard.press("End");
  await page.keyboard.press("Shift+Home");
  await page.keyboard.type(text.trimStart());
  await page.keyboard.press("Escape"); // close a completion popup, if any
}

/** Put the cursor at the end of the first editor line containing `needle` (through the editor: it renders only the lines in view). */
async function cursorAfter(page, needle) {
  await page.evaluate((n) => {
    const v = window.playground.editor;
    const i = v.state.doc.toString().indexOf(n);
    if (i < 0) throw new Error(`not in the editor: ${n}`);
    v.dispatch({ selection: { anchor: v.state.doc.lineAt(i).to }, scrollIntoView: true });
    v.focus();
  }, needle);
  await page.waitForTimeout(50); // a frame for the scroll
}

// ---- behaviour (at the default width) ------------------------------------

test("loads the first example and shows its outputs and diagram", async () => {
  const page = await open();
  assert.match(await page.locator("#version").textContent(), /^v\d+\.\d+\.\d+/);
  assert.equal(await page.locator("#examples").inputValue(), "seed");
  assert.equal(await output(page), expectedFile(example("seed").source, "gke/cluster.json"));
  await diagramShows(page, ["tensor"]);
  assert.match(await diagramText(page), /default-pool/);
  assert.match(await diagramText(page), /tensor-service/);
  assert.equal(await page.locator("#diagnostics li.diag").count(), 0);
  assert.equal(await page.locator("#diagnostics li.none").count(), 1);
  await page.close();
});

test("choosing an example, tabs, editing a field, diagnostics and line marks, the diagram updating", async () => {
  const page = await open();
  // Every example compiles and is shown (editor marks, diagnostics, output)
  // within a frame: best of five, against a busy machine.
  for (const e of podwire.examples()) {
    const times = [];
    for (let i = 0; i < 5; i++) {
      const n = await page.evaluate(() => window.playground.applied());
      await page.selectOption("#examples", "");
      await page.selectOption("#examples", e.name);
      await page.waitForFunction(
        ([n, want]) => window.playground.applied() > n && window.playground.output() === want,
        [n, expectedFile(e.source, "gke/cluster.json")],
      );
      const status = await page.locator("#status").textContent();
      times.push(Number(/compiled in [\d.]+ ms, shown in ([\d.]+) ms/.exec(status)?.[1]));
    }
    assert.ok(Math.min(...times) < 16, `${e.name}: ${times.join(", ")} ms`);
    await diagramShows(page, podwire.compile(e.source).graph.workloads.map((w) => w.name));
  }
  await page.selectOption("#examples", "pytorch-a3");
  const src = example("pytorch-a3").source;
  const graph = podwire.compile(src).graph;
  await page.waitForFunction(() => window.playground.output().includes("nvidia-h100-80gb"));
  assert.equal(await output(page), expectedFile(src, "gke/cluster.json"));
  await diagramShows(page, graph.workloads.map((w) => w.name));
  for (const p of ["k8s/manifests.yaml", "kubeconfig.yaml", "k8s/manifests.yaml"]) {
    await page.click(`#tabs [data-path='${p}']`);
    await page.waitForFunction((x) => window.playground.outputPath() === x, p);
    assert.equal(await output(page), expectedFile(src, p));
    assert.equal(await page.locator(`#tabs [data-path='${p}']`).getAttribute("aria-selected"), "true");
  }

  // Break a field: an error in the list (line + code), the line marked in the editor.
  const wl = graph.workloads[0];
  const lines = src.split("\n");
  const replicasLine = lines.findIndex((l) => l.trim() === `replicas: ${wl.replicas}`) + 1;
  assert.ok(replicasLine > 0);
  const indent = lines[replicasLine - 1].match(/^\s*/)[0];
  await editLine(page, `replicas: ${wl.replicas}`, `${indent}replicas: lots`);
  const diag = page.locator(`#diagnostics li.diag.error[data-line="${replicasLine}"]`);
  await diag.waitFor();
  const text = await diag.textContent();
  assert.match(text, new RegExp(`line ${replicasLine}:\\d+`));
  assert.match(text, /PW\d{4}/);
  const expected = podwire.compile(src.replace(`replicas: ${wl.replicas}`, "replicas: lots")).diagnostics;
  assert.equal(await page.locator("#diagnostics li.diag").count(), expected.length);
  assert.ok(text.includes(expected[0].code), text);
  await page.waitForSelector(`.cm-line.pw-line-error[data-diag-line="${replicasLine}"]`);
  // Clicking the diagnostic puts the cursor on its line.
  await page.locator(".cm-line", { hasText: "apiVersion" }).first().click();
  await diag.click();
  assert.equal(await page.locator(".cm-activeLine").first().textContent(), lines[replicasLine - 1].replace(`${wl.replicas}`, "lots"));
  assert.ok((await page.locator(".cm-lintRange-error").count()) > 0, "inline underline");
  assert.match(await page.locator("#status").textContent(), /error/);
  assert.ok(await page.locator("#diagram.stale").count(), "the diagram is dimmed while the spec has errors");

  // Fix it with a new value: no diagnostics, outputs and diagram follow.
  await editLine(page, "replicas: lots", `${indent}replicas: 1`);
  await page.waitForFunction(() => document.querySelectorAll("#diagnostics li.diag").length === 0);
  assert.equal(await page.locator(".cm-line.pw-line-error").count(), 0);
  const edited = src.replace(`replicas: ${wl.replicas}`, "replicas: 1");
  await page.waitForFunction((want) => window.playground.output() === want, expectedFile(edited, "k8s/manifests.yaml"));
  await page.waitForFunction((n) => /×1(?!\d)/.test(document.querySelector(`#diagram g.workload[data-workload="${n}"]`)?.textContent ?? ""), wl.name);
  assert.equal(await page.locator("#diagram.stale").count(), 0);

  // Rename the workload: the diagram shows the new name.
  await editLine(page, `- name: ${wl.name}`, `${lines.find((l) => l.includes(`- name: ${wl.name}`)).replace(wl.name, "renamed-wl")}`);
  const renamed = edited.replace(`- name: ${wl.name}`, "- name: renamed-wl");
  const r = podwire.compile(renamed);
  if (r.ok) {
    await page.waitForFunction(() => [...document.querySelectorAll("#diagram text.wl-name")].some((t) => t.textContent === "renamed-wl"));
  } else {
    // Connections still name the old workload: the rename is reported where it is used.
    await page.waitForFunction(() => document.querySelectorAll("#diagnostics li.diag.error").length > 0);
    assert.deepEqual(
      await page.$$eval("#diagnostics li.diag", (ls) => ls.map((l) => l.dataset.code)),
      r.diagnostics.map((d) => d.code),
    );
  }

  // Download the active output.
  await editLine(page, "- name: renamed-wl", lines.find((l) => l.includes(`- name: ${wl.name}`)));
  await page.waitForFunction(() => document.querySelectorAll("#diagnostics li.diag").length === 0);
  await page.waitForFunction((want) => window.playground.output() === want, expectedFile(edited, "k8s/manifests.yaml"));
  const [dl] = await Promise.all([page.waitForEvent("download"), page.click("#download")]);
  assert.equal(dl.suggestedFilename(), "k8s-manifests.yaml");
  assert.equal(readFileSync(await dl.path(), "utf8"), expectedFile(edited, "k8s/manifests.yaml"));
  // Download all: the three files, whichever tab is shown.
  const downloads = [];
  page.on("download", (d) => downloads.push(d));
  await page.click("#download-all");
  await page.waitForFunction(() => true);
  for (let i = 0; i < 50 && downloads.length < 3; i++) await page.waitForTimeout(100);
  assert.deepEqual(downloads.map((d) => d.suggestedFilename()).sort(), ["gke-cluster.json", "k8s-manifests.yaml", "kubeconfig.yaml"]);
  for (const d of downloads) {
    const p = d.suggestedFilename().replace("gke-", "gke/").replace("k8s-", "k8s/");
    assert.equal(readFileSync(await d.path(), "utf8"), expectedFile(edited, p), p);
  }

  // Share: the link carries this spec.
  await page.click("#share");
  const url = await page.locator("#share-url").inputValue();
  assert.ok(url.startsWith(base + "#spec="), url);
  const frag = url.slice(url.indexOf("#spec=") + 6);
  assert.match(frag, /^[A-Za-z0-9_-]+$/, "base64url without padding");
  assert.equal(Buffer.from(frag, "base64url").toString("utf8"), edited);
  await page.close();
});

test("opening a share link shows that spec compiled", async () => {
  const spec = example("seed").source.replace("name: tensor", "name: shared-ütf8").replace("# The seed", "# Shared 😀 seed");
  // Non-ASCII names are invalid: use a valid name and a non-ASCII comment.
  const valid = spec.replace("shared-ütf8", "from-link");
  const link = base + "#spec=" + Buffer.from(valid, "utf8").toString("base64url");
  const page = await open(link);
  await diagramShows(page, ["from-link"]);
  assert.equal(await output(page), expectedFile(valid, "gke/cluster.json"));
  assert.equal(await page.locator("#examples").inputValue(), "");
  // And a link with an invalid spec shows its diagnostics.
  const bad = base + "#spec=" + Buffer.from(spec, "utf8").toString("base64url");
  await page.goto(bad);
  await page.waitForSelector("#diagnostics li.diag.error");
  const codes = await page.$$eval("#diagnostics li.diag", (ls) => ls.map((l) => l.dataset.code));
  assert.deepEqual(codes, podwire.compile(spec).diagnostics.map((d) => d.code));
  // The same page (only the hash changed): the last wiring, dimmed.
  assert.equal(await page.locator("#diagram.stale g.workload").count(), 1);
  // A fresh page with no wiring to show yet says why.
  const fresh = await open(bad);
  await fresh.waitForSelector("#diagnostics li.diag.error");
  assert.equal(await fresh.locator("#diagram").textContent(), "fix the errors to see the wiring");
  await fresh.close();
  await page.close();
});

test("the package's plain web build works in the browser without a bundler", async () => {
  const page = await context.newPage();
  await page.goto(base + "plain.html");
  await page.waitForFunction(() => window.plain, null, { timeout: 20000 });
  const plain = await page.evaluate(() => window.plain);
  assert.equal(plain.version, podwire.version());
  assert.deepEqual(
    plain.results.map((x) => x.name),
    podwire.examples().map((e) => e.name),
  );
  for (const { name, r } of plain.results) {
    assert.deepEqual(r, podwire.compile(podwire.examples().find((e) => e.name === name).source), name);
  }
  await page.close();
});

// ---- geometry of the page and of the diagram -------------------------------

/** Boxes, edges and labels of the drawn diagram, in SVG units, and the smallest rendered text size. */
function readDiagram() {
  const svg = document.querySelector("#diagram svg");
  const rect = (r) => ({ x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"), h: +r.getAttribute("height") });
  const boxes = [];
  for (const g of svg.querySelectorAll("g.workload")) boxes.push({ kind: "workload", name: g.dataset.workload, ...rect(g.querySelector("rect")) });
  for (const g of svg.querySelectorAll("g.external")) boxes.push({ kind: "external", name: g.dataset.external, side: g.dataset.side, ...rect(g.querySelector("rect")) });
  for (const g of svg.querySelectorAll("g.queue")) boxes.push({ kind: "queue", name: "queue " + g.dataset.queue, queue: g.dataset.queue, clusterQueue: g.dataset.clusterQueue, text: g.textContent, ...rect(g.querySelector("rect")) });
  const points = (g) => {
    const nums = g.querySelector("path").getAttribute("d").match(/-?[\d.]+/g).map(Number);
    const pts = [];
    for (let i = 0; i < nums.length; i += 2) pts.push({ x: nums[i], y: nums[i + 1] });
    return pts;
  };
  const admissions = [...svg.querySelectorAll("g.admission")].map((g) => {
    const b = g.querySelector("text")?.getBBox();
    return { queue: g.dataset.queue, workload: g.dataset.workload, points: points(g), label: b && { text: g.querySelector("text").textContent, x: b.x, y: b.y, w: b.width, h: b.height } };
  });
  const jobs = [...svg.querySelectorAll("g.workload[data-jobset]")].map((g) => ({
    workload: g.dataset.workload,
    box: rect(g.querySelector(":scope > rect")),
    kindLine: g.querySelectorAll(":scope > text")[1]?.textContent,
    jobs: [...g.querySelectorAll("g.job")].map((j) => ({ name: j.dataset.job, text: j.textContent, ...rect(j.querySelector("rect")) })),
  }));
  const extras = [...svg.querySelectorAll("g.pool-label")].map((g) => ({
    pool: g.dataset.pool,
    rows: [...g.querySelectorAll("g.pool-extra")].map((e) => {
      const b = e.getBBox();
      return { cls: e.getAttribute("class"), network: e.dataset.network ?? null, text: e.querySelector("text").textContent, tip: e.querySelector("title")?.textContent, x: b.x, y: b.y, w: b.width, h: b.height };
    }),
  }));
  const pools = [...svg.querySelectorAll("g.pool")].map((g) => {
    const t = svg.querySelector(`g.pool-label[data-pool="${CSS.escape(g.dataset.pool)}"]`)?.getBBox();
    return { name: g.dataset.pool, ...rect(g.querySelector("rect")), title: t && { x: t.x, y: t.y, w: t.width, h: t.height } };
  });
  const flows = [...svg.querySelectorAll("g.flow")].map((g) => {
    const nums = g.querySelector("path").getAttribute("d").match(/-?[\d.]+/g).map(Number);
    const points = [];
    for (let i = 0; i < nums.length; i += 2) points.push({ x: nums[i], y: nums[i + 1] });
    const t = g.querySelector("text.flow-label");
    const b = t.getBBox();
    return { flow: g.dataset.flow, ports: g.dataset.ports, points, label: { text: t.textContent, x: b.x, y: b.y, w: b.width, h: b.height } };
  });
  const scale = svg.getScreenCTM().a;
  const sizes = [...svg.querySelectorAll("text")].map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
  return { boxes, pools, flows, admissions, jobs, extras, minText: Math.min(...sizes), texts: sizes.length };
}

function distToSegment(p, a, b) {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = dx * dx + dy * dy;
  const t = len ? Math.max(0, Math.min(1, ((p.x - a.x) * dx + (p.y - a.y) * dy) / len)) : 0;
  return Math.hypot(p.x - (a.x + t * dx), p.y - (a.y + t * dy));
}
const distToPolyline = (p, pts) => Math.min(...pts.slice(1).map((b, i) => distToSegment(p, pts[i], b)));
/** Distance between a rectangle and a polyline of axis-aligned segments (0 when they touch). */
const rectToPolyline = (r, pts) =>
  Math.min(
    ...pts.slice(1).map((b, i) => {
      const a = pts[i];
      const dx = Math.max(0, r.x - Math.max(a.x, b.x), Math.min(a.x, b.x) - (r.x + r.w));
      const dy = Math.max(0, r.y - Math.max(a.y, b.y), Math.min(a.y, b.y) - (r.y + r.h));
      return Math.hypot(dx, dy);
    }),
  );
const intersects = (a, b, pad = 0) => a.x < b.x + b.w + pad && b.x < a.x + a.w + pad && a.y < b.y + b.h + pad && b.y < a.y + a.h + pad;
/** Is point p on the border of rect r (within tol)? */
const onBorder = (p, r, tol = 2) =>
  p.x >= r.x - tol && p.x <= r.x + r.w + tol && p.y >= r.y - tol && p.y <= r.y + r.h + tol &&
  (Math.abs(p.x - r.x) <= tol || Math.abs(p.x - r.x - r.w) <= tol || Math.abs(p.y - r.y) <= tol || Math.abs(p.y - r.y - r.h) <= tol);

/** Pairs of polylines ({name, points}) that share a stretch of line (collinear overlapping segments). */
function overlaps(lines) {
  const problems = [];
  const segs = lines.map((f) => f.points.slice(1).map((b, i) => [f.points[i], b]));
  for (let i = 0; i < segs.length; i++) {
    for (let j = i + 1; j < segs.length; j++) {
      for (const [a1, b1] of segs[i]) {
        for (const [a2, b2] of segs[j]) {
          const horiz = Math.abs(a1.y - b1.y) < 0.5 && Math.abs(a2.y - b2.y) < 0.5 && Math.abs(a1.y - a2.y) < 1;
          const vert = Math.abs(a1.x - b1.x) < 0.5 && Math.abs(a2.x - b2.x) < 0.5 && Math.abs(a1.x - a2.x) < 1;
          const overlap = horiz
            ? Math.min(Math.max(a1.x, b1.x), Math.max(a2.x, b2.x)) - Math.max(Math.min(a1.x, b1.x), Math.min(a2.x, b2.x))
            : vert
              ? Math.min(Math.max(a1.y, b1.y), Math.max(a2.y, b2.y)) - Math.max(Math.min(a1.y, b1.y), Math.min(a2.y, b2.y))
              : 0;
          if (overlap > 2) problems.push(`${lines[i].name} and ${lines[j].name} overlap for ${overlap.toFixed(0)} px`);
        }
      }
    }
  }
  return problems;
}

/** Checks the drawn diagram against the core's graph; returns a list of problems. */
function diagramProblems(d, graph) {
  const problems = [];
  const wl = new Set(graph.workloads.map((w) => w.name));
  const box = (name, side) => d.boxes.find((b) => (wl.has(name) ? b.kind === "workload" && b.name === name : b.kind === "external" && b.name === name && b.side === side));
  const connections = graph.flows.filter((f) => f.kind !== "peers");
  if (d.flows.length !== connections.length) problems.push(`${d.flows.length} arrows for ${connections.length} flows`);
  const drawn = d.flows.map((f) => f.flow).sort();
  const want = connections.map((f) => `${f.from}->${f.to}`).sort();
  if (JSON.stringify(drawn) !== JSON.stringify(want)) problems.push(`arrows ${drawn} != flows ${want}`);
  // Every arrow starts at its source's box and ends at its target's.
  for (const f of d.flows) {
    const [from, to] = f.flow.split("->");
    const a = box(from, "from");
    const b = box(to, "to");
    if (!a || !b) {
      problems.push(`${f.flow}: no box for an end`);
      continue;
    }
    if (!onBorder(f.points[0], a)) problems.push(`${f.flow}: starts at ${JSON.stringify(f.points[0])}, not at ${from}'s box ${JSON.stringify(a)}`);
    if (!onBorder(f.points.at(-1), b, 3)) problems.push(`${f.flow}: ends at ${JSON.stringify(f.points.at(-1))}, not at ${to}'s box ${JSON.stringify(b)}`);
  }
  // No two arrows share a stretch of line (collinear overlapping segments).
  problems.push(...overlaps(d.flows.map((f) => ({ name: f.flow, points: f.points }))));
  // Each label says its flow's ports, sits at its own arrow, and covers no box and no other label.
  for (const f of d.flows) {
    const [from, to] = f.flow.split("->");
    const flow = connections.find((c) => c.from === from && c.to === to);
    const want = flow.ports.length ? flow.ports.join(", ") : "all ports";
    if (f.label.text !== want) problems.push(`${f.flow}: label ${f.label.text}, ports ${want}`);
    const own = rectToPolyline(f.label, f.points);
    if (own > 10) problems.push(`${f.flow}: label ${own.toFixed(0)} px from its arrow`);
    // ... and nearer to it than to any other arrow.
    for (const g of d.flows) {
      if (g !== f && rectToPolyline(f.label, g.points) < own) problems.push(`${f.flow}: label nearer to ${g.flow}'s arrow`);
    }
    for (const b of d.boxes) if (intersects(f.label, b)) problems.push(`${f.flow}: label covers ${b.name}`);
    for (const g of d.flows) if (g !== f && intersects(f.label, g.label)) problems.push(`${f.flow}: label covers ${g.flow}'s`);
  }
  // Workloads inside their pools, boxes not on each other.
  for (const w of graph.workloads) {
    const b = box(w.name);
    const p = d.pools.find((x) => x.name === w.pool);
    if (!(b && p && b.x >= p.x && b.y >= p.y && b.x + b.w <= p.x + p.w && b.y + b.h <= p.y + p.h)) problems.push(`${w.name} is not inside pool ${w.pool}`);
  }
  // A pool's name and machine line inside its box, clear of its workloads.
  for (const p of d.pools) {
    const t = p.title;
    if (!t || t.x < p.x || t.y < p.y || t.x + t.w > p.x + p.w + 0.5 || t.y + t.h > p.y + p.h) problems.push(`pool ${p.name}'s title ${JSON.stringify(t)} is not inside its box ${JSON.stringify(p)}`);
    for (const b of d.boxes) if (t && intersects(t, b)) problems.push(`pool ${p.name}'s title covers ${b.name}`);
  }
  for (let i = 0; i < d.boxes.length; i++) for (let j = i + 1; j < d.boxes.length; j++) if (intersects(d.boxes[i], d.boxes[j], -1)) problems.push(`${d.boxes[i].name} and ${d.boxes[j].name} overlap`);
  if (d.minText < 11) problems.push(`text rendered at ${d.minText.toFixed(1)} px`);
  return problems;
}

/** Nothing sticks out of the window sideways; returns problems. */
function layoutProblems() {
  const out = [];
  const W = document.documentElement.clientWidth;
  if (document.documentElement.scrollWidth > W + 1) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${W}`);
  const sel = ["header h1", "#examples", "#share", "#share-url", "#download-all", "#status", "#editor", "#diagnostics-panel", "#diagram-panel", "#diagram-caption", "#tabs", "#output", "#download", ...[...document.querySelectorAll("#tabs [role=tab]")].map((_, i) => `#tabs [role=tab]:nth-of-type(${i + 1})`)];
  for (const s of sel) {
    const e = document.querySelector(s);
    if (!e) {
      out.push(`${s} missing`);
      continue;
    }
    const r = e.getBoundingClientRect();
    if (r.width <= 0 || r.height <= 0) out.push(`${s} has no size`);
    if (r.left < -0.5 || r.right > W + 0.5) out.push(`${s} is cut off: ${r.left.toFixed(0)}..${r.right.toFixed(0)} of ${W}`);
    if (e.scrollWidth > e.clientWidth + 1 && ["#status", "#diagram-caption", "header h1", "#tabs", "#share", "#download-all", "#download"].includes(s)) out.push(`${s} clips its text`);
  }
  // Buttons of the tab row do not overlap one another.
  const tabs = [...document.querySelectorAll("#tabs button")].map((b) => b.getBoundingClientRect());
  for (let i = 0; i < tabs.length; i++) for (let j = i + 1; j < tabs.length; j++) {
    const a = tabs[i];
    const b = tabs[j];
    if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) out.push(`tab buttons ${i} and ${j} overlap`);
  }
  return out;
}

for (const width of WIDTHS) {
  test(`${width}px: the panes ${width < 1000 ? "stack" : "sit side by side"}, nothing is cut off, the diagram's text stays >= 11 px and it pans`, async () => {
    const page = await open(base, width);
    await chooseExample(page, "mixed-stack");
    assert.deepEqual(await page.evaluate(layoutProblems), []);
    const r = await page.evaluate(() => Object.fromEntries(["#editor", "#diagnostics-panel", "#diagram-panel", "#output-panel"].map((s) => [s, document.querySelector(s).getBoundingClientRect().toJSON()])));
    if (width < 1000) {
      // One column: editor, diagnostics, diagram, outputs, each the window's width.
      assert.ok(r["#editor"].bottom <= r["#diagnostics-panel"].top + 1 && r["#diagnostics-panel"].bottom <= r["#diagram-panel"].top + 1 && r["#diagram-panel"].bottom <= r["#output-panel"].top + 1, JSON.stringify(r));
      for (const k of Object.keys(r)) assert.ok(r[k].width >= width - 20, `${k} is ${r[k].width} px wide`);
      assert.ok(r["#editor"].height >= 300, `editor ${r["#editor"].height} px tall`);
    } else {
      assert.ok(r["#editor"].right <= r["#diagram-panel"].left + 1, JSON.stringify(r));
      assert.ok(Math.abs(r["#editor"].top - r["#diagram-panel"].top) < 2);
      assert.ok(r["#diagram-panel"].bottom <= r["#output-panel"].top + 1);
      // The page is the window: every pane ends inside it.
      for (const k of Object.keys(r)) assert.ok(r[k].bottom <= HEIGHT + 1, `${k} ends at ${r[k].bottom}`);
    }
    const d = await page.evaluate(readDiagram);
    assert.ok(d.texts > 10);
    assert.ok(d.minText >= 11, `diagram text at ${d.minText} px`);
    await shot(page, `${width}-mixed-stack`);
    // Flows left to right beside the editor, top to bottom when the panes stack.
    assert.equal(await page.locator("#diagram").getAttribute("data-direction"), width < 1000 ? "DOWN" : "RIGHT");
    if (width < 1000) {
      await page.locator("#diagram-panel").evaluate((e) => e.scrollIntoView({ block: "start" }));
      await shot(page, `${width}-mixed-stack-diagram`);
      await page.locator("#output-panel").evaluate((e) => e.scrollIntoView({ block: "start" }));
      await shot(page, `${width}-mixed-stack-output`);
      await page.evaluate(() => window.scrollTo(0, 0));
    }
    // Larger than its panel: says so, and a drag pans it (its scale stays 1).
    const scroll = page.locator("#diagram-scroll");
    const dims = await scroll.evaluate((e) => ({ sw: e.scrollWidth, cw: e.clientWidth, sh: e.scrollHeight, ch: e.clientHeight }));
    const wide = dims.sw > dims.cw + 1;
    const tall = dims.sh > dims.ch + 1;
    assert.equal(await page.locator("#diagram-hint").isVisible(), wide || tall, JSON.stringify(dims));
    if (wide || tall) {
      await scroll.evaluate((e) => e.scrollIntoView({ block: "nearest" }));
      const b = await scroll.boundingBox();
      const [x0, y0, x1, y1] = wide ? [b.x + b.width - 40, b.y + 40, b.x + 40, b.y + 40] : [b.x + 40, b.y + b.height - 40, b.x + 40, b.y + 40];
      await page.mouse.move(x0, y0);
      await page.mouse.down();
      await page.mouse.move(x1, y1, { steps: 5 });
      await page.mouse.up();
      const moved = await scroll.evaluate((e, w) => (w ? e.scrollLeft : e.scrollTop), wide);
      assert.ok(moved > 50, `dragging panned ${moved} px (panel ${JSON.stringify(dims)})`);
      assert.equal((await page.evaluate(readDiagram)).minText >= 11, true);
    }
    await page.close();
  });

  test(`${width}px: the editor's scroll position resets when another example replaces the document`, async () => {
    const page = await open(base, width);
    await chooseExample(page, "mixed-stack");
    // A long line, so that the editor scrolls sideways; then scroll it both ways.
    await cursorAfter(page, "ports: [443]");
    await page.keyboard.press("Enter");
    await page.keyboard.type("# " + "a very long comment line ".repeat(12));
    await page.keyboard.press("Escape");
    const scroller = page.locator("#editor .cm-scroller");
    await scroller.evaluate((e) => {
      e.scrollLeft = 400;
      e.scrollTop = 300;
    });
    const before = await scroller.evaluate((e) => ({ left: e.scrollLeft, top: e.scrollTop }));
    assert.ok(before.left >= 300 && before.top >= 200, JSON.stringify(before));
    await chooseExample(page, "serving-l4-spot");
    await page.waitForTimeout(100);
    const after = await scroller.evaluate((e) => ({ left: e.scrollLeft, top: e.scrollTop }));
    assert.deepEqual(after, { left: 0, top: 0 });
    // The first characters of every line are visible: line 1 starts at the content's left edge.
    const firstLine = example("serving-l4-spot").source.split("\n")[0];
    const seen = await page.evaluate(() => {
      const line = document.querySelector("#editor .cm-line");
      const range = document.createRange();
      range.setStart(line.firstChild.firstChild ?? line.firstChild, 0);
      range.setEnd(line.firstChild.firstChild ?? line.firstChild, 1);
      const c = range.getBoundingClientRect();
      const box = document.querySelector("#editor .cm-scroller").getBoundingClientRect();
      const gutter = document.querySelector("#editor .cm-gutters").getBoundingClientRect();
      return { text: line.textContent, left: c.left, gutterRight: gutter.right, boxRight: box.right };
    });
    assert.equal(seen.text, firstLine);
    assert.ok(seen.left >= seen.gutterRight - 1 && seen.left < seen.gutterRight + 12, JSON.stringify(seen));
    await shot(page, `${width}-editor-after-example-change`);
    await page.close();
  });

  test(`${width}px: the diagram (elkjs): arrows never overlap, each label sits at its own arrow, arrows end at their boxes; also with 40 workloads`, async () => {
    const page = await open(base, width);
    for (const name of ["mixed-stack", "serving-l4-spot", "pytorch-a3", "tpu-v5e-jax"]) {
      await chooseExample(page, name);
      const d = await page.evaluate(readDiagram);
      assert.deepEqual(diagramProblems(d, podwire.compile(example(name).source).graph), [], name);
    }
    // Dozens of workloads and flows: two pools, a chain of 39 flows across
    // them, and a fan-in and fan-out through shared endpoints.
    let big = generated(40);
    big = big.replace("connections:\n", "connections:\n  - {from: internet, to: w0, ports: [http]}\n  - {from: internet, to: w5, ports: [http]}\n  - {from: w7, to: internet, ports: [443]}\n  - {from: {cidr: 10.0.0.0/8}, to: w9}\n");
    const graph = podwire.compile(big).graph;
    assert.ok(graph, "the generated spec compiles");
    await page.goto(base + "#spec=" + Buffer.from(big).toString("base64url"));
    await page.waitForSelector("body[data-ready=true]");
    await diagramShows(page, graph.workloads.map((w) => w.name), 120000);
    // Narrow: top to bottom would put the pools' workloads side by side, far wider than the window: left to right instead.
    assert.equal(await page.locator("#diagram").getAttribute("data-direction"), "RIGHT");
    const d = await page.evaluate(readDiagram);
    assert.deepEqual(diagramProblems(d, graph), []);
    await shot(page, `${width}-40-workloads`);
    // The whole diagram, drawn on its own (it is larger than its panel).
    const { svg, css, w, h } = await page.evaluate(async () => {
      const el = document.querySelector("#diagram svg");
      const href = document.querySelector("link[rel=stylesheet]")?.href;
      const css = href ? await (await fetch(href)).text() : "";
      return { svg: el.outerHTML, css, w: el.width.baseVal.value, h: el.height.baseVal.value };
    });
    const p2 = await context.newPage();
    await p2.setViewportSize({ width: Math.min(8000, Math.ceil(w) + 16), height: Math.min(8000, Math.ceil(h) + 16) });
    await p2.setContent(`<style>${css}</style><body style="height:auto;display:block">${svg}</body>`);
    await shot(p2, `${width}-40-workloads-whole-diagram`);
    await p2.close();
    await page.close();
  });

  test(`${width}px: the diagram shows Kueue queues, JobSets with their Jobs, and GPUDirect's GPU networks beside the pod network`, async () => {
    const page = await open(base, width);
    const within = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
    const seen = { queues: 0, jobsets: 0, slices: 0, networks: 0 };
    for (const name of ["flex-h100-kueue", "queued-a3-mega", "v5e-multislice-jax", "a3-mega-tcpxo", "pytorch-restarts-data"]) {
      await chooseExample(page, name);
      const g = podwire.compile(example(name).source).graph;
      const d = await page.evaluate(readDiagram);
      const problems = diagramProblems(d, g);
      // Queues: one box per LocalQueue naming its ClusterQueue and pools, a
      // dashed arrow from it to each workload it admits (from box to box,
      // labelled with the priority), clear of every other arrow.
      const qs = d.boxes.filter((b) => b.kind === "queue");
      if (qs.length !== g.queues.length) problems.push(`${qs.length} queue boxes for ${g.queues.length} queues`);
      for (const q of g.queues) {
        const b = qs.find((x) => x.queue === q.name);
        if (!b) {
          problems.push(`no box for queue ${q.name}`);
          continue;
        }
        seen.queues++;
        if (b.clusterQueue !== q.clusterQueue || !b.text.includes(q.clusterQueue) || !q.pools.every((p) => b.text.includes(p))) problems.push(`queue ${q.name}: ${b.text}`);
        const arrows = d.admissions.filter((a) => a.queue === q.name);
        if (JSON.stringify(arrows.map((a) => a.workload).sort()) !== JSON.stringify([...q.workloads].sort())) problems.push(`queue ${q.name} admits ${arrows.map((a) => a.workload)}, not ${q.workloads}`);
        for (const a of arrows) {
          const w = g.workloads.find((x) => x.name === a.workload);
          const wb = d.boxes.find((x) => x.kind === "workload" && x.name === a.workload);
          if (!onBorder(a.points[0], b)) problems.push(`queue ${q.name} -> ${a.workload}: starts off the queue's box`);
          if (!onBorder(a.points.at(-1), wb, 3)) problems.push(`queue ${q.name} -> ${a.workload}: ends off the workload's box`);
          const want = `admits${w.priority ? " · " + w.priority : ""}`;
          if (a.label?.text !== want) problems.push(`queue ${q.name} -> ${a.workload}: label ${a.label?.text}, want ${want}`);
          else if (rectToPolyline(a.label, a.points) > 10) problems.push(`queue ${q.name} -> ${a.workload}: label away from its arrow`);
          for (const x of d.boxes) if (a.label && intersects(a.label, x)) problems.push(`queue ${q.name} -> ${a.workload}: label covers ${x.name}`);
        }
      }
      problems.push(...overlaps([...d.flows.map((f) => ({ name: f.flow, points: f.points })), ...d.admissions.map((a) => ({ name: `${a.queue}=>${a.workload}`, points: a.points }))]));
      // JobSets: the workload box holds one box per Job (slice), each naming the Job and its pods.
      for (const w of g.workloads) {
        const drawn = d.jobs.find((j) => j.workload === w.name);
        if (!w.jobset) {
          if (drawn) problems.push(`${w.name} (${w.kind}) drawn as a JobSet`);
          continue;
        }
        seen.jobsets++;
        if (!drawn) {
          problems.push(`${w.name}: no JobSet group`);
          continue;
        }
        if (JSON.stringify(drawn.jobs.map((j) => j.name)) !== JSON.stringify(w.jobset.jobs.map((j) => j.name))) problems.push(`${w.name}: jobs ${drawn.jobs.map((j) => j.name)}`);
        const restarts = w.jobset.restarts ? ` · ${w.jobset.restarts} restart` : "";
        if (!drawn.kindLine?.startsWith(`JobSet ×${w.replicas}${restarts}`)) problems.push(`${w.name}: "${drawn.kindLine}"`);
        for (const [i, j] of drawn.jobs.entries()) {
          if (!within(j, drawn.box)) problems.push(`${j.name} outside ${w.name}'s box`);
          if (!j.text.includes(`${w.jobset.jobs[i].pods} pod`)) problems.push(`${j.name}: ${j.text}`);
          for (const k of drawn.jobs.slice(i + 1)) if (intersects(j, k)) problems.push(`${j.name} and ${k.name} overlap`);
        }
      }
      // Pools: the slices of a multislice pool; on a GPUDirect pool the pod
      // network and, beside it, the GPU networks (mode, NIC count, VPCs, MTU),
      // inside the pool's box above its workloads.
      for (const p of g.pools) {
        const rows = d.extras.find((e) => e.pool === p.name)?.rows ?? [];
        const box = d.pools.find((x) => x.name === p.name);
        for (const r of rows) {
          if (!within(r, box)) problems.push(`pool ${p.name}: row "${r.text}" outside its box`);
          for (const b of d.boxes) if (intersects(r, b)) problems.push(`pool ${p.name}: row "${r.text}" covers ${b.name}`);
        }
        if (p.nodePools.length > 1) {
          seen.slices++;
          const r = rows.find((x) => x.cls.includes("slices"));
          if (!r || !p.nodePools.every((n) => r.text.includes(n))) problems.push(`pool ${p.name}: slices ${r?.text}`);
        }
        const pod = rows.find((r) => r.network === "pod");
        const gpu = rows.filter((r) => r.network === "gpu");
        if (!p.gpuDirect) {
          if (pod || gpu.length) problems.push(`pool ${p.name} without GPUDirect shows networks`);
          continue;
        }
        seen.networks++;
        if (!pod?.text.includes(g.network)) problems.push(`pool ${p.name}: pod network row ${pod?.text}`);
        const nics = p.networks.reduce((k, n) => k + n.ranges.length, 0);
        const mode = { tcpx: "GPUDirect-TCPX", tcpxo: "GPUDirect-TCPXO", rdma: "GPUDirect RDMA" }[p.gpuDirect];
        if (!gpu.length || !gpu[0].text.includes(mode) || !gpu[0].text.includes(`${nics} `) || !gpu[0].text.includes(`${p.networks.length} VPC`) || !gpu[0].text.includes(`MTU ${p.networks[0].mtu}`)) problems.push(`pool ${p.name}: GPU networks row ${gpu[0]?.text}`);
        if (gpu.length && !p.networks.every((n) => n.ranges.every((r) => gpu.some((x) => x.tip.includes(r))))) problems.push(`pool ${p.name}: the GPU networks' ranges are not all in the row's title`);
        if (pod && gpu.length && !(Math.abs(pod.x - gpu[0].x) < 1 && pod.y + pod.h <= gpu[0].y + 0.5)) problems.push(`pool ${p.name}: the GPU networks are not beside (under) the pod network`);
      }
      assert.deepEqual(problems, [], name);
      if (width < 1000) await page.locator("#diagram-panel").evaluate((e) => e.scrollIntoView({ block: "start" }));
      await shot(page, `${width}-${name}`);
      await page.evaluate(() => window.scrollTo(0, 0));
    }
    assert.deepEqual(seen, { queues: 3, jobsets: 2, slices: 1, networks: 1 }, "each kind is covered");
    await page.close();
  });

  test(`${width}px: the diagram shows a multi-host server as its groups (leader and workers, ×groups) with Services to the leaders, and GPUDirect RDMA's networks`, async () => {
    const page = await open(base, width);
    const within = (a, b) => a.x >= b.x - 0.5 && a.y >= b.y - 0.5 && a.x + a.w <= b.x + b.w + 0.5 && a.y + a.h <= b.y + b.h + 0.5;
    // llama-405b-multihost: a LeaderWorkerSet of 1–2 groups of 2 pods.
    await chooseExample(page, "llama-405b-multihost");
    const g = podwire.compile(example("llama-405b-multihost").source).graph;
    const problems = diagramProblems(await page.evaluate(readDiagram), g);
    const drawn = await page.evaluate(() =>
      [...document.querySelectorAll("#diagram g.workload")].map((w) => {
        const rect = (r) => ({ x: +r.getAttribute("x"), y: +r.getAttribute("y"), w: +r.getAttribute("width"), h: +r.getAttribute("height") });
        const grp = w.querySelector("g.group");
        return {
          name: w.dataset.workload,
          box: rect(w.querySelector(":scope > rect")),
          texts: [...w.querySelectorAll(":scope > text")].map((t) => t.textContent),
          group: grp && {
            box: rect(grp.querySelector(":scope > rect")),
            head: grp.querySelector(".group-head").textContent,
            tip: grp.querySelector("title").textContent,
            pods: [...grp.querySelectorAll("g.group-pod")].map((p) => ({ cls: p.getAttribute("class"), text: p.textContent, ...rect(p.querySelector("rect")) })),
          },
        };
      }),
    );
    let servers = 0;
    for (const w of g.workloads) {
      const d = drawn.find((x) => x.name === w.name);
      if (!w.groups) {
        if (d?.group) problems.push(`${w.name} (${w.kind}) drawn with groups`);
        continue;
      }
      servers++;
      const gr = w.groups;
      const count = gr.maxReplicas > gr.replicas ? `${gr.replicas}–${gr.maxReplicas}` : `${gr.replicas}`;
      if (!d?.group) {
        problems.push(`${w.name}: no group box`);
        continue;
      }
      if (!d.texts[1]?.startsWith(`LeaderWorkerSet · ${count} groups × ${gr.size} pods`)) problems.push(`${w.name}: kind line "${d.texts[1]}"`);
      if (d.group.head !== `group ×${count} · ${gr.size} pods each`) problems.push(`${w.name}: group head "${d.group.head}"`);
      if (!within(d.group.box, d.box)) problems.push(`${w.name}: the group box is outside the workload's`);
      const want = [`leader ${gr.leader} · serves`, ...gr.workers.map((n) => `worker ${n}`)];
      if (JSON.stringify(d.group.pods.map((p) => p.text)) !== JSON.stringify(want)) problems.push(`${w.name}: pods ${d.group.pods.map((p) => p.text)}, want ${want}`);
      if (!d.group.pods[0]?.cls.includes("leader")) problems.push(`${w.name}: the first pod is not marked as the leader`);
      for (const [i, p] of d.group.pods.entries()) {
        if (!within(p, d.group.box)) problems.push(`${w.name}: ${p.text} outside the group box`);
        for (const q of d.group.pods.slice(i + 1)) if (p.y + p.h > q.y) problems.push(`${w.name}: ${p.text} and ${q.text} overlap`);
      }
      if (!d.group.tip.includes(gr.groupService)) problems.push(`${w.name}: the group's title lacks its Service ${gr.groupService}`);
      // Every Service of a multi-host server reaches its leaders only.
      const svcs = g.services.filter((s) => s.workload === w.name);
      if (!svcs.length) problems.push(`${w.name}: no Services in the graph`);
      for (const s of svcs) {
        if (s.targets !== "leaders") problems.push(`${s.name}: targets ${s.targets}`);
        if (!d.texts.includes(`${s.name} · ${s.kind} → leaders`)) problems.push(`${s.name}: not drawn as reaching the leaders (${d.texts})`);
      }
    }
    if (servers !== 1) problems.push(`${servers} multi-host servers drawn`);
    assert.deepEqual(problems, [], "llama-405b-multihost");
    if (width < 1000) await page.locator("#diagram-panel").evaluate((e) => e.scrollIntoView({ block: "start" }));
    await shot(page, `${width}-llama-405b-multihost`);
    await page.evaluate(() => window.scrollTo(0, 0));

    // a4-rdma-train: the pod network, then one row per kind of GPU network
    // (the second gVNIC's VPC and the RDMA NICs' RoCE VPC), each with its
    // NIC count, VPCs and MTU, its ranges in the row's title.
    await chooseExample(page, "a4-rdma-train");
    const a4 = podwire.compile(example("a4-rdma-train").source).graph;
    const d4 = await page.evaluate(readDiagram);
    const p4 = diagramProblems(d4, a4);
    const NET_ROLE = { gpu: "GPU NIC", gvnic: "gVNIC", rdma: "RDMA NIC" };
    const pool = a4.pools.find((p) => p.gpuDirect === "rdma");
    assert.ok(pool, "a4-rdma-train has an RDMA pool");
    const rows = d4.extras.find((e) => e.pool === pool.name)?.rows ?? [];
    const box = d4.pools.find((x) => x.name === pool.name);
    const pod = rows.find((r) => r.network === "pod");
    const gpu = rows.filter((r) => r.network === "gpu");
    if (!pod?.text.includes(a4.network)) p4.push(`pod network row ${pod?.text}`);
    const roles = [...new Set(pool.networks.map((n) => n.role))];
    assert.deepEqual([...roles].sort(), ["gvnic", "rdma"]);
    if (gpu.length !== roles.length) p4.push(`${gpu.length} GPU network rows for roles ${roles}`);
    for (const [i, role] of roles.entries()) {
      const nets = pool.networks.filter((n) => n.role === role);
      const nics = nets.reduce((k, n) => k + n.ranges.length, 0);
      const r = gpu[i];
      const want = `GPUDirect RDMA · ${nics} ${NET_ROLE[role]}${nics === 1 ? "" : "s"} · `;
      if (!r?.text.startsWith(want) || !r.text.includes(`${nets.length} VPC`) || !r.text.includes(`MTU ${nets[0].mtu}`)) p4.push(`${role}: row "${r?.text}", want "${want}… VPC · MTU ${nets[0].mtu}"`);
      if (r && !r.tip.includes(nets[0].name)) p4.push(`${role}: the row's title lacks its VPC ${nets[0].name}`);
      if (r && !nets.flatMap((n) => n.ranges).every((x) => r.tip.includes(x))) p4.push(`${role}: the row's title lacks a range`);
    }
    for (const r of rows) {
      if (!within(r, box)) p4.push(`row "${r.text}" outside its pool`);
      for (const b of d4.boxes) if (intersects(r, b)) p4.push(`row "${r.text}" covers ${b.name}`);
    }
    for (const [i, r] of rows.entries()) for (const q of rows.slice(i + 1)) if (intersects(r, q)) p4.push(`rows "${r.text}" and "${q.text}" overlap`);
    if (pod && gpu.length && !(pod.y + pod.h <= gpu[0].y + 0.5)) p4.push("the GPU networks are not under the pod network");
    if (d4.minText < 11) p4.push(`text at ${d4.minText.toFixed(1)} px`);
    assert.deepEqual(p4, [], "a4-rdma-train");
    if (width < 1000) await page.locator("#diagram-panel").evaluate((e) => e.scrollIntoView({ block: "start" }));
    await shot(page, `${width}-a4-rdma-train`);
    await page.close();
  });

  test(`${width}px: completion and hover docs for the spec's fields, from the schema`, async () => {
    const page = await open(base, width);
    await chooseExample(page, "mixed-stack");
    const field = (p) => {
      let node = schema;
      for (const seg of p) {
        const alts = [node, ...(node.anyOf ?? []), ...(node.oneOf ?? [])].map((n) => (n.$ref ? schema.$defs[n.$ref.split("/").pop()] : n));
        node = typeof seg === "number" ? alts.find((a) => a.items)?.items : alts.find((a) => a.properties?.[seg])?.properties[seg];
      }
      return node;
    };
    // Hover docs: block keys and keys in flow mappings, at every level.
    const hovers = [
      ["releaseChannel: stable", "releaseChannel", ["cluster", "releaseChannel"]],
      ["machineType: e2-standard-4", "machineType", ["cluster", "nodePools", 0, "machineType"]],
      ["autoscaling: {min: 0, max: 3}", "max", ["cluster", "nodePools", 2, "autoscaling", "max"]],
      ["distributed: pytorch", "distributed", ["workloads", 0, "distributed"]],
      ["- {name: metrics, port: 9090}", "port", ["workloads", 0, "ports", 0, "port"]],
      ["expose: external", "expose", ["workloads", 2, "expose"]],
    ];
    for (const [needle, key, p] of hovers) {
      // Through the editor (Playwright's scrollIntoViewIfNeeded would also scroll the editor sideways).
      await cursorAfter(page, needle);
      const line = page.locator("#editor .cm-line", { hasText: needle }).first();
      const box = await line.evaluate((el, k) => {
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        for (let n = walker.nextNode(); n; n = walker.nextNode()) {
          const i = n.textContent.indexOf(k);
          if (i !== -1 && /^\s*:/.test(n.textContent.slice(i + k.length) || n.parentElement.nextSibling?.textContent || ":")) {
            const r = document.createRange();
            r.setStart(n, i);
            r.setEnd(n, i + k.length);
            return r.getBoundingClientRect().toJSON();
          }
        }
        return null;
      }, key);
      assert.ok(box, `${key} in ${needle}`);
      await page.mouse.move(0, 0);
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      const tip = page.locator(".cm-tooltip-hover .pw-hover");
      await tip.waitFor({ timeout: 5000 });
      const text = await tip.textContent();
      const node = field(p);
      const desc = node.description ?? schema.$defs[node.$ref?.split("/").pop()]?.description;
      assert.ok(desc && text.includes(desc.replace(/`/g, "")), `${p.join(".")}: ${text}`);
      if (node.default !== undefined) assert.ok(text.includes(String(node.default)), `${p.join(".")} default: ${text}`);
    }
    await shot(page, `${width}-hover-docs`);
    await page.mouse.move(0, 0);
    // Completion of keys: a new field of the second workload (`server`), with its docs.
    await cursorAfter(page, "image: vllm/vllm-openai:v0.6.0");
    await page.keyboard.press("Enter");
    const popup = page.locator(".cm-tooltip-autocomplete");
    await page.keyboard.type("re");
    await popup.waitFor({ timeout: 5000 });
    const labels = await popup.locator("li .cm-completionLabel").allTextContents();
    assert.ok(labels.includes("resources"), labels.join());
    assert.ok(!labels.includes("replicas"), `keys already there are not offered: ${labels}`);
    await page.keyboard.press("Escape");
    for (let i = 0; i < 2; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("gcpS");
    await popup.waitFor();
    assert.ok((await popup.locator("li .cm-completionLabel").allTextContents()).includes("gcpServiceAccount"));
    const info = page.locator(".cm-completionInfo");
    await info.waitFor({ timeout: 5000 });
    assert.ok((await info.textContent()).includes(field(["workloads", 1, "gcpServiceAccount"]).description.replace(/`/g, "")));
    await shot(page, `${width}-completion`);
    await page.waitForFunction(() => document.querySelector(".cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel")?.textContent === "gcpServiceAccount");
    // CodeMirror ignores Enter for `interactionDelay` (75 ms) after the list
    // changed, so that a completion is not picked by accident; a user pauses
    // too. Without this wait the Enter was a newline on a loaded machine.
    await page.waitForTimeout(200);
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.playground.editor.state.doc.lineAt(window.playground.editor.state.selection.main.head).text.trim() === "gcpServiceAccount:");
    // Completion of values: an enum field.
    await page.keyboard.press("Enter");
    await page.keyboard.type("expose: ");
    await page.keyboard.press("Control+Space");
    await popup.waitFor();
    const values = await popup.locator("li .cm-completionLabel").allTextContents();
    assert.deepEqual(values.filter((v) => ["cluster", "internal", "external", "none"].includes(v)).sort(), ["cluster", "external", "internal", "none"]);
    await page.keyboard.type("int");
    await page.waitForFunction(() => document.querySelector(".cm-tooltip-autocomplete li[aria-selected] .cm-completionLabel")?.textContent === "internal");
    await page.waitForTimeout(200); // interactionDelay, as above
    await page.keyboard.press("Enter");
    await page.waitForFunction(() => window.playground.editor.state.doc.lineAt(window.playground.editor.state.selection.main.head).text.trim() === "expose: internal");
    await page.close();
  });

  test(`${width}px: diagnostics show their help line on hover`, async () => {
    const page = await open(base, width);
    await chooseExample(page, "seed");
    await editLine(page, "replicas: 3", "    replica: 3");
    await page.waitForSelector(".cm-lintRange-error");
    const src = example("seed").source.replace("replicas: 3", "replica: 3");
    const d = podwire.compile(src).diagnostics.find((x) => x.severity === "error");
    assert.ok(d.help, "the diagnostic has a help line");
    await page.mouse.move(0, 0);
    const range = page.locator(".cm-lintRange-error").first();
    const b = await range.boundingBox();
    await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
    const tip = page.locator(".cm-tooltip-lint .pw-diag");
    await tip.waitFor({ timeout: 5000 });
    const text = await tip.textContent();
    assert.ok(text.includes(d.code) && text.includes(d.message), text);
    assert.ok(text.includes("help: " + d.help), text);
    assert.ok(text.includes("at: " + d.path), text);
    await shot(page, `${width}-diagnostic-hover`);
    await page.close();
  });

  test(`${width}px: typing into a 200-workload spec updates the page fast (keystroke to the last change outside the editor)`, async () => {
    const spec = generated(200);
    const page = await open(base + "#spec=" + Buffer.from(spec).toString("base64url"), width);
    await diagramShows(page, podwire.compile(spec).graph.workloads.map((w) => w.name), 300000);
    await page.evaluate(() => {
      window.__perf = { t0: 0, last: 0, keys: 0 };
      const ed = document.querySelector("#editor");
      new MutationObserver((ms) => {
        if (ms.some((m) => !ed.contains(m.target))) window.__perf.last = performance.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      window.addEventListener(
        "keydown",
        () => {
          window.__perf.t0 = performance.now();
          window.__perf.last = 0;
          window.__perf.keys++;
        },
        true,
      );
    });
    /** Type `n` digits at the end of the line holding `needle`; per key, ms from keydown to the last DOM change outside the editor. */
    const type = async (needle, n) => {
      await cursorAfter(page, needle);
      const ts = [];
      for (let i = 0; i < n; i++) {
        await page.keyboard.press(String(i % 10));
        await page.waitForFunction(() => window.__perf.last > window.__perf.t0 && performance.now() - window.__perf.last > 60, null, { polling: 10, timeout: 20000 });
        ts.push(await page.evaluate(() => window.__perf.last - window.__perf.t0));
      }
      await page.keyboard.press("Escape");
      return ts;
    };
    const stats = (ts) => {
      const s = [...ts].sort((a, b) => a - b);
      const q = (p) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)];
      return { median: q(0.5), p95: q(0.95) };
    };
    // Shown: the GKE request (the default tab): an image tag changes no visible output but the status.
    // 80 keys: the 95th percentile is then the fifth slowest, not the third.
    const KEYS = 80;
    const gkeKeys = await type("image: us-docker.pkg.dev/p/r/w:17", KEYS);
    const gke = stats(gkeKeys);
    // Where the time went (the page's own timings of the same keys, ms from the edit).
    const parts = await page.evaluate((n) => window.playground.timings().slice(-n), KEYS);
    const part = (k) => stats(parts.map((t) => t[k]));
    // PODWIRE_E2E_KEYS=1: per key, [keystroke to page, compile, edit to shown, compiled on the page's thread].
    if (process.env.PODWIRE_E2E_KEYS === "1") console.log(JSON.stringify(gkeKeys.map((t, i) => [+t.toFixed(1), parts[i] && +parts[i].compile.toFixed(1), parts[i] && +parts[i].shown.toFixed(1), parts[i] && parts[i].here])));
    const breakdown = ["compile", "received", "shown"].map((k) => `${k} ${part(k).median.toFixed(1)}/${part(k).p95.toFixed(1)}`).join(", ");
    // Shown: the manifests: every key changes them.
    await page.click("#tabs [data-path='k8s/manifests.yaml']");
    await page.waitForFunction(() => window.playground.outputPath() === "k8s/manifests.yaml");
    const manifests = stats(await type("image: us-docker.pkg.dev/p/r/w:42", 20));
    // The output really followed the typing.
    const typed = await page.evaluate(() => window.playground.editor.state.doc.toString());
    await page.waitForFunction((want) => window.playground.output() === want, expectedFile(typed, "k8s/manifests.yaml"));
    const load = loadavg()[0];
    const fmt = (s) => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms`;
    figures.push(
      `${width}px, 200 workloads, GKE tab: ${fmt(gke)} (the page's median/p95: ${breakdown}); manifests tab: ${fmt(manifests)} (load average ${load.toFixed(1)} on ${cpus().length} CPUs)`,
    );
    await shot(page, `${width}-200-workloads`);
    // The budget (issue 12): 16 ms at the 95th percentile, measured here and
    // asserted. Measured 2026-12-04 on 2 CPUs: 40 keys, ten runs of this
    // test, p95 10.8-15.0 ms, median 6.9-9.9 ms; 80 keys, six, p95 10.0-13.2,
    // median 7.0-8.5 ms (per key about 3-4 ms of the
    // editor's before the edit, a 3 ms compile on the page's thread, 1 ms to
    // show it). A machine busy with other work measures itself, not the
    // page: PODWIRE_E2E_TYPING_BUDGET=0 then reports the figure instead.
    if (process.env.PODWIRE_E2E_TYPING_BUDGET !== "0") assert.ok(gke.p95 <= 16, `p95 ${gke.p95.toFixed(1)} ms > 16 ms (load average ${load.toFixed(1)} on ${cpus().length} CPUs)`);
    else console.log(`e2e: the 16 ms budget is reported, not asserted (PODWIRE_E2E_TYPING_BUDGET=0): ${fmt(gke)}`);
    // Small specs stay fast: typing into the seed.
    await page.goto(base);
    await page.waitForSelector("body[data-ready=true]");
    await page.evaluate(() => {
      window.__perf = { t0: 0, last: 0 };
      const ed = document.querySelector("#editor");
      new MutationObserver((ms) => {
        if (ms.some((m) => !ed.contains(m.target))) window.__perf.last = performance.now();
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      window.addEventListener("keydown", () => ((window.__perf.t0 = performance.now()), (window.__perf.last = 0)), true);
    });
    const seed = stats(await type("image: us-docker.pkg.dev/my-project/ml/tensor-worker:1.0", 20));
    figures.push(`${width}px, seed: ${fmt(seed)}`);
    await page.close();
  });
}

test("no network calls besides the site's own assets, no page errors", () => {
  assert.ok(requests.length > 0);
  const foreign = requests.filter((u) => !u.startsWith(base) && !u.startsWith("blob:") && !u.startsWith("data:"));
  assert.deepEqual(foreign, []);
  assert.ok(requests.some((u) => u.endsWith(".wasm")));
  assert.deepEqual(pageErrors, []);
});
