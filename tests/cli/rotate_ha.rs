//! `sakr rotate` over an HA control plane from one seat (issue 16): three real OpenSSH nodes
//! (tests/cli/servers/sshd.rs), each with its own `/etc/kubernetes`, and the test apiserver
//! answering for three apiserver endpoints — one per node, at the node's InternalIP
//! (127.0.0.1, .2, .3) as kube-apiserver registers itself in `default/kubernetes` — each running
//! from its node's kube-apiserver manifest and restarting when it changes
//! (tests/cli/fake_restarts.rs), as the kubelet restarts a static pod.
//!
//! The state is `k8s://kube-system/rotation`: a ConfigMap and a Lease in the test apiserver.

use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest_nodes::{keys, seed_kube};
use crate::servers::sshd::SshNodes;
use crate::support::*;

/// The fixture manifest's `--service-account-issuer`.
const ISSUER: &str = "https://kubernetes.default.svc.cluster.local";
const STATE: &str = "k8s://kube-system/rotation";
const CP_LABEL: &str = "node-role.kubernetes.io/control-plane";
/// Each apiserver is down this long after its manifest changes: short for the suite;
/// `SAKR_TEST_RESTART_MS` sets another (the timing table in docs/performance.md uses a real
/// node's order of magnitude).
fn restart() -> Duration {
    Duration::from_millis(
        std::env::var("SAKR_TEST_RESTART_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(1500),
    )
}

struct Ha {
    /// `--layout` at start: the tests below check the flags edits unless they say kubeadm.
    layout: &'static str,
    nodes: SshNodes,
    cluster: FakeCluster,
    pair: tempfile::TempDir,
    dir: tempfile::TempDir,
}

impl Ha {
    /// Three nodes cp-1 … cp-3 and their apiservers; `extra_control_plane`: more control-plane
    /// Nodes the cluster lists (not reachable, not in the rotation).
    fn new(extra_control_plane: &[&str]) -> Ha {
        let pair = keys();
        let nodes = SshNodes::start(3);
        for k in 1..=3 {
            seed_kube(&nodes.kube_dir(k), pair.path());
        }
        let mut spec = Spec::signing_with(&pair.path().join("sa.key"), &[("default", "default")]);
        spec.apiserver_keys = vec![vec![]; 3];
        spec.distinct_hosts = true;
        let cluster = FakeCluster::start(spec);
        let mut listed: Vec<(String, Option<String>)> = (1..=3)
            .map(|k| (format!("cp-{k}"), Some(format!("127.0.0.{k}"))))
            .collect();
        listed.extend(
            extra_control_plane
                .iter()
                .map(|n| (n.to_string(), Some("127.0.0.9".to_string()))),
        );
        let labels: &[&str] = &[CP_LABEL];
        let entries: Vec<(&str, &[&str], Option<&str>)> = listed
            .iter()
            .map(|(n, ip)| (n.as_str(), labels, ip.as_deref()))
            .collect();
        cluster.set_nodes(&entries);
        for k in 1..=3 {
            cluster.watch_manifest(
                k - 1,
                &nodes.kube_dir(k).join("manifests/kube-apiserver.yaml"),
                &nodes.node_root(k),
                restart(),
            );
        }
        Ha {
            layout: "flags",
            nodes,
            cluster,
            pair,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn published(&self) -> PathBuf {
        self.dir.path().join("published")
    }

    fn hook_log(&self) -> PathBuf {
        self.dir.path().join("edits.log")
    }

    /// A sakr command with the cluster's kubeconfig and the edit hook that logs each node's
    /// edit with its time.
    fn sakr(&self) -> assert_cmd::Command {
        let hook = self.dir.path().join("hook.sh");
        if !hook.exists() {
            std::fs::write(
                &hook,
                format!(
                    "#!/bin/sh\necho \"$1 $(date +%s%N)\" >> '{}'\n",
                    self.hook_log().display()
                ),
            )
            .unwrap();
            std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
        }
        let mut c = sakr();
        c.env("KUBECONFIG", &self.cluster.kubeconfig)
            .env("SAKR_TEST_BEFORE_NODE", &hook);
        c
    }

    fn start(&self) -> std::process::Output {
        std::fs::create_dir_all(self.published()).unwrap();
        let mut c = self.sakr();
        c.args(["rotate", "start", "--state", STATE, "--name", "sa-next"])
            .args(["-a", "ecdsa-p256", "--issuer", ISSUER])
            .arg("--no-public-check")
            .args(["--cache-control", "public, max-age=0"])
            .arg("--publish-to")
            .arg(format!("file://{}", self.published().display()))
            .arg("--kubeconfig")
            .arg(&self.cluster.kubeconfig)
            .arg("--node-timeout")
            .arg(format!("{}s", restart().as_secs() * 3 + 6))
            .args(["--layout", self.layout])
            .arg("--ssh-command")
            .arg(self.nodes.ssh_command());
        for k in 1..=3 {
            c.arg("--node").arg(format!("cp-{k}={}", self.nodes.url(k)));
        }
        c.output().unwrap()
    }

    fn next(&self) -> std::process::Output {
        self.sakr()
            .args(["-o", "json", "rotate", "next", "--state", STATE])
            .output()
            .unwrap()
    }

    fn apiserver(&self, k: usize) -> String {
        std::fs::read_to_string(self.nodes.kube_dir(k).join("manifests/kube-apiserver.yaml"))
            .unwrap()
    }

    fn controller_manager(&self, k: usize) -> String {
        std::fs::read_to_string(
            self.nodes
                .kube_dir(k)
                .join("manifests/kube-controller-manager.yaml"),
        )
        .unwrap()
    }

    fn state(&self) -> serde_json::Value {
        let cm = self
            .cluster
            .object("configmaps", "kube-system", "rotation")
            .expect("the state ConfigMap");
        serde_json::from_str(cm["data"]["rotation.json"].as_str().unwrap()).unwrap()
    }

    /// Move the switch back two days (the retire window is switch + 24h10s + max-age): the
    /// state as another runner would have written it, conditional on nothing.
    fn age_switch(&self) {
        age_switch(&self.cluster);
    }

    /// The rotation's Lease as a killed runner leaves it, renewed over a minute ago.
    fn expire_lease(&self) {
        let mut lease = self
            .cluster
            .object("leases", "kube-system", "rotation")
            .unwrap();
        let long_ago = jiff::Timestamp::now() - jiff::SignedDuration::from_secs(120);
        lease["spec"]["renewTime"] =
            serde_json::json!(long_ago.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string());
        self.cluster
            .plant_object("leases", "kube-system", "rotation", lease);
    }

    /// `(node, time)` of every node edit sakr made, in order.
    fn edits(&self) -> Vec<(String, SystemTime)> {
        std::fs::read_to_string(self.hook_log())
            .unwrap_or_default()
            .lines()
            .map(|l| {
                let (n, t) = l.split_once(' ').unwrap();
                let nanos: u64 = t.trim().parse().unwrap();
                (
                    n.to_string(),
                    SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos),
                )
            })
            .collect()
    }

    /// sakr's own client for the test cluster (the test's view of the apiservers).
    async fn client(&self) -> sakr::cluster::Cluster {
        sakr::cluster::Cluster::connect(&sakr::cluster::ClusterOptions {
            kubeconfig: Some(self.cluster.kubeconfig.clone()),
            context: None,
        })
        .await
        .unwrap()
    }

    /// A TokenReview of `token` sent to apiserver `i` directly: does it authenticate it?
    fn accepted_by(&self, i: usize, token: &str) -> bool {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let c = self.client().await;
            let at = c
                .at_endpoint(&sakr::cluster::EndpointAddress {
                    host: self.cluster.hosts[i].clone(),
                    port: self.cluster.ports[i],
                    ready: None,
                })
                .unwrap();
            at.token_review(&sakr::keys::secret::Secret::new(token.as_bytes()), &[])
                .await
                .unwrap()
                .authenticated
        })
    }

    /// A token from apiserver 0 now (TokenRequest), as a pod would hold it.
    fn token_now(&self) -> String {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            let t = self
                .client()
                .await
                .request_token("default", "default", &[], None)
                .await
                .unwrap();
            String::from_utf8(t.token.expose().to_vec()).unwrap()
        })
    }
}

