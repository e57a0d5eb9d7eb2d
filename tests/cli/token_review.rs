//! The fake kube-apiserver's ServiceAccounts, TokenReview and apiservers on distinct loopback
//! addresses (fake_review.rs, fake_apiserver.rs), driven over real HTTPS with the cluster's CA
//! and the kubeconfig's TLS server name `localhost`. The tokens under review are minted here
//! with sakr's signer from keys generated here; what a review must answer follows
//! kube-apiserver's ServiceAccount token authenticator, not the fake's code.

use std::net::SocketAddr;

use reqwest::Method;
use sakr::keys::PublicKey;
use sakr::keys::generate::{Algorithm, GeneratedKey, generate};
use sakr::token::{ClaimsSpec, Signer, kube_claims};
use serde_json::{Value, json};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, FakePod, Spec};

const GROUPS: [&str; 3] = [
    "system:serviceaccounts",
    "system:serviceaccounts:default",
    "system:authenticated",
];

fn spec(signing: &GeneratedKey, apiservers: Vec<Vec<PublicKey>>, distinct_hosts: bool) -> Spec {
    Spec {
        signing_key: signing.private_pem.clone(),
        apiserver_keys: apiservers,
        published: None,
        service_accounts: vec![
            ("default".into(), "default".into()),
            ("apps".into(), "web".into()),
        ],
        pods: vec![FakePod {
            namespace: "apps".into(),
            name: "web-0".into(),
            containers: vec!["web".into()],
            service_account: "web".into(),
            token_path: sakr::cluster::DEFAULT_TOKEN_PATH.into(),
        }],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
        distinct_hosts,
    }
}

fn run<T>(f: impl Future<Output = T>) -> T {
    sakr::cluster::runtime().unwrap().block_on(f)
}

/// A client that trusts only the cluster's CA and sends `localhost` (the kubeconfig's host,
/// the name the serving certificate carries) to `host`.
fn client(fake: &FakeCluster, host: &str) -> reqwest::Client {
    let certs =
        reqwest::Certificate::from_pem_bundle(&std::fs::read(&fake.ca_file).unwrap()).unwrap();
    reqwest::Client::builder()
        .tls_certs_only(certs)
        .resolve("localhost", SocketAddr::new(host.parse().unwrap(), 0))
        .build()
        .unwrap()
}

/// One call to `https://localhost:PORT` at `host`: the status code and the body (JSON, or the
/// text as a JSON string).
async fn call_at(
    fake: &FakeCluster,
    host: &str,
    port: u16,
    method: Method,
    path: &str,
    body: Option<&Value>,
    bearer: Option<&str>,
) -> (u16, Value) {
    let mut req = client(fake, host).request(method, format!("https://localhost:{port}{path}"));
    if let Some(b) = bearer {
        req = req.bearer_auth(b);
    }
    if let Some(b) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(b.to_string());
    }
    let resp = req.send().await.unwrap();
    let code = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        code,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// One authorized call to apiserver `index`, where its slice says it is.
async fn call(
    fake: &FakeCluster,
    index: usize,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let (host, port) = (&fake.hosts[index], fake.ports[index]);
    call_at(fake, host, port, method, path, body, Some(&fake.bearer)).await
}

/// `status.token` of a TokenRequest to apiserver `index`.
async fn token_request(fake: &FakeCluster, index: usize, sa: &str, audiences: &[&str]) -> String {
    let (code, tr) = call(
        fake,
        index,
        Method::POST,
        &format!("/api/v1/namespaces/default/serviceaccounts/{sa}/token"),
        Some(&json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"audiences": audiences, "expirationSeconds": 3600},
        })),
    )
    .await;
    assert_eq!(code, 201, "{tr}");
    tr["status"]["token"].as_str().unwrap().to_string()
}

