//! A real OIDC relying-party library (PyJWT) verifies tokens signed with keys from
//! `sakr keygen` against the JWKS from `sakr jwks` — and rejects them against a JWKS without
//! the key, so the check can fail.

use crate::support::*;

fn verify(
    dir: &std::path::Path,
    jwks: &str,
    key: &str,
    alg: &str,
    kid: &str,
) -> std::process::Output {
    std::process::Command::new(python())
        .arg(fixture("../rp-python/verify_jwks.py"))
        // `--kid=…` in one word: a kid is base64url and may begin with `-`, which argparse
        // would take for an option.
        .args(["--jwks", jwks, "--key", key, "--alg", alg])
        .arg(format!("--kid={kid}"))
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn pyjwt_verifies_tokens_against_sakr_jwks() {
    for (alg, jws) in [
        ("rsa-2048", "RS256"),
        ("ecdsa-p256", "ES256"),
        ("ecdsa-p384", "ES384"),
        ("ecdsa-p521", "ES512"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let kid = |name: &str| {
            let out = sakr()
                .args(["keygen", "-q", "-a", alg, "--name", name, "--out-dir"])
                .arg(dir.path())
                .output()
                .unwrap();
            assert!(out.status.success());
            stdout(&out).trim().to_string()
        };
        let (old, new) = (kid("old"), kid("new"));
        let build = |out: &str, keys: &[&str]| {
            let mut c = sakr();
            c.arg("jwks").current_dir(dir.path()).args(["--out", out]);
            for k in keys {
                c.args(["--key", k]);
            }
            c.assert().success();
        };
        // The rotation's published JWKS: old public key and new private key (only its public
        // half must come out).
        build("both.json", &["old.pub", "new.key"]);
        build("old-only.json", &["old.pub"]);

        let ok = verify(dir.path(), "both.json", "new.key", jws, &new);
        assert!(ok.status.success(), "{alg}: {}", stderr(&ok));
        assert_eq!(stdout(&ok).trim(), "system:serviceaccount:default:sakr");
        let ok = verify(dir.path(), "both.json", "old.key", jws, &old);
        assert!(ok.status.success(), "{alg}: {}", stderr(&ok));

        // Negative controls: the new key is not in the old JWKS; a token claiming the old kid
        // but signed with the new key fails its signature check.
        let missing = verify(dir.path(), "old-only.json", "new.key", jws, &new);
        assert_eq!(missing.status.code(), Some(1), "{alg}");
        let forged = verify(dir.path(), "both.json", "new.key", jws, &old);
        assert_eq!(forged.status.code(), Some(1), "{alg}: {}", stderr(&forged));
    }
}
