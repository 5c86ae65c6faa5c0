//! The serving rules (`health`, `autoscale`, `disruption`): each rule's
//! diagnostic at its field, and the resolved model next to it.

use super::*;
use crate::diag::Severity;
use crate::model::Model;

/// A zonal spec with one pool (`pool`, a YAML flow mapping) and one
/// workload `w` with `extra` fields (a YAML flow mapping's inside).
fn spec(pool: &str, extra: &str) -> String {
    format!(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: demo}}\n\
         gcp: {{project: my-project, location: us-central1-a}}\n\
         cluster:\n  nodePools:\n    - {pool}\n\
         workloads:\n  - {{name: w, image: r/w:1, {extra}}}\n"
    )
}

const CPU: &str = "{name: cpu, machineType: n2-standard-8, nodes: 2}";
const L4: &str = "{name: l4, machineType: g2-standard-8, autoscaling: {min: 1, max: 2}}";
const HTTP: &str = "run: service, ports: [{name: http, port: 8000}]";

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

fn only(src: &str, code: &str, path: &str, severity: Severity) {
    assert_eq!(
        found(src),
        [(code.to_string(), path.to_string(), severity)],
        "{src}"
    );
}

fn err(extra: &str, code: &str, path: &str) {
    only(&spec(CPU, extra), code, path, Severity::Error);
}

fn model(src: &str) -> Model {
    let a = crate::analyze(src);
    a.model
        .unwrap_or_else(|| panic!("{src}\n{:#?}", a.diagnostics))
}

#[test]
fn the_health_port_is_a_declared_tcp_port() {
    let p = "workloads[0].health";
    err(
        &format!("{HTTP}, health: {{path: /health, port: htp}}"),
        codes::HEALTH_PORT,
        &format!("{p}.port"),
    );
    err(
        &format!("{HTTP}, health: {{path: /health, port: 9000}}"),
        codes::HEALTH_PORT,
        &format!("{p}.port"),
    );
    err("run: service, ports: [{name: http, port: 8000}, {name: m, port: 9090}], health: {path: /health}", codes::HEALTH_PORT, p);
    err(
        "run: service, health: {path: /health}",
        codes::HEALTH_PORT,
        p,
    );
    err(
        "run: service, ports: [{name: q, port: 8000, protocol: UDP}], health: {path: /health}",
        codes::NOT_TCP,
        p,
    );
    // By name, by number, or the only port.
    for h in [
        "{path: /health, port: http}",
        "{path: /health, port: 8000}",
        "{path: /health}",
    ] {
        let m = model(&spec(CPU, &format!("{HTTP}, health: {h}")));
        let health = m.workloads[0]
            .health
            .clone()
            .unwrap_or_else(|| panic!("{h}"));
        assert_eq!(health.port, "http", "{h}");
        assert_eq!(health.startup_seconds, DEFAULT_STARTUP_SECONDS, "{h}");
    }
    // The message names the near miss.
    let a = crate::analyze(&spec(
        CPU,
        &format!("{HTTP}, health: {{path: /health, port: htp}}"),
    ));
    assert_eq!(
        a.diagnostics[0].help.as_deref(),
        Some("did you mean `http`?")
    );
}

#[test]
fn the_health_path_and_startup_timeout_are_checked() {
    let p = "workloads[0].health";
    err(
        &format!("{HTTP}, health: {{path: health}}"),
        codes::BAD_HTTP_PATH,
        &format!("{p}.path"),
    );
    err(
        &format!("{HTTP}, health: {{path: '/a b'}}"),
        codes::BAD_HTTP_PATH,
        &format!("{p}.path"),
    );
    for t in ["20", "20min", "5s", "25h"] {
        err(
            &format!("{HTTP}, health: {{path: /h, startupTimeout: {t}}}"),
            codes::BAD_DURATION,
            &format!("{p}.startupTimeout"),
        );
    }
    let m = model(&spec(
        CPU,
        &format!("{HTTP}, health: {{path: /h, startupTimeout: 1h30m}}"),
    ));
    assert_eq!(
        m.workloads[0].health.as_ref().map(|h| h.startup_seconds),
        Some(5400)
    );
}

