//! Storage layer of `sakr publish` (DESIGN §3 `sakr publish`, issue 4): where the JWKS and the
//! OIDC discovery document of §2.3/§2.4 are uploaded so that relying parties outside the cluster
//! can verify ServiceAccount tokens.
//!
//! This module owns:
//! - [`Target`]: the `--to` URL (`s3://`, `azblob://`, `https://ACCOUNT.blob.core.windows.net/`,
//!   `file:///`), validated before any network call;
//! - [`ObjectStore`]: one small async trait with conditional writes, and one file per backend
//!   ([`s3`], [`azure`], [`file`]);
//! - [`publish()`]: the safe sequence — read what is published, diff the kids, refuse removals,
//!   write JWKS then discovery with If-Match / If-None-Match, read each back.
//!
//! It deliberately knows nothing about keys or the full JWK model (`src/jwks` owns those): the
//! only thing it parses is `{"keys":[{"kid":..}]}` and the `issuer`/`jwks_uri` of the discovery
//! document. Credentials come from each cloud's standard chain or environment and never appear in
//! any `Display` or `Debug` output of this module ([`redact`]).
//!
//! Every read of a published object is capped at [`MAX_OBJECT_BYTES`] on every backend (issue
//! 13.6): a JWKS is a few KiB, and a planted 2 GB file or 300 MB blob must not be read whole.

pub mod azure;
pub mod file;
pub mod orchestrate;
pub mod redact;
pub mod s3;
pub mod target;

use std::fmt;
use std::time::Duration;

use crate::text::printable;

use async_trait::async_trait;

pub use orchestrate::{
    Action, DEFAULT_CACHE_CONTROL, DISCOVERY_KEY, Event, KidDiff, ObjectReport, Plan, PlanError,
    PublishError, Report, kids_of, publish,
};
pub use target::{SasToken, Target, TargetError};

/// The most sakr reads of a published object: a JWKS of a hundred RSA-4096 keys is under 100 KiB,
/// so anything above this is not a document sakr published, and reading it whole would let
/// whoever planted it exhaust memory.
pub const MAX_OBJECT_BYTES: u64 = 1024 * 1024;

/// An entity tag as the backend returns it (S3 and Azure: quoted string; file: SHA-256 hex).
/// Opaque: it is only ever compared for equality or sent back in a precondition.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct Etag(pub String);

impl fmt::Display for Etag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An object read from the store, with the HTTP metadata relying parties will see.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    pub bytes: Vec<u8>,
    pub etag: Etag,
    /// `None` when the backend cannot store it (the file backend: the web server sets it).
    pub content_type: Option<String>,
    /// `None` when the backend cannot store it (the file backend: the web server sets it).
    pub cache_control: Option<String>,
}

/// HTTP metadata sent with a write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    pub content_type: String,
    pub cache_control: String,
}

/// The condition a write is made under, so two concurrent publishers cannot silently overwrite
/// each other: the object must still be the one that was read, or must still not exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// `If-Match: <etag>`: the object is unchanged since it was read.
    IfMatch(Etag),
    /// `If-None-Match: *`: the object does not exist yet.
    IfNoneMatch,
}

/// What went wrong talking to a store. Every variant names the object or container URL (without
/// any credential) so the command layer can print it as is.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The precondition did not hold: someone else wrote the object since it was read.
    #[error(
        "{url}: the object changed since it was read (precondition failed): another publisher wrote it concurrently"
    )]
    PreconditionFailed { url: String },
    /// The bucket, container or directory itself does not exist (a missing object is `Ok(None)`).
    #[error("{url}: not found: {detail}")]
    NotFound { url: String, detail: String },
    /// No usable credential, or the credential was refused.
    #[error("{url}: {detail}")]
    Auth { url: String, detail: String },
    /// A retryable failure (5xx, throttling, reset connection) that persisted through every retry.
    #[error("{url}: still failing after {attempts} attempts: {detail}")]
    Transient {
        url: String,
        attempts: u32,
        detail: String,
    },
    /// Nothing listens there (connection refused, no route, DNS failure).
    #[error("{url}: cannot connect: {detail}")]
    Unreachable { url: String, detail: String },
    /// The total `--timeout` ran out.
    #[error("{url}: timed out (total timeout of {}s)", .after.as_secs_f64())]
    Timeout { url: String, after: Duration },
    /// The published object is larger than [`MAX_OBJECT_BYTES`]; it was not read whole.
    #[error(
        "{url}: the published object is larger than {max} bytes, more than any JWKS or discovery \
         document; refusing to read it (replace or remove it, then publish again)"
    )]
    TooLarge { url: String, max: u64 },
    /// A local I/O error (file backend).
    #[error("{url}: {detail}")]
    Io { url: String, detail: String },
    #[error("{url}: {detail}")]
    Other { url: String, detail: String },
}

impl StoreError {
    /// The URL the error is about (no credentials in it).
    pub fn url(&self) -> &str {
        match self {
            StoreError::PreconditionFailed { url }
            | StoreError::NotFound { url, .. }
            | StoreError::Auth { url, .. }
            | StoreError::Transient { url, .. }
            | StoreError::Unreachable { url, .. }
            | StoreError::Timeout { url, .. }
            | StoreError::TooLarge { url, .. }
            | StoreError::Io { url, .. }
            | StoreError::Other { url, .. } => url,
        }
    }
}

