use super::*;

#[test]
fn hosts_and_paths_as_gateway_api_takes_them() {
    for ok in ["llm.example.com", "*.example.com", "a", "a-1.b"] {
        assert!(gateway_host(ok), "{ok}");
    }
    for bad in [
        "",
        "LLM.example.com",
        "10.0.0.1",
        "llm.example.com:80",
        "-a.b",
        "a..b",
        "*.",
        "a.*.b",
    ] {
        assert!(!gateway_host(bad), "{bad}");
    }
    for ok in ["/", "/v1", "/v1/chat"] {
        assert!(path_prefix(ok), "{ok}");
    }
    for bad in ["", "v1", "/v1/", "/a b", "/a?b", "//a"] {
        assert!(!path_prefix(bad), "{bad}");
    }
}

use crate::diag::Severity;

/// A spec with workloads `ws` (each a YAML flow mapping's inside),
/// `gcp` extras and optional connections.
fn spec(gcp: &str, ws: &[&str], connections: bool) -> String {
    let mut s = format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\n\
         gcp: {{project: my-project, location: us-central1-a{gcp}}}\n\
         cluster:\n  nodePools:\n    - {{name: cpu, machineType: n2-standard-8, nodes: 2}}\n\
         workloads:\n"
    );
    for (i, w) in ws.iter().enumerate() {
        s += &format!("  - {{name: w{i}, image: r/w:1, {w}}}\n");
    }
    if connections {
        s += "connections:\n  - {from: w0, to: internet, ports: [443]}\n";
    }
    s
}

fn found(src: &str) -> Vec<(String, String, Severity)> {
    let a = crate::analyze(src);
    for d in &a.diagnostics {
        assert!(d.span.is_some(), "{d:?} has no span\n{src}");
    }
    a.diagnostics
        .into_iter()
        .map(|d| (d.code, d.path, d.severity))
        .collect()
}

fn errors(src: &str) -> Vec<(String, String)> {
    found(src)
        .into_iter()
        .filter(|d| d.2 == Severity::Error)
        .map(|d| (d.0, d.1))
        .collect()
}

fn one(src: &str, code: &str, path: &str) {
    assert_eq!(errors(src), [(code.to_string(), path.to_string())], "{src}");
}

const HTTP: &str = "ports: [{name: http, port: 8000}]";

#[test]
fn a_route_needs_a_cluster_ip_service_of_a_long_running_workload() {
    one(
        &spec("", &["route: {gateway: external}"], false),
        codes::ROUTE_WITHOUT_SERVICE,
        "workloads[0].route",
    );
    one(
        &spec(
            "",
            &[&format!(
                "{HTTP}, expose: none, route: {{gateway: external}}"
            )],
            false,
        ),
        codes::ROUTE_WITHOUT_SERVICE,
        "workloads[0].expose",
    );
    one(
        &spec(
            "",
            &[&format!(
                "{HTTP}, run: service, peers: true, route: {{gateway: external}}"
            )],
            false,
        ),
        codes::ROUTE_WITHOUT_SERVICE,
        "workloads[0].route",
    );
    one(
        &spec(
            "",
            &[&format!("{HTTP}, run: job, route: {{gateway: external}}")],
            false,
        ),
        codes::SERVING_ONLY,
        "workloads[0].route",
    );
    // Without `run`, a route makes a long-running workload (a
    // distributed one then has peers, and a headless Service).
    one(
        &spec(
            "",
            &[&format!(
                "{HTTP}, distributed: pytorch, route: {{gateway: external}}"
            )],
            false,
        ),
        codes::ROUTE_WITHOUT_SERVICE,
        "workloads[0].route",
    );
}

#[test]
fn the_routed_port_is_a_declared_tcp_port() {
    let two = "ports: [{name: http, port: 8000}, {name: m, port: 9000}]";
    one(
        &spec(
            "",
            &[&format!("{two}, route: {{gateway: external}}")],
            false,
        ),
        codes::ROUTE_PORT,
        "workloads[0].route",
    );
    one(
        &spec(
            "",
            &[&format!("{two}, route: {{gateway: external, port: htp}}")],
            false,
        ),
        codes::ROUTE_PORT,
        "workloads[0].route.port",
    );
    one(
        &spec(
            "",
            &["ports: [{name: dns, port: 53, protocol: UDP}], route: {gateway: external}"],
            false,
        ),
        codes::NOT_TCP,
        "workloads[0].route",
    );
    // The health port is the default.
    let a = crate::analyze(&spec(
        "",
        &[&format!(
            "{two}, health: {{path: /h, port: m}}, route: {{gateway: external}}"
        )],
        false,
    ));
    let m = a.model.unwrap_or_else(|| panic!("{:?}", a.diagnostics));
    let r = m.workloads[0]
        .route
        .clone()
        .unwrap_or_else(|| panic!("a route"));
    assert_eq!((r.port.as_str(), r.port_number), ("m", 9000));
    assert_eq!(r.paths, ["/"]);
}

