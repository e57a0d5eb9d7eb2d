//! Fake apiservers that restart when their node's manifest changes, as a kubelet restarts a
//! static pod (issue 16): [`super::fake_apiserver::FakeCluster::watch_manifest`] ties one fake
//! apiserver to a kube-apiserver manifest in a node tree. From then on:
//!
//! - its keys, signing key and issuer are the manifest's (`--service-account-key-file`, every
//!   key of every file; `--service-account-signing-key-file`; the first
//!   `--service-account-issuer`), read from the node tree as kube-apiserver reads them at start;
//! - when the manifest's bytes change, it goes down for the restart time (every connection is
//!   closed at once, as while nothing listens), then comes back with what the manifest says *then*;
//!   a manifest it cannot start from (a key file missing) keeps it down, as a crash loop does;
//! - `GET /readyz` answers `ok` whenever it accepts connections.
//!
//! The kubelet notices a manifest change within its file-check period (20 s by default); the
//! fake polls every 50 ms so tests stay fast, and the restart time is the test's choice.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sakr::keys::PublicKey;
use sakr::keys::secret::Secret;
use sakr::manifests::{Manifest, Role};
use sakr::token::Signer;

/// What a running apiserver serves and signs with.
#[derive(Clone)]
pub struct Live {
    pub keys: Vec<PublicKey>,
    pub signer: Arc<Signer>,
    pub issuer: String,
}

pub struct Watched {
    manifest: PathBuf,
    host_root: PathBuf,
    last: Vec<u8>,
    restart: Duration,
    down_until: Option<Instant>,
    pub live: Live,
    pub restarts: u32,
    /// When it came back from each restart, and the kid it signs with since.
    pub came_back: Vec<(std::time::SystemTime, String)>,
}

/// kube-apiserver's start, as far as keys go: the manifest's flags, the files they name under
/// the node's root (kubeadm mounts `/etc/kubernetes/pki` at the same path).
pub fn load(manifest: &Path, host_root: &Path) -> Result<(Vec<u8>, Live), String> {
    let bytes = std::fs::read(manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let m = Manifest::parse(&text, Role::ApiServer).map_err(|e| e.to_string())?;
    let on_node = |p: &str| host_root.join(p.trim_start_matches('/'));
    let mut keys = Vec::new();
    for f in m.key_files() {
        let raw = std::fs::read(on_node(f)).map_err(|e| format!("{f}: {e}"))?;
        let file = sakr::keys::parse_pem_file(&raw).map_err(|e| format!("{f}: {e}"))?;
        keys.extend(file.blocks.into_iter().map(|b| b.key));
    }
    let signing = m
        .signing_key_file()
        .ok_or("no --service-account-signing-key-file")?;
    let pem = std::fs::read(on_node(signing)).map_err(|e| format!("{signing}: {e}"))?;
    let signer = Signer::from_pem(&Secret::new(pem)).map_err(|e| format!("{signing}: {e}"))?;
    let issuer = m
        .issuers()
        .first()
        .map(|s| s.to_string())
        .ok_or("no --service-account-issuer")?;
    Ok((
        bytes,
        Live {
            keys,
            signer: Arc::new(signer),
            issuer,
        },
    ))
}

impl Watched {
    pub fn new(manifest: &Path, host_root: &Path, restart: Duration) -> Watched {
        let (last, live) = load(manifest, host_root).expect("the watched manifest starts");
        Watched {
            manifest: manifest.to_path_buf(),
            host_root: host_root.to_path_buf(),
            last,
            restart,
            down_until: None,
            live,
            restarts: 0,
            came_back: Vec::new(),
        }
    }

    /// Go down now for the restart time, as if the kubelet restarted it.
    pub fn restart_now(&mut self) {
        self.down_until = Some(Instant::now() + self.restart);
    }

    pub fn is_down(&self) -> bool {
        self.down_until.is_some()
    }

    /// One kubelet check: a changed manifest takes the apiserver down; at the end of the
    /// restart time it comes back with the manifest as it is then (or stays down).
    pub fn tick(&mut self) {
        let now_bytes = std::fs::read(&self.manifest).unwrap_or_default();
        if now_bytes != self.last {
            self.last = now_bytes;
            self.down_until = Some(Instant::now() + self.restart);
            return;
        }
        if let Some(t) = self.down_until
            && Instant::now() >= t
        {
            match load(&self.manifest, &self.host_root) {
                Ok((_, live)) => {
                    self.came_back
                        .push((std::time::SystemTime::now(), live.signer.public_key().kid()));
                    self.live = live;
                    self.down_until = None;
                    self.restarts += 1;
                }
                // A crash loop: try again after another restart time.
                Err(_) => self.down_until = Some(Instant::now() + self.restart),
            }
        }
    }
}