fn kid_of(token: &str) -> String {
    sakr::token::decode(token)
        .unwrap()
        .kid()
        .unwrap()
        .to_string()
}

fn key_flags(manifest: &str) -> (Vec<String>, Option<String>) {
    let mut trusted = Vec::new();
    let mut signing = None;
    for l in manifest.lines() {
        let l = l.trim().trim_start_matches("- ");
        if let Some(v) = l.strip_prefix("--service-account-key-file=") {
            trusted.push(v.to_string());
        }
        if let Some(v) = l.strip_prefix("--service-account-signing-key-file=") {
            signing = Some(v.to_string());
        }
    }
    (trusted, signing)
}

const OLD_PUB: &str = "/etc/kubernetes/pki/sa.pub";
const OLD_KEY: &str = "/etc/kubernetes/pki/sa.key";
const NEW_PUB: &str = "/etc/kubernetes/pki/sa-next.pub";
const NEW_KEY: &str = "/etc/kubernetes/pki/sa-next.key";

#[test]
fn a_rotation_over_three_nodes_rolls_node_by_node() {
    let ha = Ha::new(&[]);
    let old_token = ha.token_now();
    let old_kid = kid_of(&old_token);
    let out = ha.start();
    assert!(out.status.success(), "start: {}", stderr(&out));
    let state = ha.state();
    let new_kid = state["new"]["kid"].as_str().unwrap().to_string();
    assert_ne!(new_kid, old_kid);
    // The state records each node and where its apiserver answers.
    for k in 1..=3 {
        let n = &state["nodes"][k - 1];
        assert_eq!(n["name"], format!("cp-{k}"));
        assert_eq!(n["apiserver"]["host"], format!("127.0.0.{k}"));
        assert_eq!(n["apiserver"]["port"], ha.cluster.ports[k - 1]);
        // One pair, on every node: the private key 0600.
        let key = ha.nodes.kube_dir(k).join("pki/sa-next.key");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(&key).unwrap().permissions(),
        ) & 0o777;
        assert_eq!(mode, 0o600, "cp-{k}");
        assert_eq!(
            std::fs::read(&key).unwrap(),
            std::fs::read(ha.nodes.kube_dir(1).join("pki/sa-next.key")).unwrap()
        );
    }

    let mut codes = Vec::new();
    let mut timing: Vec<(String, f64, f64)> = Vec::new();
    let mut run = |ha: &Ha, expect: i32, what: &str| -> serde_json::Value {
        let t = Instant::now();
        let out = ha.next();
        let wall = t.elapsed().as_secs_f64();
        codes.push(out.status.code().unwrap_or(-1));
        assert_eq!(
            out.status.code(),
            Some(expect),
            "{what}: {}\n{}",
            stdout(&out),
            stderr(&out)
        );
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        let waited: f64 = doc["nodes"]
            .as_array()
            // fold, not sum: an empty f64 sum is -0.0.
            .map(|a| {
                a.iter()
                    .filter_map(|n| n["waited_seconds"].as_f64())
                    .fold(0.0, |x, y| x + y)
            })
            .unwrap_or(0.0);
        timing.push((what.to_string(), wall, waited));
        doc
    };

    // publish
    run(&ha, 0, "publish");
    // trust: rolling; every node trusts old and new, still signs with the old key.
    let trust = run(&ha, 0, "trust");
    assert_eq!(trust["nodes"].as_array().unwrap().len(), 3, "{trust}");
    for k in 1..=3 {
        let (trusted, signing) = key_flags(&ha.apiserver(k));
        assert_eq!(trusted, [OLD_PUB, NEW_PUB], "cp-{k}");
        assert_eq!(signing.as_deref(), Some(OLD_KEY), "cp-{k}");
        assert!(ha.accepted_by(k - 1, &old_token), "cp-{k} after trust");
    }
    // switch: gate (TokenReview of a token sakr minted with the new key, on every apiserver),
    // then rolling.
    let switch = run(&ha, 0, "switch");
    assert!(
        switch["notes"]
            .to_string()
            .contains("authenticated a token signed with the new key"),
        "{switch}"
    );
    for k in 1..=3 {
        let (trusted, signing) = key_flags(&ha.apiserver(k));
        assert_eq!(trusted, [OLD_PUB, NEW_PUB], "cp-{k}");
        assert_eq!(signing.as_deref(), Some(NEW_KEY), "cp-{k}");
        assert!(
            ha.controller_manager(k)
                .contains("--service-account-private-key-file=/etc/kubernetes/pki/sa-next.key"),
            "cp-{k}"
        );
        assert_eq!(ha.cluster.signing_kid(k - 1), new_kid, "cp-{k}");
        assert!(ha.accepted_by(k - 1, &old_token), "cp-{k} after switch");
    }
    // The rolling order: each node's switch edit came after the previous node's apiserver was
    // back signing with the new key (the fake's own record of its restarts).
    let edits = ha.edits();
    let switch_edits: Vec<&(String, SystemTime)> = edits[3..6].iter().collect();
    assert_eq!(
        switch_edits
            .iter()
            .map(|e| e.0.as_str())
            .collect::<Vec<_>>(),
        ["cp-1", "cp-2", "cp-3"]
    );
    for k in 2..=3 {
        let previous_up = ha
            .cluster
            .came_back(k - 2)
            .into_iter()
            .find(|(_, kid)| *kid == new_kid)
            .map(|(t, _)| t)
            .expect("the previous node's apiserver came back with the new key");
        assert!(
            switch_edits[k - 1].1 > previous_up,
            "cp-{k} was edited before cp-{}'s apiserver signed with the new key",
            k - 1
        );
    }
    // verify: a fresh token from each apiserver.
    let verify = run(&ha, 0, "verify");
    assert_eq!(verify["nodes"].as_array().unwrap().len(), 3, "{verify}");
    // retire waits for its window.
    run(&ha, 3, "retire (window)");
    ha.age_switch();
    let retire = run(&ha, 0, "retire");
    for k in 1..=3 {
        let (trusted, signing) = key_flags(&ha.apiserver(k));
        assert_eq!(trusted, [NEW_PUB], "cp-{k}");
        assert_eq!(signing.as_deref(), Some(NEW_KEY), "cp-{k}");
        // The old pair archived on every node, the same way.
        let pki = ha.nodes.kube_dir(k).join("pki");
        assert!(
            !pki.join("sa.key").exists() && !pki.join("sa.pub").exists(),
            "cp-{k}"
        );
        assert!(!ha.accepted_by(k - 1, &old_token), "cp-{k} after retire");
    }
    let backup = state["manifests"]["backup_dir"].as_str().unwrap();
    for k in 1..=3 {
        let archived = ha
            .nodes
            .node_root(k)
            .join(backup.trim_start_matches('/'))
            .join("sa.key");
        assert_eq!(
            std::fs::read(&archived).unwrap(),
            std::fs::read(ha.pair.path().join("sa.key")).unwrap(),
            "cp-{k}"
        );
    }
    assert!(
        retire["summary"].to_string().contains("on every node"),
        "{retire}"
    );
    let published = std::fs::read_to_string(ha.published().join("openid/v1/jwks")).unwrap();
    assert!(!published.contains(&old_kid) && published.contains(&new_kid));
    run(&ha, 0, "complete");
    assert_eq!(codes, [0, 0, 0, 0, 3, 0, 0]);
    crate::rbac::assert_calls_inside_rbac(&ha.cluster, &["sakr-rotation.yaml"], |_| true);

    // status: a row per node.
    let out = ha
        .sakr()
        .args(["rotate", "status", "--state", STATE])
        .output()
        .unwrap();
    // A row per node: its name, its apiserver, a time in every stage's column.
    let text = stdout(&out);
    assert!(
        text.lines()
            .any(|l| l.starts_with("node ") && l.contains("apiserver")),
        "{text}"
    );
    for k in 1..=3 {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("cp-{k} ")))
            .unwrap_or_else(|| panic!("no row for cp-{k}: {text}"));
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells[1],
            format!("127.0.0.{k}:{}", ha.cluster.ports[k - 1]),
            "{row}"
        );
        assert_eq!(cells.len(), 2 + 6, "{row}");
        assert!(
            cells[2..]
                .iter()
                .all(|c| c.len() == 8 && c.as_bytes()[2] == b':'),
            "{row}"
        );
    }

    // The timing table (printed, not asserted): sakr's own time against the waits.
    eprintln!("| stage | wall (s) | waiting for apiservers (s) | sakr's own (s) |");
    eprintln!("|---|---|---|---|");
    let (mut w, mut a) = (0.0, 0.0);
    for (what, wall, waited) in &timing {
        eprintln!(
            "| {what} | {wall:.2} | {waited:.2} | {:.2} |",
            wall - waited
        );
        w += wall;
        a += waited;
    }
    eprintln!(
        "| total | {w:.2} | {a:.2} | {:.2} ({:.0}%) |",
        w - a,
        100.0 * (w - a) / w
    );
}

