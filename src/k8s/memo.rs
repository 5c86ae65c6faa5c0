//! What a live preview keeps of the previous compile's objects: each one's
//! JSON size (the PW0418 check) and YAML text (the manifests), reused for an
//! object equal to the one at the same place last time. Typing into a large
//! spec changes one workload's few objects; comparing the others costs far
//! less than serializing them again. A plain compile's memo (the default)
//! keeps nothing across compiles: it writes the whole manifests file while
//! it measures the objects, in one pass over each, and hands that file to
//! the compile. The preview tests hold both to [`super::manifests_yaml`].
//!
//! A preview's memo also keeps the objects themselves, with the model they
//! were made from: a workload's [`Group`]s of objects (those made from it
//! and the model's context alone, and its NetworkPolicies, also from the
//! workloads it has connections with) are taken over, sizes and documents
//! with them, when those workloads and the context equal the previous
//! compile's. Measured natively on the 200-workload spec, typing into one
//! image tag: making every object again and comparing it with the kept one
//! was about 40% of an update.

use super::objects::Object;
use super::order::{objects_keeping, Group, Kept, SEPARATOR};
use super::size::{oversized_of, Oversized, MAX_OBJECT_BYTES};
use crate::model::{End, Model};
use crate::yaml::Emitter;
use std::ops::Range;

#[derive(Debug, Clone, Default)]
struct Cached {
    size: Option<usize>,
    yaml: Option<String>,
}

/// See the module's docs. The default keeps nothing (a plain compile, which
/// writes the manifests in one pass and never compares objects); a
/// preview's is [`ObjectMemo::keeping`].
#[derive(Debug, Default)]
pub struct ObjectMemo {
    /// Whether this compile's objects are kept for the next one.
    keep: bool,
    /// The previous compile's objects and what was computed of them (none
    /// where [`Self::objects`] took the object over).
    previous: Vec<Option<(Object, Cached)>>,
    /// The model the previous compile's objects were made from (none when
    /// that compile had errors).
    model: Option<Model>,
    /// Per workload of the previous compile, where each of its groups is
    /// in `previous` (by [`Group`] discriminant).
    groups: Vec<[Range<usize>; Group::COUNT]>,
    /// The same, for the objects [`Self::objects`] made this time.
    placing: Vec<[Range<usize>; Group::COUNT]>,
    /// The current compile's objects taken over: what is known of them.
    taken: Vec<Option<Cached>>,
    /// The current compile's, by index (taken from `previous` where equal).
    current: Vec<Cached>,
    /// A plain compile's manifests file, written while measuring the objects.
    manifests: Option<Result<String, crate::yaml::Error>>,
    /// The objects the last [`Self::begin`] replaced, freed by
    /// [`Self::tidy`] when the caller is idle (a preview's, after it has
    /// shown the update), else by the next `begin`.
    retired: Vec<Option<(Object, Cached)>>,
}

impl ObjectMemo {
    /// A memo that keeps each compile's objects for the next (a preview's).
    pub fn keeping() -> Self {
        ObjectMemo {
            keep: true,
            ..Default::default()
        }
    }

    /// The model's objects ([`super::objects`]): a preview's memo takes
    /// over the groups of each workload that did not change, when the
    /// model's context did not (see the module's docs).
    pub fn objects(&mut self, m: &Model) -> Vec<Object> {
        self.taken.clear();
        self.placing.clear();
        if !self.keep {
            return super::objects(m);
        }
        // Which workloads are what they were, in a context that is.
        let unchanged: Vec<bool> = match &self.model {
            Some(previous) if same_context(previous, m) => (m.workloads.iter().enumerate())
                .map(|(i, w)| previous.workloads.get(i) == Some(w))
                .collect(),
            _ => Vec::new(),
        };
        // A workload's policies name the pods of the workloads at the other
        // end of its connections: those must be unchanged too.
        let mut peers_unchanged = unchanged.clone();
        for f in &m.flows {
            if let (End::Workload(a), End::Workload(b)) = (&f.from, &f.to) {
                for (end, other) in [(*a, *b), (*b, *a)] {
                    if !unchanged.get(other).copied().unwrap_or(false) {
                        if let Some(u) = peers_unchanged.get_mut(end) {
                            *u = false;
                        }
                    }
                }
            }
        }
        let mut keeper = Keeper {
            memo: self,
            unchanged,
            peers_unchanged,
        };
        objects_keeping(m, &mut keeper)
    }

