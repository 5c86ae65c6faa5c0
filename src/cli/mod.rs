//! Command line: reads files, calls the core, writes files, renders
//! diagnostics. Nothing here decides what to generate.

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use podwire::submit::files::{self, Visibility};
use podwire::{diag, kubeconfig, Compilation, Options};
use std::io::Write;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "podwire",
    version,
    about = "Compile one YAML spec of an AI workload into a GKE cluster request, Kubernetes manifests and a kubeconfig"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
enum Emit {
    /// Every output file.
    All,
    /// gke/cluster.json, the GKE clusters.create request.
    Gke,
    /// gke/networks.json, the Compute Engine requests for GPUDirect pools'
    /// extra networks (only specs with such pools have it).
    Networks,
    /// k8s/manifests.yaml, the Kubernetes objects in apply order.
    Manifests,
    /// kubeconfig.yaml.
    Kubeconfig,
}

impl Emit {
    /// The output file it selects (`None`: all of them).
    fn path(self) -> Option<&'static str> {
        match self {
            Emit::All => None,
            Emit::Gke => Some(podwire::GKE_FILE),
            Emit::Networks => Some(podwire::NETWORKS_FILE),
            Emit::Manifests => Some(podwire::MANIFESTS_FILE),
            Emit::Kubeconfig => Some(podwire::KUBECONFIG_FILE),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check a spec and report every problem (exit 1 on errors).
    Check {
        /// The spec (YAML or JSON), or `-` for standard input.
        spec: String,
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Compile a spec into gke/cluster.json (and gke/networks.json with GPUDirect pools), k8s/manifests.yaml and kubeconfig.yaml.
    Compile {
        /// The spec (YAML or JSON), or `-` for standard input.
        spec: String,
        /// Write the files into this directory (default: print to stdout).
        #[arg(long, short, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Which output to print, or to write with --out.
        #[arg(long, value_enum, default_value = "all")]
        emit: Emit,
        /// Diagnostics format (json prints them on stdout, so it needs --out).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the kubeconfig; with --cluster, filled from a GKE Cluster resource.
    Kubeconfig {
        /// The spec (YAML or JSON), or `-` for standard input.
        spec: String,
        /// A GKE Cluster resource as `clusters.get` (or `gcloud container clusters describe --format json`) returns it.
        #[arg(long, value_name = "FILE")]
        cluster: Option<PathBuf>,
        /// Write it to this file (mode 0600) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of the spec language.
    Schema,
    /// Print a shell completion script, e.g. `podwire completions bash > /etc/bash_completion.d/podwire`.
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Create the cluster, write the kubeconfig, server-side apply the
    /// manifests and wait for the workloads (safe to run again).
    Apply(podwire::submit::cli::ApplyArgs),
    /// Show what `apply` would create or change; change nothing.
    Plan(podwire::submit::cli::PlanArgs),
    /// Delete the workloads (with --cluster, the cluster too).
    Delete(podwire::submit::cli::DeleteArgs),
    /// Show the cluster's and the workloads' state.
    Status(podwire::submit::cli::StatusArgs),
}

#[derive(Debug, thiserror::Error)]
enum CliError {
    #[error(transparent)]
    File(#[from] files::FileError),
    #[error("{path}: {source}")]
    Cluster {
        path: String,
        source: kubeconfig::ClusterJsonError,
    },
    #[error(transparent)]
    Render(#[from] podwire::EmitError),
}

/// Exit codes: 0 ok, 1 the spec has errors, 2 usage or I/O failure.
pub fn run() -> i32 {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("podwire: error: {e}");
            2
        }
    }
}

/// The spec's bytes: decoding them as UTF-8 is the core's (a located error).
fn read_spec(spec: &str) -> Result<(String, Vec<u8>), CliError> {
    let s = files::read_spec(spec)?;
    Ok((s.name, s.bytes))
}

/// Writes to stdout; a closed pipe (`podwire schema | head`) is an error
/// message and exit 2, never a panic as `print!` would make it.
fn write_stdout(bytes: &[u8]) -> Result<(), CliError> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|()| out.flush())
        .map_err(|source| {
            CliError::File(files::FileError::Write {
                path: "<stdout>".into(),
                source,
            })
        })
}

fn print_diagnostics(file: &str, src: &str, diags: &[podwire::Diagnostic], format: Format) {
    match format {
        Format::Text => eprint!("{}", diag::render_text(file, src, diags)),
        Format::Json => match diag::json_report(file, diags) {
            Ok(json) => {
                if let Err(e) = write_stdout(format!("{json}\n").as_bytes()) {
                    eprintln!("podwire: error: {e}");
                }
            }
            Err(e) => eprintln!("podwire: cannot write the diagnostics as JSON: {e}"),
        },
    }
}

fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Apply(a) => Ok(podwire::submit::cli::apply(&a)),
        Command::Plan(a) => Ok(podwire::submit::cli::plan(&a)),
        Command::Delete(a) => Ok(podwire::submit::cli::delete(&a)),
        Command::Status(a) => Ok(podwire::submit::cli::status(&a)),
        Command::Completions { shell } => {
            let mut cmd = Cli::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "podwire", &mut script);
            write_stdout(&script)?;
            Ok(0)
        }
        Command::Schema => {
            let mut text =
                serde_json::to_string_pretty(&podwire::spec::json_schema()).unwrap_or_default();
            text.push('\n');
            write_stdout(text.as_bytes())?;
            Ok(0)
        }
        Command::Check { spec, format } => {
            let (file, bytes) = read_spec(&spec)?;
            let (src, a) = podwire::analyze_bytes(&bytes);
            print_diagnostics(&file, &src, &a.diagnostics, format);
            if format == Format::Text && a.diagnostics.is_empty() {
                eprintln!("{file}: ok");
            }
            Ok(if a.has_errors() { 1 } else { 0 })
        }
        Command::Compile {
            spec,
            out,
            emit,
            format,
        } => {
            if format == Format::Json && out.is_none() {
                // The diagnostics and the compiled files would share stdout.
                Cli::command()
                    .error(
                        clap::error::ErrorKind::ArgumentConflict,
                        "`compile --format json` prints the diagnostics on stdout, where the compiled files go without --out: add --out DIR (or use `podwire check --format json`)",
                    )
                    .exit();
            }
            let (file, bytes) = read_spec(&spec)?;
            let opts = Options {
                exits_after: true,
                ..Options::default()
            };
            let (src, c) = podwire::compile_bytes(&bytes, &opts);
            if !c.diagnostics.is_empty() || format == Format::Json {
                print_diagnostics(&file, &src, &c.diagnostics, format);
            }
            if !c.ok {
                return Ok(1);
            }
            if let Some(p) = emit.path().filter(|p| c.files.iter().all(|f| f.path != *p)) {
                // Only gke/networks.json can be absent: no GPUDirect pool.
                eprintln!("podwire: this spec has no {p} (no node pool has `gpuDirect: true`)");
                return Ok(2);
            }
            match out {
                Some(dir) => {
                    let chosen: Vec<&podwire::OutputFile> = c
                        .files
                        .iter()
                        .filter(|f| emit.path().is_none_or(|p| f.path == p))
                        .collect();
                    for f in &chosen {
                        let visibility = if f.is_secret() {
                            Visibility::Private
                        } else {
                            Visibility::Public
                        };
                        files::write_output(&dir.join(&f.path), f.content.as_bytes(), visibility)?;
                    }
                    match chosen.as_slice() {
                        [one] => eprintln!("wrote {}", dir.join(&one.path).display()),
                        all => eprintln!("wrote {} files to {}", all.len(), dir.display()),
                    }
                }
                None => {
                    let pick = |p: &str| {
                        c.files
                            .iter()
                            .find(|f| f.path == p)
                            .map(|f| f.content.as_str())
                            .unwrap_or_default()
                    };
                    let text = match emit.path() {
                        Some(path) => pick(path).to_string(),
                        None => c
                            .files
                            .iter()
                            .map(|f| format!("# ==> {} <==\n{}", f.path, f.content))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    };
                    write_stdout(text.as_bytes())?;
                }
            }
            Ok(0)
        }
        Command::Kubeconfig { spec, cluster, out } => {
            let (file, bytes) = read_spec(&spec)?;
            let (src, a) = podwire::analyze_bytes(&bytes);
            if !a.diagnostics.is_empty() {
                print_diagnostics(&file, &src, &a.diagnostics, Format::Text);
            }
            let Some(model) = a.model else { return Ok(1) };
            let ep = match cluster {
                Some(p) => {
                    let text =
                        std::fs::read_to_string(&p).map_err(|source| files::FileError::Read {
                            path: p.display().to_string(),
                            source,
                        })?;
                    Some(kubeconfig::endpoint_for(&model, &text).map_err(|source| {
                        CliError::Cluster {
                            path: p.display().to_string(),
                            source,
                        }
                    })?)
                }
                None => None,
            };
            let text = Compilation::new(model).kubeconfig_yaml(ep.as_ref())?;
            match out {
                Some(p) => files::write_atomic(&p, text.as_bytes(), Visibility::Private)?,
                None => write_stdout(text.as_bytes())?,
            }
            Ok(0)
        }
    }
}
