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
        let (kubeconfig, files) = match load_kubeconfig(opts, &Env::from_process())? {
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

/// The environment variables the loading order reads, passed in so tests need not mutate the
/// process environment.
struct Env {
    kubeconfig: Option<std::ffi::OsString>,
    home: Option<std::ffi::OsString>,
    in_pod: bool,
}

impl Env {
    fn from_process() -> Env {
        Env {
            kubeconfig: std::env::var_os("KUBECONFIG"),
            home: std::env::var_os("HOME"),
            in_pod: std::env::var_os("KUBERNETES_SERVICE_HOST").is_some(),
        }
    }
}

/// `Ok(None)` means "no kubeconfig anywhere, and in-cluster is allowed".
fn load_kubeconfig(
    opts: &ClusterOptions,
    env: &Env,
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
    if let Some(value) = env.kubeconfig.as_ref().filter(|v| !v.is_empty()) {
        let files: Vec<PathBuf> = std::env::split_paths(value)
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
    let default = env
        .home
        .as_ref()
        .map(|h| PathBuf::from(h).join(".kube").join("config"))
        .unwrap_or_else(|| PathBuf::from("~/.kube/config"));
    if default.exists() {
        return Ok(Some((read(&default)?, vec![default])));
    }
    if opts.context.is_none() && env.in_pod {
        return Ok(None);
    }
    Err(ClusterError::NoKubeconfig {
        place: default.display().to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: &str = "apiVersion: v1
kind: Config
clusters:
- name: a
  cluster: {server: 'https://a.example:6443'}
users:
- name: a
  user: {token: t}
contexts:
- name: a
  context: {cluster: a, user: a}
current-context: a
";
    const TWO: &str = "apiVersion: v1
kind: Config
clusters:
- name: b
  cluster: {server: 'https://b.example:6443'}
users:
- name: b
  user: {token: t}
contexts:
- name: b
  context: {cluster: b, user: b}
current-context: b
";

    fn env(kubeconfig: Option<String>, home: Option<&std::path::Path>, in_pod: bool) -> Env {
        Env {
            kubeconfig: kubeconfig.map(Into::into),
            home: home.map(|h| h.as_os_str().to_owned()),
            in_pod,
        }
    }

    #[test]
    fn kubeconfig_env_is_a_merged_path_list_skipping_missing_files() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        std::fs::write(&a, ONE).unwrap();
        std::fs::write(&b, TWO).unwrap();
        let missing = d.path().join("missing");
        let list = std::env::join_paths([&missing, &a, &b]).unwrap();
        let (k, files) = load_kubeconfig(
            &ClusterOptions::default(),
            &env(Some(list.to_string_lossy().into()), None, false),
        )
        .unwrap()
        .unwrap();
        assert_eq!(files, [a.clone(), b.clone()]);
        // First file wins current-context; contexts of both are there.
        assert_eq!(k.current_context.as_deref(), Some("a"));
        let names: Vec<&str> = k.contexts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);

        // --kubeconfig beats KUBECONFIG.
        let (_, files) = load_kubeconfig(
            &ClusterOptions {
                kubeconfig: Some(b.clone()),
                context: None,
            },
            &env(Some(list.to_string_lossy().into()), None, false),
        )
        .unwrap()
        .unwrap();
        assert_eq!(files, [b]);

        let e = load_kubeconfig(
            &ClusterOptions::default(),
            &env(Some(missing.display().to_string()), None, true),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "KUBECONFIG={:?} lists no file that exists",
                missing.display().to_string()
            )
        );
    }

    #[test]
    fn home_config_then_in_cluster_then_a_clear_error() {
        let home = tempfile::tempdir().unwrap();
        // No ~/.kube/config: in a pod, in-cluster; with --context, never in-cluster.
        assert!(
            load_kubeconfig(
                &ClusterOptions::default(),
                &env(None, Some(home.path()), true)
            )
            .unwrap()
            .is_none()
        );
        let e = load_kubeconfig(
            &ClusterOptions {
                kubeconfig: None,
                context: Some("a".into()),
            },
            &env(None, Some(home.path()), true),
        )
        .unwrap_err();
        let want = home.path().join(".kube/config");
        assert!(
            e.to_string()
                .starts_with(&format!("no kubeconfig: {} does not exist", want.display())),
            "{e}"
        );
        std::fs::create_dir(home.path().join(".kube")).unwrap();
        std::fs::write(&want, ONE).unwrap();
        let (_, files) = load_kubeconfig(
            &ClusterOptions::default(),
            &env(Some(String::new()), Some(home.path()), true),
        )
        .unwrap()
        .unwrap();
        assert_eq!(files, [want]);
    }

    #[tokio::test]
    async fn context_must_exist_and_a_current_context_is_needed() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("k");
        std::fs::write(&f, ONE.replace("current-context: a\n", "")).unwrap();
        let opts = |context: Option<&str>| ClusterOptions {
            kubeconfig: Some(f.clone()),
            context: context.map(str::to_string),
        };
        let e = Cluster::connect(&opts(None)).await.unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "kubeconfig {} sets no current-context; pass --context (it has: a)",
                f.display()
            )
        );
        let c = Cluster::connect(&opts(Some("a"))).await.unwrap();
        assert_eq!(c.server(), "https://a.example:6443");
        assert_eq!(
            c.source().to_string(),
            format!("kubeconfig {}, context a", f.display())
        );
        assert!(!format!("{c:?}").contains("token"), "{c:?}");
    }
}
