//! The publish sequence of DESIGN §3 `sakr publish` / issue 4, on any [`ObjectStore`]:
//!
//! 1. read the published JWKS and discovery document (both, before writing anything);
//! 2. diff the kids (added / kept / removed) and refuse to drop a published kid without
//!    `allow_removal`: a relying party would start rejecting tokens still signed with it;
//! 3. unless `dry_run`, write the JWKS first — a discovery document must never point at a JWKS
//!    that lacks the new kid — then the discovery document, each conditional on the ETag read
//!    (If-Match) or on absence (If-None-Match), so a concurrent publisher is detected, not
//!    overwritten;
//! 4. read each object back and compare bytes (and Content-Type / Cache-Control where the
//!    backend stores them).
//!
//! An object already holding the wanted bytes is left alone, which makes a re-run after a
//! partial failure finish the job. The whole sequence runs under one deadline (`timeout`).

use std::collections::HashSet;
use std::time::Duration;

use serde::Serialize;
use tokio::time::Instant;

use super::{Etag, Metadata, Object, ObjectStore, Precondition, StoreError, check_key};
use crate::text::printable;

/// Object key of the discovery document, relative to the issuer (OpenID Connect Discovery 1.0 §4).
pub const DISCOVERY_KEY: &str = ".well-known/openid-configuration";
/// Default `Cache-Control`: what kube-apiserver sends with its own `/openid/v1/jwks`.
pub const DEFAULT_CACHE_CONTROL: &str = "public, max-age=3600";
/// Both documents are JSON (RFC 7517 §8.5 registers `application/jwk-set+json`, but relying
/// parties and kube-apiserver itself use `application/json`).
pub const CONTENT_TYPE: &str = "application/json";
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// What to publish, and how carefully.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The exact bytes of the JWKS (§2.3), published as is.
    pub jwks: Vec<u8>,
    /// The exact bytes of the discovery document (§2.4), published as is.
    pub discovery: Vec<u8>,
    /// Key of the JWKS: the path of `jwks_uri` relative to the issuer (`openid/v1/jwks`).
    pub jwks_key: String,
    pub cache_control: String,
    /// Allow removing kids that are published now (the retire stage).
    pub allow_removal: bool,
    /// Read and diff only.
    pub dry_run: bool,
    /// Deadline for the whole sequence, retries included.
    pub timeout: Duration,
}

/// Why the documents cannot be published as given (exit 2; nothing was read or written).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanError {
    #[error("the JWKS is not a JSON Web Key Set with a `kid` on every key: {0}")]
    InvalidJwks(String),
    #[error("the discovery document is invalid: {0}")]
    InvalidDiscovery(String),
    #[error(
        "jwks_uri {jwks_uri} is not under the issuer {issuer}: sakr publishes the JWKS below the \
         issuer URL, where the discovery document is"
    )]
    JwksUriNotUnderIssuer { issuer: String, jwks_uri: String },
}

impl Plan {
    /// Validates both documents and takes the JWKS key from the discovery document's `jwks_uri`
    /// relative to its `issuer`. Defaults: `Cache-Control` [`DEFAULT_CACHE_CONTROL`], 120 s.
    pub fn new(jwks: Vec<u8>, discovery: Vec<u8>) -> Result<Plan, PlanError> {
        kids_of(&jwks).map_err(PlanError::InvalidJwks)?;
        let jwks_key = jwks_key_of(&discovery)?;
        Ok(Plan {
            jwks,
            discovery,
            jwks_key,
            cache_control: DEFAULT_CACHE_CONTROL.to_owned(),
            allow_removal: false,
            dry_run: false,
            timeout: DEFAULT_TIMEOUT,
        })
    }
}

