//! The pod node transport (issue 15): `--node NAME` and `--control-plane` reach each node
//! through a short-lived pod made through the fake kube-apiserver, whose exec runs busybox's
//! `sh` against that node's own `/etc/kubernetes` (tests/cli/fake_node_pods.rs). Checked: the
//! edits are byte-exact with the local ones, the pod spec is pinned and confined, every pod is
//! deleted on success, on error and after SIGINT, and every call sakr makes is inside the RBAC
//! of docs/rbac/sakr-nodes.yaml.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest_nodes::{keys, local_edit};
use crate::support::*;

/// Node trees under one temp dir: `ROOT/cp-K/etc/kubernetes/{manifests,pki}` as kubeadm lays
/// them out, with sa.key / sa.pub and a new pair.
struct Trees {
    dir: tempfile::TempDir,
}

impl Trees {
    fn new(names: &[&str], pair: &Path) -> Trees {
        let dir = tempfile::tempdir().unwrap();
        for n in names {
            crate::manifest_nodes::seed_kube(&dir.path().join(n).join("etc/kubernetes"), pair);
        }
        Trees { dir }
    }

    fn root(&self, node: &str) -> PathBuf {
        self.dir.path().join(node)
    }

    fn file(&self, node: &str, rel: &str) -> Vec<u8> {
        std::fs::read(self.root(node).join("etc/kubernetes").join(rel)).unwrap()
    }
}

const CP: &str = "node-role.kubernetes.io/control-plane";

/// A fake cluster whose Nodes `names` (control-plane) have the trees of `trees`, plus a worker.
fn cluster(pair: &Path, names: &[&str], trees: &Trees) -> FakeCluster {
    cluster_with(pair, names, trees, false)
}

/// `v4_only`: exec speaks only `v4.channel.k8s.io`, as kube-apiserver before 1.30 (stdin ends
/// by closing the websocket, not by a close frame).
fn cluster_with(pair: &Path, names: &[&str], trees: &Trees, v4_only: bool) -> FakeCluster {
    let mut spec = Spec::signing_with(&pair.join("sa.key"), &[]);
    spec.exec_v4_only = v4_only;
    let c = FakeCluster::start(spec);
    let mut nodes: Vec<(&str, &[&str], Option<&str>)> =
        names.iter().map(|n| (*n, &[CP][..], None)).collect();
    nodes.push(("worker-1", &[], None));
    c.set_nodes(&nodes);
    for n in names {
        c.set_node_tree(n, &trees.root(n));
    }
    c
}

fn on_pods(c: &FakeCluster, names: &[&str], args: &[&str]) -> std::process::Output {
    let mut cmd = sakr();
    cmd.arg("manifest").args(flags_layout(args));
    for n in names {
        cmd.arg("--node").arg(n);
    }
    cmd.arg("--kubeconfig").arg(&c.kubeconfig);
    cmd.output().unwrap()
}

