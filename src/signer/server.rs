//! `sakr signer serve` (issue 20, item 1): the `ExternalJWTSigner` gRPC service, `v1` and
//! `v1alpha1` on one Unix socket, as kube-apiserver's `--service-account-signing-endpoint`
//! dials it.
//!
//! - `Sign`: [`KeySet::sign`] with the active key; claims that are not a JSON object are
//!   `INVALID_ARGUMENT`.
//! - `FetchKeys`: every key, PKIX DER, its kid, `exclude_from_oidc_discovery`, the time the set
//!   last changed, and the refresh hint.
//! - `Metadata`: `max_token_expiration_seconds` of the config.
//!
//! The set is swapped whole on SIGHUP and when the config file changes (checked every two
//! seconds): a config that does not load keeps the running set and says why on stderr, so the
//! active key is never one missing from `FetchKeys`. The socket is created 0600 in a directory
//! only its owner can write (created 0700 when missing); one in a directory others can write is
//! refused (another user could replace it).

use std::os::unix::fs::DirBuilderExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use tonic::{Request, Response, Status};

use super::keyset::{KeySet, SignError};
use super::proto::{v1, v1alpha1};

/// What every request reads: the current set, swapped whole on reload.
pub struct Shared {
    set: RwLock<Arc<KeySet>>,
    refresh_hint_seconds: i64,
}

impl Shared {
    pub fn new(set: KeySet, refresh_hint_seconds: i64) -> Arc<Shared> {
        Arc::new(Shared {
            set: RwLock::new(Arc::new(set)),
            refresh_hint_seconds,
        })
    }

    pub fn current(&self) -> Arc<KeySet> {
        self.set.read().expect("the key set lock").clone()
    }

    /// Replace the set; a set with the same keys and flags keeps its change time.
    pub fn replace(&self, mut set: KeySet) {
        let mut cur = self.set.write().expect("the key set lock");
        if cur.same_as(&set) {
            set.changed_at = cur.changed_at;
        }
        *cur = Arc::new(set);
    }
}

fn timestamp(t: jiff::Timestamp) -> prost_types::Timestamp {
    prost_types::Timestamp {
        seconds: t.as_second(),
        nanos: t.subsec_nanosecond(),
    }
}

/// One implementation per API version: the messages are the same, in two packages.
macro_rules! service {
    ($name:ident, $m:ident) => {
        pub struct $name(pub Arc<Shared>);

        #[tonic::async_trait]
        impl $m::external_jwt_signer_server::ExternalJwtSigner for $name {
            async fn sign(
                &self,
                req: Request<$m::SignJwtRequest>,
            ) -> Result<Response<$m::SignJwtResponse>, Status> {
                let set = self.0.current();
                let claims = req.into_inner().claims;
                // The runtime is single-threaded (`cluster::runtime`): a key on a token or in
                // KMS signs on tokio's blocking pool, so that a slow HSM or a KMS round trip
                // holds up neither FetchKeys nor the other Sign calls. File keys sign in place
                // (well under a millisecond; a thread hand-off would cost more than it saves).
                let signed = if set.sign_blocks() {
                    tokio::task::spawn_blocking(move || set.sign(&claims))
                        .await
                        .map_err(|e| Status::internal(format!("the signing task failed: {e}")))?
                } else {
                    set.sign(&claims)
                };
                match signed {
                    Ok((header, signature)) => {
                        Ok(Response::new($m::SignJwtResponse { header, signature }))
                    }
                    Err(e @ SignError::Claims(_)) => Err(Status::invalid_argument(e.to_string())),
                    Err(e) => Err(Status::internal(e.to_string())),
                }
            }

            async fn fetch_keys(
                &self,
                _req: Request<$m::FetchKeysRequest>,
            ) -> Result<Response<$m::FetchKeysResponse>, Status> {
                let set = self.0.current();
                Ok(Response::new($m::FetchKeysResponse {
                    keys: set
                        .keys
                        .iter()
                        .map(|k| $m::Key {
                            key_id: k.kid.clone(),
                            key: k.public.spki_der(),
                            exclude_from_oidc_discovery: k.excluded,
                        })
                        .collect(),
                    data_timestamp: Some(timestamp(set.changed_at)),
                    refresh_hint_seconds: self.0.refresh_hint_seconds,
                }))
            }

            async fn metadata(
                &self,
                _req: Request<$m::MetadataRequest>,
            ) -> Result<Response<$m::MetadataResponse>, Status> {
                Ok(Response::new($m::MetadataResponse {
                    max_token_expiration_seconds: self.0.current().max_token_expiration_seconds,
                }))
            }
        }
    };
}

service!(V1, v1);
service!(V1Alpha1, v1alpha1);

