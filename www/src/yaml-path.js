// Where in the spec a position is, and what the language's JSON Schema (the
// one the core publishes: `schema()`, `podwire schema`) says about the field
// there. Pure functions over text (no CodeMirror): the editor's completion
// and hover (schema-docs.js) are built on them; tests/js runs them in Node.
//
// The text is read by lines and indentation, the way a person reads YAML,
// so that it also works on the half-typed lines completion sees: block
// mappings and sequences (`key:`, `- `, `- - `) across lines, and flow
// collections (`{a: 1, b: [x, y]}`) within one line. Positions are string
// indices (UTF-16 units, as CodeMirror's).

/** One line split into its structural frames: `- ` items and `key:` keys. */
function parseLine(line) {
  let i = 0;
  while (line[i] === " ") i++;
  const indent = i;
  if (i >= line.length || line[i] === "#" || line.startsWith("---", i) || line.startsWith("...", i)) {
    return { indent, frames: [], blank: true };
  }
  const frames = [];
  for (;;) {
    if (line[i] === "-" && (i + 1 === line.length || line[i + 1] === " ")) {
      frames.push({ kind: "item", col: i });
      i++;
      while (line[i] === " ") i++;
      continue;
    }
    break;
  }
  const key = keyAtColumn(line, i);
  if (key) {
    frames.push({ kind: "key", col: i, key: key.key, end: key.end, valueCol: key.valueCol, value: line.slice(key.valueCol) });
  } else if (i < line.length && line[i] !== "#") {
    frames.push({ kind: "scalar", col: i });
  }
  return { indent, frames, blank: false };
}

/** A block mapping key starting at column `i` (`name:` followed by a space or the end). */
function keyAtColumn(line, i) {
  const c = line[i];
  if (c === undefined || c === "{" || c === "[" || c === "#" || c === "|" || c === ">") return null;
  let j = i;
  let key;
  if (c === '"' || c === "'") {
    j = i + 1;
    while (j < line.length && line[j] !== c) j += line[j] === "\\" && c === '"' ? 2 : 1;
    key = line.slice(i + 1, j);
    j++;
    if (line[j] !== ":") return null;
  } else {
    while (j < line.length && !(line[j] === ":" && (j + 1 === line.length || line[j + 1] === " ")) && !(line[j] === " " && line[j + 1] === "#")) j++;
    if (line[j] !== ":") return null;
    key = line.slice(i, j).trimEnd();
  }
  const end = i + (c === '"' || c === "'" ? key.length + 2 : key.length);
  let v = j + 1;
  while (line[v] === " ") v++;
  return { key, end, valueCol: v };
}