/// The kids of a JWKS in document order. Parses only `{"keys":[{"kid":..}]}` — the full JWK
/// model belongs to `src/jwks`; this module needs nothing more for the diff.
pub fn kids_of(jwks: &[u8]) -> Result<Vec<String>, String> {
    #[derive(serde::Deserialize)]
    struct Jwks {
        keys: Vec<Key>,
    }
    #[derive(serde::Deserialize)]
    struct Key {
        kid: Option<String>,
    }
    let doc: Jwks = serde_json::from_slice(jwks).map_err(|e| e.to_string())?;
    doc.keys
        .into_iter()
        .enumerate()
        .map(|(i, k)| {
            k.kid
                .filter(|kid| !kid.is_empty())
                .ok_or_else(|| format!("keys[{i}] has no kid"))
        })
        .collect()
}

/// `jwks_uri` relative to `issuer`, e.g. `openid/v1/jwks`.
fn jwks_key_of(discovery: &[u8]) -> Result<String, PlanError> {
    #[derive(serde::Deserialize)]
    struct Discovery {
        issuer: String,
        jwks_uri: String,
    }
    let doc: Discovery = serde_json::from_slice(discovery)
        .map_err(|e| PlanError::InvalidDiscovery(e.to_string()))?;
    let not_under = || PlanError::JwksUriNotUnderIssuer {
        issuer: doc.issuer.clone(),
        jwks_uri: doc.jwks_uri.clone(),
    };
    let issuer = url::Url::parse(&doc.issuer)
        .map_err(|e| PlanError::InvalidDiscovery(format!("issuer {:?}: {e}", doc.issuer)))?;
    let jwks_uri = url::Url::parse(&doc.jwks_uri)
        .map_err(|e| PlanError::InvalidDiscovery(format!("jwks_uri {:?}: {e}", doc.jwks_uri)))?;
    if issuer.origin() != jwks_uri.origin()
        || jwks_uri.query().is_some()
        || jwks_uri.fragment().is_some()
    {
        return Err(not_under());
    }
    let base = format!("{}/", issuer.path().trim_end_matches('/'));
    let key = jwks_uri
        .path()
        .strip_prefix(&base)
        .ok_or_else(not_under)?
        .to_owned();
    check_key(&key).map_err(|_| not_under())?;
    if key == DISCOVERY_KEY {
        return Err(not_under());
    }
    Ok(key)
}

/// Progress, for a bar or a log line per step. URLs carry no credentials.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Reading { url: String },
    Writing { url: String, bytes: usize },
    Verified { url: String, etag: Etag },
    Unchanged { url: String },
}

/// Kids added, kept and removed by this publish (added/kept in the new JWKS's order, removed in
/// the published one's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KidDiff {
    pub added: Vec<String>,
    pub kept: Vec<String>,
    pub removed: Vec<String>,
}

