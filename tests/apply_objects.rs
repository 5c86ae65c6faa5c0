//! The Kubernetes half of `podwire apply` (`submit::run::apply_objects` and
//! `wait_ready`, the functions the binary calls after the cluster is up)
//! driven in process with hand-written custom resources (Kueue queues, a
//! JobSet) against the fake Kubernetes API, under injected faults. The same
//! cases run through `podwire apply SPEC` with the training examples in
//! tests/apply_training.rs; these keep what a spec cannot produce (a kind of
//! an unknown group, an older Kueue, a Secret that may not be read, Secrets
//! referenced through envFrom and volumes).
//!
//! Every run's output is captured (`ui::capture`) and checked for the
//! access token and for the test Secret's value.

mod apply_support;

use apply_support::server::Fault;
use apply_support::{Env, TOKEN};
use podwire::kubeconfig::Endpoint;
use podwire::plan::kube::Manifest;
use podwire::plan::retry::RetryPolicy;
use podwire::submit::auth::Credentials;
use podwire::submit::kube::Kube;
use podwire::submit::{run, ui, Deadline, Secret, SubmitError, Tuning};
use serde_json::{json, Value};
use std::time::Duration;

/// Never printed, in clear or in base64 (as the API server holds it).
const SECRET_VALUE: &str = "hf_TEST-VALUE-7d1e9a44c0";
const SECRET_VALUE_B64: &str = "aGZfVEVTVC1WQUxVRS03ZDFlOWE0NGMw";

const NS: &str = "ml";

fn tuning() -> Tuning {
    Tuning {
        retry: RetryPolicy {
            backoff_base: Duration::from_millis(20),
            max_attempts: 8,
            ..RetryPolicy::default()
        },
        poll: Duration::from_millis(10),
        http_timeout: Duration::from_millis(800),
    }
}

fn kube(env: &Env, timeout: Duration) -> (Kube, Deadline) {
    let deadline = Deadline::after(timeout);
    let k = Kube::new(
        &Endpoint {
            endpoint: env.kube.server.addr.clone(),
            ca_certificate: env.kube.ca_base64.clone(),
        },
        Credentials::fixed(Secret::new(TOKEN)),
        tuning(),
        deadline,
    )
    .unwrap();
    (k, deadline)
}

/// Apply (and wait for) `objects`; the result and every line printed.
fn apply(env: &Env, objects: &[Manifest], wait: bool) -> (Result<(), SubmitError>, Vec<String>) {
    let (k, deadline) = kube(env, Duration::from_secs(30));
    let (r, lines) = ui::capture(|| {
        run::apply_objects(&k, objects, false)?;
        if wait {
            run::wait_ready(&k, objects, &tuning(), &deadline)?;
        }
        Ok(())
    });
    let all = format!(
        "{}\n{}",
        lines.join("\n"),
        r.as_ref()
            .err()
            .map(|e| format!("{e} {e:?}"))
            .unwrap_or_default()
    );
    for secret in [TOKEN, SECRET_VALUE, SECRET_VALUE_B64] {
        assert!(!all.contains(secret), "a secret was printed:\n{all}");
    }
    (r, lines)
}

fn m(v: Value) -> Manifest {
    Manifest::from_json(v).unwrap()
}

fn labels() -> Value {
    json!({"app.kubernetes.io/managed-by": "podwire", "app.kubernetes.io/part-of": "llm"})
}

