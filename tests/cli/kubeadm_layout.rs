//! The kubeadm layout (issue 17): rotations that survive `kubeadm upgrade` and `kubeadm join`.
//!
//! kubeadm is not on these machines; what it does to a node's files is small and simulated
//! here exactly: `kubeadm upgrade apply|node` rewrites the static-pod manifests from its
//! defaults (for the service-account flags: `--service-account-key-file=<pki>/sa.pub`,
//! `--service-account-signing-key-file=<pki>/sa.key`, kube-controller-manager's
//! `--service-account-private-key-file=<pki>/sa.key`; the fixture manifests are kubeadm's own
//! output) and keeps the pki directory; `kubeadm init phase upload-certs` + `kubeadm join
//! --control-plane` give a new node kubeadm's manifests and copies of `sa.key` and `sa.pub`.
//!
//! What a node would trust and sign with is derived independently of sakr: the PEM blocks of
//! the files the regenerated flags name, each block's kid computed by openssl.

use std::path::Path;

use crate::manifest::Node;
use crate::rotate::{Rotation, mint};
use crate::support::*;

/// kubeadm's own flags, as the fixture manifests (kubeadm's output) carry them.
const KUBEADM_FLAGS: [&str; 2] = [
    "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
    "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
];

/// `kubeadm upgrade`: the manifests regenerated from kubeadm's defaults; pki kept.
fn kubeadm_upgrade(root: &Path) {
    let m = root.join("etc/kubernetes/manifests");
    for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
        std::fs::copy(fixture(&format!("manifests/{f}")), m.join(f)).unwrap();
    }
    let api = std::fs::read_to_string(m.join("kube-apiserver.yaml")).unwrap();
    for flag in KUBEADM_FLAGS {
        assert!(api.contains(flag), "the regenerated manifest has {flag}");
    }
    let cm = std::fs::read_to_string(m.join("kube-controller-manager.yaml")).unwrap();
    assert!(cm.contains("--service-account-private-key-file=/etc/kubernetes/pki/sa.key"));
}

/// `upload-certs` + `join --control-plane`: a fresh node tree with kubeadm's manifests and the
/// first node's sa.key and sa.pub (nothing else of its pki).
fn kubeadm_join(from: &Path) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("etc/kubernetes/manifests")).unwrap();
    std::fs::create_dir_all(root.path().join("etc/kubernetes/pki")).unwrap();
    kubeadm_upgrade(root.path());
    for f in ["sa.key", "sa.pub"] {
        std::fs::copy(
            from.join("etc/kubernetes/pki").join(f),
            root.path().join("etc/kubernetes/pki").join(f),
        )
        .unwrap();
    }
    root
}

/// The PEM blocks of a file, each as its own text.
fn pem_blocks(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Option<String> = None;
    for line in text.lines() {
        if line.starts_with("-----BEGIN ") {
            cur = Some(String::new());
        }
        if let Some(c) = cur.as_mut() {
            c.push_str(line);
            c.push('\n');
        }
        if line.starts_with("-----END ") {
            out.extend(cur.take());
        }
    }
    out
}

/// What kube-apiserver would load from a node as kubeadm's flags name its files: the kids of
/// sa.pub (one per PUBLIC KEY block) and of sa.key, by openssl.
fn loaded_kids(root: &Path) -> (Vec<String>, String) {
    let pki = root.join("etc/kubernetes/pki");
    let text = std::fs::read_to_string(pki.join("sa.pub")).unwrap();
    let scratch = tempfile::tempdir().unwrap();
    let trusted = pem_blocks(&text)
        .iter()
        .enumerate()
        .map(|(i, b)| {
            assert!(b.starts_with("-----BEGIN PUBLIC KEY-----"), "{b}");
            let f = scratch.path().join(format!("b{i}.pem"));
            std::fs::write(&f, b).unwrap();
            openssl_kid(&format!("cat {}", f.display()), scratch.path())
        })
        .collect();
    let signs = openssl_kid(
        &format!("openssl pkey -in {} -pubout", pki.join("sa.key").display()),
        scratch.path(),
    );
    (trusted, signs)
}

