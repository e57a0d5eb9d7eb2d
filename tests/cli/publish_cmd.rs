//! `sakr publish` through the real binary: to a `file:///` tree (byte-compared with `sakr jwks`),
//! the removal refusal, --allow-removal, --dry-run, bad targets, and once against moto's S3.

use std::path::{Path, PathBuf};

use crate::support::{aws_env, json, sakr, stderr, stdout};

const ISSUER: &str = "https://issuer.example/cluster";

fn keygen(dir: &Path, name: &str, alg: &str) -> PathBuf {
    sakr()
        .args(["keygen", "-a", alg, "--name", name, "--out-dir"])
        .arg(dir)
        .assert()
        .success();
    dir.join(format!("{name}.pub"))
}

fn jwks_of(dir: &Path, keys: &[&Path]) -> Vec<u8> {
    let out = dir.join("expected.json");
    let mut c = sakr();
    c.arg("jwks");
    for k in keys {
        c.arg("--key").arg(k);
    }
    c.arg("--out").arg(&out).assert().success();
    std::fs::read(out).unwrap()
}

fn publish(to: &str, keys: &[&Path], extra: &[&str]) -> std::process::Output {
    let mut c = sakr();
    c.args(["publish", "--to", to, "--issuer", ISSUER]);
    for k in keys {
        c.arg("--key").arg(k);
    }
    c.args(extra).output().unwrap()
}

fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for rel in ["openid/v1/jwks", ".well-known/openid-configuration"] {
        let p = dir.join(rel);
        out.push((p.clone(), std::fs::read(&p).unwrap_or_default()));
    }
    out
}

#[test]
fn file_target_publish_refuse_allow_and_dry_run() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    let old = keygen(&keys, "old", "rsa-2048");
    let new = keygen(&keys, "new", "ecdsa-p256");
    let site = tmp.path().join("site");
    let to = format!("file://{}", site.display());

    // --dry-run on an empty target writes nothing.
    let out = publish(&to, &[&old], &["--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("would create"), "{}", stdout(&out));
    assert!(!site.join("openid/v1/jwks").exists());

    let out = publish(&to, &[&old], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("created"), "{}", stdout(&out));
    assert_eq!(
        std::fs::read(site.join("openid/v1/jwks")).unwrap(),
        jwks_of(tmp.path(), &[&old])
    );
    let disc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join(".well-known/openid-configuration")).unwrap(),
    )
    .unwrap();
    assert_eq!(disc["issuer"], ISSUER);
    assert_eq!(disc["jwks_uri"], format!("{ISSUER}/openid/v1/jwks"));

    // Trust stage: old + new, JSON report.
    let out = publish(&to, &[&old, &new], &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["kids"]["added"].as_array().unwrap().len(), 1);
    assert_eq!(doc["kids"]["kept"].as_array().unwrap().len(), 1);
    assert_eq!(doc["objects"][0]["key"], "openid/v1/jwks");
    assert_eq!(doc["objects"][0]["action"], "updated");
    assert!(doc["objects"][0]["etag"].is_string());
    assert_eq!(
        std::fs::read(site.join("openid/v1/jwks")).unwrap(),
        jwks_of(tmp.path(), &[&old, &new])
    );

    // Removing the old kid: refused, exit 1, nothing changed; also in a dry run? dry run shows it.
    let before = snapshot(&site);
    let out = publish(&to, &[&new], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("--allow-removal"), "{}", stderr(&out));
    assert_eq!(snapshot(&site), before);

    let out = publish(&to, &[&new], &["--allow-removal", "--dry-run"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("removed "), "{}", stdout(&out));
    assert_eq!(snapshot(&site), before);

    let out = publish(&to, &[&new], &["--allow-removal"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(site.join("openid/v1/jwks")).unwrap(),
        jwks_of(tmp.path(), &[&new])
    );

    // Prebuilt --jwks, discovery built from --issuer: same bytes, nothing to change.
    let jwks_file = tmp.path().join("prebuilt.json");
    std::fs::write(&jwks_file, jwks_of(tmp.path(), &[&new])).unwrap();
    let out = sakr()
        .args(["publish", "--to", &to, "--issuer", ISSUER, "--jwks"])
        .arg(&jwks_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("unchanged"), "{}", stdout(&out));

    // Prebuilt --jwks and --discovery files.
    let disc_file = tmp.path().join("discovery.json");
    sakr()
        .args(["discovery", "--issuer", ISSUER, "--key"])
        .arg(&new)
        .arg("--out")
        .arg(&disc_file)
        .assert()
        .success();
    let out = sakr()
        .args(["publish", "--to", &to, "--jwks"])
        .arg(&jwks_file)
        .arg("--discovery")
        .arg(&disc_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    // A jwks_uri outside the issuer: exit 2, nothing written.
    let before = snapshot(&site);
    let out = publish(
        &to,
        &[&new],
        &["--jwks-uri", "https://elsewhere.example/jwks"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not under the issuer"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&site), before);

    // A JWKS file with private parameters is never uploaded.
    let mut doc: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&jwks_file).unwrap()).unwrap();
    doc["keys"][0]["d"] = serde_json::json!("c2VjcmV0");
    let leaky = tmp.path().join("leaky.json");
    std::fs::write(&leaky, serde_json::to_vec(&doc).unwrap()).unwrap();
    let out = sakr()
        .args(["publish", "--to", &to, "--issuer", ISSUER, "--jwks"])
        .arg(&leaky)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("private key parameters"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(&site), before);

    // --jwks without --discovery or --issuer: usage error.
    let out = sakr()
        .args(["publish", "--to", &to, "--jwks"])
        .arg(&jwks_file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--issuer"), "{}", stderr(&out));
}

#[test]
fn bad_targets_exit_2_naming_them() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    for (to, names) in [
        ("gs://bucket/x", "gs"),
        ("s3:///prefix", "bucket"),
        ("s3://", "bucket"),
    ] {
        let out = publish(to, &[&key], &[]);
        assert_eq!(out.status.code(), Some(2), "{to}: {}", stderr(&out));
        assert!(stderr(&out).contains(names), "{to}: {}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn s3_through_the_cli_against_moto() {
    use crate::servers::{http, procs};
    let server = procs::moto();
    let bucket = "sakr-cli";
    let r = http::request("PUT", &format!("{}/{bucket}", server.base_url()), b"")
        .expect("create bucket");
    assert_eq!(r.status, 200, "create bucket: {r:?}");
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let mut c = sakr();
    aws_env(&mut c);
    let out = c
        .args([
            "publish",
            "--to",
            &format!("s3://{bucket}/prod"),
            "--issuer",
            ISSUER,
        ])
        .arg("--key")
        .arg(&key)
        .args(["--endpoint", &server.base_url(), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["objects"][0]["action"], "created");
    assert!(!stdout(&out).contains("testing"), "credential in output");
    // The bucket is private (anonymous GETs are refused): publishing the same keys again
    // finds both objects holding exactly these bytes.
    let mut c = sakr();
    aws_env(&mut c);
    let out = c
        .args([
            "publish",
            "--to",
            &format!("s3://{bucket}/prod"),
            "--issuer",
            ISSUER,
        ])
        .arg("--key")
        .arg(&key)
        .args(["--endpoint", &server.base_url(), "-o", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(doc["objects"][0]["action"], "unchanged");
    assert_eq!(doc["objects"][1]["action"], "unchanged");
    assert_eq!(
        doc["objects"][0]["bytes"],
        jwks_of(tmp.path(), &[&key]).len()
    );
}
