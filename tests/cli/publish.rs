//! Integration tests of `src/publish` (DESIGN §3 `sakr publish`, §5, issue 4) against real
//! servers on 127.0.0.1: moto's S3 server and Azurite, started per test by `crate::servers::procs`
//! (install them with `scripts/test-servers.sh install`), plus the `file://` backend checked by
//! a real OIDC relying party (npm `jose`, `tests/rp/verify.mjs`).

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Once};
use std::time::{Duration, Instant};

use crate::servers::http::{self, FaultProxy, StaticServer};
use crate::servers::procs::{self, Server};
use async_trait::async_trait;
use sakr::publish::{
    Action, DISCOVERY_KEY, Etag, MAX_OBJECT_BYTES, Metadata, Object, ObjectStore, Plan,
    Precondition, PublishError, RetryPolicy, StoreError, StoreOptions, Target, azure::AzureStore,
    file::FileStore,
};

const ISSUER: &str = "https://oidc.example.com/cluster-a";
const JWKS_KEY: &str = "openid/v1/jwks";
const BUCKET: &str = "sakr-oidc";
const CONTAINER: &str = "oidc";

// ---------------------------------------------------------------------------------------------
// Documents and plans

fn jwks(kids: &[&str]) -> Vec<u8> {
    // Shape and field order of kube-apiserver (§2.3); the key material is irrelevant here.
    let keys: Vec<String> = kids
        .iter()
        .map(|k| {
            format!(
                r#"{{"use":"sig","kty":"RSA","kid":"{k}","alg":"RS256","n":"sXch","e":"AQAB"}}"#
            )
        })
        .collect();
    format!(r#"{{"keys":[{}]}}"#, keys.join(",")).into_bytes()
}

fn discovery(issuer: &str) -> Vec<u8> {
    format!(
        r#"{{"issuer":"{issuer}","jwks_uri":"{issuer}/openid/v1/jwks","response_types_supported":["id_token"],"subject_types_supported":["public"],"id_token_signing_alg_values_supported":["RS256"]}}"#
    )
    .into_bytes()
}

fn plan(kids: &[&str]) -> Plan {
    let mut plan = Plan::new(jwks(kids), discovery(ISSUER)).expect("valid plan");
    plan.timeout = Duration::from_secs(60);
    plan
}

fn fast_retry(max_attempts: u32) -> RetryPolicy {
    RetryPolicy {
        max_attempts,
        initial_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(200),
    }
}

fn no_progress() -> impl Fn(sakr::publish::Event) + Send + Sync {
    |_| {}
}

// ---------------------------------------------------------------------------------------------
// Backends

/// The AWS SDK reads credentials and region from the process environment (the standard chain).
/// Set test values once, before any test of this binary builds an S3 client. Also disable the
/// EC2 metadata probe: tests must never send traffic beyond loopback.
fn aws_test_env() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: std's env functions take a process-wide lock; the only concurrent readers are
        // other tests' SDK clients, which read through std as well.
        unsafe {
            std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
            std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
            std::env::set_var("AWS_REGION", "us-east-1");
            std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
            std::env::set_var("AWS_CONFIG_FILE", "/nonexistent/sakr-test-aws-config");
            std::env::set_var(
                "AWS_SHARED_CREDENTIALS_FILE",
                "/nonexistent/sakr-test-aws-creds",
            );
        }
    });
}

#[derive(Clone, Copy, Debug)]
enum Backend {
    S3,
    Azure,
}

/// A running server with its bucket or container created.
struct Env {
    backend: Backend,
    server: Server,
    sas: Option<String>,
}

impl Env {
    fn start(backend: Backend) -> Env {
        match backend {
            Backend::S3 => {
                aws_test_env();
                let server = procs::moto();
                let r = http::request("PUT", &format!("{}/{BUCKET}", server.base_url()), b"")
                    .expect("create bucket");
                assert_eq!(r.status, 200, "create bucket: {r:?}");
                Env {
                    backend,
                    server,
                    sas: None,
                }
            }
            Backend::Azure => {
                let server = procs::azurite();
                let sas = server.azurite_container_sas(CONTAINER);
                Env {
                    backend,
                    server,
                    sas: Some(sas),
                }
            }
        }
    }

