//! Gates on evidence (issue 18): what relying parties see before switch, and the legacy token
//! Secrets before retire.
//!
//! The relying parties' view is a real HTTPS server with its own CA on 127.0.0.1, serving the
//! publish directory through a caching layer that keeps the previous JWKS until its max-age
//! (tests/cli/servers/https_cache.rs); sakr reaches it through `SSL_CERT_FILE`, as relying
//! parties on the machine would. The legacy tokens live in the test API server as Secrets whose
//! tokens the test signs with the old key; its "tokens controller" re-issues a cleared one.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest::Node;
use crate::rotate::mint;
use crate::servers::https_cache::CachedIssuer;
use crate::support::*;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

const MAX_AGE: u64 = 3;

fn rotate(node: &Node, state: &Path, ca: &Path, args: &[&str]) -> std::process::Output {
    sakr()
        .env("SSL_CERT_FILE", ca)
        .arg("rotate")
        .args(args)
        .arg("--state")
        .arg(state)
        .current_dir(node.root.path())
        .output()
        .unwrap()
}

fn start(node: &Node, state: &Path, issuer: &str, ca: &Path, extra: &[&str]) {
    let published = node.root.path().join("published");
    let out = sakr()
        .env("SSL_CERT_FILE", ca)
        .args(["rotate", "start", "--single-node", "--layout", "flags"])
        .args(["--name", "sa-next", "-a", "ecdsa-p256", "--state"])
        .arg(state)
        .arg("--publish-to")
        .arg(format!("file://{}", published.display()))
        .args(["--issuer", issuer])
        .args(["--cache-control", &format!("public, max-age={MAX_AGE}")])
        .arg("--manifests-dir")
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("--backup-dir")
        .arg(node.backup_dir())
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// What a relying party's cache holds: the documents for the old key alone, published before
/// the rotation and fetched once through the cache.
fn publish_old_and_prime(node: &Node, issuer: &CachedIssuer) {
    let published = node.root.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let out = sakr()
        .args(["publish", "--to"])
        .arg(format!("file://{}", published.display()))
        .arg("--key")
        .arg(node.root.path().join("etc/kubernetes/pki/sa.pub"))
        .args(["--issuer", &issuer.url])
        .args(["--cache-control", &format!("public, max-age={MAX_AGE}")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let rt = sakr::cluster::runtime().unwrap();
    let seen = rt
        .block_on(sakr::cluster::fetch_issuer_jwks(
            &issuer.url,
            Some(&issuer.ca_file),
        ))
        .unwrap();
    assert_eq!(seen.kids().unwrap().len(), 1);
}

fn state_json(state: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(state).unwrap()).unwrap()
}

/// Switch waits (exit 3) while the cache in front of the issuer serves the previous JWKS, then
/// until the max-age has passed since the publish stage read the new one back, then opens.
#[test]
fn switch_waits_until_relying_parties_can_see_the_new_kid() {
    let node = Node::new();
    let issuer = CachedIssuer::start(
        &node.root.path().join("published"),
        &format!("public, max-age={MAX_AGE}"),
    );
    publish_old_and_prime(&node, &issuer);
    let state = node.root.path().join("rotation.json");
    start(&node, &state, &issuer.url, &issuer.ca_file, &[]);
    for stage in ["publish", "trust"] {
        let out = rotate(&node, &state, &issuer.ca_file, &["next"]);
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    // Right away: the storage holds the new kid, the cache still serves the old JWKS.
    let out = rotate(&node, &state, &issuer.ca_file, &["next"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(issuer.stale_hits() > 0, "the cache served the old JWKS");
    assert!(
        stderr(&out).contains("waiting until relying parties see the new kid")
            && stderr(&out).contains(&format!("{}/openid/v1/jwks", issuer.url)),
        "{}",
        stderr(&out)
    );
    assert!(
        node.apiserver()
            .contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa.key"),
        "nothing switched"
    );
    // Then: every further wait is one of the two, and the gate opens.
    let t = Instant::now();
    let mut waits = vec!["cache"];
    loop {
        let out = rotate(&node, &state, &issuer.ca_file, &["next"]);
        match out.status.code() {
            Some(0) => break,
            Some(3) => {
                let e = stderr(&out);
                waits.push(if e.contains("waiting until relying parties see") {
                    "cache"
                } else {
                    assert!(
                        e.contains("before switching: relying parties may keep"),
                        "{e}"
                    );
                    "max-age"
                });
            }
            other => panic!("{other:?}: {}", stderr(&out)),
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "never opened: {waits:?}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    eprintln!("switch waits: {waits:?}");
    let s = state_json(&state);
    let publish_at: jiff::Timestamp = s["stages"]["publish"]["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let switch_at: jiff::Timestamp = s["stages"]["switch"]["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        switch_at >= publish_at + jiff::SignedDuration::from_secs(MAX_AGE as i64),
        "switched at {switch_at}, published at {publish_at}"
    );
    assert_eq!(s["public_view"]["max_age_seconds"], MAX_AGE);
    assert!(
        s["public_view"]["kids"]
            .to_string()
            .contains(s["new"]["kid"].as_str().unwrap())
    );
    let status = rotate(&node, &state, &issuer.ca_file, &["status"]);
    assert!(
        stdout(&status).contains("public check: on; at"),
        "{}",
        stdout(&status)
    );
}

/// A wrong CA and an unreachable issuer are errors naming the issuer (exit 2), not a pass;
/// `--no-public-check` is recorded and shown.
#[test]
fn the_public_check_fails_clearly_and_can_be_turned_off_on_the_record() {
    let node = Node::new();
    let issuer = CachedIssuer::start(
        &node.root.path().join("published"),
        &format!("public, max-age={MAX_AGE}"),
    );
    let state = node.root.path().join("rotation.json");
    start(&node, &state, &issuer.url, &issuer.ca_file, &[]);
    for _ in ["publish", "trust"] {
        assert!(
            rotate(&node, &state, &issuer.ca_file, &["next"])
                .status
                .success()
        );
    }
    let before = node.apiserver();
    let out = rotate(&node, &state, &issuer.other_ca_file, &["next"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(
        e.contains(&issuer.url) && e.contains("certificate") && e.contains("SSL_CERT_FILE"),
        "{e}"
    );
    assert_eq!(node.apiserver(), before, "nothing switched");

    // An issuer nobody answers: another rotation, same check.
    let node2 = Node::new();
    let state2 = node2.root.path().join("rotation.json");
    let dead = format!("https://localhost:{}", closed_port());
    start(&node2, &state2, &dead, &issuer.ca_file, &[]);
    for _ in ["publish", "trust"] {
        assert!(
            rotate(&node2, &state2, &issuer.ca_file, &["next"])
                .status
                .success()
        );
    }
    let out = rotate(&node2, &state2, &issuer.ca_file, &["next"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains(&dead), "{}", stderr(&out));
    // The operator knows this runner cannot reach it: the fetch is skipped, not the wait
    // (the published max-age since publish); then recorded, shown, and the switch runs.
    let t = Instant::now();
    let out = loop {
        let out = rotate(
            &node2,
            &state2,
            &issuer.ca_file,
            &["next", "--no-public-check"],
        );
        if out.status.code() != Some(3) {
            break out;
        }
        assert!(
            stderr(&out).contains("the public jwks_uri is not fetched: --no-public-check"),
            "{}",
            stderr(&out)
        );
        assert!(t.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("relying parties' view not checked"),
        "{}",
        stderr(&out)
    );
    let s = state_json(&state2);
    assert!(
        s["no_public_check"]["note"]
            .as_str()
            .unwrap()
            .starts_with("--no-public-check given by"),
        "{s}"
    );
    let status = rotate(&node2, &state2, &issuer.ca_file, &["status"]);
    assert!(stdout(&status).contains("public check: off: --no-public-check given by"));
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The kid of a JWT's header, read independently of sakr.
fn header_kid(token: &str) -> String {
    use base64::Engine as _;
    let head = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    v["kid"].as_str().unwrap().to_string()
}

fn secret_kid(cluster: &FakeCluster, ns: &str, name: &str) -> String {
    use base64::Engine as _;
    let s = cluster.object("secrets", ns, name).unwrap();
    let token = base64::engine::general_purpose::STANDARD
        .decode(s["data"]["token"].as_str().unwrap())
        .unwrap();
    header_kid(&String::from_utf8(token).unwrap())
}

/// Retire refuses while legacy token Secrets carry the old kid, naming them (not the Opaque
/// Secret that happens to hold such a token); `--reissue-legacy-tokens` has the tokens
/// controller re-sign them with the new key, confirms each kid, and retires.
#[test]
fn retire_waits_for_legacy_tokens_and_reissue_re_signs_them() {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let cluster = FakeCluster::start(Spec::signing_with(
        &pki.join("sa.key"),
        &[("default", "default")],
    ));
    cluster.watch_manifest(
        0,
        &node.manifests().join("kube-apiserver.yaml"),
        node.root.path(),
        Duration::from_millis(300),
    );
    let old_token = mint(&pki.join("sa.key"));
    let old_kid = header_kid(&old_token);
    cluster.plant_legacy_token("default", "build-robot-token", "build-robot", &old_token);
    // A token from before kube-controller-manager wrote kids (Kubernetes < 1.16): no kid,
    // signed by the old key (openssl, RS256).
    let head = URL_SAFE_NO_PAD.encode(r#"{"alg":"RS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD
        .encode(r#"{"iss":"kubernetes/serviceaccount","sub":"system:serviceaccount:default:old"}"#);
    let sig = sh(
        &format!(
            "printf '%s' '{head}.{body}' | openssl dgst -sha256 -sign {} | basenc --base64url | tr -d '=\\n'",
            pki.join("sa.key").display()
        ),
        node.root.path(),
    );
    cluster.plant_legacy_token(
        "default",
        "kidless-token",
        "old",
        &format!("{head}.{body}.{sig}"),
    );
    cluster.plant_legacy_token("kube-system", "old-ci-token", "ci", &old_token);
    cluster.plant_secret("default", "not-a-legacy-token", "Opaque", "x", &old_token);
    let state = node.root.path().join("rotation.json");
    let unused_ca = node.root.path().join("none.crt");
    start(
        &node,
        &state,
        "https://kubernetes.default.svc.cluster.local",
        &unused_ca,
        &[
            "--no-public-check",
            "--kubeconfig",
            cluster.kubeconfig.to_str().unwrap(),
        ],
    );
    let mut s = state_json(&state);
    s["simulated_clock"] = true.into();
    std::fs::write(&state, s.to_string()).unwrap();
    let far = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30)).to_string();
    // Each stage until it runs (exit 3 while the apiserver restarts); retire at a time past its
    // window (the rehearse-style simulated clock).
    let next = |extra: &[&str]| -> std::process::Output {
        let t = Instant::now();
        let at: &[&str] = if extra.contains(&"retire") {
            &["--at", &far]
        } else {
            &[]
        };
        let extra: Vec<&str> = extra.iter().copied().filter(|a| *a != "retire").collect();
        loop {
            let out = rotate(&node, &state, &unused_ca, &[&["next"], at, &extra].concat());
            if out.status.code() != Some(3) || t.elapsed() > Duration::from_secs(30) {
                return out;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    };
    // The apiserver's ServiceAccount token counters: read at switch and before retire.
    cluster.set_metrics(
        "# TYPE serviceaccount_legacy_tokens_total counter\nserviceaccount_legacy_tokens_total 3\nserviceaccount_stale_tokens_total 0\nserviceaccount_valid_tokens_total 10\n",
    );
    for stage in ["publish", "trust", "switch", "verify"] {
        let out = next(&[]);
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    cluster.set_metrics(
        "serviceaccount_legacy_tokens_total 5\nserviceaccount_stale_tokens_total 0\nserviceaccount_valid_tokens_total 40\n",
    );
    let new_kid = state_json(&state)["new"]["kid"]
        .as_str()
        .unwrap()
        .to_string();
    let before = node.apiserver();
    let out = next(&["retire"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(
        e.contains("3 legacy token Secret(s) still carry it")
            && e.contains("default/build-robot-token")
            && e.contains("default/kidless-token")
            && e.contains("kube-system/old-ci-token")
            && !e.contains("not-a-legacy-token"),
        "{e}"
    );
    assert_eq!(node.apiserver(), before, "nothing retired");
    assert_eq!(
        secret_kid(&cluster, "default", "build-robot-token"),
        old_kid
    );

    let out = next(&["retire", "--reissue-legacy-tokens"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for (ns, name) in [
        ("default", "build-robot-token"),
        ("default", "kidless-token"),
        ("kube-system", "old-ci-token"),
    ] {
        assert_eq!(secret_kid(&cluster, ns, name), new_kid, "{ns}/{name}");
        assert!(
            stderr(&out).contains(&format!(
                "{ns}/{name} re-signed by kube-controller-manager: kid {new_kid}"
            )),
            "{}",
            stderr(&out)
        );
    }
    assert_eq!(
        secret_kid(&cluster, "default", "not-a-legacy-token"),
        old_kid,
        "another type is left alone"
    );
    assert!(
        !node.apiserver().contains("/etc/kubernetes/pki/sa.pub"),
        "retired"
    );
    // Legacy tokens were still used between switch and retire: said, per apiserver.
    assert!(
        stderr(&out).contains("serviceaccount_legacy_tokens_total grew by 2 on"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains("serviceaccount_valid_tokens_total grew"));
    let s = state_json(&state);
    assert_eq!(
        s["metrics"]["verify"][0]["counters"]["serviceaccount_legacy_tokens_total"],
        3
    );
    assert_eq!(
        s["metrics"]["retire"][0]["counters"]["serviceaccount_legacy_tokens_total"],
        5
    );
    let status = rotate(&node, &state, &unused_ca, &["status"]);
    assert!(
        stdout(&status).contains("token counters at verify:")
            && stdout(&status).contains("serviceaccount_legacy_tokens_total=3"),
        "{}",
        stdout(&status)
    );
}

/// Without a cluster to list them, retire refuses; `--allow-breaking-legacy-tokens` is
/// recorded in the state and shown by status.
#[test]
fn allow_breaking_legacy_tokens_is_recorded() {
    let r = crate::rotate::Rotation::start(&["--single-node"]);
    r.simulate_clock();
    let token = r.node.root.path().join("token");
    for stage in ["publish", "trust", "switch"] {
        let out = r.rotate(&["next"]);
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    std::fs::write(&token, mint(&r.pki("sa-next.key"))).unwrap();
    assert!(
        r.rotate(&["next", "--token-file", token.to_str().unwrap()])
            .status
            .success()
    );
    let far = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30)).to_string();
    let out = r.rotate(&["next", "--at", &far]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no cluster to list them"),
        "{}",
        stderr(&out)
    );
    let out = r.rotate(&["next", "--at", &far, "--allow-breaking-legacy-tokens"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = r.state_json();
    assert!(
        s["legacy_tokens_allowed"]["note"]
            .as_str()
            .unwrap()
            .starts_with("--allow-breaking-legacy-tokens given by"),
        "{s}"
    );
    assert!(s["stages"]["retire"].is_object());
}

/// `sakr drift --publish-to`: the storage beside what relying parties get over HTTPS, the legacy
/// token Secrets per kid, each difference with whom it matters to.
#[test]
fn drift_tells_the_storage_from_the_public_view_and_counts_legacy_tokens() {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let read_pub = |f: &str| {
        sakr::keys::parse_pem_file(&std::fs::read(pki.join(f)).unwrap())
            .unwrap()
            .blocks[0]
            .key
            .clone()
    };
    let (old, new) = (read_pub("sa.pub"), read_pub("sa-new.pub"));
    // Switched to the new key, both apiservers trust both; the storage has both keys, but what
    // relying parties get under the issuer (a CDN) still has only the old one.
    let mut spec = Spec::signing_with(&pki.join("sa-new.key"), &[("default", "default")]);
    spec.apiserver_keys = vec![
        vec![old.clone(), new.clone()],
        vec![old.clone(), new.clone()],
    ];
    spec.published = Some(vec![old.clone()]);
    let cluster = FakeCluster::start(spec);
    let stored = node.root.path().join("stored");
    std::fs::create_dir_all(&stored).unwrap();
    let out = sakr()
        .args(["publish", "--to"])
        .arg(format!("file://{}", stored.display()))
        .arg("--key")
        .arg(pki.join("sa.pub"))
        .arg("--key")
        .arg(pki.join("sa-new.pub"))
        .args(["--issuer", &cluster.issuer])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    cluster.plant_legacy_token(
        "default",
        "build-robot-token",
        "build-robot",
        &mint(&pki.join("sa.key")),
    );
    let drift = |json: bool| {
        let mut c = sakr();
        if json {
            c.args(["-o", "json"]);
        }
        c.args(["drift", "--issuer", &cluster.issuer, "--kubeconfig"])
            .arg(&cluster.kubeconfig)
            .arg("--ca")
            .arg(&cluster.ca_file)
            .arg("--publish-to")
            .arg(format!("file://{}", stored.display()))
            .output()
            .unwrap()
    };
    let out = drift(false);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let e = stderr(&out);
    assert!(
        e.contains(&format!(
            "the signing kid {} is in the storage but relying parties do not see it yet",
            new.kid()
        )) && e.contains("[matters to relying parties outside the cluster]"),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "1 legacy token Secret(s) still carry the old kid {}",
            old.kid()
        )) && e.contains("[matters to clients of legacy token Secrets]"),
        "{e}"
    );
    assert!(stdout(&out).contains("stored"), "{}", stdout(&out));
    let out = drift(true);
    crate::json_schema::assert_valid("drift", &out, 1);
    let doc = json(&out);
    let kinds: Vec<&str> = doc["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["apiserver", "apiserver", "published", "stored"]);
}
