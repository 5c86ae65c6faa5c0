//! The command-line surface of the submitter: clap arguments for `apply`,
//! `plan`, `delete` and `status`, and their entry points (exit codes).
//! `src/cli` wires these into the `podwire` binary.

use super::run::{self, ApplyOptions, Target};
use clap::Args;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// The spec (YAML or JSON), or `-` for standard input.
    pub spec: String,
    /// GKE API root, replacing https://container.googleapis.com/ (default:
    /// $CLOUDSDK_API_ENDPOINT_OVERRIDES_CONTAINER, as gcloud reads it).
    #[arg(long, value_name = "URL")]
    pub gke_endpoint: Option<String>,
    /// Compute Engine API root, with its version, replacing
    /// https://compute.googleapis.com/compute/v1/ (default:
    /// $CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE, as gcloud reads it); for
    /// the networks of `gpuDirect` pools.
    #[arg(long, value_name = "URL")]
    pub compute_endpoint: Option<String>,
    /// A file holding a Google OAuth 2 access token (e.g. from `gcloud auth
    /// print-access-token`). Default: Application Default Credentials.
    #[arg(long, value_name = "FILE")]
    pub access_token_file: Option<PathBuf>,
    /// The kubeconfig to merge the cluster's context into (default:
    /// $KUBECONFIG, else ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

impl TargetArgs {
    fn target(&self) -> Target {
        Target {
            spec: self.spec.clone(),
            gke_endpoint: self.gke_endpoint.clone(),
            compute_endpoint: self.compute_endpoint.clone(),
            access_token_file: self.access_token_file.clone(),
            kubeconfig: self.kubeconfig.clone(),
        }
    }
}

#[derive(Debug, Clone, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Skip every confirmation (needed without a terminal to create anything).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Say what would be created or changed; mutate nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Do not wait for the workloads to become ready.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up after this many seconds (cluster creation included): every
    /// wait, retry and request ends by then.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct PlanArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

#[derive(Debug, Clone, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Delete the GKE cluster too.
    #[arg(long)]
    pub cluster: bool,
    /// Skip the confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Give up after this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 3600)]
    pub timeout: u64,
}

#[derive(Debug, Clone, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub target: TargetArgs,
}

/// How long `status` (which has no `--timeout`) may take.
const STATUS_TIMEOUT: Duration = Duration::from_secs(600);

fn finish(r: Result<i32, super::SubmitError>) -> i32 {
    match r {
        Ok(code) => code,
        Err(e) => {
            super::ui::note(&format!("podwire: error: {e}"));
            e.exit_code()
        }
    }
}

pub fn apply(a: &ApplyArgs) -> i32 {
    finish(run::apply(
        &a.target.target(),
        &ApplyOptions {
            yes: a.yes,
            dry_run: a.dry_run,
            no_wait: a.no_wait,
            timeout: Duration::from_secs(a.timeout),
        },
    ))
}

pub fn plan(a: &PlanArgs) -> i32 {
    finish(run::apply(
        &a.target.target(),
        &ApplyOptions {
            yes: false,
            dry_run: true,
            no_wait: true,
            timeout: Duration::from_secs(3600),
        },
    ))
}

pub fn delete(a: &DeleteArgs) -> i32 {
    finish(run::delete(
        &a.target.target(),
        a.yes,
        a.cluster,
        Duration::from_secs(a.timeout),
    ))
}

pub fn status(a: &StatusArgs) -> i32 {
    finish(run::status(&a.target.target(), STATUS_TIMEOUT))
}