/// Every pod created so far was deleted, and none is left.
fn assert_no_pod_left(c: &FakeCluster) {
    assert_eq!(c.live_pods(), Vec::<String>::new(), "pods left behind");
    let created: Vec<String> = c
        .created_pods()
        .iter()
        .map(|p| {
            format!(
                "{}/{}",
                p["metadata"]["namespace"].as_str().unwrap(),
                p["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    let mut deleted = c.deleted_pods();
    let mut created_sorted = created.clone();
    created_sorted.sort();
    deleted.sort();
    assert_eq!(created_sorted, deleted, "every pod created is deleted once");
}

/// The pod spec, field by field: what the issue and docs/nodes promise.
fn assert_pod_is_confined(pod: &serde_json::Value, node: &str) {
    let spec = &pod["spec"];
    assert_eq!(spec["nodeName"], node, "{pod}");
    assert_eq!(pod["metadata"]["namespace"], "kube-system");
    assert!(spec["activeDeadlineSeconds"].as_i64().unwrap() > 0, "{pod}");
    assert_ne!(spec["hostNetwork"], true);
    assert_ne!(spec["hostPID"], true);
    assert_ne!(spec["hostIPC"], true);
    assert_eq!(spec["automountServiceAccountToken"], false);
    assert_eq!(spec["restartPolicy"], "Never");
    // Tolerates the control-plane taints (and every other: it is pinned by nodeName).
    let tolerates_cp = spec["tolerations"].as_array().unwrap().iter().any(|t| {
        t["operator"] == "Exists"
            && (t["key"].is_null() || t["key"] == CP)
            && (t["effect"].is_null() || t["effect"] == "NoSchedule")
    });
    assert!(tolerates_cp, "{pod}");
    let volumes = spec["volumes"].as_array().unwrap();
    let host_paths: Vec<&str> = volumes
        .iter()
        .filter_map(|v| v["hostPath"]["path"].as_str())
        .collect();
    assert_eq!(host_paths, ["/etc/kubernetes"], "{pod}");
    let containers = spec["containers"].as_array().unwrap();
    assert_eq!(containers.len(), 1);
    assert_eq!(containers[0]["image"], "busybox:1.36");
    assert_ne!(containers[0]["securityContext"]["privileged"], true);
    assert!(spec["initContainers"].is_null() && spec["ephemeralContainers"].is_null());
}

/// One exec (`sh -s`) per node per command: the sessions goal of the issue, counted from the
/// apiserver's side.
fn execs_per_pod(c: &FakeCluster) -> Vec<usize> {
    let reqs = c.requests();
    c.created_pods()
        .iter()
        .map(|p| {
            let name = p["metadata"]["name"].as_str().unwrap();
            reqs.iter()
                .filter(|r| r.ends_with(&format!("/pods/{name}/exec")))
                .count()
        })
        .collect()
}

#[test]
fn trust_sign_with_and_retire_through_node_pods_byte_exact() {
    let pair = keys();
    let names = ["cp-1", "cp-2", "cp-3"];
    let trees = Trees::new(&names, pair.path());
    let c = cluster(pair.path(), &names, &trees);

    let out = on_pods(&c, &names, &["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for n in names {
        assert!(
            stdout(&out).contains(&format!("== node {n} (pod")),
            "{}",
            stdout(&out)
        );
    }
    assert!(
        stderr(&out).contains("the 3 nodes agree"),
        "{}",
        stderr(&out)
    );
    assert_eq!(c.created_pods().len(), 3);
    for (pod, n) in c.created_pods().iter().zip(names) {
        assert_pod_is_confined(pod, n);
    }
    assert_no_pod_left(&c);
    assert_eq!(execs_per_pod(&c), [1, 1, 1]);

    let steps: [&[&str]; 3] = [
        &["trust", "/etc/kubernetes/pki/sa-new.pub"],
        &["sign-with", "/etc/kubernetes/pki/sa-new.key"],
        &["retire", "/etc/kubernetes/pki/sa.pub"],
    ];
    let mut so_far: Vec<&str> = Vec::new();
    for step in steps {
        let out = on_pods(&c, &names, step);
        assert!(out.status.success(), "{step:?}: {}", stderr(&out));
        if !so_far.is_empty() {
            so_far.push(";");
        }
        so_far.extend_from_slice(step);
        let (want_api, want_cm) = local_edit(pair.path(), &so_far);
        for n in names {
            assert_eq!(
                trees.file(n, "manifests/kube-apiserver.yaml"),
                want_api,
                "{step:?} {n}"
            );
            assert_eq!(
                trees.file(n, "manifests/kube-controller-manager.yaml"),
                want_cm,
                "{step:?} {n}"
            );
            let names_in: Vec<_> =
                std::fs::read_dir(trees.root(n).join("etc/kubernetes/manifests"))
                    .unwrap()
                    .map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect();
            assert_eq!(names_in.len(), 2, "{n}: {names_in:?}");
        }
        assert_no_pod_left(&c);
        let again = on_pods(&c, &names, step);
        assert!(again.status.success(), "{}", stderr(&again));
        assert_eq!(
            stderr(&again).matches("already done").count(),
            3,
            "{}",
            stderr(&again)
        );
    }
    // At most one exec per node and command, whatever the number of files.
    assert!(
        execs_per_pod(&c).iter().all(|n| *n == 1),
        "{:?}",
        execs_per_pod(&c)
    );
    assert_no_pod_left(&c);
    assert_calls_inside_rbac(&c);
}

/// kube-apiserver before 1.30 speaks only the v4 exec protocol: the same edit, the same bytes,
/// and the session still ends (stdin closed by closing the websocket) without waiting out a
/// timeout.
#[test]
fn node_pods_through_a_v4_only_apiserver() {
    let pair = keys();
    let names = ["cp-1"];
    let trees = Trees::new(&names, pair.path());
    let c = cluster_with(pair.path(), &names, &trees, true);
    let started = std::time::Instant::now();
    let out = on_pods(&c, &names, &["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (want_api, _) = local_edit(pair.path(), &["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(
        trees.file("cp-1", "manifests/kube-apiserver.yaml"),
        want_api
    );
    assert!(
        c.requests()
            .iter()
            .any(|r| r == "exec subprotocol v4.channel.k8s.io"),
        "{:?}",
        c.requests()
    );
    assert_no_pod_left(&c);
    eprintln!("v4-only trust over one node pod: {:?}", started.elapsed());
}

#[test]
fn control_plane_nodes_by_pod_and_keys_installed_through_pods() {
    let pair = keys();
    let names = ["cp-a", "cp-b"];
    let trees = Trees::new(&names, pair.path());
    let c = cluster(pair.path(), &names, &trees);
    let out = sakr()
        .args(["-o", "json", "manifest", "show", "--control-plane"])
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stderr(&out), stdout(&out));
    let doc = json(&out);
    let got: Vec<(&str, &str)> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["node"].as_str().unwrap(), n["via"].as_str().unwrap()))
        .collect();
    assert_eq!(got, [("cp-a", "pod"), ("cp-b", "pod")], "worker-1 left out");
    crate::json_schema::assert_valid("manifest_show_nodes", &out, 0);
    assert_no_pod_left(&c);

    // keygen --node: one pair, the same on both nodes, 0600, written through the pods.
    let out = sakr()
        .args([
            "keygen",
            "-q",
            "-a",
            "ecdsa-p256",
            "--name",
            "sa-2027q1",
            "--out-dir",
        ])
        .arg("/etc/kubernetes/pki")
        .args(["--control-plane", "--kubeconfig"])
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let a = trees.file("cp-a", "pki/sa-2027q1.key");
    assert_eq!(a, trees.file("cp-b", "pki/sa-2027q1.key"));
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(trees.root("cp-b").join("etc/kubernetes/pki/sa-2027q1.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    // The pair is a pair: kid of the private key == kid of the public key (openssl-checked
    // elsewhere; here sakr kid on both files as written on the node).
    let kid = |f: &str| {
        let p = trees.root("cp-a").join("etc/kubernetes/pki").join(f);
        let o = sakr().args(["-o", "json", "kid"]).arg(&p).output().unwrap();
        json(&o)[0]["kid"].as_str().unwrap().to_string()
    };
    assert_eq!(kid("sa-2027q1.key"), kid("sa-2027q1.pub"));
    assert_no_pod_left(&c);
    assert_calls_inside_rbac(&c);
}

#[test]
fn failures_exit_non_zero_name_the_node_and_leave_no_pod() {
    let pair = keys();
    let names = ["cp-1", "cp-2"];
    let trees = Trees::new(&names, pair.path());
    let c = cluster(pair.path(), &names, &trees);
    let before: Vec<_> = names
        .iter()
        .map(|n| trees.file(n, "manifests/kube-apiserver.yaml"))
        .collect();
    let unchanged = || {
        let now: Vec<_> = names
            .iter()
            .map(|n| trees.file(n, "manifests/kube-apiserver.yaml"))
            .collect();
        assert_eq!(before, now, "a node was written");
    };

    // A node the cluster does not have: exit 2 naming it, before any pod exists.
    let out = on_pods(
        &c,
        &["cp-1", "cp-9"],
        &["trust", "/etc/kubernetes/pki/sa-new.pub"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no Node named cp-9"),
        "{}",
        stderr(&out)
    );
    assert!(c.created_pods().is_empty());
    unchanged();

    // An image that cannot be pulled: the node named, the reason given, the pod deleted.
    let mut cmd = sakr();
    cmd.args([
        "manifest",
        "trust",
        "/etc/kubernetes/pki/sa-new.pub",
        "--node",
        "cp-1",
    ])
    .args([
        "--node-image",
        "registry.invalid/no-such-image:1",
        "--kubeconfig",
    ])
    .arg(&c.kubeconfig);
    let out = cmd.output().unwrap();
    assert_ne!(out.status.code(), Some(0));
    let err = stderr(&out);
    assert!(
        err.contains("cp-1") && err.contains("ErrImagePull"),
        "{err}"
    );
    assert!(err.contains("--node-image"), "{err}");
    assert_no_pod_left(&c);
    unchanged();

    // A node without the manifests: exit 2 naming it; nothing written on the other; pods gone.
    std::fs::remove_file(
        trees
            .root("cp-2")
            .join("etc/kubernetes/manifests/kube-apiserver.yaml"),
    )
    .unwrap();
    let out = on_pods(&c, &names, &["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("node cp-2"), "{}", stderr(&out));
    assert_eq!(
        trees.file("cp-1", "manifests/kube-apiserver.yaml"),
        before[0]
    );
    assert_no_pod_left(&c);

    // A path outside /etc/kubernetes: the pod cannot see it, and says so.
    let out = sakr()
        .args([
            "manifest",
            "show",
            "--manifests-dir",
            "/srv/manifests",
            "--node",
            "cp-1",
        ])
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .output()
        .unwrap();
    // show reports each node's error in its section, then fails naming the nodes.
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("cp-1"), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("/srv/manifests") && stdout(&out).contains("outside /etc/kubernetes"),
        "{}",
        stdout(&out)
    );
    assert_no_pod_left(&c);

    // Bad pod options: refused before anything is created.
    let n_created = c.created_pods().len();
    for (flag, value) in [
        ("--node-namespace", "Kube_System"),
        ("--node-image", "busy box"),
    ] {
        let out = sakr()
            .args([
                "manifest",
                "show",
                "--node",
                "cp-1",
                flag,
                value,
                "--kubeconfig",
            ])
            .arg(&c.kubeconfig)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(flag), "{}", stderr(&out));
    }
    assert_eq!(c.created_pods().len(), n_created);
    assert_calls_inside_rbac(&c);
}

/// Ctrl-C while the edit is underway (every node's pod exists, the first node's edit is about
/// to be applied): sakr deletes every pod, exits 130, and every file is old.
#[test]
fn sigint_deletes_every_node_pod() {
    let pair = keys();
    let names = ["cp-1", "cp-2"];
    let trees = Trees::new(&names, pair.path());
    let c = cluster(pair.path(), &names, &trees);
    let before = trees.file("cp-1", "manifests/kube-apiserver.yaml");
    let hook_dir = tempfile::tempdir().unwrap();
    let marker = hook_dir.path().join("reached");
    let hook = hook_dir.path().join("hook.sh");
    std::fs::write(
        &hook,
        format!("#!/bin/sh\necho $$ > {}\nexec sleep 30\n", marker.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("sakr"))
        .args(["manifest", "trust", "/etc/kubernetes/pki/sa-new.pub"])
        .args(["--node", "cp-1", "--node", "cp-2", "--kubeconfig"])
        .arg(&c.kubeconfig)
        .env("SAKR_TEST_BEFORE_NODE", &hook)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !marker.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "the hook never ran"
        );
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!("sakr ended before the hook ({status}): {}", stderr(&out));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(c.live_pods().len(), 2, "both pods exist during the edit");
    // SAFETY: signalling the child we started.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let out = child.wait_with_output().unwrap();
    let hook_pid: i32 = std::fs::read_to_string(&marker)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // SAFETY: the hook's sleep, started by sakr for this test.
    unsafe {
        libc::kill(hook_pid, libc::SIGKILL);
    }
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("deleting 2 node pod(s)"),
        "{}",
        stderr(&out)
    );
    assert_no_pod_left(&c);
    assert_eq!(trees.file("cp-1", "manifests/kube-apiserver.yaml"), before);
}

/// Every node and pod call the fake served is allowed by docs/rbac/sakr-nodes.yaml.
fn assert_calls_inside_rbac(c: &FakeCluster) {
    crate::rbac::assert_calls_inside_rbac(c, &["sakr-nodes.yaml"], |path| {
        path.starts_with("/api/v1/nodes") || path.contains("/pods")
    });
}
