// The editor knows the language: completion of every field and value, and
// hover docs, both from the JSON Schema the core publishes (`schema()`, the
// same document as `podwire schema`). A thin layer on @codemirror/autocomplete
// and hoverTooltip; where the cursor is in the spec comes from yaml-path.js.
import { hoverTooltip } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { completionContext, fieldAt, fieldSchema, describe, keysOf, alternatives, pathString } from "./yaml-path.js";

const fmt = (v) => (typeof v === "string" ? v : JSON.stringify(v));

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/** Backticks in the schema's descriptions become <code>. */
function prose(text) {
  const p = el("div", "pw-doc-text");
  text.split(/(`[^`]*`)/).forEach((part) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) p.append(el("code", null, part.slice(1, -1)));
    else if (part) p.append(document.createTextNode(part));
  });
  return p;
}

/** The doc block of one field: name and type, description, default, examples, allowed values. */
export function fieldDoc(name, d, required) {
  const box = el("div", "pw-doc");
  const head = el("div", "pw-doc-head");
  head.append(el("code", "pw-doc-name", name), el("span", "pw-doc-type", d.type));
  if (required) head.append(el("span", "pw-doc-required", "required"));
  box.append(head);
  if (d.description) box.append(prose(d.description));
  if (d.default !== undefined && d.default !== null) {
    const r = el("div", "pw-doc-row");
    r.append(el("span", "pw-doc-label", "default "), el("code", "pw-doc-default", fmt(d.default)));
    box.append(r);
  }
  const values = d.values.filter((v) => typeof v.value !== "boolean");
  if (values.length) {
    const ul = el("ul", "pw-doc-values");
    for (const v of values) {
      const li = el("li");
      li.append(el("code", null, fmt(v.value)));
      if (v.description) li.append(document.createTextNode(" — " + v.description));
      ul.append(li);
    }
    box.append(el("div", "pw-doc-label", "one of"), ul);
  }
  const examples = d.examples.filter((x) => typeof x !== "object" || x === null);
  if (examples.length) {
    const r = el("div", "pw-doc-row");
    r.append(el("span", "pw-doc-label", "e.g. "));
    examples.forEach((x, i) => {
      if (i) r.append(document.createTextNode(", "));
      r.append(el("code", "pw-doc-example", fmt(x)));
    });
    box.append(r);
  } else if (d.examples.length) {
    const r = el("div", "pw-doc-row");
    r.append(el("span", "pw-doc-label", "e.g. "), el("code", "pw-doc-example", JSON.stringify(d.examples[0])));
    box.append(r);
  }
  return box;
}

/** Is the field's value a scalar (so `key: ` is followed by a value on the same line)? */
function isScalar(schema, node) {
  return alternatives(schema, node).every((a) => !a.properties && !a.items && ![a.type].flat().some((t) => t === "object" || t === "array"));
}

function completionSource(schema) {
  return (ctx) => {
    const text = ctx.state.doc.toString();
    const c = completionContext(text, ctx.pos);
    if (!c) return null;
    const node = c.path.length ? fieldSchema(schema, c.path) : schema;
    if (!node) return null;
    const options = [];
    if (c.kind === "key") {
      for (const k of keysOf(schema, node)) {
        if (c.present.has(k.name)) continue;
        const d = describe(schema, k.node);
        options.push({
          label: k.name,
          type: "property",
          detail: d.type,
          boost: k.required ? 1 : 0,
          apply: isScalar(schema, k.node) ? `${k.name}: ` : `${k.name}:`,
          info: () => fieldDoc(k.name, d, k.required),
        });
      }
    }
    // Values: of the field itself, or of a scalar sequence item (`- |`).
    const valueNode = c.kind === "value" ? node : c.itemValue ? node : null;
    if (valueNode) {
      const d = describe(schema, valueNode);
      for (const v of d.values) {
        options.push({ label: fmt(v.value), type: "enum", detail: v.description || undefined, boost: 2 });
      }
      for (const x of d.examples) {
        if (typeof x === "object" || d.values.some((v) => v.value === x)) continue;
        options.push({ label: fmt(x), type: "text", detail: "example" });
      }
    }
    if (!options.length) return null;
    return { from: c.from, options, validFor: /^[\w.-]*$/ };
  };
}

function hover(schema) {
  return hoverTooltip((view, pos) => {
    const f = fieldAt(view.state.doc.toString(), pos);
    if (!f || !f.path.length) return null;
    const node = fieldSchema(schema, f.path);
    if (!node) return null;
    const d = describe(schema, node);
    const name = String(f.path[f.path.length - 1]);
    const parent = f.path.length > 1 ? fieldSchema(schema, f.path.slice(0, -1)) : schema;
    const required = keysOf(schema, parent).some((k) => k.name === name && k.required);
    return {
      pos: f.from,
      end: f.to,
      above: true,
      create: () => {
        const dom = fieldDoc(pathString(f.path), d, required);
        dom.classList.add("pw-hover");
        return { dom };
      },
    };
  });
}

/** The editor extensions: completion and hover docs from `schema`. */
export function schemaDocs(schema) {
  // One source for the editor's life: the completion state recognises its
  // running queries by the source's identity.
  const data = [{ autocomplete: completionSource(schema) }];
  return [EditorState.languageData.of(() => data), hover(schema)];
}
