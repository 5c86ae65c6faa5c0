//! Editing the user's kubeconfig as text (issue 11): every byte outside
//! podwire's own entries (its cluster, context and user, and
//! `current-context`) is kept, so comments, `yes`/`on` booleans, anchors,
//! quoting and CRLF line ends come back exactly as kubectl read them.
//! Re-serializing the file instead would re-type other tools' entries.
//!
//! The file is read with saphyr-parser's event spans ([`super::spanned`], a walker
//! of our own: `spec::tree` serves the spec language, not this). Only the
//! layouts kubectl, gcloud, kind and minikube write, and hand edits of them,
//! are edited: a block mapping at the top with block lists. Anything else
//! (JSON or flow style at the top, an anchored list, several documents) is
//! a clear error and the file is left alone. Every edit is checked by
//! reading the result back: every other entry must be the same YAML events
//! as before, and ours must be what the core asked for, else nothing is
//! written.
//!
//! Pure: text in, text out; the caller does the I/O.

use super::spanned::{parse_doc, read, to_json, Doc, Kind, Node};
use saphyr_parser::Event;
use serde_json::Value;

/// The lists whose entries are named (`name:`) and of which podwire owns one.
const LISTS: [&str; 3] = ["clusters", "contexts", "users"];
const CURRENT: &str = "current-context";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("it is not valid YAML: {0}")]
    Syntax(String),
    #[error("{0}; podwire edits only block-style kubeconfigs (as kubectl and gcloud write them), so it left the file alone")]
    Layout(String),
    #[error("the edited file would not read back as intended ({0}); nothing was written")]
    Verify(String),
    #[error("cannot write podwire's entries as YAML: {0}")]
    Render(#[from] crate::yaml::Error),
}

/// What the top level of the file holds, for the keys podwire edits.
struct Top<'d> {
    /// Column of the top-level keys.
    indent: usize,
    /// Byte offset just past the top mapping's last line.
    end: usize,
    entries: &'d [(Node, Node)],
}

fn top<'d>(text: &str, root: &'d Node) -> Result<Top<'d>, EditError> {
    let Kind::Map { entries, flow } = &root.kind else {
        return Err(EditError::Layout("its top level is not a mapping".into()));
    };
    if *flow || root.decorated {
        return Err(EditError::Layout(
            "its top level is a flow mapping (JSON style) or anchored".into(),
        ));
    }
    for key in LISTS.iter().chain([&CURRENT]) {
        if entries
            .iter()
            .filter(|(k, _)| k.scalar() == Some(key))
            .count()
            > 1
        {
            return Err(EditError::Layout(format!("`{key}` appears twice")));
        }
    }
    Ok(Top {
        indent: column(text, root.start),
        end: line_after(text, root.end),
        entries,
    })
}

impl Top<'_> {
    fn get(&self, key: &str) -> Option<&(Node, Node)> {
        self.entries.iter().find(|(k, _)| k.scalar() == Some(key))
    }
}

fn column(text: &str, at: usize) -> usize {
    text[..at].chars().rev().take_while(|&c| c != '\n').count()
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The start of the line after the one `at` is on (`at` itself when it is
/// already at a line start: a block scalar's end is).
fn line_after(text: &str, at: usize) -> usize {
    if at == 0 || text.as_bytes().get(at - 1) == Some(&b'\n') {
        return at;
    }
    text[at..].find('\n').map_or(text.len(), |i| at + i + 1)
}

/// The byte just past the `:` after a key.
fn after_colon(text: &str, key: &Node) -> Result<usize, EditError> {
    text[key.end..]
        .find(':')
        .map(|i| key.end + i + 1)
        .ok_or_else(|| EditError::Layout("a key without `:`".into()))
}

/// One entry of a block list: its whole lines (from the `-`) and its dash
/// column.
struct Entry<'n> {
    node: &'n Node,
    lines: std::ops::Range<usize>,
    dash: usize,
}

fn entry_lines<'n>(text: &str, list: &str, node: &'n Node) -> Result<Entry<'n>, EditError> {
    let unsupported = || {
        EditError::Layout(format!(
            "an entry of `{list}` has a layout podwire cannot edit"
        ))
    };
    let mut start = line_start(text, node.start);
    let prefix = &text[start..node.start];
    let dash_line = if prefix.trim() == "-" {
        Some(start)
    } else if prefix.trim().is_empty() {
        // `-` alone on an earlier line (comments and blank lines between).
        let mut found = None;
        while start > 0 {
            start = line_start(text, start - 1);
            let line = text[start..].lines().next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if line == "-" || line.starts_with("- #") {
                found = Some(start);
            }
            break;
        }
        found
    } else {
        None
    };
    let Some(from) = dash_line else {
        return Err(unsupported());
    };
    let dash = text[from..].find('-').map_or(0, |i| column(text, from + i));
    Ok(Entry {
        node,
        lines: from..line_after(text, node.end),
        dash,
    })
}

