//! No two generated objects share kind, namespace and name, and none takes a
//! name Kubernetes gives its own (issue 11). Checked on the manifests read
//! back with an independent YAML reader, over many combinations of workload
//! and Service names, including the names podwire gives its own objects.

#[path = "support/yaml.rs"]
#[allow(dead_code)] // the reader's single-document half is the other tests'
mod yaml;

use std::collections::HashSet;

const NAMES: &[&str] = &["default", "default-deny", "web", "web-lb", "api", "dns"];

fn spec(workloads: &[(&str, Option<&str>)]) -> String {
    let mut s = String::from(
        "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {name: names}\ngcp: {project: my-project, location: us-central1-a}\ncluster:\n  nodePools:\n    - {name: cpu, machineType: n2-standard-8}\nworkloads:\n",
    );
    for (name, service) in workloads {
        s.push_str(&format!(
            "  - {{name: {name}, image: nginx, ports: [{{name: http, port: 80}}], expose: internal{}}}\n",
            service.map(|n| format!(", service: {{name: {n}}}")).unwrap_or_default()
        ));
    }
    s.push_str(&format!(
        "connections:\n  - {{from: internet, to: {}}}\n",
        workloads[0].0
    ));
    s
}

/// The identities in a manifests file, and whether any repeats or is
/// Kubernetes' own.
fn identities_are_own(manifests: &str) -> Result<(), String> {
    let mut seen = HashSet::new();
    for d in yaml::documents(manifests)? {
        let kind = d["kind"].as_str().unwrap_or_default().to_string();
        let ns = d["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let name = d["metadata"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if kind == "ServiceAccount" && name == "default" {
            return Err("a ServiceAccount named default".into());
        }
        if !seen.insert((kind.clone(), ns, name.clone())) {
            return Err(format!("{kind} {name} twice"));
        }
    }
    Ok(())
}

#[test]
fn every_generated_object_keeps_its_own_name() {
    let mut refused = 0;
    let mut compiled = 0;
    for a in NAMES {
        for b in NAMES {
            if a == b {
                continue;
            }
            for service in [None, Some(*a), Some("web"), Some("default-deny")] {
                let src = spec(&[(a, None), (b, service)]);
                let c = podwire::compile(&src, &podwire::Options::default());
                if !c.ok {
                    assert!(
                        c.diagnostics
                            .iter()
                            .any(|d| d.is_error() && d.span.is_some()),
                        "refused without a located error:\n{src}"
                    );
                    refused += 1;
                    continue;
                }
                let manifests = c
                    .files
                    .iter()
                    .find(|f| f.path == podwire::MANIFESTS_FILE)
                    .map(|f| f.content.as_str())
                    .unwrap_or_default();
                if let Err(e) = identities_are_own(manifests) {
                    panic!("{e}:\n{src}");
                }
                compiled += 1;
            }
        }
    }
    assert!(
        refused > 10 && compiled > 10,
        "refused {refused}, compiled {compiled}"
    );
}

#[test]
fn podwires_own_names_and_kubernetes_names_are_refused_at_the_workload() {
    for (name, code) in [("default-deny", "PW0417"), ("default", "PW0417")] {
        let src = spec(&[("client", None), (name, None)]);
        let a = podwire::analyze(&src);
        let d = a
            .diagnostics
            .iter()
            .find(|d| d.code == code)
            .unwrap_or_else(|| panic!("{name}: {:#?}", a.diagnostics));
        assert_eq!(d.path, "workloads[1].name", "{name}");
        assert_eq!(d.span.as_ref().map(|s| s.line), Some(10), "{name}");
    }
}