/// A node whose apiserver does not come back mid-switch stops the switch (exit 1, naming it),
/// leaves the next node as it was; once the node is fixed, `next` carries on from it; and
/// `abort` puts every node back on the old key.
#[test]
fn a_node_that_stays_down_stops_the_switch_and_abort_restores_every_node() {
    let ha = Ha::new(&[]);
    assert!(ha.start().status.success());
    for stage in ["publish", "trust"] {
        let out = ha.next();
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    // Before cp-2's switch edit, its new private key disappears: its apiserver cannot start
    // on the switched manifest (a crash loop).
    let hook = ha.dir.path().join("break.sh");
    let key = ha.nodes.kube_dir(2).join("pki/sa-next.key");
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\n[ \"$1\" = cp-2 ] && mv '{k}' '{k}.away'\nexit 0\n",
            k = key.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = ha
        .sakr()
        .env("SAKR_TEST_BEFORE_NODE", &hook)
        .args(["rotate", "next", "--state", STATE])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("node cp-2")
            && err.contains(
                "the switch stopped here (done: cp-1; edited, not back: cp-2; not touched: cp-3)"
            )
            && err.contains("`sakr rotate next` carries on"),
        "{err}"
    );
    assert_eq!(key_flags(&ha.apiserver(1)).1.as_deref(), Some(NEW_KEY));
    assert_eq!(key_flags(&ha.apiserver(2)).1.as_deref(), Some(NEW_KEY));
    assert_eq!(
        key_flags(&ha.apiserver(3)).1.as_deref(),
        Some(OLD_KEY),
        "cp-3 must be left as it was"
    );
    assert!(ha.state()["stages"]["switch"].is_null());
    // The operator fixes the node; `next` carries on from cp-2 (cp-1 is not edited again).
    std::fs::rename(key.with_extension("key.away"), &key).unwrap();
    let cp1 = ha.apiserver(1);
    let edits_before = ha.edits().len();
    let out = ha.next();
    assert!(out.status.success(), "resume: {}", stderr(&out));
    assert_eq!(ha.apiserver(1), cp1);
    let resumed: Vec<String> = ha.edits()[edits_before..]
        .iter()
        .map(|e| e.0.clone())
        .collect();
    assert_eq!(resumed, ["cp-3"], "cp-2 was already edited, cp-1 done");
    for i in 0..3 {
        assert_eq!(
            ha.cluster.signing_kid(i),
            ha.state()["new"]["kid"].as_str().unwrap(),
            "apiserver {i}"
        );
    }
    assert!(ha.state()["stages"]["switch"].is_object());
    // Then the operator aborts after all: every node back on the old key, rolling.
    let out = ha
        .sakr()
        .args(["rotate", "abort", "--state", STATE])
        .output()
        .unwrap();
    assert!(out.status.success(), "abort: {}", stderr(&out));
    for k in 1..=3 {
        let (trusted, signing) = key_flags(&ha.apiserver(k));
        assert_eq!(signing.as_deref(), Some(OLD_KEY), "cp-{k}");
        assert_eq!(trusted, [OLD_PUB, NEW_PUB], "cp-{k}: both stay trusted");
    }
    let state = ha.state();
    let old_kid = state["old"]["kid"].as_str().unwrap().to_string();
    for i in 0..3 {
        assert_eq!(ha.cluster.signing_kid(i), old_kid, "apiserver {i}");
        // Each node's record says it is no longer switched.
        assert!(state["nodes"][i]["stages"]["switch"].is_null(), "{state}");
    }
    assert!(state["aborted"].is_object());
}

/// The kubeadm layout over three ssh nodes (issue 17): the flags never change; each stage
/// restarts every apiserver exactly once, rolling (the annotation is the only manifest change);
/// a `kubeadm upgrade` of one node in the middle (its manifests regenerated from kubeadm's
/// defaults) changes nothing it trusts or signs with, and the rotation finishes over it.
#[test]
fn a_kubeadm_layout_rotation_over_three_nodes_restarts_each_apiserver_once_per_stage() {
    let mut ha = Ha::new(&[]);
    ha.layout = "kubeadm";
    let old_token = ha.token_now();
    let out = ha.start();
    assert!(out.status.success(), "start: {}", stderr(&out));
    let new_kid = ha.state()["new"]["kid"].as_str().unwrap().to_string();
    let restarts =
        |ha: &Ha| -> Vec<usize> { (0..3).map(|i| ha.cluster.came_back(i).len()).collect() };
    let mut rows = Vec::new();
    let mut before = restarts(&ha);
    for stage in ["publish", "trust", "switch", "verify", "retire"] {
        if stage == "retire" {
            ha.age_switch();
        }
        let out = ha.next();
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
        let after = restarts(&ha);
        let per_node: Vec<usize> = after.iter().zip(&before).map(|(a, b)| a - b).collect();
        let edits = matches!(stage, "trust" | "switch" | "retire");
        assert_eq!(
            per_node,
            if edits { vec![1, 1, 1] } else { vec![0, 0, 0] },
            "{stage}: apiserver restarts per node"
        );
        rows.push(format!("{stage:<8} restarts per node {per_node:?}"));
        for k in 1..=3 {
            assert_eq!(
                key_flags(&ha.apiserver(k)),
                (vec![OLD_PUB.to_string()], Some(OLD_KEY.to_string())),
                "{stage}: cp-{k} keeps kubeadm's flags"
            );
            let signs_new = matches!(stage, "switch" | "verify" | "retire");
            assert_eq!(
                ha.cluster.signing_kid(k - 1) == new_kid,
                signs_new,
                "{stage}: cp-{k}"
            );
            assert_eq!(
                ha.accepted_by(k - 1, &old_token),
                stage != "retire",
                "{stage}: cp-{k}"
            );
        }
        if stage == "switch" {
            // kubeadm upgrade on cp-2: its manifests back to kubeadm's own (no annotation).
            let m = ha.nodes.kube_dir(2).join("manifests");
            for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
                std::fs::copy(fixture(&format!("manifests/{f}")), m.join(f)).unwrap();
            }
            let t = Instant::now();
            while ha.cluster.came_back(1).len() == after[1] {
                assert!(
                    t.elapsed() < Duration::from_secs(30),
                    "cp-2 never restarted"
                );
                std::thread::sleep(Duration::from_millis(50));
            }
            assert_eq!(
                ha.cluster.signing_kid(1),
                new_kid,
                "cp-2 after a kubeadm upgrade"
            );
            assert!(
                ha.accepted_by(1, &old_token),
                "cp-2 after a kubeadm upgrade"
            );
        }
        before = restarts(&ha);
    }
    eprintln!("{}", rows.join("\n"));
    for k in 1..=3 {
        let pki = ha.nodes.kube_dir(k).join("pki");
        let bundle =
            sakr::keys::parse_pem_file(&std::fs::read(pki.join("sa.pub")).unwrap()).unwrap();
        let kids: Vec<String> = bundle.blocks.iter().map(|b| b.key.kid()).collect();
        assert_eq!(
            kids,
            vec![new_kid.as_str()],
            "cp-{k}: sa.pub holds the new key only"
        );
        assert!(
            !pki.join("sa-next.key").exists(),
            "cp-{k}: staged copy removed"
        );
    }
}

