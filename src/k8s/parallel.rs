//! Large specs' manifests on two threads (native only; the wasm module has
//! one). The workloads are cut into chunks that both threads take from a
//! shared counter, so a thread busy with other work (the GKE request, the
//! kubeconfig, the graph) simply takes fewer. The bytes are those of the
//! sequential, one-object-at-a-time path (unit-tested in `lib.rs`).

use super::{section, Lower, Section, SECTIONS, SEPARATOR};
use crate::yaml::Emitter;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// From this many workloads on (see [`crate::par::FROM`]).
pub(super) const FROM: usize = crate::par::FROM;

/// Chunks per spec: enough for the threads to even out, few enough that
/// each still writes many objects per piece.
const CHUNKS: usize = 16;

/// What one thread wrote: one text (its emitter's field-name memory lasted
/// across all its chunks, and it checked its own UTF-8), and where each
/// section of each chunk lies in it.
struct Share {
    text: String,
    pieces: Vec<Piece>,
}

struct Piece {
    chunk: usize,
    section: usize,
    bytes: Range<usize>,
    docs: usize,
}

struct Chunks {
    next: AtomicUsize,
    size: usize,
    workloads: usize,
}

impl Chunks {
    /// Take chunks until none is left, writing each one's sections.
    fn write(&self, lw: &Lower) -> Share {
        let bytes: usize = SECTIONS.iter().map(|s| s.bytes_per_workload()).sum();
        // Room for every chunk: either thread may take most of them, and
        // a regrowth would copy what it wrote. Untouched pages cost nothing;
        // past 64 MiB, growing is rare enough.
        let mut out = Emitter::with_capacity((bytes * self.workloads).min(64 << 20));
        let mut pieces = Vec::new();
        loop {
            let chunk = self.next.fetch_add(1, Ordering::Relaxed);
            let start = chunk.saturating_mul(self.size);
            if start >= self.workloads {
                return Share {
                    text: out.finish(),
                    pieces,
                };
            }
            let range = start..(start + self.size).min(self.workloads);
            for (i, &sec) in SECTIONS.iter().enumerate() {
                let begin = out.len();
                let mut docs = 0;
                section(lw, sec, range.clone(), &mut |o| {
                    if docs > 0 {
                        out.raw(SEPARATOR);
                    }
                    docs += 1;
                    o.write_yaml(&mut out);
                });
                pieces.push(Piece {
                    chunk,
                    section: i,
                    bytes: begin..out.len(),
                    docs,
                });
            }
        }
    }
}

/// The manifests file, with `beside` run on this thread first.
pub(super) fn manifests<T>(lw: &Lower, beside: impl FnOnce() -> T) -> (String, T) {
    let n = lw.m.workloads.len();
    let chunks = Chunks {
        next: AtomicUsize::new(0),
        size: n.div_ceil(CHUNKS).max(1),
        workloads: n,
    };
    let work = || chunks.write(lw);
    // With no second thread, this one takes every chunk.
    let ((extra, mine), theirs) = crate::par::beside(work, || (beside(), work()));
    let shares: Vec<Share> = std::iter::once(mine).chain(theirs).collect();
    (assemble(lw, &shares), extra)
}

impl Section {
    /// About how much YAML a workload's objects of this section take (to
    /// size buffers; measured on the examples and generated specs).
    fn bytes_per_workload(self) -> usize {
        match self {
            Section::ServiceAccounts => 320,
            Section::Policies => 1300,
            Section::Services => 450,
            Section::Workloads => 1700,
        }
    }
}

/// Whole documents joined in apply order, [`SEPARATOR`] between them, as
/// [`super::ManifestWriter`] joins them: pieces are appended as text, so the
/// calling thread does not check the whole file's UTF-8 again.
struct Joined {
    out: String,
    docs: usize,
}

impl Joined {
    fn add(&mut self, text: &str, docs: usize) {
        if docs == 0 {
            return;
        }
        if self.docs > 0 {
            self.out.push_str(SEPARATOR);
        }
        self.out.push_str(text);
        self.docs += docs;
    }
}

/// The pieces in apply order: section by section, chunk by chunk.
fn assemble(lw: &Lower, shares: &[Share]) -> String {
    let mut pieces: Vec<(&Piece, &str)> = shares
        .iter()
        .flat_map(|s| s.pieces.iter().map(move |p| (p, s.text.as_str())))
        .collect();
    pieces.sort_unstable_by_key(|(p, _)| (p.section, p.chunk));
    let total: usize = shares.iter().map(|s| s.text.len()).sum();
    let mut w = Joined {
        out: String::with_capacity(total + 8 * 1024),
        docs: 0,
    };
    w.add(&lw.namespace().to_yaml(), 1);
    let mut pieces = pieces.into_iter().peekable();
    for (i, &sec) in SECTIONS.iter().enumerate() {
        if sec == Section::Policies && !lw.m.flows.is_empty() {
            w.add(&lw.default_deny().to_yaml(), 1);
        }
        while let Some((p, text)) = pieces.next_if(|(p, _)| p.section == i) {
            // Pieces are whole documents: their ends are character boundaries.
            w.add(text.get(p.bytes.clone()).unwrap_or_default(), p.docs);
        }
    }
    w.out
}
