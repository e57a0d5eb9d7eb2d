//! `sakr manifest show --kubeconfig` on a kubeadm cluster (issue 17, item 3): the
//! ClusterConfiguration of `kube-system/kubeadm-config` (v1beta3 and v1beta4) against the
//! manifests, as a `kubeadm upgrade` would regenerate them. The expected flags are kubeadm's
//! defaults (`--service-account-key-file=/etc/kubernetes/pki/sa.pub`, …), written out here.

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::*;

fn cluster_with(node: &Node, cluster_configuration: Option<&str>) -> FakeCluster {
    let c = FakeCluster::start(Spec::signing_with(
        &node.root.path().join("etc/kubernetes/pki/sa.key"),
        &[],
    ));
    if let Some(text) = cluster_configuration {
        c.plant_object(
            "configmaps",
            "kube-system",
            "kubeadm-config",
            serde_json::json!({
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": {},
                "data": {"ClusterConfiguration": text},
            }),
        );
    }
    c
}

fn show(node: &Node, c: &FakeCluster, json: bool) -> std::process::Output {
    let mut cmd = sakr();
    if json {
        cmd.args(["-o", "json"]);
    }
    cmd.args(["manifest", "show", "--manifests-dir"])
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("--kubeconfig")
        .arg(&c.kubeconfig)
        .output()
        .unwrap()
}

const V1BETA3: &str =
    "apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nkubernetesVersion: v1.31.2\n";

#[test]
fn an_upgrade_would_undo_a_rotation_recorded_only_in_the_manifests() {
    let node = Node::new();
    let c = cluster_with(&node, Some(V1BETA3));
    // kubeadm's own manifests: an upgrade changes nothing.
    let out = show(&node, &c, false);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("kubeadm upgrade would"),
        "{}",
        stderr(&out)
    );

    for args in [
        ["trust", "/etc/kubernetes/pki/sa-new.pub"],
        ["sign-with", "/etc/kubernetes/pki/sa-new.key"],
    ] {
        let out = node.manifest(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    }
    let out = show(&node, &c, false);
    assert!(out.status.success(), "{}", stderr(&out));
    let err = stderr(&out);
    for expect in [
        "a kubeadm upgrade would regenerate kube-apiserver with --service-account-key-file=/etc/kubernetes/pki/sa.pub where the manifest says /etc/kubernetes/pki/sa.pub, /etc/kubernetes/pki/sa-new.pub: the ClusterConfiguration is kubeadm.k8s.io/v1beta3",
        "a kubeadm upgrade would regenerate kube-apiserver with --service-account-signing-key-file=/etc/kubernetes/pki/sa.key where the manifest says /etc/kubernetes/pki/sa-new.key: record the flags",
        "a kubeadm upgrade would regenerate kube-controller-manager with --service-account-private-key-file=/etc/kubernetes/pki/sa.key where the manifest says /etc/kubernetes/pki/sa-new.key",
    ] {
        assert!(err.contains(expect), "missing {expect:?} in:\n{err}");
    }
    let doc = json(&show(&node, &c, true));
    let drift = doc["kubeadm_upgrade"].as_array().unwrap();
    assert_eq!(drift.len(), 3, "{doc}");
    assert_eq!(drift[0]["inexpressible"], true);
    assert_eq!(drift[1]["inexpressible"], false);

    // The flags recorded in a v1beta4 ClusterConfiguration (a list: the key file twice): an
    // upgrade keeps the rotation.
    let recorded = cluster_with(
        &node,
        Some(
            "apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa.pub
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa-new.pub
  - name: service-account-signing-key-file
    value: /etc/kubernetes/pki/sa-new.key
controllerManager:
  extraArgs:
  - name: service-account-private-key-file
    value: /etc/kubernetes/pki/sa-new.key
",
        ),
    );
    let out = show(&node, &recorded, false);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("kubeadm upgrade would"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        json(&show(&node, &recorded, true))["kubeadm_upgrade"],
        serde_json::json!([])
    );

    // Not a kubeadm cluster: nothing to compare, nothing said.
    let other = cluster_with(&node, None);
    let doc = json(&show(&node, &other, true));
    assert!(doc.get("kubeadm_upgrade").is_none(), "{doc}");
}

#[test]
fn a_cluster_configuration_sakr_cannot_read_is_an_error_naming_it() {
    let node = Node::new();
    let c = cluster_with(&node, Some("apiVersion: kubeadm.k8s.io/v1beta2\n"));
    let out = show(&node, &c, false);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("kube-system/kubeadm-config ClusterConfiguration")
            && stderr(&out).contains("v1beta2"),
        "{}",
        stderr(&out)
    );
}
