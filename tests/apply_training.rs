//! `podwire apply SPEC` (the real binary) for training specs whose output
//! has Kueue queues and JobSets (examples/flex-h100-pytorch.yaml: a queued,
//! restarting JobSet reading a Secret; pytorch-restarts-data.yaml: the same
//! without a queue; flex-h100-kueue.yaml: a queued Indexed Job), against the
//! fake GKE and Kubernetes APIs, under injected faults.
//!
//! The in-process versions with hand-written objects (and the cases a spec
//! cannot produce: a kind of an unknown group, an older Kueue) stay in
//! tests/apply_objects.rs.

mod apply_support;

use apply_support::server::{Fault, Request};
use apply_support::Env;
use serde_json::{json, Value};
use std::time::Duration;

/// Never printed, in clear or in base64 (as the API server holds it).
const SECRET_VALUE: &str = "hf_TEST-VALUE-7d1e9a44c0";
const SECRET_VALUE_B64: &str = "aGZfVEVTVC1WQUxVRS03ZDFlOWE0NGMw";

/// The namespace of flex-h100-pytorch (its metadata.name).
const FLEX: &str = "flex-finetune";
/// The namespace of pytorch-restarts-data.
const RESTARTS: &str = "llm-finetune";

fn install_all(env: &Env) {
    env.kube
        .install("kueue.x-k8s.io", apply_support::kube::KUEUE_VERSIONS);
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
}

fn seed_token(env: &Env, ns: &str) {
    env.kube.seed_namespace(ns);
    env.kube
        .seed_secret(ns, "hf-token", &[("token", SECRET_VALUE)]);
}

/// `podwire apply SPEC --yes`, checked for the Secret's value.
fn apply(env: &Env) -> apply_support::Run {
    let run = env.run("apply", &["--yes"]);
    for s in [SECRET_VALUE, SECRET_VALUE_B64] {
        assert!(
            !run.stdout.contains(s) && !run.stderr.contains(s),
            "the Secret's value was printed:\n{}\n{}",
            run.stdout,
            run.stderr
        );
    }
    run
}

/// Successful (non-dry-run) applies, by path, in order.
fn applied(env: &Env) -> Vec<String> {
    env.kube.state.lock().unwrap().applies.clone()
}

fn position(paths: &[String], suffix: &str) -> usize {
    paths
        .iter()
        .position(|p| p.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} applied: {paths:?}"))
}

fn all_faults_fired(env: &Env) {
    for f in env.kube.server.faults.lock().unwrap().iter() {
        assert_eq!(f.times, 0, "fault not triggered: {f:?}");
    }
}

/// The PATCHes that reached the fake at a path ending in `suffix`, dry
/// runs (`dry`) or real applies.
fn patches_of(env: &Env, suffix: &str, dry: bool) -> Vec<Request> {
    env.kube
        .server
        .requests()
        .into_iter()
        .filter(|r| {
            r.method == "PATCH"
                && r.outcome == "ok"
                && r.path.ends_with(suffix)
                && r.query_has("dryRun=All") == dry
        })
        .collect()
}

/// The object at `suffix` as the fake serves it now.
fn live(env: &Env, suffix: &str) -> Value {
    let st = env.kube.state.lock().unwrap();
    let (_, o) = st
        .objects
        .iter()
        .find(|(p, _)| p.ends_with(suffix))
        .unwrap_or_else(|| panic!("{suffix} exists"));
    serde_yaml_ng::from_str(&o.body).unwrap()
}

#[test]
fn queue_objects_are_created_before_the_job_and_admission_is_waited_for() {
    let env = Env::new("flex-h100-pytorch.yaml");
    install_all(&env);
    seed_token(&env, FLEX);
    let k = &env.kube.server;
    k.fault("GET", "/apis", Fault::Status(503, None), 1);
    k.fault("GET", "/apis/kueue.x-k8s.io/v1beta2", Fault::Drop, 1);
    k.fault("PATCH", "/clusterqueues/", Fault::Status(500, None), 1);
    k.fault("PATCH", "/localqueues/", Fault::DropAfterHandling, 1);
    k.fault("GET", "/secrets/", Fault::Status(429, Some(0)), 1);
    k.fault("GET", "/workloads", Fault::Status(503, None), 1);
    let run = apply(&env);
    run.ok();
    all_faults_fired(&env);

    let paths = applied(&env);
    let at = |s: &str| position(&paths, s);
    let rf = at("/apis/kueue.x-k8s.io/v1beta2/resourceflavors/flex-finetune-h100");
    let cq = at("/apis/kueue.x-k8s.io/v1beta2/clusterqueues/flex-finetune-train");
    let lq = at("/apis/kueue.x-k8s.io/v1beta2/namespaces/flex-finetune/localqueues/train");
    let pc = at("/apis/kueue.x-k8s.io/v1beta2/workloadpriorityclasses/flex-finetune-high");
    let js = at("/apis/jobset.x-k8s.io/v1alpha2/namespaces/flex-finetune/jobsets/trainer");
    assert!(rf < cq && cq < lq && lq < js && pc < js, "{paths:?}");
    // One apply per compiled document, in `podwire compile`'s order.
    let mut seen: Vec<&String> = Vec::new();
    for p in &paths {
        if seen.last() != Some(&p) {
            seen.push(p);
        }
    }
    assert_eq!(seen.len(), env.documents().len(), "{paths:?}");
    // The JobSet was created suspended, in its queue.
    let body = &patches_of(&env, "/jobsets/trainer", false)[0].body;
    assert!(body.contains("suspend: true"), "{body}");
    assert!(body.contains("kueue.x-k8s.io/queue-name: train"), "{body}");

    let text = format!("{}\n{}", run.stdout, run.stderr);
    assert!(text.contains("waiting for Kueue (queue train)"), "{text}");
    assert!(text.contains("workloads ready: trainer"), "{text}");
    assert!(
        text.contains("JobSet flex-finetune/trainer: admitted by Kueue"),
        "{text}"
    );
}