/// How a list podwire edits is written.
enum List<'n> {
    Absent,
    /// `clusters:`, `clusters: null`, `clusters: []`: the value to drop and
    /// where the entries go.
    Empty {
        value: std::ops::Range<usize>,
        insert_at: usize,
    },
    Block(Vec<Entry<'n>>),
}

fn list<'n>(text: &str, top: &'n Top, key: &str) -> Result<List<'n>, EditError> {
    let Some((k, v)) = top.get(key) else {
        return Ok(List::Absent);
    };
    let empty_flow = matches!(&v.kind, Kind::Seq { items, flow: true } if items.is_empty());
    if (v.is_null() || empty_flow) && !v.decorated {
        let colon = after_colon(text, k)?;
        let value = if v.end > v.start && v.start >= colon {
            v.start..v.end
        } else {
            colon..colon
        };
        return Ok(List::Empty {
            insert_at: line_after(text, value.end.max(colon)),
            value,
        });
    }
    match &v.kind {
        Kind::Seq { items, flow: false } if !v.decorated => items
            .iter()
            .map(|n| entry_lines(text, key, n))
            .collect::<Result<_, _>>()
            .map(List::Block),
        _ => Err(EditError::Layout(format!(
            "`{key}` is not a block list (flow style, anchored or not a list)"
        ))),
    }
}

/// A text edit: replace `range` with `with`.
struct Edit {
    range: std::ops::Range<usize>,
    with: String,
}

fn apply(text: &str, mut edits: Vec<Edit>) -> Result<String, EditError> {
    edits.sort_by_key(|e| e.range.start);
    let mut out = String::with_capacity(text.len() + 1024);
    let mut done = 0;
    for e in edits {
        if e.range.start < done {
            return Err(EditError::Layout("podwire's entries overlap others".into()));
        }
        out.push_str(&text[done..e.range.start]);
        if e.range.start == text.len()
            && !text.is_empty()
            && !text.ends_with('\n')
            && !e.with.is_empty()
        {
            out.push_str(newline(text));
        }
        out.push_str(&e.with);
        done = e.range.end;
    }
    out.push_str(&text[done..]);
    Ok(out)
}

/// The file's line end (CRLF if its first line ends so).
fn newline(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// A list entry rendered as a block-list item at column `dash`.
fn render_entry(entry: &Value, dash: usize, nl: &str) -> Result<String, EditError> {
    let body = crate::yaml::to_yaml(entry)?;
    let pad = " ".repeat(dash);
    let mut out = String::new();
    for (i, line) in body.lines().enumerate() {
        out.push_str(&pad);
        out.push_str(if i == 0 { "- " } else { "  " });
        out.push_str(line);
        out.push_str(nl);
    }
    Ok(out)
}

/// Merge the core's one-cluster kubeconfig `new` into `text`: podwire's
/// entries (named as in `new`) replaced or added, `current-context` set.
pub fn merge(text: &str, new: &Value) -> Result<String, EditError> {
    let name = new[CURRENT].as_str().unwrap_or_default();
    let doc = parse_doc(text)?;
    let Some(root) = doc.root.as_ref().filter(|r| !r.is_null()) else {
        // Empty, or comments only: keep them, the whole config after them.
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(newline(text));
        }
        out.push_str(&crate::yaml::to_yaml(new)?.replace('\n', newline(text)));
        // Nothing else to keep: the result must read as `new` exactly.
        return match read(&out) {
            Ok(v) if v == *new => Ok(out),
            _ => Err(EditError::Verify("the new file".into())),
        };
    };
    let top = top(text, root)?;
    let nl = newline(text);
    let mut edits = Vec::new();
    let mut appended = String::new();
    for key in LISTS {
        let ours = new[key]
            .as_array()
            .and_then(|a| a.first())
            .unwrap_or(&Value::Null);
        match list(text, &top, key)? {
            List::Absent => {
                appended.push_str(&format!("{}{key}:{nl}", " ".repeat(top.indent)));
                appended.push_str(&render_entry(ours, top.indent, nl)?);
            }
            List::Empty { value, insert_at } => {
                edits.push(Edit {
                    range: value,
                    with: String::new(),
                });
                edits.push(Edit {
                    range: insert_at..insert_at,
                    with: render_entry(ours, top.indent, nl)?,
                });
            }
            List::Block(entries) => {
                let mut replaced = false;
                for e in entries.iter().filter(|e| e.node.entry_name() == Some(name)) {
                    // The first of ours is replaced, duplicates removed.
                    let with = if replaced {
                        String::new()
                    } else {
                        render_entry(ours, e.dash, nl)?
                    };
                    replaced = true;
                    edits.push(Edit {
                        range: e.lines.clone(),
                        with,
                    });
                }
                if let (false, Some(last)) = (replaced, entries.last()) {
                    let dash = entries.first().map_or(top.indent, |e| e.dash);
                    edits.push(Edit {
                        range: last.lines.end..last.lines.end,
                        with: render_entry(ours, dash, nl)?,
                    });
                }
            }
        }
    }
    let current = crate::yaml::string(name);
    match top.get(CURRENT) {
        None => appended.push_str(&format!(
            "{}{CURRENT}: {current}{nl}",
            " ".repeat(top.indent)
        )),
        Some((k, v)) => edits.push(set_scalar(text, k, v, &current)?),
    }
    if !appended.is_empty() {
        edits.push(Edit {
            range: top.end..top.end,
            with: appended,
        });
    }
    let out = apply(text, edits)?;
    verify(text, &out, name, Some(new))?;
    Ok(out)
}

