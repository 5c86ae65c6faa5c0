//! Merging podwire's kubeconfig into any existing file, as `podwire apply`
//! does (src/submit/kubeconfig.rs without the file I/O): never a panic, and
//! what would be written reads back as what was merged.
//!
//! Kept small on purpose: the kubeconfig code is being rewritten; adapt the
//! three calls below to its new functions.
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
    let Ok(old) = kubeconfig::parse(text) else {
        return;
    };
    let merged = kubeconfig::merge(old, ours());
    let written = podwire::yaml::to_yaml(&merged);
    let back = kubeconfig::parse(&written);
    assert_eq!(back.as_ref(), Ok(&merged), "written:\n{written}");
});
