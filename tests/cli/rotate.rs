//! `sakr rotate` end to end on a scratch node layout (the kubeadm manifests, a pki dir, a
//! file:// publish target), and each refusal. Tokens are minted by the test with the key the
//! manifest currently names, as kube-apiserver would after its restart, or come from the fake
//! kube-apiserver where the cluster is asked.

use std::path::{Path, PathBuf};

use sakr::keys::secret::Secret;
use sakr::token::{ClaimsSpec, Signer, kube_claims};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::*;

const ISSUER: &str = "https://oidc.example.com/cluster-a";

pub struct Rotation {
    pub node: Node,
    pub state: PathBuf,
    pub published: PathBuf,
}

impl Rotation {
    /// A rotation in the flags layout unless `extra` names one (most tests here are about the
    /// flags edits; tests/cli/kubeadm_layout.rs is about the other).
    pub fn start(extra: &[&str]) -> Rotation {
        if extra.contains(&"--layout") {
            Rotation::start_auto(extra)
        } else {
            Rotation::start_auto(&[extra, &["--layout", "flags"]].concat())
        }
    }

    /// A rotation whose layout sakr chooses from the manifests (or `extra`).
    pub fn start_auto(extra: &[&str]) -> Rotation {
        let node = Node::new();
        let state = node.root.path().join("rotation.json");
        let published = node.root.path().join("published");
        std::fs::create_dir_all(&published).unwrap();
        let out = sakr()
            .args(["rotate", "start", "--name", "sa-next", "-a", "ecdsa-p256"])
            .arg("--state")
            .arg(&state)
            .arg("--no-public-check")
            // Nothing caches the file:// JWKS: no max-age to wait before switch.
            .args(["--cache-control", "public, max-age=0"])
            .arg("--publish-to")
            .arg(format!("file://{}", published.display()))
            .args(["--issuer", ISSUER])
            .arg("--manifests-dir")
            .arg(node.manifests())
            .arg("--host-root")
            .arg(node.root.path())
            .arg("--backup-dir")
            .arg(node.backup_dir())
            .args(extra)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        Rotation {
            node,
            state,
            published,
        }
    }

    pub fn rotate(&self, args: &[&str]) -> std::process::Output {
        sakr()
            .arg("rotate")
            .args(args)
            .arg("--state")
            .arg(&self.state)
            .output()
            .unwrap()
    }

    pub fn pki(&self, name: &str) -> PathBuf {
        self.node.root.path().join("etc/kubernetes/pki").join(name)
    }

    fn published_kids(&self) -> Vec<String> {
        let bytes = std::fs::read(self.published.join("openid/v1/jwks")).unwrap();
        jwks_kids(&serde_json::from_slice(&bytes).unwrap())
    }

    pub fn state_json(&self) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&self.state).unwrap()).unwrap()
    }

    /// Only `sakr rehearse` makes rotations whose clock may move; the test does what it does.
    pub fn simulate_clock(&self) {
        let mut s = self.state_json();
        s["simulated_clock"] = serde_json::Value::Bool(true);
        std::fs::write(&self.state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    }
}

fn kid_of(path: &Path) -> String {
    let out = sakr()
        .args(["-o", "json", "kid"])
        .arg(path)
        .output()
        .unwrap();
    json(&out)[0]["kid"].as_str().unwrap().to_string()
}

pub fn mint(key: &Path) -> String {
    let signer = Signer::from_pem(&Secret::new(std::fs::read(key).unwrap())).unwrap();
    let aud = [ISSUER.to_string()];
    signer
        .sign(&kube_claims(&ClaimsSpec {
            issuer: ISSUER,
            audiences: &aud,
            namespace: "default",
            service_account: "app",
            service_account_uid: "u1",
            pod: None,
            now: jiff::Timestamp::now().as_second(),
            ttl_seconds: 3607,
        }))
        .unwrap()
}

/// Does a token verify against the published JWKS, as a relying party checks it?
fn accepted_by_published(r: &Rotation, token: &str) -> bool {
    let keys: Vec<_> =
        sakr::jwks::parse(&std::fs::read(r.published.join("openid/v1/jwks")).unwrap())
            .unwrap()
            .into_iter()
            .map(|e| e.key)
            .collect();
    let t = sakr::token::decode(token).unwrap();
    keys.iter()
        .any(|k| Some(k.kid().as_str()) == t.kid() && t.verify_with(k))
}