/** The document's lines with their start offsets, parsed lazily. */
class Lines {
  constructor(text) {
    this.text = text;
    this.starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) this.starts.push(i + 1);
    this.parsed = new Map();
    this.pathMemo = new Map();
  }
  get length() {
    return this.starts.length;
  }
  lineText(n) {
    const end = n + 1 < this.starts.length ? this.starts[n + 1] - 1 : this.text.length;
    return this.text.slice(this.starts[n], end).replace(/\r$/, "");
  }
  lineAt(pos) {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  parse(n) {
    let p = this.parsed.get(n);
    if (!p) {
      p = parseLine(this.lineText(n));
      this.parsed.set(n, p);
    }
    return p;
  }

  /** Path of the node that frame `k` of line `n` stands for. */
  pathOf(n, k) {
    const memo = `${n}:${k}`;
    if (this.pathMemo.has(memo)) return this.pathMemo.get(memo);
    const frames = this.parse(n).frames;
    const f = frames[k];
    const prefix = k > 0 ? this.pathOf(n, k - 1) : this.containerPath(n, f.col, f.kind === "item");
    let seg;
    if (f.kind === "key") seg = f.key;
    else if (f.kind === "item") seg = this.itemIndex(n, f.col);
    const out = seg === undefined ? prefix : [...prefix, seg];
    this.pathMemo.set(memo, out);
    return out;
  }

  /**
   * Path of the collection holding a node that starts a line at column
   * `col` (an item when `isItem`): the nearest line above that opens it.
   */
  containerPath(n, col, isItem) {
    for (let i = n - 1; i >= 0; i--) {
      const p = this.parse(i);
      if (p.blank || !p.frames.length) continue;
      const first = p.frames[0];
      if (first.col > col) continue;
      if (first.col === col) {
        // `key:` with its items at the same indentation (`key:\n- a`).
        if (isItem && first.kind === "key" && p.frames.length === 1 && first.value.trim() === "") return this.pathOf(i, 0);
        continue; // a sibling
      }
      let k = p.frames.length - 1;
      while (k > 0 && p.frames[k].col >= col) k--;
      return this.pathOf(i, k);
    }
    return [];
  }

  /** Index of the sequence item whose `- ` is at column `col` on line `n`. */
  itemIndex(n, col) {
    let index = 0;
    for (let i = n - 1; i >= 0; i--) {
      const p = this.parse(i);
      if (p.blank || !p.frames.length) continue;
      const first = p.frames[0];
      const here = p.frames.find((f) => f.col === col);
      if (first.col > col) continue;
      if (here && here.kind === "item") index++;
      if (first.col < col || (first.col === col && first.kind !== "item")) break;
    }
    return index;
  }

  /**
   * Keys already present in the mapping whose keys sit at column `col`
   * around line `n` (`startsHere`: the mapping begins on line `n`, as after
   * a new `- `).
   */
  siblingKeys(n, col, startsHere) {
    const keys = new Set();
    const scan = (from, step) => {
      for (let i = from; i >= 0 && i < this.length; i += step) {
        const p = this.parse(i);
        if (p.blank || !p.frames.length) continue;
        if (p.frames[0].col < col && step > 0) return;
        const f = p.frames.find((x) => x.col === col);
        if (f?.kind === "item") return; // the next item of a sequence at this column
        if (f?.kind === "key") keys.add(f.key);
        if (p.frames[0].col < col) return; // the line that opens the mapping
      }
    };
    if (!startsHere) scan(n - 1, -1);
    scan(n + 1, 1);
    return keys;
  }
}

/**
 * Scans a flow collection (`{...}`, `[...]`) from `start` up to `end` on one
 * line: the path inside it, whether a key is expected, the keys seen, and the
 * spans of the keys (for hover).
 */
