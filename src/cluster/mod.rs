//! The kube client adapter (DESIGN §4 `src/cluster/`, issue 5): a thin layer over the `kube`
//! crate for the few Kubernetes API calls `sakr verify`, `sakr drift` and `rotate` make —
//! TokenRequest, exec into a pod to read its projected token, and raw GETs of
//! `/openid/v1/jwks` and `/.well-known/openid-configuration`, from the apiserver behind the
//! kubeconfig and from every apiserver endpoint separately.
//!
//! It owns client construction with kubectl's rules (`--kubeconfig`, `--context`, `KUBECONFIG`
//! as a merged path list, `~/.kube/config`, then in-cluster) and the errors, which name the
//! kubeconfig file or the URL they are about and never carry a token (tokens live in
//! [`Secret`](crate::keys::secret::Secret) from the moment their bytes arrive).
//!
//! Everything here is async on tokio; [`runtime`] gives the synchronous commands a runtime.
//! [`drift`] is the pure comparison; [`fetch_issuer_jwks`] reads what was published.

mod apiserver;
mod connect;
pub mod drift;
mod issuer;
pub mod legacy;
pub mod metrics;
pub mod node_pod;
pub mod nodes;
pub mod objects;
mod review;
mod token;

pub use apiserver::{ApiserverEndpoints, DiscoveryDoc, EndpointAddress, EndpointSource};
pub use connect::{Cluster, ClusterOptions, ConfigSource};
pub use drift::{DriftInput, DriftReport, Finding, PlaceKids, every_apiserver_trusts};
pub use issuer::{IssuerJwks, fetch_issuer_jwks};
pub use review::Review;
pub use token::{
    DEFAULT_TOKEN_PATH, IssuedToken, MAX_TOKEN_DURATION, MIN_TOKEN_DURATION, check_token_duration,
};
pub(crate) use token::{check_label, check_subdomain};

/// Why a cluster call failed. Each variant names the file or URL; the underlying cause is the
/// error's `source()` (print with `{:#}` through anyhow, or [`error_chain`]).
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig {place}")]
    Kubeconfig {
        place: String,
        #[source]
        source: kube::config::KubeconfigError,
    },
    #[error("kubeconfig {place}")]
    KubeconfigRead {
        place: String,
        #[source]
        source: std::io::Error,
    },
    #[error("context {context:?} is not in kubeconfig {place} (it has: {available})")]
    UnknownContext {
        context: String,
        place: String,
        available: String,
    },
    #[error("kubeconfig {place} sets no current-context; pass --context (it has: {available})")]
    NoCurrentContext { place: String, available: String },
    #[error(
        "no kubeconfig: {place} does not exist, KUBECONFIG is unset, and this is not a pod (KUBERNETES_SERVICE_HOST is unset); pass --kubeconfig"
    )]
    NoKubeconfig { place: String },
    #[error("KUBECONFIG={value:?} lists no file that exists")]
    KubeconfigEnvEmpty { value: String },
    #[error("in-cluster config (service account of this pod)")]
    InCluster(#[source] kube::config::InClusterError),
    #[error("cannot build a Kubernetes client for {server}")]
    Client {
        server: String,
        #[source]
        source: kube::Error,
    },
    /// A request kube-apiserver answered with an error, or that did not reach it.
    #[error("{method} {url}")]
    Request {
        method: &'static str,
        url: String,
        #[source]
        source: kube::Error,
    },
    /// kube-apiserver's `Status` answer to a request.
    #[error("{method} {url}: HTTP {code} {reason}: {message}")]
    Api {
        method: &'static str,
        url: String,
        code: u16,
        reason: String,
        message: String,
    },
    #[error("{method} {url}: {reason}")]
    BadResponse {
        method: &'static str,
        url: String,
        reason: String,
    },
    #[error("{method} {url}: no answer within {secs} s")]
    Timeout {
        method: &'static str,
        url: String,
        secs: u64,
    },
    #[error(
        "token duration {secs} s is under 10 minutes; kube-apiserver refuses TokenRequests shorter than 600 s"
    )]
    DurationTooShort { secs: u64 },
    #[error(
        "token duration {secs} s is over 2^32 s (about 136 years); kube-apiserver refuses longer TokenRequests"
    )]
    DurationTooLong { secs: u64 },
    #[error("{what} {value:?} is not a valid Kubernetes name: {reason}")]
    InvalidName {
        what: &'static str,
        value: String,
        reason: &'static str,
    },
    #[error("token path {0:?} must be an absolute path")]
    InvalidPath(String),
    #[error("exec `cat {path}` in pod {pod} via {server}: {reason}")]
    Exec {
        /// `namespace/name`, then ` (container c)` when one was named.
        pod: String,
        path: String,
        server: String,
        reason: String,
    },
    #[error("GET {url}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("{url}: {reason}")]
    Issuer { url: String, reason: String },
    #[error("CA file {path}: {reason}")]
    CaFile { path: String, reason: String },
    #[error("starting the async runtime")]
    Runtime(#[source] std::io::Error),
}

