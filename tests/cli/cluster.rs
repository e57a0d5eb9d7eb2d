//! The cluster adapter (`sakr::cluster`) against the fake kube-apiserver of
//! `fake_apiserver.rs`, through a generated kubeconfig, so kube's real client, TLS, auth,
//! TokenRequest, EndpointSlice and websocket exec code paths run (issue 5, DESIGN §5).
//! The library is driven directly; the `sakr verify` / `sakr drift` CLI tests sit beside.

use std::time::Duration;

use sakr::cluster::drift::{self, Cell, DriftInput, Finding};
use sakr::cluster::{Cluster, ClusterError, ClusterOptions, PlaceKids, fetch_issuer_jwks};
use sakr::keys::PublicKey;
use sakr::keys::generate::{Algorithm, GeneratedKey, generate};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, FakePod, Spec};

struct Keys {
    old: GeneratedKey,
    new: GeneratedKey,
}

fn keys() -> Keys {
    // RSA as most clusters use (RS256), and EC for the new key so both algorithms are covered.
    Keys {
        old: generate(Algorithm::Rsa2048).unwrap(),
        new: generate(Algorithm::EcdsaP256).unwrap(),
    }
}

fn pod() -> FakePod {
    FakePod {
        namespace: "apps".into(),
        name: "web-0".into(),
        containers: vec!["web".into()],
        service_account: "web".into(),
        token_path: sakr::cluster::DEFAULT_TOKEN_PATH.into(),
    }
}

fn spec(
    signing: &GeneratedKey,
    apiservers: Vec<Vec<&PublicKey>>,
    published: Option<Vec<&PublicKey>>,
) -> Spec {
    Spec {
        signing_key: signing.private_pem.clone(),
        apiserver_keys: apiservers
            .into_iter()
            .map(|ks| ks.into_iter().cloned().collect())
            .collect(),
        published: published.map(|ks| ks.into_iter().cloned().collect()),
        service_accounts: vec![
            ("default".into(), "sakr".into()),
            ("apps".into(), "web".into()),
        ],
        pods: vec![
            pod(),
            FakePod {
                name: "two-0".into(),
                containers: vec!["app".into(), "sidecar".into()],
                ..pod()
            },
        ],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
        distinct_hosts: false,
    }
}

fn run<T>(f: impl Future<Output = T>) -> T {
    sakr::cluster::runtime().unwrap().block_on(f)
}

async fn connect(fake: &FakeCluster) -> Cluster {
    Cluster::connect(&ClusterOptions {
        kubeconfig: Some(fake.kubeconfig.clone()),
        context: None,
    })
    .await
    .unwrap()
}

/// `{:#}`-style: the error and every cause, as `sakr: …` prints it.
fn full(e: &ClusterError) -> String {
    sakr::cluster::error_chain(e)
}

#[test]
fn token_request_is_signed_by_the_signing_key_and_verifies() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.new, vec![vec![&k.old.public, &k.new.public]], None));
    let issued = run(async {
        let c = connect(&fake).await;
        assert_eq!(c.server(), format!("https://localhost:{}", fake.ports[0]));
        c.request_token("default", "sakr", &[], Some(Duration::from_secs(3600)))
            .await
            .unwrap()
    });
    let text = std::str::from_utf8(issued.token.expose()).unwrap();
    let t = sakr::token::decode(text).unwrap();
    assert_eq!(t.kid(), Some(k.new.public.kid().as_str()));
    assert_eq!(t.header.alg, "ES256");
    assert!(t.verify_with(&k.new.public));
    assert!(!t.verify_with(&k.old.public));
    assert_eq!(t.claims["iss"], fake.issuer);
    assert_eq!(t.claims["sub"], "system:serviceaccount:default:sakr");
    assert_eq!(t.claims["aud"], serde_json::json!([fake.issuer]));
    assert_eq!(t.claims["kubernetes.io"]["serviceaccount"]["name"], "sakr");
    let exp = t.claims["exp"].as_i64().unwrap();
    assert_eq!(exp - t.claims["iat"].as_i64().unwrap(), 3600);
    let want_exp = jiff::Timestamp::from_second(exp).unwrap().to_string();
    assert_eq!(issued.expiration.as_deref(), Some(want_exp.as_str()));
    // The token stays out of Debug.
    let dbg = format!("{issued:?}");
    assert!(!dbg.contains(text) && dbg.contains("REDACTED"), "{dbg}");
}