function scanFlow(line, start, end) {
  const stack = [];
  const keySpans = [];
  let tokenStart = -1;
  let i = start;
  const top = () => stack[stack.length - 1];
  while (i < end) {
    const c = line[i];
    if (c === '"' || c === "'") {
      const q = c;
      const s = i;
      i++;
      while (i < line.length && line[i] !== q) i += line[i] === "\\" && q === '"' ? 2 : 1;
      i++;
      if (tokenStart === -1) tokenStart = s;
      continue;
    }
    if (c === "#" && (i === 0 || line[i - 1] === " ")) break;
    if (c === "{" || c === "[") {
      stack.push({ type: c, key: null, index: 0, expectingKey: c === "{", keys: new Set() });
      tokenStart = -1;
    } else if (c === "}" || c === "]") {
      stack.pop();
      tokenStart = -1;
      if (!stack.length) return null; // the collection closed before `end`
    } else if (c === ",") {
      const t = top();
      if (t?.type === "{") {
        t.expectingKey = true;
        t.key = null;
      } else if (t) t.index++;
      tokenStart = -1;
    } else if (c === ":" && top()?.type === "{" && top().expectingKey && (i + 1 >= line.length || " ,}]".includes(line[i + 1]))) {
      const t = top();
      const raw = tokenStart === -1 ? "" : line.slice(tokenStart, i).trim();
      const key = raw.replace(/^["']|["']$/g, "");
      t.key = key;
      t.keys.add(key);
      t.expectingKey = false;
      keySpans.push({ from: tokenStart, to: tokenStart + raw.length, path: [...flowPath(stack), key] });
      tokenStart = -1;
    } else if (c !== " " && tokenStart === -1) {
      tokenStart = i;
    }
    i++;
  }
  return { stack, keySpans, token: tokenStart === -1 ? "" : line.slice(tokenStart, end), tokenStart };
}

/** The path segments the open flow collections add (each container's key or index where the next sits). */
function flowPath(stack) {
  const out = [];
  for (let k = 0; k + 1 < stack.length; k++) out.push(stack[k].type === "{" ? stack[k].key : stack[k].index);
  return out;
}

/** The block frame on line `n` a flow collection at `col` is the value of, and its path. */
function basePath(lines, n, frames, col) {
  let k = frames.length - 1;
  while (k >= 0 && frames[k].col >= col && frames[k].kind !== "key") k--;
  if (k < 0) return lines.containerPath(n, col, false);
  return lines.pathOf(n, k);
}

/**
 * What completion at `pos` is about:
 * `{ kind: "key" | "value", path, prefix, from, present }` where `path` is the
 * mapping (for keys) or the field (for values), `present` the keys the
 * mapping already has; `null` inside a comment or where nothing applies.
 */
export function completionContext(text, pos) {
  const lines = new Lines(text);
  const n = lines.lineAt(pos);
  const line = lines.lineText(n);
  const col = pos - lines.starts[n];
  const before = line.slice(0, col);
  if (/(^|\s)#/.test(before.replace(/"[^"]*"|'[^']*'/g, '""'))) return null;
  const p = parseLine(before);
  // A flow collection open before the cursor?
  const flowStart = firstFlowStart(before, p);
  if (flowStart !== -1) {
    const scan = scanFlow(line, flowStart, col);
    if (scan && scan.stack.length) {
      const frames = parseLine(line).frames;
      const base = basePath(lines, n, frames, flowStart);
      const t = scan.stack[scan.stack.length - 1];
      const inner = [...base, ...flowPath(scan.stack)];
      const token = scan.token.replace(/^["']/, "");
      if (t.type === "{" && t.expectingKey) return { kind: "key", path: inner, prefix: token, from: pos - token.length, present: t.keys };
      if (t.type === "{") return { kind: "value", path: [...inner, t.key], prefix: token, from: pos - token.length, present: new Set() };
      return { kind: "value", path: [...inner, t.index], prefix: token, from: pos - token.length, present: new Set() };
    }
  }
  const m = /^(\s*)((?:-\s+)*)([^\s:#{}[\],]*)$/.exec(before);
  if (m) {
    // A key being typed (or a scalar item: the schema tells).
    const word = m[3];
    const keyCol = m[1].length + m[2].length;
    const items = p.frames.filter((f) => f.kind === "item");
    let path;
    if (items.length) {
      // The line's own items: their paths through the whole line's frames.
      const full = parseLine(line).frames;
      const idx = full.findIndex((f) => f.kind === "item" && f.col === items[items.length - 1].col);
      path = lines.pathOf(n, idx);
    } else {
      path = lines.containerPath(n, keyCol, false);
    }
    const present = lines.siblingKeys(n, keyCol, items.length > 0);
    return { kind: "key", path, prefix: word, from: pos - word.length, present, itemValue: items.length > 0 };
  }
  const last = p.frames[p.frames.length - 1];
  if (last?.kind === "key" && !/[{[]/.test(last.value)) {
    const path = lines.pathOf(n, p.frames.length - 1);
    const token = /[^\s,]*$/.exec(last.value)[0].replace(/^["']/, "");
    return { kind: "value", path, prefix: token, from: pos - token.length, present: new Set() };
  }
  return null;
}

function firstFlowStart(before, p) {
  const last = p.frames[p.frames.length - 1];
  let from = 0;
  if (last?.kind === "key") from = last.valueCol;
  else if (last) from = last.col;
  const i = before.slice(from).search(/[{[]/);
  if (i === -1) return -1;
  const at = from + i;
  // Only when the collection starts the value (`key: {`, `- [`), not inside a plain scalar.
  return before.slice(from, at).trim() === "" ? at : -1;
}

/**
 * The field under `pos` for hover: `{ path, from, to }` (the key's span), or
 * null. A position on a block value counts as its key's.
 */
export function fieldAt(text, pos) {
  const lines = new Lines(text);
  const n = lines.lineAt(pos);
  const line = lines.lineText(n);
  const start = lines.starts[n];
  const col = pos - start;
  const p = parseLine(line);
  if (p.blank) return null;
  for (let k = 0; k < p.frames.length; k++) {
    const f = p.frames[k];
    if (f.kind !== "key") continue;
    const flowAt = f.value.search(/^[{[]/) === 0 ? f.valueCol : -1;
    if (flowAt !== -1 && col >= flowAt) {
      const scan = scanFlow(line, flowAt, line.length) ?? scanFlowAll(line, flowAt);
      const hit = scan.keySpans.find((s) => col >= s.from && col <= s.to);
      if (!hit) return null;
      return { path: [...lines.pathOf(n, k), ...hit.path], from: start + hit.from, to: start + hit.to };
    }
    if (col >= f.col && (col <= f.end || (col >= f.valueCol && f.value.trim() !== ""))) {
      return { path: lines.pathOf(n, k), from: start + f.col, to: start + f.end };
    }
  }
  // `- {name: a, ...}`: flow mappings as items.
  const item = p.frames.filter((f) => f.kind === "item").pop();
  const after = item ? item.col + 2 : p.indent;
  let q = after;
  while (line[q] === " ") q++;
  if (line[q] === "{" || line[q] === "[") {
    const scan = scanFlowAll(line, q);
    const hit = scan.keySpans.find((s) => col >= s.from && col <= s.to);
    if (!hit) return null;
    const idx = p.frames.indexOf(item);
    const base = idx >= 0 ? lines.pathOf(n, idx) : lines.containerPath(n, q, false);
    return { path: [...base, ...hit.path], from: start + hit.from, to: start + hit.to };
  }
  return null;
}

/** A flow scan of the whole collection, keeping the key spans even once it closes. */
function scanFlowAll(line, from) {
  let depth = 0;
  let end = line.length;
  for (let i = from; i < line.length; i++) {
    if (line[i] === "{" || line[i] === "[") depth++;
    if (line[i] === "}" || line[i] === "]") {
      depth--;
      if (depth === 0) {
        end = i;
        break;
      }
    }
  }
  return scanFlow(line, from, end) ?? { keySpans: [] };
}

// ---- the schema ------------------------------------------------------------

function deref(schema, node) {
  let n = node;
  for (let hops = 0; n && n.$ref && hops < 16; hops++) {
    const m = /^#\/\$defs\/(.+)$/.exec(n.$ref);
    n = m ? schema.$defs?.[m[1]] : undefined;
  }
  return n;
}

/** The alternatives a node allows (anyOf/oneOf flattened, `$ref`s followed, null left out). */
export function alternatives(schema, node) {
  const out = [];
  const walk = (x, depth) => {
    const n = deref(schema, x);
    if (!n || depth > 8) return;
    const alts = n.anyOf || n.oneOf;
    if (alts) {
      for (const a of alts) walk(a, depth + 1);
      if (n.properties || n.type || n.enum || n.const !== undefined) out.push({ ...n, anyOf: undefined, oneOf: undefined });
      return;
    }
    if (n.type === "null") return;
    out.push(n);
  };
  walk(node, 0);
  return out;
}

/** The schema of the field at `path` (property level: its own description, default, examples), or null. */
export function fieldSchema(schema, path) {
  let node = schema;
  for (const seg of path) {
    let next = null;
    for (const alt of alternatives(schema, node)) {
      if (typeof seg === "number") {
        if (alt.items) next = alt.items;
      } else if (alt.properties && Object.hasOwn(alt.properties, seg)) {
        next = alt.properties[seg];
      } else if (typeof alt.additionalProperties === "object" && alt.additionalProperties) {
        next = alt.additionalProperties;
      }
      if (next) break;
    }
    if (!next) return null;
    node = next;
  }
  return node;
}

function typeName(schema, alt) {
  if (alt.const !== undefined) return JSON.stringify(alt.const);
  if (alt.enum) return alt.enum.map((v) => JSON.stringify(v)).join(" | ");
  const types = [alt.type].flat().filter((t) => t && t !== "null");
  if (types.includes("array") && alt.items) {
    const inner = alternatives(schema, alt.items).map((a) => typeName(schema, a));
    return `array of ${[...new Set(inner)].join(" | ") || "any"}`;
  }
  if (alt.properties && !types.length) return "object";
  if (types.includes("integer") && (alt.minimum !== undefined || alt.maximum !== undefined)) {
    return `integer ${alt.minimum ?? ""}..${alt.maximum ?? ""}`;
  }
  return types.join(" | ") || "any";
}

/**
 * What the schema says about a field: `{ description, type, default,
 * examples, values: [{value, description}], required }`; null for no field.
 */
export function describe(schema, node) {
  if (!node) return null;
  const target = deref(schema, node) ?? {};
  const alts = alternatives(schema, node);
  const values = [];
  for (const a of alts) {
    if (a.const !== undefined) values.push({ value: a.const, description: a.description ?? "" });
    for (const v of a.enum ?? []) values.push({ value: v, description: "" });
    if ([a.type].flat().includes("boolean")) values.push({ value: true, description: "" }, { value: false, description: "" });
  }
  const uniq = [];
  for (const v of values) if (!uniq.some((u) => u.value === v.value)) uniq.push(v);
  const types = [...new Set(alts.map((a) => typeName(schema, a)))];
  const enumOnly = alts.length > 0 && alts.every((a) => a.const !== undefined || a.enum);
  return {
    description: node.description ?? target.description ?? "",
    type: enumOnly ? uniq.map((v) => JSON.stringify(v.value)).join(" | ") : types.join(" | "),
    default: node.default ?? target.default,
    examples: node.examples ?? target.examples ?? [],
    values: uniq,
  };
}

/** The keys an object field allows: `[{ name, node, required }]`. */
export function keysOf(schema, node) {
  const out = [];
  for (const alt of alternatives(schema, node)) {
    const req = new Set(alt.required ?? []);
    for (const [name, sub] of Object.entries(alt.properties ?? {})) {
      if (!out.some((k) => k.name === name)) out.push({ name, node: sub, required: req.has(name) });
    }
  }
  return out;
}

/** A path as the core writes it in diagnostics: `workloads[0].ports[1].name`. */
export function pathString(path) {
  let s = "";
  for (const seg of path) s += typeof seg === "number" ? `[${seg}]` : (s ? "." : "") + seg;
  return s;
}

/** Every field path the schema defines (items as `[0]`), for tests. */
export function allFieldPaths(schema, node = schema, path = [], seen = new Set(), out = []) {
  for (const k of keysOf(schema, node)) {
    const p = [...path, k.name];
    out.push(p);
    const key = JSON.stringify(k.node) + p.length;
    if (seen.has(key) || p.length > 8) continue;
    seen.add(key);
    allFieldPaths(schema, k.node, p, seen, out);
    for (const alt of alternatives(schema, k.node)) {
      if (alt.items) allFieldPaths(schema, alt.items, [...p, 0], seen, out);
    }
  }
  return out;
}
