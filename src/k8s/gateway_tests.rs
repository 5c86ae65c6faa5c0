use serde_json::{json, Value};

fn objects(src: &str) -> Vec<Value> {
    let a = crate::analyze(src);
    let Some(m) = a.model else {
        panic!("compiles: {:?}", a.diagnostics)
    };
    super::super::objects(&m)
        .iter()
        .map(|o| o.to_json())
        .collect()
}

const SRC: &str = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
    gcp: {project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}\n\
    cluster:\n  nodePools:\n    - {name: p, machineType: n2-standard-8}\n\
    workloads:\n  - {name: a, image: r/s:1, ports: [{name: http, port: 8000}, {name: m, port: 9000}],\n     \
    health: {path: /health, port: m}, route: {gateway: internal, paths: [/v1, /v2], hosts: [a.example.com]}}\n  \
    - {name: b, image: r/s:1, service: {name: bee}, ports: [{name: http, port: 8080}], route: {gateway: external}}\n  \
    - {name: c, image: r/s:1, ports: [{name: http, port: 8080}], route: {gateway: internal, paths: [/c]}}\n";

#[test]
fn one_gateway_per_kind_and_a_route_per_workload() {
    let all = objects(SRC);
    let gws: Vec<&Value> = all.iter().filter(|o| o["kind"] == "Gateway").collect();
    assert_eq!(gws.len(), 2);
    assert_eq!(gws[0]["metadata"]["name"], "t-internal");
    assert_eq!(gws[0]["spec"]["gatewayClassName"], "gke-l7-rilb");
    assert_eq!(gws[1]["metadata"]["name"], "t-external");
    assert_eq!(
        gws[1]["spec"]["gatewayClassName"],
        "gke-l7-global-external-managed"
    );
    assert_eq!(
        gws[0]["spec"]["listeners"],
        json!([{"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}}])
    );
    let routes: Vec<&Value> = all.iter().filter(|o| o["kind"] == "HTTPRoute").collect();
    assert_eq!(routes.len(), 3);
    // a: the route's port defaults to the health port; two prefixes, one host.
    assert_eq!(
        routes[0]["spec"],
        json!({
            "parentRefs": [{"name": "t-internal", "sectionName": "http"}],
            "hostnames": ["a.example.com"],
            "rules": [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}, {"path": {"type": "PathPrefix", "value": "/v2"}}],
                "backendRefs": [{"name": "a", "port": 9000}]
            }]
        })
    );
    // b: every host and path, to the renamed Service.
    assert_eq!(routes[1]["spec"]["parentRefs"][0]["name"], "t-external");
    assert!(routes[1]["spec"].get("hostnames").is_none());
    assert_eq!(
        routes[1]["spec"]["rules"][0]["matches"][0]["path"]["value"],
        "/"
    );
    assert_eq!(
        routes[1]["spec"]["rules"][0]["backendRefs"],
        json!([{"name": "bee", "port": 8080}])
    );
    // Only `a` has health: one HealthCheckPolicy, on its Service.
    let hcs: Vec<&Value> = all
        .iter()
        .filter(|o| o["kind"] == "HealthCheckPolicy")
        .collect();
    assert_eq!(hcs.len(), 1);
    assert_eq!(hcs[0]["apiVersion"], "networking.gke.io/v1");
    assert_eq!(
        hcs[0]["spec"],
        json!({
            "default": {"config": {"type": "HTTP", "httpHealthCheck": {"portSpecification": "USE_FIXED_PORT", "port": 9000, "requestPath": "/health"}}},
            "targetRef": {"group": "", "kind": "Service", "name": "a"}
        })
    );
}