/// Kubeadm layout: a switch killed after its first node, then `rotate abort`: the switched node
/// gets its archived sa.key back, the nodes the switch never reached are already on the old key
/// (nothing to find in their backups), and every apiserver signs with the old key again.
#[test]
fn a_kubeadm_switch_stopped_after_one_node_is_aborted_on_every_node() {
    let mut ha = Ha::new(&[]);
    ha.layout = "kubeadm";
    assert!(ha.start().status.success());
    for stage in ["publish", "trust"] {
        let out = ha.next();
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    let old_kid = ha.state()["old"]["kid"].as_str().unwrap().to_string();
    // The runner dies (SIGKILL) right before cp-2's switch edit: cp-1 switched, the rest not.
    let hook = ha.dir.path().join("die.sh");
    std::fs::write(
        &hook,
        "#!/bin/sh
[ \"$1\" = cp-2 ] && kill -9 $PPID\nexit 0\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out = ha
        .sakr()
        .env("SAKR_TEST_BEFORE_NODE", &hook)
        .args(["rotate", "next", "--state", STATE])
        .output()
        .unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&out.status),
        Some(9),
        "{}",
        stderr(&out)
    );
    let original = std::fs::read(ha.pair.path().join("sa.key")).unwrap();
    let sa_key = |k: usize| std::fs::read(ha.nodes.kube_dir(k).join("pki/sa.key")).unwrap();
    assert_ne!(sa_key(1), original, "cp-1 switched");
    assert_eq!(sa_key(2), original, "cp-2 not reached");
    // The killed runner's Lease must lapse before another run takes over.
    ha.expire_lease();
    let out = ha
        .sakr()
        .args(["rotate", "abort", "--state", STATE])
        .output()
        .unwrap();
    assert!(out.status.success(), "abort: {}", stderr(&out));
    for k in 1..=3 {
        assert_eq!(sa_key(k), original, "cp-{k}: the old sa.key");
        assert_eq!(
            ha.cluster.signing_kid(k - 1),
            old_kid,
            "cp-{k} signs with the old key"
        );
    }
}

/// A control-plane Node the rotation leaves out keeps the switch gate shut (exit 1, naming it):
/// nothing signs with the new key.
#[test]
fn a_control_plane_node_missing_from_the_rotation_refuses_the_switch() {
    let ha = Ha::new(&["cp-4"]);
    let out = ha.start();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("cp-4"),
        "start warns: {}",
        stderr(&out)
    );
    for stage in ["publish", "trust"] {
        let out = ha.next();
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    let out = ha.next();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("cp-4"), "{}", stderr(&out));
    for k in 1..=3 {
        assert_eq!(key_flags(&ha.apiserver(k)).1.as_deref(), Some(OLD_KEY));
    }
}

