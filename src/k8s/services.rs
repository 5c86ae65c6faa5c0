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
                selector: Some(Lower::selector(w)),
                ..Default::default()
            }
        } else {
            ServiceSpec {
                type_: Some(s("ClusterIP")),
                ports: service_ports(w),
                selector: Some(Lower::selector(w)),
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
        if *internal {
            meta.annotations = Some(labels(&[(
                "networking.gke.io/load-balancer-type",
                "Internal",
            )]));
        }
        out(Object::Service(Service {
            metadata: meta,
            spec: Some(ServiceSpec {
                type_: Some(s("LoadBalancer")),
                ports: service_ports(w),
                selector: Some(Lower::selector(w)),
                ..Default::default()
            }),
            ..Default::default()
        }));
    }
}