    fn target(&self, prefix: &str) -> Target {
        let url = match self.backend {
            Backend::S3 => format!("s3://{BUCKET}/{prefix}"),
            Backend::Azure => format!("azblob://{}/{CONTAINER}/{prefix}", procs::AZURITE_ACCOUNT),
        };
        Target::parse(&url).unwrap()
    }

    /// The endpoint the SDK talks to: the server itself, or a proxy in front of it.
    fn endpoint_for(&self, base: &str) -> String {
        match self.backend {
            Backend::S3 => base.to_owned(),
            Backend::Azure => format!("{base}/{}", procs::AZURITE_ACCOUNT),
        }
    }

    async fn store_via(
        &self,
        prefix: &str,
        base: &str,
        retry: RetryPolicy,
    ) -> Box<dyn ObjectStore> {
        let options = StoreOptions {
            endpoint: Some(url::Url::parse(&self.endpoint_for(base)).unwrap()),
            retry,
            ..Default::default()
        };
        let target = self.target(prefix);
        match self.backend {
            Backend::S3 => sakr::publish::open(&target, &options)
                .await
                .expect("open s3"),
            Backend::Azure => {
                let sas = self.sas.clone();
                // The SAS comes from AZURE_STORAGE_SAS_TOKEN, as an operator would pass it.
                let env = move |name: &str| {
                    (name == "AZURE_STORAGE_SAS_TOKEN")
                        .then(|| sas.clone())
                        .flatten()
                };
                Box::new(AzureStore::open(&target, &options, &env).expect("open azure"))
            }
        }
    }

    async fn store(&self, prefix: &str) -> Box<dyn ObjectStore> {
        self.store_via(prefix, &self.server.base_url(), fast_retry(3))
            .await
    }

