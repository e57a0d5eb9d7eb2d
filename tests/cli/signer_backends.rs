//! `sakr signer` key backends (issue 20, item 2) against real parts started by the test:
//! PKCS#11 keys on SoftHSM2 tokens (Debian's `softhsm2`, a token directory per test) and AWS
//! KMS keys in moto's KMS server. kube-apiserver is played by a gRPC client (Metadata,
//! FetchKeys, Sign); every token verifies with PyJWT against the JWKS built from FetchKeys, and
//! kids are checked against openssl's.
//!
//! moto 5.2 ignores Sign's `MessageType` and always hashes the message itself, so these tests
//! set `SAKR_AWSKMS_MESSAGE_TYPE=raw` (the signer then sends the signing input, as KMS allows up
//! to 4096 bytes); `awskms_digest_signatures_from_moto_are_caught` shows what the default
//! DIGEST mode does against moto: the signature fails sakr's check and Sign fails.

use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use sakr::signer::proto::v1;

use crate::servers::procs;
use crate::signer::{Running, claims_b64, jwks_from, pyjwt_verifies, rt};
use crate::support::*;

pub(crate) const PIN: &str = "4711-sakr-pin";
const ALGS: [(&str, &str); 4] = [
    ("rsa-2048", "RS256"),
    ("ecdsa-p256", "ES256"),
    ("ecdsa-p384", "ES384"),
    ("ecdsa-p521", "ES512"),
];

pub(crate) type Env = Vec<(String, String)>;

pub(crate) fn module() -> String {
    let m = std::env::var("SAKR_TEST_SOFTHSM")
        .unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".into());
    assert!(
        Path::new(&m).exists(),
        "{m} is missing: run `scripts/test-servers.sh install` (installs Debian's softhsm2)"
    );
    m
}

/// A SoftHSM2 token store of its own (SOFTHSM2_CONF pointing at a temp token directory).
pub(crate) struct SoftHsm {
    dir: tempfile::TempDir,
}