/// A pod template that reads three Secrets.
fn pod_template() -> Value {
    json!({"metadata": {"labels": {"podwire.dev/workload": "trainer"}},
        "spec": {"restartPolicy": "Never", "subdomain": "trainer",
            "containers": [{"name": "trainer", "image": "us-docker.pkg.dev/p/r/train:1",
                "env": [{"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": "hf-token", "key": "token"}}}],
                "envFrom": [{"secretRef": {"name": "wandb"}}],
                "volumeMounts": [{"name": "certs", "mountPath": "/certs", "readOnly": true}]}],
            "volumes": [{"name": "certs", "secret": {"secretName": "certs", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}})
}

/// What the Kueue and JobSet lowerings will produce for a queued,
/// restarting training job, by hand, in podwire's apply order.
fn training(queued: bool) -> Vec<Manifest> {
    let mut jobset_labels = labels();
    if queued {
        jobset_labels["kueue.x-k8s.io/queue-name"] = "train".into();
    }
    let mut objs = vec![m(
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NS, "labels": labels()}}),
    )];
    if queued {
        objs.extend([
            m(json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ResourceFlavor", "metadata": {"name": "llm-h100", "labels": labels()},
                "spec": {"nodeLabels": {"cloud.google.com/gke-nodepool": "h100"}}})),
            m(json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "ClusterQueue", "metadata": {"name": "llm-train"},
                "spec": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": NS}},
                    "resourceGroups": [{"coveredResources": ["nvidia.com/gpu"], "flavors": [{"name": "llm-h100", "resources": [{"name": "nvidia.com/gpu", "nominalQuota": 16}]}]}]}})),
            m(json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "LocalQueue", "metadata": {"name": "train", "namespace": NS},
                "spec": {"clusterQueue": "llm-train"}})),
            m(json!({"apiVersion": "kueue.x-k8s.io/v1beta2", "kind": "WorkloadPriorityClass", "metadata": {"name": "llm-high"}, "value": 1000})),
        ]);
    }
    objs.extend([
        m(
            json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "trainer", "namespace": NS}, "automountServiceAccountToken": false}),
        ),
        m(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "trainer", "namespace": NS},
            "spec": {"clusterIP": "None", "selector": {"podwire.dev/workload": "trainer"}, "ports": [{"name": "c10d", "port": 29500}]}}),
        ),
    ]);
    objs.push(m(json!({"apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
        "metadata": {"name": "trainer", "namespace": NS, "labels": jobset_labels},
        "spec": {"suspend": queued, "failurePolicy": {"maxRestarts": 3},
            "network": {"subdomain": "trainer"},
            "replicatedJobs": [{"name": "worker", "replicas": 2,
                "template": {"spec": {"completionMode": "Indexed", "parallelism": 2, "completions": 2, "backoffLimit": 0,
                    "template": pod_template()}}}]}})));
    // In the order podwire's core decides (src/k8s/order.rs).
    let ranks: Vec<u8> = objs
        .iter()
        .filter_map(|o| podwire::k8s::apply_rank(&o.api_version, &o.kind))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    objs
}

fn seed_secrets(env: &Env) {
    env.kube.seed_namespace(NS);
    env.kube
        .seed_secret(NS, "hf-token", &[("token", SECRET_VALUE)]);
    env.kube.seed_secret(NS, "wandb", &[("WANDB_API_KEY", "k")]);
    env.kube.seed_secret(NS, "certs", &[("ca.crt", "pem")]);
}

fn install_all(env: &Env) {
    env.kube
        .install("kueue.x-k8s.io", apply_support::kube::KUEUE_VERSIONS);
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
}

/// Successful applies, in order.
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

#[test]
fn queue_objects_are_created_before_the_job_and_admission_is_waited_for() {
    let env = Env::new("seed.yaml");
    install_all(&env);
    seed_secrets(&env);
    let k = &env.kube.server;
    k.fault("GET", "/apis", Fault::Status(503, None), 1);
    k.fault("GET", "/apis/kueue.x-k8s.io/v1beta2", Fault::Drop, 1);
    k.fault("PATCH", "/clusterqueues/", Fault::Status(500, None), 1);
    k.fault("PATCH", "/localqueues/", Fault::DropAfterHandling, 1);
    k.fault("GET", "/secrets/", Fault::Status(429, Some(0)), 1);
    k.fault("GET", "/workloads", Fault::Status(503, None), 1);
    let objs = training(true);
    let (r, lines) = apply(&env, &objs, true);
    r.unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));
    all_faults_fired(&env);

    let paths = applied(&env);
    // Cluster-scoped and namespaced resources where discovery puts them.
    let rf = position(
        &paths,
        "/apis/kueue.x-k8s.io/v1beta2/resourceflavors/llm-h100",
    );
    let cq = position(
        &paths,
        "/apis/kueue.x-k8s.io/v1beta2/clusterqueues/llm-train",
    );
    let lq = position(
        &paths,
        "/apis/kueue.x-k8s.io/v1beta2/namespaces/ml/localqueues/train",
    );
    let js = position(
        &paths,
        "/apis/jobset.x-k8s.io/v1alpha2/namespaces/ml/jobsets/trainer",
    );
    assert!(rf < cq && cq < lq && lq < js, "{paths:?}");
    // Exactly the given order, once each.
    let mut seen: Vec<&String> = Vec::new();
    for p in &paths {
        if seen.last() != Some(&p) {
            seen.push(p);
        }
    }
    assert_eq!(seen.len(), objs.len(), "{paths:?}");

    // The wait showed why Kueue held the job, then its admission.
    let text = lines.join("\n");
    assert!(
        text.contains("waiting for Kueue (queue train): couldn't assign flavors"),
        "{text}"
    );
    assert!(text.contains("workloads ready: trainer"), "{text}");
    assert!(
        text.contains("JobSet ml/trainer: admitted by Kueue (ClusterQueue cq)"),
        "{text}"
    );
    // The Workload was found by the label Kueue documents.
    let wl = k
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/workloads") && r.outcome == "ok")
        .expect("a Workload list");
    assert!(
        wl.query
            .contains("labelSelector=kueue.x-k8s.io%2Fjob-uid%3D"),
        "{}",
        wl.query
    );

    // Each discovery document was read once (retries of faults aside).
    let reads = |path: &str| {
        k.requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path == path && r.outcome == "ok")
            .count()
    };
    for path in [
        "/apis",
        "/api/v1",
        "/apis/kueue.x-k8s.io/v1beta2",
        "/apis/jobset.x-k8s.io/v1alpha2",
    ] {
        assert_eq!(reads(path), 1, "{path}");
    }
}

