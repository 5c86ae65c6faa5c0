//! `podwire apply` and `podwire status` (the real binary) for multi-host
//! serving (examples/llama-405b-multihost.yaml: a LeaderWorkerSet of
//! vLLM groups with health probes) against the fake GKE and Kubernetes
//! APIs: apply waits until the groups are ready (LeaderWorkerSet counts a
//! group ready only when every pod of it is), not merely created; status
//! shows each group's leader and workers from their pods.

mod apply_support;

use apply_support::Env;
use serde_json::json;

/// The namespace of llama-405b-multihost (its metadata.name).
const NS: &str = "llama-405b";
const LWS: &str = "leaderworkerset.sigs.k8s.io";

fn env() -> Env {
    let env = Env::new("llama-405b-multihost.yaml");
    env.kube.install("leaderworkerset.x-k8s.io", &["v1"]);
    env.kube.install("monitoring.googleapis.com", &["v1"]);
    env.kube.seed_namespace(NS);
    env.kube.seed_secret(NS, "hf-token", &[("token", "t")]);
    env
}

fn lws_gets(env: &Env) -> usize {
    env.kube
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/leaderworkersets/llama"))
        .count()
}

#[test]
fn apply_waits_for_the_servers_to_be_ready_not_created() {
    let env = env();
    // Created at once; the group's pods load the weights for a while (its
    // leader's probes fail), then every pod is ready. Each state is served
    // twice: a GET that times out on a loaded machine is still counted.
    let loading =
        json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 0, "updatedReplicas": 1});
    env.kube.script(
        "LeaderWorkerSet",
        vec![
            json!({}),
            loading.clone(),
            loading.clone(),
            loading,
            json!({"observedGeneration": 1, "replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}),
        ],
    );
    let run = env.run("apply", &["--yes"]);
    run.ok();
    let text = format!("{}\n{}", run.stdout, run.stderr);
    assert!(text.contains("llama 0/1 groups ready"), "{text}");
    assert!(text.contains("workloads ready: llama"), "{text}");
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("0/1 groups ready") < at("workloads ready"));
    assert!(
        lws_gets(&env) >= 4,
        "polled until ready: {}",
        lws_gets(&env)
    );
}

#[test]
fn status_shows_readiness_per_replica_group() {
    let env = env();
    env.run("apply", &["--yes"]).ok();
    // Two groups (the autoscaler's count): group 0 serves, group 1's worker
    // is still loading; another LeaderWorkerSet's pod is not listed.
    env.kube.script(
        "LeaderWorkerSet",
        vec![json!({"observedGeneration": 1, "replicas": 2, "readyReplicas": 1, "updatedReplicas": 2})],
    );
    let pod = |name: &str, set: &str, group: &str, worker: &str, ready: bool| {
        env.kube.seed_pod(
            NS,
            name,
            &[
                (&format!("{LWS}/name") as &str, set),
                (&format!("{LWS}/group-index"), group),
                (&format!("{LWS}/worker-index"), worker),
            ],
            ready,
        );
    };
    pod("llama-0", "llama", "0", "0", true);
    pod("llama-0-1", "llama", "0", "1", true);
    pod("llama-1", "llama", "1", "0", true);
    pod("llama-1-1", "llama", "1", "1", false);
    pod("other-0-1", "other", "0", "1", false);
    // The live object's count (HPA-owned): 2 groups.
    {
        let mut st = env.kube.state.lock().unwrap();
        let (_, o) = st
            .objects
            .iter_mut()
            .find(|(p, _)| p.ends_with("/leaderworkersets/llama"))
            .expect("applied");
        // What podwire sent (YAML), as the autoscaler left it: 2 groups.
        assert!(
            o.body.contains("\nspec:\n  leaderWorkerTemplate:"),
            "{}",
            o.body
        );
        assert!(!o.body.contains("\n  replicas:"), "the HPA owns the count");
        o.body = o.body.replacen("\nspec:\n", "\nspec:\n  replicas: 2\n", 1);
    }
    let st = env.run("status", &[]);
    st.ok();
    let out = &st.stdout;
    assert!(
        out.contains("LeaderWorkerSet llama-405b/llama: 1/2 groups ready"),
        "{out}"
    );
    assert!(
        out.contains("    group 0: ready (leader, 1/1 workers ready)"),
        "{out}"
    );
    assert!(
        out.contains("    group 1: leader ready, 0/1 workers ready"),
        "{out}"
    );
    assert!(!out.contains("group 2"), "{out}");
    // The pods were listed by the set's own label.
    let lists: Vec<String> = env
        .kube
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path == format!("/api/v1/namespaces/{NS}/pods"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(lists.len(), 1, "{lists:?}");
    assert!(
        lists[0].contains("leaderworkerset.sigs.k8s.io%2Fname%3Dllama"),
        "{lists:?}"
    );
}
