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
//!
//! A manifest with `--service-account-signing-endpoint` (KEP-740) makes the fake an apiserver
//! with an external signer, as kube-apiserver is one: at start and then every refresh hint the
//! signer gives, it calls `FetchKeys` on the socket (under the node's root) and verifies with
//! every key, publishing in `/openid/v1/jwks` those not excluded from discovery; every token it
//! issues is `Sign`ed by the signer. A signer that does not answer at start is a crash loop.

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
    /// What `/openid/v1/jwks` lists.
    pub keys: Vec<PublicKey>,
    /// What it verifies with (with an external signer, also the keys excluded from discovery).
    pub verify_keys: Vec<PublicKey>,
    pub signer: LiveSigner,
    pub issuer: String,
}

/// How a running apiserver signs.
#[derive(Clone)]
pub enum LiveSigner {
    Key(Arc<Signer>),
    /// `--service-account-signing-endpoint`: the socket's host path, and when to call
    /// `FetchKeys` again.
    External {
        socket: PathBuf,
        refresh_at: Instant,
    },
}

impl Live {
    /// A signed JWT for `claims`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, String> {
        match &self.signer {
            LiveSigner::Key(s) => s.sign(claims).map_err(|e| e.to_string()),
            LiveSigner::External { socket, .. } => external_sign(socket, claims),
        }
    }

    /// The kid its tokens carry now.
    pub fn signing_kid(&self) -> String {
        match &self.signer {
            LiveSigner::Key(s) => s.public_key().kid(),
            LiveSigner::External { .. } => {
                let token = self
                    .sign(&serde_json::json!({"sub": "probe"}))
                    .unwrap_or_default();
                sakr::token::decode(&token)
                    .ok()
                    .and_then(|d| d.kid().map(str::to_string))
                    .unwrap_or_default()
            }
        }
    }
}

/// Run a gRPC call to the signer on its own thread and runtime: the fake's own tasks run on a
/// runtime already.
fn on_signer_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    std::thread::spawn(f)
        .join()
        .map_err(|_| "signer call panicked".to_string())?
}

/// `FetchKeys` as kube-apiserver calls it: (all keys, those not excluded, refresh hint).
fn external_keys(socket: &Path) -> Result<(Vec<PublicKey>, Vec<PublicKey>, u64), String> {
    let socket = socket.to_path_buf();
    on_signer_thread(move || {
        let f = sakr::signer::client::fetch_keys_blocking(&socket, Duration::from_secs(5))
            .map_err(|e| e.to_string())?;
        let all = f.keys.iter().map(|k| k.key.clone()).collect();
        let shown = f
            .keys
            .iter()
            .filter(|k| !k.excluded)
            .map(|k| k.key.clone())
            .collect();
        Ok((all, shown, f.refresh_hint_seconds.max(1) as u64))
    })
}

fn external_sign(socket: &Path, claims: &serde_json::Value) -> Result<String, String> {
    let socket = socket.to_path_buf();
    let claims = claims.clone();
    on_signer_thread(move || {
        sakr::signer::client::sign_blocking(&socket, &claims, Duration::from_secs(5))
            .map_err(|e| e.to_string())
    })
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
    let issuer = m
        .issuers()
        .first()
        .map(|s| s.to_string())
        .ok_or("no --service-account-issuer")?;
    if let Some(ep) = m.signing_endpoint() {
        let socket = on_node(ep.trim_start_matches("unix://"));
        let (verify_keys, keys, hint) = external_keys(&socket)?;
        return Ok((
            bytes,
            Live {
                keys,
                verify_keys,
                signer: LiveSigner::External {
                    socket,
                    refresh_at: Instant::now() + Duration::from_secs(hint),
                },
                issuer,
            },
        ));
    }
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
    Ok((
        bytes,
        Live {
            verify_keys: keys.clone(),
            keys,
            signer: LiveSigner::Key(Arc::new(signer)),
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
        // An external signer's keys, refreshed at its hint (a signer that does not answer
        // keeps the keys kube-apiserver had).
        if let (LiveSigner::External { socket, refresh_at }, None) =
            (&mut self.live.signer, self.down_until)
            && Instant::now() >= *refresh_at
        {
            match external_keys(socket) {
                Ok((all, shown, hint)) => {
                    self.live.verify_keys = all;
                    self.live.keys = shown;
                    *refresh_at = Instant::now() + Duration::from_secs(hint);
                }
                Err(_) => *refresh_at = Instant::now() + Duration::from_secs(1),
            }
        }
        if let Some(t) = self.down_until
            && Instant::now() >= t
        {
            match load(&self.manifest, &self.host_root) {
                Ok((_, live)) => {
                    self.came_back
                        .push((std::time::SystemTime::now(), live.signing_kid()));
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
