//! The JSON Schemas the wasm module embeds instead of generating them
//! (schemars' generator would be about 37 KB of the gzipped module):
//! `schema/v1alpha1.json` (the spec language, `podwire schema`) and
//! `schema/api.json` (the JS API's types, from which scripts/pkg-assemble.mjs
//! generates the TypeScript declarations) must be exactly what the Rust types
//! generate. `UPDATE_SCHEMA=1 cargo test --test schema_files` rewrites them.
//! They are compact JSON (one line and a newline): pretty printing would add
//! about 1 KB to the gzipped module; `podwire schema` prints the same value
//! pretty.

use std::path::Path;

fn compact(v: &serde_json::Value) -> String {
    let mut s = serde_json::to_string(v).expect("JSON");
    s.push('\n');
    s
}

fn check(file: &str, embedded: &str, generated: &serde_json::Value) {
    let want = compact(generated);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("write {file}: {e}"));
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{file} differs from the schema the types generate: run \
         `UPDATE_SCHEMA=1 cargo test --test schema_files` and review the diff"
    );
    // What the wasm build parses at run time is the same value (and the
    // constant compiled in is the file).
    assert_eq!(embedded, have, "{file}: the embedded text is stale");
    let parsed: serde_json::Value = serde_json::from_str(embedded).expect("JSON");
    assert_eq!(&parsed, generated, "{file} parses to another value");
}

#[test]
fn the_language_schema_file_is_generated_from_the_types() {
    let generated = podwire::spec::generated_schema();
    check(
        "schema/v1alpha1.json",
        podwire::spec::SCHEMA_JSON,
        &generated,
    );
    // `podwire schema` prints the same.
    assert_eq!(podwire::spec::json_schema(), generated);
}

#[test]
fn the_api_schema_file_is_generated_from_the_types() {
    check(
        "schema/api.json",
        podwire::wasm::API_SCHEMA_JSON,
        &podwire::wasm::api_schema(),
    );
}
