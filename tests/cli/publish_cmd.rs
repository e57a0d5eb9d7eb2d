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

// ---------------------------------------------------------------------------------------------
// Security review fixes (issue 13) and the lock left in the web root (issue 14.12)

/// The sakr binary as a plain `std::process::Command`, for tests that need their own pipes.
fn sakr_std() -> std::process::Command {
    let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("sakr"));
    c.env_remove("NO_COLOR");
    c
}

/// Issue 13.10: `sakr -v publish … 2>&1 | head -n 3` closed stderr mid-run, `eprintln!`
/// panicked (exit 101), and the JWKS was written without its discovery document. With stderr a
/// pipe whose read end is closed before sakr writes, both objects are written and the exit is 0.
#[test]
fn closed_stderr_never_stops_a_publish_half_way() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let site = tmp.path().join("site");
    let to = format!("file://{}", site.display());
    for args in [&["-v"][..], &[][..]] {
        let mut child = sakr_std()
            .args(args)
            .args(["publish", "--to", &to, "--issuer", ISSUER, "--key"])
            .arg(&key)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "{args:?}: {status:?}");
        for rel in ["openid/v1/jwks", ".well-known/openid-configuration"] {
            assert!(site.join(rel).is_file(), "{args:?}: {rel} missing");
        }
        std::fs::remove_dir_all(&site).unwrap();
    }
    // An error message on a closed stderr: the right exit code, not a panic.
    let mut child = sakr_std()
        .args([
            "publish",
            "--to",
            "gs://bucket/x",
            "--issuer",
            ISSUER,
            "--key",
        ])
        .arg(&key)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(2));
}

/// Issue 14.12: nothing but the two documents is left in a published `file://` directory (the
/// web server would serve a lock file too).
#[test]
fn file_publish_leaves_only_the_documents_in_the_web_root() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let site = tmp.path().join("site");
    let out = publish(&format!("file://{}", site.display()), &[&key], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut names: Vec<_> = std::fs::read_dir(&site)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, [".well-known", "openid"]);
}

/// Issue 13.7: a `.well-known` symlink in the web root made root write the discovery document
/// into any directory. Refused (exit 2, naming it), and nothing is written anywhere.
#[test]
fn file_publish_refuses_a_symlinked_well_known() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let site = tmp.path().join("site");
    let manifests = tmp.path().join("manifests");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::create_dir_all(&manifests).unwrap();
    std::os::unix::fs::symlink(&manifests, site.join(".well-known")).unwrap();
    let out = publish(&format!("file://{}", site.display()), &[&key], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(".well-known is a symbolic link"),
        "{}",
        stderr(&out)
    );
    assert_eq!(std::fs::read_dir(&manifests).unwrap().count(), 0);
    assert!(!site.join("openid").exists());
}

/// Issue 13.6: anyone who can read the web root can hold a lock on it forever; publish gives up
/// at --timeout (exit 2, saying why) instead of hanging, and writes nothing.
#[test]
fn file_publish_lock_wait_is_bounded_by_the_timeout() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let site = tmp.path().join("site");
    std::fs::create_dir_all(&site).unwrap();
    let holder = std::fs::File::open(&site).unwrap();
    holder.lock_shared().unwrap();
    let out = publish(
        &format!("file://{}", site.display()),
        &[&key],
        &["--timeout", "4s"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("another process holds a lock"),
        "{}",
        stderr(&out)
    );
    assert!(
        stderr(&out).contains("nothing was published"),
        "{}",
        stderr(&out)
    );
    assert!(!site.join("openid").exists());
}

/// Issue 13 sweep: a user, password or SAS in --endpoint or --to is refused (exit 2) and never
/// echoed; a --timeout too large for the clock is exit 2, not a panic.
#[test]
fn credentials_in_urls_are_never_echoed_and_timeouts_are_bounded() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let secret = "hunter2SECRET";
    for (to, extra) in [
        (
            "s3://bucket/x".to_string(),
            vec![
                "--endpoint".to_string(),
                format!("http://admin:{secret}@127.0.0.1:9/"),
            ],
        ),
        (
            "s3://bucket/x".to_string(),
            vec![
                "--endpoint".to_string(),
                format!("http://127.0.0.1:9/devstoreaccount1?sv=1&sig={secret}"),
            ],
        ),
        (
            "s3://bucket/x".to_string(),
            vec![
                "--endpoint".to_string(),
                format!("http://admin:{secret}@[::1"),
            ],
        ),
        (format!("s3://key:{secret}@bucket/x"), vec![]),
        (format!("azblob://u:{secret}@acct1/c/x"), vec![]),
    ] {
        for json in [false, true] {
            let mut c = sakr();
            if json {
                c.args(["-o", "json"]);
            }
            let out = c
                .args(["publish", "--to", &to, "--issuer", ISSUER, "--key"])
                .arg(&key)
                .args(&extra)
                .output()
                .unwrap();
            let all = format!("{}{}", stdout(&out), stderr(&out));
            assert_eq!(out.status.code(), Some(2), "{to} {extra:?}: {all}");
            assert!(!all.contains(secret), "{to} {extra:?}: {all}");
            assert!(all.contains("REDACTED"), "{to} {extra:?}: {all}");
        }
    }
    let site = tmp.path().join("site");
    for timeout in ["7000000d", "25h"] {
        let out = publish(
            &format!("file://{}", site.display()),
            &[&key],
            &["--timeout", timeout],
        );
        assert_eq!(out.status.code(), Some(2), "{timeout}: {}", stderr(&out));
        assert!(stderr(&out).contains("--timeout"), "{}", stderr(&out));
        assert!(!site.exists());
    }
}

/// Issue 13.11: `jwks --out /dev/null` as root replaced the device node with a JSON file. An
/// existing --out that is not a regular file (device, FIFO, symlink, directory) is refused,
/// exit 2, naming it, for every command that writes through --out; a regular file is replaced.
#[test]
fn out_refuses_anything_but_a_regular_file() {
    let tmp = tempfile::tempdir().unwrap();
    let key = keygen(tmp.path(), "k", "ecdsa-p256");
    let real = tmp.path().join("real.json");
    std::fs::write(&real, b"keep").unwrap();
    let link = tmp.path().join("link.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let fifo = tmp.path().join("fifo.json");
    let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let dir = tmp.path().join("dir.json");
    std::fs::create_dir(&dir).unwrap();
    // A FIFO stands in for /dev/null: a test must not risk a real device node as root.
    for out_path in [&link, &fifo, &dir] {
        for cmd in [&["jwks"][..], &["discovery", "--issuer", ISSUER][..]] {
            let mut c = sakr();
            c.args(cmd)
                .arg("--key")
                .arg(&key)
                .arg("--out")
                .arg(out_path);
            let out = c.output().unwrap();
            assert_eq!(out.status.code(), Some(2), "{out_path:?}: {}", stderr(&out));
            assert!(
                stderr(&out).contains(&format!("--out {}", out_path.display()))
                    && stderr(&out).contains("not a regular file"),
                "{}",
                stderr(&out)
            );
        }
    }
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read(&real).unwrap(), b"keep");
    assert!(dir.is_dir());
    {
        use std::os::unix::fs::FileTypeExt as _;
        assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
    }
    // A regular file is still replaced.
    sakr()
        .args(["jwks", "--key"])
        .arg(&key)
        .arg("--out")
        .arg(&real)
        .assert()
        .success();
    assert_ne!(std::fs::read(&real).unwrap(), b"keep");
}