    /// A plain HTTP GET of an object, to see the headers any client gets.
    fn raw_get(&self, prefix: &str, key: &str) -> http::Response {
        let url = match self.backend {
            Backend::S3 => format!("{}/{BUCKET}/{prefix}/{key}", self.server.base_url()),
            Backend::Azure => format!(
                "{}/{CONTAINER}/{prefix}/{key}?{}",
                self.server.azurite_endpoint(),
                self.sas.as_deref().unwrap()
            ),
        };
        // moto refuses anonymous reads of a private object; any SigV4-shaped Authorization
        // passes (it does not verify signatures), like the SDK's own signed GET would.
        let auth = "Authorization: AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00";
        let headers: &[&str] = match self.backend {
            Backend::S3 => &[auth],
            Backend::Azure => &[],
        };
        http::request_with("GET", &url, headers, b"").expect("raw GET")
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios, each run against both servers

async fn round_trip(backend: Backend) {
    let env = Env::start(backend);
    let store = env.store("cluster-a").await;
    let events = std::sync::Mutex::new(Vec::new());
    let record = |e: sakr::publish::Event| events.lock().unwrap().push(e);

    let mut first = plan(&["kid-1"]);
    first.cache_control = "public, max-age=300".into();
    let report = sakr::publish::publish(store.as_ref(), &first, &record)
        .await
        .unwrap();
    assert_eq!(report.kids.added, ["kid-1"]);
    assert!(report.kids.kept.is_empty() && report.kids.removed.is_empty());
    let actions: Vec<_> = report
        .objects
        .iter()
        .map(|o| (o.key.as_str(), o.action))
        .collect();
    assert_eq!(
        actions,
        [
            (JWKS_KEY, Action::Created),
            (DISCOVERY_KEY, Action::Created)
        ]
    );
    assert_eq!(report.objects[0].bytes, first.jwks.len());
    assert!(
        report
            .objects
            .iter()
            .all(|o| o.etag.as_ref().is_some_and(|e| !e.0.is_empty()))
    );
    assert!(!events.lock().unwrap().is_empty());

    // Read back through the SDK...
    let got = store.get(JWKS_KEY).await.unwrap().expect("published");
    assert_eq!(got.bytes, first.jwks);
    assert_eq!(got.content_type.as_deref(), Some("application/json"));
    assert_eq!(got.cache_control.as_deref(), Some("public, max-age=300"));
    // ... and as a relying party's plain GET sees it.
    for (key, body) in [(JWKS_KEY, &first.jwks), (DISCOVERY_KEY, &first.discovery)] {
        let r = env.raw_get("cluster-a", key);
        assert_eq!(r.status, 200, "{key}: {r:?}");
        assert_eq!(&r.body, body, "{key}");
        assert_eq!(
            r.headers.get("content-type").map(String::as_str),
            Some("application/json")
        );
        assert_eq!(
            r.headers.get("cache-control").map(String::as_str),
            Some("public, max-age=300")
        );
    }

    // Same documents again: nothing to write.
    let mut again = plan(&["kid-1"]);
    again.cache_control = "public, max-age=300".into();
    let report = sakr::publish::publish(store.as_ref(), &again, &no_progress())
        .await
        .unwrap();
    assert!(
        report.objects.iter().all(|o| o.action == Action::Unchanged),
        "{report:?}"
    );

    // Trust stage: a second kid; the JWKS is updated under If-Match, discovery changes too
    // (default Cache-Control now).
    let report = sakr::publish::publish(store.as_ref(), &plan(&["kid-1", "kid-2"]), &no_progress())
        .await
        .unwrap();
    assert_eq!(
        (report.kids.added.clone(), report.kids.kept.clone()),
        (vec!["kid-2".to_string()], vec!["kid-1".to_string()])
    );
    assert_eq!(report.objects[0].action, Action::Updated);
    let r = env.raw_get("cluster-a", JWKS_KEY);
    assert_eq!(r.body, jwks(&["kid-1", "kid-2"]));
    assert_eq!(
        r.headers.get("cache-control").map(String::as_str),
        Some("public, max-age=3600")
    );

    // -o json shape.
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["kids"]["added"][0], "kid-2");
    assert_eq!(json["objects"][0]["key"], JWKS_KEY);
    assert_eq!(json["objects"][0]["action"], "updated");
    assert!(json["objects"][0]["etag"].is_string());
    assert_eq!(json["objects"][0]["bytes"], jwks(&["kid-1", "kid-2"]).len());
}

async fn removal_refused(backend: Backend) {
    let env = Env::start(backend);
    let store = env.store("c").await;
    sakr::publish::publish(store.as_ref(), &plan(&["old", "new"]), &no_progress())
        .await
        .unwrap();

    let err = sakr::publish::publish(store.as_ref(), &plan(&["new", "newer"]), &no_progress())
        .await
        .unwrap_err();
    let PublishError::RemovalRefused { removed, url } = &err else {
        panic!("{err:?}")
    };
    assert_eq!(removed, &["old"]);
    assert!(url.ends_with("/c/openid/v1/jwks"), "{url}");
    assert_eq!(err.exit_code(), 1);
    assert!(err.to_string().contains("--allow-removal"), "{err}");
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&["old", "new"])
    );

    // Dry run with removal allowed: the diff, and nothing written.
    let mut dry = plan(&["new", "newer"]);
    dry.allow_removal = true;
    dry.dry_run = true;
    let report = sakr::publish::publish(store.as_ref(), &dry, &no_progress())
        .await
        .unwrap();
    assert!(report.dry_run);
    assert_eq!(
        (
            report.kids.added.clone(),
            report.kids.kept.clone(),
            report.kids.removed.clone()
        ),
        (
            vec!["newer".to_string()],
            vec!["new".to_string()],
            vec!["old".to_string()]
        )
    );
    assert_eq!(report.objects[0].action, Action::WouldUpdate);
    assert_eq!(report.objects[1].action, Action::Unchanged);
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&["old", "new"])
    );

    // Retire stage, allowed.
    let mut retire = plan(&["new", "newer"]);
    retire.allow_removal = true;
    let report = sakr::publish::publish(store.as_ref(), &retire, &no_progress())
        .await
        .unwrap();
    assert_eq!(report.kids.removed, ["old"]);
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&["new", "newer"])
    );
}

/// Wraps a store so that two publishers have both finished reading before either writes: the
/// race window made deterministic, with the real server deciding who wins.
#[derive(Debug)]
struct Rendezvous {
    inner: Box<dyn ObjectStore>,
    barrier: Arc<tokio::sync::Barrier>,
    /// Only the first read of discovery (step 1 of publish) waits; read-backs do not.
    waited: AtomicBool,
}

#[async_trait]
impl ObjectStore for Rendezvous {
    fn url(&self, key: &str) -> String {
        self.inner.url(key)
    }
    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        let got = self.inner.get(key).await;
        if key == DISCOVERY_KEY && !self.waited.swap(true, Ordering::SeqCst) {
            self.barrier.wait().await;
        }
        got
    }
    async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &Metadata,
        precondition: &Precondition,
    ) -> Result<Etag, StoreError> {
        self.inner.put(key, bytes, metadata, precondition).await
    }
}