    /// Start a compile of `objects` (those of [`Self::objects`], or any
    /// others): what is known of each.
    pub fn begin(&mut self, objects: &[Object]) {
        self.manifests = None;
        if !self.keep {
            self.current.clear();
            return;
        }
        let mut previous = std::mem::take(&mut self.previous);
        let mut taken = std::mem::take(&mut self.taken);
        self.current = objects
            .iter()
            .enumerate()
            .map(|(i, o)| {
                if let Some(c) = taken.get_mut(i).and_then(Option::take) {
                    return c;
                }
                match previous.get_mut(i) {
                    Some(Some((p, c))) if p == o => std::mem::take(c),
                    _ => Cached::default(),
                }
            })
            .collect();
        self.groups = std::mem::take(&mut self.placing);
        // Freeing a large spec's objects is a tenth of a keystroke's
        // update: left for `tidy`, off the path to the screen.
        self.retired = previous;
    }

    /// Free the objects the last compile replaced (see `retired`).
    pub fn tidy(&mut self) {
        self.retired = Vec::new();
    }

    /// Object `i`'s JSON size (as [`super::json_size`]), after
    /// [`Self::begin`] with the objects: known, or measured while its YAML
    /// is written, and both kept.
    fn size(&mut self, i: usize, o: &Object) -> usize {
        let Some(c) = self.current.get_mut(i) else {
            return super::json_size(o);
        };
        if let Some(size) = c.size {
            return size;
        }
        let mut e = Emitter::with_capacity(1024);
        let size = match o.write_sized_yaml(&mut e) {
            Ok(size) => {
                c.yaml = Some(e.finish());
                size
            }
            // Unwritable: measured alone, and the error is the manifests'.
            Err(_) => super::json_size(o),
        };
        c.size = Some(size);
        size
    }

    /// [`super::oversized`], reusing the sizes known. A plain compile's memo
    /// writes the manifests file meanwhile (see the module's docs).
    pub fn oversized(&mut self, objects: &[Object]) -> Vec<Oversized> {
        let sizes = if self.keep {
            (objects.iter().enumerate())
                .map(|(i, o)| self.size(i, o))
                .collect()
        } else {
            self.write_manifests(objects)
        };
        (objects.iter().zip(sizes))
            .filter(|(_, bytes)| *bytes > MAX_OBJECT_BYTES)
            .map(|(o, bytes)| oversized_of(o, bytes))
            .collect()
    }

    /// Write every object's YAML document into one manifests file, as
    /// [`super::manifests_yaml`] does, keep it for [`Self::manifests_yaml`]
    /// and return each object's JSON size.
    fn write_manifests(&mut self, objects: &[Object]) -> Vec<usize> {
        let mut e = Emitter::with_capacity(1024 * objects.len().max(1));
        let mut failed = None;
        let sizes = (objects.iter().enumerate())
            .map(|(i, o)| {
                if i > 0 {
                    e.raw(SEPARATOR);
                }
                o.write_sized_yaml(&mut e).unwrap_or_else(|error| {
                    failed.get_or_insert(error);
                    super::json_size(o)
                })
            })
            .collect();
        self.manifests = Some(match failed {
            None => Ok(e.finish()),
            Some(error) => Err(error),
        });
        sizes
    }

    /// [`super::manifests_yaml`], reusing the documents known: of this
    /// compile's objects, after [`Self::oversized`] with them.
    pub fn manifests_yaml(&mut self, objects: &[Object]) -> Result<String, crate::yaml::Error> {
        if !self.keep {
            return match self.manifests.take() {
                Some(written) => written,
                None => super::manifests_yaml(objects),
            };
        }
        let mut out = String::new();
        for (i, o) in objects.iter().enumerate() {
            if i > 0 {
                out.push_str(SEPARATOR);
            }
            let known = self.current.get(i).and_then(|c| c.yaml.as_deref());
            if let Some(y) = known {
                out.push_str(y);
                continue;
            }
            let mut e = Emitter::with_capacity(1024);
            o.write_yaml(&mut e)?;
            let y = e.finish();
            out.push_str(&y);
            if let Some(c) = self.current.get_mut(i) {
                c.yaml = Some(y);
            }
        }
        Ok(out)
    }

