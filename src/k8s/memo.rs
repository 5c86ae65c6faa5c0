//! What a live preview keeps of the previous compile's objects: each one's
//! JSON size (the PW0418 check) and YAML text (the manifests), reused for an
//! object equal to the one at the same place last time. Typing into a large
//! spec changes one workload's few objects; comparing the others costs far
//! less than serializing them again. A plain compile's memo (the default)
//! keeps nothing across compiles: it writes the whole manifests file while
//! it measures the objects, in one pass over each, and hands that file to
//! the compile. The preview tests hold both to [`super::manifests_yaml`].

use super::objects::Object;
use super::order::SEPARATOR;
use super::size::{oversized_of, Oversized, MAX_OBJECT_BYTES};
use crate::yaml::Emitter;

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
    /// The previous compile's objects and what was computed of them.
    previous: Vec<(Object, Cached)>,
    /// The current compile's, by index (taken from `previous` where equal).
    current: Vec<Cached>,
    /// A plain compile's manifests file, written while measuring the objects.
    manifests: Option<Result<String, crate::yaml::Error>>,
    /// The objects the last [`Self::begin`] replaced, freed by
    /// [`Self::tidy`] when the caller is idle (a preview's, after it has
    /// shown the update), else by the next `begin`.
    retired: Vec<(Object, Cached)>,
}

impl ObjectMemo {
    /// A memo that keeps each compile's objects for the next (a preview's).
    pub fn keeping() -> Self {
        ObjectMemo {
            keep: true,
            ..Default::default()
        }
    }

    /// Start a compile of `objects`: what is known of each.
    pub fn begin(&mut self, objects: &[Object]) {
        self.manifests = None;
        if !self.keep {
            self.current.clear();
            return;
        }
        let mut previous = std::mem::take(&mut self.previous);
        self.current = objects
            .iter()
            .enumerate()
            .map(|(i, o)| match previous.get_mut(i) {
                Some((p, c)) if p == o => std::mem::take(c),
                _ => Cached::default(),
            })
            .collect();
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

    /// End the compile: keep its objects for the next one.
    pub fn end(&mut self, objects: Vec<Object>) {
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
            .collect();
    }
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