/// Why the signer cannot start (bad input: exit 2).
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("--socket {}: {reason}", path.display())]
    Socket { path: PathBuf, reason: String },
}

/// Prepare the socket's directory and remove a stale socket; refuse a directory others can
/// write or a path that is something else than a socket.
pub fn prepare_socket(path: &Path) -> Result<(), ServeError> {
    use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _, PermissionsExt as _};
    let bad = |reason: String| ServeError::Socket {
        path: path.to_path_buf(),
        reason,
    };
    if !path.is_absolute() {
        return Err(bad("not an absolute path".into()));
    }
    let dir = path.parent().ok_or_else(|| bad("no directory".into()))?;
    match std::fs::symlink_metadata(dir) {
        Ok(meta) => {
            if !meta.is_dir() {
                return Err(bad(format!("{} is not a directory", dir.display())));
            }
            if meta.permissions().mode() & 0o022 != 0 {
                return Err(bad(format!(
                    "its directory {} is writable by others (mode {:o}): another user could replace the socket kube-apiserver dials; use a directory only its owner can write (e.g. /run/sakr-signer, 0700)",
                    dir.display(),
                    meta.permissions().mode() & 0o7777
                )));
            }
            // Owned by this user (root on a node): nobody else can swap the socket.
            let uid = own_uid();
            if meta.uid() != uid {
                return Err(bad(format!(
                    "its directory {} belongs to uid {}, not to this user ({uid})",
                    dir.display(),
                    meta.uid()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(dir)
                .map_err(|e| bad(format!("creating {}: {e}", dir.display())))?;
        }
        Err(e) => return Err(bad(format!("{}: {e}", dir.display()))),
    }
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_socket() => {
            std::fs::remove_file(path).map_err(|e| bad(format!("removing the stale socket: {e}")))
        }
        Ok(_) => Err(bad("exists and is not a socket".into())),
        Err(_) => Ok(()),
    }
}

/// This process's uid: the owner of `/proc/self` (no libc call needed).
fn own_uid() -> u32 {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0)
}

/// Serve until SIGTERM or SIGINT.
pub async fn serve(
    config: PathBuf,
    socket: PathBuf,
    shared: Arc<Shared>,
    log: impl Fn(&str) + Send + Sync + 'static,
) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt as _;
    let listener = tokio::net::UnixListener::bind(&socket)
        .map_err(|e| anyhow::anyhow!("--socket {}: {e}", socket.display()))?;
    std::fs::set_permissions(&socket, std::fs::Permissions::from_mode(0o600))?;
    let log = Arc::new(log);
    // Reload: SIGHUP, or the config file changing (size or modification time).
    {
        let shared = shared.clone();
        let log = log.clone();
        let config = config.clone();
        tokio::spawn(async move {
            let mut hup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())
                .expect("a SIGHUP handler");
            let stamp = |p: &Path| {
                std::fs::metadata(p)
                    .ok()
                    .map(|m| (m.len(), m.modified().ok()))
            };
            let mut seen = stamp(&config);
            let mut tick = tokio::time::interval(Duration::from_secs(2));
            loop {
                let why = tokio::select! {
                    _ = hup.recv() => "SIGHUP",
                    _ = tick.tick() => {
                        let now = stamp(&config);
                        if now == seen { continue; }
                        seen = now;
                        "the config file changed"
                    }
                };
                // Off the runtime thread: opening a pkcs11 or awskms key talks to the token
                // or to KMS (each call bounded), and Sign must go on meanwhile.
                let load = {
                    let config = config.clone();
                    tokio::task::spawn_blocking(move || KeySet::load(&config)).await
                };
                let Ok(load) = load else {
                    log(&format!(
                        "reload ({why}) failed, the running key set stays: the loader panicked"
                    ));
                    continue;
                };
                match load {
                    Ok(set) => {
                        let active = set.active().kid.clone();
                        let n = set.keys.len();
                        shared.replace(set);
                        log(&format!(
                            "reloaded ({why}): {n} key(s), active kid {active}"
                        ));
                    }
                    Err(e) => log(&format!(
                        "reload ({why}) failed, the running key set stays: {e}"
                    )),
                }
            }
        });
    }
    let incoming = tokio_stream::wrappers::UnixListenerStream::new(listener);
    let shutdown = async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("a SIGTERM handler");
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    tonic::transport::Server::builder()
        .add_service(
            v1::external_jwt_signer_server::ExternalJwtSignerServer::new(V1(shared.clone())),
        )
        .add_service(
            v1alpha1::external_jwt_signer_server::ExternalJwtSignerServer::new(V1Alpha1(
                shared.clone(),
            )),
        )
        .serve_with_incoming_shutdown(incoming, shutdown)
        .await?;
    let _ = std::fs::remove_file(&socket);
    Ok(())
}
