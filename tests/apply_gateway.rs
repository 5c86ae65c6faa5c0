//! `podwire apply` and `podwire status` (the real binary) for a workload
//! exposed through a GKE Gateway, against the fake GKE and Kubernetes APIs:
//! apply waits until the Gateway is Programmed (its load balancer
//! provisioned) and each HTTPRoute is accepted with its references
//! resolved, then shows the Gateway's address; a route whose backend does
//! not resolve fails apply with the controller's message.

mod apply_support;

use apply_support::kube::GATEWAY_ADDRESS;
use apply_support::Env;
use serde_json::json;

const NS: &str = "web-serve";
const SPEC: &str = "\
apiVersion: podwire.dev/v1alpha1
kind: AIWorkload
metadata:
  name: web-serve
gcp:
  project: my-project
  location: us-central1-a
cluster:
  nodePools:
    - name: cpu
      machineType: e2-standard-4
workloads:
  - name: web
    image: nginx:1.27
    run: service
    ports: [{name: http, port: 8080}]
    route: {gateway: external, paths: [/]}
";

fn env() -> Env {
    // Any example for the fakes; the spec is this test's.
    let env = Env::new("llama-l4-serving.yaml");
    std::fs::write(&env.spec, SPEC).unwrap();
    env.kube.install("gateway.networking.k8s.io", &["v1"]);
    env
}

fn gateway_gets(env: &Env) -> usize {
    env.kube
        .server
        .requests()
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/gateways/web-serve-external"))
        .count()
}

#[test]
fn apply_waits_for_the_gateway_to_be_programmed_and_shows_its_address() {
    let env = env();
    let run = env.run("apply", &["--yes"]);
    run.ok();
    let text = format!("{}\n{}", run.stdout, run.stderr);
    assert!(
        text.contains("Gateway web-serve-external not programmed yet (Pending: Waiting for the load balancer to be provisioned)"),
        "{text}"
    );
    assert!(
        text.contains("workloads ready: Gateway web-serve-external, HTTPRoute web, web ("),
        "{text}"
    );
    let at = |s: &str| text.find(s).unwrap();
    assert!(at("not programmed yet") < at("workloads ready"));
    assert!(
        gateway_gets(&env) >= 3,
        "polled until programmed: {}",
        gateway_gets(&env)
    );
    assert!(
        text.contains(&format!(
            "Gateway {NS}/web-serve-external: address {GATEWAY_ADDRESS}"
        )),
        "{text}"
    );
    assert!(
        run.stdout.contains(&format!(
            "web-serve-external   gke-l7-global-external-managed  address: {GATEWAY_ADDRESS}"
        )),
        "{}",
        run.stdout
    );
    let st = env.run("status", &[]);
    st.ok();
    assert!(
        st.stdout.contains(&format!(
            "Gateway {NS}/web-serve-external: ready, address {GATEWAY_ADDRESS}"
        )),
        "{}",
        st.stdout
    );
    assert!(
        st.stdout.contains(&format!("HTTPRoute {NS}/web: ready")),
        "{}",
        st.stdout
    );
}

#[test]
fn a_route_whose_backend_does_not_resolve_fails_apply_with_the_message() {
    let env = env();
    env.kube.script(
        "HTTPRoute",
        vec![json!({"parents": [{
            "parentRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway",
                "name": "web-serve-external", "sectionName": "http"},
            "controllerName": "networking.gke.io/gateway",
            "conditions": [
                {"type": "Accepted", "status": "True", "reason": "Accepted"},
                {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound",
                 "message": "Service \"web\" not found in namespace web-serve"}]}]})],
    );
    let run = env.run("apply", &["--yes"]);
    assert_ne!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = format!("{}\n{}", run.stdout, run.stderr);
    assert!(text.contains("HTTPRoute"), "{text}");
    assert!(
        text.contains("BackendNotFound: Service \"web\" not found in namespace web-serve"),
        "{text}"
    );
    assert!(!text.contains("is applied"), "{text}");
}