/// Two runners on one `k8s://` state: while one rolls the trust stage, the other waits (exit 3,
/// naming the holder); the first killed mid-stage, the second takes over once its Lease has
/// expired and finishes the stage.
#[test]
fn two_runners_one_waits_and_takes_over_a_killed_runners_stage() {
    let ha = Ha::new(&[]);
    assert!(ha.start().status.success());
    assert!(ha.next().status.success(), "publish");
    let mut first = std::process::Command::new(assert_cmd::cargo::cargo_bin("sakr"));
    first
        .env("KUBECONFIG", &ha.cluster.kubeconfig)
        .args(["rotate", "next", "--state", STATE])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let mut first = first.spawn().unwrap();
    // Wait until it holds the Lease and has edited cp-1.
    let t = Instant::now();
    while !ha.apiserver(1).contains(NEW_PUB) {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the first runner never edited cp-1"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let lease = ha
        .cluster
        .object("leases", "kube-system", "rotation")
        .unwrap();
    let holder = lease["spec"]["holderIdentity"]
        .as_str()
        .unwrap()
        .to_string();
    let out = ha.next();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains(&holder), "{}", stderr(&out));
    // Killed while holding the Lease, mid-trust.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(!ha.apiserver(3).contains(NEW_PUB), "killed before cp-3");
    let out = ha.next();
    assert_eq!(
        out.status.code(),
        Some(3),
        "the Lease is still live: {}",
        stderr(&out)
    );
    // Its Lease expires (renewed over a minute ago, as time would have it).
    ha.expire_lease();
    let out = ha.next();
    assert!(out.status.success(), "{}", stderr(&out));
    for k in 1..=3 {
        assert_eq!(key_flags(&ha.apiserver(k)).0, [OLD_PUB, NEW_PUB], "cp-{k}");
    }
    assert!(ha.state()["stages"]["trust"].is_object());
}