#[test]
fn bad_hosts_and_paths_are_refused_where_written() {
    one(
        &spec(
            "",
            &[&format!(
                "{HTTP}, route: {{gateway: external, paths: [/ok, v1]}}"
            )],
            false,
        ),
        codes::BAD_HTTP_PATH,
        "workloads[0].route.paths[1]",
    );
    one(
        &spec(
            "",
            &[&format!(
                "{HTTP}, route: {{gateway: external, hosts: [10.0.0.1]}}"
            )],
            false,
        ),
        codes::BAD_ROUTE_HOST,
        "workloads[0].route.hosts[0]",
    );
}

#[test]
fn two_workloads_may_not_claim_one_host_and_path_on_one_gateway() {
    let r = |g: &str, extra: &str| format!("{HTTP}, route: {{gateway: {g}{extra}}}");
    one(
        &spec("", &[&r("external", ""), &r("external", "")], false),
        codes::ROUTE_CONFLICT,
        "workloads[1].route",
    );
    one(
        &spec(
            "",
            &[
                &r("external", ", hosts: [a.example.com]"),
                &r("external", ", hosts: ['*.example.com'], paths: [/]"),
            ],
            false,
        ),
        codes::ROUTE_CONFLICT,
        "workloads[1].route",
    );
    // Different Gateways, paths or hosts: no conflict.
    for (a, b) in [
        (r("external", ""), r("internal", "")),
        (
            r("external", ", paths: [/a]"),
            r("external", ", paths: [/b]"),
        ),
        (
            r("external", ", hosts: [a.com]"),
            r("external", ", hosts: [b.com]"),
        ),
    ] {
        assert_eq!(errors(&spec("", &[&a, &b], false)), [], "{a} / {b}");
    }
}

#[test]
fn an_internal_gateway_under_policies_needs_the_proxy_subnet() {
    let w = format!("{HTTP}, route: {{gateway: internal}}");
    one(
        &spec("", &[&w], true),
        codes::PROXY_SUBNET_REQUIRED,
        "workloads[0].route.gateway",
    );
    one(
        &spec(", proxySubnet: 10.129.0.1/23", &[&w], true),
        codes::BAD_CIDR,
        "gcp.proxySubnet",
    );
    // Given (or without policies): a warning that says how to create it.
    for src in [
        spec(", proxySubnet: 10.129.0.0/23", &[&w], true),
        spec("", &[&w], false),
    ] {
        let all = found(&src);
        assert_eq!(
            all,
            [(
                codes::PROXY_ONLY_SUBNET.to_string(),
                "workloads[0].route.gateway".to_string(),
                Severity::Warning
            )],
            "{src}"
        );
    }
    // External Gateways need none.
    assert_eq!(
        found(&spec(
            "",
            &[&format!("{HTTP}, route: {{gateway: external}}")],
            true
        )),
        []
    );
}

#[test]
fn host_lists_meet_on_equal_or_wildcard_hosts() {
    let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert!(hosts_meet(&v(&[]), &v(&["a.com"])).is_some());
    assert!(hosts_meet(&v(&["a.com"]), &v(&["a.com", "b.com"])).is_some());
    assert!(hosts_meet(&v(&["*.a.com"]), &v(&["x.a.com"])).is_some());
    assert!(hosts_meet(&v(&["*.a.com"]), &v(&["x.y.a.com"])).is_some());
    assert!(hosts_meet(&v(&["*.a.com"]), &v(&["*.y.a.com"])).is_some());
    assert!(hosts_meet(&v(&["*.a.com"]), &v(&["a.com"])).is_none());
    assert!(hosts_meet(&v(&["a.com"]), &v(&["b.com"])).is_none());
}

fn tls(kind: &str, tls: &str) -> String {
    spec(
        "",
        &[&format!("{HTTP}, route: {{gateway: {kind}, tls: {tls}}}")],
        false,
    )
}

#[test]
fn each_class_takes_the_certificates_gke_gives_it() {
    for (kind, ok) in [
        ("internal", "{secret: llm-tls}"),
        ("internal", "{certificate: llm-cert}"),
        ("internal", "{preSharedCerts: [a, b]}"),
        ("external", "{secret: llm.tls}"),
        ("external", "{certificateMap: llm-map}"),
        ("external", "{preSharedCerts: [llm-cert]}"),
    ] {
        assert_eq!(errors(&tls(kind, ok)), [], "{kind} {ok}");
    }
    // Maps are global; regional certificates go on regional Gateways.
    one(
        &tls("internal", "{certificateMap: llm-map}"),
        codes::TLS_GATEWAY,
        "workloads[0].route.tls.certificateMap",
    );
    one(
        &tls("external", "{certificate: llm-cert}"),
        codes::TLS_GATEWAY,
        "workloads[0].route.tls.certificate",
    );
}