async fn race(
    env: &Env,
    a: Plan,
    b: Plan,
) -> (
    Result<sakr::publish::Report, PublishError>,
    Result<sakr::publish::Report, PublishError>,
) {
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let store_a = Rendezvous {
        inner: env.store("race").await,
        barrier: barrier.clone(),
        waited: AtomicBool::new(false),
    };
    let store_b = Rendezvous {
        inner: env.store("race").await,
        barrier: barrier.clone(),
        waited: AtomicBool::new(false),
    };
    drop(barrier);
    let quiet = no_progress();
    tokio::join!(
        sakr::publish::publish(&store_a, &a, &quiet),
        sakr::publish::publish(&store_b, &b, &quiet)
    )
}

async fn concurrent_conflict(backend: Backend) {
    let env = Env::start(backend);
    let check = |ra: &Result<sakr::publish::Report, PublishError>,
                 rb: &Result<sakr::publish::Report, PublishError>| {
        let winners = [ra.is_ok(), rb.is_ok()].iter().filter(|ok| **ok).count();
        assert_eq!(winners, 1, "exactly one publisher wins: {ra:?} / {rb:?}");
        let loser = if ra.is_ok() { rb } else { ra };
        let err = loser.as_ref().unwrap_err();
        assert!(err.is_lost_race(), "{err:?}");
        assert_eq!(err.exit_code(), 1);
        assert!(err.to_string().contains("another publisher"), "{err}");
        assert!(
            err.to_string()
                .contains("nothing was published by this run"),
            "{err}"
        );
        ra.is_ok()
    };

    // Both create (If-None-Match: *).
    let (ra, rb) = race(&env, plan(&["a"]), plan(&["b"])).await;
    let a_won = check(&ra, &rb);
    let winner = if a_won { "a" } else { "b" };
    let store = env.store("race").await;
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&[winner])
    );

    // Both update the same version (If-Match).
    let (ra, rb) = race(&env, plan(&[winner, "a2"]), plan(&[winner, "b2"])).await;
    let a_won = check(&ra, &rb);
    let second = if a_won { "a2" } else { "b2" };
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&[winner, second])
    );
}

async fn server_down(backend: Backend) {
    let env = Env::start(backend);
    let dead = format!("http://127.0.0.1:{}", procs::free_port());
    let store = env.store_via("c", &dead, fast_retry(2)).await;
    let started = Instant::now();
    let err = sakr::publish::publish(store.as_ref(), &plan(&["k"]), &no_progress())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "bounded: {:?}",
        started.elapsed()
    );
    eprintln!(
        "{backend:?} server down after {:?}: {err}",
        started.elapsed()
    );
    let PublishError::NothingWritten { cause: source } = &err else {
        panic!("{err:?}")
    };
    assert!(
        matches!(
            source,
            StoreError::Unreachable { .. } | StoreError::Transient { .. }
        ),
        "{source:?}"
    );
    let text = err.to_string();
    assert!(
        text.contains("/c/openid/v1/jwks"),
        "names the object URL: {text}"
    );
    assert!(text.contains("nothing was published"), "{text}");
    assert_eq!(err.exit_code(), 2);

    // Down in the middle: every PUT of the discovery document fails (beyond the retries), so
    // the JWKS is published and discovery is not; the error says so and a re-run finishes.
    let proxy = FaultProxy::start(
        env.server.port,
        "PUT",
        "/.well-known/openid-configuration",
        1000,
    );
    let store = env.store_via("mid", &proxy.base_url(), fast_retry(2)).await;
    let err = sakr::publish::publish(store.as_ref(), &plan(&["k"]), &no_progress())
        .await
        .unwrap_err();
    let PublishError::Partial {
        jwks_url,
        discovery_url,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(jwks_url.ends_with("/mid/openid/v1/jwks"), "{jwks_url}");
    assert!(
        discovery_url.ends_with("/mid/.well-known/openid-configuration"),
        "{discovery_url}"
    );
    let text = err.to_string();
    assert!(
        text.contains("the JWKS is published at") && text.contains("Re-run the same command"),
        "{text}"
    );
    assert_eq!(err.exit_code(), 2);
    let direct = env.store("mid").await;
    assert_eq!(
        direct.get(JWKS_KEY).await.unwrap().unwrap().bytes,
        jwks(&["k"])
    );
    assert_eq!(direct.get(DISCOVERY_KEY).await.unwrap(), None);
    let report = sakr::publish::publish(direct.as_ref(), &plan(&["k"]), &no_progress())
        .await
        .unwrap();
    assert_eq!(report.objects[0].action, Action::Unchanged);
    assert_eq!(report.objects[1].action, Action::Created);
}

