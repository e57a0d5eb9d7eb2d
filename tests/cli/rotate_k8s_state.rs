//! `--state k8s://NAMESPACE/NAME` (issue 16, item 3): the rotation's state as a ConfigMap and its
//! lock as a Lease in the test apiserver, which answers with kube-apiserver's optimistic
//! concurrency (tests/cli/fake_objects.rs). Checked: the ConfigMap holds the state and never key
//! material; a Lease held by another live runner makes `next` wait (exit 3, naming the holder);
//! an expired one (a runner killed while holding it) is taken over; a state changed by someone
//! else between read and write is not overwritten; the Lease is released after each command.

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::*;

const STATE: &str = "k8s://kube-system/sakr-rotation";

struct Setup {
    node: Node,
    cluster: FakeCluster,
}

impl Setup {
    fn new() -> Setup {
        let node = Node::new();
        let pki = node.root.path().join("etc/kubernetes/pki");
        let cluster = FakeCluster::start(Spec::signing_with(&pki.join("sa.key"), &[]));
        Setup { node, cluster }
    }

    /// sakr with the test cluster as the default kubeconfig (as a CI runner's KUBECONFIG).
    fn sakr(&self) -> assert_cmd::Command {
        let mut c = sakr();
        c.env("KUBECONFIG", &self.cluster.kubeconfig);
        c
    }

    fn rotate(&self, args: &[&str]) -> std::process::Output {
        self.sakr()
            .arg("rotate")
            .args(args)
            .args(["--state", STATE])
            .output()
            .unwrap()
    }

    fn state(&self) -> serde_json::Value {
        let cm = self
            .cluster
            .object("configmaps", "kube-system", "sakr-rotation")
            .expect("the state ConfigMap");
        serde_json::from_str(cm["data"]["rotation.json"].as_str().unwrap()).unwrap()
    }

    fn lease_holder(&self) -> serde_json::Value {
        self.cluster
            .object("leases", "kube-system", "sakr-rotation")
            .expect("the Lease")["spec"]["holderIdentity"]
            .clone()
    }

    fn plant_lease(&self, holder: &str, renewed_secs_ago: i64) {
        let renewed = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(renewed_secs_ago);
        self.cluster.plant_object(
            "leases",
            "kube-system",
            "sakr-rotation",
            serde_json::json!({
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {},
                "spec": {"holderIdentity": holder, "leaseDurationSeconds": 60,
                         "renewTime": renewed.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()},
            }),
        );
    }
}

#[test]
fn the_state_lives_in_a_configmap_and_the_lock_in_a_lease() {
    let s = Setup::new();
    let out = crate::rotate_live::start_single_node(&s.node, STATE, "https://oidc.example.com/a")
        .env("KUBECONFIG", &s.cluster.kubeconfig)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let cm = s
        .cluster
        .object("configmaps", "kube-system", "sakr-rotation")
        .unwrap();
    assert_eq!(
        cm["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "sakr"
    );
    let text = cm["data"]["rotation.json"].as_str().unwrap();
    assert!(
        !text.contains("PRIVATE KEY") && !text.contains("BEGIN"),
        "{text}"
    );
    let new_kid = s.state()["new"]["kid"].as_str().unwrap().to_string();
    assert!(new_kid.len() == 43, "{new_kid}");
    // No file state anywhere beside the node.
    assert!(!std::path::Path::new("k8s:").exists());
    // The Lease was taken for start and released at its end.
    assert!(s.lease_holder().is_null(), "{}", s.lease_holder());

    // A second start on the same state is refused.
    let again = s
        .sakr()
        .args(["rotate", "start", "--single-node", "--state", STATE])
        .arg("--manifests-dir")
        .arg(s.node.manifests())
        .arg("--host-root")
        .arg(s.node.root.path())
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert!(
        stderr(&again).contains("already holds a rotation"),
        "{}",
        stderr(&again)
    );

    // Another runner holds the Lease (renewed just now): this one waits, naming it.
    s.plant_lease("sakr@runner-7/42/abcd", 1);
    let out = s.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("sakr@runner-7/42/abcd"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("until"), "{}", stderr(&out));
    assert!(s.state()["stages"].get("publish").is_none(), "nothing ran");

    // That runner was killed: its Lease expired 60 s after the last renewal; taken over.
    s.plant_lease("sakr@runner-7/42/abcd", 120);
    let out = s.rotate(&["next"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        s.state()["stages"].get("publish").is_some(),
        "{}",
        s.state()
    );
    assert!(s.lease_holder().is_null(), "released after the command");

    // Someone else wrote the state between this run's read and its write: not overwritten.
    let before = s.state();
    s.cluster.conflict_next_updates("configmaps", 1);
    let out = s.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed in the cluster since this run read it"),
        "{}",
        stderr(&out)
    );
    assert_eq!(s.state(), before);
    // The trust edit itself is idempotent: the same command again records it.
    let out = s.rotate(&["next"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(s.state()["stages"].get("trust").is_some());

    // status reads the ConfigMap too.
    let out = s.rotate(&["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&new_kid[..8]), "{}", stdout(&out));

    // A malformed k8s:// state is bad input.
    let out = s
        .sakr()
        .args(["rotate", "status", "--state", "k8s://kube-system"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("k8s://NAMESPACE/NAME"),
        "{}",
        stderr(&out)
    );
}