/// Remove podwire's entries named `name` (after its cluster is deleted);
/// `current-context` is cleared if it names them. `None` when nothing is
/// podwire's.
pub fn remove(text: &str, name: &str) -> Result<Option<String>, EditError> {
    let doc = parse_doc(text)?;
    let Some(root) = doc.root.as_ref().filter(|r| !r.is_null()) else {
        return Ok(None);
    };
    let top = top(text, root)?;
    let mut edits = Vec::new();
    for key in LISTS {
        if let List::Block(entries) = list(text, &top, key)? {
            for e in entries.iter().filter(|e| e.node.entry_name() == Some(name)) {
                edits.push(Edit {
                    range: e.lines.clone(),
                    with: String::new(),
                });
            }
        }
    }
    if let Some((k, v)) = top.get(CURRENT) {
        if v.scalar() == Some(name) {
            edits.push(set_scalar(text, k, v, "\"\"")?);
        }
    }
    if edits.is_empty() {
        return Ok(None);
    }
    let out = apply(text, edits)?;
    verify(text, &out, name, None)?;
    Ok(Some(out))
}

fn set_scalar(text: &str, key: &Node, value: &Node, with: &str) -> Result<Edit, EditError> {
    if value.scalar().is_none() {
        return Err(EditError::Layout(format!(
            "`{CURRENT}` is not a plain value"
        )));
    }
    if value.end > value.start {
        return Ok(Edit {
            range: value.start..value.end,
            with: with.to_string(),
        });
    }
    // `current-context:` with nothing after it.
    let colon = after_colon(text, key)?;
    Ok(Edit {
        range: colon..colon,
        with: format!(" {with}"),
    })
}

/// What the edit must leave as it was: each top-level key but podwire's,
/// and each list entry not named `name`, as YAML events.
fn others<'d, 'a>(doc: &'d Doc<'a>, name: &str) -> Vec<(String, &'d [Event<'a>])> {
    let mut out = Vec::new();
    let Some(Node {
        kind: Kind::Map { entries, .. },
        ..
    }) = &doc.root
    else {
        return out;
    };
    for (k, v) in entries {
        let key = k.scalar().unwrap_or_default().to_string();
        if key == CURRENT {
            continue;
        }
        match (&v.kind, LISTS.contains(&key.as_str())) {
            (Kind::Seq { items, .. }, true) => {
                for item in items.iter().filter(|i| i.entry_name() != Some(name)) {
                    out.push((key.clone(), &doc.events[item.events.clone()]));
                }
            }
            // An empty list may become `clusters:`; both read as no entries.
            (_, true) if v.is_null() => {}
            _ => out.push((key, &doc.events[v.events.clone()])),
        }
    }
    out
}

