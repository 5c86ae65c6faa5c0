//! Command line: reads files, calls the core, writes files, renders
//! diagnostics. Nothing here decides what to generate.

use clap::{Parser, Subcommand, ValueEnum};
use podwire::{diag, kubeconfig, Compilation, Options};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

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
    All,
    Gke,
    Manifests,
    Kubeconfig,
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
    /// Compile a spec into gke/cluster.json, k8s/manifests.yaml and kubeconfig.yaml.
    Compile {
        /// The spec (YAML or JSON), or `-` for standard input.
        spec: String,
        /// Write the files into this directory (default: print to stdout).
        #[arg(long, short)]
        out: Option<PathBuf>,
        /// Print only one of the outputs (without --out).
        #[arg(long, value_enum, default_value = "all")]
        emit: Emit,
        /// Diagnostics format.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
    /// Print the kubeconfig; with --cluster, filled from a GKE Cluster resource.
    Kubeconfig {
        spec: String,
        /// A GKE Cluster resource as `clusters.get` (or `gcloud container clusters describe --format json`) returns it.
        #[arg(long)]
        cluster: Option<PathBuf>,
        /// Write it to this file (mode 0600) instead of stdout.
        #[arg(long, short)]
        out: Option<PathBuf>,
    },
    /// Print the JSON Schema of the spec language.
    Schema,
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
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Cluster {
        path: String,
        source: kubeconfig::ClusterJsonError,
    },
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
    if spec == "-" {
        let mut s = Vec::new();
        std::io::stdin()
            .read_to_end(&mut s)
            .map_err(|source| CliError::Read {
                path: "<stdin>".into(),
                source,
            })?;
        return Ok(("<stdin>".into(), s));
    }
    let s = std::fs::read(spec).map_err(|source| CliError::Read {
        path: spec.into(),
        source,
    })?;
    Ok((spec.to_string(), s))
}

fn print_diagnostics(file: &str, src: &str, diags: &[podwire::Diagnostic], format: Format) {
    match format {
        Format::Text => eprint!("{}", diag::render_text(file, src, diags)),
        Format::Json => {
            let v = serde_json::json!({ "file": file, "diagnostics": diags });
            println!("{}", serde_json::to_string_pretty(&v).unwrap_or_default());
        }
    }
}

fn write_file(path: &Path, content: &str, private: bool) -> Result<(), CliError> {
    let err = |source| CliError::Write {
        path: path.display().to_string(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(err)?;
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err)?;
    }
    f.write_all(content.as_bytes()).map_err(err)
}

fn dispatch(cli: Cli) -> Result<i32, CliError> {
    match cli.command {
        Command::Apply(a) => Ok(podwire::submit::cli::apply(&a)),
        Command::Plan(a) => Ok(podwire::submit::cli::plan(&a)),
        Command::Delete(a) => Ok(podwire::submit::cli::delete(&a)),
        Command::Status(a) => Ok(podwire::submit::cli::status(&a)),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&podwire::spec::json_schema()).unwrap_or_default()
            );
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
            let (file, bytes) = read_spec(&spec)?;
            let (src, c) = podwire::compile_bytes(&bytes, &Options::default());
            if !c.diagnostics.is_empty() || format == Format::Json {
                print_diagnostics(&file, &src, &c.diagnostics, format);
            }
            if !c.ok {
                return Ok(1);
            }
            match out {
                Some(dir) => {
                    for f in &c.files {
                        write_file(
                            &dir.join(&f.path),
                            &f.content,
                            f.path == podwire::KUBECONFIG_FILE,
                        )?;
                    }
                    eprintln!("wrote {} files to {}", c.files.len(), dir.display());
                }
                None => {
                    let pick = |p: &str| {
                        c.files
                            .iter()
                            .find(|f| f.path == p)
                            .map(|f| f.content.as_str())
                            .unwrap_or_default()
                    };
                    let mut stdout = std::io::stdout().lock();
                    let text = match emit {
                        Emit::Gke => pick(podwire::GKE_FILE).to_string(),
                        Emit::Manifests => pick(podwire::MANIFESTS_FILE).to_string(),
                        Emit::Kubeconfig => pick(podwire::KUBECONFIG_FILE).to_string(),
                        Emit::All => c
                            .files
                            .iter()
                            .map(|f| format!("# ==> {} <==\n{}", f.path, f.content))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    };
                    stdout
                        .write_all(text.as_bytes())
                        .map_err(|source| CliError::Write {
                            path: "<stdout>".into(),
                            source,
                        })?;
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
                    let text = std::fs::read_to_string(&p).map_err(|source| CliError::Read {
                        path: p.display().to_string(),
                        source,
                    })?;
                    Some(
                        kubeconfig::endpoint_from_cluster_json(&text).map_err(|source| {
                            CliError::Cluster {
                                path: p.display().to_string(),
                                source,
                            }
                        })?,
                    )
                }
                None => None,
            };
            let text = Compilation::new(model).kubeconfig_yaml(ep.as_ref());
            match out {
                Some(p) => write_file(&p, &text, true)?,
                None => print!("{text}"),
            }
            Ok(0)
        }
    }
}
