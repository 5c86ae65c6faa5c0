//! A workload's environment variable names: valid, and none of those
//! podwire injects itself (the rendezvous of `distributed`, TPU Multislice).

use super::super::validate::env_name;
use super::super::Checker;
use crate::diag::codes;
use crate::model::Framework;
use crate::spec;

/// Every `env` name is valid and not one podwire sets for the workload.
pub(super) fn check_names(
    checker: &mut Checker,
    path: &str,
    w: &spec::Workload,
    framework: Option<Framework>,
    multislice: bool,
) {
    for (k, _) in &w.env {
        if multislice && crate::check::slices::is_injected(k) {
            checker.err(
                codes::INJECTED_ENV,
                &format!("{path}.env.{k}"),
                format!(
                    "`{k}` is set by podwire for TPU Multislice: each slice's pods get their own"
                ),
                Some("remove it from `env`".to_string()),
            );
            continue;
        }
        if !env_name(k) {
            checker.err(
                codes::BAD_NAME,
                &format!("{path}.env.{k}"),
                format!("`{k}` is not a valid environment variable name"),
                None,
            );
        } else if let Some(f) = framework.filter(|f| is_injected(*f, k)) {
            checker.err(
                codes::INJECTED_ENV,
                &format!("{path}.env.{k}"),
                format!(
                    "`{k}` is set by podwire for `distributed: {}`; the Service and NetworkPolicies are built on its value",
                    if f == Framework::Pytorch { "pytorch" } else { "jax" }
                ),
                Some("remove it from `env` (name the rendezvous port `rendezvous` to choose its number)".to_string()),
            );
        }
    }
}

/// The variables podwire injects for `framework` (torchrun reads every
/// `PET_*` as an argument, so all of them are its). Only JAX's three
/// injected names are refused: other `JAX_*` settings (`JAX_PLATFORMS`)
/// are the user's.
fn is_injected(framework: Framework, name: &str) -> bool {
    match framework {
        Framework::Pytorch => {
            matches!(
                name,
                "MASTER_ADDR"
                    | "MASTER_PORT"
                    | "NNODES"
                    | "NODE_RANK"
                    | "NPROC_PER_NODE"
                    | "WORLD_SIZE"
            ) || name.starts_with("PET_")
        }
        Framework::Jax => matches!(
            name,
            "JAX_COORDINATOR_ADDRESS" | "JAX_PROCESS_ID" | "JAX_NUM_PROCESSES"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injected_variables_are_the_frameworks() {
        for name in [
            "MASTER_ADDR",
            "MASTER_PORT",
            "NNODES",
            "NODE_RANK",
            "NPROC_PER_NODE",
            "WORLD_SIZE",
            "PET_NNODES",
            "PET_RDZV_ENDPOINT",
        ] {
            assert!(is_injected(Framework::Pytorch, name), "{name}");
            assert!(!is_injected(Framework::Jax, name), "{name}");
        }
        for name in [
            "JAX_COORDINATOR_ADDRESS",
            "JAX_PROCESS_ID",
            "JAX_NUM_PROCESSES",
        ] {
            assert!(is_injected(Framework::Jax, name), "{name}");
            assert!(!is_injected(Framework::Pytorch, name), "{name}");
        }
        for name in [
            "NCCL_DEBUG",
            "JAX_PLATFORMS",
            "MASTER",
            "master_addr",
            "PETS",
        ] {
            assert!(
                !is_injected(Framework::Pytorch, name) && !is_injected(Framework::Jax, name),
                "{name}"
            );
        }
    }
}