#[test]
fn tls_takes_exactly_one_well_named_certificate() {
    one(
        &tls("internal", "{}"),
        codes::TLS_FORM,
        "workloads[0].route.tls",
    );
    one(
        &tls("external", "{secret: a, certificateMap: b}"),
        codes::TLS_FORM,
        "workloads[0].route.tls",
    );
    one(
        &tls("internal", "{secret: Bad_Name}"),
        codes::BAD_TLS_NAME,
        "workloads[0].route.tls.secret",
    );
    one(
        &tls(
            "external",
            "{certificateMap: projects/p/locations/global/certificateMaps/m}",
        ),
        codes::BAD_TLS_NAME,
        "workloads[0].route.tls.certificateMap",
    );
    one(
        &tls("external", "{preSharedCerts: [ok, 1bad]}"),
        codes::BAD_TLS_NAME,
        "workloads[0].route.tls.preSharedCerts[1]",
    );
    let many: Vec<String> = (0..16).map(|i| format!("c{i}")).collect();
    one(
        &tls(
            "external",
            &format!("{{preSharedCerts: [{}]}}", many.join(", ")),
        ),
        codes::BAD_VALUE,
        "workloads[0].route.tls.preSharedCerts",
    );
}

#[test]
fn routes_through_one_gateway_share_its_tls() {
    let a = format!("{HTTP}, route: {{gateway: external, paths: [/a], tls: {{secret: s}}}}");
    let b_none = format!("{HTTP}, route: {{gateway: external, paths: [/b]}}");
    let b_other =
        format!("{HTTP}, route: {{gateway: external, paths: [/b], tls: {{certificateMap: m}}}}");
    let b_same = format!("{HTTP}, route: {{gateway: external, paths: [/b], tls: {{secret: s}}}}");
    let b_internal = format!("{HTTP}, route: {{gateway: internal, paths: [/b]}}");
    for b in [&b_none, &b_other] {
        one(
            &spec("", &[&a, b], false),
            codes::TLS_CONFLICT,
            "workloads[1].route",
        );
    }
    assert_eq!(errors(&spec("", &[&a, &b_same], false)), []);
    // The internal Gateway has listeners of its own.
    assert_eq!(errors(&spec("", &[&a, &b_internal], false)), []);
    let msg = crate::analyze(&spec("", &[&a, &b_other], false))
        .diagnostics
        .into_iter()
        .find(|d| d.code == codes::TLS_CONFLICT)
        .map(|d| d.message)
        .unwrap_or_default();
    assert!(
        msg.contains("`w1` has `tls: {certificateMap: m}` and `w0` has `tls: {secret: s}`"),
        "{msg}"
    );
}

fn pooled(version: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\n\
         gcp: {{project: my-project, location: us-central1-a, proxySubnet: 10.129.0.0/23}}\n\
         cluster:\n{version}  nodePools:\n    - {{name: l4, machineType: g2-standard-8, nodes: 2}}\n\
         workloads:\n  - {{name: vllm, image: r/v:1, gpus: 1, {HTTP}, route: {{gateway: internal, inferencePool: true}}}}\n"
    )
}

#[test]
fn inference_pools_on_an_older_gke_need_the_crds_installed() {
    let warned = |src: &str| {
        crate::analyze(src)
            .diagnostics
            .into_iter()
            .filter(|d| d.code == codes::INFERENCE_CRDS_VERSION)
            .collect::<Vec<_>>()
    };
    // Older than 1.34.0-gke.1626000: a warning at the field, with the
    // install command of the release podwire's picker is of.
    for old in ["1.33.5-gke.1000000", "1.34.0-gke.1625999", "1.32"] {
        let src = pooled(&format!("  version: \"{old}\"\n"));
        assert_eq!(errors(&src), [], "{old}");
        let w = warned(&src);
        assert_eq!(w.len(), 1, "{old}");
        assert_eq!(w[0].severity, Severity::Warning);
        assert_eq!(w[0].path, "workloads[0].route.inferencePool");
        assert!(w[0].message.contains("1.34.0-gke.1626000") && w[0].message.contains(old));
        let help = w[0].help.clone().unwrap_or_default();
        assert!(
            help.contains("kubectl apply -f https://github.com/kubernetes-sigs/gateway-api-inference-extension/releases/download/v1.0.1/manifests.yaml"),
            "{help}"
        );
    }
    // From that release on, or unpinned, or a minor that may be new
    // enough: nothing.
    for new in ["1.34.0-gke.1626000", "1.34.1-gke.1", "1.35", "1.34"] {
        assert_eq!(
            warned(&pooled(&format!("  version: \"{new}\"\n"))),
            [],
            "{new}"
        );
    }
    assert_eq!(warned(&pooled("")), []);
    // Without an InferencePool the CRDs are not needed.
    let plain = pooled("  version: \"1.33.5-gke.1000000\"\n").replace(", inferencePool: true", "");
    assert_eq!(warned(&plain), []);
}