#[test]
fn reapplying_an_admitted_workload_does_not_suspend_it_again() {
    for (example, ns, suffix) in [
        ("flex-h100-pytorch.yaml", FLEX, "/jobsets/trainer"),
        ("flex-h100-kueue.yaml", "flex-train", "/jobs/trainer"),
    ] {
        let env = Env::new(example);
        install_all(&env);
        seed_token(&env, ns);
        // Applied and waited for: Kueue admitted it, the live object is
        // unsuspended.
        apply(&env).ok();
        let before = applied(&env).len();
        let first = patches_of(&env, suffix, false);
        assert_eq!(first.len(), 1, "{example}");
        assert!(first[0].body.contains("suspend: true"), "{example}");

        // The same spec again: everything re-applied, the job left running.
        let run = apply(&env);
        run.ok();
        assert!(applied(&env).len() > before, "{example}");
        let again = patches_of(&env, suffix, false);
        assert_eq!(again.len(), 2, "{example}");
        // The dry run before it (Job templates are immutable) sent the same.
        let dry = patches_of(&env, suffix, true);
        assert_eq!(dry.len(), 1, "{example}");
        assert_eq!(dry[0].body, again[1].body, "{example}");
        assert!(
            !again[1].body.contains("suspend"),
            "{example}: the re-apply takes `suspend` back from Kueue:\n{}",
            again[1].body
        );
        // Otherwise it is the compiled document.
        let doc = env
            .documents()
            .into_iter()
            .find(|d| d.contains("kueue.x-k8s.io/queue-name") && !d.contains("kind: LocalQueue"))
            .unwrap();
        assert_eq!(
            again[1].body,
            doc.replace("  suspend: true\n", ""),
            "{example}"
        );
        assert_ne!(live(&env, suffix)["spec"]["suspend"], true, "{example}");
        let text = format!("{}\n{}", run.stdout, run.stderr);
        assert!(
            text.contains("workloads ready: trainer"),
            "{example}: {text}"
        );
    }
}

#[test]
fn a_missing_crd_stops_before_anything_is_created_with_the_install_command() {
    let env = Env::new("flex-h100-pytorch.yaml");
    seed_token(&env, FLEX);
    env.kube
        .server
        .fault("GET", "/apis", Fault::Status(500, None), 1);
    let before = env.kube.state.lock().unwrap().objects.len();
    let run = apply(&env);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for want in [
        "nothing was applied",
        "ResourceFlavor, ClusterQueue, LocalQueue, WorkloadPriorityClass (kueue.x-k8s.io/v1beta2): the cluster has no kueue.x-k8s.io API",
        "JobSet (jobset.x-k8s.io/v1alpha2), for JobSet flex-finetune/trainer: the cluster has no jobset.x-k8s.io API",
        "kubectl apply --server-side -f https://github.com/kubernetes-sigs/kueue/releases/download/v0.19.2/manifests.yaml",
        "kubectl apply --server-side -f https://github.com/kubernetes-sigs/jobset/releases/download/v0.12.0/manifests.yaml",
    ] {
        assert!(run.stderr.contains(want), "{want}:\n{}", run.stderr);
    }
    assert!(
        env.kube.server.requests().iter().all(|r| r.method == "GET"),
        "nothing but reads were sent to the cluster"
    );
    assert!(applied(&env).is_empty());
    assert_eq!(env.kube.state.lock().unwrap().objects.len(), before);
    all_faults_fired(&env);
}

