// The npm package as users get it: `npm pack` pkg/, install the tarball into
// a fresh project, import "podwire" through its `exports`, and check that
// every example compiles to files byte-identical to the native CLI's
// `podwire compile --out`, that diagnostics agree with `podwire check
// --format json`, and that the TypeScript declarations type-check a strict
// consumer.
//
// Needs: pkg/ built (scripts/build-pkg), www/node_modules (typescript), and
// the native binary in $PODWIRE_BIN (default: `cargo build` in the target
// dir). Run: node --test tests/js/
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const exampleDir = path.join(root, "examples");
const exampleFiles = readdirSync(exampleDir).filter((f) => f.endsWith(".yaml")).sort();
let tmp;
let podwire;
let bin;

function nativeBin() {
  if (process.env.PODWIRE_BIN) return process.env.PODWIRE_BIN;
  execFileSync("cargo", ["build", "--quiet", "--bin", "podwire"], { cwd: root, stdio: "inherit" });
  return path.join(process.env.CARGO_TARGET_DIR || path.join(root, "target"), "debug", "podwire");
}

function listFiles(dir, prefix = "") {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? listFiles(p, prefix + n + "/") : [prefix + n];
  });
}

before(() => {
  tmp = mkdtempSync(path.join(tmpdir(), "podwire-pkg-"));
  bin = nativeBin();
  const packed = execFileSync("npm", ["pack", path.join(root, "pkg"), "--pack-destination", tmp, "--json"], {
    encoding: "utf8",
  });
  const tarball = path.join(tmp, JSON.parse(packed)[0].filename);
  const app = path.join(tmp, "app");
  execFileSync("mkdir", ["-p", app]);
  writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", tarball], { cwd: app, stdio: "inherit" });
  // Resolve "podwire" the way a user's module does: through package.json exports.
  writeFileSync(path.join(app, "probe.mjs"), 'export * from "podwire";\n');
});

