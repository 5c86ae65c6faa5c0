//! The preview's partial re-parse against the whole parse (issue 10: a
//! second reading path is fuzzed against the first). The input is a
//! document, a 0 byte, then edits, each: a position (two bytes, scaled to
//! the text's length), how many bytes to delete (one byte, at most 15) and
//! the text to insert (one length byte, at most 31, then the bytes). After
//! every edit the memo's parse must equal `tree::parse` of the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use podwire::spec::{reparse::TreeMemo, tree};

/// The memo's parse as `tree::parse` gives it: its tree, not the memo's share of it.
fn memo_parse<'s>(
    memo: &mut TreeMemo,
    text: &'s str,
) -> Result<(tree::Node<'s>, Vec<tree::TreeError>), tree::TreeError> {
    memo.parse(text).map(|(t, soft)| (t.node().clone(), soft))
}

fuzz_target!(|data: &[u8]| {
    let (doc, mut edits) = match data.iter().position(|b| *b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let Ok(doc) = std::str::from_utf8(doc) else {
        return;
    };
    let mut text = doc.to_string();
    let mut memo = TreeMemo::default();
    assert_eq!(memo_parse(&mut memo, &text), tree::parse(&text));
    while let [hi, lo, del, len, rest @ ..] = edits {
        let len = usize::from(*len % 32).min(rest.len());
        let (insert, next) = rest.split_at(len);
        edits = next;
        let mut at = (usize::from(*hi) << 8 | usize::from(*lo)) * text.len() / 65536;
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + usize::from(*del % 16)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        let insert = String::from_utf8_lossy(insert);
        text.replace_range(at..end, &insert);
        assert_eq!(memo_parse(&mut memo, &text), tree::parse(&text), "{text}");
    }
});