impl KidDiff {
    pub fn new(published: &[String], new: &[String]) -> KidDiff {
        let old: HashSet<&String> = published.iter().collect();
        let now: HashSet<&String> = new.iter().collect();
        let mut seen = HashSet::new();
        let mut diff = KidDiff::default();
        for kid in new.iter().filter(|k| seen.insert(*k)) {
            if old.contains(kid) {
                diff.kept.push(kid.clone());
            } else {
                diff.added.push(kid.clone());
            }
        }
        for kid in published.iter().filter(|k| seen.insert(*k)) {
            if !now.contains(kid) {
                diff.removed.push(kid.clone());
            }
        }
        diff
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Created,
    Updated,
    Unchanged,
    WouldCreate,
    WouldUpdate,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ObjectReport {
    pub key: String,
    pub url: String,
    pub action: Action,
    /// ETag after the write (or of the unchanged object); `None` in a dry run of a new object.
    pub etag: Option<Etag>,
    pub bytes: usize,
}

/// The result, for `-o json` (stable field names).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub kids: KidDiff,
    /// JWKS first, then discovery.
    pub objects: Vec<ObjectReport>,
}

/// Why a publish stopped. [`PublishError::exit_code`] maps it to DESIGN §3's exit codes.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error(
        "refusing to remove kid(s) {} published at {url}: relying parties would reject tokens \
         still signed with them. Nothing was written. Pass --allow-removal once they are retired.",
        printable_list(.removed)
    )]
    RemovalRefused { url: String, removed: Vec<String> },
    #[error(
        "{url} holds a document that is not a JWKS ({}); nothing was written. Pass \
         --allow-removal to replace it.",
        printable(.detail)
    )]
    PublishedJwksUnreadable { url: String, detail: String },
    /// Nothing was written by this run (failure while reading, or on the JWKS write).
    #[error("{cause}; nothing was published by this run")]
    NothingWritten {
        /// Printed in the message itself (not also as a `source`, or `{:#}` would print it twice).
        cause: StoreError,
    },
    #[error(
        "{url}: read back {got} bytes that differ from the {want} bytes written{what}",
        what = if *.jwks_written { "; the JWKS was written, the discovery document was not. Re-run the same command to finish" } else { "" }
    )]
    ReadbackMismatch {
        url: String,
        want: usize,
        got: usize,
        jwks_written: bool,
    },
    /// The write went through but the read-back failed, so it is unverified.
    #[error(
        "{url} was written (ETag {etag}) but reading it back failed: {cause}. {state} Re-run the \
         same command to verify and finish: it leaves objects that already hold the wanted \
         bytes alone.",
        state = if *.discovery_pending { "The discovery document was not written yet." } else { "Both documents were written." }
    )]
    Unverified {
        url: String,
        etag: Etag,
        discovery_pending: bool,
        /// Printed in the message itself (not also as a `source`, or `{:#}` would print it twice).
        cause: StoreError,
    },
    /// The JWKS is published, the discovery document is not.
    #[error(
        "the JWKS is published at {jwks_url} (ETag {jwks_etag}) but the discovery document is \
         not: {cause}. Relying parties already see the new key set at jwks_uri; \
         {discovery_url} is still the previous document (or absent). Re-run the same command to \
         finish: it finds the JWKS already in place and writes only the discovery document."
    )]
    Partial {
        jwks_url: String,
        jwks_etag: Etag,
        discovery_url: String,
        /// Printed in the message itself (not also as a `source`, or `{:#}` would print it twice).
        cause: StoreError,
    },
}

/// Kids read from the published JWKS are untrusted text: escaped for the terminal.
fn printable_list(kids: &[String]) -> String {
    let kids: Vec<_> = kids.iter().map(|k| printable(k)).collect();
    kids.join(", ")
}

impl PublishError {
    /// 1 for a refused unsafe step or a lost race, 2 for input and runtime errors (DESIGN §3).
    pub fn exit_code(&self) -> u8 {
        match self {
            PublishError::RemovalRefused { .. } | PublishError::PublishedJwksUnreadable { .. } => 1,
            PublishError::NothingWritten {
                cause: StoreError::PreconditionFailed { .. },
            }
            | PublishError::Partial {
                cause: StoreError::PreconditionFailed { .. },
                ..
            } => 1,
            _ => 2,
        }
    }

    /// True when another publisher won a conditional write.
    pub fn is_lost_race(&self) -> bool {
        matches!(
            self,
            PublishError::NothingWritten {
                cause: StoreError::PreconditionFailed { .. }
            } | PublishError::Partial {
                cause: StoreError::PreconditionFailed { .. },
                ..
            }
        )
    }
}

