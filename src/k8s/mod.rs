//! Kubernetes objects (through k8s-openapi's typed model) lowered from the
//! resolved model, in apply order.
//!
//! - [`objects`]: the [`Object`] enum, metadata and labels, the namespace;
//! - [`pods`]: the pod template (env, rendezvous env, security) and the
//!   workload objects that hold it;
//! - [`services`]: ClusterIP, headless and load-balancer Services;
//! - [`policies`]: the NetworkPolicies;
//! - [`order`]: the apply order and the manifests file's layout;
//! - [`names`]: no two objects share an identity, none takes Kubernetes' own.

pub mod gpu_networks;
mod names;
mod objects;
mod order;
mod pods;
mod policies;
mod services;

pub use names::{name_clashes, NameClash};
pub use objects::{Object, WORKLOAD_LABEL};
pub use order::{apply_rank, manifests_yaml, objects, SEPARATOR};
pub use policies::INTERNET_EXCEPT;
