//! What podwire applies to an object that already exists: the compiled
//! object, less the fields another controller has taken over since.
//!
//! A queued Job or JobSet is compiled with `spec.suspend: true`; Kueue
//! admits it by setting `suspend: false` with an update of its own. Under
//! server-side apply that update moves the field's ownership to Kueue
//! ("whenever a field's value does change, ownership moves from its current
//! manager to the manager making the change", Kubernetes' Server-Side Apply
//! reference, "Field management"), and podwire's forced re-apply of
//! `suspend: true` would take it back and stop the running pods (the Job
//! controller deletes a suspended Job's active pods; JobSet suspends its
//! child Jobs). Leaving the field out of the body is what gives it up: a
//! field no longer in an apply configuration is kept while another manager
//! owns it, and is removed (reset to its default, `false`) only when no
//! other manager does (same reference, "Field management").
//!
//! So, decided here once for every object:
//! - absent: the compiled body, `suspend: true` included (Kueue's webhook
//!   would suspend a queued Job too, but podwire does not rely on it);
//! - present and still suspended: the compiled body; podwire is then the
//!   field's (co-)owner, and dropping it would reset it to `false` and
//!   start a job Kueue has not admitted;
//! - present and not suspended (admitted, or started some other way): the
//!   body without `spec.suspend`, so the running job keeps running.
//!
//! [`immutable_template`] names the kinds whose pod template the API
//! server refuses to change once the object exists (see `src/submit/run.rs`,
//! which dry-runs those before it changes anything).

use super::kube::{Manifest, RequestError};
use serde_json::Value;

/// Kinds podwire compiles with `spec.suspend` for Kueue.
const SUSPENDABLE: &[&str] = &["Job", "JobSet"];

/// The body to apply for `m`, given the live object a get found (`None`:
/// absent). Unchanged unless the live object has been unsuspended.
pub fn body(m: &Manifest, live: Option<&Value>) -> Result<Manifest, RequestError> {
    if !drops_suspend(m, live) {
        return Ok(m.clone());
    }
    let mut json = m.json.clone();
    if let Some(spec) = json["spec"].as_object_mut() {
        spec.remove("suspend");
    }
    Manifest::from_json(json)
}

/// Whether the apply of `m` must leave `spec.suspend` to its current owner.
pub fn drops_suspend(m: &Manifest, live: Option<&Value>) -> bool {
    let Some(live) = live else { return false };
    SUSPENDABLE.contains(&m.kind.as_str())
        && m.json["spec"]["suspend"] == Value::Bool(true)
        && live["spec"]["suspend"] != Value::Bool(true)
}

/// Whether the API server rejects a change of `m`'s pod template once it
/// exists: a Job's `spec.template` is immutable (only the scheduling
/// directives of a suspended Job that never ran may change), and JobSet's
/// webhook refuses changes to `spec.replicatedJobs` likewise.
pub fn immutable_template(m: &Manifest) -> bool {
    matches!(
        (m.group(), m.kind.as_str()),
        ("batch", "Job") | ("jobset.x-k8s.io", "JobSet")
    )
}

/// The message when the API server refused (in a dry run, before anything
/// was applied) to change existing objects of [`immutable_template`] kinds:
/// `(object, the server's message)` for each, and what to do.
pub fn immutable_message(refused: &[(String, String)]) -> String {
    let mut s = format!(
        "nothing was applied: the cluster refuses to change {} that already {} (a Job's pod template cannot change once it exists; nor can a JobSet's replicated jobs):",
        match refused.len() {
            1 => "a workload".to_string(),
            n => format!("{n} workloads"),
        },
        if refused.len() == 1 { "exists" } else { "exist" },
    );
    for (what, message) in refused {
        s.push_str(&format!("\n  - {what}: {message}"));
    }
    s.push_str(
        "\nto run the changed spec, delete the running job first (`podwire delete SPEC` deletes the spec's workloads and keeps the cluster; a checkpoint on a PersistentVolumeClaim survives it), then run podwire apply again; or give the workload a new name",
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn queued(kind: &str, api_version: &str) -> Manifest {
        Manifest::from_json(json!({"apiVersion": api_version, "kind": kind,
            "metadata": {"name": "trainer", "namespace": "ml",
                "labels": {"kueue.x-k8s.io/queue-name": "train"}},
            "spec": {"suspend": true, "parallelism": 2}}))
        .unwrap()
    }

    fn live(suspend: Option<bool>) -> Value {
        let mut v =
            json!({"kind": "Job", "metadata": {"name": "trainer"}, "spec": {"parallelism": 2}});
        if let Some(s) = suspend {
            v["spec"]["suspend"] = s.into();
        }
        v
    }

    #[test]
    fn an_admitted_workload_keeps_running_on_reapply() {
        for m in [
            queued("Job", "batch/v1"),
            queued("JobSet", "jobset.x-k8s.io/v1alpha2"),
        ] {
            // Created suspended.
            assert_eq!(body(&m, None).unwrap(), m);
            // Still waiting for admission: podwire keeps holding it.
            assert_eq!(body(&m, Some(&live(Some(true)))).unwrap(), m);
            // Admitted (Kueue set false), or without the field at all.
            for l in [live(Some(false)), live(None)] {
                let b = body(&m, Some(&l)).unwrap();
                assert!(b.json["spec"].get("suspend").is_none(), "{}", b.yaml);
                assert!(!b.yaml.contains("suspend"), "{}", b.yaml);
                assert_eq!(b.json["spec"]["parallelism"], 2);
                assert_eq!(
                    (b.kind.as_str(), b.name.as_str()),
                    (m.kind.as_str(), "trainer")
                );
                assert_eq!(b.label("kueue.x-k8s.io/queue-name"), Some("train"));
            }
        }
    }

    #[test]
    fn other_objects_are_applied_as_compiled() {
        // Not queued: nothing to give up.
        let mut plain = queued("Job", "batch/v1");
        plain.json["spec"]
            .as_object_mut()
            .unwrap()
            .remove("suspend");
        let plain = Manifest::from_json(plain.json).unwrap();
        assert!(!drops_suspend(&plain, Some(&live(Some(false)))));
        // A kind podwire does not suspend, whatever its spec says.
        let other = queued("Deployment", "apps/v1");
        assert_eq!(body(&other, Some(&live(Some(false)))).unwrap(), other);
    }

    #[test]
    fn job_templates_are_immutable() {
        assert!(immutable_template(&queued("Job", "batch/v1")));
        assert!(immutable_template(&queued(
            "JobSet",
            "jobset.x-k8s.io/v1alpha2"
        )));
        assert!(!immutable_template(&queued("Deployment", "apps/v1")));
        let one = immutable_message(&[("Job ml/trainer".into(), "field is immutable".into())]);
        assert!(
            one.starts_with(
                "nothing was applied: the cluster refuses to change a workload that already exists"
            ),
            "{one}"
        );
        assert!(
            one.contains("\n  - Job ml/trainer: field is immutable\n"),
            "{one}"
        );
        assert!(one.contains("podwire delete SPEC"), "{one}");
        let two = immutable_message(&[("a".into(), "x".into()), ("b".into(), "y".into())]);
        assert!(
            two.contains("change 2 workloads that already exist"),
            "{two}"
        );
    }
}
