//! Object size: the API server refuses an object larger than etcd stores
//! (1.5 MiB per request by default), so such an object is an error of the
//! spec, not output. Measured on the generated objects themselves, as the
//! JSON the API server is sent, so any field that grows an object counts.

use super::objects::{Object, WORKLOAD_LABEL};

/// The most one object may take, in bytes of its JSON: etcd's default
/// request limit (`--max-request-bytes`, 1.5 MiB), which GKE keeps.
pub const MAX_OBJECT_BYTES: usize = 3 * 512 * 1024;

/// One object too large to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Oversized {
    pub kind: &'static str,
    pub name: String,
    /// The workload whose object it is (its `podwire.dev/workload` label).
    pub workload: Option<String>,
    /// The object's size as compact JSON.
    pub bytes: usize,
}

/// The size of an object as compact JSON (what a client sends and the API
/// server stores), measured with the YAML emitter's serializer, which knows
/// compact JSON's length too: the objects' serialization is compiled once
/// for both.
pub fn json_size(o: &Object) -> usize {
    crate::yaml::json_len(o)
}

/// Every object over [`MAX_OBJECT_BYTES`], in apply order.
pub fn oversized(objects: &[Object]) -> Vec<Oversized> {
    objects
        .iter()
        .filter_map(|o| {
            let bytes = json_size(o);
            (bytes > MAX_OBJECT_BYTES).then(|| oversized_of(o, bytes))
        })
        .collect()
}

/// The [`Oversized`] of an object of `bytes`.
pub(super) fn oversized_of(o: &Object, bytes: usize) -> Oversized {
    Oversized {
        kind: o.type_info().1,
        name: o.name().to_string(),
        workload: o
            .metadata()
            .labels
            .as_ref()
            .and_then(|l| l.get(WORKLOAD_LABEL).cloned()),
        bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(src: &str) -> Vec<Object> {
        crate::analyze(src).objects
    }

    /// Every object of every example: the measured length is serde_json's.
    #[test]
    fn json_size_is_the_length_of_the_objects_json() {
        let mut n = 0;
        for example in crate::wasm::bundled_examples() {
            for o in objects(&example.source) {
                let want = o.to_json().to_string().len();
                assert_eq!(json_size(&o), want, "{}: {}", example.name, o.name());
                n += 1;
            }
        }
        assert!(n > 100, "only {n} objects measured");
    }

    #[test]
    fn the_examples_fit() {
        assert!(oversized(&objects(include_str!("../../examples/mixed-stack.yaml"))).is_empty());
    }
}
