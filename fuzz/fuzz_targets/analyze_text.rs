//! The spec decoder and checker on text exactly as given: inputs that are
//! not UTF-8 are skipped, so every run exercises the parser on real text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let analysis = podwire::analyze(text);
    assert!(!(analysis.has_errors() && analysis.model.is_some()));
    for d in &analysis.diagnostics {
        if let Some(s) = &d.span {
            assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{d:?}"
            );
        }
    }
});
