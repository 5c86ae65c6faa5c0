// Share links of the playground (www/src/share.js): `#spec=` + base64url
// (RFC 4648 section 5, no padding) of the UTF-8 YAML.
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeSpec, decodeSpec, shareHash, specFromHash } from "../../www/src/share.js";

const samples = ["", "a", "ab", "abc", "kind: AIWorkload\n", "# ü 😀 中文\nname: x\n", "x".repeat(100000), "\u0000\uffff"];

test("encodes as base64url of the UTF-8 bytes, without padding", () => {
  for (const s of samples) {
    const e = encodeSpec(s);
    assert.equal(e, Buffer.from(s, "utf8").toString("base64url"));
    assert.match(e, /^[A-Za-z0-9_-]*$/);
  }
  // Bytes that base64 (not base64url) would write as + and /.
  assert.equal(encodeSpec("\u00fb\u00ff"), "w7vDvw");
  assert.equal(encodeSpec(">>>???"), "Pj4-Pz8_");
});

test("decodes what it encodes, and what other base64url encoders write", () => {
  for (const s of samples) {
    assert.equal(decodeSpec(encodeSpec(s)), s);
    assert.equal(specFromHash(shareHash(s)), s);
    assert.equal(decodeSpec(Buffer.from(s, "utf8").toString("base64url")), s);
  }
});

test("rejects what is not base64url UTF-8", () => {
  assert.equal(decodeSpec("a+b/"), null, "standard base64 alphabet");
  assert.equal(decodeSpec("abcde"), null, "impossible length");
  assert.equal(decodeSpec("_w"), null, "0xff is not UTF-8");
  assert.equal(specFromHash("#other=abc"), null);
  assert.equal(specFromHash(""), null);
});