#[test]
fn a_missing_crd_stops_before_anything_is_created_with_the_install_command() {
    let env = Env::new("seed.yaml");
    seed_secrets(&env);
    env.kube
        .server
        .fault("GET", "/apis", Fault::Status(500, None), 1);
    let before = env.kube.state.lock().unwrap().objects.len();
    let (r, _) = apply(&env, &training(true), true);
    let e = r.unwrap_err();
    assert!(matches!(e, SubmitError::NotServed(_)), "{e:?}");
    let msg = e.to_string();
    for want in [
        "nothing was applied",
        "the cluster does not serve 5 kinds",
        "ResourceFlavor, ClusterQueue, LocalQueue, WorkloadPriorityClass (kueue.x-k8s.io/v1beta2): the cluster has no kueue.x-k8s.io API",
        "JobSet (jobset.x-k8s.io/v1alpha2), for JobSet ml/trainer: the cluster has no jobset.x-k8s.io API",
        "kubectl apply --server-side -f https://github.com/kubernetes-sigs/kueue/releases/download/v0.19.2/manifests.yaml",
        "kubectl apply --server-side -f https://github.com/kubernetes-sigs/jobset/releases/download/v0.12.0/manifests.yaml",
    ] {
        assert!(msg.contains(want), "{want}:\n{msg}");
    }
    assert!(
        env.kube.server.requests().iter().all(|r| r.method == "GET"),
        "nothing but discovery was sent"
    );
    assert!(applied(&env).is_empty());
    assert_eq!(env.kube.state.lock().unwrap().objects.len(), before);
    all_faults_fired(&env);

    // An older Kueue (v1beta1 only) and JobSet installed: only Kueue is
    // named, as too old.
    env.kube.install("kueue.x-k8s.io", &["v1beta1"]);
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
    let (r, _) = apply(&env, &training(true), true);
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("kueue.x-k8s.io is served only at v1beta1"),
        "{msg}"
    );
    assert!(!msg.contains("jobset"), "{msg}");
    assert!(applied(&env).is_empty());

    // A kind of a group podwire does not know: named, with a generic hint.
    env.kube
        .install("kueue.x-k8s.io", apply_support::kube::KUEUE_VERSIONS);
    let mut objs = training(true);
    objs.insert(
        1,
        m(json!({"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": NS}})),
    );
    let (r, _) = apply(&env, &objs, false);
    let msg = r.unwrap_err().to_string();
    assert!(
        msg.contains("install the CustomResourceDefinition of Widget (example.com/v1)"),
        "{msg}"
    );
    assert!(applied(&env).is_empty());
}

