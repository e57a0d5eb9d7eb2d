//! A client of an `ExternalJWTSigner` on a Unix socket, as kube-apiserver dials it: `FetchKeys`
//! for `jwks`, `drift` and `publish --from-signer` (any KEP-740 signer, not only sakr's), and
//! `Sign` for the tests that play kube-apiserver. `v1` first, `v1alpha1` when the signer does not
//! implement `v1` (Kubernetes 1.32 to 1.35 plugins). Every call is bounded in time, and answers
//! are bounded in size by tonic's message limit (4 MiB).

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::proto::{v1, v1alpha1};
use crate::keys::PublicKey;

/// A gRPC channel to the signer listening on `socket`.
pub async fn channel(socket: &Path) -> Result<tonic::transport::Channel, tonic::transport::Error> {
    let path = socket.to_path_buf();
    // The URI is required by the API and ignored by the connector: every connection is the
    // socket.
    tonic::transport::Endpoint::from_static("http://localhost")
        .connect_with_connector(tower::service_fn(move |_| {
            let path = path.clone();
            async move {
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(
                    tokio::net::UnixStream::connect(path).await?,
                ))
            }
        }))
        .await
}

/// Why a call to the signer failed; every message names the socket.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("signer at unix://{}: cannot connect: {reason}", socket.display())]
    Connect { socket: PathBuf, reason: String },
    #[error("signer at unix://{}: {call}: {reason}", socket.display())]
    Call {
        socket: PathBuf,
        call: &'static str,
        reason: String,
    },
    #[error("signer at unix://{}: {call} did not answer within {}s", socket.display(), timeout.as_secs())]
    Timeout {
        socket: PathBuf,
        call: &'static str,
        timeout: Duration,
    },
}

/// One key of a `FetchKeys` answer.
#[derive(Debug, Clone)]
pub struct FetchedKey {
    /// The kid as the signer gives it (what its tokens carry).
    pub kid: String,
    pub key: PublicKey,
    pub excluded: bool,
}

/// A `FetchKeys` answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub keys: Vec<FetchedKey>,
    pub data_timestamp: Option<jiff::Timestamp>,
    pub refresh_hint_seconds: i64,
    /// `v1` or `v1alpha1`.
    pub api: &'static str,
}

impl Fetched {
    /// The keys a JWKS built from this answer lists (those not excluded from discovery).
    pub fn discoverable(&self) -> Vec<PublicKey> {
        self.keys
            .iter()
            .filter(|k| !k.excluded)
            .map(|k| k.key.clone())
            .collect()
    }
}

/// Parse `unix:///PATH` (or a plain absolute path) as `--from-signer` takes it.
pub fn socket_of(url: &str) -> Result<PathBuf, String> {
    let path = url.strip_prefix("unix://").unwrap_or(url);
    if !path.starts_with('/') {
        return Err(format!(
            "{url:?}: give the signer's socket as unix:///ABSOLUTE/PATH"
        ));
    }
    Ok(PathBuf::from(path))
}

/// One key of either API version's answer, before parsing.
struct RawKey {
    kid: String,
    der: Vec<u8>,
    excluded: bool,
}

fn convert(
    socket: &Path,
    api: &'static str,
    keys: impl Iterator<Item = RawKey>,
    ts: Option<prost_types::Timestamp>,
    hint: i64,
) -> Result<Fetched, ClientError> {
    let mut out = Vec::new();
    for RawKey { kid, der, excluded } in keys {
        let key = super::backend::public_from_spki(&der).map_err(|why| ClientError::Call {
            socket: socket.to_path_buf(),
            call: "FetchKeys",
            reason: format!("key {:?}: {why}", crate::text::printable(&kid)),
        })?;
        out.push(FetchedKey { kid, key, excluded });
    }
    Ok(Fetched {
        keys: out,
        data_timestamp: ts.and_then(|t| jiff::Timestamp::new(t.seconds, t.nanos).ok()),
        refresh_hint_seconds: hint,
        api,
    })
}

