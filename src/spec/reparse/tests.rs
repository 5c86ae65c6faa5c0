use super::*;

/// The memo's parse as [`tree::parse`] gives it (the tree itself, not a share of the memo's).
fn tree_of<'s>(
    parsed: Result<(Tree<'s>, Vec<TreeError>), TreeError>,
) -> Result<(Node<'s>, Vec<TreeError>), TreeError> {
    parsed.map(|(t, soft)| (t.node().clone(), soft))
}

const EXAMPLES: &[&str] = &[
    include_str!("../../../examples/seed.yaml"),
    include_str!("../../../examples/mixed-stack.yaml"),
    include_str!("../../../examples/llama-405b-multihost.yaml"),
    include_str!("../../../examples/a3-mega-tcpxo.yaml"),
    include_str!("../../../examples/llama-l4-serving.yaml"),
];

/// A spec with `n` workloads, some with a nested block and a comment, and
/// text after `workloads` (or none: `last`).
fn generated(n: usize, indent: usize, last: bool) -> String {
    let pad = " ".repeat(indent);
    let mut s = String::from("apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: big}\ngcp: {project: p, location: us-central1}\n");
    if !last {
        s.push_str("workloads:\n");
    } else {
        s.push_str("connections: []\nworkloads:\n");
    }
    for i in 0..n {
        s.push_str(&format!(
            "{pad}- name: w{i}\n{pad}  image: r/w:{i}\n{pad}  replicas: 2\n"
        ));
        if i % 3 == 0 {
            s.push_str(&format!("{pad}  env:\n{pad}    A: \"x é\"\n{pad}    B: |\n{pad}      line\n\n{pad}  # note\n"));
        }
        if i % 4 == 1 {
            s.push_str(&format!(
                "{pad}  ports: [{{name: http, port: 80}}]\n{pad}  command:\n"
            ));
        }
    }
    if !last {
        s.push_str("connections:\n  - {from: w0, to: w1}\n");
    }
    s
}

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// What an edit inserts: what typing does, and what breaks the splice's
/// premises (markers, anchors, tabs, dedents, new items, non-ASCII).
const INSERTS: &[&str] = &[
    "1",
    "a",
    " ",
    "\n",
    ":",
    "-",
    "#",
    "\"",
    "'",
    "[",
    "]",
    "{",
    "}",
    ",",
    "é",
    "😀",
    "\t",
    "|",
    "&a ",
    "*a",
    "\n---\n",
    "\n...\n",
    "\n# c\n",
    "\n  - name: z\n",
    "\n- name: y\n",
    "    gpus: 2\n",
    "\nx: 1\n",
    "\n\n",
    "  ",
    "\r\n",
    "!!str ",
    "\u{feff}",
    "workloads:\n",
];

/// An edit at a random place, most often among the workloads (where the
/// splice applies).
fn edit(rng: &mut Rng, src: &str) -> String {
    let items = src.find("workloads:").map(|w| {
        let end = src[w..].find("\nconnections:").map_or(src.len(), |e| w + e);
        (w, end)
    });
    let mut at = match items {
        Some((from, to)) if rng.below(5) != 0 => from + rng.below(to - from + 1),
        _ => rng.below(src.len() + 1),
    };
    while !src.is_char_boundary(at) {
        at -= 1;
    }
    let mut out = String::with_capacity(src.len() + 16);
    out.push_str(&src[..at]);
    if rng.below(3) == 0 {
        // Delete up to 6 characters.
        let rest = &src[at..];
        let n = rng.below(7);
        let cut = rest.char_indices().nth(n).map_or(rest.len(), |(i, _)| i);
        out.push_str(&rest[cut..]);
    } else {
        // Typing is mostly digits and letters.
        let text = if rng.below(2) == 0 {
            "7"
        } else {
            INSERTS[rng.below(INSERTS.len())]
        };
        out.push_str(text);
        out.push_str(&src[at..]);
    }
    out
}

/// After every edit of a chain, the memo's parse is the whole parse:
/// the same tree with the same positions, the same soft errors, or the
/// same error.
#[test]
fn every_edit_gives_what_a_whole_parse_gives() {
    let mut specs: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    specs.push(generated(12, 2, false));
    specs.push(generated(12, 0, false));
    specs.push(generated(9, 4, true));
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut spliced, mut total) = (0, 0);
    for spec in &specs {
        for _chain in 0..6 {
            let mut memo = TreeMemo::default();
            let mut src = spec.clone();
            for _ in 0..60 {
                let got = tree_of(memo.parse(&src));
                let want = tree::parse(&src);
                assert_eq!(got, want, "spliced: {}\n{src}", memo.spliced);
                spliced += usize::from(memo.spliced);
                total += 1;
                src = if rng.below(8) == 0 {
                    spec.clone()
                } else {
                    edit(&mut rng, &src)
                };
            }
        }
    }
    // The comparison must have covered the splice itself, often.
    assert!(spliced * 5 > total, "{spliced} of {total} parses spliced");
}

