//! `sakr manifest` on a scratch node layout: the real kubeadm manifests under
//! `<root>/etc/kubernetes/manifests`, keys under `<root>/etc/kubernetes/pki`, `--host-root
//! <root>` so the hostPath volumes resolve into the scratch tree.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::support::*;

pub struct Node {
    pub root: tempfile::TempDir,
}

impl Node {
    pub fn new() -> Node {
        let root = tempfile::tempdir().unwrap();
        let m = root.path().join("etc/kubernetes/manifests");
        let pki = root.path().join("etc/kubernetes/pki");
        std::fs::create_dir_all(&m).unwrap();
        std::fs::create_dir_all(&pki).unwrap();
        for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
            std::fs::copy(fixture(&format!("manifests/{f}")), m.join(f)).unwrap();
        }
        for (name, alg) in [("sa", "rsa-2048"), ("sa-new", "ecdsa-p256")] {
            sakr()
                .args(["keygen", "-q", "-a", alg, "--name", name, "--out-dir"])
                .arg(&pki)
                .assert()
                .success();
        }
        Node { root }
    }

    pub fn manifests(&self) -> PathBuf {
        self.root.path().join("etc/kubernetes/manifests")
    }

    pub fn apiserver(&self) -> String {
        std::fs::read_to_string(self.manifests().join("kube-apiserver.yaml")).unwrap()
    }

    pub fn controller_manager(&self) -> String {
        std::fs::read_to_string(self.manifests().join("kube-controller-manager.yaml")).unwrap()
    }

    pub fn backup_dir(&self) -> PathBuf {
        self.root.path().join("backups")
    }

    pub fn manifest(&self, args: &[&str]) -> std::process::Output {
        sakr()
            .arg("manifest")
            .args(args)
            .arg("--manifests-dir")
            .arg(self.manifests())
            .arg("--host-root")
            .arg(self.root.path())
            .arg("--backup-dir")
            .arg(self.backup_dir())
            .output()
            .unwrap()
    }

    pub fn manifest_names(&self) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(self.manifests())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }
}

/// Lines of `new` that are not in `old`, and lines of `old` not in `new`, by position-aware
/// diff — computed here with a plain LCS so the test does not trust sakr's own diff code.
fn changed_lines(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut removed, mut added) = (0, 0, Vec::new(), Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            added.push(b[j].to_string());
            j += 1;
        } else {
            removed.push(a[i].to_string());
            i += 1;
        }
    }
    (removed, added)
}

fn kid_of(path: &Path) -> String {
    let out = sakr()
        .args(["-o", "json", "kid"])
        .arg(path)
        .output()
        .unwrap();
    json(&out)[0]["kid"].as_str().unwrap().to_string()
}

