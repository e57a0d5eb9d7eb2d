//! A single-node rotation with a kubeconfig asks the live apiserver (issue 16, item 2): the
//! test apiserver runs from the node's kube-apiserver manifest and restarts, down for a while,
//! each time that manifest changes (tests/cli/fake_restarts.rs), as the kubelet restarts a
//! static pod. Right after trust, switch must wait (exit 3, saying the apiserver is
//! restarting), not run on the manifest alone; right after switch, verify must wait too, not
//! fail with "connection refused".

use std::time::{Duration, Instant};

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::*;

/// The fixture manifest's `--service-account-issuer`: what the apiserver puts in tokens.
const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";

/// Long enough that the command right after an edit meets the restart, short for the suite.
const RESTART: Duration = Duration::from_secs(5);

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

/// A node whose apiserver (the test cluster's only one) runs from its manifest and restarts
/// when it changes, and `rotate start --single-node` on it (state `state`, file:// publish),
/// with the cluster's kubeconfig.
pub fn live_node(state: &str) -> (Node, FakeCluster, std::process::Output) {
    let node = Node::new();
    let pki = node.root.path().join("etc/kubernetes/pki");
    let cluster = FakeCluster::start(Spec::signing_with(
        &pki.join("sa.key"),
        &[("default", "default")],
    ));
    cluster.watch_manifest(
        0,
        &node.manifests().join("kube-apiserver.yaml"),
        node.root.path(),
        RESTART,
    );
    let out = start_single_node(&node, state, ISSUER)
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .env("KUBECONFIG", &cluster.kubeconfig)
        .output()
        .unwrap();
    (node, cluster, out)
}

/// `rotate start --single-node` on `node` with a file:// publish target, to complete.
pub fn start_single_node(node: &Node, state: &str, issuer: &str) -> assert_cmd::Command {
    let published = node.root.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let mut c = sakr();
    c.args([
        "rotate",
        "start",
        "--single-node",
        "--name",
        "sa-next",
        "-a",
        "ecdsa-p256",
        "--layout",
        "flags",
    ])
    .args(["--state", state])
    .arg("--no-public-check")
    .args(["--cache-control", "public, max-age=0"])
    .arg("--publish-to")
    .arg(format!("file://{}", published.display()))
    .args(["--issuer", issuer])
    .arg("--manifests-dir")
    .arg(node.manifests())
    .arg("--host-root")
    .arg(node.root.path())
    .arg("--backup-dir")
    .arg(node.backup_dir());
    c
}

#[test]
fn single_node_gates_wait_for_the_restarted_apiserver() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("rotation.json");
    let (node, cluster, out) = live_node(state.to_str().unwrap());
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
    assert!(stdout(&out).contains("switch"), "{}", stdout(&out));
    assert!(
        format!("{}{}", stdout(&out), stderr(&out)).contains("is ready and serves the new kid"),
        "{}\n{}",
        stdout(&out),
        stderr(&out)
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

/// `--state k8s://…` through the apiserver that the rotation restarts (no load balancer in
/// front): the state and lock calls ride out the restart instead of failing, and the Lease
/// outlives it.
#[test]
fn cluster_state_rides_out_the_restart_of_its_own_apiserver() {
    let state = "k8s://kube-system/rotation";
    let (_node, cluster, out) = live_node(state);
    let run = |args: &[&str]| {
        sakr()
            .args(args)
            .args(["--state", state])
            .env("KUBECONFIG", &cluster.kubeconfig)
            .output()
            .unwrap()
    };
    assert!(out.status.success(), "{}", stderr(&out));
    let out = run(&["rotate", "next"]);
    assert!(out.status.success(), "publish: {}", stderr(&out));
    // The apiserver behind the kubeconfig restarts (a kubelet replacing it): a status read and
    // a whole `next` (Lease, state read, trust edit, conditional state write, Lease release)
    // wait for it instead of failing.
    for args in [&["rotate", "status"][..], &["rotate", "next"][..]] {
        cluster.restart_now(0);
        let started = Instant::now();
        let out = run(args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(
            started.elapsed() >= RESTART / 2,
            "{args:?} did not meet the restart ({:?})",
            started.elapsed()
        );
    }
    let cm = cluster
        .object("configmaps", "kube-system", "rotation")
        .unwrap();
    let saved: serde_json::Value =
        serde_json::from_str(cm["data"]["rotation.json"].as_str().unwrap()).unwrap();
    assert!(saved["stages"]["trust"].is_object(), "{saved}");
    let lease = cluster.object("leases", "kube-system", "rotation").unwrap();
    assert!(lease["spec"]["holderIdentity"].is_null(), "{lease}");
}