after(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test("the installed package imports in Node through its exports", async () => {
  podwire = await import(pathToFileURL(path.join(tmp, "app", "probe.mjs")).href);
  assert.deepEqual(Object.keys(podwire).sort(), ["Preview", "check", "compile", "examples", "schema", "version"]);
  const cargoVersion = /^version = "(.*)"$/m.exec(readFileSync(path.join(root, "Cargo.toml"), "utf8"))[1];
  assert.equal(podwire.version(), cargoVersion);
  const manifest = JSON.parse(readFileSync(path.join(tmp, "app/node_modules/podwire/package.json"), "utf8"));
  assert.equal(manifest.name, "podwire");
  assert.equal(manifest.version, cargoVersion);
  assert.equal(manifest.exports["."].types, "./index.d.ts");
  // `files` ships the module, the loaders and the declarations, nothing else.
  const shipped = listFiles(path.join(tmp, "app/node_modules/podwire")).sort();
  assert.deepEqual(shipped, [
    "README.md",
    "core/podwire.d.ts",
    "core/podwire.js",
    "core/podwire_bg.wasm",
    "core/podwire_bg.wasm.d.ts",
    "index.d.ts",
    "node.js",
    "package.json",
    "web.js",
  ]);
});

test("examples() embeds exactly the files in examples/", () => {
  const ex = podwire.examples();
  assert.deepEqual(ex.map((e) => e.name + ".yaml").sort(), exampleFiles);
  for (const e of ex) {
    assert.equal(e.source, readFileSync(path.join(exampleDir, e.name + ".yaml"), "utf8"), e.name);
  }
});

for (const file of exampleFiles) {
  test(`${file}: compile() files are byte-identical to \`podwire compile --out\``, () => {
    const source = readFileSync(path.join(exampleDir, file), "utf8");
    const out = path.join(tmp, "native", file);
    execFileSync(bin, ["compile", path.join(exampleDir, file), "--out", out], { stdio: ["ignore", "ignore", "inherit"] });
    const r = podwire.compile(source);
    assert.equal(r.ok, true, JSON.stringify(r.diagnostics));
    assert.deepEqual(r.files.map((f) => f.path).sort(), listFiles(out).sort());
    for (const f of r.files) {
      const native = readFileSync(path.join(out, f.path));
      assert.ok(Buffer.from(f.content, "utf8").equals(native), `${file}: ${f.path} differs from the CLI's`);
    }
    assert.ok(r.graph && r.graph.workloads.length > 0);
    // check() reports exactly what compile() reports.
    assert.deepEqual(podwire.check(source), { ok: true, diagnostics: r.diagnostics });
  });
}

test("diagnostics agree with `podwire check --format json`, never throw, and have its shape", () => {
  const seed = readFileSync(path.join(exampleDir, "seed.yaml"), "utf8");
  const broken = seed
    .replace("replicas: 3", "replicas: many")
    .replace("machineType: n1-standard-1", "machineType: n1-standrd-1")
    .replace("# The seed:", "# The seed 😀:");
  const specFile = path.join(tmp, "broken.yaml");
  writeFileSync(specFile, broken);
  const cli = spawnSync(bin, ["check", specFile, "--format", "json"], { encoding: "utf8" });
  assert.equal(cli.status, 1, cli.stderr);
  const native = JSON.parse(cli.stdout).diagnostics;
  const r = podwire.compile(broken);
  assert.equal(r.ok, false);
  assert.deepEqual(r.files, []);
  assert.equal(r.graph, null);
  assert.ok(r.diagnostics.length >= 2);
  assert.equal(r.diagnostics.length, native.length);
  // One shape everywhere: the JS objects are the CLI's JSON, field for field.
  assert.deepEqual(r.diagnostics, native);
  r.diagnostics.forEach((d) => {
    assert.deepEqual(Object.keys(d), ["code", "severity", "message", "path", "span", "help"]);
    if (d.span !== null) {
      assert.deepEqual(Object.keys(d.span), ["line", "column", "endLine", "endColumn", "start", "end", "utf16Start", "utf16End"]);
    }
  });
  const many = r.diagnostics.find((d) => d.path === "workloads[0].replicas");
  assert.ok(many, JSON.stringify(r.diagnostics));
  assert.equal(many.severity, "error");
  assert.equal(broken.split("\n")[many.span.line - 1].slice(many.span.column - 1, many.span.column - 1 + 4), "many");
  assert.equal(broken.slice(many.span.utf16Start, many.span.utf16End), "many", "UTF-16 offsets index the JS string");
  for (const bad of ["", "\t", "[", "a: b: c", "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\n"]) {
    const x = podwire.compile(bad);
    assert.equal(x.ok, false, JSON.stringify(bad));
    assert.ok(x.diagnostics.length > 0 && x.diagnostics.every((d) => /^PW\d{4}$/.test(d.code)));
  }
});

test("options: endpoint fills the kubeconfig like `podwire kubeconfig --cluster`; bad options throw", () => {
  const seedFile = path.join(exampleDir, "seed.yaml");
  const seed = readFileSync(seedFile, "utf8");
  const clusterFile = path.join(tmp, "cluster.json");
  writeFileSync(clusterFile, JSON.stringify({ endpoint: "34.118.1.2", status: "RUNNING", masterAuth: { clusterCaCertificate: "Q0EK" } }));
  const native = execFileSync(bin, ["kubeconfig", seedFile, "--cluster", clusterFile], { encoding: "utf8" });
  const r = podwire.compile(seed, { endpoint: { endpoint: "34.118.1.2", caCertificate: "Q0EK" } });
  assert.equal(r.files.find((f) => f.path === "kubeconfig.yaml").content, native);
  assert.throws(() => podwire.compile(seed, { endpoint: { endpoint: "x" } }), /invalid options/);
  assert.throws(() => podwire.compile(seed, { bogus: 1 }), /invalid options/);
  assert.equal(podwire.compile(seed, {}).ok, true);
  assert.equal(podwire.compile(seed, null).ok, true);
});

test("options: files renders only those outputs, the diagnostics and graph unchanged", () => {
  const src = readFileSync(path.join(exampleDir, "mixed-stack.yaml"), "utf8");
  const all = podwire.compile(src);
  for (const p of ["gke/cluster.json", "k8s/manifests.yaml", "kubeconfig.yaml"]) {
    const one = podwire.compile(src, { files: [p] });
    assert.deepEqual(one.files, all.files.filter((f) => f.path === p), p);
    assert.deepEqual(one.diagnostics, all.diagnostics);
    assert.deepEqual(one.graph, all.graph);
  }
  assert.deepEqual(podwire.compile(src, { files: [] }).files, []);
  assert.throws(() => podwire.compile(src, { files: ["gke/other.json"] }), /invalid options/);
});

test("schema() is the CLI's `podwire schema`", () => {
  const native = JSON.parse(execFileSync(bin, ["schema"], { encoding: "utf8" }));
  assert.deepEqual(podwire.schema(), native);
});

test("the TypeScript declarations type-check a strict consumer (and reject misuse)", () => {
  const app = path.join(tmp, "app");
  const tsc = path.join(root, "www/node_modules/typescript/bin/tsc");
  writeFileSync(
    path.join(app, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: "nodenext", moduleResolution: "nodenext", target: "es2022", lib: ["es2022", "dom"], skipLibCheck: false, types: [] } }),
  );
  writeFileSync(
    path.join(app, "use.ts"),
    `import { compile, check, schema, examples, version, Preview, type Compiled, type Diagnostic, type Graph, type PreviewUpdate } from "podwire";
const r: Compiled = compile(examples()[0].source, { endpoint: { endpoint: "1.2.3.4", caCertificate: "x" }, files: ["gke/cluster.json"] });
const files: { path: string; content: string }[] = r.files;
const d: Diagnostic | undefined = check("x").diagnostics[0];
const sev: "error" | "warning" | undefined = d?.severity;
const line: number | undefined = d?.span?.line;
const g: Graph | null = r.graph;
const names: string[] = g ? g.workloads.map((w) => w.name) : [];
const v: string = version();
const s: { [key: string]: unknown } = schema();
const p = new Preview();
const u: PreviewUpdate = p.update(examples()[0].source, { files: ["gke/cluster.json"] });
const changed: boolean = u.graphChanged;
const content: string | null = u.files[0]?.content ?? null;
p.tidy();
p.free();
export { files, sev, line, names, v, s, changed, content };
`,
  );
  const ok = spawnSync(process.execPath, [tsc, "-p", app], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  // The types are real: misuse fails to compile.
  writeFileSync(
    path.join(app, "use.ts"),
    `import { compile } from "podwire";
const n: number = compile("x").diagnostics[0].code;
compile("x", { endpiont: {} });
export { n };
`,
  );
  const bad = spawnSync(process.execPath, [tsc, "-p", app], { encoding: "utf8" });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stdout, /TS2322/);
  assert.match(bad.stdout, /endpiont/);
});
