//! `sakr manifest … --node NAME=ssh://…` (issue 15) against three real OpenSSH nodes, each with
//! its own `/etc/kubernetes`: show with the differences between nodes, trust / sign-with /
//! retire with byte-exact results on every node (the same bytes the local edit writes, which
//! the golden tests pin), a node that goes away midway, and refusals that write nothing.

use std::path::Path;

use crate::servers::sshd::SshNodes;
use crate::support::*;

/// A node tree like kubeadm's: the fixture manifests, and sa.key / sa.pub plus a new pair.
fn seed(nodes: &SshNodes, k: usize, new_pair: &Path) {
    seed_kube(&nodes.kube_dir(k), new_pair);
}

/// `kube` (a node's /etc/kubernetes) with the fixture manifests and the pairs of [`keys`].
pub(crate) fn seed_kube(kube: &Path, pair: &Path) {
    let m = kube.join("manifests");
    let pki = kube.join("pki");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::create_dir_all(&pki).unwrap();
    for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
        std::fs::copy(fixture(&format!("manifests/{f}")), m.join(f)).unwrap();
    }
    for f in ["sa.key", "sa.pub", "sa-new.key", "sa-new.pub"] {
        std::fs::copy(pair.join(f), pki.join(f)).unwrap();
    }
}

pub(crate) fn keys() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    for name in ["sa", "sa-new"] {
        keygen(d.path(), name, "ecdsa-p256");
    }
    d
}

/// `--node cp-K=ssh://…` for each of `which`, and the harness's `--ssh-command`.
fn select(c: &mut assert_cmd::Command, nodes: &SshNodes, which: impl IntoIterator<Item = usize>) {
    for k in which {
        c.arg("--node").arg(format!("cp-{k}={}", nodes.url(k)));
    }
    c.arg("--ssh-command").arg(nodes.ssh_command());
}

fn on_nodes(nodes: &SshNodes, which: &[usize], args: &[&str]) -> std::process::Output {
    let mut c = sakr();
    c.arg("manifest").args(flags_layout(args));
    select(&mut c, nodes, which.iter().copied());
    c.output().unwrap()
}

fn apiserver(nodes: &SshNodes, k: usize) -> Vec<u8> {
    std::fs::read(nodes.kube_dir(k).join("manifests/kube-apiserver.yaml")).unwrap()
}