async fn retried_500(backend: Backend) {
    let env = Env::start(backend);
    let proxy = FaultProxy::start(env.server.port, "PUT", "/openid/v1/jwks", 2);
    let store = env
        .store_via("flaky", &proxy.base_url(), fast_retry(4))
        .await;
    let report = sakr::publish::publish(store.as_ref(), &plan(&["k"]), &no_progress())
        .await
        .unwrap();
    assert_eq!(report.objects[0].action, Action::Created);
    let puts: Vec<u16> = proxy
        .seen()
        .into_iter()
        .filter(|s| s.method == "PUT" && s.path.ends_with("/flaky/openid/v1/jwks"))
        .map(|s| s.status)
        .collect();
    assert_eq!(
        puts.len(),
        3,
        "two 500s, then the retry that succeeded: {puts:?}"
    );
    assert_eq!(&puts[..2], &[500, 500]);
    assert!((200..300).contains(&puts[2]), "{puts:?}");
    assert_eq!(
        env.store("flaky")
            .await
            .get(JWKS_KEY)
            .await
            .unwrap()
            .unwrap()
            .bytes,
        jwks(&["k"])
    );
}

/// Issue 13.6: a planted object over the cap (here 1 MiB + 1; a 300 MB blob in the review) is
/// refused by its size, naming its URL, instead of being read whole; publish writes nothing.
async fn oversized_object_refused(backend: Backend) {
    let env = Env::start(backend);
    let store = env.store("big").await;
    let meta = Metadata {
        content_type: "application/json".into(),
        cache_control: "public, max-age=3600".into(),
    };
    let big = vec![b' '; MAX_OBJECT_BYTES as usize + 1];
    store
        .put(JWKS_KEY, &big, &meta, &Precondition::IfNoneMatch)
        .await
        .expect("plant the big object");
    let err = store.get(JWKS_KEY).await.unwrap_err();
    assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
    assert!(err.to_string().contains(&store.url(JWKS_KEY)), "{err}");
    let err = sakr::publish::publish(store.as_ref(), &plan(&["k"]), &no_progress())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PublishError::NothingWritten {
                cause: StoreError::TooLarge { .. }
            }
        ),
        "{err:?}"
    );
    assert_eq!(err.exit_code(), 2);
    assert!(store.get(DISCOVERY_KEY).await.unwrap().is_none());
    // Exactly at the cap is still read.
    let store = env.store("edge").await;
    let edge = vec![b' '; MAX_OBJECT_BYTES as usize];
    store
        .put(JWKS_KEY, &edge, &meta, &Precondition::IfNoneMatch)
        .await
        .unwrap();
    assert_eq!(
        store.get(JWKS_KEY).await.unwrap().unwrap().bytes.len(),
        edge.len()
    );
}

// ---------------------------------------------------------------------------------------------
// The tests

#[tokio::test]
async fn s3_round_trip_content_type_cache_control() {
    round_trip(Backend::S3).await
}

#[tokio::test]
async fn azure_round_trip_content_type_cache_control() {
    round_trip(Backend::Azure).await
}

#[tokio::test]
async fn s3_refuses_kid_removal() {
    removal_refused(Backend::S3).await
}

#[tokio::test]
async fn azure_refuses_kid_removal() {
    removal_refused(Backend::Azure).await
}

#[tokio::test]
async fn s3_concurrent_publishes_one_wins() {
    concurrent_conflict(Backend::S3).await
}

#[tokio::test]
async fn azure_concurrent_publishes_one_wins() {
    concurrent_conflict(Backend::Azure).await
}

#[tokio::test]
async fn s3_refuses_an_oversized_object() {
    oversized_object_refused(Backend::S3).await;
}

#[tokio::test]
async fn azure_refuses_an_oversized_object() {
    oversized_object_refused(Backend::Azure).await;
}

#[tokio::test]
async fn s3_server_down() {
    server_down(Backend::S3).await
}

