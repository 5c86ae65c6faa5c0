//! The spec decoder and checker on any bytes, invalid UTF-8 replaced (what a
//! front end that reads a file lossily hands the core).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let analysis = podwire::analyze(&text);
    // No model without a clean bill: errors and a model never go together.
    assert!(!(analysis.has_errors() && analysis.model.is_some()));
});