#[test]
fn serving_fields_are_refused_on_jobs() {
    let job = "run: job, ports: [{name: http, port: 8000}]";
    err(
        &format!("{job}, health: {{path: /h}}"),
        codes::SERVING_ONLY,
        "workloads[0].health",
    );
    err(
        &format!("{job}, disruption: {{maxUnavailable: 1}}"),
        codes::SERVING_ONLY,
        "workloads[0].disruption",
    );
    err(
        &format!("{job}, resources: {{cpu: '1'}}, autoscale: {{max: 2, cpu: 50}}"),
        codes::SERVING_ONLY,
        "workloads[0].autoscale",
    );
    // And a job gets no budget by default.
    let m = model(&spec(CPU, "run: job, replicas: 3"));
    assert_eq!(m.workloads[0].disruption, None);
}

#[test]
fn autoscale_bounds() {
    let a = "workloads[0].autoscale";
    let cpu = "resources: {cpu: '1'}";
    err(
        &format!("{HTTP}, {cpu}, autoscale: {{min: 3, max: 2, cpu: 50}}"),
        codes::AUTOSCALE_RANGE,
        &format!("{a}.min"),
    );
    err(
        &format!("{HTTP}, {cpu}, autoscale: {{min: 0, max: 2, cpu: 50}}"),
        codes::AUTOSCALE_ZERO,
        &format!("{a}.min"),
    );
    err(
        &format!("{HTTP}, {cpu}, replicas: 5, autoscale: {{max: 4, cpu: 50}}"),
        codes::AUTOSCALE_REPLICAS,
        "workloads[0].replicas",
    );
    err(
        &format!("{HTTP}, {cpu}, replicas: 1, autoscale: {{min: 2, max: 4, cpu: 50}}"),
        codes::AUTOSCALE_REPLICAS,
        "workloads[0].replicas",
    );
    only(
        &spec(
            CPU,
            &format!("{HTTP}, {cpu}, replicas: 2, autoscale: {{max: 4, cpu: 50}}"),
        ),
        codes::AUTOSCALE_REPLICAS,
        "workloads[0].replicas",
        Severity::Warning,
    );
    // The workload starts at `min`; a budget comes with `max` > 1.
    let m = model(&spec(
        CPU,
        &format!("{HTTP}, {cpu}, autoscale: {{min: 2, max: 4, cpu: 50}}"),
    ));
    let w = &m.workloads[0];
    assert_eq!(w.replicas, 2);
    assert_eq!(w.autoscale.as_ref().map(|a| (a.min, a.max)), Some((2, 4)));
    assert_eq!(
        w.autoscale.as_ref().map(|a| a.target.clone()),
        Some(ScaleOn::Cpu(50))
    );
    assert_eq!(
        w.disruption,
        Some(Disruption::MaxUnavailable(Amount::Count(1)))
    );
    let m = model(&spec(
        CPU,
        &format!("{HTTP}, {cpu}, autoscale: {{max: 4, cpu: 50}}"),
    ));
    assert_eq!(m.workloads[0].replicas, 1);
}

#[test]
fn autoscale_needs_one_target_and_cpu_needs_a_request() {
    let a = "workloads[0].autoscale";
    let metric = "metric: {name: q, target: 1}";
    err(
        &format!("{HTTP}, resources: {{cpu: '1'}}, autoscale: {{max: 2, cpu: 50, {metric}}}"),
        codes::AUTOSCALE_TARGET,
        a,
    );
    err(
        &format!("{HTTP}, autoscale: {{max: 2}}"),
        codes::AUTOSCALE_TARGET,
        a,
    );
    err(
        &format!("{HTTP}, autoscale: {{max: 2, cpu: 50}}"),
        codes::AUTOSCALE_CPU_REQUEST,
        &format!("{a}.cpu"),
    );
}