/// Runs the sequence of the module docs against `store`.
pub async fn publish(
    store: &dyn ObjectStore,
    plan: &Plan,
    progress: &(dyn Fn(Event) + Send + Sync),
) -> Result<Report, PublishError> {
    let new_kids = kids_of(&plan.jwks).map_err(PlanError::InvalidJwks)?;
    check_key(&plan.jwks_key).map_err(|e| PlanError::InvalidDiscovery(e.to_string()))?;
    // A timeout too large for the clock (the command refuses those) is a year, never a panic
    // mid-publish.
    let now = Instant::now();
    let deadline = now
        .checked_add(plan.timeout)
        .unwrap_or_else(|| now + Duration::from_secs(365 * 86_400));
    let op = Deadline {
        at: deadline,
        total: plan.timeout,
    };
    let metadata = Metadata {
        content_type: CONTENT_TYPE.to_owned(),
        cache_control: plan.cache_control.clone(),
    };
    let jwks_url = store.url(&plan.jwks_key);
    let discovery_url = store.url(DISCOVERY_KEY);

    // 1. Read both before writing either.
    progress(Event::Reading {
        url: jwks_url.clone(),
    });
    let current_jwks = op
        .run(&jwks_url, store.get(&plan.jwks_key))
        .await
        .map_err(|source| PublishError::NothingWritten { cause: source })?;
    progress(Event::Reading {
        url: discovery_url.clone(),
    });
    let current_discovery = op
        .run(&discovery_url, store.get(DISCOVERY_KEY))
        .await
        .map_err(|source| PublishError::NothingWritten { cause: source })?;

    // 2. Kid diff and the removal gate.
    let published_kids = match &current_jwks {
        None => Vec::new(),
        Some(object) => match kids_of(&object.bytes) {
            Ok(kids) => kids,
            Err(_) if plan.allow_removal => Vec::new(),
            Err(detail) => {
                return Err(PublishError::PublishedJwksUnreadable {
                    url: jwks_url,
                    detail,
                });
            }
        },
    };
    let kids = KidDiff::new(&published_kids, &new_kids);
    if !kids.removed.is_empty() && !plan.allow_removal {
        return Err(PublishError::RemovalRefused {
            url: jwks_url,
            removed: kids.removed,
        });
    }

    if plan.dry_run {
        let dry = |key: &str, url: String, current: &Option<Object>, bytes: &[u8]| {
            let action = match current {
                None => Action::WouldCreate,
                Some(o) if is_current(o, bytes, &metadata) => Action::Unchanged,
                Some(_) => Action::WouldUpdate,
            };
            ObjectReport {
                key: key.to_owned(),
                url,
                action,
                etag: current.as_ref().map(|o| o.etag.clone()),
                bytes: bytes.len(),
            }
        };
        return Ok(Report {
            dry_run: true,
            kids,
            objects: vec![
                dry(&plan.jwks_key, jwks_url, &current_jwks, &plan.jwks),
                dry(
                    DISCOVERY_KEY,
                    discovery_url,
                    &current_discovery,
                    &plan.discovery,
                ),
            ],
        });
    }

    // 3 + 4. JWKS, then discovery; each written conditionally and read back.
    let jwks_report = write_verified(
        store,
        &op,
        &plan.jwks_key,
        &jwks_url,
        current_jwks.as_ref(),
        &plan.jwks,
        &metadata,
        progress,
    )
    .await
    .map_err(|e| match e {
        WriteError::Store(source) => PublishError::NothingWritten { cause: source },
        WriteError::Unverified(etag, source) => PublishError::Unverified {
            url: jwks_url.clone(),
            etag,
            discovery_pending: true,
            cause: source,
        },
        WriteError::Mismatch { want, got } => PublishError::ReadbackMismatch {
            url: jwks_url.clone(),
            want,
            got,
            jwks_written: false,
        },
    })?;
    let jwks_etag = jwks_report.etag.clone().unwrap_or(Etag(String::new()));
    let discovery_report = write_verified(
        store,
        &op,
        DISCOVERY_KEY,
        &discovery_url,
        current_discovery.as_ref(),
        &plan.discovery,
        &metadata,
        progress,
    )
    .await
    .map_err(|e| match e {
        WriteError::Store(source) => PublishError::Partial {
            jwks_url: jwks_url.clone(),
            jwks_etag,
            discovery_url: discovery_url.clone(),
            cause: source,
        },
        WriteError::Unverified(etag, source) => PublishError::Unverified {
            url: discovery_url.clone(),
            etag,
            discovery_pending: false,
            cause: source,
        },
        WriteError::Mismatch { want, got } => PublishError::ReadbackMismatch {
            url: discovery_url.clone(),
            want,
            got,
            jwks_written: true,
        },
    })?;

    Ok(Report {
        dry_run: false,
        kids,
        objects: vec![jwks_report, discovery_report],
    })
}

