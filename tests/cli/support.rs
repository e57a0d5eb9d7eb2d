//! Shared helpers: running sakr, running openssl, fixtures.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sakr() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sakr").unwrap();
    c.env_remove("NO_COLOR");
    c
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

/// Run a shell pipeline (openssl and coreutils only), panicking with its stderr on failure.
pub fn sh(script: &str, dir: &Path) -> String {
    let out = Command::new("sh")
        .arg("-ec")
        .arg(script)
        .current_dir(dir)
        .output()
        .expect("running sh");
    assert!(
        out.status.success(),
        "`{script}` failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The kid as openssl computes it: SHA-256 over the DER SubjectPublicKeyInfo, base64url,
/// unpadded. `pubkey_cmd` prints the public key as PEM.
pub fn openssl_kid(pubkey_cmd: &str, dir: &Path) -> String {
    sh(
        &format!(
            "{pubkey_cmd} | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | basenc --base64url | tr -d '=\\n'"
        ),
        dir,
    )
}

/// The Python with PyJWT + cryptography that the test command installs into `.cache/venv`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SAKR_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/venv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run the README's test command (scripts/test.sh), which installs PyJWT",
        p.display()
    );
    p
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}: {}", stdout(o)))
}
