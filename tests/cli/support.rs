//! Shared helpers: running sakr, running openssl, fixtures.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn sakr() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("sakr").unwrap();
    c.env_remove("NO_COLOR");
    c
}

/// `sakr keygen -q -a ALG --name NAME --out-dir DIR`, which must succeed.
pub fn keygen(dir: &Path, name: &str, alg: &str) {
    sakr()
        .args(["keygen", "-q", "-a", alg, "--name", name, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
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

/// Static credentials for the local S3 server (moto), and nothing from the developer's own AWS
/// configuration: no profile, no instance metadata.
pub fn aws_env(c: &mut assert_cmd::Command) {
    c.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent/sakr-test-aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/sakr-test-aws-creds",
        );
}

pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON: {e}: {}", stdout(o)))
}

/// The kids of a JWKS document, in order.
pub fn jwks_kids(doc: &serde_json::Value) -> Vec<String> {
    doc["keys"]
        .as_array()
        .unwrap_or_else(|| panic!("not a JWKS: {doc}"))
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_string())
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File { bytes: Vec<u8>, mode: u32 },
    Link(PathBuf),
}

/// Every directory and file under a root, by relative path.
pub type Tree = BTreeMap<PathBuf, Entry>;

pub fn snapshot(root: &Path) -> Tree {
    fn walk(root: &Path, dir: &Path, out: &mut Tree) {
        for e in std::fs::read_dir(dir).unwrap() {
            let path = e.unwrap().path();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_symlink() {
                out.insert(rel, Entry::Link(std::fs::read_link(&path).unwrap()));
            } else if meta.is_dir() {
                out.insert(rel, Entry::Dir);
                walk(root, &path, out);
            } else {
                out.insert(
                    rel,
                    Entry::File {
                        bytes: std::fs::read(&path).unwrap(),
                        mode: meta.permissions().mode() & 0o7777,
                    },
                );
            }
        }
    }
    let mut t = Tree::new();
    walk(root, root, &mut t);
    t
}

/// Make the tree under `root` exactly `t` again.
pub fn restore(root: &Path, t: &Tree) {
    for e in std::fs::read_dir(root).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() && !p.is_symlink() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
    for (rel, entry) in t {
        let p = root.join(rel);
        match entry {
            Entry::Dir => std::fs::create_dir_all(&p).unwrap(),
            Entry::Link(to) => std::os::unix::fs::symlink(to, &p).unwrap(),
            Entry::File { bytes, mode } => {
                std::fs::write(&p, bytes).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
            }
        }
    }
}

/// `manifest` edit arguments in the flags layout unless they name one: the edits tested
/// byte-exact over transports are the flags layout's (tests/cli/kubeadm_layout.rs has the other).
pub fn flags_layout<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    let edit = matches!(args.first(), Some(&"trust" | &"sign-with" | &"retire"));
    if edit && !args.contains(&"--layout") {
        v.extend(["--layout", "flags"]);
    }
    v
}