fn openssl_kid_of_key(key: &Path) -> String {
    openssl_kid(
        &format!("openssl pkey -in {} -pubout", key.display()),
        key.parent().unwrap(),
    )
}

/// `manifest show` on a node tree starts clean: no hazard that stops a component.
fn starts(root: &Path) {
    let out = sakr()
        .args(["manifest", "show", "--manifests-dir"])
        .arg(root.join("etc/kubernetes/manifests"))
        .arg("--host-root")
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("layout            kubeadm"),
        "{}",
        stdout(&out)
    );
}

fn next(r: &Rotation, extra: &[&str]) {
    let out = r.rotate(&[&["next"], extra].concat());
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Every stage, then a `kubeadm upgrade`: the regenerated manifests trust and sign exactly as
/// the rotation says at that point; a node joined at that point does the same.
#[test]
fn kubeadm_upgrade_and_join_after_every_stage_keep_the_rotation() {
    let r = Rotation::start(&["--single-node", "--layout", "kubeadm"]);
    r.simulate_clock();
    let root = r.node.root.path().to_path_buf();
    assert_eq!(r.state_json()["layout"], "kubeadm");
    let old = openssl_kid_of_key(&r.pki("sa.key"));
    let new = openssl_kid_of_key(&r.pki("sa-next.key"));
    assert_ne!(old, new);
    let token = root.join("token");
    let far = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24 * 30)).to_string();
    let mut table = vec![];
    for (stage, trusted, signs) in [
        ("publish", vec![&old], &old),
        ("trust", vec![&old, &new], &old),
        // From switch on, the signing key's block comes first (kubeadm reads sa.pub's first
        // key as sa.key's pair).
        ("switch", vec![&new, &old], &new),
        ("verify", vec![&new, &old], &new),
        ("retire", vec![&new], &new),
    ] {
        match stage {
            "verify" => {
                std::fs::write(&token, mint(&r.pki("sa.key"))).unwrap();
                next(&r, &["--token-file", token.to_str().unwrap()]);
            }
            "retire" => next(&r, &["--at", &far, "--allow-breaking-legacy-tokens"]),
            _ => next(&r, &[]),
        }
        // The flags never change: the rotation wrote kubeadm's files only.
        let api = r.node.apiserver();
        for flag in KUBEADM_FLAGS {
            assert!(api.contains(flag), "{stage}: {flag} kept");
        }
        assert_eq!(api.matches("--service-account-key-file").count(), 1);
        kubeadm_upgrade(&root);
        starts(&root);
        let (got_trusted, got_signs) = loaded_kids(&root);
        let want: Vec<String> = trusted.iter().map(|k| k.to_string()).collect();
        assert_eq!(got_trusted, want, "{stage}: sa.pub after a kubeadm upgrade");
        assert_eq!(&got_signs, signs, "{stage}: sa.key after a kubeadm upgrade");
        // A control-plane node joined now gets the same key set.
        let joined = kubeadm_join(&root);
        starts(joined.path());
        assert_eq!(
            loaded_kids(joined.path()),
            (want.clone(), signs.to_string()),
            "{stage}: a node joined after it"
        );
        table.push(format!(
            "{stage:<8} trusts {} signs {}",
            got_trusted.len(),
            if got_signs == old { "old" } else { "new" }
        ));
    }
    eprintln!("{}", table.join("\n"));
    // The staged copy of the live private key is gone; the old sa.key is archived, 0600.
    assert!(!r.pki("sa-next.key").exists() && !r.pki("sa-next.pub").exists());
    let archived = r.node.backup_dir().join("sa.key");
    assert_eq!(openssl_kid_of_key(&archived), old);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&archived).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let status = r.rotate(&["status"]);
    assert!(
        stdout(&status).contains("(layout kubeadm)"),
        "{}",
        stdout(&status)
    );
}