/// An error and its causes on one line, `: `-separated, skipping a cause whose text the
/// previous one already contains (kube and hyper often repeat themselves). For tables that hold
/// an error as text, e.g. [`PlaceKids`].
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut cur = err.source();
    while let Some(e) = cur {
        let s = e.to_string();
        if !out.contains(&s) {
            out.push_str(": ");
            out.push_str(&s);
        }
        cur = e.source();
    }
    out
}

/// A kube error as a `ClusterError` naming the request: an apiserver `Status` becomes
/// [`ClusterError::Api`] (kube's own Display repeats the whole Status in Debug form).
pub(crate) fn from_kube(method: &'static str, url: &str, e: kube::Error) -> ClusterError {
    match e {
        kube::Error::Api(s) => ClusterError::Api {
            method,
            url: url.to_string(),
            code: s.code,
            reason: s.reason,
            message: s.message,
        },
        source => ClusterError::Request {
            method,
            url: url.to_string(),
            source,
        },
    }
}

/// A kube error as one line: `HTTP code reason: message` for an apiserver `Status`.
pub(crate) fn kube_text(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("HTTP {} {}: {}", s.code, s.reason, s.message),
        e => error_chain(e),
    }
}

/// One kube call bounded by [`connect::READ_TIMEOUT`], its error naming the request.
pub(crate) async fn bounded<T>(
    method: &'static str,
    url: &str,
    fut: impl std::future::Future<Output = Result<T, kube::Error>>,
) -> Result<T, ClusterError> {
    tokio::time::timeout(connect::READ_TIMEOUT, fut)
        .await
        .map_err(|_| ClusterError::Timeout {
            method,
            url: url.to_string(),
            secs: connect::READ_TIMEOUT.as_secs(),
        })?
        .map_err(|e| from_kube(method, url, e))
}

/// A single-threaded tokio runtime for the synchronous command layer: `cluster::runtime()?
/// .block_on(cluster.request_token(..))`. kube's exec spawns its message loop on it.
pub fn runtime() -> Result<tokio::runtime::Runtime, ClusterError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ClusterError::Runtime)
}

impl ClusterError {
    /// The apiserver is not answering as a running one does — the connection failed or timed
    /// out, or it said it is unavailable (5xx, 429), or not ready — as while the kubelet
    /// restarts it; not a configuration error (kubeconfig, credentials, RBAC, a bad request).
    pub fn is_unavailable(&self) -> bool {
        match self {
            ClusterError::Request { .. } | ClusterError::Timeout { .. } => true,
            ClusterError::Api { code, .. } => *code == 429 || (500..=504).contains(code),
            ClusterError::BadResponse { reason, .. } => reason.starts_with("not ready"),
            _ => false,
        }
    }

    /// The HTTP status the apiserver answered with, when it answered with one.
    pub fn status_code(&self) -> Option<u16> {
        match self {
            ClusterError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Whatever the variant, this error as one line with its causes.
    pub fn chain(&self) -> String {
        error_chain(self)
    }
}