/// `--control-plane` with the pod transport: every control-plane Node reached through a
/// short-lived pod on it (tests/cli/fake_node_pods.rs), the whole rotation up to verify, every
/// pod deleted afterwards, and every call inside the two RBAC files.
#[test]
fn a_rotation_over_node_pods_from_the_control_plane_label() {
    let pair = keys();
    let trees = tempfile::tempdir().unwrap();
    let root = |k: usize| trees.path().join(format!("cp-{k}"));
    for k in 1..=2 {
        seed_kube(&root(k).join("etc/kubernetes"), pair.path());
    }
    let mut spec = Spec::signing_with(&pair.path().join("sa.key"), &[("default", "default")]);
    spec.apiserver_keys = vec![vec![]; 2];
    spec.distinct_hosts = true;
    let cluster = FakeCluster::start(spec);
    let labels: &[&str] = &[CP_LABEL];
    cluster.set_nodes(&[
        ("cp-1", labels, Some("127.0.0.1")),
        ("cp-2", labels, Some("127.0.0.2")),
        ("worker-1", &[], Some("127.0.0.7")),
    ]);
    for k in 1..=2 {
        cluster.set_node_tree(&format!("cp-{k}"), &root(k));
        cluster.watch_manifest(
            k - 1,
            &root(k).join("etc/kubernetes/manifests/kube-apiserver.yaml"),
            &root(k),
            restart(),
        );
    }
    let run = |args: &[&str]| {
        sakr()
            .env("KUBECONFIG", &cluster.kubeconfig)
            .args(args)
            .args(["--state", STATE])
            .output()
            .unwrap()
    };
    let out = run(&[
        "rotate",
        "start",
        "--control-plane",
        "--kubeconfig",
        cluster.kubeconfig.to_str().unwrap(),
        "--name",
        "sa-next",
        "-a",
        "ecdsa-p256",
    ]);
    assert!(out.status.success(), "start: {}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("node cp-1: new key pair written; its kube-apiserver answers at 127.0.0.1:")
            && text.contains(
                "node cp-2: new key pair written; its kube-apiserver answers at 127.0.0.2:"
            )
            && !text.contains("worker-1"),
        "{text}"
    );
    for stage in ["publish", "trust", "switch", "verify"] {
        let out = run(&["rotate", "next"]);
        assert!(out.status.success(), "{stage}: {}", stderr(&out));
    }
    let new_kid = {
        let cm = cluster
            .object("configmaps", "kube-system", "rotation")
            .unwrap();
        let s: serde_json::Value =
            serde_json::from_str(cm["data"]["rotation.json"].as_str().unwrap()).unwrap();
        s["new"]["kid"].as_str().unwrap().to_string()
    };
    // Chosen without --layout: kubeadm's own files, so the kubeadm layout. The flags stay as
    // kubeadm wrote them; sa.pub trusts both keys and sa.key is the new key, on every node.
    let state: serde_json::Value = serde_json::from_str(
        cluster
            .object("configmaps", "kube-system", "rotation")
            .unwrap()["data"]["rotation.json"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(state["layout"], "kubeadm");
    let old_kid = state["old"]["kid"].as_str().unwrap().to_string();
    for k in 1..=2 {
        let api =
            std::fs::read_to_string(root(k).join("etc/kubernetes/manifests/kube-apiserver.yaml"))
                .unwrap();
        assert_eq!(
            key_flags(&api),
            (vec![OLD_PUB.to_string()], Some(OLD_KEY.to_string())),
            "cp-{k}"
        );
        let pki = root(k).join("etc/kubernetes/pki");
        let bundle =
            sakr::keys::parse_pem_file(&std::fs::read(pki.join("sa.pub")).unwrap()).unwrap();
        let kids: Vec<String> = bundle.blocks.iter().map(|b| b.key.kid()).collect();
        // The signing key's block first (switch put it there, for kubeadm's own reader).
        assert_eq!(kids, [new_kid.clone(), old_kid.clone()], "cp-{k}");
        assert_eq!(
            std::fs::read(pki.join("sa.key")).unwrap(),
            std::fs::read(pki.join("sa-next.key")).unwrap(),
            "cp-{k}"
        );
        assert_eq!(cluster.signing_kid(k - 1), new_kid, "cp-{k}");
    }
    assert_eq!(
        cluster.live_pods(),
        Vec::<String>::new(),
        "node pods left behind"
    );
    assert!(!cluster.created_pods().is_empty());
    crate::rbac::assert_calls_inside_rbac(
        &cluster,
        &["sakr-rotation.yaml", "sakr-nodes.yaml"],
        |_| true,
    );
}

/// Move the switch of the `k8s://kube-system/rotation` state in `cluster` back two days.
pub(crate) fn age_switch(cluster: &FakeCluster) {
    let mut cm = cluster
        .object("configmaps", "kube-system", "rotation")
        .unwrap();
    let mut s: serde_json::Value =
        serde_json::from_str(cm["data"]["rotation.json"].as_str().unwrap()).unwrap();
    let then = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(48);
    s["stages"]["switch"]["at"] = serde_json::json!(then.to_string());
    cm["data"]["rotation.json"] = serde_json::json!(serde_json::to_string_pretty(&s).unwrap());
    cluster.plant_object("configmaps", "kube-system", "rotation", cm);
}
