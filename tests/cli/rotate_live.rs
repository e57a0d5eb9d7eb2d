//! A single-node rotation with a kubeconfig asks the live apiserver (issue 16, item 2): the
//! test apiserver runs from the node's kube-apiserver manifest and restarts, down for a while,
//! each time that manifest changes (tests/cli/fake_restarts.rs), as the kubelet restarts a
//! static pod. Right after trust, switch must wait (exit 3, saying the apiserver is
//! restarting), not run on the manifest alone; right after switch, verify must wait too, not
//! fail with "connection refused".

use std::time::{Duration, Instant};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::*;

/// The fixture manifest's `--service-account-issuer`: what the apiserver puts in tokens.
const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// Long enough that the command right after an edit meets the restart, short for the suite.
const RESTART: Duration = Duration::from_secs(3);

fn next(state: &std::path::Path) -> std::process::Output {
    sakr()
        .args(["rotate", "next", "--state"])
        .arg(state)
        .output()
        .unwrap()
}

/// `rotate next` until it exits 0, at most `limit`; every other exit must be 3 (waiting).
fn next_until_done(state: &std::path::Path, limit: Duration) -> std::process::Output {
    let start = Instant::now();
    loop {
        let out = next(state);
        match out.status.code() {
            Some(0) => return out,
            Some(3) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(300)),
            _ => panic!("rotate next: {:?}\n{}", out.status.code(), stderr(&out)),
        }
    }
}

#[test]
fn single_node_gates_wait_for_the_restarted_apiserver() {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let cluster = FakeCluster::start(Spec {
        signing_key: sakr::keys::secret::Secret::new(std::fs::read(pki.join("sa.key")).unwrap()),
        apiserver_keys: vec![vec![]],
        published: None,
        service_accounts: vec![("default".into(), "default".into())],
        pods: vec![],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
    });
    cluster.watch_manifest(
        0,
        &node.manifests().join("kube-apiserver.yaml"),
        node.root.path(),
        RESTART,
    );
    let state = node.root.path().join("rotation.json");
    let published = node.root.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let out = sakr()
        .args([
            "rotate",
            "start",
            "--single-node",
            "--name",
            "sa-next",
            "-a",
            "ecdsa-p256",
        ])
        .arg("--state")
        .arg(&state)
        .arg("--publish-to")
        .arg(format!("file://{}", published.display()))
        .args(["--issuer", ISSUER])
        .arg("--manifests-dir")
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("--backup-dir")
        .arg(node.backup_dir())
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));

    // publish, then trust: the manifest changes and the apiserver goes down to restart.
    let out = next(&state);
    assert!(out.status.success(), "publish: {}", stderr(&out));
    let out = next(&state);
    assert!(out.status.success(), "trust: {}", stderr(&out));
    let manifest_after_trust = node.apiserver();

    // At once: the manifest trusts the new key, but the running apiserver is restarting.
    std::thread::sleep(Duration::from_millis(200));
    let out = next(&state);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is not answering")
            && stderr(&out).contains("restarting it after the trust edit"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        node.apiserver(),
        manifest_after_trust,
        "a closed gate writes nothing"
    );
    assert_eq!(cluster.restarts(0), 0);

    // Once it is back on the trusted manifest, switch proceeds (and restarts it again).
    let out = next_until_done(&state, Duration::from_secs(30));
    assert!(
        stderr(&out).contains("switch") || stdout(&out).contains("switch"),
        "{}",
        stdout(&out)
    );
    assert!(
        node.apiserver()
            .contains("--service-account-signing-key-file=/etc/kubernetes/pki/sa-next.key")
    );
    assert_eq!(cluster.restarts(0), 1);

    // Verify right after switch: the apiserver is restarting again — a closed gate, not exit 2.
    std::thread::sleep(Duration::from_millis(200));
    let out = next(&state);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("restarting it after the switch edit"),
        "{}",
        stderr(&out)
    );

    // Back up: a fresh token from the restarted apiserver carries the new kid and verifies.
    let out = next_until_done(&state, Duration::from_secs(30));
    assert!(stdout(&out).contains("verify"), "{}", stdout(&out));
    let status = sakr()
        .args(["-o", "json", "rotate", "status", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    let doc = json(&status);
    assert!(doc.to_string().contains("\"verify\""), "{doc}");
    assert_eq!(cluster.restarts(0), 2);
}
