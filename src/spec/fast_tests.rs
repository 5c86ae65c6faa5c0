//! The fast path must build exactly saphyr's tree, or step aside.

use super::parse;
use crate::spec::tree::{parse_saphyr, Value};

/// `Some` from the fast path must equal saphyr's result; returns whether the
/// fast path took the document.
fn same(src: &str) -> bool {
    match parse(src) {
        None => false,
        Some(fast) => {
            let full = parse_saphyr(src);
            assert_eq!(Ok(fast), full, "fast path differs from saphyr on {src:?}");
            true
        }
    }
}

#[test]
fn every_example_takes_the_fast_path_and_matches() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("examples/") {
        let p = e.expect("entry").path();
        let src = std::fs::read_to_string(&p).expect("read");
        assert!(same(&src), "{} left the fast path", p.display());
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn saphyr_conventions_are_kept() {
    for src in [
        // no final newline: collections end on a fresh line
        "a: 1\nb: 2",
        "a: 1\nb: 2   # c",
        // empty values, nested maps after comments and blank lines
        "a:\nb:   # c\n\n  # x\n  c: 1\n  d:\ne: f\n",
        // a sequence in the same column as its key starts at its first item
        "a:\n- x\n- k: v\n  j: w\nb: 1\n",
        "a:\n  - x\n\n  - y\n# end\n",
        // quoted scalars run over trailing spaces and a comment
        "a: \"x y\"  # c\nb: 'z'   \nc: [\"q\" , 'r'  ]\n",
        // flow collections likewise, and trailing commas in sequences
        "a: {  } # c\nb: [ {k: v}  , [x,  y , ], ]\n",
        // plain scalars with indicator characters inside
        "a: http://h:80/p#frag\nb: x,y]\nc: --flag\nd: -1\ne: a#b\n",
        // JSON
        "{\"a\": [1, 2.5, true, null, \"s\"],\n \"b\": {\"c\": {}}\n}\n",
        "[1, {\"k\": \"v\"}]",
        // duplicate keys keep the first value and are reported in order
        "a: 1\nb: {x: 1, x: 2}\na: 3\n",
    ] {
        assert!(same(src), "fast path declined {src:?}");
    }
}

#[test]
fn outside_the_subset_it_steps_aside() {
    for src in [
        "",
        "# only a comment\n",
        "a: &x 1\nb: *x\n",
        "a: !!str 1\n",
        "a: |\n  text\n",
        "a: >\n  text\n",
        "a: long\n  plain\n",
        "a: \"esc\\n\"\n",
        "a: 'it''s'\n",
        "a:\tb\n",
        "a: b\r\n",
        "a: caf\u{e9}\n",
        "---\na: 1\n",
        "a: 1\n...\n",
        "%YAML 1.2\n---\na: 1\n",
        "? a\n: b\n",
        "a: {k: v,}\n",
        "a: [1, 2\n",
        "a: b: c\n",
        "- - x\n",
        "-\n  x\n",
        "  a: 1\n",
        "a: 1\n- x\n",
        "a: [x # c\n]\n",
        "x\n",
    ] {
        assert!(parse(src).is_none(), "fast path took {src:?}");
    }
}

/// xorshift: the same documents on every run, so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len())]
    }
}

// In and out of the subset, valid and not.
const SCALARS: &[&str] = &[
    "x",
    "1",
    "a b",
    "http://h:80/p",
    "-1",
    "--epochs",
    "a#b",
    "500m",
    "true",
    "~",
    "null",
    "us-central1-a",
    "a:b",
    "x,y",
    "[",
    "a: b",
    "- x",
    "#",
    "b]",
    "{",
    "'q'",
    "\"d\"",
    "\"a\\\"b\"",
    "'it''s'",
    "\"\"",
    "''",
    "&a x",
    "*a",
    "!t x",
    "|",
    ">",
    "%",
    "@",
    "`",
    "?",
    "? x",
    ": x",
    "...",
    "---",
    "a  b",
    "x ",
    "\u{e9}",
    "\t",
    "3.5",
    "0x1F",
    "a :b",
    "\"x\" y",
    "'x'#c",
];
const KEYS: &[&str] = &[
    "a",
    "b",
    "name",
    "podwire.dev/w",
    "k_1",
    "a",
    "x-y",
    "\"q\"",
    "a b",
    "-k",
    ".k",
    "1",
    "?",
];

fn space(r: &mut Rng) -> &'static str {
    ["", " ", "  "][r.below(3)]
}

fn comment(r: &mut Rng) -> &'static str {
    ["", "", "", " # c", "  #", "#x"][r.below(6)]
}

fn flow(r: &mut Rng, depth: u32, out: &mut String) {
    match if depth > 2 { 2 } else { r.below(4) } {
        0 => {
            out.push('[');
            out.push_str(space(r));
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push_str(space(r));
                    out.push(',');
                    out.push_str(space(r));
                }
                flow(r, depth + 1, out);
            }
            if r.below(5) == 0 {
                out.push(',');
            }
            out.push_str(space(r));
            out.push(']');
        }
        1 => {
            out.push('{');
            out.push_str(space(r));
            for i in 0..r.below(4) {
                if i > 0 {
                    out.push_str(space(r));
                    out.push(',');
                    out.push_str(space(r));
                }
                out.push_str(r.pick(KEYS));
                out.push_str(space(r));
                out.push(':');
                out.push_str(space(r));
                flow(r, depth + 1, out);
            }
            out.push_str(space(r));
            out.push('}');
        }
        _ => out.push_str(r.pick(SCALARS)),
    }
}