#[tokio::test]
async fn azure_server_down() {
    server_down(Backend::Azure).await
}

#[tokio::test]
async fn s3_retries_500() {
    retried_500(Backend::S3).await
}

#[tokio::test]
async fn azure_retries_500() {
    retried_500(Backend::Azure).await
}

/// A SAS signature never shows in an error, whether the server is down (the HTTP client's error
/// text embeds the request URL) or refuses the SAS.
#[tokio::test]
async fn azure_sas_signature_never_in_errors() {
    let azurite = procs::azurite();
    let good = azurite.azurite_container_sas(CONTAINER);
    let sig = good
        .split('&')
        .find_map(|p| p.strip_prefix("sig="))
        .expect("SAS has a signature")
        .to_owned();
    // Same fields, signature tampered with (still secret-looking): Azurite answers 403.
    let forged_sig = format!("{}AAAA", &sig[..sig.len().saturating_sub(4)]);
    let forged = good.replace(&sig, &forged_sig);
    let target = Target::parse(&format!(
        "azblob://{}/{CONTAINER}/p",
        procs::AZURITE_ACCOUNT
    ))
    .unwrap();
    for (endpoint, sas, secret) in [
        (
            format!(
                "http://127.0.0.1:{}/{}",
                procs::free_port(),
                procs::AZURITE_ACCOUNT
            ),
            good.clone(),
            sig.clone(),
        ),
        (
            azurite.azurite_endpoint(),
            forged.clone(),
            forged_sig.clone(),
        ),
    ] {
        let options = StoreOptions {
            endpoint: Some(url::Url::parse(&endpoint).unwrap()),
            retry: fast_retry(2),
            ..Default::default()
        };
        let env = |name: &str| (name == "AZURE_STORAGE_SAS_TOKEN").then(|| sas.clone());
        let store = AzureStore::open(&target, &options, &env).unwrap();
        assert!(!format!("{store:?}").contains(&secret));
        let err = sakr::publish::publish(&store, &plan(&["k"]), &no_progress())
            .await
            .unwrap_err();
        let shown = format!("{err} / {err:?} / {:?}", std::error::Error::source(&err));
        eprintln!("azure error: {err}");
        assert!(!shown.contains(&secret), "secret leaked: {shown}");
        // Percent-encoded forms too.
        let encoded: String = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect();
        assert!(!shown.contains(&encoded), "secret leaked: {shown}");
        assert!(
            shown.contains("azblob://devstoreaccount1/oidc/p/openid/v1/jwks"),
            "{shown}"
        );
    }
}

