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
            keygen(&pki, name, alg);
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
        let mut c = sakr();
        c.arg("manifest")
            .args(args)
            .arg("--manifests-dir")
            .arg(self.manifests())
            .arg("--host-root")
            .arg(self.root.path());
        // `show` changes nothing and takes no backup directory (issue 14.10).
        if !args.contains(&"show") {
            c.arg("--backup-dir").arg(self.backup_dir());
            // The edits here are the flags layout's unless a test names one (or `auto`).
            if !args.iter().any(|a| a.starts_with("--layout")) {
                c.args(["--layout", "flags"]);
            }
        }
        c.output().unwrap()
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
        let backup = tmp.path().join("b");
        for action in [
            vec!["show"],
            vec![
                "trust",
                "/etc/kubernetes/pki/x.pub",
                "--no-check-files",
                "--backup-dir",
                backup.to_str().unwrap(),
            ],
        ] {
            let out = sakr()
                .arg("manifest")
                .args(&action)
                .arg("--apiserver")
                .arg(&path)
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

// ---------------------------------------------------------------------------------------------
// Issues 13 and 14

/// A copy of the kubeadm manifests with `from` replaced by `to` in the apiserver's.
fn manifests_with(dir: &Path, from: &str, to: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let api = std::fs::read_to_string(fixture("manifests/kube-apiserver.yaml")).unwrap();
    let edited = api.replace(from, to);
    assert_ne!(edited, api, "{from} not in the fixture");
    std::fs::write(dir.join("kube-apiserver.yaml"), edited).unwrap();
    std::fs::copy(
        fixture("manifests/kube-controller-manager.yaml"),
        dir.join("kube-controller-manager.yaml"),
    )
    .unwrap();
}

/// Issue 13.1: a hostPath `path` or a `subPath` with `..` made `rehearse` write, archive and
/// delete key files outside its scratch directory. Refused at parse time, for every command,
/// naming the file and the volume; nothing outside is touched.
#[test]
fn host_paths_that_leave_the_root_are_refused_and_nothing_outside_is_touched() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("sa.pub"), "precious\n").unwrap();
    std::fs::write(outside.path().join("sa.key"), "precious\n").unwrap();
    let escape = format!("/../../../../../../../../..{}", outside.path().display());
    let cases = [
        (
            "path: /etc/kubernetes/pki\n".to_string(),
            format!("path: {escape}\n"),
            "hostPath.path",
        ),
        (
            "      name: k8s-certs\n      readOnly: true\n".to_string(),
            format!(
                "      name: k8s-certs\n      readOnly: true\n      subPath: ../../../../../../../..{}\n",
                outside.path().display()
            ),
            "subPath",
        ),
    ];
    for (from, to, field) in &cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("manifests");
        manifests_with(&dir, from, to);
        let before_outside = snapshot(outside.path());
        let before_dir = snapshot(tmp.path());
        let scratch = tmp.path().join("scratch");
        let runs = [
            sakr()
                .args(["rehearse", "--keep"])
                .arg(&scratch)
                .arg("--manifests-dir")
                .arg(&dir)
                .output()
                .unwrap(),
            sakr()
                .args(["manifest", "show", "--manifests-dir"])
                .arg(&dir)
                .arg("--host-root")
                .arg(tmp.path())
                .output()
                .unwrap(),
            sakr()
                .args(["manifest", "trust", "/etc/kubernetes/pki/sa-new.pub"])
                .arg("--manifests-dir")
                .arg(&dir)
                .arg("--host-root")
                .arg(tmp.path())
                .arg("--backup-dir")
                .arg(tmp.path().join("backups"))
                .output()
                .unwrap(),
        ];
        for out in runs {
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{field}: {err}");
            assert!(
                err.contains("kube-apiserver.yaml")
                    && err.contains("k8s-certs")
                    && err.contains(field),
                "{field}: {err}"
            );
        }
        assert_eq!(snapshot(outside.path()), before_outside, "{field}");
        // The scratch directory may exist (--keep makes it), but nothing else changed.
        let mut after = snapshot(tmp.path());
        after.retain(|p, _| !p.starts_with("scratch"));
        assert_eq!(after, before_dir, "{field}");
    }
}

