// The playground's reading of "where in the spec is the cursor" and of the
// language's JSON Schema (www/src/yaml-path.js), against the schema the core
// publishes (pkg/node.js schema(), i.e. `podwire schema`). Needs pkg/ built.
import { test } from "node:test";
import assert from "node:assert/strict";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { completionContext, fieldAt, fieldSchema, describe, keysOf, allFieldPaths, pathString } from "../../www/src/yaml-path.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const podwire = await import(pathToFileURL(path.join(root, "pkg", "node.js")).href);
const schema = podwire.schema();

/** `text` with `|` marking the cursor. */
function at(marked) {
  const pos = marked.indexOf("|");
  return { text: marked.slice(0, pos) + marked.slice(pos + 1), pos };
}

const SPEC = `apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata: {name: llm, labels: {team: ml}}
cluster:
  nodePools:
    - name: gpu
      machineType: g2-standard-8
      autoscaling: {min: 1, max: 3}
    - {name: cpu, machineType: n2-standard-4}
workloads:
- name: a
  image: x
  ports:
    - {name: http, port: 8000}
  resources:
    cpu: 500m
connections:
  - {from: a, to: internet, ports: [443]}
`;

test("fieldAt: the path of the key under the cursor, block and flow", () => {
  const cases = [
    ["machineType: g2", ["cluster", "nodePools", 0, "machineType"]],
    ["autoscaling", ["cluster", "nodePools", 0, "autoscaling"]],
    ["max: 3", ["cluster", "nodePools", 0, "autoscaling", "max"]],
    ["machineType: n2", ["cluster", "nodePools", 1, "machineType"]],
    ["labels", ["metadata", "labels"]],
    ["team", ["metadata", "labels", "team"]],
    ["image: x", ["workloads", 0, "image"]],
    ["port: 8000", ["workloads", 0, "ports", 0, "port"]],
    ["cpu: 500m", ["workloads", 0, "resources", "cpu"]],
    ["ports: [443]", ["connections", 0, "ports"]],
    ["to: internet", ["connections", 0, "to"]],
    ["kind", ["kind"]],
  ];
  for (const [needle, want] of cases) {
    const pos = SPEC.indexOf(needle) + 1;
    assert.ok(pos > 0, needle);
    const f = fieldAt(SPEC, pos);
    assert.deepEqual(f?.path, want, needle);
    assert.equal(SPEC.slice(f.from, f.to), needle.split(":")[0], needle);
  }
  // On a block value: its key's field.
  assert.deepEqual(fieldAt(SPEC, SPEC.indexOf("g2-standard-8") + 2).path, ["cluster", "nodePools", 0, "machineType"]);
  // Nothing on a comment or a blank.
  assert.equal(fieldAt("# hi\n", 2), null);
});

test("completionContext: keys of the mapping at the cursor, and what is already there", () => {
  let { text, pos } = at(SPEC.replace("  image: x\n", "  image: x\n  rep|\n"));
  let c = completionContext(text, pos);
  assert.equal(c.kind, "key");
  assert.deepEqual(c.path, ["workloads", 0]);
  assert.equal(c.prefix, "rep");
  assert.equal(text.slice(c.from, pos), "rep");
  assert.ok(c.present.has("name") && c.present.has("image") && c.present.has("ports") && c.present.has("resources"));

  ({ text, pos } = at(SPEC.replace("      autoscaling", "      |\n      autoscaling")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path], ["key", ["cluster", "nodePools", 0]]);
  assert.ok(c.present.has("machineType") && c.present.has("autoscaling") && !c.present.has("nodePools"));

  // A new item: a fresh mapping, nothing present from the item before.
  ({ text, pos } = at(SPEC.replace("connections:", "- na|\nconnections:")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path, c.prefix], ["key", ["workloads", 1], "na"]);
  assert.equal(c.present.size, 0);

  // Inside a flow mapping.
  ({ text, pos } = at(SPEC.replace("{name: cpu, machineType: n2-standard-4}", "{name: cpu, mach|}")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path, c.prefix], ["key", ["cluster", "nodePools", 1], "mach"]);
  assert.ok(c.present.has("name"));

  // Values: block and flow.
  ({ text, pos } = at(SPEC.replace("  image: x\n", "  image: x\n  run: |\n")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path, c.prefix], ["value", ["workloads", 0, "run"], ""]);
  ({ text, pos } = at(SPEC.replace("to: internet", "to: inter|")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path, c.prefix], ["value", ["connections", 0, "to"], "inter"]);
  ({ text, pos } = at(SPEC.replace("ports: [443]", "ports: [443, |]")));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path], ["value", ["connections", 0, "ports", 1]]);
  // Root keys.
  ({ text, pos } = at("apiVersion: x\nna|\n"));
  c = completionContext(text, pos);
  assert.deepEqual([c.kind, c.path, c.prefix], ["key", [], "na"]);
  assert.ok(c.present.has("apiVersion"));
  // Not in comments.
  ({ text, pos } = at("# a comm|ent\n"));
  assert.equal(completionContext(text, pos), null);
});

test("every field of the schema resolves, with a description and a type", () => {
  const paths = allFieldPaths(schema);
  assert.ok(paths.length > 60, `only ${paths.length} fields`);
  for (const p of paths) {
    const node = fieldSchema(schema, p);
    assert.ok(node, pathString(p));
    const d = describe(schema, node);
    assert.ok(d.description.length > 0, `${pathString(p)} has no description`);
    assert.ok(d.type.length > 0 && d.type !== "any", `${pathString(p)}: type ${d.type}`);
  }
  // Spot checks against the schema's own words.
  const rc = describe(schema, fieldSchema(schema, ["cluster", "releaseChannel"]));
  assert.equal(rc.default, "regular");
  assert.deepEqual(rc.values.map((v) => v.value), ["rapid", "regular", "stable", "extended", "none"]);
  const run = describe(schema, fieldSchema(schema, ["workloads", 0, "run"]));
  assert.deepEqual(run.values.map((v) => v.value), ["job", "service"]);
  assert.match(run.values[0].description, /Indexed Job/);
  const port = describe(schema, fieldSchema(schema, ["workloads", 3, "ports", 0, "port"]));
  assert.match(port.type, /integer 1\.\.65535/);
  assert.deepEqual(port.examples, [8000]);
  const dp = describe(schema, fieldSchema(schema, ["cluster", "dataplaneV2"]));
  assert.equal(dp.default, true);
  assert.deepEqual(dp.values.map((v) => v.value), [true, false]);
  assert.equal(fieldSchema(schema, ["workloads", 0, "nope"]), null);
  const wl = keysOf(schema, fieldSchema(schema, ["workloads", 0])).map((k) => k.name);
  assert.ok(wl.includes("name") && wl.includes("image") && wl.includes("replicas"), wl.join());
  assert.ok(keysOf(schema, schema).find((k) => k.name === "apiVersion").required);
});