#[test]
fn token_request_audiences_and_refusals() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.old, vec![vec![&k.old.public]], None));
    run(async {
        let c = connect(&fake).await;
        let issued = c
            .request_token("apps", "web", &["sts.amazonaws.com".into()], None)
            .await
            .unwrap();
        let t = sakr::token::decode(std::str::from_utf8(issued.token.expose()).unwrap()).unwrap();
        assert_eq!(t.claims["aud"], serde_json::json!(["sts.amazonaws.com"]));
        assert!(t.verify_with(&k.old.public));

        // Under 10 minutes is refused before anything is sent, as kube-apiserver would.
        let before = fake.requests().len();
        let e = c
            .request_token("default", "sakr", &[], Some(Duration::from_secs(599)))
            .await
            .unwrap_err();
        assert!(
            matches!(e, ClusterError::DurationTooShort { secs: 599 }),
            "{e}"
        );
        assert_eq!(fake.requests().len(), before);

        // An unknown ServiceAccount: kube-apiserver's 404 Status, and the URL.
        let e = c
            .request_token("default", "nobody", &[], None)
            .await
            .unwrap_err();
        let msg = full(&e);
        assert!(
            msg.starts_with(&format!(
                "POST https://localhost:{}/api/v1/namespaces/default/serviceaccounts/nobody/token",
                fake.ports[0]
            )),
            "{msg}"
        );
        assert!(
            msg.contains("serviceaccounts \"nobody\" not found"),
            "{msg}"
        );

        // A name that would change the URL path never reaches it.
        let e = c
            .request_token("default", "../pods", &[], None)
            .await
            .unwrap_err();
        assert!(matches!(e, ClusterError::InvalidName { .. }), "{e}");
    });
}

#[test]
fn exec_reads_the_projected_token_of_a_pod() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.new, vec![vec![&k.new.public]], None));
    let want = fake.pod_token("apps", "web-0");
    run(async {
        let c = connect(&fake).await;
        let got = c
            .read_pod_token("apps", "web-0", None, sakr::cluster::DEFAULT_TOKEN_PATH)
            .await
            .unwrap();
        assert_eq!(got.expose(), want.as_bytes());
        let t = sakr::token::decode(&want).unwrap();
        assert!(t.verify_with(&k.new.public));
        assert_eq!(t.claims["kubernetes.io"]["pod"]["name"], "web-0");

        // Named container of a two-container pod.
        let got = c
            .read_pod_token(
                "apps",
                "two-0",
                Some("sidecar"),
                sakr::cluster::DEFAULT_TOKEN_PATH,
            )
            .await
            .unwrap();
        assert_eq!(got.expose(), fake.pod_token("apps", "two-0").as_bytes());
    });
    // The exec went over the websocket endpoint, on kube's preferred subprotocol.
    let log = fake.requests();
    assert!(
        log.iter()
            .any(|r| r == "0 GET /api/v1/namespaces/apps/pods/web-0/exec"),
        "{log:?}"
    );
    assert!(
        log.iter()
            .any(|r| r == "exec subprotocol v5.channel.k8s.io"),
        "{log:?}"
    );
}

#[test]
fn exec_works_with_an_apiserver_that_only_speaks_v4() {
    let k = keys();
    let mut s = spec(&k.new, vec![vec![&k.new.public]], None);
    s.exec_v4_only = true;
    let fake = FakeCluster::start(s);
    let got = run(async {
        connect(&fake)
            .await
            .read_pod_token("apps", "web-0", None, sakr::cluster::DEFAULT_TOKEN_PATH)
            .await
            .unwrap()
    });
    assert_eq!(got.expose(), fake.pod_token("apps", "web-0").as_bytes());
    let log = fake.requests();
    assert!(
        log.iter()
            .any(|r| r == "exec subprotocol v4.channel.k8s.io"),
        "{log:?}"
    );
}

#[test]
fn exec_failures_say_what_and_where() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.new, vec![vec![&k.new.public]], None));
    run(async {
        let c = connect(&fake).await;
        let e = c
            .read_pod_token("apps", "web-0", None, "/nope/token")
            .await
            .unwrap_err();
        let msg = full(&e);
        assert!(
            msg.contains("exec `cat /nope/token` in pod apps/web-0 via https://localhost:"),
            "{msg}"
        );
        assert!(
            msg.contains("cat: /nope/token: No such file or directory"),
            "{msg}"
        );
        assert!(msg.contains("exit code 1"), "{msg}");

        let e = c
            .read_pod_token("apps", "two-0", None, sakr::cluster::DEFAULT_TOKEN_PATH)
            .await
            .unwrap_err();
        let msg = full(&e);
        assert!(
            msg.contains(
                "a container name must be specified for pod two-0, choose one of: [app sidecar]"
            ),
            "{msg}"
        );

        let e = c
            .read_pod_token("apps", "gone", None, sakr::cluster::DEFAULT_TOKEN_PATH)
            .await
            .unwrap_err();
        assert!(full(&e).contains("pods \"gone\" not found"), "{}", full(&e));

        let e = c
            .read_pod_token("apps", "web-0", None, "relative/token")
            .await
            .unwrap_err();
        assert!(matches!(e, ClusterError::InvalidPath(_)), "{e}");
    });
}