    /// End the compile: keep its objects, and the model they were made
    /// from (none: do not take any of them over), for the next one.
    pub fn end(&mut self, objects: Vec<Object>, model: Option<Model>) {
        if !self.keep {
            return;
        }
        let current = std::mem::take(&mut self.current);
        self.previous = objects
            .into_iter()
            .zip(
                current
                    .into_iter()
                    .chain(std::iter::repeat_with(Cached::default)),
            )
            .map(Some)
            .collect();
        // The groups' places (`groups`) are those `begin` took from this
        // compile's `objects`; none when it made its objects otherwise.
        self.model = model;
    }
}

/// The previous compile's objects, for [`objects_keeping`].
struct Keeper<'a> {
    memo: &'a mut ObjectMemo,
    /// By workload index: whether it and the context equal the previous
    /// compile's (none when the context does not).
    unchanged: Vec<bool>,
    /// The same, and every workload it has a connection with too.
    peers_unchanged: Vec<bool>,
}

impl Kept for Keeper<'_> {
    fn reuse(&mut self, index: usize, group: Group, out: &mut Vec<Object>) -> bool {
        let unchanged = match group {
            Group::Policies => &self.peers_unchanged,
            _ => &self.unchanged,
        };
        if !unchanged.get(index).copied().unwrap_or(false) {
            return false;
        }
        let memo = &mut *self.memo;
        let Some(range) = memo.groups.get(index).map(|g| g[group as usize].clone()) else {
            return false;
        };
        if range.end > memo.previous.len()
            || memo.previous[range.clone()].iter().any(Option::is_none)
        {
            return false;
        }
        for (o, c) in memo.previous[range].iter_mut().filter_map(Option::take) {
            let at = out.len();
            if memo.taken.len() <= at {
                memo.taken.resize_with(at + 1, || None);
            }
            memo.taken[at] = Some(c);
            out.push(o);
        }
        true
    }

    fn placed(&mut self, index: usize, group: Group, range: Range<usize>) {
        let placing = &mut self.memo.placing;
        if placing.len() <= index {
            placing.resize_with(index + 1, Default::default);
        }
        placing[index][group as usize] = range;
    }
}

/// Whether two models have the same context: everything but their
/// workloads. Every field is named, so that a new one is a decision here.
fn same_context(a: &Model, b: &Model) -> bool {
    let Model {
        name,
        project,
        location,
        region,
        regional,
        cluster_name,
        namespace,
        labels,
        version,
        release_channel,
        dataplane_v2,
        workload_identity,
        private_nodes,
        authorized_networks,
        network,
        subnetwork,
        pools,
        workloads: _,
        queues,
        flows,
        proxy_subnet,
    } = a;
    *name == b.name
        && *project == b.project
        && *location == b.location
        && *region == b.region
        && *regional == b.regional
        && *cluster_name == b.cluster_name
        && *namespace == b.namespace
        && *labels == b.labels
        && *version == b.version
        && *release_channel == b.release_channel
        && *dataplane_v2 == b.dataplane_v2
        && *workload_identity == b.workload_identity
        && *private_nodes == b.private_nodes
        && *authorized_networks == b.authorized_networks
        && *network == b.network
        && *subnetwork == b.subnetwork
        && *pools == b.pools
        && *queues == b.queues
        && *flows == b.flows
        && *proxy_subnet == b.proxy_subnet
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both memos write the file `manifests_yaml` writes, for every example,
    /// and a preview's keeps each object's size as `json_size` measures it
    /// (alone, in a pass of its own) and its document as `to_yaml` writes it.
    #[test]
    fn one_pass_writes_what_the_emitter_writes_and_measures_what_json_len_measures() {
        let examples = crate::wasm::bundled_examples();
        for example in &examples {
            let (path, src) = (&example.name, &example.source);
            let objects = crate::analyze(src).objects;
            assert!(!objects.is_empty(), "{path}");
            let want = super::super::manifests_yaml(&objects).expect("manifests");
            for mut memo in [ObjectMemo::default(), ObjectMemo::keeping()] {
                memo.begin(&objects);
                assert!(memo.oversized(&objects).is_empty());
                if memo.keep {
                    for (c, o) in memo.current.iter().zip(&objects) {
                        assert_eq!(c.size, Some(super::super::json_size(o)), "{}", o.name());
                        assert_eq!(c.yaml.as_deref(), o.to_yaml().ok().as_deref());
                    }
                }
                let got = memo.manifests_yaml(&objects).expect("manifests");
                assert_eq!(got, want, "{path} (keep: {})", memo.keep);
            }
        }
        assert!(examples.len() >= 10, "only {} examples", examples.len());
    }
}