#[test]
fn missing_secrets_are_named_and_no_workload_is_started() {
    let env = Env::new("flex-h100-pytorch.yaml");
    install_all(&env);
    env.kube.seed_namespace(FLEX);
    env.kube
        .server
        .fault("GET", "/secrets/hf-token", Fault::Status(503, None), 1);
    let run = apply(&env);
    assert_eq!(run.code, 2, "{}", run.stderr);
    for want in [
        "no workload was started",
        "Secret flex-finetune/hf-token does not exist (needs key \"token\"); used by JobSet flex-finetune/trainer",
        "kubectl create secret generic hf-token -n flex-finetune",
    ] {
        assert!(run.stderr.contains(want), "{want}:\n{}", run.stderr);
    }
    all_faults_fired(&env);
    let paths = applied(&env);
    assert!(
        paths.iter().any(|p| p.ends_with("/localqueues/train")),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("/jobsets/")), "{paths:?}");

    // With the Secret created (a key too many), the next apply starts it.
    env.kube
        .seed_secret(FLEX, "hf-token", &[("token", SECRET_VALUE), ("other", "x")]);
    apply(&env).ok();
    assert!(applied(&env)
        .iter()
        .any(|p| p.ends_with("/jobsets/trainer")));
}

#[test]
fn a_jobset_restart_is_waited_through_and_reported() {
    let env = Env::new("pytorch-restarts-data.yaml");
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
    seed_token(&env, RESTARTS);
    // The worker Job fails; JobSet restarts the group. Each state is served
    // at two polls: a GET that times out on a loaded machine is answered
    // (and counted) by the fake, and its retry takes the next.
    let failed = json!({"restarts": 0, "replicatedJobsStatus": [{"name": "worker", "ready": 0, "active": 0, "failed": 1}]});
    let restarted = json!({"restarts": 1, "replicatedJobsStatus": [{"name": "worker", "ready": 0, "active": 1, "failed": 0}]});
    env.kube.script(
        "JobSet",
        vec![
            json!({}),
            failed.clone(),
            failed,
            restarted.clone(),
            restarted,
            json!({"restarts": 1, "replicatedJobsStatus": [{"name": "worker", "ready": 1, "active": 1, "failed": 0}]}),
        ],
    );
    let k = &env.kube.server;
    k.fault("GET", "/jobsets/trainer", Fault::Status(503, None), 1);
    k.fault(
        "GET",
        "/jobsets/trainer",
        Fault::Delay(Duration::from_millis(1200)),
        1,
    );
    k.fault("PATCH", "/jobsets/", Fault::DropAfterHandling, 1);
    let run = apply(&env);
    run.ok();
    all_faults_fired(&env);
    let text = format!("{}\n{}", run.stdout, run.stderr);
    assert!(text.contains("worker 0/1 jobs ready, 1 failed"), "{text}");
    assert!(
        text.contains("worker 0/1 jobs ready (restarted once of at most 3)"),
        "{text}"
    );
    assert!(text.contains("workloads ready: trainer"), "{text}");
    assert!(
        text.contains("JobSet llm-finetune/trainer: restarted once of at most 3 after failures"),
        "{text}"
    );
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("1 failed") < at("(restarted once of at most 3)"));
    assert!(at("(restarted once of at most 3)") < at("workloads ready"));
}

#[test]
fn a_jobset_out_of_restarts_fails_the_apply_with_its_message() {
    let env = Env::new("pytorch-restarts-data.yaml");
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
    seed_token(&env, RESTARTS);
    env.kube.script(
        "JobSet",
        vec![
            json!({"restarts": 2, "replicatedJobsStatus": [{"name": "worker", "ready": 0, "active": 1}]}),
            json!({"restarts": 3, "conditions": [{"type": "Failed", "status": "True", "reason": "FailedJobs",
                "message": "jobset failed due to reaching max number of restarts"}]}),
        ],
    );
    let run = apply(&env);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("JobSet llm-finetune/trainer failed: jobset failed due to reaching max number of restarts (restarted 3 times of at most 3)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_changed_job_template_is_refused_before_anything_is_applied() {
    for (example, what) in [
        ("flex-h100-kueue.yaml", "Job flex-train/trainer"),
        ("flex-h100-pytorch.yaml", "JobSet flex-finetune/trainer"),
    ] {
        let env = Env::new(example);
        install_all(&env);
        seed_token(
            &env,
            if example.contains("pytorch") {
                FLEX
            } else {
                "flex-train"
            },
        );
        apply(&env).ok();
        let before = applied(&env);
        // A new image (and a new label, which alone could be applied).
        let spec = std::fs::read_to_string(&env.spec).unwrap();
        let changed = spec
            .replace("train:1.0", "train:1.1")
            .replace("labels: {team: ml}", "labels: {team: ml, run: b}");
        assert_ne!(spec, changed);
        std::fs::write(&env.spec, changed).unwrap();
        let run = apply(&env);
        assert_eq!(run.code, 2, "{example}: {}", run.stderr);
        for want in [
            "nothing was applied: the cluster refuses to change a workload that already exists",
            &format!("  - {what}: "),
            "field is immutable",
            "podwire delete SPEC",
        ] {
            assert!(
                run.stderr.contains(want),
                "{example}: {want}:\n{}",
                run.stderr
            );
        }
        assert_eq!(applied(&env), before, "{example}: nothing was applied");
    }
}