/// The constraints of GKE's HealthCheckPolicy CRD
/// (GoogleCloudPlatform/gke-gateway-api
/// `config/crd/networking.gke.io_healthcheckpolicies.yaml`, commit
/// 16e49509): `config` has exactly two properties (`type` and the one
/// matching health check), `portSpecification` and `type` are of their
/// enums, the port is 1..65535, `requestPath` matches the CRD's
/// pattern, and `targetRef` has `group`, `kind` and `name` (group ""
/// for the core group). tests/crds.rs cannot check it: the CRD is not
/// in shared/crds.
#[test]
fn health_check_policies_keep_to_gkes_crd() {
    let all = objects(SRC);
    let hc = all
        .iter()
        .find(|o| o["kind"] == "HealthCheckPolicy")
        .unwrap_or_else(|| panic!("a HealthCheckPolicy"));
    let config = hc["spec"]["default"]["config"]
        .as_object()
        .unwrap_or_else(|| panic!("config"));
    assert_eq!(config.len(), 2);
    assert!(["TCP", "HTTP", "HTTPS", "HTTP2", "GRPC"]
        .contains(&config["type"].as_str().unwrap_or_default()));
    let http = &config["httpHealthCheck"];
    assert!(["USE_FIXED_PORT", "USE_NAMED_PORT", "USE_SERVING_PORT"]
        .contains(&http["portSpecification"].as_str().unwrap_or_default()));
    assert!((1..=65535).contains(&http["port"].as_i64().unwrap_or(0)));
    let path = http["requestPath"].as_str().unwrap_or_default();
    assert!(
        path.starts_with('/')
            && path.len() <= 2048
            && path
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "/-._~%!?$&'()*+,;=:".contains(c)),
        "{path}"
    );
    let t = hc["spec"]["targetRef"]
        .as_object()
        .unwrap_or_else(|| panic!("targetRef"));
    for k in ["group", "kind", "name"] {
        assert!(t.contains_key(k), "{k}");
    }
    assert_eq!(t["group"], "");
}

/// A LeaderWorkerSet's route goes to its client Service, which selects
/// the leaders; the Gateway's sources are admitted on the leaders only.
#[test]
fn a_grouped_workload_is_routed_to_its_leaders() {
    let src = "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: t}\n\
        gcp: {project: my-project, location: us-central1-a}\n\
        cluster:\n  nodePools:\n    - {name: h100, machineType: a3-highgpu-8g, nodes: 4}\n\
        workloads:\n  - {name: llm, image: r/s:1, run: service, groupSize: 2, gpus: 8, distributed: pytorch,\n     \
        ports: [{name: http, port: 8000}], health: {path: /health}, route: {gateway: external}}\n\
        connections:\n  - {from: llm, to: internet, ports: [443]}\n";
    let all = objects(src);
    let route = all
        .iter()
        .find(|o| o["kind"] == "HTTPRoute")
        .unwrap_or_else(|| panic!("a route"));
    assert_eq!(
        route["spec"]["rules"][0]["backendRefs"],
        json!([{"name": "llm", "port": 8000}])
    );
    let leaders = all
        .iter()
        .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm-leaders")
        .unwrap_or_else(|| panic!("the leaders' policy"));
    assert_eq!(
        leaders["spec"]["ingress"],
        json!([{"from": [{"ipBlock": {"cidr": "35.191.0.0/16"}}, {"ipBlock": {"cidr": "130.211.0.0/22"}}],
                "ports": [{"port": 8000, "protocol": "TCP"}]}])
    );
    let own = all
        .iter()
        .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "llm")
        .unwrap_or_else(|| panic!("the workload's policy"));
    assert_eq!(own["spec"]["ingress"], json!([]));
}

#[test]
fn no_route_no_gateway_objects() {
    let src = SRC.replace("route: {gateway: external}", "expose: external");
    let src = src.replace(
        ", route: {gateway: internal, paths: [/v1, /v2], hosts: [a.example.com]}",
        "",
    );
    let all = objects(&src);
    // `c` still routes through the internal Gateway; nothing external.
    let gws: Vec<&Value> = all.iter().filter(|o| o["kind"] == "Gateway").collect();
    assert_eq!(gws.len(), 1);
    assert_eq!(gws[0]["metadata"]["name"], "t-internal");
    assert_eq!(all.iter().filter(|o| o["kind"] == "HTTPRoute").count(), 1);
    assert_eq!(
        all.iter()
            .filter(|o| o["kind"] == "HealthCheckPolicy")
            .count(),
        0
    );
}

fn gateway_and_routes(src: &str) -> (Value, Vec<Value>) {
    let all = objects(src);
    let gw = all
        .iter()
        .find(|o| o["kind"] == "Gateway")
        .cloned()
        .unwrap_or_else(|| panic!("a Gateway"));
    let routes = all
        .iter()
        .filter(|o| o["kind"] == "HTTPRoute")
        .cloned()
        .collect();
    (gw, routes)
}