#[test]
fn jwks_per_apiserver_sees_the_one_lacking_the_new_key() {
    let k = keys();
    // Mid-`trust`: apiserver 0 has the new key file, apiserver 1 not yet. Both published.
    let fake = FakeCluster::start(spec(
        &k.old,
        vec![vec![&k.old.public, &k.new.public], vec![&k.old.public]],
        Some(vec![&k.old.public, &k.new.public]),
    ));
    let (old, new) = (k.old.public.kid(), k.new.public.kid());
    let (apiservers, listing_err, published, served, disc) = run(async {
        let c = connect(&fake).await;
        let endpoints = c.apiserver_endpoints().await.unwrap();
        assert_eq!(
            endpoints.source,
            sakr::cluster::EndpointSource::EndpointSlice
        );
        let (apis, err) = c.jwks_per_apiserver().await;
        let published = fetch_issuer_jwks(&fake.issuer, Some(&fake.ca_file))
            .await
            .unwrap();
        (
            apis,
            err,
            published,
            c.apiserver_jwks().await.unwrap(),
            c.discovery().await.unwrap(),
        )
    });
    assert!(listing_err.is_none());
    assert_eq!(
        apiservers,
        vec![
            PlaceKids::ok(format!("127.0.0.1:{}", fake.ports[0]), [&old, &new]),
            PlaceKids::ok(format!("127.0.0.1:{}", fake.ports[1]), [&old]),
        ]
    );
    // Each endpoint was asked on its own.
    let log = fake.requests();
    assert!(log.iter().any(|r| r == "0 GET /openid/v1/jwks"), "{log:?}");
    assert!(log.iter().any(|r| r == "1 GET /openid/v1/jwks"), "{log:?}");
    // Through the kubeconfig, only apiserver 0 is seen.
    assert_eq!(served, [old.clone(), new.clone()]);
    assert_eq!(disc.issuer, fake.issuer);
    assert_eq!(disc.jwks_uri, format!("{}/openid/v1/jwks", fake.issuer));
    assert_eq!(published.kids().unwrap(), [old.clone(), new.clone()]);
    assert_eq!(published.discovery.jwks_uri, published.jwks_url);

    assert!(!sakr::cluster::every_apiserver_trusts(&apiservers, &new));
    assert!(sakr::cluster::every_apiserver_trusts(&apiservers, &old));
    let report = drift::compare(&DriftInput {
        apiservers: apiservers.clone(),
        published: Some(published.place_kids()),
        local: vec![],
        signing_kid: Some(old.clone()),
        ..Default::default()
    });
    assert!(!report.every_apiserver_trusts(&new));
    assert_eq!(
        report.findings,
        vec![Finding::ServedBySome {
            kid: new.clone(),
            missing_from: vec![format!("127.0.0.1:{}", fake.ports[1])]
        }]
    );
    assert!(!report.has_blocking_difference());
    let row = report.rows.iter().find(|r| r.kid == new).unwrap();
    assert_eq!(row.cells, [Cell::Present, Cell::Absent, Cell::Present]);

    // Switching now would be the HA outage: drift blocks.
    let switched = drift::compare(&DriftInput {
        apiservers,
        published: Some(published.place_kids()),
        local: vec![],
        signing_kid: Some(new.clone()),
        ..Default::default()
    });
    assert!(switched.has_blocking_difference());
    assert!(switched.findings.iter().any(|f| matches!(
        f,
        Finding::SigningKidNotServed { place, .. } if *place == format!("127.0.0.1:{}", fake.ports[1])
    )));
}

#[test]
fn both_apiservers_trusting_opens_the_gate() {
    let k = keys();
    let both = vec![&k.old.public, &k.new.public];
    let fake = FakeCluster::start(spec(&k.new, vec![both.clone(), both], None));
    let (apis, err) = run(async { connect(&fake).await.jwks_per_apiserver().await });
    assert!(err.is_none());
    assert_eq!(apis.len(), 2);
    assert!(sakr::cluster::every_apiserver_trusts(
        &apis,
        &k.new.public.kid()
    ));
}