/// What the local edit writes for the same manifests: the transport must not change a byte.
pub(crate) fn local_edit(pair: &Path, args: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let root = tempfile::tempdir().unwrap();
    let kube = root.path().join("etc/kubernetes");
    seed_kube(&kube, pair);
    for step in args.split(|a| *a == ";") {
        let out = sakr()
            .arg("manifest")
            .args(flags_layout(step))
            .arg("--manifests-dir")
            .arg(kube.join("manifests"))
            .arg("--host-root")
            .arg(root.path())
            .arg("--backup-dir")
            .arg(root.path().join("b"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{step:?}: {}", stderr(&out));
    }
    (
        std::fs::read(kube.join("manifests/kube-apiserver.yaml")).unwrap(),
        std::fs::read(kube.join("manifests/kube-controller-manager.yaml")).unwrap(),
    )
}

#[test]
fn trust_sign_with_and_retire_over_three_nodes_byte_exact() {
    let pair = keys();
    let nodes = SshNodes::start(3);
    for k in 1..=3 {
        seed(&nodes, k, pair.path());
    }
    let all = [1, 2, 3];
    let out = on_nodes(&nodes, &all, &["show"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for k in all {
        assert!(stdout(&out).contains(&format!("== node cp-{k} (ssh://")));
    }
    assert!(
        stderr(&out).contains("the 3 nodes agree"),
        "{}",
        stderr(&out)
    );

    // sign-with before trust: refused on every node, nothing written anywhere.
    let before: Vec<_> = all.iter().map(|k| apiserver(&nodes, *k)).collect();
    let out = on_nodes(
        &nodes,
        &all,
        &["sign-with", "/etc/kubernetes/pki/sa-new.key"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("nothing was written on any node"),
        "{}",
        stderr(&out)
    );
    let after: Vec<_> = all.iter().map(|k| apiserver(&nodes, *k)).collect();
    assert_eq!(before, after);

    let steps: [&[&str]; 3] = [
        &["trust", "/etc/kubernetes/pki/sa-new.pub"],
        &["sign-with", "/etc/kubernetes/pki/sa-new.key"],
        &["retire", "/etc/kubernetes/pki/sa.pub"],
    ];
    let mut so_far: Vec<&str> = Vec::new();
    for step in steps {
        // The kubelet must never see a non-dot file appear in any manifests directory.
        let watches: Vec<_> = all
            .iter()
            .map(|k| crate::node_transport::Watch::start(&nodes.kube_dir(*k).join("manifests")))
            .collect();
        let out = on_nodes(&nodes, &all, step);
        assert!(out.status.success(), "{step:?}: {}", stderr(&out));
        for (k, w) in all.iter().zip(watches) {
            let events = w.stop();
            assert!(!events.is_empty(), "{step:?} node {k}: no event at all");
            for (event, name) in &events {
                match event.as_str() {
                    "CREATE" => assert!(name.starts_with('.'), "node {k}: {event} {name}"),
                    "MOVED_TO" => assert!(name.ends_with(".yaml"), "node {k}: {event} {name}"),
                    other => panic!("node {k}: unexpected {other} {name}"),
                }
            }
        }
        if !so_far.is_empty() {
            so_far.push(";");
        }
        so_far.extend_from_slice(step);
        let (want_api, want_cm) = local_edit(pair.path(), &so_far);
        for k in all {
            assert_eq!(apiserver(&nodes, k), want_api, "{step:?} on node {k}");
            assert_eq!(
                std::fs::read(
                    nodes
                        .kube_dir(k)
                        .join("manifests/kube-controller-manager.yaml")
                )
                .unwrap(),
                want_cm,
                "{step:?} on node {k}"
            );
            // Backups beside, never inside, the manifests directory.
            let names: Vec<_> = std::fs::read_dir(nodes.kube_dir(k).join("manifests"))
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect();
            assert_eq!(names.len(), 2, "{names:?}");
        }
        // Idempotent: again changes nothing.
        let out = on_nodes(&nodes, &all, step);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stderr(&out).matches("already done").count(),
            3,
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn show_calls_out_nodes_that_disagree_and_exits_1() {
    let pair = keys();
    let nodes = SshNodes::start(2);
    for k in 1..=2 {
        seed(&nodes, k, pair.path());
    }
    // Node 2 alone trusts and signs with the new key: node 1 rejects its tokens.
    let out = on_nodes(&nodes, &[2], &["trust", "/etc/kubernetes/pki/sa-new.pub"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = on_nodes(
        &nodes,
        &[2],
        &["sign-with", "/etc/kubernetes/pki/sa-new.key"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = on_nodes(&nodes, &[1, 2], &["show"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cp-2 signs with kid")
            && stderr(&out).contains("cp-1 does not trust"),
        "{}",
        stderr(&out)
    );
    let out = sakr()
        .args(["-o", "json", "manifest", "show"])
        .arg("--node")
        .arg(format!("cp-1={}", nodes.url(1)))
        .arg("--node")
        .arg(format!("cp-2={}", nodes.url(2)))
        .arg("--ssh-command")
        .arg(nodes.ssh_command())
        .output()
        .unwrap();
    let doc = json(&out);
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 2);
    let kinds: Vec<&str> = doc["differences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"signing_kid_not_trusted"), "{kinds:?}");
}

#[test]
fn a_node_that_goes_away_midway_stops_the_edit_and_a_rerun_finishes() {
    let pair = keys();
    let nodes = SshNodes::start(3);
    for k in 1..=3 {
        seed(&nodes, k, pair.path());
    }
    let before = apiserver(&nodes, 1);
    // Take node 2 down right before its edit is applied (debug-build hook).
    let hook = nodes.dir().join("hook.sh");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n[ \"$1\" = cp-2 ] && {} kill {} 2\nexit 0\n",
            crate::servers::sshd::script().display(),
            nodes.dir().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let mut c = sakr();
    c.env("SAKR_TEST_BEFORE_NODE", &hook).args([
        "manifest",
        "trust",
        "/etc/kubernetes/pki/sa-new.pub",
        "--layout",
        "flags",
    ]);
    select(&mut c, &nodes, 1..=3);
    let out = c.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("node cp-2")
            && err.contains("done: cp-1")
            && err.contains("not done: cp-2, cp-3"),
        "{err}"
    );
    // Every file old or new: node 1 new, nodes 2 and 3 as they were.
    let after1 = apiserver(&nodes, 1);
    assert_ne!(after1, before);
    assert_eq!(apiserver(&nodes, 2), before);
    assert_eq!(apiserver(&nodes, 3), before);
    for k in 1..=3 {
        let names: Vec<_> = std::fs::read_dir(nodes.kube_dir(k).join("manifests"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| !n.starts_with('.'))
            .collect();
        assert_eq!(names.len(), 2, "node {k}: {names:?}");
    }
    // Node 2 back: the same command finishes the job.
    nodes.restart(2);
    let out = on_nodes(
        &nodes,
        &[1, 2, 3],
        &["trust", "/etc/kubernetes/pki/sa-new.pub"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    for k in 1..=3 {
        assert_eq!(apiserver(&nodes, k), after1, "node {k}");
    }
}

#[test]
fn bad_node_selections_exit_2_naming_the_node_and_write_nothing() {
    let pair = keys();
    let nodes = SshNodes::start(1);
    seed(&nodes, 1, pair.path());
    let before = apiserver(&nodes, 1);
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![format!("cp-1=ssh://root:hunter2@{}", "127.0.0.1")],
            "password",
        ),
        (
            vec![
                format!("cp-1={}", nodes.url(1)),
                "cp-1=ssh://elsewhere".into(),
            ],
            "given twice",
        ),
        // A pod on the node needs the cluster: without a kubeconfig, said, naming the node.
        (
            vec!["cp-1".into()],
            "--node cp-1 (no =URL): reached by a pod",
        ),
        (vec!["CP_1=ssh://x".into()], "not a Kubernetes node name"),
    ];
    for (sel, expect) in cases {
        let mut c = sakr();
        // No cluster here, whatever this machine's ~/.kube/config says.
        c.env("KUBECONFIG", "/nonexistent/kubeconfig");
        c.args(["manifest", "trust", "/etc/kubernetes/pki/sa-new.pub"]);
        for s in &sel {
            c.arg("--node").arg(s);
        }
        let out = c
            .arg("--ssh-command")
            .arg(nodes.ssh_command())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{sel:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{sel:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("hunter2"));
        assert_eq!(apiserver(&nodes, 1), before);
    }
    // A node without the manifests: named, nothing written on the node that has them.
    let empty = tempfile::tempdir().unwrap();
    let out = sakr()
        .args(["manifest", "trust", "/etc/kubernetes/pki/sa-new.pub"])
        .arg("--node")
        .arg(format!("cp-1={}", nodes.url(1)))
        .arg("--node")
        .arg(format!("cp-9=local://{}", empty.path().display()))
        .arg("--ssh-command")
        .arg(nodes.ssh_command())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("node cp-9"), "{}", stderr(&out));
    assert_eq!(apiserver(&nodes, 1), before);
}

/// `keygen --node`: one pair, the same bytes on every node, 0600, nothing on this machine;
/// `keys install`: a bring-your-own pair, refused when it is not one pair or a node has another
/// file by that name.
#[test]
fn one_key_pair_on_every_node() {
    let nodes = SshNodes::start(2);
    for k in 1..=2 {
        std::fs::create_dir_all(nodes.kube_dir(k).join("pki")).unwrap();
    }
    let cwd = tempfile::tempdir().unwrap();
    let mut c = sakr();
    c.current_dir(cwd.path()).args([
        "keygen",
        "-a",
        "ecdsa-p256",
        "--name",
        "sa-2026q4",
        "--out-dir",
        "/etc/kubernetes/pki",
    ]);
    select(&mut c, &nodes, 1..=2);
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let kid = stdout(&out).trim().to_string();
    let read = |k: usize, f: &str| std::fs::read(nodes.kube_dir(k).join("pki").join(f)).unwrap();
    assert_eq!(read(1, "sa-2026q4.key"), read(2, "sa-2026q4.key"));
    assert_eq!(read(1, "sa-2026q4.pub"), read(2, "sa-2026q4.pub"));
    let mode = std::os::unix::fs::PermissionsExt::mode(
        &std::fs::metadata(nodes.kube_dir(2).join("pki/sa-2026q4.key"))
            .unwrap()
            .permissions(),
    );
    assert_eq!(mode & 0o777, 0o600);
    // The kid printed is the pair's, as openssl computes it from the public key on node 2.
    let pub2 = nodes.kube_dir(2).join("pki/sa-2026q4.pub");
    assert_eq!(
        kid,
        openssl_kid(&format!("cat {}", pub2.display()), cwd.path())
    );
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing on this machine"
    );

    // keys install: the pair from node 1, installed under another directory on both nodes.
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("sa-byo.key"), read(1, "sa-2026q4.key")).unwrap();
    std::fs::write(local.path().join("sa-byo.pub"), read(1, "sa-2026q4.pub")).unwrap();
    let install = |key: &str, public: &str| {
        let mut c = sakr();
        c.args(["keys", "install"])
            .arg(local.path().join(key))
            .arg(local.path().join(public))
            .args(["--dir", "/etc/kubernetes/pki"]);
        select(&mut c, &nodes, 1..=2);
        c.output().unwrap()
    };
    let out = install("sa-byo.key", "sa-byo.pub");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(read(2, "sa-byo.key"), read(1, "sa-2026q4.key"));
    // The JSON report of the same (a re-run: present everywhere), against the schema.
    let mut c = sakr();
    c.args(["-o", "json", "keys", "install"])
        .arg(local.path().join("sa-byo.key"))
        .arg(local.path().join("sa-byo.pub"))
        .args(["--dir", "/etc/kubernetes/pki"]);
    select(&mut c, &nodes, 1..=2);
    let out = c.output().unwrap();
    crate::json_schema::assert_valid("keys_install", &out, 0);
    assert_eq!(
        json(&out)["nodes"][1]["present"].as_array().unwrap().len(),
        2
    );
    // Again: the same files are there; nothing to do.
    let out = install("sa-byo.key", "sa-byo.pub");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("already there"), "{}", stderr(&out));
    // Not one pair: refused (1), nothing written.
    keygen(local.path(), "other", "ecdsa-p256");
    let out = install("sa-byo.key", "other.pub");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("not one key pair"),
        "{}",
        stderr(&out)
    );
    // A different file by that name on node 2: refused on every node.
    std::fs::write(nodes.kube_dir(2).join("pki/other.key"), b"someone else's").unwrap();
    let out = install("other.key", "other.pub");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("node cp-2"), "{}", stderr(&out));
    assert!(
        !nodes.kube_dir(1).join("pki/other.key").exists(),
        "nothing written on node 1"
    );
}

/// Issue 15's goal, measured: ssh sessions per node per command (at most two for an edit,
/// whatever the number of files). Prints the table docs/performance.md quotes.
#[test]
fn transport_sessions_per_node_per_command() {
    let pair = keys();
    let nodes = SshNodes::start(3);
    for k in 1..=3 {
        seed(&nodes, k, pair.path());
    }
    let mut rows = Vec::new();
    for (what, args) in [
        ("manifest show", vec!["show"]),
        (
            "manifest trust",
            vec!["trust", "/etc/kubernetes/pki/sa-new.pub"],
        ),
        (
            "manifest sign-with",
            vec!["sign-with", "/etc/kubernetes/pki/sa-new.key"],
        ),
        (
            "manifest retire",
            vec!["retire", "/etc/kubernetes/pki/sa.pub"],
        ),
        (
            "manifest retire (again: nothing to do)",
            vec!["retire", "/etc/kubernetes/pki/sa.pub"],
        ),
    ] {
        let mut c = sakr();
        c.args(["-o", "json", "manifest"]).args(flags_layout(&args));
        select(&mut c, &nodes, 1..=3);
        let out = c.output().unwrap();
        assert!(out.status.success(), "{what}: {}", stderr(&out));
        let def = if args[0] == "show" {
            "manifest_show_nodes".to_string()
        } else {
            format!("manifest_{}", args[0])
        };
        crate::json_schema::assert_valid(&def, &out, 0);
        let doc = json(&out);
        let sessions: Vec<u64> = doc["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["sessions"].as_u64().unwrap())
            .collect();
        assert!(
            sessions.iter().all(|s| (1..=2).contains(s)),
            "{what}: {sessions:?}"
        );
        rows.push(format!(
            "| `{what}` | 3 | {} |",
            sessions
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(" / ")
        ));
    }
    println!(
        "| command | nodes | ssh sessions per node |\n|---|---:|---|\n{}",
        rows.join("\n")
    );
}

/// `--control-plane --via ssh`: the control-plane Nodes from the API (control-plane and legacy
/// master labels; a worker left out), each reached at its InternalIP through the operator's ssh
/// config (which maps those addresses to the test nodes).
#[test]
fn control_plane_nodes_from_the_cluster_over_ssh() {
    use crate::fake_apiserver::{FakeCluster, Spec};
    let pair = keys();
    let nodes = SshNodes::start(2);
    for k in 1..=2 {
        seed(&nodes, k, pair.path());
    }
    let cluster = FakeCluster::start(Spec::signing_with(&pair.path().join("sa.key"), &[]));
    cluster.set_nodes(&[
        (
            "cp-a",
            &["node-role.kubernetes.io/control-plane"],
            Some("10.255.0.1"),
        ),
        (
            "cp-b",
            &["node-role.kubernetes.io/master"],
            Some("10.255.0.2"),
        ),
        ("worker-1", &[], Some("10.255.0.9")),
    ]);
    // The operator's ssh config: the Nodes' InternalIPs are the two test nodes.
    let config = nodes.dir().join("cp_config");
    std::fs::write(
        &config,
        format!(
            // Include first: an Include after a Host line would belong to that Host block.
            "Include {}\nHost 10.255.0.1\n  HostName 127.0.0.1\n  Port {}\n  User root\nHost 10.255.0.2\n  HostName 127.0.0.1\n  Port {}\n  User root\n",
            nodes.ssh_config().display(),
            nodes.port(1),
            nodes.port(2)
        ),
    )
    .unwrap();
    let out = sakr()
        .args([
            "-o",
            "json",
            "manifest",
            "show",
            "--control-plane",
            "--via",
            "ssh",
        ])
        .arg("--kubeconfig")
        .arg(&cluster.kubeconfig)
        .arg("--ssh-command")
        .arg(format!("ssh -F {}", config.display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", stderr(&out), stdout(&out));
    let doc = json(&out);
    let got: Vec<(String, String)> = doc["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap().to_string(),
                n["via"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("cp-a".to_string(), "ssh://10.255.0.1".to_string()),
            ("cp-b".to_string(), "ssh://10.255.0.2".to_string())
        ]
    );
    assert!(doc["nodes"][1]["error"].is_null(), "{doc}");
}