/// The flags layout on the same manifests, for contrast: a node joined after its switch gets
/// kubeadm's untouched sa.key and sa.pub, which no longer say what the cluster signs with.
#[test]
fn in_the_flags_layout_a_joined_node_misses_the_new_key() {
    let r = Rotation::start(&["--single-node", "--layout", "flags"]);
    let root = r.node.root.path().to_path_buf();
    let new = openssl_kid_of_key(&r.pki("sa-next.key"));
    for _ in ["publish", "trust", "switch"] {
        next(&r, &[]);
    }
    assert!(
        r.node
            .apiserver()
            .contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa-next.key")
    );
    let joined = kubeadm_join(&root);
    let (trusted, signs) = loaded_kids(joined.path());
    assert!(
        !trusted.contains(&new) && signs != new,
        "{trusted:?} {signs}"
    );
}

/// The restart annotation changes exactly when a file the component reads changes: trust
/// restarts kube-apiserver only, switch both, retire kube-apiserver only; a re-run changes no
/// byte of either manifest.
#[test]
fn the_restart_annotation_changes_exactly_when_a_read_file_changes() {
    let node = Node::new();
    let annotation = |text: &str| -> Option<String> {
        text.lines()
            .find_map(|l| l.trim().strip_prefix("sakr.io/service-account-keys: "))
            .map(str::to_string)
    };
    let old_kid = openssl_kid_of_key(&node.root.path().join("etc/kubernetes/pki/sa.key"));
    let mut rows = vec![];
    for (action, arg, api_restarts, cm_restarts) in [
        ("trust", "/etc/kubernetes/pki/sa-new.pub", true, false),
        ("sign-with", "/etc/kubernetes/pki/sa-new.key", true, true),
        ("retire", old_kid.as_str(), true, false),
    ] {
        let (api0, cm0) = (node.apiserver(), node.controller_manager());
        let out = node.manifest(&["-o", "json", action, arg, "--layout", "kubeadm"]);
        crate::json_schema::assert_valid("manifest_edit_local", &out, 0);
        let doc = json(&out);
        assert_eq!(doc["layout"], "kubeadm");
        // The key file changed, with its kids; never its content.
        let kf = &doc["key_files"][0];
        assert!(
            kf["kids_after"].is_array() && kf.get("content").is_none(),
            "{doc}"
        );
        assert!(!stdout(&out).contains("PRIVATE KEY"));
        let (api1, cm1) = (node.apiserver(), node.controller_manager());
        assert_eq!(api0 != api1, api_restarts, "{action}: kube-apiserver");
        assert_eq!(cm0 != cm1, cm_restarts, "{action}: kube-controller-manager");
        if api_restarts {
            assert_ne!(annotation(&api0), annotation(&api1));
            assert!(annotation(&api1).unwrap().starts_with("sha256:"));
        }
        // Only the annotation line differs (format-preserving).
        for (a, b) in [(&api0, &api1), (&cm0, &cm1)] {
            let diff: Vec<_> = b.lines().filter(|l| !a.lines().any(|x| x == *l)).collect();
            assert!(
                diff.iter()
                    .all(|l| l.contains("sakr.io/service-account-keys")
                        || l.trim() == "annotations:"),
                "{action}: {diff:?}"
            );
        }
        // Again: nothing changes, nothing restarts.
        let again = node.manifest(&[action, arg, "--layout", "kubeadm"]);
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(
            stderr(&again).contains("already done"),
            "{}",
            stderr(&again)
        );
        assert_eq!((node.apiserver(), node.controller_manager()), (api1, cm1));
        rows.push(format!(
            "{action:<9} kube-apiserver {} kube-controller-manager {} re-run: none",
            if api_restarts { "restarts" } else { "stays" },
            if cm_restarts { "restarts" } else { "stays" }
        ));
    }
    eprintln!("{}", rows.join("\n"));
    // Auto-detected on kubeadm's files, and retire by a file works as by kid.
    let show = node.manifest(&["show", "-o", "json"]);
    assert_eq!(json(&show)["layout"], "kubeadm");
}