#[test]
fn trust_switch_retire_on_kubeadm_manifests() {
    let node = Node::new();
    let api0 = node.apiserver();
    let cm0 = node.controller_manager();
    let names0 = node.manifest_names();

    // show: the current key and kid, no hazards.
    let out = node.manifest(&["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let old_kid = kid_of(&node.root.path().join("etc/kubernetes/pki/sa.pub"));
    let new_kid = kid_of(&node.root.path().join("etc/kubernetes/pki/sa-new.pub"));
    assert!(
        stdout(&out).contains(&format!("/etc/kubernetes/pki/sa.pub  kid {old_kid}")),
        "{}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("no hazards found"));

    // Switching first is refused (exit 1), nothing written.
    let out = node.manifest(&["sign-with", "/etc/kubernetes/pki/sa-new.key"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&new_kid) && stderr(&out).contains("sakr manifest trust"),
        "{}",
        stderr(&out)
    );
    assert_eq!(node.apiserver(), api0);
    assert_eq!(node.controller_manager(), cm0);

    // trust --dry-run: exactly one added line in the diff, nothing written.
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub", "--dry-run"]);
    assert!(out.status.success());
    let diff = stdout(&out);
    let plus: Vec<&str> = diff
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        plus,
        ["+    - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub"]
    );
    assert_eq!(node.apiserver(), api0);
    assert!(!node.backup_dir().exists());

    // trust: the one line after the existing key file; every other byte the same.
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api1 = node.apiserver();
    let (removed, added) = changed_lines(&api0, &api1);
    assert!(removed.is_empty());
    assert_eq!(
        added,
        ["    - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub\n"]
    );
    assert!(api1.contains("key-file=/etc/kubernetes/pki/sa.pub\n    - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub\n"));
    assert_eq!(
        std::fs::read_to_string(node.backup_dir().join("kube-apiserver.yaml")).unwrap(),
        api0
    );
    assert!(
        stderr(&out).contains("value: /etc/kubernetes/pki/sa-new.pub"),
        "kubeadm hint: {}",
        stderr(&out)
    );

    // Again: a no-op that says so.
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success());
    assert!(stderr(&out).contains("already"));
    assert_eq!(node.apiserver(), api1);

    // sign-with now passes and changes one line in each manifest.
    let out = node.manifest(&["sign-with", "/etc/kubernetes/pki/sa-new.key"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api2 = node.apiserver();
    assert_eq!(
        changed_lines(&api1, &api2),
        (
            vec![
                "    - --service-account-signing-key-file=/etc/kubernetes/pki/sa.key\n".to_string()
            ],
            vec![
                "    - --service-account-signing-key-file=/etc/kubernetes/pki/sa-new.key\n"
                    .to_string()
            ]
        )
    );
    assert_eq!(
        changed_lines(&cm0, &node.controller_manager()),
        (
            vec![
                "    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key\n".to_string()
            ],
            vec![
                "    - --service-account-private-key-file=/etc/kubernetes/pki/sa-new.key\n"
                    .to_string()
            ]
        )
    );

    // Retiring the new (signing) key is refused; retiring the old one works; then the last is refused.
    let out = node.manifest(&["retire", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(node.apiserver(), api2);
    let out = node.manifest(&["retire", "/etc/kubernetes/pki/sa.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api3 = node.apiserver();
    assert_eq!(
        changed_lines(&api2, &api3),
        (
            vec!["    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n".to_string()],
            vec![]
        )
    );
    let out = node.manifest(&["retire", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(node.apiserver(), api3);

    // No file the kubelet would load was added to the manifests directory.
    assert_eq!(node.manifest_names(), names0);
}

#[test]
fn trust_then_retire_restores_the_original_bytes_and_mode() {
    let node = Node::new();
    let path = node.manifests().join("kube-apiserver.yaml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let api0 = node.apiserver();
    assert!(
        node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"])
            .status
            .success()
    );
    assert!(
        node.manifest(&["retire", "/etc/kubernetes/pki/sa-new.pub"])
            .status
            .success()
    );
    assert_eq!(node.apiserver(), api0);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn refusals_and_input_errors() {
    let node = Node::new();
    let api0 = node.apiserver();
    // A key file that does not exist on the host: exit 2, names container and host path.
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/nope.pub"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/etc/kubernetes/pki/nope.pub")
            && stderr(&out).contains("does not exist"),
        "{}",
        stderr(&out)
    );
    // ...allowed with --no-check-files.
    let out = node.manifest(&[
        "trust",
        "/etc/kubernetes/pki/nope.pub",
        "--no-check-files",
        "--dry-run",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // A path outside every hostPath mount.
    let out = node.manifest(&["trust", "/var/lib/keys/sa.pub"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("not under any hostPath"),
        "{}",
        stderr(&out)
    );
    // A backup dir inside the manifests dir.
    let out = sakr()
        .args([
            "manifest",
            "trust",
            "/etc/kubernetes/pki/sa-new.pub",
            "--manifests-dir",
        ])
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("--backup-dir")
        .arg(node.manifests().join("backup"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("kubelet would start"),
        "{}",
        stderr(&out)
    );
    assert_eq!(node.apiserver(), api0);
    assert!(!node.manifests().join("backup").exists());
}

#[test]
fn a_stray_backup_in_the_manifests_dir_is_a_hazard() {
    let node = Node::new();
    std::fs::write(node.manifests().join("kube-apiserver.yaml.bak"), "x: 1\n").unwrap();
    let out = node.manifest(&["show"]);
    assert!(out.status.success());
    assert!(
        stderr(&out).contains("kube-apiserver.yaml.bak"),
        "{}",
        stderr(&out)
    );
}

/// Every bad manifest fixture: exit 2, the error names the file, the file is unchanged.
#[test]
fn bad_manifests_exit_2_and_stay_unchanged() {
    let dir = std::fs::read_dir(fixture("manifests/bad")).unwrap();
    let mut n = 0;
    for entry in dir {
        let src = entry.unwrap().path();
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(src.file_name().unwrap());
        std::fs::copy(&src, &path).unwrap();
        let before = std::fs::read(&path).unwrap();
        for action in [
            vec!["show"],
            vec!["trust", "/etc/kubernetes/pki/x.pub", "--no-check-files"],
        ] {
            let out = sakr()
                .arg("manifest")
                .args(&action)
                .arg("--apiserver")
                .arg(&path)
                .arg("--backup-dir")
                .arg(tmp.path().join("b"))
                .output()
                .unwrap();
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{}: {err}", src.display());
            assert!(
                err.contains(path.file_name().unwrap().to_str().unwrap()),
                "{}: {err}",
                src.display()
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        assert_eq!(std::fs::read(&path).unwrap(), before);
        n += 1;
    }
    assert!(n >= 15, "only {n} bad manifests");
}

#[test]
fn big_files_and_symlink_loops() {
    let tmp = tempfile::tempdir().unwrap();
    let big = tmp.path().join("big.yaml");
    std::fs::write(&big, "a".repeat(10 * 1024 * 1024)).unwrap();
    let out = sakr()
        .args(["manifest", "show", "--apiserver"])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("big.yaml"));
    std::os::unix::fs::symlink("b.yaml", tmp.path().join("a.yaml")).unwrap();
    std::os::unix::fs::symlink("a.yaml", tmp.path().join("b.yaml")).unwrap();
    let out = sakr()
        .args(["manifest", "show", "--apiserver"])
        .arg(tmp.path().join("a.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("a.yaml") && stderr(&out).contains("loop"),
        "{}",
        stderr(&out)
    );
}