#[test]
fn whole_rotation_with_exit_codes_and_checks_after_every_stage() {
    let r = Rotation::start(&["--single-node"]);
    let old_kid = kid_of(&r.pki("sa.pub"));
    let new_kid = kid_of(&r.pki("sa-next.pub"));
    assert_eq!(
        std::fs::metadata(r.pki("sa-next.key"))
            .map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o777)
            .unwrap(),
        0o600
    );
    let state_text = std::fs::read_to_string(&r.state).unwrap();
    assert!(
        !state_text.contains("PRIVATE KEY"),
        "no key material in the state file"
    );
    let old_token = mint(&r.pki("sa.key"));
    let mut codes = Vec::new();

    // publish
    let out = r.rotate(&["next"]);
    codes.push(out.status.code().unwrap());
    assert_eq!(r.published_kids(), [old_kid.clone(), new_kid.clone()]);
    assert!(
        !r.node.apiserver().contains("sa-next"),
        "trust comes after publish"
    );
    assert!(accepted_by_published(&r, &old_token));

    // trust
    let out = r.rotate(&["next"]);
    codes.push(out.status.code().unwrap());
    assert!(
        r.node
            .apiserver()
            .contains("--service-account-key-file=/etc/kubernetes/pki/sa-next.pub")
    );
    assert!(
        r.node
            .apiserver()
            .contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa.key")
    );

    // switch
    let out = r.rotate(&["next"]);
    codes.push(out.status.code().unwrap());
    assert!(
        r.node
            .apiserver()
            .contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa-next.key")
    );
    assert!(
        r.node
            .controller_manager()
            .contains("--service-account-private-key-file=/etc/kubernetes/pki/sa-next.key")
    );
    assert!(
        r.node
            .apiserver()
            .contains("--service-account-key-file=/etc/kubernetes/pki/sa.pub"),
        "old key still trusted"
    );

    // verify: a token from the old key means the apiserver has not restarted: wait (3).
    let tok = r.node.root.path().join("token");
    std::fs::write(&tok, &old_token).unwrap();
    let out = r.rotate(&["next", "--token-file", tok.to_str().unwrap()]);
    codes.push(out.status.code().unwrap());
    assert!(
        stderr(&out).contains("still signed with the old key"),
        "{}",
        stderr(&out)
    );
    std::fs::write(&tok, mint(&r.pki("sa-next.key"))).unwrap();
    let out = r.rotate(&["next", "--token-file", tok.to_str().unwrap()]);
    codes.push(out.status.code().unwrap());
    assert!(
        stdout(&out).contains(&format!("carries kid {new_kid}")),
        "{}",
        stdout(&out)
    );

    // retire: the window is closed (3); status names the earliest retire time.
    let out = r.rotate(&["next"]);
    codes.push(out.status.code().unwrap());
    assert!(
        stderr(&out).contains("may be retired at"),
        "{}",
        stderr(&out)
    );
    let status = json(
        &sakr()
            .args(["-o", "json", "rotate", "status", "--state"])
            .arg(&r.state)
            .output()
            .unwrap(),
    );
    assert_eq!(status["next"], "retire");
    let switch_at: jiff::Timestamp = status["state"]["stages"]["switch"]["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let not_before: jiff::Timestamp = status["retire_not_before"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // max-age 0 (see `Rotation::start_auto`): the window is the kubelet's refresh alone.
    assert_eq!((not_before - switch_at).get_seconds(), 86_400 + 10);
    assert!(
        accepted_by_published(&r, &old_token),
        "old tokens verify until retire"
    );

    // --at is refused for a real rotation; allowed once the clock is simulated.
    let at = (not_before + jiff::SignedDuration::from_secs(1)).to_string();
    let out = r.rotate(&["next", "--at", &at]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("cannot be moved"));
    r.simulate_clock();
    let early = (not_before - jiff::SignedDuration::from_secs(60)).to_string();
    let out = r.rotate(&["next", "--at", &early]);
    codes.push(out.status.code().unwrap());
    // No cluster to list legacy token Secrets in: the operator's decision is recorded.
    let out = r.rotate(&["next", "--at", &at, "--allow-breaking-legacy-tokens"]);
    codes.push(out.status.code().unwrap());
    assert!(!r.node.apiserver().contains("pki/sa.pub"));
    assert_eq!(r.published_kids(), std::slice::from_ref(&new_kid));
    assert!(
        !accepted_by_published(&r, &old_token),
        "old tokens are rejected after retire"
    );
    assert!(!r.pki("sa.key").exists() && !r.pki("sa.pub").exists());
    let archived = r.node.backup_dir().join("sa.key");
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&archived).unwrap().permissions()
        ) & 0o777,
        0o600
    );

    // complete, and idempotently so.
    let out = r.rotate(&["next"]);
    codes.push(out.status.code().unwrap());
    assert!(stdout(&out).contains("complete"));
    assert_eq!(codes, [0, 0, 0, 3, 0, 3, 3, 0, 0]);

    // abort after retire is refused.
    let out = r.rotate(&["abort"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already retired"));
}

#[test]
fn trust_is_refused_when_the_new_kid_is_not_published() {
    let r = Rotation::start(&["--single-node"]);
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
    // Someone republished the old JWKS over ours.
    sakr()
        .arg("jwks")
        .arg("--key")
        .arg(r.pki("sa.pub"))
        .arg("--out")
        .arg(r.published.join("openid/v1/jwks"))
        .assert()
        .success();
    let before = r.node.apiserver();
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not in the JWKS published"),
        "{}",
        stderr(&out)
    );
    assert_eq!(r.node.apiserver(), before);
    assert_eq!(
        r.state_json()["stages"].as_object().unwrap().len(),
        2,
        "state unchanged"
    );
}

