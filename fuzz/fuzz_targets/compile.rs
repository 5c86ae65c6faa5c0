//! The whole compile on any text: never a panic, `ok` exactly when there is
//! no error, output files exactly when ok, spans inside the source.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let c = podwire::compile(text, &podwire::Options::default());
    assert_eq!(c.ok, !c.diagnostics.iter().any(|d| d.is_error()));
    assert_eq!(c.ok, !c.files.is_empty());
    for f in &c.files {
        assert!(!f.content.is_empty(), "{} is empty", f.path);
    }
    for d in &c.diagnostics {
        if let Some(s) = &d.span {
            assert!(s.start <= s.end && s.end <= text.len(), "{d:?}");
            assert!(
                text.is_char_boundary(s.start) && text.is_char_boundary(s.end),
                "{d:?}"
            );
        }
    }
});