fn block(r: &mut Rng, indent: usize, depth: u32, out: &mut String) {
    let pad = " ".repeat(indent);
    let seq = depth <= 3 && r.below(3) == 0;
    for _ in 0..1 + r.below(4) {
        out.push_str(["", "", "", "", "\n", "# top\n", "   # in\n", "  \n"][r.below(8)]);
        out.push_str(&pad);
        if seq {
            out.push('-');
            out.push_str([" ", "  ", " ", ""][r.below(4)]);
            match r.below(4) {
                0 => {
                    out.push_str(r.pick(KEYS));
                    out.push_str(": ");
                    out.push_str(r.pick(SCALARS));
                    out.push('\n');
                    if r.below(2) == 0 {
                        out.push_str(&" ".repeat(indent + 2));
                        out.push_str(r.pick(KEYS));
                        out.push_str(": ");
                        flow(r, 0, out);
                        out.push('\n');
                    }
                }
                1 => {
                    flow(r, 0, out);
                    out.push_str(comment(r));
                    out.push('\n');
                }
                _ => {
                    out.push_str(r.pick(SCALARS));
                    out.push_str(comment(r));
                    out.push('\n');
                }
            }
        } else {
            out.push_str(r.pick(KEYS));
            if r.below(10) == 0 {
                out.push(' ');
            }
            out.push(':');
            match r.below(5) {
                0 | 1 if depth < 4 => {
                    out.push_str(comment(r));
                    out.push('\n');
                    let inner = if r.below(4) == 0 {
                        indent
                    } else {
                        indent + 1 + r.below(3)
                    };
                    block(r, inner, depth + 1, out);
                }
                2 => {
                    out.push(' ');
                    out.push_str(space(r));
                    flow(r, 0, out);
                    out.push_str(comment(r));
                    out.push('\n');
                }
                3 => {
                    out.push_str(comment(r));
                    out.push('\n');
                }
                _ => {
                    out.push(' ');
                    out.push_str(r.pick(SCALARS));
                    out.push_str(comment(r));
                    out.push('\n');
                }
            }
        }
    }
}

#[test]
fn generated_documents_match_saphyr() {
    let mut r = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut taken, total) = (0, 30_000);
    for _ in 0..total {
        let mut s = String::new();
        if r.below(10) == 0 {
            flow(&mut r, 0, &mut s);
            s.push('\n');
        } else {
            block(&mut r, 0, 0, &mut s);
        }
        if r.below(5) == 0 {
            s.pop();
        }
        taken += usize::from(same(&s));
    }
    // The generator must keep exercising the fast path, not only its exits.
    assert!(taken > total / 20, "fast path took only {taken} of {total}");
}

#[test]
fn mutated_examples_match_saphyr() {
    const BYTES: &[u8] = b" \n:-#\"'[]{},x";
    let mut r = Rng(0xD1B5_4A32_D192_ED03);
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut taken = 0;
    for e in std::fs::read_dir(dir).expect("examples/") {
        let src = std::fs::read_to_string(e.expect("entry").path()).expect("read");
        for _ in 0..1500 {
            let mut b = src.clone().into_bytes();
            for _ in 0..1 + r.below(3) {
                let i = r.below(b.len());
                match r.below(4) {
                    0 => {
                        b.remove(i);
                    }
                    1 => b.insert(i, BYTES[r.below(BYTES.len())]),
                    2 => b[i] = BYTES[r.below(BYTES.len())],
                    _ => {
                        let piece = b[i..(i + r.below(40)).min(b.len())].to_vec();
                        let at = r.below(b.len());
                        b.splice(at..at, piece);
                    }
                }
            }
            if let Ok(s) = String::from_utf8(b) {
                taken += usize::from(same(&s));
            }
        }
    }
    assert!(taken > 1000, "fast path took only {taken} mutants");
}

#[test]
fn scalars_borrow_the_source() {
    let src = "a: [x, \"y\"]\n";
    let (root, _) = parse(src).expect("in the subset");
    let Value::Map(m) = &root.value else {
        panic!("map")
    };
    let Value::Seq(items) = &m[0].1.value else {
        panic!("seq")
    };
    for n in items {
        let Value::Scalar { text, .. } = &n.value else {
            panic!("scalar")
        };
        assert!(matches!(text, std::borrow::Cow::Borrowed(_)));
    }
}

#[test]
fn printable_agrees_with_the_byte_rule() {
    use super::printable;
    let rule = |c: u8| (0x20..0x7f).contains(&c) || c == b'\n';
    // Every byte value in every position of an 8-byte word, and in the
    // remainder after one.
    for b in 0..=255u8 {
        for pos in 0..8 {
            let mut w = *b"abc d\nf~";
            w[pos] = b;
            assert_eq!(printable(&w), rule(b), "byte {b:#x} at {pos}");
            let long = [&w[..], b"ij"].concat();
            assert_eq!(printable(&long), rule(b));
        }
        assert_eq!(printable(&[b' ', b]), rule(b));
        assert_eq!(
            printable(&[b'x'; 9].iter().copied().chain([b]).collect::<Vec<_>>()),
            rule(b)
        );
    }
    assert!(printable(b""));
    assert!(printable(b"apiVersion: podwire.dev/v1alpha1\n  - {a: 1}\n"));
}