#[test]
fn switch_without_a_way_to_check_apiservers_waits_for_the_operator() {
    let r = Rotation::start(&[]);
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("--i-checked-all-apiservers"));
    let out = r.rotate(&["next", "--i-checked-all-apiservers"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        r.state_json()["apiservers_asserted"]["note"]
            .as_str()
            .unwrap()
            .contains("--i-checked-all-apiservers")
    );
}

#[test]
fn abort_before_retire_signs_with_the_old_key_again() {
    let r = Rotation::start(&["--single-node"]);
    for _ in 0..3 {
        assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
    }
    let out = r.rotate(&["abort"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let api = r.node.apiserver();
    assert!(api.contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa.key"));
    assert!(
        api.contains("key-file=/etc/kubernetes/pki/sa.pub")
            && api.contains("key-file=/etc/kubernetes/pki/sa-next.pub")
    );
    assert!(
        r.node
            .controller_manager()
            .contains("--service-account-private-key-file=/etc/kubernetes/pki/sa.key")
    );
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("aborted"));
}

#[test]
fn two_runs_cannot_interleave() {
    let r = Rotation::start(&["--single-node"]);
    let held = sakr::rotation::lock::Lock::acquire(&r.state).unwrap();
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("another sakr run holds"),
        "{}",
        stderr(&out)
    );
    assert_eq!(r.state_json()["stages"].as_object().unwrap().len(), 1);
    drop(held);
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
}

#[test]
fn start_refuses_a_second_rotation_and_leaves_no_keys() {
    let r = Rotation::start(&["--single-node"]);
    let before = r.state_json();
    let out = sakr()
        .args(["rotate", "start", "--name", "other", "--state"])
        .arg(&r.state)
        .arg("--manifests-dir")
        .arg(r.node.manifests())
        .arg("--host-root")
        .arg(r.node.root.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(r.state_json(), before);
    assert!(!r.pki("other.key").exists());
}

/// The switch gate asks every apiserver endpoint: one of two lacking the new kid keeps it shut.
#[test]
fn switch_waits_while_one_of_two_apiservers_lacks_the_new_kid() {
    let node_r = Rotation::start(&["--single-node"]);
    // Re-point the rotation at a (fake) cluster: the state's apiserver check becomes `cluster`.
    let old = sakr::keys::parse_pem_file(&std::fs::read(node_r.pki("sa.key")).unwrap())
        .unwrap()
        .blocks[0]
        .key
        .clone();
    let new = sakr::keys::parse_pem_file(&std::fs::read(node_r.pki("sa-next.pub")).unwrap())
        .unwrap()
        .blocks[0]
        .key
        .clone();
    let spec = |apiserver_keys: Vec<Vec<sakr::keys::PublicKey>>| Spec {
        signing_key: Secret::new(std::fs::read(node_r.pki("sa.key")).unwrap()),
        apiserver_keys,
        published: None,
        service_accounts: vec![("default".into(), "default".into())],
        pods: vec![],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
        distinct_hosts: false,
    };
    let half = FakeCluster::start(spec(vec![
        vec![old.clone(), new.clone()],
        vec![old.clone()],
    ]));
    let mut s = node_r.state_json();
    s["apiservers"] = serde_json::json!({"mode": "cluster", "kubeconfig": half.kubeconfig});
    std::fs::write(&node_r.state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    assert_eq!(node_r.rotate(&["next"]).status.code(), Some(0));
    assert_eq!(node_r.rotate(&["next"]).status.code(), Some(0));
    let before = node_r.node.apiserver();
    let out = node_r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("lacks it"), "{}", stderr(&out));
    assert_eq!(node_r.node.apiserver(), before, "nothing switched");

    // Both apiservers trust it now: the gate opens.
    let both = FakeCluster::start(spec(vec![vec![old.clone(), new.clone()], vec![old, new]]));
    let mut s = node_r.state_json();
    s["apiservers"] = serde_json::json!({"mode": "cluster", "kubeconfig": both.kubeconfig});
    std::fs::write(&node_r.state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let out = node_r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        node_r
            .node
            .apiserver()
            .contains("signing-key-file=/etc/kubernetes/pki/sa-next.key"),
        "{}\n{}",
        stdout(&out),
        node_r.node.apiserver()
    );
    // The fake apiserver still signs with the old key: verify waits (3) via TokenRequest.
    let out = node_r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn rehearse_runs_every_stage_in_seconds() {
    let keep = tempfile::tempdir().unwrap();
    let dir = keep.path().join("r");
    let out = sakr()
        .args(["rehearse", "--keep"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    for stage in [
        "generate:",
        "publish:",
        "trust:",
        "switch:",
        "verify:",
        "gate closed:",
        "retire:",
        "rehearsal complete",
    ] {
        assert!(text.contains(stage), "{stage} missing from:\n{text}");
    }
    assert!(text.contains("before retire, a pod's token from the old key is accepted"));
    assert!(text.contains("after retire, a pod's token from the old key is rejected"));
    // The kept tree holds the finished rotation.
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("rotation.json")).unwrap()).unwrap();
    assert_eq!(state["stages"].as_object().unwrap().len(), 6);
    // The same on a copy of other manifests (args: form, two-item flags); originals untouched.
    let variant = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("manifests/kube-controller-manager.yaml"),
        variant.path().join("kube-controller-manager.yaml"),
    )
    .unwrap();
    std::fs::copy(
        fixture("manifests/variants/separate-form.yaml"),
        variant.path().join("kube-apiserver.yaml"),
    )
    .unwrap();
    let before = std::fs::read(variant.path().join("kube-apiserver.yaml")).unwrap();
    let out = sakr()
        .args(["rehearse", "--manifests-dir"])
        .arg(variant.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(variant.path().join("kube-apiserver.yaml")).unwrap(),
        before
    );
}

/// `rehearse --nodes 3`: cp-1 runs the rotation, cp-2 and cp-3 follow each stage from the same
/// seat; every node ends with cp-1's manifests and key files, byte for byte (compared here,
/// independently of sakr's own check), the old pair archived 0600 on each.
#[test]
fn rehearse_over_three_nodes_ends_with_every_node_alike() {
    use std::os::unix::fs::PermissionsExt as _;
    let keep = tempfile::tempdir().unwrap();
    let scratch = keep.path().join("r");
    let out = sakr()
        .args([
            "rehearse",
            "--nodes",
            "3",
            "-a",
            "ecdsa-p256",
            "--layout",
            "flags",
            "--keep",
        ])
        .arg(&scratch)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\nlayout: flags: each stage edits"), "{text}");
    for n in ["cp-1", "cp-2", "cp-3"] {
        assert!(
            text.contains(&format!("  node {n}: new key pair written")),
            "{text}"
        );
        // Files per stage: the pair; the manifest and its backup; both manifests and their
        // backups; the manifest, its backup and the two archived key files.
        let row = text
            .lines()
            .find(|l| l.starts_with(n) && l.ends_with("yes"))
            .unwrap_or_else(|| panic!("no table row for {n}: {text}"));
        assert!(row.contains("2 files  2 files  4 files  4 files"), "{row}");
    }
    // The switch rolls node by node, in order.
    let switch = &text[text.find("switch: switched").expect("a switch step")..];
    let at = |n: &str| switch.find(&format!("  node {n}: edited")).unwrap();
    assert!(
        at("cp-1") < at("cp-2") && at("cp-2") < at("cp-3"),
        "{switch}"
    );
    let kube = |k: usize, rel: &str| scratch.join(format!("nodes/cp-{k}/etc/kubernetes/{rel}"));
    for rel in [
        "manifests/kube-apiserver.yaml",
        "manifests/kube-controller-manager.yaml",
        "pki/sa-new.key",
        "pki/sa-new.pub",
    ] {
        let first = std::fs::read(kube(1, rel)).unwrap();
        for k in [2, 3] {
            assert_eq!(std::fs::read(kube(k, rel)).unwrap(), first, "cp-{k} {rel}");
        }
    }
    let api = std::fs::read_to_string(kube(2, "manifests/kube-apiserver.yaml")).unwrap();
    assert!(api.contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa-new.key"));
    assert!(!api.contains("--service-account-key-file=/etc/kubernetes/pki/sa.pub"));
    for k in [2, 3] {
        assert!(!kube(k, "pki/sa.key").exists(), "cp-{k} still has sa.key");
        let archived = scratch.join(format!("nodes/cp-{k}/var/backups/sakr/sa.key"));
        let mode = std::fs::metadata(&archived).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{}", archived.display());
        assert_eq!(
            std::fs::metadata(kube(k, "pki/sa-new.key"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
    }
}