/// Read `after` back: everything not podwire's is as in `before`, podwire's
/// entries are `new`'s (or gone, when `new` is `None`).
fn verify(before: &str, after: &str, name: &str, new: Option<&Value>) -> Result<(), EditError> {
    let fail = |why: String| EditError::Verify(why);
    let old_doc = parse_doc(before)?;
    let new_doc = parse_doc(after).map_err(|e| fail(e.to_string()))?;
    if others(&old_doc, name) != others(&new_doc, name) {
        return Err(fail("another entry changed".into()));
    }
    let read = to_json(&new_doc).map_err(fail)?;
    for key in LISTS {
        let ours: Vec<&Value> = read[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["name"] == name)
            .collect();
        let want: Vec<&Value> = new
            .map(|n| n[key].as_array().into_iter().flatten().collect())
            .unwrap_or_default();
        if ours != want {
            return Err(fail(format!("podwire's entry in `{key}`")));
        }
    }
    let current = read[CURRENT].as_str().unwrap_or_default();
    let want_current = match new {
        Some(n) => n[CURRENT].as_str().unwrap_or_default().to_string(),
        None => {
            let was = to_json(&old_doc).map_err(fail)?;
            match was[CURRENT].as_str() {
                Some(c) if c != name => c.to_string(),
                _ => String::new(),
            }
        }
    };
    if current != want_current {
        return Err(fail(CURRENT.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAME: &str = "gke_p_l_c";

    fn ours(server: &str) -> Value {
        json!({
            "apiVersion": "v1",
            "clusters": [{"cluster": {"server": server}, "name": NAME}],
            "contexts": [{"context": {"cluster": NAME, "user": NAME}, "name": NAME}],
            "current-context": NAME,
            "kind": "Config",
            "preferences": {},
            "users": [{"name": NAME, "user": {"exec": {"command": "gke-gcloud-auth-plugin", "provideClusterInfo": true}}}],
        })
    }

    /// Hand-edited: comments everywhere, YAML 1.1 booleans, an anchor used
    /// by another entry, flow maps, odd quoting, a stale entry of ours.
    const HAND: &str = "# my clusters
apiVersion: v1
kind: Config
preferences: {}
clusters:
# lab
- cluster:
    insecure-skip-tls-verify: yes   # self-signed
    server: https://10.0.0.1:6443
  name: lab
- name: gke_p_l_c
  cluster:
    server: https://stale.example
-
  # dash on its own line
  name: 'kind-kind'
  cluster: {server: \"https://127.0.0.1:40000\", certificate-authority-data: Q0E=}
contexts:
- context: &ctx
    cluster: lab
    user: lab
  name: lab
- {name: lab-copy, context: *ctx}
users:
- name: lab
  user:
    token: on
current-context: lab
# trailing comment
";

    /// The lines of `a` not in `skip` appear in `b`, in order.
    fn kept_in_order(a: &str, b: &str, skip: &[&str]) {
        let mut rest = b.lines();
        for line in a.lines().filter(|l| !skip.contains(l)) {
            assert!(
                rest.any(|l| l == line),
                "line {line:?} lost or moved in:\n{b}"
            );
        }
    }

    #[test]
    fn merge_replaces_ours_and_keeps_every_other_byte() {
        let out = merge(HAND, &ours("https://new.example")).unwrap();
        kept_in_order(
            HAND,
            &out,
            &[
                "- name: gke_p_l_c",
                "  cluster:",
                "    server: https://stale.example",
                "current-context: lab",
            ],
        );
        assert!(!out.contains("stale"), "{out}");
        assert!(out.contains("current-context: gke_p_l_c\n"), "{out}");
        let v = read(&out).unwrap();
        assert_eq!(
            v["clusters"][0]["cluster"]["insecure-skip-tls-verify"],
            true
        );
        assert_eq!(v["clusters"][1]["cluster"]["server"], "https://new.example");
        assert_eq!(v["clusters"][2]["name"], "kind-kind");
        assert_eq!(v["contexts"][1]["context"]["user"], "lab");
        assert_eq!(v["contexts"][2]["name"], NAME);
        assert_eq!(v["users"][0]["user"]["token"], true);
        // Running it again changes nothing.
        assert_eq!(merge(&out, &ours("https://new.example")).unwrap(), out);
    }

    #[test]
    fn remove_takes_out_only_ours_and_clears_current_context() {
        let merged = merge(HAND, &ours("https://new.example")).unwrap();
        let out = remove(&merged, NAME).unwrap().unwrap();
        let v = read(&out).unwrap();
        for list in LISTS {
            assert!(
                v[list]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|e| e["name"] != NAME),
                "{out}"
            );
        }
        assert_eq!(v[CURRENT], "");
        kept_in_order(
            HAND,
            &out,
            &[
                "- name: gke_p_l_c",
                "  cluster:",
                "    server: https://stale.example",
                "current-context: lab",
            ],
        );
        assert_eq!(remove(&out, NAME).unwrap(), None, "nothing left to remove");
        // Another context stays current.
        let other = remove(HAND, NAME).unwrap().unwrap();
        assert!(other.contains("current-context: lab\n"), "{other}");
    }

    #[test]
    fn missing_and_empty_lists_are_filled_and_crlf_is_kept() {
        let text = "apiVersion: v1\r\nclusters: [] # none yet\r\ncontexts:\r\nusers: null\r\npreferences:\r\n  colors: true\r\n";
        let out = merge(text, &ours("https://n")).unwrap();
        assert!(
            !out.replace("\r\n", "").contains('\n'),
            "a bare LF: {out:?}"
        );
        assert!(
            out.contains("clusters:  # none yet\r\n- cluster:"),
            "{out:?}"
        );
        let v = read(&out).unwrap();
        for list in LISTS {
            assert_eq!(v[list][0]["name"], NAME, "{out:?}");
        }
        assert_eq!(v["preferences"]["colors"], true);
        assert_eq!(v[CURRENT], NAME);

        let bare = "apiVersion: v1\nkind: Config";
        let out = merge(bare, &ours("https://n")).unwrap();
        assert!(
            out.starts_with("apiVersion: v1\nkind: Config\nclusters:\n- cluster:"),
            "{out}"
        );
        assert_eq!(read(&out).unwrap()["users"][0]["name"], NAME);
    }

    #[test]
    fn an_empty_or_comment_only_file_gets_the_whole_config_after_its_comments() {
        for text in ["", "\n", "# nothing here yet\n", "---\n"] {
            let out = merge(text, &ours("https://n")).unwrap();
            assert!(out.starts_with(text), "{out}");
            assert_eq!(read(&out).unwrap(), ours("https://n"), "{text:?}");
        }
    }

    #[test]
    fn layouts_that_cannot_be_edited_safely_are_refused() {
        for (text, why) in [
            (r#"{"apiVersion": "v1", "clusters": []}"#, "flow mapping"),
            ("clusters: [{name: a}]\n", "not a block list"),
            ("clusters: &all\n- name: a\n", "not a block list"),
            ("- a\n- b\n", "not a mapping"),
            (
                "apiVersion: v1\n---\napiVersion: v1\n",
                "more than one YAML document",
            ),
            (
                "clusters:\n- name: a\nclusters:\n- name: b\n",
                "appears twice",
            ),
            ("clusters: [a\n", "not valid YAML"),
        ] {
            let e = merge(text, &ours("https://n")).unwrap_err();
            assert!(e.to_string().contains(why), "{text:?}: {e}");
            assert!(remove(text, NAME).is_err(), "{text:?}");
        }
    }

    #[test]
    fn an_alias_into_our_old_entry_fails_the_read_back_instead_of_breaking_the_file() {
        let text =
            "users:\n- name: gke_p_l_c\n  user: &u\n    token: x\n- name: other\n  user: *u\n";
        let e = merge(text, &ours("https://n")).unwrap_err();
        assert!(matches!(e, EditError::Verify(_)), "{e}");
        assert!(matches!(remove(text, NAME), Err(EditError::Verify(_))));
    }

    #[test]
    fn indented_lists_get_our_entry_at_their_indentation() {
        let text = "clusters:\n  - name: a\n    cluster:\n      server: https://a\n  # between\n  - name: gke_p_l_c\n    cluster: {server: https://old}\n  # after ours\n  - name: b\n    cluster: {server: https://b}\n";
        let out = merge(text, &ours("https://n")).unwrap();
        assert!(out.contains("  # between\n  - cluster:\n      server: https://n\n    name: gke_p_l_c\n  # after ours\n"), "{out}");
        let v = read(&out).unwrap();
        assert_eq!(names(&v["clusters"]), ["a", NAME, "b"]);
        assert_eq!(names(&v["users"]), [NAME]);
    }

    fn names(list: &Value) -> Vec<&str> {
        list.as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect()
    }

    #[test]
    fn hostile_nesting_is_an_error_not_a_stack_overflow() {
        let text = format!("clusters: {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
        assert!(merge(&text, &ours("https://n")).is_err());
    }
}
