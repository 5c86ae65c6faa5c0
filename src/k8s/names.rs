//! Object identity: no two generated objects may share kind, namespace and
//! name, and none may take a name Kubernetes gives its own objects. Checked
//! on the generated objects themselves, so a new kind of object or a new
//! naming rule is covered without restating it here.

use super::objects::{Object, WORKLOAD_LABEL};

/// Names Kubernetes creates in every namespace: taking one would take over
/// the cluster's own object (a workload named `default` would replace the
/// namespace's default ServiceAccount).
const KUBERNETES_OWN: &[(&str, &str)] = &[("ServiceAccount", "default")];

/// One object whose identity is not its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameClash {
    pub kind: &'static str,
    pub name: String,
    /// The workload whose object it is (its `podwire.dev/workload` label),
    /// when it belongs to one.
    pub workload: Option<String>,
    /// The other workload it collides with, `None` when the other object is
    /// podwire's own (e.g. the `default-deny` policy) or Kubernetes'.
    pub with: Option<String>,
    pub kubernetes_own: bool,
    /// The LeaderWorkerSet whose own objects' name this one takes: its
    /// group Services and worker pods are `<lws>-<group>[-<index>]`.
    pub lws: Option<String>,
}

fn workload_of(o: &Object) -> Option<String> {
    o.metadata().labels.as_ref()?.get(WORKLOAD_LABEL).cloned()
}

/// Every clash among `objects`, in apply order: each later object that takes
/// an earlier one's identity, and each object that takes a Kubernetes name.
pub fn name_clashes(objects: &[Object]) -> Vec<NameClash> {
    type Identity = (&'static str, Option<String>, String);
    let mut seen: std::collections::HashMap<Identity, Option<String>> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    // LeaderWorkerSet names a headless Service after each group's leader
    // (`<lws>-<group>`, subdomain policy UniquePerReplica) and the workers'
    // StatefulSet and pods after it: a Service or StatefulSet of podwire's
    // named `<lws>-<number>` would take (or be taken by) one of those.
    let lws: Vec<(Option<&str>, &str)> = objects
        .iter()
        .filter(|o| matches!(o, Object::LeaderWorkerSet(_)))
        .map(|o| (o.namespace(), o.name()))
        .collect();
    for o in objects {
        let (_, kind, _) = o.type_info();
        if matches!(o, Object::Service(_) | Object::StatefulSet(_)) {
            let taken = lws.iter().find(|(ns, name)| {
                *ns == o.namespace()
                    && o.name()
                        .strip_prefix(name)
                        .and_then(|r| r.strip_prefix('-'))
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            });
            if let Some((_, name)) = taken {
                out.push(NameClash {
                    kind,
                    name: o.name().to_string(),
                    workload: workload_of(o),
                    with: Some((*name).to_string()),
                    kubernetes_own: false,
                    lws: Some((*name).to_string()),
                });
            }
        }
    }
    for o in objects {
        let (_, kind, _) = o.type_info();
        let name = o.name().to_string();
        if KUBERNETES_OWN.contains(&(kind, name.as_str())) {
            out.push(NameClash {
                kind,
                name: name.clone(),
                workload: workload_of(o),
                with: None,
                kubernetes_own: true,
                lws: None,
            });
        }
        let key = (kind, o.namespace().map(str::to_string), name.clone());
        match seen.get(&key) {
            Some(first) => {
                let (mine, theirs) = match (workload_of(o), first) {
                    (Some(w), other) => (Some(w), other.clone()),
                    (None, other) => (other.clone(), None),
                };
                out.push(NameClash {
                    kind,
                    name,
                    workload: mine,
                    with: theirs,
                    kubernetes_own: false,
                    lws: None,
                });
            }
            None => {
                seen.insert(key, workload_of(o));
            }
        }
    }
    out
}