/// The object already holds `bytes`, and the metadata the backend can store matches.
fn is_current(object: &Object, bytes: &[u8], metadata: &Metadata) -> bool {
    object.bytes == bytes
        && object
            .content_type
            .as_ref()
            .is_none_or(|c| *c == metadata.content_type)
        && object
            .cache_control
            .as_ref()
            .is_none_or(|c| *c == metadata.cache_control)
}

enum WriteError {
    /// The write itself failed: the object is as it was.
    Store(StoreError),
    /// The write succeeded (this ETag) but reading it back failed.
    Unverified(Etag, StoreError),
    Mismatch {
        want: usize,
        got: usize,
    },
}

#[allow(clippy::too_many_arguments)]
async fn write_verified(
    store: &dyn ObjectStore,
    op: &Deadline,
    key: &str,
    url: &str,
    current: Option<&Object>,
    bytes: &[u8],
    metadata: &Metadata,
    progress: &(dyn Fn(Event) + Send + Sync),
) -> Result<ObjectReport, WriteError> {
    let report = |action, etag| ObjectReport {
        key: key.to_owned(),
        url: url.to_owned(),
        action,
        etag: Some(etag),
        bytes: bytes.len(),
    };
    if let Some(object) = current
        && is_current(object, bytes, metadata)
    {
        progress(Event::Unchanged {
            url: url.to_owned(),
        });
        return Ok(report(Action::Unchanged, object.etag.clone()));
    }
    let (precondition, action) = match current {
        Some(object) => (Precondition::IfMatch(object.etag.clone()), Action::Updated),
        None => (Precondition::IfNoneMatch, Action::Created),
    };
    progress(Event::Writing {
        url: url.to_owned(),
        bytes: bytes.len(),
    });
    let put = op
        .run(url, store.put(key, bytes, metadata, &precondition))
        .await;
    if let Err(StoreError::PreconditionFailed { .. }) = &put {
        // A retried write whose first attempt did land (the response was lost) fails its own
        // precondition on the retry. If the object now holds exactly our bytes, the store is in
        // the state we wanted, whoever wrote it.
        if let Ok(Some(object)) = op.run(url, store.get(key)).await
            && is_current(&object, bytes, metadata)
        {
            progress(Event::Verified {
                url: url.to_owned(),
                etag: object.etag.clone(),
            });
            return Ok(report(action, object.etag));
        }
    }
    let etag = put.map_err(WriteError::Store)?;
    let back = op
        .run(url, store.get(key))
        .await
        .map_err(|e| WriteError::Unverified(etag, e))?;
    match back {
        Some(object) if is_current(&object, bytes, metadata) => {
            progress(Event::Verified {
                url: url.to_owned(),
                etag: object.etag.clone(),
            });
            Ok(report(action, object.etag))
        }
        other => Err(WriteError::Mismatch {
            want: bytes.len(),
            got: other.map_or(0, |o| o.bytes.len()),
        }),
    }
}

/// One deadline shared by every store call of a publish.
struct Deadline {
    at: Instant,
    total: Duration,
}