/// Typing into one workload splices every time, and the spliced tree's
/// positions are the whole parse's (the test above checks equality; this
/// one that the common case takes the short path).
#[test]
fn typing_into_a_workload_splices() {
    let src = generated(30, 2, false);
    let mut memo = TreeMemo::default();
    memo.parse(&src).expect("parses");
    assert!(!memo.spliced, "the first parse is whole");
    let at = src.find("r/w:17").expect("present") + "r/w:17".len();
    let mut typed = src.clone();
    for (n, c) in "8é9".chars().enumerate() {
        typed.insert(
            at + typed[at..].char_indices().nth(n).map_or(0, |(i, _)| i),
            c,
        );
        assert_eq!(tree_of(memo.parse(&typed)), tree::parse(&typed));
        assert!(memo.spliced, "typed {c}");
    }
    // A new line inside the same workload, then deleting it again.
    let line = src.find("  - name: w18").expect("present");
    let added = format!("{}    gpus: 1\n{}", &src[..line], &src[line..]);
    assert_eq!(tree_of(memo.parse(&added)), tree::parse(&added));
    assert!(memo.spliced);
    assert_eq!(tree_of(memo.parse(&src)), tree::parse(&src));
    assert!(memo.spliced);
}

/// A splice edits the memo's tree in place, not a copy of it, when the
/// previous parse's tree is no longer held (as a preview drops its decode
/// before the next keystroke); while it is held, that tree stays as it was.
#[test]
fn a_splice_edits_the_kept_tree_in_place_once_the_last_parse_is_dropped() {
    let src = generated(30, 2, false);
    let mut memo = TreeMemo::default();
    let kept = |t: &Tree| match t {
        Tree::Kept(root) => Arc::as_ptr(root),
        Tree::Parsed(_) => panic!("a spliceable text gives the memo's tree"),
    };
    let first = memo.parse(&src).expect("parses").0;
    let at = kept(&first);
    drop(first);
    let typed = src.replacen("r/w:17", "r/w:178", 1);
    let second = memo.parse(&typed).expect("parses").0;
    assert!(memo.spliced);
    assert_eq!(kept(&second), at, "edited in place");
    // Held across the next update: that one's tree is a copy, and the
    // held one still reads as its own text.
    let again = src.replacen("r/w:17", "r/w:1789", 1);
    let third = memo.parse(&again).expect("parses").0;
    assert_ne!(kept(&third), kept(&second));
    assert_eq!(Ok((second.node().clone(), vec![])), tree::parse(&typed));
    assert_eq!(Ok((third.node().clone(), vec![])), tree::parse(&again));
}

/// Edits whose lines would not read alone as in the document are parsed
/// whole, and give the whole parse's result.
#[test]
fn edits_that_change_the_structure_parse_the_whole_text() {
    let src = generated(6, 2, false);
    let line = src.find("  - name: w3").expect("present");
    let cases = [
        "  - name: new\n", // a new item
        "---\n",           // a document marker
        "...\n",           // a document end
        "# at column 0\n", // a comment at the items' column or less
        "x: 1\n",          // a top-level key
        "    a: &a 1\n",   // an anchor
        "    b:\t1\n",     // a tab
    ];
    for case in cases {
        // Inserted at the end of w2's lines (just before w3).
        let edited = format!("{}{case}{}", &src[..line], &src[line..]);
        let mut memo = TreeMemo::default();
        memo.parse(&src).expect("parses");
        assert_eq!(
            tree_of(memo.parse(&edited)),
            tree::parse(&edited),
            "{case:?}"
        );
        assert!(!memo.spliced, "{case:?} spliced");
    }
}

/// The limits are checked on the spliced tree as the parser counts them.
#[test]
fn weights_count_as_the_parser_does() {
    let mut specs: Vec<String> = EXAMPLES.iter().map(|s| s.to_string()).collect();
    specs.push(generated(20, 2, false));
    for spec in &specs {
        let (root, _, facts) = tree::parse_counted(spec).expect("parses");
        let w = weigh(&root);
        assert_eq!((w.nodes, w.bytes), (facts.nodes, facts.bytes));
    }
    let (root, _, _) = tree::parse_counted("a: {b: [1, {c: 2}]}\nd: x\n").expect("parses");
    assert_eq!(weigh(&root).depth, 4);
    assert_eq!(weigh(&root).keys, 2);
}

/// Deleting, typing after and restoring the final line break of a text
/// whose last item ends it: at the end of a text without one, the parser
/// ends the nodes that close there on the line after the last, which is
/// not a shift of the edited lines (a fuzzer's finding).
#[test]
fn the_final_line_break_comes_and_goes() {
    for spec in [EXAMPLES[3].to_string(), generated(9, 2, true)] {
        let last = spec.lines().last().unwrap();
        assert!(
            last.starts_with("    "),
            "a workload's line ends the text: {last}"
        );
        let body = spec.trim_end_matches('\n');
        let mut memo = TreeMemo::default();
        let steps = [
            spec.clone(),
            body.to_string(),
            format!("{body}7"),
            format!("{body}7\n"),
            body.to_string(),
            spec.clone(),
        ];
        for src in &steps {
            assert_eq!(tree_of(memo.parse(src)), tree::parse(src), "{src}");
        }
    }
}
