//! `sakr verify` and `sakr drift` through the real binary: tokens minted locally with keys from
//! `sakr keygen`, and the fake kube-apiserver of `fake_apiserver.rs` through its kubeconfig.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sakr::keys::secret::Secret;
use sakr::token::{ClaimsSpec, Signer, kube_claims};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, FakePod, Spec};
use crate::support::{json, sakr, stderr, stdout};

const ISSUER: &str = "https://issuer.example";

fn keygen(dir: &Path, name: &str, alg: &str) -> (PathBuf, PathBuf) {
    sakr()
        .args(["keygen", "-a", alg, "--name", name, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
    (
        dir.join(format!("{name}.key")),
        dir.join(format!("{name}.pub")),
    )
}

fn mint(key: &Path, issuer: &str, now: i64, ttl: i64) -> String {
    let pem = Secret::new(std::fs::read(key).unwrap());
    let aud = ["api".to_string()];
    let claims = kube_claims(&ClaimsSpec {
        issuer,
        audiences: &aud,
        namespace: "apps",
        service_account: "web",
        service_account_uid: "uid-1",
        pod: Some(("web-0", "uid-2")),
        now,
        ttl_seconds: ttl,
    });
    Signer::from_pem(&pem).unwrap().sign(&claims).unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Setup {
    dir: tempfile::TempDir,
    old_key: PathBuf,
    new_key: PathBuf,
    new_pub: PathBuf,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let (old_key, _) = keygen(dir.path(), "old", "rsa-2048");
    let (new_key, new_pub) = keygen(dir.path(), "new", "ecdsa-p256");
    Setup {
        dir,
        old_key,
        new_key,
        new_pub,
    }
}

fn write_token(s: &Setup, name: &str, token: &str) -> PathBuf {
    let p = s.dir.path().join(name);
    std::fs::write(&p, format!("  {token}\n")).unwrap();
    p
}

fn verify(s: &Setup, token_file: &Path, extra: &[&str]) -> std::process::Output {
    sakr()
        .arg("verify")
        .arg("--token-file")
        .arg(token_file)
        .arg("--expect-key")
        .arg(&s.new_pub)
        .args(extra)
        .output()
        .unwrap()
}

fn assert_secret_kept(out: &std::process::Output, token: &str) {
    let sig = token.rsplit('.').next().unwrap();
    for text in [stdout(out), stderr(out)] {
        assert!(!text.contains(token), "token printed: {text}");
        if sig.len() > 8 {
            assert!(!text.contains(sig), "signature printed: {text}");
        }
    }
}

#[test]
fn passes_with_the_new_key_and_prints_checks_and_claims() {
    let s = setup();
    let token = mint(&s.new_key, ISSUER, now(), 3600);
    let f = write_token(&s, "t", &token);
    let out = verify(&s, &f, &["--issuer", ISSUER]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for line in [
        "ok   key",
        "ok   alg",
        "ok   signature",
        "ok   iss",
        "ok   exp",
    ] {
        assert!(text.contains(line), "{line} missing from\n{text}");
    }
    assert!(
        text.contains("sub: system:serviceaccount:apps:web"),
        "{text}"
    );
    assert!(text.contains("kubernetes.io/namespace: apps"), "{text}");
    assert_secret_kept(&out, &token);

    let out = verify(&s, &f, &["--issuer", ISSUER, "-o", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["ok"], true);
    assert_eq!(doc["claims"]["iss"], ISSUER);
    assert!(
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["ok"] == true)
    );

    // stdin, and a JWKS file from `sakr jwks`.
    let jwks = s.dir.path().join("jwks.json");
    sakr()
        .args(["jwks", "--key"])
        .arg(&s.new_pub)
        .arg("--out")
        .arg(&jwks)
        .assert()
        .success();
    let out = sakr()
        .args(["verify", "--token-file", "-", "--jwks"])
        .arg(&jwks)
        .write_stdin(format!("{token}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn fails_on_old_key_tamper_issuer_and_expiry() {
    let s = setup();
    let old = mint(&s.old_key, ISSUER, now(), 3600);
    let out = verify(&s, &write_token(&s, "old", &old), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("FAIL key"), "{}", stdout(&out));
    assert_secret_kept(&out, &old);

    let good = mint(&s.new_key, ISSUER, now(), 3600);
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let mut sig = URL_SAFE_NO_PAD.decode(&parts[2]).unwrap();
    sig[5] ^= 1;
    parts[2] = URL_SAFE_NO_PAD.encode(sig);
    let tampered = parts.join(".");
    let out = verify(&s, &write_token(&s, "tampered", &tampered), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stdout(&out).contains("FAIL signature"), "{}", stdout(&out));
    assert_secret_kept(&out, &tampered);

    let out = verify(
        &s,
        &write_token(&s, "good", &good),
        &["--issuer", "https://other.example"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL iss"), "{}", stdout(&out));

    let expired = mint(&s.new_key, ISSUER, now() - 7200, 3600);
    let out = verify(&s, &write_token(&s, "expired", &expired), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL exp"), "{}", stdout(&out));
    let out = verify(&s, &write_token(&s, "expired", &expired), &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(json(&out)["ok"], false);

    let out = verify(
        &s,
        &write_token(&s, "good", &good),
        &["--expect-kid", "not-this-kid"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("FAIL kid"), "{}", stdout(&out));
}

#[test]
fn malformed_tokens_exit_2_without_echoing_them() {
    let s = setup();
    let enc = |v: &str| URL_SAFE_NO_PAD.encode(v);
    let none = format!(
        "{}.{}.c2lnbmF0dXJlc2VjcmV0",
        enc(r#"{"alg":"none","kid":"k"}"#),
        enc(r#"{"iss":"x"}"#)
    );
    let cases = [
        ("a.b", "three dot-separated parts"),
        (none.as_str(), "alg: none"),
        ("a!!.b.c", "base64url"),
    ];
    for (token, cause) in cases {
        let out = verify(&s, &write_token(&s, "bad", token), &[]);
        assert_eq!(out.status.code(), Some(2), "{token}: {}", stderr(&out));
        assert!(stderr(&out).contains(cause), "{token}: {}", stderr(&out));
        assert_secret_kept(&out, token);
    }
}

#[test]
fn verify_and_drift_through_the_fake_apiserver() {
    let keys_dir = tempfile::tempdir().unwrap();
    let (old_key, old_pub) = keygen(keys_dir.path(), "old", "rsa-2048");
    let (new_key, new_pub) = keygen(keys_dir.path(), "new", "ecdsa-p256");
    let read_pub = |p: &Path| {
        sakr::keys::parse_pem_file(&std::fs::read(p).unwrap())
            .unwrap()
            .blocks[0]
            .key
            .clone()
    };
    let (old, new) = (read_pub(&old_pub), read_pub(&new_pub));
    let spec = |apiservers: Vec<Vec<sakr::keys::PublicKey>>, published| Spec {
        signing_key: Secret::new(std::fs::read(&new_key).unwrap()),
        apiserver_keys: apiservers,
        published,
        service_accounts: vec![
            ("default".into(), "default".into()),
            ("default".into(), "x".into()),
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
        distinct_hosts: false,
    };
    let _ = old_key;
    let fake = FakeCluster::start(spec(
        vec![
            vec![old.clone(), new.clone()],
            vec![old.clone(), new.clone()],
        ],
        Some(vec![old.clone(), new.clone()]),
    ));
    let out = sakr()
        .args(["verify", "--service-account", "default/x", "--kubeconfig"])
        .arg(&fake.kubeconfig)
        .arg("--expect-key")
        .arg(&new_pub)
        .args(["--issuer", &fake.issuer])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("ok   signature"), "{}", stdout(&out));
    assert!(stdout(&out).contains("sub: system:serviceaccount:default:x"));

    let out = sakr()
        .args(["verify", "--service-account", "default/x", "--kubeconfig"])
        .arg(&fake.kubeconfig)
        .arg("--expect-key")
        .arg(&old_pub)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));

    // The projected token of a pod, by exec; and the JWKS published under the issuer URL.
    let out = sakr()
        .args(["verify", "--pod", "apps/web-0", "--kubeconfig"])
        .arg(&fake.kubeconfig)
        .args(["--jwks", &fake.issuer, "--ca"])
        .arg(&fake.ca_file)
        .args(["--issuer", &fake.issuer])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("ok   signature"), "{}", stdout(&out));
    assert!(
        stdout(&out).contains("kubernetes.io/pod"),
        "{}",
        stdout(&out)
    );
    assert_secret_kept(&out, &fake.pod_token("apps", "web-0"));

    let drift = |fake: &FakeCluster| {
        sakr()
            .args(["drift", "--issuer", &fake.issuer, "--kubeconfig"])
            .arg(&fake.kubeconfig)
            .arg("--ca")
            .arg(&fake.ca_file)
            .arg("--key")
            .arg(&new_pub)
            .output()
            .unwrap()
    };
    let out = drift(&fake);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains(&format!("{}*", new.kid())),
        "{}",
        stdout(&out)
    );
    drop(fake);

    // The new kid missing from the published JWKS, and from one apiserver of two.
    let fake = FakeCluster::start(spec(
        vec![vec![old.clone(), new.clone()], vec![old.clone()]],
        Some(vec![old.clone()]),
    ));
    let out = drift(&fake);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("is not published"), "{err}");
    assert!(err.contains("does not serve the signing kid"), "{err}");
    let out = sakr()
        .args([
            "drift",
            "-o",
            "json",
            "--issuer",
            &fake.issuer,
            "--kubeconfig",
        ])
        .arg(&fake.kubeconfig)
        .arg("--ca")
        .arg(&fake.ca_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json(&out);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["signing_kid"], new.kid());
}

/// A token PyJWT (an independent JOSE implementation) signs over `payload` byte for byte, with
/// `headers` (JSON) added to its header: odd tokens kube-apiserver's validator must judge.
fn pyjwt(key: &Path, payload: &str, headers: &str) -> String {
    const SCRIPT: &str = r#"
import json, sys, jwt
key = open(sys.argv[1], 'rb').read()
alg = 'RS256' if b'RSA' in key else 'ES256'
print(jwt.api_jws.PyJWS().encode(sys.argv[2].encode(), key, algorithm=alg, headers=json.loads(sys.argv[3])))
"#;
    let out = std::process::Command::new(crate::support::python())
        .args(["-W", "ignore", "-c", SCRIPT])
        .arg(key)
        .args([payload, headers])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "PyJWT: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn kid_of(public: &Path) -> String {
    sakr::keys::parse_pem_file(&std::fs::read(public).unwrap())
        .unwrap()
        .blocks[0]
        .key
        .kid()
}

/// What kube-apiserver's validator (go-jose v2 under `pkg/serviceaccount/jwt.go` and
/// `claims.go`) accepts and refuses, through the real binary. Expected verdicts, from the
/// sources cited in `src/token/checks.rs`:
/// - `crit` naming anything but `b64`: `DetachedVerify` returns ErrCryptoFailure (jws.go);
/// - `exp`/`nbf`/`iat` go through `NumericDate.UnmarshalJSON` (jwt/claims.go): a JSON string is
///   refused, a float truncated, a value beyond int64 wraps to the distant past (exp expired,
///   nbf no obstacle), and a number beyond f64 (`1e400`) is ParseFloat's ErrRange;
/// - `iat` beyond the one-minute leeway in the future: ErrIssuedInTheFuture (validation.go);
/// - no `exp`: not checked (legacy Secret tokens never expire);
/// - a non-string `iss`: go-jose's `Claims` cannot be decoded.
#[test]
fn kube_apiserver_validator_rules() {
    let s = setup();
    let kid = kid_of(&s.new_pub);
    let header = format!(r#"{{"kid":"{kid}"}}"#);
    let crit = |names: &str| format!(r#"{{"kid":"{kid}","crit":{names}}}"#);
    let t = now();
    let cases: Vec<(String, String, i32, &[&str])> = vec![
        (
            format!(r#"{{"exp":{}}}"#, t + 3600),
            crit(r#"["exp"]"#),
            1,
            &["FAIL header", "does not understand"],
        ),
        (
            format!(r#"{{"exp":{}}}"#, t + 3600),
            crit(r#"["b64"]"#),
            0,
            &["ok   exp"],
        ),
        (
            format!(r#"{{"exp":"{}"}}"#, t + 3600),
            header.clone(),
            1,
            &["FAIL exp", "exp is a string, not a number"],
        ),
        (
            format!(r#"{{"exp":{}.75}}"#, t + 3600),
            header.clone(),
            0,
            &["ok   exp", "go-jose truncates"],
        ),
        (
            r#"{"exp":1e300}"#.into(),
            header.clone(),
            1,
            &["FAIL exp", "expired long ago", "beyond what Go's int64"],
        ),
        (
            r#"{"exp":9223372036854775808}"#.into(),
            header.clone(),
            1,
            &["FAIL exp", "expired long ago"],
        ),
        (
            format!(r#"{{"exp":{},"nbf":1e300}}"#, t + 3600),
            header.clone(),
            0,
            &["ok   nbf", "valid since long ago"],
        ),
        (
            format!(r#"{{"exp":{},"iat":{}}}"#, t + 7200, t + 3600),
            header.clone(),
            1,
            &["FAIL iat", "refuses tokens issued in the future"],
        ),
        (
            r#"{"sub":"system:serviceaccount:ns:legacy"}"#.into(),
            header.clone(),
            0,
            &["ok   exp", "never expires"],
        ),
        (
            format!(r#"{{"exp":{},"iss":5}}"#, t + 3600),
            header.clone(),
            1,
            &["FAIL claims", "iss is a number, not a string"],
        ),
    ];
    for (payload, headers, code, want) in cases {
        let token = pyjwt(&s.new_key, &payload, &headers);
        let out = verify(&s, &write_token(&s, "odd", &token), &[]);
        let text = stdout(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{payload} {headers}:\n{text}{}",
            stderr(&out)
        );
        for w in want {
            assert!(
                text.contains(w),
                "{payload} {headers}: {w:?} missing:\n{text}"
            );
        }
        assert_secret_kept(&out, &token);
    }
    // Beyond f64: not JSON serde_json (nor Go's ParseFloat) accepts: bad input, exit 2.
    let token = pyjwt(&s.new_key, r#"{"exp":1e400}"#, &header);
    let out = verify(&s, &write_token(&s, "odd", &token), &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("claims are not JSON"),
        "{}",
        stderr(&out)
    );
}

/// Go ≥ 1.24 crypto/rsa (kube-apiserver's) verifies with RSA keys from 1024 bits and refuses
/// smaller ones (GODEBUG rsa1024min): a 1024-bit key verifies and is named for what it is; a
/// 512-bit key is refused with its size.
#[test]
fn rsa_keys_under_2048_bits_are_reported_as_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::sh(
        "openssl genrsa -traditional -out small.key 1024 2>/dev/null \
         && openssl pkey -in small.key -pubout -out small.pub \
         && openssl genrsa -out tiny.key 512 2>/dev/null \
         && openssl pkey -in tiny.key -pubout -out tiny.pub",
        dir.path(),
    );
    let small_pub = dir.path().join("small.pub");
    let token = pyjwt(
        &dir.path().join("small.key"),
        &format!(r#"{{"exp":{}}}"#, now() + 3600),
        &format!(r#"{{"kid":"{}"}}"#, kid_of(&small_pub)),
    );
    let tf = dir.path().join("token");
    std::fs::write(&tf, &token).unwrap();
    let out = sakr()
        .args(["verify", "--token-file"])
        .arg(&tf)
        .arg("--expect-key")
        .arg(&small_pub)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("is RSA 1024 from"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("ok   signature"), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("signed with a 1024-bit RSA key, shorter than 2048 bits"),
        "{}",
        stderr(&out)
    );
    let out = sakr().arg("kid").arg(&small_pub).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("RSA 1024"), "{}", stdout(&out));

    let out = sakr()
        .arg("kid")
        .arg(dir.path().join("tiny.pub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("an RSA key of 512 bits (under 1024 bits"),
        "{}",
        stderr(&out)
    );
}

/// Claims, kids and issuers are the token's own text: printed with control and layout
/// characters escaped (issue 13); JSON output keeps them (serde escapes what JSON must).
#[test]
fn untrusted_token_text_is_escaped_on_the_terminal() {
    let s = setup();
    let token = pyjwt(
        &s.new_key,
        &format!(
            r#"{{"exp":{},"iss":"https://a\u001b]0;pwned\u0007","sub":"x\u2028forged: line"}}"#,
            now() + 3600
        ),
        r#"{"kid":"k\u001b[2J\u2028x"}"#,
    );
    let f = write_token(&s, "evil", &token);
    let out = verify(&s, &f, &["--issuer", "https://a"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{2028}') && !text.contains('\u{7}'),
        "raw control characters reached the terminal: {text:?}"
    );
    for escaped in [
        r"no key with kid k\u{001B}[2J\u{2028}x",
        r"iss: https://a\u{001B}]0;pwned\u{0007}",
        r"sub: x\u{2028}forged: line",
    ] {
        assert!(text.contains(escaped), "{escaped} missing:\n{text}");
    }
    let out = verify(&s, &f, &["-o", "json"]);
    assert_eq!(json(&out)["claims"]["sub"], "x\u{2028}forged: line");
}

/// `--duration` is checked against kube-apiserver's TokenRequest bounds (600 s to 2^32 s,
/// `ValidateTokenRequest`) before any cluster call, so the unreachable kubeconfig below is
/// never dialled.
#[test]
fn token_duration_out_of_kube_bounds_exits_2_before_the_cluster() {
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(&kubeconfig, "apiVersion: v1\nkind: Config\n").unwrap();
    for (duration, want) in [
        ("1193047h", "over 2^32 s"),
        ("5m", "under 10 minutes"),
        ("1y", "--duration"),
    ] {
        let out = sakr()
            .args([
                "verify",
                "--service-account",
                "default/x",
                "--expect-kid",
                "k",
            ])
            .args(["--duration", duration, "--kubeconfig"])
            .arg(&kubeconfig)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{duration}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{duration}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(duration),
            "{duration}: {}",
            stderr(&out)
        );
    }
}
