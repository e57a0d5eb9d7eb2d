//! `sakr signer` (issue 20), played against as kube-apiserver plays it: a gRPC client over the
//! Unix socket calls Metadata, FetchKeys and Sign (`v1` and `v1alpha1`); the token assembled
//! from Sign (header + claims + signature) is verified by PyJWT against the JWKS built from
//! FetchKeys; kids are checked against openssl's.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sakr::signer::proto::{v1, v1alpha1};

use crate::support::*;

pub(crate) struct Running {
    pub(crate) child: Child,
    pub(crate) socket: PathBuf,
    pub(crate) _dir: tempfile::TempDir,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn init(dir: &Path, alg: &str) -> PathBuf {
    let config = dir.join("signer.json");
    let out = sakr()
        .args(["signer", "init", "--config"])
        .arg(&config)
        .args(["--generate", alg, "--key-dir"])
        .arg(dir.join("keys"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    config
}

fn serve(dir: tempfile::TempDir, config: &Path) -> Running {
    let socket = dir.path().join("run/signer.sock");
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sakr"))
        .args(["signer", "serve", "--config"])
        .arg(config)
        .arg("--socket")
        .arg(&socket)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !socket.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the signer never listened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Running {
        child,
        socket,
        _dir: dir,
    }
}

pub(crate) fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// What kube-apiserver gets from one signer through one API version.
struct Seen {
    max_expiration: i64,
    keys: Vec<(String, Vec<u8>, bool)>,
    refresh_hint: i64,
    token: String,
}

pub(crate) fn claims_b64() -> String {
    let now = jiff::Timestamp::now().as_second();
    URL_SAFE_NO_PAD.encode(
        serde_json::json!({
            "iss": "https://kubernetes.default.svc.cluster.local",
            "sub": "system:serviceaccount:default:default",
            "aud": ["https://kubernetes.default.svc.cluster.local"],
            "iat": now, "nbf": now, "exp": now + 3600,
        })
        .to_string(),
    )
}

macro_rules! play_apiserver {
    ($m:ident, $socket:expr) => {{
        rt().block_on(async {
            let ch = sakr::signer::client::channel($socket).await.unwrap();
            let mut c = $m::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
            let md = c
                .metadata($m::MetadataRequest {})
                .await
                .unwrap()
                .into_inner();
            let keys = c
                .fetch_keys($m::FetchKeysRequest {})
                .await
                .unwrap()
                .into_inner();
            let claims = claims_b64();
            let signed = c
                .sign($m::SignJwtRequest {
                    claims: claims.clone(),
                })
                .await
                .unwrap()
                .into_inner();
            // A claims payload that is not a JSON object is refused.
            let bad = c
                .sign($m::SignJwtRequest {
                    claims: URL_SAFE_NO_PAD.encode("[1,2]"),
                })
                .await
                .unwrap_err();
            assert_eq!(bad.code(), tonic::Code::InvalidArgument, "{bad}");
            assert!(keys.data_timestamp.is_some());
            Seen {
                max_expiration: md.max_token_expiration_seconds,
                keys: keys
                    .keys
                    .into_iter()
                    .map(|k| (k.key_id, k.key, k.exclude_from_oidc_discovery))
                    .collect(),
                refresh_hint: keys.refresh_hint_seconds,
                token: format!("{}.{claims}.{}", signed.header, signed.signature),
            }
        })
    }};
}

/// The JWKS a relying party would build from FetchKeys: every key not excluded.
pub(crate) fn jwks_from(keys: &[(String, Vec<u8>, bool)], dir: &Path) -> PathBuf {
    let mut public = Vec::new();
    for (kid, der, excluded) in keys {
        if *excluded {
            continue;
        }
        let pem = sakr::keys::pem_encode("PUBLIC KEY", der.clone());
        let k = sakr::keys::parse_pem_file(pem.as_bytes()).unwrap().blocks[0]
            .key
            .clone();
        assert_eq!(&k.kid(), kid, "FetchKeys' kid is the kid of its key");
        public.push(k);
    }
    let path = dir.join("jwks.json");
    std::fs::write(&path, sakr::jwks::Jwks::from_keys(&public).0.to_json()).unwrap();
    path
}

pub(crate) fn pyjwt_verifies(jwks: &Path, token: &str, alg: &str, dir: &Path) {
    let tf = dir.join("token");
    std::fs::write(&tf, token).unwrap();
    let out = std::process::Command::new(python())
        .arg(fixture("../rp-python/verify_token.py"))
        .arg("--jwks")
        .arg(jwks)
        .arg("--token-file")
        .arg(&tf)
        .args(["--alg", alg])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyJWT rejected the {alg} token: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Metadata, FetchKeys and Sign through v1 and v1alpha1, for every algorithm: the token from
/// Sign verifies with PyJWT against the JWKS built from FetchKeys; the kid is openssl's.
#[test]
fn kube_apiserver_s_calls_through_v1_and_v1alpha1_verify_with_pyjwt() {
    let mut rows = Vec::new();
    for (alg, jws) in [
        ("rsa-2048", "RS256"),
        ("ecdsa-p256", "ES256"),
        ("ecdsa-p384", "ES384"),
        ("ecdsa-p521", "ES512"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().to_path_buf();
        let config = init(dir.path(), alg);
        let key = std::fs::read_dir(work.join("keys"))
            .unwrap()
            .next()
            .unwrap()
            .unwrap()
            .path();
        let openssl = openssl_kid(
            &format!("openssl pkey -in {} -pubout", key.display()),
            &work,
        );
        let s = serve(dir, &config);
        use std::os::unix::fs::PermissionsExt as _;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&s.socket), 0o600, "socket");
        assert_eq!(mode(s.socket.parent().unwrap()), 0o700, "its directory");
        for (version, seen) in [
            ("v1", play_apiserver!(v1, &s.socket)),
            ("v1alpha1", play_apiserver!(v1alpha1, &s.socket)),
        ] {
            assert_eq!(seen.max_expiration, 86_400, "{version}");
            assert_eq!(seen.refresh_hint, 60, "{version}");
            assert_eq!(seen.keys.len(), 1);
            assert_eq!(seen.keys[0].0, openssl, "{version}: kid");
            assert!(!seen.keys[0].2);
            let jwks = jwks_from(&seen.keys, &work);
            pyjwt_verifies(&jwks, &seen.token, jws, &work);
            rows.push(format!("{version:<9} {jws} verified by PyJWT"));
        }
    }
    eprintln!("{}", rows.join("\n"));
}

/// The set reloads on SIGHUP: a second key, excluded from discovery, appears in FetchKeys; a
/// broken file afterwards keeps the running set; the active key moves with the file.
#[test]
fn sighup_reloads_the_set_and_a_bad_file_keeps_the_running_one() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let config = init(dir.path(), "ecdsa-p256");
    let s = serve(dir, &config);
    let pid = s.child.id().to_string();
    let hup = || {
        assert!(
            std::process::Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let fetch = |socket: &Path| -> Vec<(String, bool)> {
        rt().block_on(async {
            let ch = sakr::signer::client::channel(socket).await.unwrap();
            let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
            c.fetch_keys(v1::FetchKeysRequest {})
                .await
                .unwrap()
                .into_inner()
                .keys
                .into_iter()
                .map(|k| (k.key_id, k.exclude_from_oidc_discovery))
                .collect()
        })
    };
    assert_eq!(fetch(&s.socket).len(), 1);
    // A second key, trusted but excluded from discovery.
    keygen(&work, "second", "rsa-2048");
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    cfg["keys"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "second", "backend": "file",
        "path": work.join("second.key"), "exclude_from_discovery": true
    }));
    std::fs::write(&config, cfg.to_string()).unwrap();
    std::fs::copy(&config, work.join("good.json")).unwrap();
    hup();
    let keys = fetch(&s.socket);
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys[1].1, "the second key is excluded from discovery");
    // Two active keys: refused, the running set stays.
    cfg["keys"][1]["active"] = true.into();
    cfg["keys"][1]["exclude_from_discovery"] = false.into();
    std::fs::write(&config, cfg.to_string()).unwrap();
    hup();
    assert_eq!(fetch(&s.socket), keys);
    let out = sakr()
        .args(["-o", "json", "signer", "status", "--config"])
        .arg(work.join("good.json"))
        .output()
        .unwrap();
    crate::json_schema::assert_valid("signer_status", &out, 0);
    assert_eq!(json(&out)["keys"].as_array().unwrap().len(), 2);
    let out = sakr()
        .args(["signer", "status", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("2 keys are active"),
        "{}",
        stderr(&out)
    );
}

/// Bad input: a clear error naming the entry, exit 2.
#[test]
fn bad_key_sets_and_sockets_are_refused_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path();
    let config = init(work, "ecdsa-p256");
    keygen(work, "plain", "ecdsa-p256");
    let cfg: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let with = |entry: serde_json::Value| {
        let mut c = cfg.clone();
        c["keys"].as_array_mut().unwrap().push(entry);
        let p = work.join("bad.json");
        std::fs::write(&p, c.to_string()).unwrap();
        std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let out = sakr()
            .args(["signer", "status", "--config"])
            .arg(&p)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        stderr(&out)
    };
    let e =
        with(serde_json::json!({"name": "gone", "backend": "file", "path": work.join("nope.key")}));
    assert!(e.contains("key \"gone\"") && e.contains("nope.key"), "{e}");
    let e = with(
        serde_json::json!({"name": "public", "backend": "file", "path": work.join("plain.pub")}),
    );
    assert!(
        e.contains("key \"public\"") && e.contains("holds no private key"),
        "{e}"
    );
    let e = with(serde_json::json!({"name": "hsm", "backend": "tpm", "path": "/x"}));
    assert!(e.contains("key \"hsm\"") && e.contains("\"tpm\""), "{e}");
    // A socket in a directory others can write: refused before anything listens.
    let open = work.join("open");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let out = sakr()
        .args(["signer", "serve", "--config"])
        .arg(&config)
        .arg("--socket")
        .arg(open.join("s.sock"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("writable by others"),
        "{}",
        stderr(&out)
    );
    assert!(!open.join("s.sock").exists());
}

/// Hot rotation under load (the must-show): while a client calls Sign continuously, the
/// key set goes through a whole rotation by config edits and SIGHUP — add the new key, make it
/// active, drop the old one. No call fails, and every token verifies against the FetchKeys
/// answer fetched right after it (the keys kube-apiserver would hold at that time).
#[test]
fn a_rotation_under_load_fails_no_call_and_every_token_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().to_path_buf();
    let config = init(dir.path(), "ecdsa-p256");
    keygen(&work, "next", "ecdsa-p256");
    let s = serve(dir, &config);
    let pid = s.child.id().to_string();
    let socket = s.socket.clone();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let worker = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            rt().block_on(async move {
                let ch = sakr::signer::client::channel(&socket).await.unwrap();
                let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
                let (mut calls, mut kids) = (0u64, Vec::<String>::new());
                while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                    let claims = claims_b64();
                    let signed = c
                        .sign(v1::SignJwtRequest {
                            claims: claims.clone(),
                        })
                        .await
                        .expect("no Sign call fails during the rotation")
                        .into_inner();
                    let keys = c
                        .fetch_keys(v1::FetchKeysRequest {})
                        .await
                        .expect("no FetchKeys call fails")
                        .into_inner()
                        .keys;
                    let token = format!("{}.{claims}.{}", signed.header, signed.signature);
                    let decoded = sakr::token::decode(&token).unwrap();
                    let kid = decoded.kid().unwrap().to_string();
                    let key = keys
                        .iter()
                        .find(|k| k.key_id == kid)
                        .unwrap_or_else(|| panic!("kid {kid} signed but not in FetchKeys"));
                    assert!(
                        !key.exclude_from_oidc_discovery,
                        "signed with an excluded key"
                    );
                    let pem = sakr::keys::pem_encode("PUBLIC KEY", key.key.clone());
                    let public = sakr::keys::parse_pem_file(pem.as_bytes()).unwrap().blocks[0]
                        .key
                        .clone();
                    assert!(
                        decoded.verify_with(&public),
                        "token {calls} does not verify"
                    );
                    if kids.last() != Some(&kid) {
                        kids.push(kid);
                    }
                    calls += 1;
                }
                (calls, kids)
            })
        })
    };
    let mut cfg: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let write_and_hup = |cfg: &serde_json::Value| {
        std::fs::write(&config, cfg.to_string()).unwrap();
        assert!(
            std::process::Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        );
        std::thread::sleep(Duration::from_millis(400));
    };
    std::thread::sleep(Duration::from_millis(300));
    // trust: the new key joins the set.
    cfg["keys"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "next", "backend": "file", "path": work.join("next.key")
    }));
    write_and_hup(&cfg);
    // switch: the new key signs.
    cfg["keys"][0]["active"] = false.into();
    cfg["keys"][1]["active"] = true.into();
    write_and_hup(&cfg);
    // retire: the old key leaves.
    cfg["keys"].as_array_mut().unwrap().remove(0);
    write_and_hup(&cfg);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (calls, kids) = worker.join().expect("the client saw no failure");
    eprintln!("{calls} Sign calls during the rotation, signing kids in order: {kids:?}");
    assert_eq!(kids.len(), 2, "old key, then new key: {kids:?}");
    assert!(calls > 10, "the load ran through the rotation: {calls}");
}
