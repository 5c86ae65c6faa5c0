//! A workload's Services: the primary one (ClusterIP, or headless for
//! peers) and the load balancer.

use super::objects::{labels, s, Lower, Object};
use crate::model::Workload;
use k8s_openapi::api::core::v1::{Service, ServicePort, ServiceSpec};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

fn service_ports(w: &Workload) -> Option<Vec<ServicePort>> {
    (!w.ports.is_empty()).then(|| {
        w.ports
            .iter()
            .map(|p| ServicePort {
                name: Some(p.name.clone()),
                port: i32::from(p.port),
                protocol: Some(s(p.protocol.as_str())),
                target_port: Some(IntOrString::Int(i32::from(p.port))),
                ..Default::default()
            })
            .collect()
    })
}

pub(super) fn services(lw: &Lower, w: &Workload, out: &mut dyn FnMut(Object)) {
    if let Some(name) = &w.service {
        let spec = if w.headless {
            ServiceSpec {
                cluster_ip: Some(s("None")),
                publish_not_ready_addresses: Some(true),
                ports: service_ports(w),
                selector: Some(Lower::serving_selector(w)),
                ..Default::default()
            }
        } else {
            ServiceSpec {
                type_: Some(s("ClusterIP")),
                ports: service_ports(w),
                selector: Some(Lower::serving_selector(w)),
                ..Default::default()
            }
        };
        out(Object::Service(Service {
            metadata: lw.wl_meta(name, w),
            spec: Some(spec),
            ..Default::default()
        }));
    }
    if let Some((name, internal)) = &w.load_balancer {
        let mut meta = lw.wl_meta(name, w);
        // Internal: GKE's internal passthrough load balancer. External: the
        // backend-service based external one, Google's recommendation (the
        // target-pool based one is legacy).
        meta.annotations = Some(if *internal {
            labels(&[("networking.gke.io/load-balancer-type", "Internal")])
        } else {
            labels(&[("cloud.google.com/l4-rbs", "enabled")])
        });
        out(Object::Service(Service {
            metadata: meta,
            spec: Some(ServiceSpec {
                type_: Some(s("LoadBalancer")),
                // Traffic goes only to nodes running the pods and keeps the
                // client's address, so `from: internet` and `from: {cidr}`
                // ingress rules match the real sources (with `Cluster`, a
                // node may forward it SNATed to its own address).
                external_traffic_policy: Some(s("Local")),
                ports: service_ports(w),
                selector: Some(Lower::serving_selector(w)),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    fn services(expose: &str, peers: bool) -> Vec<Value> {
        let src = format!(
            "apiVersion: podwire.dev/v1alpha1\nkind: AIWorkload\nmetadata: {{name: t}}\n\
             gcp: {{project: my-project, location: us-central1-a}}\n\
             cluster:\n  nodePools:\n    - {{name: p, machineType: n2-standard-8}}\n\
             workloads:\n  - {{name: s, image: r/s:1, run: service, peers: {peers}, expose: {expose}, \
             ports: [{{name: http, port: 8000}}]}}\n\
             {connections}",
            connections = if expose == "none" && !peers {
                ""
            } else {
                "connections:\n  - {from: internet, to: s, ports: [http]}\n"
            }
        );
        let a = crate::analyze(&src);
        let Some(m) = a.model else {
            panic!("compiles: {:?}", a.diagnostics)
        };
        super::super::objects(&m)
            .iter()
            .map(|o| o.to_json())
            .filter(|o| o["kind"] == "Service")
            .collect()
    }

    #[test]
    fn load_balancers_keep_the_client_address() {
        for peers in [false, true] {
            for (expose, annotation, value) in [
                (
                    "internal",
                    "networking.gke.io/load-balancer-type",
                    "Internal",
                ),
                ("external", "cloud.google.com/l4-rbs", "enabled"),
            ] {
                let all = services(expose, peers);
                let lbs: Vec<&Value> = all
                    .iter()
                    .filter(|s| s["spec"]["type"] == "LoadBalancer")
                    .collect();
                assert_eq!(lbs.len(), 1, "{expose}: {all:?}");
                let lb = lbs[0];
                assert_eq!(lb["spec"]["externalTrafficPolicy"], "Local", "{expose}");
                let annotations = lb["metadata"]["annotations"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                assert_eq!(annotations.len(), 1, "{expose}: {annotations:?}");
                assert_eq!(annotations[annotation], value, "{expose}");
                // The in-cluster Service is not a load balancer and has no
                // external traffic policy (the API server rejects one).
                for other in all.iter().filter(|s| s["spec"]["type"] != "LoadBalancer") {
                    assert!(other["spec"].get("externalTrafficPolicy").is_none());
                }
            }
            assert!(services("none", peers)
                .iter()
                .all(|s| s["spec"]["type"] != "LoadBalancer"));
        }
    }
}