fn tls_spec(kind: &str, tls: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
         gcp: {{project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}}\n\
         cluster:\n  nodePools:\n    - {{name: p, machineType: n2-standard-8}}\n\
         workloads:\n  - {{name: a, image: r/s:1, ports: [{{name: http, port: 8000}}],\n     \
         route: {{gateway: {kind}, paths: [/v1], tls: {tls}}}}}\n\
         connections:\n  - {{from: a, to: internet, ports: [443]}}\n"
    )
}

#[test]
fn https_listens_on_443_and_port_80_redirects() {
    let (gw, routes) = gateway_and_routes(&tls_spec("internal", "{secret: a-tls}"));
    assert_eq!(
        gw["spec"]["listeners"],
        json!([
            {"name": "http", "protocol": "HTTP", "port": 80, "allowedRoutes": {"namespaces": {"from": "Same"}}},
            {"name": "https", "protocol": "HTTPS", "port": 443,
             "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "a-tls"}]},
             "allowedRoutes": {"namespaces": {"from": "Same"}}}
        ])
    );
    assert!(gw["metadata"].get("annotations").is_none());
    assert_eq!(routes.len(), 2);
    // The workload's route is on the HTTPS listener ...
    let a = routes
        .iter()
        .find(|r| r["metadata"]["name"] == "a")
        .unwrap_or_else(|| panic!("a's route"));
    assert_eq!(
        a["spec"]["parentRefs"],
        json!([{"name": "t-internal", "sectionName": "https"}])
    );
    assert_eq!(
        a["spec"]["rules"][0]["backendRefs"],
        json!([{"name": "a", "port": 8000}])
    );
    // ... and port 80 only redirects, to no backend.
    let r = routes
        .iter()
        .find(|r| r["metadata"]["name"] == "t-internal-redirect")
        .unwrap_or_else(|| panic!("the redirect"));
    assert_eq!(
        r["spec"],
        json!({
            "parentRefs": [{"name": "t-internal", "sectionName": "http"}],
            "rules": [{
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "filters": [{"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "statusCode": 301}}]
            }]
        })
    );
    assert!(r["metadata"]["labels"]
        .get("podwire.dev/workload")
        .is_none());
}

#[test]
fn each_certificate_goes_where_gke_reads_it() {
    let listener_tls = |gw: &Value| gw["spec"]["listeners"][1]["tls"].clone();
    let (gw, _) = gateway_and_routes(&tls_spec("external", "{certificateMap: a-map}"));
    assert_eq!(
        gw["metadata"]["annotations"]["networking.gke.io/certmap"],
        "a-map"
    );
    // No certificate on the listener beside the map (GKE refuses both).
    assert_eq!(listener_tls(&gw), json!({"mode": "Terminate"}));
    let (gw, _) = gateway_and_routes(&tls_spec("external", "{preSharedCerts: [c1, c2]}"));
    assert_eq!(
        listener_tls(&gw),
        json!({"mode": "Terminate", "options": {"networking.gke.io/pre-shared-certs": "c1,c2"}})
    );
    assert!(gw["metadata"].get("annotations").is_none());
    let (gw, _) = gateway_and_routes(&tls_spec("internal", "{certificate: a-cert}"));
    assert_eq!(
        listener_tls(&gw),
        json!({"mode": "Terminate", "options": {"networking.gke.io/cert-manager-certs": "a-cert"}})
    );
}

/// TLS ends at the load balancer: the pods get the same sources on the
/// same port as without it.
#[test]
fn tls_leaves_the_policies_as_they_were() {
    let policies = |src: &str| -> Vec<Value> {
        objects(src)
            .into_iter()
            .filter(|o| o["kind"] == "NetworkPolicy")
            .collect()
    };
    for kind in ["internal", "external"] {
        let with = tls_spec(kind, "{secret: a-tls}");
        let without = with.replace(", tls: {secret: a-tls}", "");
        assert_ne!(with, without);
        assert_eq!(policies(&with), policies(&without), "{kind}");
    }
}