/// A TokenReview of `token` at apiserver `index`: the whole answer, after checking what every
/// answer has (201, the TokenReview and its spec echoed).
async fn review(fake: &FakeCluster, index: usize, token: &str, audiences: &[&str]) -> Value {
    let mut spec = json!({"token": token});
    if !audiences.is_empty() {
        spec["audiences"] = json!(audiences);
    }
    let (code, tr) = call(
        fake,
        index,
        Method::POST,
        "/apis/authentication.k8s.io/v1/tokenreviews",
        Some(&json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": spec,
        })),
    )
    .await;
    assert_eq!(code, 201, "{tr}");
    assert_eq!(tr["kind"], "TokenReview");
    assert_eq!(tr["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(tr["metadata"], json!({"creationTimestamp": null}));
    assert_eq!(tr["spec"], spec);
    tr
}

/// The error of a review that must not authenticate.
fn refused(tr: &Value) -> String {
    let s = &tr["status"];
    assert_ne!(s["authenticated"], true, "{tr}");
    assert_eq!(s["user"], json!({}), "{tr}");
    assert!(s.get("audiences").is_none(), "{tr}");
    let error = s["error"].as_str().unwrap().to_string();
    assert!(error.contains("invalid bearer token"), "{error}");
    error
}

/// A ServiceAccount token minted here, with kube's claims.
struct Mint {
    issuer: String,
    audiences: Vec<String>,
    namespace: &'static str,
    service_account: &'static str,
    uid: String,
    now: i64,
    ttl: i64,
}

impl Mint {
    fn new(issuer: &str, uid: &str) -> Mint {
        Mint {
            issuer: issuer.to_string(),
            audiences: vec![issuer.to_string()],
            namespace: "default",
            service_account: "default",
            uid: uid.to_string(),
            now: jiff::Timestamp::now().as_second(),
            ttl: 3600,
        }
    }

    fn sign(&self, key: &GeneratedKey) -> String {
        let claims = kube_claims(&ClaimsSpec {
            issuer: &self.issuer,
            audiences: &self.audiences,
            namespace: self.namespace,
            service_account: self.service_account,
            service_account_uid: &self.uid,
            pod: None,
            now: self.now,
            ttl_seconds: self.ttl,
        });
        Signer::from_pem(&key.private_pem)
            .unwrap()
            .sign(&claims)
            .unwrap()
    }
}

/// The `(address, port)` of every endpoint of the default/kubernetes EndpointSlices.
fn slice_endpoints(list: &Value) -> Vec<(String, u16)> {
    assert_eq!(list["kind"], "EndpointSliceList");
    let mut out = Vec::new();
    for slice in list["items"].as_array().unwrap() {
        let port = slice["ports"][0]["port"].as_u64().unwrap() as u16;
        for ep in slice["endpoints"].as_array().unwrap() {
            for a in ep["addresses"].as_array().unwrap() {
                out.push((a.as_str().unwrap().to_string(), port));
            }
        }
    }
    out
}

#[test]
fn distinct_hosts_listen_where_the_slices_say() {
    let a = generate(Algorithm::EcdsaP256).unwrap();
    let keys = vec![vec![a.public.clone()]; 3];
    let fake = FakeCluster::start(spec(&a, keys.clone(), true));
    assert_eq!(fake.hosts, ["127.0.0.1", "127.0.0.2", "127.0.0.3"]);
    run(async {
        let (code, list) = call(
            &fake,
            0,
            Method::GET,
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes",
            None,
        )
        .await;
        assert_eq!(code, 200, "{list}");
        let listed = slice_endpoints(&list);
        let want: Vec<(String, u16)> = ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
            .iter()
            .map(|h| h.to_string())
            .zip(fake.ports.iter().copied())
            .collect();
        assert_eq!(listed, want);
        // Each endpoint answers where it is listed, under the kubeconfig's server name.
        for (host, port) in &listed {
            let (code, body) = call_at(
                &fake,
                host,
                *port,
                Method::GET,
                "/readyz",
                None,
                Some(&fake.bearer),
            )
            .await;
            assert_eq!((code, body), (200, json!("ok")), "{host}:{port}");
        }
        let log = fake.requests();
        for i in 0..3 {
            assert!(log.contains(&format!("{i} GET /readyz")), "{log:?}");
        }
        // The Endpoints fallback lists the same addresses.
        let (code, ep) = call(
            &fake,
            2,
            Method::GET,
            "/api/v1/namespaces/default/endpoints/kubernetes",
            None,
        )
        .await;
        assert_eq!(code, 200, "{ep}");
        let ep_listed: Vec<(String, u16)> = ep["subsets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["addresses"][0]["ip"].as_str().unwrap().to_string(),
                    s["ports"][0]["port"].as_u64().unwrap() as u16,
                )
            })
            .collect();
        assert_eq!(ep_listed, want);
    });

    // Without distinct hosts every apiserver is on 127.0.0.1, as before.
    let same = FakeCluster::start(spec(&a, keys, false));
    assert_eq!(same.hosts, ["127.0.0.1"; 3]);
    run(async {
        let (_, list) = call(
            &same,
            1,
            Method::GET,
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes",
            None,
        )
        .await;
        let listed = slice_endpoints(&list);
        assert_eq!(listed.len(), 3);
        for ((host, port), want_port) in listed.iter().zip(&same.ports) {
            assert_eq!((host.as_str(), port), ("127.0.0.1", want_port));
            let (code, _) = call_at(
                &same,
                host,
                *port,
                Method::GET,
                "/readyz",
                None,
                Some(&same.bearer),
            )
            .await;
            assert_eq!(code, 200);
        }
    });
}

