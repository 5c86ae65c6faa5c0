//! The submitter's decisions, made once and without I/O (this module
//! compiles for wasm32 too): which requests `podwire apply/plan/delete/
//! status` send (REST paths and bodies for GKE, kube-core requests for
//! Kubernetes at the resources the API server's discovery names), which
//! endpoints may be talked to, how a reply is read (what counts as
//! "absent", "exists", "done"), what drift is, which kinds and Secrets the
//! cluster must have before the workloads start, when a workload is ready
//! and how long to wait before trying again.
//!
//! `src/submit/` only sends what it is given, reads the clock and renders.

pub mod compute;
pub mod discovery;
pub mod drift;
pub mod endpoint;
pub mod gke;
pub mod kube;
pub mod readiness;
pub mod reapply;
pub mod reply;
pub mod retry;
pub mod secrets;