#[test]
fn a_metric_is_a_prometheus_gauge_on_a_tcp_port() {
    let m = "workloads[0].autoscale.metric";
    err(
        &format!("{HTTP}, autoscale: {{max: 2, metric: {{name: 'vllm.waiting', target: 1}}}}"),
        codes::BAD_METRIC,
        &format!("{m}.name"),
    );
    for t in ["0", "-1", "lots"] {
        err(
            &format!("{HTTP}, autoscale: {{max: 2, metric: {{name: q, target: '{t}'}}}}"),
            codes::BAD_METRIC,
            &format!("{m}.target"),
        );
    }
    err(
        &format!("{HTTP}, autoscale: {{max: 2, metric: {{name: q, target: 1, path: metrics}}}}"),
        codes::BAD_HTTP_PATH,
        &format!("{m}.path"),
    );
    err(
        &format!("{HTTP}, autoscale: {{max: 2, metric: {{name: q, target: 1, port: prom}}}}"),
        codes::METRIC_PORT,
        &format!("{m}.port"),
    );
    let two = "run: service, ports: [{name: http, port: 8000}, {name: prom, port: 9090}]";
    err(
        &format!("{two}, autoscale: {{max: 2, metric: {{name: q, target: 1}}}}"),
        codes::METRIC_PORT,
        m,
    );
    // Default: the health port, else the only port; path /metrics.
    for (ws, want) in [
        (format!("{two}, health: {{path: /h, port: prom}}, autoscale: {{max: 2, metric: {{name: q, target: 1}}}}"), "prom"),
        (format!("{two}, autoscale: {{max: 2, metric: {{name: q, target: 1, port: 9090}}}}"), "prom"),
        (format!("{HTTP}, autoscale: {{max: 2, metric: {{name: 'vllm:num_requests_waiting', target: 500m}}}}"), "http"),
    ] {
        let model = model(&spec(CPU, &ws));
        let Some(ScaleOn::Metric(sm)) = model.workloads[0].autoscale.as_ref().map(|a| a.target.clone()) else {
            panic!("{ws}")
        };
        assert_eq!(sm.port, want, "{ws}");
        assert_eq!(sm.path, "/metrics");
    }
}

#[test]
fn a_fixed_size_workload_cannot_autoscale() {
    err(
        "run: service, distributed: pytorch, resources: {cpu: '1'}, autoscale: {max: 2, cpu: 50}",
        codes::FIXED_SIZE,
        "workloads[0].autoscale",
    );
    let tpu = "{name: v5e, machineType: ct5lp-hightpu-4t, tpu: {topology: 4x4}, nodes: 4}";
    let src = spec(tpu, "run: service, peers: true, replicas: 4, resources: {cpu: '1'}, autoscale: {min: 4, max: 8, cpu: 50}");
    let codes_found: Vec<String> = found(&src).into_iter().map(|d| d.0).collect();
    assert!(
        codes_found.contains(&codes::FIXED_SIZE.to_string()),
        "{codes_found:?}"
    );
}

#[test]
fn the_pool_must_hold_the_most_pods_with_the_numbers() {
    let gpu = "run: service, gpus: 1, ports: [{name: http, port: 8000}], resources: {cpu: '6'}";
    let src = spec(L4, &format!("{gpu}, autoscale: {{max: 4, cpu: 70}}"));
    only(
        &src,
        codes::AUTOSCALE_CAPACITY,
        "workloads[0].autoscale.max",
        Severity::Warning,
    );
    let d = &crate::analyze(&src).diagnostics[0];
    assert!(
        d.message.contains("4 pods need 4 nodes") && d.message.contains("at most 2"),
        "{}",
        d.message
    );
    assert!(
        d.message.contains("1 GPU each, a node has 1"),
        "{}",
        d.message
    );
    assert!(
        d.help
            .as_deref()
            .unwrap_or_default()
            .contains("`autoscaling.max` to 4"),
        "{d:?}"
    );
    assert!(found(&spec(L4, &format!("{gpu}, autoscale: {{max: 2, cpu: 70}}"))).is_empty());
    // CPU bound: 3 pods of 3 CPUs per 8-CPU node, 2 nodes: 4 fit, 5 do not.
    let cpu = "run: service, ports: [{name: http, port: 8000}], resources: {cpu: '3'}";
    assert!(found(&spec(
        CPU,
        &format!("{cpu}, autoscale: {{max: 4, cpu: 70}}")
    ))
    .is_empty());
    let src = spec(CPU, &format!("{cpu}, autoscale: {{max: 5, cpu: 70}}"));
    only(
        &src,
        codes::AUTOSCALE_CAPACITY,
        "workloads[0].autoscale.max",
        Severity::Warning,
    );
}

#[test]
fn a_budget_takes_one_rule() {
    let d = "workloads[0].disruption";
    err(
        &format!("{HTTP}, disruption: {{}}"),
        codes::DISRUPTION_FORM,
        d,
    );
    err(
        &format!("{HTTP}, disruption: {{maxUnavailable: 1, minAvailable: 1}}"),
        codes::DISRUPTION_FORM,
        d,
    );
    err(
        &format!("{HTTP}, disruption: {{maxUnavailable: 150%}}"),
        codes::DISRUPTION_FORM,
        &format!("{d}.maxUnavailable"),
    );
    err(
        &format!("{HTTP}, disruption: {{minAvailable: half}}"),
        codes::DISRUPTION_FORM,
        &format!("{d}.minAvailable"),
    );
    let m = model(&spec(
        CPU,
        &format!("{HTTP}, replicas: 4, disruption: {{minAvailable: 50%}}"),
    ));
    assert_eq!(
        m.workloads[0].disruption,
        Some(Disruption::MinAvailable(Amount::Percent(50)))
    );
}