/// `file://` publish, served over loopback HTTP like nginx would, verified by a real relying
/// party: npm `jose` discovers the issuer, follows `jwks_uri` and verifies a token.
#[tokio::test]
async fn file_publish_verified_by_jose_relying_party() {
    let root = tempfile::tempdir().unwrap();
    let rp_dir = procs::repo_root().join("tests/rp");
    assert!(
        rp_dir.join("node_modules/jose").exists(),
        "tests/rp/node_modules is not installed: run `scripts/test-servers.sh install` first"
    );
    let web = StaticServer::start(root.path().to_path_buf());
    let issuer = format!("{}/cluster-a", web.base_url());
    let dir = root.path().join("cluster-a");
    let target = Target::parse(&format!("file://{}", dir.display())).unwrap();

    let key = root.path().join("sa.key");
    let other_key = root.path().join("other.key");
    for k in [&key, &other_key] {
        let st = Command::new("openssl")
            .args([
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
            ])
            .arg(k)
            .stderr(std::process::Stdio::null())
            .status()
            .expect("openssl");
        assert!(st.success());
    }
    let fixture = |key: &std::path::Path, name: &str| {
        let jwks = root.path().join(format!("{name}.jwks"));
        let token = root.path().join(format!("{name}.jwt"));
        let out = Command::new(procs::venv_python())
            .arg(procs::repo_root().join("tests/cli/servers/rp_fixture.py"))
            .arg(key)
            .args([issuer.as_str(), "sakr-test"])
            .arg(&jwks)
            .arg(&token)
            .output()
            .expect("rp_fixture.py");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8(out.stdout).unwrap().trim().to_owned(),
            std::fs::read(jwks).unwrap(),
            token,
        )
    };
    let (kid, jwks_bytes, token) = fixture(&key, "sa");
    let (_, _, foreign_token) = fixture(&other_key, "other");

    let store = sakr::publish::open(&target, &StoreOptions::default())
        .await
        .unwrap();
    let plan = Plan::new(jwks_bytes.clone(), discovery(&issuer)).unwrap();
    let report = sakr::publish::publish(store.as_ref(), &plan, &no_progress())
        .await
        .unwrap();
    assert_eq!(report.kids.added, std::slice::from_ref(&kid));
    assert_eq!(
        std::fs::read(dir.join("openid/v1/jwks")).unwrap(),
        jwks_bytes
    );
    assert_eq!(
        report.objects[0].etag.as_ref().unwrap().0,
        sakr::publish::file::etag_of(&jwks_bytes).0
    );

    let verify = |token: &std::path::Path| {
        Command::new("node")
            .arg(rp_dir.join("verify.mjs"))
            .args(["--issuer", &issuer, "--token-file"])
            .arg(token)
            .args(["--audience", "sakr-test"])
            .output()
            .expect("node")
    };
    let ok = verify(&token);
    assert!(
        ok.status.success(),
        "jose rejected the token: {}{}",
        String::from_utf8_lossy(&ok.stdout),
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(String::from_utf8_lossy(&ok.stdout).contains(&kid));
    // A token signed by a key that was not published must fail: the check has teeth.
    let bad = verify(&foreign_token);
    assert_eq!(
        bad.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}

/// The file backend's conditional write, as two stores on one directory race.
#[tokio::test]
async fn file_concurrent_publishes_one_wins() {
    let root = tempfile::tempdir().unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(2));
    let mk = || Rendezvous {
        inner: Box::new(FileStore::new(root.path().to_path_buf())),
        barrier: barrier.clone(),
        waited: AtomicBool::new(false),
    };
    let (a, b) = (mk(), mk());
    drop(barrier);
    let (plan_a, plan_b, quiet) = (plan(&["a"]), plan(&["b"]), no_progress());
    let (ra, rb) = tokio::join!(
        sakr::publish::publish(&a, &plan_a, &quiet),
        sakr::publish::publish(&b, &plan_b, &quiet)
    );
    assert_eq!(
        [ra.is_ok(), rb.is_ok()].iter().filter(|x| **x).count(),
        1,
        "{ra:?} {rb:?}"
    );
    let loser = match (ra, rb) {
        (Err(e), _) | (_, Err(e)) => e,
        _ => unreachable!("one publisher lost"),
    };
    assert!(loser.is_lost_race(), "{loser:?}");
}

/// Servers die with their handle: no process is left behind.
#[test]
fn servers_are_stopped_on_drop() {
    let (moto, azurite) = (procs::moto(), procs::azurite());
    let pids = [moto.pid(), azurite.pid()];
    assert!(pids.iter().all(|p| procs::pid_alive(*p)));
    drop((moto, azurite));
    assert!(pids.iter().all(|p| !procs::pid_alive(*p)), "{pids:?}");
    // Also when the owning test panics.
    let pid = std::panic::catch_unwind(|| {
        let s = procs::moto();
        let pid = s.pid();
        std::panic::panic_any(pid);
    })
    .unwrap_err()
    .downcast::<u32>()
    .map(|b| *b)
    .unwrap();
    assert!(!procs::pid_alive(pid));
}

/// A server that accepts connections and never answers: the total `timeout` ends the publish,
/// names the URL, and nothing is written.
#[tokio::test]
async fn total_timeout_bounds_a_hanging_server() {
    aws_test_env();
    // Bound but never accepted: connects succeed (kernel backlog), no byte ever comes back.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let options = StoreOptions {
        endpoint: Some(url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap()),
        retry: fast_retry(2),
        ..Default::default()
    };
    let target = Target::parse(&format!("s3://{BUCKET}/hang")).unwrap();
    let store = sakr::publish::open(&target, &options).await.unwrap();
    let mut plan = plan(&["k"]);
    plan.timeout = Duration::from_secs(2);
    let started = Instant::now();
    let err = sakr::publish::publish(store.as_ref(), &plan, &no_progress())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    let PublishError::NothingWritten {
        cause: StoreError::Timeout { url, .. },
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(url, "s3://sakr-oidc/hang/openid/v1/jwks");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert_eq!(err.exit_code(), 2);
    drop(listener);
}