#[test]
fn drift_finds_the_signing_kid_missing_from_the_published_jwks() {
    let k = keys();
    let both = vec![&k.old.public, &k.new.public];
    // Switched to new, both apiservers trust it, but the bucket still only has old.
    let fake = FakeCluster::start(spec(
        &k.new,
        vec![both.clone(), both],
        Some(vec![&k.old.public]),
    ));
    let (apis, published, token) = run(async {
        let c = connect(&fake).await;
        let (apis, _) = c.jwks_per_apiserver().await;
        let p = fetch_issuer_jwks(&fake.issuer, Some(&fake.ca_file))
            .await
            .unwrap();
        // The current signing kid, as `sakr drift` learns it: a fresh token's header.
        let t = c.request_token("default", "sakr", &[], None).await.unwrap();
        (apis, p, t)
    });
    let signing = sakr::token::decode(std::str::from_utf8(token.token.expose()).unwrap())
        .unwrap()
        .kid()
        .unwrap()
        .to_string();
    assert_eq!(signing, k.new.public.kid());
    let report = drift::compare(&DriftInput {
        apiservers: apis,
        published: Some(published.place_kids()),
        local: vec![("new.pub".into(), k.new.public.kid())],
        signing_kid: Some(signing.clone()),
        ..Default::default()
    });
    assert!(report.has_blocking_difference());
    assert_eq!(
        report.findings,
        vec![Finding::SigningKidNotPublished { kid: signing }]
    );
}

#[test]
fn endpoints_fallback_forbidden_listing_and_a_dead_endpoint() {
    let k = keys();
    let two = || vec![vec![&k.old.public], vec![&k.old.public]];

    // EndpointSlices forbidden by RBAC: the Endpoints object lists the same apiservers.
    let mut s = spec(&k.old, two(), None);
    s.endpoints = EndpointsMode::EndpointsOnly;
    let fake = FakeCluster::start(s);
    let (eps, apis) = run(async {
        let c = connect(&fake).await;
        (
            c.apiserver_endpoints().await.unwrap(),
            c.jwks_per_apiserver().await.0,
        )
    });
    assert_eq!(eps.source, sakr::cluster::EndpointSource::Endpoints);
    assert_eq!(apis.len(), 2);
    assert!(apis.iter().all(|a| a.kids.is_ok()));
    drop(fake);

    // Both forbidden: the one apiserver behind the kubeconfig, plus the listing error.
    let mut s = spec(&k.old, two(), None);
    s.endpoints = EndpointsMode::Forbidden;
    let fake = FakeCluster::start(s);
    let (apis, err) = run(async { connect(&fake).await.jwks_per_apiserver().await });
    assert_eq!(
        apis,
        vec![PlaceKids::ok(
            format!("https://localhost:{}", fake.ports[0]),
            [k.old.public.kid()]
        )]
    );
    let msg = full(&err.unwrap());
    assert!(
        msg.starts_with(&format!(
            "GET https://localhost:{}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
            fake.ports[0]
        )),
        "{msg}"
    );
    assert!(msg.contains("forbidden"), "{msg}");
    drop(fake);

    // A registered apiserver that is down: its own error, naming its address; the gate stays
    // shut although every apiserver that answered trusts the kid.
    let mut s = spec(&k.old, two(), None);
    s.endpoints = EndpointsMode::SlicesWithDeadEndpoint;
    let fake = FakeCluster::start(s);
    let (apis, _) = run(async { connect(&fake).await.jwks_per_apiserver().await });
    assert_eq!(apis.len(), 3);
    let dead = &apis[2];
    assert_eq!(dead.place, format!("127.0.0.1:{}", fake.dead_port()));
    let e = dead.kids.as_ref().unwrap_err();
    assert!(
        e.starts_with(&format!(
            "GET https://127.0.0.1:{}/openid/v1/jwks",
            fake.dead_port()
        )),
        "{e}"
    );
    assert!(!sakr::cluster::every_apiserver_trusts(
        &apis,
        &k.old.public.kid()
    ));
}

