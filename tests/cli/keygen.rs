//! `sakr keygen`: forms, modes, kids and refusal to overwrite.

use std::os::unix::fs::PermissionsExt as _;

use crate::support::*;

const ALGS: [(&str, &str, &str); 6] = [
    ("rsa-2048", "RSA PRIVATE KEY", "RS256"),
    ("rsa-3072", "RSA PRIVATE KEY", "RS256"),
    ("rsa-4096", "RSA PRIVATE KEY", "RS256"),
    ("ecdsa-p256", "EC PRIVATE KEY", "ES256"),
    ("ecdsa-p384", "EC PRIVATE KEY", "ES384"),
    ("ecdsa-p521", "EC PRIVATE KEY", "ES512"),
];

#[test]
fn every_algorithm_in_the_form_kube_accepts_checked_by_openssl() {
    for (alg, label, jws) in ALGS {
        let dir = tempfile::tempdir().unwrap();
        let out = sakr()
            .args([
                "-o",
                "json",
                "keygen",
                "--algorithm",
                alg,
                "--name",
                "sa-new",
                "--out-dir",
            ])
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{alg}: {}", stderr(&out));
        let report = json(&out);
        let key = dir.path().join("sa-new.key");
        let public = dir.path().join("sa-new.pub");
        assert_eq!(report["private_key"], key.to_str().unwrap());
        assert_eq!(report["public_key"], public.to_str().unwrap());
        assert_eq!(report["alg"], jws);

        let key_pem = std::fs::read_to_string(&key).unwrap();
        assert!(
            key_pem.starts_with(&format!("-----BEGIN {label}-----\n")),
            "{alg}"
        );
        assert!(
            std::fs::read_to_string(&public)
                .unwrap()
                .starts_with("-----BEGIN PUBLIC KEY-----\n")
        );
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600,
            "{alg}"
        );

        // openssl reads both, agrees they are one pair, and computes the same kid.
        let from_private = openssl_kid("openssl pkey -in sa-new.key -pubout", dir.path());
        let from_public = openssl_kid("cat sa-new.pub", dir.path());
        assert_eq!(report["kid"], from_private.as_str(), "{alg}");
        assert_eq!(from_private, from_public, "{alg}");
        if label == "EC PRIVATE KEY" {
            // Go's x509.ParseECPrivateKey needs the named curve inside the SEC1 structure.
            let text = sh("openssl asn1parse -in sa-new.key", dir.path());
            assert!(
                text.contains("prime256v1")
                    || text.contains("secp384r1")
                    || text.contains("secp521r1"),
                "{alg}: {text}"
            );
            sh("openssl ec -in sa-new.key -check -noout", dir.path());
        } else {
            sh("openssl rsa -in sa-new.key -check -noout", dir.path());
        }
        // No temp files left beside the keys.
        let mut names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["sa-new.key", "sa-new.pub"]);
    }
}

#[test]
fn text_output_is_the_kid_alone() {
    let dir = tempfile::tempdir().unwrap();
    let out = sakr()
        .args(["keygen", "-a", "ecdsa-p256", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let kid = openssl_kid("cat sa.pub", dir.path());
    assert_eq!(stdout(&out), format!("{kid}\n"));
    assert!(stderr(&out).contains("sa.key (0600)"));
}

#[test]
fn private_key_is_0600_even_with_a_permissive_umask() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var("PATH").unwrap();
    let bin = assert_cmd::cargo::cargo_bin("sakr");
    sh(
        &format!(
            "PATH={path}; umask 000; '{}' keygen -q -a ecdsa-p256",
            bin.display()
        ),
        dir.path(),
    );
    let mode = |n: &str| {
        std::fs::metadata(dir.path().join(n))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("sa.key"), 0o600);
    assert_eq!(mode("sa.pub"), 0o644);
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    sakr()
        .args(["keygen", "-q", "-a", "ecdsa-p256", "--out-dir"])
        .arg(dir.path())
        .assert()
        .success();
    let before_key = std::fs::read(dir.path().join("sa.key")).unwrap();
    let before_pub = std::fs::read(dir.path().join("sa.pub")).unwrap();

    let out = sakr()
        .args(["keygen", "-a", "ecdsa-p256", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("sa.key already exists (use --force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(dir.path().join("sa.key")).unwrap(),
        before_key
    );
    assert_eq!(
        std::fs::read(dir.path().join("sa.pub")).unwrap(),
        before_pub
    );

    // Only the .pub present (a half-restored backup): still refused, nothing created.
    std::fs::remove_file(dir.path().join("sa.key")).unwrap();
    let out = sakr()
        .args(["keygen", "-a", "ecdsa-p256", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!dir.path().join("sa.key").exists());

    let out = sakr()
        .args(["keygen", "--force", "-a", "ecdsa-p256", "--out-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(
        std::fs::read(dir.path().join("sa.pub")).unwrap(),
        before_pub
    );
    let mode = std::fs::metadata(dir.path().join("sa.key"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn bad_arguments_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["keygen", "--algorithm", "ed25519"],
        vec!["keygen", "--name", "../escape"],
        vec!["keygen", "--name", ".hidden"],
        vec!["keygen", "--out-dir", "does-not-exist"],
    ] {
        let out = sakr().args(&args).current_dir(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!stderr(&out).is_empty());
    }
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}
