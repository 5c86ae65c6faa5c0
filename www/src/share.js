// Share links: `#spec=` + base64url (RFC 4648 section 5, no padding) of the
// UTF-8 bytes of the YAML.

export function encodeSpec(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** The spec in a base64url string, or null when it is not valid base64url UTF-8. */
export function decodeSpec(b64url) {
  if (!/^[A-Za-z0-9_-]*$/.test(b64url) || b64url.length % 4 === 1) return null;
  const b64 = b64url.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((b64url.length + 3) % 4);
  try {
    const bin = atob(b64);
    const bytes = Uint8Array.from(bin, (c) => c.charCodeAt(0));
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return null;
  }
}

export function shareHash(text) {
  return "#spec=" + encodeSpec(text);
}

/** The spec carried by a location hash, or null. */
export function specFromHash(hash) {
  const m = /^#spec=(.*)$/s.exec(hash || "");
  return m ? decodeSpec(m[1]) : null;
}