impl Deadline {
    async fn run<T>(
        &self,
        url: &str,
        fut: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        tokio::time::timeout_at(self.at, fut)
            .await
            .unwrap_or_else(|_| {
                Err(StoreError::Timeout {
                    url: url.to_owned(),
                    after: self.total,
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn discovery(issuer: &str, jwks_uri: &str) -> Vec<u8> {
        format!(r#"{{"issuer":"{issuer}","jwks_uri":"{jwks_uri}","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}}"#).into_bytes()
    }

    #[test]
    fn jwks_key_is_jwks_uri_relative_to_issuer() {
        let ok = |i: &str, j: &str| jwks_key_of(&discovery(i, j));
        assert_eq!(
            ok(
                "https://oidc.example.com",
                "https://oidc.example.com/openid/v1/jwks"
            )
            .unwrap(),
            "openid/v1/jwks"
        );
        assert_eq!(
            ok(
                "https://s.example.com/c1/",
                "https://s.example.com/c1/keys.json"
            )
            .unwrap(),
            "keys.json"
        );
        for (i, j) in [
            (
                "https://a.example.com/c1",
                "https://b.example.com/c1/openid/v1/jwks",
            ),
            (
                "https://a.example.com/c1",
                "https://a.example.com/c2/openid/v1/jwks",
            ),
            ("https://a.example.com/c1", "https://a.example.com/c1x/jwks"),
            ("https://a.example.com/c1", "http://a.example.com/c1/jwks"),
            (
                "https://a.example.com/c1",
                "https://a.example.com/c1/jwks?x=1",
            ),
            (
                "https://a.example.com/c1",
                "https://a.example.com/c1/../jwks",
            ),
            ("https://a.example.com", "https://a.example.com/"),
        ] {
            assert!(
                matches!(ok(i, j), Err(PlanError::JwksUriNotUnderIssuer { .. })),
                "{i} {j}: {:?}",
                ok(i, j)
            );
        }
        assert!(matches!(
            jwks_key_of(b"{}"),
            Err(PlanError::InvalidDiscovery(_))
        ));
    }

    #[test]
    fn kids_and_diff() {
        assert_eq!(
            kids_of(br#"{"keys":[{"use":"sig","kid":"a"},{"kid":"b"}]}"#).unwrap(),
            ["a", "b"]
        );
        assert!(kids_of(br#"{"keys":[{"kty":"RSA"}]}"#).is_err());
        assert!(kids_of(br#"{"nokeys":[]}"#).is_err());
        let v = |s: &[&str]| s.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            KidDiff::new(&v(&["old", "mid"]), &v(&["mid", "new"])),
            KidDiff {
                added: v(&["new"]),
                kept: v(&["mid"]),
                removed: v(&["old"])
            }
        );
    }

    /// A file store whose reads fail once any write happened: the write is not verified.
    #[derive(Debug)]
    struct ReadFailsAfterWrite {
        inner: super::super::file::FileStore,
        wrote: std::sync::atomic::AtomicBool,
    }

    #[async_trait::async_trait]
    impl ObjectStore for ReadFailsAfterWrite {
        fn url(&self, key: &str) -> String {
            self.inner.url(key)
        }
        async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
            if self.wrote.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(StoreError::Unreachable {
                    url: self.url(key),
                    detail: "injected".into(),
                });
            }
            self.inner.get(key).await
        }
        async fn put(
            &self,
            key: &str,
            bytes: &[u8],
            metadata: &Metadata,
            precondition: &Precondition,
        ) -> Result<Etag, StoreError> {
            let etag = self.inner.put(key, bytes, metadata, precondition).await?;
            self.wrote.store(true, std::sync::atomic::Ordering::SeqCst);
            Ok(etag)
        }
    }

    #[tokio::test]
    async fn failed_read_back_is_reported_as_unverified_not_as_nothing_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = ReadFailsAfterWrite {
            inner: super::super::file::FileStore::new(dir.path().to_path_buf()),
            wrote: Default::default(),
        };
        let plan = Plan::new(
            br#"{"keys":[{"kid":"k"}]}"#.to_vec(),
            discovery(
                "https://a.example.com",
                "https://a.example.com/openid/v1/jwks",
            ),
        )
        .unwrap();
        let err = publish(&store, &plan, &|_| {}).await.unwrap_err();
        let PublishError::Unverified {
            discovery_pending, ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert!(*discovery_pending);
        assert!(err.to_string().contains("was written"), "{err}");
        assert!(
            err.to_string()
                .contains("discovery document was not written"),
            "{err}"
        );
        assert_eq!(err.exit_code(), 2);
    }
}