/// sign-with KID puts an archived sa.key back (the manual abort), and the refusals of the
/// kubeadm layout name what is wrong and write nothing.
#[test]
fn kubeadm_layout_refusals_and_going_back() {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let old_kid = openssl_kid_of_key(&pki.join("sa.key"));
    let before = snapshot(node.root.path());
    // Switching before trusting: refused (exit 1), nothing written.
    let out = node.manifest(&[
        "sign-with",
        "/etc/kubernetes/pki/sa-new.key",
        "--layout",
        "kubeadm",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not in /etc/kubernetes/pki/sa.pub"),
        "{}",
        stderr(&out)
    );
    // Retiring by the bundle itself, or by something that is neither a path nor a kid: exit 2.
    for arg in ["/etc/kubernetes/pki/sa.pub", "not-a-kid"] {
        let out = node.manifest(&["retire", arg, "--layout", "kubeadm"]);
        assert_eq!(out.status.code(), Some(2), "{arg}: {}", stderr(&out));
    }
    // Retiring the signing key: refused.
    let out = node.manifest(&["retire", &old_kid, "--layout", "kubeadm"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is the current signing key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(snapshot(node.root.path()), before, "nothing written");

    for (a, p) in [
        ("trust", "/etc/kubernetes/pki/sa-new.pub"),
        ("sign-with", "/etc/kubernetes/pki/sa-new.key"),
    ] {
        let out = node.manifest(&[a, p, "--layout", "kubeadm"]);
        assert!(out.status.success(), "{}", stderr(&out));
    }
    assert_eq!(
        openssl_kid_of_key(&pki.join("sa.key")),
        openssl_kid_of_key(&pki.join("sa-new.key"))
    );
    // Back to the old key, found by its kid in the backup directory.
    let out = node.manifest(&["sign-with", &old_kid, "--layout", "kubeadm"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(openssl_kid_of_key(&pki.join("sa.key")), old_kid);
    // A kid sakr never archived: exit 2, naming where it looked.
    let out = node.manifest(&["sign-with", &"A".repeat(43), "--layout", "kubeadm"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no private key with kid"),
        "{}",
        stderr(&out)
    );
    // --layout kubeadm on manifests in the flags layout: exit 2, naming the flag.
    let flags = Node::new();
    let out = flags.manifest(&[
        "trust",
        "/etc/kubernetes/pki/sa-new.pub",
        "--layout",
        "flags",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = flags.manifest(&[
        "trust",
        "/etc/kubernetes/pki/sa-new.pub",
        "--layout",
        "kubeadm",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--service-account-key-file entries"),
        "{}",
        stderr(&out)
    );
    // And `manifest show` names the flags layout, warning that kubeadm would undo it.
    let show = flags.manifest(&["show"]);
    assert!(
        stdout(&show).contains("layout            flags"),
        "{}",
        stdout(&show)
    );
    assert!(
        stderr(&show)
            .contains("kubeadm wrote these manifests, but their key flags name other files"),
        "{}",
        stderr(&show)
    );
}

/// `rotate abort` after the switch puts the old sa.key back on the node.
#[test]
fn abort_after_switch_restores_the_old_sa_key() {
    let r = Rotation::start(&["--single-node", "--layout", "kubeadm"]);
    let old = openssl_kid_of_key(&r.pki("sa.key"));
    let new = openssl_kid_of_key(&r.pki("sa-next.key"));
    for _ in ["publish", "trust", "switch"] {
        next(&r, &[]);
    }
    assert_eq!(
        loaded_kids(r.node.root.path()),
        (vec![new.clone(), old.clone()], new.clone())
    );
    let out = r.rotate(&["abort"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("sa.key back to the old key"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        loaded_kids(r.node.root.path()),
        (vec![old.clone(), new], old)
    );
}
