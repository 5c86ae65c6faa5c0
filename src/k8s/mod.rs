//! Kubernetes objects (through k8s-openapi's typed model) lowered from the
//! resolved model, in apply order.
//!
//! - [`objects`]: the [`Object`] enum, metadata and labels, the namespace;
//! - [`pods`]: the pod template (env, rendezvous env, volumes, security)
//!   and the workload objects that hold it;
//! - [`jobset`]: the JobSet of a job that restarts or spans TPU slices;
//! - [`lws`]: the LeaderWorkerSet of a serving workload in groups;
//! - [`services`]: ClusterIP, headless and load-balancer Services;
//! - [`health`]: the probes of a workload's health endpoint;
//! - [`autoscale`]: the HorizontalPodAutoscalers and the PodMonitorings their
//!   metrics need;
//! - [`disruption`]: the PodDisruptionBudgets;
//! - [`gateway`]: the Gateways, HTTPRoutes and HealthCheckPolicies of the
//!   workloads routed through GKE's Gateway controller;
//! - [`inference`]: GKE Inference Gateway's InferencePools and their
//!   endpoint pickers;
//! - [`gpu_networks`], [`gpudirect`], [`nccl_installer`]: GPUDirect's
//!   Network objects, pod wiring (annotations, daemon, env, host paths) and
//!   NCCL plugin installer;
//! - [`policies`]: the NetworkPolicies;
//! - [`kueue`]: Kueue's queues, flavors and priority classes;
//! - [`order`]: the apply order and the manifests file's layout;
//! - [`names`]: no two objects share an identity, none takes Kubernetes' own;
//! - [`size`]: no object is larger than the API server stores.

mod autoscale;
mod disruption;
pub mod gateway;
pub mod gpu_networks;
pub mod gpudirect;
mod health;
pub mod inference;
pub mod jobset;
pub mod kueue;
pub mod lws;
mod memo;
mod names;
mod nccl_installer;
mod objects;
mod order;
mod pods;
mod policies;
mod services;
mod size;

pub use autoscale::{adapter_metric_name, PodMonitoring, SCRAPE_INTERVAL};
pub use memo::ObjectMemo;
pub use names::{name_clashes, NameClash};
pub use objects::{Object, WORKLOAD_LABEL};
pub use order::{apply_rank, manifests_yaml, objects, SEPARATOR};
pub use policies::INTERNET_EXCEPT;
pub use size::{json_size, oversized, Oversized, MAX_OBJECT_BYTES};
