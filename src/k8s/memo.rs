//! What a live preview keeps of the previous compile's objects: each one's
//! JSON size (the PW0418 check) and YAML text (the manifests), reused for an
//! object equal to the one at the same place last time. Typing into a large
//! spec changes one workload's few objects; comparing the others costs far
//! less than serializing them again. A plain compile's memo (the default)
//! keeps nothing and writes the manifests with [`super::manifests_yaml`];
//! the preview tests hold both paths to the same output.

use super::objects::Object;
use super::order::SEPARATOR;
use super::size::{json_size, oversized_of, Oversized, MAX_OBJECT_BYTES};
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
    }

    /// The objects' JSON sizes (as [`json_size`]), after [`Self::begin`] with them.
    fn size(&mut self, i: usize, o: &Object) -> usize {
        match self.current.get_mut(i) {
            Some(c) => *c.size.get_or_insert_with(|| json_size(o)),
            None => json_size(o),
        }
    }

    /// [`super::oversized`], reusing the sizes known.
    pub fn oversized(&mut self, objects: &[Object]) -> Vec<Oversized> {
        objects
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                let bytes = self.size(i, o);
                (bytes > MAX_OBJECT_BYTES).then(|| oversized_of(o, bytes))
            })
            .collect()
    }

    /// [`super::manifests_yaml`], reusing the documents known.
    pub fn manifests_yaml(&mut self, objects: &[Object]) -> Result<String, crate::yaml::Error> {
        if !self.keep {
            // Nothing to reuse or keep: one emitter for the whole file, not
            // a String per object copied into it.
            return super::manifests_yaml(objects);
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