#[test]
fn kubeconfig_errors_name_the_file_the_context_or_the_url() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.old, vec![vec![&k.old.public]], None));
    run(async {
        let missing = fake.kubeconfig.with_file_name("no-such-kubeconfig");
        let e = Cluster::connect(&ClusterOptions {
            kubeconfig: Some(missing.clone()),
            context: None,
        })
        .await
        .unwrap_err();
        let msg = full(&e);
        assert_eq!(
            msg,
            format!(
                "kubeconfig {}: No such file or directory (os error 2)",
                missing.display()
            )
        );

        let e = Cluster::connect(&ClusterOptions {
            kubeconfig: Some(fake.kubeconfig.clone()),
            context: Some("prod".into()),
        })
        .await
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "context \"prod\" is not in kubeconfig {} (it has: fake, unreachable)",
                fake.kubeconfig.display()
            )
        );

        // A context whose server does not answer: the error names the URL.
        let c = Cluster::connect(&ClusterOptions {
            kubeconfig: Some(fake.kubeconfig.clone()),
            context: Some("unreachable".into()),
        })
        .await
        .unwrap();
        let e = c.apiserver_jwks().await.unwrap_err();
        let msg = full(&e);
        assert!(
            msg.starts_with(&format!(
                "GET https://localhost:{}/openid/v1/jwks",
                fake.dead_port()
            )),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains("connect"), "{msg}");

        // A wrong bearer token: kube-apiserver's 401, and the URL.
        let bad = fake.kubeconfig.with_file_name("bad-token");
        std::fs::write(
            &bad,
            std::fs::read_to_string(&fake.kubeconfig)
                .unwrap()
                .replace(&fake.bearer, "wrong"),
        )
        .unwrap();
        let c = Cluster::connect(&ClusterOptions {
            kubeconfig: Some(bad),
            context: None,
        })
        .await
        .unwrap();
        let msg = full(&c.apiserver_jwks().await.unwrap_err());
        assert!(msg.contains("Unauthorized"), "{msg}");
    });
}

#[test]
fn issuer_fetch_checks_tls_issuer_and_status() {
    let k = keys();
    let fake = FakeCluster::start(spec(
        &k.old,
        vec![vec![&k.old.public]],
        Some(vec![&k.old.public]),
    ));
    run(async {
        // The platform roots do not know the cluster's CA.
        let e = fetch_issuer_jwks(&fake.issuer, None).await.unwrap_err();
        let msg = full(&e);
        assert!(
            msg.starts_with(&format!(
                "GET {}/.well-known/openid-configuration",
                fake.issuer
            )),
            "{msg}"
        );
        // The issuer must match byte for byte (a trailing slash breaks relying parties).
        let e = fetch_issuer_jwks(&format!("{}/", fake.issuer), Some(&fake.ca_file))
            .await
            .unwrap_err();
        assert!(
            full(&e).contains("relying parties reject tokens"),
            "{}",
            full(&e)
        );
        // Nothing published there: HTTP 404, naming the URL.
        let base = format!("https://localhost:{}/issuer/nothing", fake.ports[0]);
        let e = fetch_issuer_jwks(&base, Some(&fake.ca_file))
            .await
            .unwrap_err();
        assert_eq!(
            full(&e),
            format!("{base}/.well-known/openid-configuration: HTTP 404 Not Found")
        );
        let e = fetch_issuer_jwks("http://localhost/x", None)
            .await
            .unwrap_err();
        assert!(full(&e).contains("must use https"), "{}", full(&e));
    });
}

#[test]
fn no_token_or_credential_in_any_error_or_debug() {
    let k = keys();
    let fake = FakeCluster::start(spec(&k.new, vec![vec![&k.new.public]], None));
    let pod_token = fake.pod_token("apps", "web-0");
    let mut rendered = Vec::new();
    let minted = run(async {
        let c = connect(&fake).await;
        rendered.push(format!("{c:?}"));
        let t = c.request_token("default", "sakr", &[], None).await.unwrap();
        rendered.push(format!("{t:?}"));
        let p = c
            .read_pod_token("apps", "web-0", None, sakr::cluster::DEFAULT_TOKEN_PATH)
            .await
            .unwrap();
        rendered.push(format!("{p:?} {p}"));
        let errors = [
            c.read_pod_token("apps", "web-0", None, "/x")
                .await
                .unwrap_err(),
            c.read_pod_token("apps", "web-0", Some("nope"), "/x")
                .await
                .unwrap_err(),
            c.request_token("default", "nobody", &[], None)
                .await
                .unwrap_err(),
        ];
        for e in &errors {
            rendered.push(format!("{e} | {e:?} | {}", full(e)));
        }
        String::from_utf8(t.token.expose().to_vec()).unwrap()
    });
    for r in &rendered {
        for secret in [&pod_token, &minted, &fake.bearer] {
            assert!(!r.contains(secret.as_str()), "a secret leaked into: {r}");
        }
        // Not even a JWT-looking fragment.
        assert!(!r.contains("eyJ"), "{r}");
    }
}
