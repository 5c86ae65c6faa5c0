//! The submitter's decisions, made once and without I/O (this module
//! compiles for wasm32 too): which requests `podwire apply/plan/delete/
//! status` send (REST paths and bodies for GKE, kube-core requests for
//! Kubernetes), which endpoints may be talked to, how a reply is read (what
//! counts as "absent", "exists", "done"), what drift is, when a workload is
//! ready and how long to wait before trying again.
//!
//! `src/submit/` only sends what it is given, reads the clock and renders.

pub mod drift;
pub mod endpoint;
pub mod gke;
pub mod kube;
pub mod reply;
pub mod retry;