/// Issue 13.1, through links: with `--host-root`, a key directory that is a symbolic link out
/// of the root is not read (nor written) through.
#[test]
fn a_symlink_out_of_the_host_root_is_not_followed() {
    let node = Node::new();
    let outside = tempfile::tempdir().unwrap();
    let pki = node.root.path().join("etc/kubernetes/pki");
    for f in ["sa.pub", "sa.key", "sa-new.pub", "sa-new.key"] {
        std::fs::copy(pki.join(f), outside.path().join(f)).unwrap();
    }
    std::fs::remove_dir_all(&pki).unwrap();
    std::os::unix::fs::symlink(outside.path(), &pki).unwrap();
    let before = snapshot(outside.path());
    let out = node.manifest(&["-o", "json", "show"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v = json(&out);
    assert_eq!(v["apiserver"]["key_files"][0]["state"], "unreadable");
    assert_eq!(
        v["apiserver"]["key_files"][0]["host_path"],
        serde_json::Value::Null
    );
    assert!(
        v["apiserver"]["key_files"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("leaves the host root"),
        "{v}"
    );
    assert_eq!(v["apiserver"]["signing_key_file"]["state"], "unreadable");
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(snapshot(outside.path()), before);
    // A link that stays inside the root is followed, as the kubelet follows it on the node.
    std::fs::remove_file(&pki).unwrap();
    let inside = node.root.path().join("etc/kubernetes/pki-real");
    std::fs::create_dir(&inside).unwrap();
    for f in ["sa.pub", "sa.key", "sa-new.pub"] {
        std::fs::copy(outside.path().join(f), inside.join(f)).unwrap();
    }
    std::os::unix::fs::symlink("pki-real", &pki).unwrap();
    let out = node.manifest(&["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn nested_sequences() -> String {
    format!("{}x\n", "- ".repeat(20_000))
}

fn nested_mappings() -> String {
    let mut s = String::new();
    let mut depth = 0;
    while s.len() < 40_000 {
        s.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
        depth += 1;
    }
    s
}

/// Issue 13.3: 40 KB of nested block collections anywhere in the manifests directory aborted
/// every command that locates the manifests (stack overflow, exit 134). Now exit 2 naming it.
#[test]
fn deeply_nested_yaml_is_an_error_naming_the_file() {
    for (name, text) in [
        ("deep.yaml", nested_sequences()),
        ("deep-map.yaml", nested_mappings()),
    ] {
        let node = Node::new();
        let path = node.manifests().join(name);
        std::fs::write(&path, &text).unwrap();
        let out = node.manifest(&["show"]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(name) && stderr(&out).contains("nested more than"),
            "{}",
            stderr(&out)
        );
        let out = sakr()
            .args(["manifest", "show", "--apiserver"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(name), "{}", stderr(&out));
    }
}

/// Issue 13.4: U+2028, U+2029 and U+0085 survive a YAML 1.2 re-parse inside one scalar, but the
/// kubelet's YAML 1.1 reader breaks the line there, and the rest of the path becomes a flag.
#[test]
fn line_separators_in_paths_and_manifests_are_refused() {
    let node = Node::new();
    let api0 = node.apiserver();
    for sep in ['\u{2028}', '\u{2029}', '\u{85}', '\u{1b}'] {
        for action in ["trust", "sign-with", "retire"] {
            let path = format!("/etc/kubernetes/pki/sa-new.pub{sep}- --anonymous-auth=true");
            let out = node.manifest(&[action, &path]);
            let err = stderr(&out);
            assert_eq!(out.status.code(), Some(2), "{action} {sep:?}: {err}");
            assert!(
                err.contains(&format!("\\u{{{:04X}}}", sep as u32)),
                "{action}: {err}"
            );
            assert!(!err.contains(sep), "printed as is: {err}");
        }
    }
    assert_eq!(node.apiserver(), api0);
    // In a manifest, anywhere (here: a comment): refused, naming the file and the line.
    let line = api0
        .lines()
        .position(|l| l.contains("--service-account-key-file"))
        .unwrap()
        + 1;
    let bad: String = api0
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i + 1 == line {
                format!("{l} # x\u{2028}- --anonymous-auth=true\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    std::fs::write(node.manifests().join("kube-apiserver.yaml"), &bad).unwrap();
    let out = node.manifest(&["show"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("kube-apiserver.yaml")
            && err.contains(&format!("line {line}"))
            && err.contains("U+2028"),
        "{err}"
    );
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(node.apiserver(), bad);
}

/// Issue 14.7: a missing, unreadable or public-only signing key (and the controller-manager's
/// private key) is a hazard and exit 1: that component does not start.
#[test]
fn show_reports_an_unusable_signing_key_and_exits_1() {
    let pki = |n: &Node| n.root.path().join("etc/kubernetes/pki");
    type Spoil = fn(&Path);
    let cases: [(&str, Spoil, &str, &str); 3] = [
        (
            "missing",
            |p| std::fs::remove_file(p.join("sa.key")).unwrap(),
            "MISSING",
            "does not exist",
        ),
        (
            "unreadable",
            |p| std::fs::write(p.join("sa.key"), "not a key\n").unwrap(),
            "UNREADABLE",
            "no PEM block",
        ),
        (
            "no_private_key",
            |p| {
                std::fs::copy(p.join("sa.pub"), p.join("sa.key"))
                    .map(drop)
                    .unwrap()
            },
            "NO PRIVATE KEY",
            "holds no private key",
        ),
    ];
    for (state, spoil, shown, reason) in cases {
        let node = Node::new();
        spoil(&pki(&node));
        let out = node.manifest(&["show"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{state}: {err}");
        assert!(
            stdout(&out).contains(&format!("/etc/kubernetes/pki/sa.key  {shown}")),
            "{state}: {}",
            stdout(&out)
        );
        assert!(!err.contains("no hazards found"), "{err}");
        for who in [
            "kube-apiserver --service-account-signing-key-file",
            "kube-controller-manager --service-account-private-key-file",
        ] {
            assert!(
                err.contains(who) && err.contains(reason),
                "{state}: {who}: {err}"
            );
        }
        let out = node.manifest(&["-o", "json", "show"]);
        assert_eq!(out.status.code(), Some(1));
        let v = json(&out);
        assert_eq!(v["apiserver"]["signing_key_file"]["state"], state);
        assert_eq!(
            v["apiserver"]["signing_key_file"]["kid"],
            serde_json::Value::Null
        );
        assert_eq!(v["controller_manager"]["private_key_file"]["state"], state);
        let kinds: Vec<(&str, &str)> = v["hazards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| (h["kind"].as_str().unwrap(), h["severity"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("unusable_signing_key", "error"),
                ("unusable_signing_key", "error")
            ],
            "{state}"
        );
    }
    // A missing public key file is one too.
    let node = Node::new();
    std::fs::remove_file(pki(&node).join("sa.pub")).unwrap();
    let out = node.manifest(&["show"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
}

/// Issue 14.8: the kubelet does not recurse into directories of the manifests directory, so a
/// directory (or a link to one) is not a stray backup, whatever its name.
#[test]
fn directories_in_the_manifests_dir_are_not_backups() {
    let node = Node::new();
    std::fs::create_dir(node.manifests().join("old")).unwrap();
    std::fs::create_dir(node.manifests().join("kube-apiserver.yaml.bak")).unwrap();
    std::fs::write(
        node.manifests()
            .join("kube-apiserver.yaml.bak/kube-apiserver.yaml"),
        node.apiserver(),
    )
    .unwrap();
    std::os::unix::fs::symlink("/tmp", node.manifests().join("tmp.old")).unwrap();
    let out = node.manifest(&["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no hazards found"),
        "{}",
        stderr(&out)
    );
    // A file of the same kind is still reported.
    std::fs::write(node.manifests().join("notes.old"), "x\n").unwrap();
    let out = node.manifest(&["show"]);
    assert!(stderr(&out).contains("notes.old"), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("kube-apiserver.yaml.bak"),
        "{}",
        stderr(&out)
    );
}

/// Issue 14.9: `manifest show -o json` is the small documented shape of
/// docs/json/manifest-show.schema.json; validated by the Python `jsonschema` package.
#[test]
fn show_json_is_the_documented_shape() {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let sa_kid = kid_of(&pki.join("sa.pub"));
    // A second key file: a certificate-less bundle of an ignored PKCS#1 block and the new key.
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(node.manifests().join("notes.bak"), "x\n").unwrap();
    let out = node.manifest(&["-o", "json", "show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out.stdout.len() < 4096, "{} bytes", out.stdout.len());
    let v = json(&out);
    let api = &v["apiserver"];
    assert!(
        api["manifest"]
            .as_str()
            .unwrap()
            .ends_with("kube-apiserver.yaml")
    );
    assert_eq!(
        api["issuers"],
        serde_json::json!(["https://kubernetes.default.svc.cluster.local"])
    );
    assert_eq!(api["key_files"][0]["path"], "/etc/kubernetes/pki/sa.pub");
    assert_eq!(api["key_files"][0]["state"], "ok");
    assert_eq!(
        api["key_files"][0]["keys"],
        serde_json::json!([{"kid": sa_kid, "form": "PUBLIC KEY", "used": true}])
    );
    assert_eq!(
        api["key_files"][1]["path"],
        "/etc/kubernetes/pki/sa-new.pub"
    );
    assert_eq!(
        api["signing_key_file"]["path"],
        "/etc/kubernetes/pki/sa.key"
    );
    assert_eq!(api["signing_key_file"]["kid"], sa_kid.as_str());
    assert_eq!(api["signing_key_file"]["state"], "ok");
    assert_eq!(
        v["controller_manager"]["private_key_file"]["kid"],
        sa_kid.as_str()
    );
    assert_eq!(v["hazards"][0]["kind"], "stray_manifest_file");
    assert_eq!(v["hazards"][0]["severity"], "warning");
    assert!(
        v["hazards"][0]["message"]
            .as_str()
            .unwrap()
            .contains("notes.bak")
    );

    // Against the schema: this document, and one full of hazards.
    std::fs::remove_file(pki.join("sa.key")).unwrap();
    let broken = node.manifest(&["-o", "json", "show"]);
    assert_eq!(broken.status.code(), Some(1));
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json/manifest-show.schema.json");
    let tmp = tempfile::tempdir().unwrap();
    for (n, doc) in [&out.stdout, &broken.stdout].into_iter().enumerate() {
        let path = tmp.path().join(format!("{n}.json"));
        std::fs::write(&path, doc).unwrap();
        let check = std::process::Command::new(python())
            .arg("-c")
            .arg(
                "import json, sys, jsonschema\n\
                 root = json.load(open(sys.argv[1]))\n\
                 schema = dict(root, **{'$ref': '#/$defs/manifest_show'})\n\
                 jsonschema.Draft202012Validator.check_schema(schema)\n\
                 jsonschema.Draft202012Validator(schema).validate(json.load(open(sys.argv[2])))\n",
            )
            .arg(&schema)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            check.status.success(),
            "{}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // The schema rejects what it must: a document with an unknown hazard kind.
    let mut bad = json(&broken);
    bad["hazards"][0]["kind"] = "made_up".into();
    let path = tmp.path().join("bad.json");
    std::fs::write(&path, bad.to_string()).unwrap();
    let check = std::process::Command::new(python())
        .arg("-c")
        .arg(
            "import json, sys, jsonschema\n\
             root = json.load(open(sys.argv[1]))\n\
             jsonschema.Draft202012Validator(dict(root, **{'$ref': '#/$defs/manifest_show'})).validate(json.load(open(sys.argv[2])))\n",
        )
        .arg(&schema)
        .arg(&path)
        .output()
        .unwrap();
    assert!(!check.status.success());
}

/// Issue 14.10: `show` offers no edit flags; the edits keep them, and the paths go before or
/// after the subcommand as before.
#[test]
fn show_offers_no_flags_that_do_nothing() {
    let help = |args: &[&str]| {
        let out = sakr().args(args).arg("--help").output().unwrap();
        assert!(out.status.success());
        stdout(&out)
    };
    let show = help(&["manifest", "show"]);
    for flag in ["--dry-run", "--backup-dir", "--no-check-files"] {
        assert!(!show.contains(flag), "{flag} in:\n{show}");
        for edit in ["trust", "sign-with", "retire"] {
            assert!(help(&["manifest", edit]).contains(flag), "{edit} {flag}");
        }
    }
    assert!(show.contains("--manifests-dir") && show.contains("--host-root"));
    let node = Node::new();
    let out = node.manifest(&["show", "--dry-run"]);
    assert_eq!(out.status.code(), Some(2));
    let out = sakr()
        .args(["manifest", "--manifests-dir"])
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("show")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Issue 13, class sweep: symlinked manifests are read through (as the kubelet reads them) but
/// never edited through; file names that are not UTF-8 are read like any other; names and
/// paths from the directory reach the terminal escaped.
#[test]
fn symlinked_manifests_and_odd_file_names_are_handled_on_purpose() {
    use std::os::unix::ffi::OsStrExt as _;
    let node = Node::new();
    let real = node.root.path().join("etc/kubernetes/real");
    std::fs::create_dir(&real).unwrap();
    let api = node.manifests().join("kube-apiserver.yaml");
    std::fs::rename(&api, real.join("kube-apiserver.yaml")).unwrap();
    std::os::unix::fs::symlink("../real/kube-apiserver.yaml", &api).unwrap();
    let before = std::fs::read(real.join("kube-apiserver.yaml")).unwrap();
    let out = node.manifest(&["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(std::fs::symlink_metadata(&api).unwrap().is_symlink());
    assert_eq!(
        std::fs::read(real.join("kube-apiserver.yaml")).unwrap(),
        before
    );

    // A non-UTF-8 name holding the apiserver manifest is found; an ESC in a stray file's name
    // is printed escaped.
    let node = Node::new();
    let odd = std::ffi::OsStr::from_bytes(b"kube-apiserver-\xff.yaml");
    std::fs::rename(
        node.manifests().join("kube-apiserver.yaml"),
        node.manifests().join(odd),
    )
    .unwrap();
    std::fs::write(node.manifests().join("x\x1b[2J.bak"), "x\n").unwrap();
    let out = node.manifest(&["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("kube-apiserver-\u{FFFD}.yaml"),
        "{}",
        stdout(&out)
    );
    assert!(
        stderr(&out).contains("x\\u{001B}[2J.bak"),
        "{}",
        stderr(&out)
    );
    assert!(!stderr(&out).contains('\x1b'));
    let out = node.manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        std::fs::read_to_string(node.manifests().join(odd))
            .unwrap()
            .contains("/etc/kubernetes/pki/sa-new.pub")
    );
}
