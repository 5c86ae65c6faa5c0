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
    // Keyed by borrowed identities, the first holder's index as the value:
    // a preview runs this on every keystroke, over every object.
    type Identity<'o> = (&'static str, Option<&'o str>, &'o str);
    let mut seen: std::collections::HashMap<Identity, usize> =
        std::collections::HashMap::with_capacity(objects.len());
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
    for (i, o) in objects.iter().enumerate() {
        let (_, kind, _) = o.type_info();
        let name = o.name();
        if KUBERNETES_OWN.contains(&(kind, name)) {
            out.push(NameClash {
                kind,
                name: name.to_string(),
                workload: workload_of(o),
                with: None,
                kubernetes_own: true,
                lws: None,
            });
        }
        match seen.entry((kind, o.namespace(), name)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                let first = workload_of(&objects[*first.get()]);
                let (mine, theirs) = match workload_of(o) {
                    Some(w) => (Some(w), first),
                    None => (first, None),
                };
                out.push(NameClash {
                    kind,
                    name: name.to_string(),
                    workload: mine,
                    with: theirs,
                    kubernetes_own: false,
                    lws: None,
                });
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{Service, ServiceAccount};
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn meta(name: &str, ns: Option<&str>, workload: Option<&str>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: ns.map(str::to_string),
            labels: workload.map(|w| [(WORKLOAD_LABEL.to_string(), w.to_string())].into()),
            ..Default::default()
        }
    }

    fn account(name: &str, ns: Option<&str>, workload: Option<&str>) -> Object {
        Object::ServiceAccount(ServiceAccount {
            metadata: meta(name, ns, workload),
            ..Default::default()
        })
    }

    fn clash(name: &str, workload: Option<&str>, with: Option<&str>, own: bool) -> NameClash {
        NameClash {
            kind: "ServiceAccount",
            name: name.into(),
            workload: workload.map(Into::into),
            with: with.map(Into::into),
            kubernetes_own: own,
            lws: None,
        }
    }

    #[test]
    fn a_later_object_that_takes_an_identity_clashes_with_the_first_holder() {
        let objects = [
            account("a", Some("ns"), Some("first")),
            account("a", Some("other"), Some("elsewhere")), // another namespace: its own
            Object::Service(Service {
                metadata: meta("a", Some("ns"), Some("svc")), // another kind: its own
                ..Default::default()
            }),
            account("a", Some("ns"), Some("second")),
            account("a", Some("ns"), None), // podwire's own object: located at the first holder
            account("b", Some("ns"), None),
            account("b", Some("ns"), Some("third")),
            account("default", Some("ns"), Some("dflt")),
        ];
        assert_eq!(
            name_clashes(&objects),
            [
                clash("a", Some("second"), Some("first"), false),
                clash("a", Some("first"), None, false),
                clash("b", Some("third"), None, false),
                clash("default", Some("dflt"), None, true),
            ]
        );
    }
}