#[test]
fn a_budget_that_never_allows_an_eviction_is_a_warning() {
    let d = "workloads[0].disruption";
    for (replicas, rule, field) in [
        (2, "maxUnavailable: 0", ".maxUnavailable"),
        (2, "maxUnavailable: 0%", ".maxUnavailable"),
        (2, "minAvailable: 2", ".minAvailable"),
        (3, "minAvailable: 5", ".minAvailable"),
        (1, "minAvailable: 1", ".minAvailable"),
        // 60% of 2, rounded up, is 2.
        (2, "minAvailable: 60%", ".minAvailable"),
        (4, "minAvailable: 100%", ".minAvailable"),
    ] {
        let src = spec(
            CPU,
            &format!("{HTTP}, replicas: {replicas}, disruption: {{{rule}}}"),
        );
        only(
            &src,
            codes::DISRUPTION_BLOCKS,
            &format!("{d}{field}"),
            Severity::Warning,
        );
        let msg = &crate::analyze(&src).diagnostics[0].message;
        assert!(msg.contains("node upgrade"), "{msg}");
    }
    for (replicas, rule) in [
        (2, "minAvailable: 1"),
        (2, "maxUnavailable: 1"),
        (1, "maxUnavailable: 1"),
        (4, "minAvailable: 50%"),
        (2, "maxUnavailable: 10%"),
    ] {
        assert!(
            found(&spec(
                CPU,
                &format!("{HTTP}, replicas: {replicas}, disruption: {{{rule}}}")
            ))
            .is_empty(),
            "{rule}"
        );
    }
    // An autoscaled workload's budget is judged at `min`.
    let src = spec(CPU, &format!("{HTTP}, resources: {{cpu: '1'}}, autoscale: {{min: 2, max: 4, cpu: 50}}, disruption: {{minAvailable: 2}}"));
    only(
        &src,
        codes::DISRUPTION_BLOCKS,
        &format!("{d}.minAvailable"),
        Severity::Warning,
    );
}

#[test]
fn long_running_workloads_of_several_pods_get_a_budget() {
    for (extra, want) in [
        (format!("{HTTP}, replicas: 2"), true),
        (format!("{HTTP}, replicas: 1"), false),
        (format!("{HTTP}, replicas: 3, peers: true"), true),
        ("run: job, replicas: 3".to_string(), false),
        (
            format!("{HTTP}, replicas: 1, disruption: {{maxUnavailable: 1}}"),
            true,
        ),
    ] {
        let m = model(&spec(CPU, &extra));
        assert_eq!(m.workloads[0].disruption.is_some(), want, "{extra}");
    }
}

#[test]
fn durations_are_hours_minutes_seconds_in_order() {
    for (text, want) in [
        ("90s", Some(90)),
        ("20m", Some(1200)),
        ("1h", Some(3600)),
        ("1h30m", Some(5400)),
        ("1h0m5s", Some(3605)),
        ("0s", Some(0)),
        ("", None),
        ("20", None),
        ("m", None),
        ("20min", None),
        ("5s1m", None),
        ("1m1m", None),
        ("-5m", None),
        ("1.5h", None),
        (" 5m", None),
        ("99999999999h", None),
    ] {
        assert_eq!(duration_seconds(text), want, "{text:?}");
    }
}

#[test]
fn prometheus_names() {
    for ok in ["vllm:num_requests_waiting", "tgi_queue_size", "_x", ":a1"] {
        assert!(prometheus_name(ok), "{ok}");
    }
    for bad in ["", "1abc", "a-b", "a|b", "a b", "vllm.x"] {
        assert!(!prometheus_name(bad), "{bad}");
    }
}

#[test]
fn percentages() {
    assert_eq!(percent("0%"), Some(0));
    assert_eq!(percent("25%"), Some(25));
    assert_eq!(percent("100%"), Some(100));
    assert_eq!(percent("101%"), None);
    assert_eq!(percent("0100%"), None);
    assert_eq!(percent("25"), None);
    assert_eq!(percent("%"), None);
}

#[test]
fn http_paths() {
    assert!(http_path("/health"));
    assert!(http_path("/v2/health/ready?x=1"));
    assert!(!http_path("health"));
    assert!(!http_path("/a b"));
    assert!(!http_path(""));
}