/// A place objects are published to. Keys are `/`-separated paths relative to the target's
/// prefix (`openid/v1/jwks`); implementations add the prefix.
#[async_trait]
pub trait ObjectStore: Send + Sync + fmt::Debug {
    /// The public, credential-free URL of `key`, for messages.
    fn url(&self, key: &str) -> String;

    /// Reads `key`; `Ok(None)` when it does not exist.
    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError>;

    /// Writes `bytes` to `key` if `precondition` holds; returns the new ETag.
    async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &Metadata,
        precondition: &Precondition,
    ) -> Result<Etag, StoreError>;
}

/// Retry policy handed to the SDKs' own retry machinery (AWS `RetryConfig`, azure_core
/// `RetryOptions`). Bounded so that a down server fails in seconds, not minutes.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Total attempts per request, including the first.
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 4,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

/// How to reach a target.
#[derive(Clone, Debug, Default)]
pub struct StoreOptions {
    /// `--endpoint`: an S3-compatible endpoint (path-style addressing is then used), or the
    /// Azure blob service URL (Azurite: `http://127.0.0.1:10000/devstoreaccount1`). Checked by
    /// [`parse_endpoint`]: it never carries a credential.
    pub endpoint: Option<url::Url>,
    pub retry: RetryPolicy,
    /// How long the file backend waits for another publisher's lock on the target directory
    /// (`--timeout`). `None`: bounded only by the publish deadline, which cancels the wait.
    pub lock_wait: Option<Duration>,
}

/// Why an `--endpoint` was refused. The URL in messages has any user, password and query
/// replaced by `REDACTED` ([`redact::url_for_display`]).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EndpointError {
    #[error("--endpoint {url}: not a URL: {reason}")]
    NotAUrl { url: String, reason: String },
    #[error("--endpoint {url}: expected an http or https URL")]
    Scheme { url: String },
    #[error(
        "--endpoint {url}: a user, password or query (a SAS) is not allowed in the endpoint: \
         credentials come from the environment (AWS chain, AZURE_STORAGE_SAS_TOKEN), never from \
         flags that land in shell history"
    )]
    Credential { url: String },
}

/// Parses `--endpoint`, refusing any credential in it (DESIGN §3: never from flags) without ever
/// echoing one.
pub fn parse_endpoint(input: &str) -> Result<url::Url, EndpointError> {
    let shown = printable(&redact::url_for_display(input.trim())).into_owned();
    let url = url::Url::parse(input.trim()).map_err(|e| EndpointError::NotAUrl {
        url: shown.clone(),
        reason: e.to_string(),
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(EndpointError::Scheme { url: shown });
    }
    if !url.username().is_empty()
        || url.password().is_some()
        || url.query().is_some()
        || url.fragment().is_some()
    {
        return Err(EndpointError::Credential { url: shown });
    }
    Ok(url)
}

/// Opens the store for `target`. Resolves credentials (S3: the AWS default chain; Azure: SAS or
/// Entra ID, see [`azure`]) but sends no request to the store itself.
pub async fn open(
    target: &Target,
    options: &StoreOptions,
) -> Result<Box<dyn ObjectStore>, StoreError> {
    match target {
        Target::S3 { .. } => Ok(Box::new(s3::S3Store::open(target, options).await?)),
        Target::Azure { .. } => Ok(Box::new(azure::AzureStore::open(
            target,
            options,
            &|name| std::env::var(name).ok(),
        )?)),
        Target::File { dir } => Ok(Box::new(
            file::FileStore::new(dir.clone()).with_lock_wait(options.lock_wait),
        )),
    }
}

/// Joins a target prefix and a key with exactly one `/` between non-empty parts.
pub(crate) fn join_key(prefix: &str, key: &str) -> String {
    match (prefix.is_empty(), key.is_empty()) {
        (true, _) => key.to_owned(),
        (_, true) => prefix.to_owned(),
        _ => format!("{prefix}/{key}"),
    }
}

/// Keys come from our own constants or from the `jwks_uri` path: still, refuse anything that
/// could escape the prefix (`..`) or that object stores and file systems treat differently.
pub(crate) fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() || key.starts_with('/') || key.ends_with('/') {
        return Err(format!("object key {key:?} must be a relative path"));
    }
    for segment in key.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return Err(format!(
                "object key {key:?} has an empty, `.` or `..` segment"
            ));
        }
    }
    if key.contains(['\\', '\0', '?', '#']) {
        return Err(format!(
            "object key {key:?} has a character not allowed in a path"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_and_check_keys() {
        assert_eq!(join_key("", "openid/v1/jwks"), "openid/v1/jwks");
        assert_eq!(join_key("a/b", "openid/v1/jwks"), "a/b/openid/v1/jwks");
        assert!(check_key("openid/v1/jwks").is_ok());
        assert!(check_key(".well-known/openid-configuration").is_ok());
        for bad in ["", "/x", "x/", "a//b", "a/../b", "..", "a/./b", "a?b"] {
            assert!(check_key(bad).is_err(), "{bad}");
        }
    }
}