async fn bounded<T>(
    socket: &Path,
    call: &'static str,
    timeout: Duration,
    f: impl std::future::Future<Output = Result<T, ClientError>>,
) -> Result<T, ClientError> {
    tokio::time::timeout(timeout, f)
        .await
        .map_err(|_| ClientError::Timeout {
            socket: socket.to_path_buf(),
            call,
            timeout,
        })?
}

async fn connect(socket: &Path) -> Result<tonic::transport::Channel, ClientError> {
    channel(socket).await.map_err(|e| ClientError::Connect {
        socket: socket.to_path_buf(),
        reason: crate::cluster::error_chain(&e),
    })
}

fn call_error<'a>(
    socket: &'a Path,
    call: &'static str,
) -> impl Fn(tonic::Status) -> ClientError + 'a {
    move |s| ClientError::Call {
        socket: socket.to_path_buf(),
        call,
        // The signer is not trusted: its text reaches a terminal only made printable.
        reason: format!("{:?}: {}", s.code(), crate::text::printable(s.message())),
    }
}

/// `FetchKeys`, `v1` first.
pub async fn fetch_keys(socket: &Path, timeout: Duration) -> Result<Fetched, ClientError> {
    bounded(socket, "FetchKeys", timeout, async {
        let ch = connect(socket).await?;
        let call_err = call_error(socket, "FetchKeys");
        let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch.clone());
        match c.fetch_keys(v1::FetchKeysRequest {}).await {
            Ok(r) => {
                let r = r.into_inner();
                let keys = r.keys.into_iter().map(|k| RawKey {
                    kid: k.key_id,
                    der: k.key,
                    excluded: k.exclude_from_oidc_discovery,
                });
                convert(socket, "v1", keys, r.data_timestamp, r.refresh_hint_seconds)
            }
            Err(s) if s.code() == tonic::Code::Unimplemented => {
                let mut c = v1alpha1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
                let r = c
                    .fetch_keys(v1alpha1::FetchKeysRequest {})
                    .await
                    .map_err(call_err)?
                    .into_inner();
                let keys = r.keys.into_iter().map(|k| RawKey {
                    kid: k.key_id,
                    der: k.key,
                    excluded: k.exclude_from_oidc_discovery,
                });
                let hint = r.refresh_hint_seconds;
                convert(socket, "v1alpha1", keys, r.data_timestamp, hint)
            }
            Err(s) => Err(call_err(s)),
        }
    })
    .await
}

/// `Sign` of `claims`, assembled into a JWT (`header.claims.signature`), `v1` first.
pub async fn sign(
    socket: &Path,
    claims: &serde_json::Value,
    timeout: Duration,
) -> Result<String, ClientError> {
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    bounded(socket, "Sign", timeout, async {
        let ch = connect(socket).await?;
        let call_err = call_error(socket, "Sign");
        let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch.clone());
        let (header, signature) = match c
            .sign(v1::SignJwtRequest {
                claims: payload.clone(),
            })
            .await
        {
            Ok(r) => {
                let r = r.into_inner();
                (r.header, r.signature)
            }
            Err(s) if s.code() == tonic::Code::Unimplemented => {
                let mut c = v1alpha1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
                let r = c
                    .sign(v1alpha1::SignJwtRequest {
                        claims: payload.clone(),
                    })
                    .await
                    .map_err(call_err)?
                    .into_inner();
                (r.header, r.signature)
            }
            Err(s) => return Err(call_err(s)),
        };
        Ok(format!("{header}.{payload}.{signature}"))
    })
    .await
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime builds")
}

/// [`fetch_keys`] from synchronous code (not from inside a runtime).
pub fn fetch_keys_blocking(socket: &Path, timeout: Duration) -> Result<Fetched, ClientError> {
    runtime().block_on(fetch_keys(socket, timeout))
}

/// [`sign`] from synchronous code (not from inside a runtime).
pub fn sign_blocking(
    socket: &Path,
    claims: &serde_json::Value,
    timeout: Duration,
) -> Result<String, ClientError> {
    runtime().block_on(sign(socket, claims, timeout))
}
