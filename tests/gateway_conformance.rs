//! Conformance of Gateway routing with what gcloud sends: a spec whose
//! workloads have a `route` enables Gateway API on the cluster exactly as
//! `gcloud container clusters create --gateway-api=standard` does
//! (`networkConfig.gatewayApiConfig.channel: CHANNEL_STANDARD`, compared
//! field for field with `shared/tools/gcloud-oracle`); one without routes
//! sends no `gatewayApiConfig`, as gcloud without the flag.
//!
//! Skipped without `../shared` (or `$PODWIRE_SHARED`) and gcloud; CI has both.

mod support;

use serde_json::Value;

const EXAMPLE: &str = include_str!("../examples/llama-l4-serving.yaml");

fn cluster(src: &str) -> Value {
    let c = podwire::compile(src, &podwire::Options::default());
    assert!(c.ok, "{:#?}", c.diagnostics);
    let text = c
        .files
        .iter()
        .find(|f| f.path == podwire::GKE_FILE)
        .map(|f| f.content.as_str())
        .unwrap_or_else(|| panic!("no {}", podwire::GKE_FILE));
    serde_json::from_str::<Value>(text).expect("json")["cluster"].clone()
}

fn gcloud(extra: &[&str]) -> Option<Value> {
    let mut args: Vec<String> = [
        "clusters",
        "create",
        "llama-serve",
        "--zone",
        "us-central1-a",
        "--enable-ip-alias",
        "--enable-dataplane-v2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    support::gcloud_oracle(&args).map(|b| b["cluster"].clone())
}

#[test]
fn a_routed_spec_enables_gateway_api_as_gcloud_does() {
    let ours = cluster(EXAMPLE);
    assert_eq!(
        ours["networkConfig"]["gatewayApiConfig"]["channel"],
        "CHANNEL_STANDARD"
    );
    let Some(theirs) = gcloud(&["--gateway-api=standard"]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(ours["networkConfig"], theirs["networkConfig"]);
}

/// TLS on a route is the Gateway's alone: the cluster is created as for a
/// plain-HTTP route (no flag of gcloud's or field of GKE's for it), and
/// the certificate goes where GKE's "Secure a Gateway" puts it.
#[test]
fn tls_changes_no_cluster_field() {
    let plain = EXAMPLE.replace(", tls: {certificate: llama-cert}", "");
    assert_ne!(plain, EXAMPLE);
    assert_eq!(cluster(EXAMPLE), cluster(&plain));
    let c = podwire::compile(EXAMPLE, &podwire::Options::default());
    let text = c
        .files
        .iter()
        .find(|f| f.path == podwire::MANIFESTS_FILE)
        .map(|f| f.content.as_str())
        .unwrap_or_default();
    let docs = support::yaml::documents(text).expect("manifests");
    let gw = docs
        .iter()
        .find(|o| o["kind"] == "Gateway")
        .unwrap_or_else(|| panic!("a Gateway"));
    assert_eq!(gw["spec"]["gatewayClassName"], "gke-l7-rilb");
    let https = &gw["spec"]["listeners"][1];
    assert_eq!(https["port"], 443);
    assert_eq!(https["protocol"], "HTTPS");
    assert_eq!(
        https["tls"]["options"]["networking.gke.io/cert-manager-certs"],
        "llama-cert"
    );
    assert!(docs
        .iter()
        .any(|o| o["kind"] == "HTTPRoute"
            && o["metadata"]["name"] == "llama-serve-internal-redirect"));
}

#[test]
fn a_spec_without_routes_sends_no_gateway_api_config() {
    let src = EXAMPLE.replace(
        "    route: {gateway: internal, paths: [/v1], inferencePool: true, tls: {certificate: llama-cert}}\n",
        "",
    );
    assert_ne!(src, EXAMPLE);
    let ours = cluster(&src);
    assert!(ours["networkConfig"].get("gatewayApiConfig").is_none());
    let Some(theirs) = gcloud(&[]) else {
        eprintln!("skipping: gcloud oracle not available");
        return;
    };
    assert_eq!(ours["networkConfig"], theirs["networkConfig"]);
}