#[test]
fn service_account_uid_is_the_token_request_uid() {
    let a = generate(Algorithm::EcdsaP256).unwrap();
    let fake = FakeCluster::start(spec(&a, vec![vec![a.public.clone()]], true));
    run(async {
        let token = token_request(&fake, 0, "default", &[]).await;
        let claims = sakr::token::decode(&token).unwrap().claims;
        let (code, sa) = call(
            &fake,
            0,
            Method::GET,
            "/api/v1/namespaces/default/serviceaccounts/default",
            None,
        )
        .await;
        assert_eq!(code, 200, "{sa}");
        assert_eq!(sa["kind"], "ServiceAccount");
        assert_eq!(sa["apiVersion"], "v1");
        let m = &sa["metadata"];
        assert_eq!(
            (&m["name"], &m["namespace"]),
            (&json!("default"), &json!("default"))
        );
        assert_eq!(m["uid"], claims["kubernetes.io"]["serviceaccount"]["uid"]);
        assert!(!m["uid"].as_str().unwrap().is_empty());
        assert!(!m["resourceVersion"].as_str().unwrap().is_empty());
        m["creationTimestamp"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap();

        // Another ServiceAccount has another UID.
        let (code, web) = call(
            &fake,
            0,
            Method::GET,
            "/api/v1/namespaces/apps/serviceaccounts/web",
            None,
        )
        .await;
        assert_eq!(code, 200, "{web}");
        assert_ne!(web["metadata"]["uid"], m["uid"]);

        // One that does not exist (in that namespace) is kube's NotFound Status.
        for path in [
            "/api/v1/namespaces/default/serviceaccounts/ghost",
            "/api/v1/namespaces/apps/serviceaccounts/default",
        ] {
            let name = path.rsplit('/').next().unwrap();
            let (code, st) = call(&fake, 0, Method::GET, path, None).await;
            assert_eq!(code, 404, "{st}");
            assert_eq!(
                st,
                json!({
                    "kind": "Status", "apiVersion": "v1", "metadata": {},
                    "status": "Failure",
                    "message": format!("serviceaccounts \"{name}\" not found"),
                    "reason": "NotFound",
                    "details": {"name": name, "kind": "serviceaccounts"},
                    "code": 404,
                })
            );
        }

        // Without the bearer: 401 like every other route.
        let (code, st) = call_at(
            &fake,
            "127.0.0.1",
            fake.ports[0],
            Method::GET,
            "/api/v1/namespaces/default/serviceaccounts/default",
            None,
            None,
        )
        .await;
        assert_eq!((code, &st["reason"]), (401, &json!("Unauthorized")), "{st}");
    });
    assert!(
        fake.requests()
            .contains(&"0 GET /api/v1/namespaces/default/serviceaccounts/default".to_string())
    );
}

#[test]
fn token_review_authenticates_what_this_apiserver_trusts() {
    let a = generate(Algorithm::Rsa2048).unwrap();
    let b = generate(Algorithm::EcdsaP256).unwrap();
    let untrusted = generate(Algorithm::EcdsaP256).unwrap();
    // Apiserver 0 trusts a, apiserver 1 a and b; both sign with a.
    let fake = FakeCluster::start(spec(
        &a,
        vec![
            vec![a.public.clone()],
            vec![a.public.clone(), b.public.clone()],
        ],
        true,
    ));
    let issuer = fake.issuer.clone();
    run(async {
        let (_, sa) = call(
            &fake,
            0,
            Method::GET,
            "/api/v1/namespaces/default/serviceaccounts/default",
            None,
        )
        .await;
        let sa_uid = sa["metadata"]["uid"].as_str().unwrap().to_string();

        // A TokenRequest token, reviewed where it was issued and at the other apiserver.
        let token = token_request(&fake, 0, "default", &[]).await;
        for index in [0, 1] {
            let tr = review(&fake, index, &token, &[]).await;
            assert_eq!(
                tr["status"],
                json!({
                    "authenticated": true,
                    "user": {
                        "username": "system:serviceaccount:default:default",
                        "uid": sa_uid,
                        "groups": GROUPS,
                    },
                    "audiences": [issuer],
                }),
                "apiserver {index}"
            );
        }

        // Requested audiences: the matched ones come back; the issuer alone does not match.
        let vault = token_request(&fake, 1, "default", &["vault", "sts"]).await;
        let tr = review(&fake, 1, &vault, &["sts", "other"]).await;
        assert_eq!(tr["status"]["authenticated"], true, "{tr}");
        assert_eq!(tr["status"]["audiences"], json!(["sts"]));
        let error = refused(&review(&fake, 1, &vault, &[]).await);
        assert_eq!(
            error,
            format!(
                "[invalid bearer token, token audiences [\"vault\" \"sts\"] is invalid for the target audiences [\"{issuer}\"]]"
            )
        );

        // Signed by b: only apiserver 1 has it.
        let by_b = Mint::new(&issuer, &sa_uid).sign(&b);
        assert_eq!(
            review(&fake, 1, &by_b, &[]).await["status"]["authenticated"],
            true
        );
        let error = refused(&review(&fake, 0, &by_b, &[]).await);
        assert!(error.starts_with("[invalid bearer token, "), "{error}");

        // Signed by a key no apiserver has.
        for index in [0, 1] {
            let t = Mint::new(&issuer, &sa_uid).sign(&untrusted);
            refused(&review(&fake, index, &t, &[]).await);
        }
        // A valid token with its signature swapped for another key's (same kid).
        let mut forged: Vec<String> = token.split('.').map(str::to_string).collect();
        let other = Mint::new(&issuer, &sa_uid).sign(&generate(Algorithm::Rsa2048).unwrap());
        forged[2] = other.rsplit('.').next().unwrap().to_string();
        refused(&review(&fake, 0, &forged.join("."), &[]).await);

        // Expired an hour ago, and not valid for another hour.
        let expired = Mint {
            now: jiff::Timestamp::now().as_second() - 7200,
            ..Mint::new(&issuer, &sa_uid)
        };
        let error = refused(&review(&fake, 0, &expired.sign(&a), &[]).await);
        assert!(error.contains("expired"), "{error}");
        let early = Mint {
            now: jiff::Timestamp::now().as_second() + 3600,
            ..Mint::new(&issuer, &sa_uid)
        };
        let error = refused(&review(&fake, 0, &early.sign(&a), &[]).await);
        assert!(error.contains("not valid yet"), "{error}");

        // For another audience.
        let elsewhere = Mint {
            audiences: vec!["https://elsewhere.example".into()],
            ..Mint::new(&issuer, &sa_uid)
        };
        let error = refused(&review(&fake, 0, &elsewhere.sign(&a), &[]).await);
        assert!(
            error.contains("token audiences [\"https://elsewhere.example\"] is invalid"),
            "{error}"
        );
        // …which is fine when that audience is asked for.
        let tr = review(
            &fake,
            0,
            &elsewhere.sign(&a),
            &["https://elsewhere.example"],
        )
        .await;
        assert_eq!(tr["status"]["authenticated"], true, "{tr}");

        // A UID that is not the ServiceAccount's (it was deleted and re-created).
        let stale_uid = "00000000-0000-4000-8000-000000000000";
        let error = refused(&review(&fake, 0, &Mint::new(&issuer, stale_uid).sign(&a), &[]).await);
        assert!(
            error.contains(&format!(
                "service account UID ({sa_uid}) does not match claim ({stale_uid})"
            )),
            "{error}"
        );

        // A ServiceAccount that does not exist.
        let ghost = Mint {
            service_account: "ghost",
            ..Mint::new(&issuer, &sa_uid)
        };
        let error = refused(&review(&fake, 0, &ghost.sign(&a), &[]).await);
        assert!(
            error.contains("serviceaccounts \"ghost\" not found"),
            "{error}"
        );

        // Another issuer, or no JWT at all: no authenticator takes it.
        let other_issuer = Mint {
            issuer: "https://elsewhere.example".into(),
            ..Mint::new(&issuer, &sa_uid)
        };
        assert_eq!(
            refused(&review(&fake, 0, &other_issuer.sign(&a), &[]).await),
            "invalid bearer token"
        );
        assert_eq!(
            refused(&review(&fake, 0, "not-a-jwt", &[]).await),
            "invalid bearer token"
        );

        // A pod's projected token: the pod in the user's extra.
        let (_, web) = call(
            &fake,
            0,
            Method::GET,
            "/api/v1/namespaces/apps/serviceaccounts/web",
            None,
        )
        .await;
        let pod_token = fake.pod_token("apps", "web-0");
        let pod_claims = sakr::token::decode(&pod_token).unwrap().claims;
        let tr = review(&fake, 0, &pod_token, &[]).await;
        let user = &tr["status"]["user"];
        assert_eq!(tr["status"]["authenticated"], true, "{tr}");
        assert_eq!(user["username"], "system:serviceaccount:apps:web");
        assert_eq!(user["uid"], web["metadata"]["uid"]);
        assert_eq!(
            user["groups"],
            json!([
                "system:serviceaccounts",
                "system:serviceaccounts:apps",
                "system:authenticated"
            ])
        );
        assert_eq!(
            user["extra"],
            json!({
                "authentication.kubernetes.io/pod-name": ["web-0"],
                "authentication.kubernetes.io/pod-uid": [pod_claims["kubernetes.io"]["pod"]["uid"]],
            })
        );
    });
}

#[test]
fn token_review_refusals_are_kube_statuses() {
    let a = generate(Algorithm::EcdsaP256).unwrap();
    let fake = FakeCluster::start(spec(&a, vec![vec![a.public.clone()]], false));
    let path = "/apis/authentication.k8s.io/v1/tokenreviews";
    run(async {
        // Only create exists.
        let (code, st) = call(&fake, 0, Method::GET, path, None).await;
        assert_eq!(code, 405, "{st}");
        assert_eq!(
            st,
            json!({
                "kind": "Status", "apiVersion": "v1", "metadata": {},
                "status": "Failure",
                "message": "the server does not allow this method on the requested resource",
                "reason": "MethodNotAllowed",
                "details": {},
                "code": 405,
            })
        );
        // Not a TokenReview, or one without a token.
        for body in [
            json!("a string"),
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {"token": "x"}}),
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {}}),
        ] {
            let (code, st) = call(&fake, 0, Method::POST, path, Some(&body)).await;
            assert_eq!(code, 400, "{body}: {st}");
            assert_eq!(
                (&st["kind"], &st["reason"], &st["code"]),
                (&json!("Status"), &json!("BadRequest"), &json!(400)),
                "{st}"
            );
        }
        // A request without the bearer is not reviewed.
        let body = json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenReview",
            "spec": {"token": "x"},
        });
        let (code, st) = call_at(
            &fake,
            "127.0.0.1",
            fake.ports[0],
            Method::POST,
            path,
            Some(&body),
            Some("wrong"),
        )
        .await;
        assert_eq!((code, &st["reason"]), (401, &json!("Unauthorized")), "{st}");
    });
    let log = fake.requests();
    assert!(log.contains(&format!("0 GET {path}")), "{log:?}");
    assert!(log.contains(&format!("0 POST {path}")), "{log:?}");
}
