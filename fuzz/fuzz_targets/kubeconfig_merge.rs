//! Merging podwire's kubeconfig into any existing file as `podwire apply`
//! does, and removing it as `delete` does (the text edits of
//! src/submit/kubeconfig.rs without the file I/O): never a panic, and what
//! would be written reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podwire::submit::kubeconfig;
use std::sync::OnceLock;

/// podwire's own kubeconfig for the seed example, as the merge receives it.
fn ours() -> &'static serde_json::Value {
    static OURS: OnceLock<serde_json::Value> = OnceLock::new();
    OURS.get_or_init(|| {
        let c = podwire::compile(
            include_str!("../../examples/seed.yaml"),
            &podwire::Options::default(),
        );
        let text = c
            .files
            .iter()
            .find(|f| f.path == podwire::KUBECONFIG_FILE)
            .map(|f| f.content.clone())
            .unwrap_or_default();
        kubeconfig::parse(&text).unwrap_or_default()
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let ours = ours();
    // The edit may refuse a layout it cannot change safely; when it does
    // write, the result reads back with podwire's entries as merged.
    if let Ok(written) = kubeconfig::merge_text(text, ours) {
        let back = kubeconfig::parse(&written)
            .unwrap_or_else(|e| panic!("written file does not read back ({e}):\n{written}"));
        assert_eq!(back["current-context"], ours["current-context"], "written:\n{written}");
        if let Ok(Some(removed)) = kubeconfig::remove_text(&written, ours["current-context"].as_str().unwrap_or_default()) {
            kubeconfig::parse(&removed)
                .unwrap_or_else(|e| panic!("removed file does not read back ({e}):\n{removed}"));
        }
    }
});