impl SoftHsm {
    pub(crate) fn new() -> SoftHsm {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("tokens")).unwrap();
        std::fs::write(
            dir.path().join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
                dir.path().display()
            ),
        )
        .unwrap();
        SoftHsm { dir }
    }

    pub(crate) fn env(&self) -> Env {
        vec![(
            "SOFTHSM2_CONF".into(),
            self.dir.path().join("softhsm2.conf").display().to_string(),
        )]
    }

    pub(crate) fn init_token(&self, label: &str, pin: &str) {
        let out = std::process::Command::new("softhsm2-util")
            .args(["--init-token", "--free", "--label", label, "--pin", pin])
            .args(["--so-pin", "87654321"])
            .envs(self.env())
            .output()
            .expect("softhsm2-util (scripts/test-servers.sh install)");
        assert!(out.status.success(), "{}", stderr(&out));
    }

    /// A PIN file, 0600, with a trailing newline (trimmed by sakr).
    pub(crate) fn pin_file(&self, name: &str, pin: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let p = self.dir.path().join(name);
        std::fs::write(&p, format!("{pin}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        p
    }
}

/// moto's server (all services, KMS among them) and the environment that points the AWS SDK
/// at it with static test credentials.
pub(crate) fn kms_env(moto: &procs::Server) -> Env {
    [
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_EC2_METADATA_DISABLED", "true"),
        ("AWS_CONFIG_FILE", "/nonexistent/sakr-test-aws-config"),
        (
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/sakr-test-aws-creds",
        ),
        ("SAKR_AWSKMS_MESSAGE_TYPE", "raw"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([("AWS_ENDPOINT_URL".into(), moto.base_url())])
    .collect()
}

pub(crate) fn run(args: &[&str], env: &Env) -> Output {
    let mut c = sakr();
    c.env_remove("AWS_PROFILE").args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

pub(crate) fn ok(args: &[&str], env: &Env) -> Output {
    let out = run(args, env);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    out
}

pub(crate) fn serve_with(config: &Path, env: &Env) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("run/signer.sock");
    let log = std::fs::File::create(dir.path().join("serve.log")).unwrap();
    let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sakr"))
        .args(["signer", "serve", "--config"])
        .arg(config)
        .arg("--socket")
        .arg(&socket)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let t = Instant::now();
    while !socket.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the signer never listened: {}",
            std::fs::read_to_string(dir.path().join("serve.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Running {
        child,
        socket,
        _dir: dir,
    }
}

pub(crate) type Keys = Vec<(String, Vec<u8>, bool)>;

pub(crate) fn fetch(socket: &Path) -> Keys {
    rt().block_on(async {
        let ch = sakr::signer::client::channel(socket).await.unwrap();
        let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
        c.fetch_keys(v1::FetchKeysRequest {})
            .await
            .unwrap()
            .into_inner()
            .keys
            .into_iter()
            .map(|k| (k.key_id, k.key, k.exclude_from_oidc_discovery))
            .collect()
    })
}

/// kube-apiserver's calls: Metadata, FetchKeys, Sign; the token assembled from Sign.
pub(crate) fn play(socket: &Path) -> (Keys, Result<String, tonic::Status>) {
    let signed = rt().block_on(async {
        let ch = sakr::signer::client::channel(socket).await.unwrap();
        let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
        let md = c.metadata(v1::MetadataRequest {}).await.unwrap();
        assert_eq!(md.into_inner().max_token_expiration_seconds, 86_400);
        let claims = claims_b64();
        c.sign(v1::SignJwtRequest {
            claims: claims.clone(),
        })
        .await
        .map(|s| {
            let s = s.into_inner();
            format!("{}.{claims}.{}", s.header, s.signature)
        })
    });
    (fetch(socket), signed)
}

/// openssl's kid of a PKIX DER public key.
pub(crate) fn openssl_kid_of_der(der: &[u8], dir: &Path) -> String {
    let f = dir.join("key.der");
    std::fs::write(&f, der).unwrap();
    openssl_kid(
        &format!(
            "openssl pkey -pubin -inform DER -in {} -pubout",
            f.display()
        ),
        dir,
    )
}

/// The whole kube-apiserver round for a one-key set: FetchKeys' kid is openssl's, the token
/// from Sign carries it and verifies with PyJWT (and, for RS256, with `openssl dgst`).
fn round(config: &Path, env: &Env, jws: &str, work: &Path) -> String {
    let s = serve_with(config, env);
    let (keys, token) = play(&s.socket);
    let token = token.unwrap_or_else(|e| panic!("{jws}: Sign failed: {e}"));
    assert_eq!(keys.len(), 1);
    let kid = openssl_kid_of_der(&keys[0].1, work);
    assert_eq!(keys[0].0, kid, "{jws}: FetchKeys' kid is openssl's");
    let decoded = sakr::token::decode(&token).unwrap();
    assert_eq!(decoded.kid(), Some(kid.as_str()));
    let jwks = jwks_from(&keys, work);
    pyjwt_verifies(&jwks, &token, jws, work);
    if jws == "RS256" {
        // Independent of sakr and PyJWT: openssl verifies the PKCS#1 v1.5 signature.
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let parts: Vec<&str> = token.split('.').collect();
        std::fs::write(work.join("input"), format!("{}.{}", parts[0], parts[1])).unwrap();
        std::fs::write(work.join("sig"), b64.decode(parts[2]).unwrap()).unwrap();
        std::fs::write(
            work.join("pub.pem"),
            sakr::keys::pem_encode("PUBLIC KEY", keys[0].1.clone()),
        )
        .unwrap();
        let v = sh(
            "openssl dgst -sha256 -verify pub.pem -signature sig input",
            work,
        );
        assert!(v.contains("Verified OK"), "{v}");
    }
    kid
}

/// PKCS#11: `signer init --pkcs11 … --generate ALG` makes the key pair on a SoftHSM2 token;
/// the signer signs on the token for RS256 and ES256/384/512; the PIN comes from a file or from
/// the environment.
#[test]
fn pkcs11_keys_generated_on_softhsm2_sign_tokens_that_pyjwt_verifies() {
    let module = module();
    let hsm = SoftHsm::new();
    hsm.init_token("sakr-test", PIN);
    let pin_file = hsm.pin_file("pin", PIN);
    let work = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for (i, (alg, jws)) in ALGS.into_iter().enumerate() {
        let config = work.path().join(format!("{alg}.json"));
        let mut env = hsm.env();
        let mut args = vec![
            "signer",
            "init",
            "--config",
            config.to_str().unwrap(),
            "--pkcs11",
            &module,
            "--token-label",
            "sakr-test",
            "--key-label",
            alg,
            "--generate",
            alg,
        ];
        // Half the keys take the PIN from a file, half from the environment.
        if i % 2 == 0 {
            args.extend(["--pin-file", pin_file.to_str().unwrap()]);
        } else {
            env.push(("SAKR_TEST_PIN".into(), PIN.into()));
            args.extend(["--pin-env", "SAKR_TEST_PIN"]);
        }
        let out = ok(&args, &env);
        assert!(!stderr(&out).contains(PIN) && !stdout(&out).contains(PIN));
        let text = std::fs::read_to_string(&config).unwrap();
        assert!(!text.contains(PIN), "the PIN never goes in the key set");
        let status = ok(
            &[
                "-o",
                "json",
                "signer",
                "status",
                "--config",
                config.to_str().unwrap(),
            ],
            &env,
        );
        crate::json_schema::assert_valid("signer_status", &status, 0);
        let source = json(&status)["keys"][0]["source"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            source.starts_with("pkcs11 ") && source.contains(alg),
            "{source}"
        );
        let kid = round(&config, &env, jws, work.path());
        rows.push(format!("pkcs11 {jws} kid {kid}: verified by PyJWT"));
    }
    // The same label twice on one token is refused (labels pick one key).
    let again = work.path().join("again.json");
    let out = run(
        &[
            "signer",
            "init",
            "--config",
            again.to_str().unwrap(),
            "--pkcs11",
            &module,
            "--token-label",
            "sakr-test",
            "--key-label",
            "ecdsa-p256",
            "--pin-file",
            pin_file.to_str().unwrap(),
            "--generate",
            "ecdsa-p256",
        ],
        &hsm.env(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("exists already"), "{}", stderr(&out));
    eprintln!("{}", rows.join("\n"));
}

/// AWS KMS: `signer init --awskms-generate ALG` creates the key in moto's KMS (SIGN_VERIFY),
/// `--awskms KEY_ID` takes an existing one; Sign goes through KMS for RS256 and ES256/384/512.
#[test]
fn awskms_keys_created_in_moto_sign_tokens_that_pyjwt_verifies() {
    let moto = procs::moto();
    let env = kms_env(&moto);
    let work = tempfile::tempdir().unwrap();
    let mut rows = Vec::new();
    for (alg, jws) in ALGS {
        let config = work.path().join(format!("{alg}.json"));
        ok(
            &[
                "signer",
                "init",
                "--config",
                config.to_str().unwrap(),
                "--awskms-generate",
                alg,
            ],
            &env,
        );
        let cfg: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
        let key_id = cfg["keys"][0]["key_id"].as_str().unwrap().to_string();
        assert!(key_id.starts_with("arn:aws:kms:us-east-1:"), "{key_id}");
        let kid = round(&config, &env, jws, work.path());
        // The same key named by its ARN, with an explicit region, in a new set.
        let by_id = work.path().join(format!("{alg}-by-id.json"));
        ok(
            &[
                "signer",
                "init",
                "--config",
                by_id.to_str().unwrap(),
                "--awskms",
                &key_id,
                "--region",
                "us-east-1",
            ],
            &env,
        );
        let status = ok(
            &[
                "-o",
                "json",
                "signer",
                "status",
                "--config",
                by_id.to_str().unwrap(),
            ],
            &env,
        );
        crate::json_schema::assert_valid("signer_status", &status, 0);
        assert_eq!(json(&status)["keys"][0]["kid"], kid.as_str());
        rows.push(format!("awskms {jws} kid {kid}: verified by PyJWT"));
    }
    eprintln!("{}", rows.join("\n"));
}

/// What the default (MessageType DIGEST) does against moto, which ignores MessageType: the
/// signature is over the digest's digest, sakr's check of every KMS signature catches it, and
/// Sign fails instead of handing out a token that does not verify.
#[test]
fn awskms_digest_signatures_from_moto_are_caught() {
    let moto = procs::moto();
    let mut env = kms_env(&moto);
    let work = tempfile::tempdir().unwrap();
    let config = work.path().join("signer.json");
    ok(
        &[
            "signer",
            "init",
            "--config",
            config.to_str().unwrap(),
            "--awskms-generate",
            "ecdsa-p256",
        ],
        &env,
    );
    env.retain(|(k, _)| k != "SAKR_AWSKMS_MESSAGE_TYPE");
    let s = serve_with(&config, &env);
    let (keys, signed) = play(&s.socket);
    assert_eq!(keys.len(), 1);
    let e = signed.unwrap_err();
    assert_eq!(e.code(), tonic::Code::Internal);
    assert!(e.message().contains("does not verify"), "{e}");
}

/// A mixed set: a file key (active), a key on a SoftHSM2 token, a KMS key, and an old public
/// key excluded from discovery. It loads, FetchKeys lists all four in order with openssl's
/// kids, and the file key signs.
#[test]
fn a_mixed_set_of_every_backend_loads_and_fetchkeys_lists_every_kid() {
    let module = module();
    let hsm = SoftHsm::new();
    hsm.init_token("mixed", PIN);
    let pin_file = hsm.pin_file("pin", PIN);
    let moto = procs::moto();
    let mut env = kms_env(&moto);
    env.extend(hsm.env());
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let config = w.join("signer.json");
    let cfg = config.to_str().unwrap();
    ok(
        &[
            "signer",
            "init",
            "--config",
            cfg,
            "--generate",
            "ecdsa-p256",
            "--key-dir",
            w.join("keys").to_str().unwrap(),
        ],
        &env,
    );
    ok(
        &[
            "signer",
            "add",
            "--config",
            cfg,
            "--name",
            "hsm",
            "--pkcs11",
            &module,
            "--token-label",
            "mixed",
            "--key-label",
            "hsm-1",
            "--pin-file",
            pin_file.to_str().unwrap(),
            "--generate",
            "rsa-2048",
        ],
        &env,
    );
    ok(
        &[
            "signer",
            "add",
            "--config",
            cfg,
            "--name",
            "kms",
            "--awskms-generate",
            "ecdsa-p384",
        ],
        &env,
    );
    keygen(w, "old", "rsa-2048");
    let out = ok(
        &[
            "signer",
            "add",
            "--config",
            cfg,
            "--name",
            "old",
            "--public",
            w.join("old.pub").to_str().unwrap(),
            "--exclude-from-discovery",
        ],
        &env,
    );
    assert!(stderr(&out).contains("added \"old\""), "{}", stderr(&out));
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&config).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let status = ok(&["-o", "json", "signer", "status", "--config", cfg], &env);
    crate::json_schema::assert_valid("signer_status", &status, 0);
    let status = json(&status);
    let sources: Vec<&str> = status["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["source"].as_str().unwrap().split(' ').next().unwrap())
        .collect();
    assert_eq!(sources, ["file", "pkcs11", "awskms", "public"]);

    let s = serve_with(&config, &env);
    let (keys, token) = play(&s.socket);
    assert_eq!(keys.len(), 4);
    for (i, (kid, der, excluded)) in keys.iter().enumerate() {
        assert_eq!(kid, &openssl_kid_of_der(der, w), "key {i}");
        assert_eq!(*excluded, i == 3, "only the public key is excluded");
        assert_eq!(status["keys"][i]["kid"], kid.as_str());
    }
    let old_kid = openssl_kid(&format!("cat {}", w.join("old.pub").display()), w);
    assert_eq!(keys[3].0, old_kid);
    let token = token.unwrap();
    assert_eq!(
        sakr::token::decode(&token).unwrap().kid(),
        Some(keys[0].0.as_str())
    );
    pyjwt_verifies(&jwks_from(&keys, w), &token, "ES256", w);
}