#[test]
fn missing_secrets_are_all_named_and_no_workload_is_started() {
    let env = Env::new("seed.yaml");
    install_all(&env);
    env.kube.seed_namespace(NS);
    // hf-token exists without the key the job reads; wandb does not exist;
    // certs is complete.
    env.kube
        .seed_secret(NS, "hf-token", &[("other", SECRET_VALUE)]);
    env.kube.seed_secret(NS, "certs", &[("ca.crt", "pem")]);
    env.kube
        .server
        .fault("GET", "/secrets/hf-token", Fault::Status(503, None), 2);
    let (r, lines) = apply(&env, &training(true), true);
    let e = r.unwrap_err();
    assert!(matches!(e, SubmitError::MissingSecrets(_)), "{e:?}");
    let msg = e.to_string();
    for want in [
        "2 Secrets the workloads reference are missing from the cluster, so no workload was started",
        "Secret ml/hf-token has no key \"token\"; used by JobSet ml/trainer",
        "Secret ml/wandb does not exist; used by JobSet ml/trainer",
        "kubectl create secret generic wandb -n ml --from-file=KEY=PATH",
    ] {
        assert!(msg.contains(want), "{want}:\n{msg}");
    }
    assert!(!msg.contains("certs"), "{msg}");
    all_faults_fired(&env);
    // Everything before the workloads is there; the JobSet is not.
    let paths = applied(&env);
    assert!(
        paths.iter().any(|p| p.ends_with("/localqueues/train")),
        "{paths:?}"
    );
    assert!(!paths.iter().any(|p| p.contains("/jobsets/")), "{paths:?}");
    assert!(!lines
        .iter()
        .any(|l| l.contains("JobSet ml/trainer: created")));

    // The user creates what was missing; the next apply starts the job.
    env.kube
        .seed_secret(NS, "hf-token", &[("token", SECRET_VALUE), ("other", "x")]);
    env.kube.seed_secret(NS, "wandb", &[("WANDB_API_KEY", "k")]);
    let (r, lines) = apply(&env, &training(true), true);
    r.unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));
    assert!(applied(&env).iter().any(|p| p.contains("/jobsets/trainer")));
}

#[test]
fn a_jobset_restart_is_waited_through_and_reported() {
    let env = Env::new("seed.yaml");
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
    seed_secrets(&env);
    // One worker fails; JobSet restarts the group; both come back. Each
    // state is served at two polls: a GET that times out on a loaded machine
    // is answered (and counted) by the fake, and its retry takes the next.
    let failed = json!({"restarts": 0, "replicatedJobsStatus": [{"name": "worker", "ready": 1, "active": 1, "failed": 1}]});
    let restarted = json!({"restarts": 1, "replicatedJobsStatus": [{"name": "worker", "ready": 0, "active": 2, "failed": 0}]});
    env.kube.script(
        "JobSet",
        vec![
            json!({}),
            failed.clone(),
            failed,
            restarted.clone(),
            restarted,
            json!({"restarts": 1, "replicatedJobsStatus": [{"name": "worker", "ready": 1, "active": 2, "failed": 0}]}),
            json!({"restarts": 1, "replicatedJobsStatus": [{"name": "worker", "ready": 2, "active": 2, "failed": 0}]}),
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
    // Credentials that may not read one of the Secrets: said, not fatal.
    k.fault(
        "GET",
        "/secrets/certs",
        Fault::Json(
            403,
            json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Forbidden", "code": 403,
                "message": "secrets \"certs\" is forbidden: User \"dev\" cannot get resource \"secrets\" in the namespace \"ml\""})
            .to_string(),
        ),
        1,
    );
    let (r, lines) = apply(&env, &training(false), true);
    r.unwrap_or_else(|e| panic!("{e}\n{}", lines.join("\n")));
    all_faults_fired(&env);
    let text = lines.join("\n");
    assert!(
        text.contains("cannot check Secret ml/certs (used by JobSet ml/trainer): secrets \"certs\" is forbidden"),
        "{text}"
    );
    assert!(text.contains("worker 1/2 jobs ready, 1 failed"), "{text}");
    assert!(
        text.contains("worker 0/2 jobs ready (restarted once of at most 3)"),
        "{text}"
    );
    assert!(text.contains("workloads ready: trainer"), "{text}");
    assert!(
        text.contains("JobSet ml/trainer: restarted once of at most 3 after failures"),
        "{text}"
    );
    // The progress lines come in the order the JobSet went through them.
    let at = |s: &str| text.find(s).unwrap();
    assert!(
        at("1 failed") < at("restarted once of at most 3)")
            && at("restarted once of at most 3)") < at("workloads ready")
    );
}

#[test]
fn a_jobset_out_of_restarts_fails_the_apply_with_its_message() {
    let env = Env::new("seed.yaml");
    env.kube.install("jobset.x-k8s.io", &["v1alpha2"]);
    seed_secrets(&env);
    env.kube.script(
        "JobSet",
        vec![
            json!({"restarts": 2, "replicatedJobsStatus": [{"name": "worker", "ready": 0, "active": 2}]}),
            json!({"restarts": 3, "conditions": [{"type": "Failed", "status": "True", "reason": "FailedJobs",
                "message": "jobset failed due to reaching max number of restarts"}]}),
        ],
    );
    let (r, _) = apply(&env, &training(false), true);
    let e = r.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, SubmitError::Workload { .. }), "{e:?}");
    assert!(
        msg.contains("JobSet ml/trainer failed: jobset failed due to reaching max number of restarts (restarted 3 times of at most 3)"),
        "{msg}"
    );
}
