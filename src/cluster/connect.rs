//! Client construction with kubectl's rules (client-go `clientcmd` loading order):
//! `--kubeconfig F` alone; else every file of `KUBECONFIG` (path-list, empty entries and
//! missing files ignored, merged first-wins by kube's `Kubeconfig::merge`); else
//! `~/.kube/config`; else, with no `--context`, the in-cluster service account. `--context`
//! picks a context of the chosen kubeconfig; it is checked here so the error can list the
//! contexts there are.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};

use super::ClusterError;

/// How the caller chose a cluster (the CLI's `--kubeconfig` / `--context`).
#[derive(Debug, Clone, Default)]
pub struct ClusterOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
}

/// Where the client's configuration came from, for messages ("kubeconfig a:b, context c").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    Kubeconfig {
        files: Vec<PathBuf>,
        context: String,
    },
    InCluster,
}

impl std::fmt::Display for ConfigSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ConfigSource::Kubeconfig { files, context } => {
                write!(f, "kubeconfig {}, context {context}", join_paths(files))
            }
            ConfigSource::InCluster => f.write_str("in-cluster service account"),
        }
    }
}

fn join_paths(files: &[PathBuf]) -> String {
    files
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(":")
}

/// A connected kube client plus the configuration it was built from (the per-endpoint reads
/// clone that configuration with another address).
#[derive(Clone)]
pub struct Cluster {
    pub(super) client: kube::Client,
    pub(super) config: kube::Config,
    source: ConfigSource,
}

impl std::fmt::Debug for Cluster {
    // kube::Config's Debug holds the auth info; keep it out of any log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cluster")
            .field("server", &self.server())
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

/// A read that takes longer is a hung apiserver, not a slow one: JWKS and TokenRequest answers
/// are a few hundred bytes.
pub(super) const READ_TIMEOUT: Duration = Duration::from_secs(30);

impl Cluster {
    /// Load the configuration (see the module header) and build a client. Nothing is sent yet.
    pub async fn connect(opts: &ClusterOptions) -> Result<Cluster, ClusterError> {
        let (kubeconfig, files) = match load_kubeconfig(opts)? {
            Some(found) => found,
            None => {
                let mut config = kube::Config::incluster().map_err(ClusterError::InCluster)?;
                config.read_timeout = Some(READ_TIMEOUT);
                return Cluster::from_config(config, ConfigSource::InCluster);
            }
        };
        let place = join_paths(&files);
        let available = || {
            let names: Vec<&str> = kubeconfig
                .contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect();
            if names.is_empty() {
                "no contexts".to_string()
            } else {
                names.join(", ")
            }
        };
        let context = match &opts.context {
            Some(c) => {
                if !kubeconfig.contexts.iter().any(|n| &n.name == c) {
                    return Err(ClusterError::UnknownContext {
                        context: c.clone(),
                        place,
                        available: available(),
                    });
                }
                c.clone()
            }
            None => match kubeconfig.current_context.as_deref() {
                Some(c) if !c.is_empty() => {
                    if !kubeconfig.contexts.iter().any(|n| n.name == c) {
                        return Err(ClusterError::UnknownContext {
                            context: c.to_string(),
                            place: format!("{place} (its current-context)"),
                            available: available(),
                        });
                    }
                    c.to_string()
                }
                _ => {
                    return Err(ClusterError::NoCurrentContext {
                        place,
                        available: available(),
                    });
                }
            },
        };
        let options = KubeConfigOptions {
            context: Some(context.clone()),
            ..Default::default()
        };
        let mut config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
            .await
            .map_err(|source| ClusterError::Kubeconfig {
                place: format!("{place}, context {context}"),
                source,
            })?;
        config.read_timeout = Some(READ_TIMEOUT);
        Cluster::from_config(config, ConfigSource::Kubeconfig { files, context })
    }

    /// A client for an already-built configuration.
    pub fn from_config(
        config: kube::Config,
        source: ConfigSource,
    ) -> Result<Cluster, ClusterError> {
        let client =
            kube::Client::try_from(config.clone()).map_err(|source| ClusterError::Client {
                server: config.cluster_url.to_string(),
                source,
            })?;
        Ok(Cluster {
            client,
            config,
            source,
        })
    }

    /// The apiserver URL of the kubeconfig (or in-cluster service), without a trailing `/`.
    pub fn server(&self) -> String {
        self.config
            .cluster_url
            .to_string()
            .trim_end_matches('/')
            .to_string()
    }

    pub fn source(&self) -> &ConfigSource {
        &self.source
    }

    /// The underlying kube client, for calls this adapter does not wrap.
    pub fn client(&self) -> &kube::Client {
        &self.client
    }

    pub(super) fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.server())
    }
}

/// `Ok(None)` means "no kubeconfig anywhere, and in-cluster is allowed".
fn load_kubeconfig(
    opts: &ClusterOptions,
) -> Result<Option<(Kubeconfig, Vec<PathBuf>)>, ClusterError> {
    let read = |p: &PathBuf| {
        Kubeconfig::read_from(p).map_err(|e| match e {
            // kube's message repeats the path in Debug quotes; ours names it once.
            kube::config::KubeconfigError::ReadConfig(source, _) => ClusterError::KubeconfigRead {
                place: p.display().to_string(),
                source,
            },
            source => ClusterError::Kubeconfig {
                place: p.display().to_string(),
                source,
            },
        })
    };
    if let Some(p) = &opts.kubeconfig {
        // An explicit file must exist: kubectl errors too, and silently falling back to
        // another cluster is the worst outcome for a key-rotation tool.
        return Ok(Some((read(p)?, vec![p.clone()])));
    }
    if let Some(value) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        let files: Vec<PathBuf> = std::env::split_paths(&value)
            .filter(|p| !p.as_os_str().is_empty() && p.exists())
            .collect();
        let mut merged: Option<Kubeconfig> = None;
        for p in &files {
            let next = read(p)?;
            merged = Some(match merged {
                None => next,
                Some(m) => m.merge(next).map_err(|source| ClusterError::Kubeconfig {
                    place: p.display().to_string(),
                    source,
                })?,
            });
        }
        return match merged {
            Some(k) => Ok(Some((k, files))),
            None => Err(ClusterError::KubeconfigEnvEmpty {
                value: value.to_string_lossy().into_owned(),
            }),
        };
    }
    let default = std::env::var_os("HOME")
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
        .unwrap_or_else(|| PathBuf::from("~/.kube/config"));
    if default.exists() {
        return Ok(Some((read(&default)?, vec![default])));
    }
    if opts.context.is_none() && std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return Ok(None);
    }
    Err(ClusterError::NoKubeconfig {
        place: default.display().to_string(),
    })
}
