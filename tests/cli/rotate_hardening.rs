//! Regression tests for the rotation's share of the security review (issue 13: findings 2, 5,
//! 7, 8, 9) and of the first-hour review (issue 14: items 4, 5, 6, 11): each failed on the
//! main of 2026-11-28 and passes now.

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;

use sakr::keys::secret::Secret;

use crate::fake_apiserver::{EndpointsMode, FakeCluster, Spec};
use crate::manifest::Node;
use crate::rotate::{Rotation, mint};
use crate::support::*;

const ISSUER: &str = "https://oidc.example.com/cluster-a";
const SIG: &str = "Zm9vYmFyU0VDUkVUc2lnbmF0dXJl";

fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for e in walk(dir) {
        let bytes = if e.is_file() {
            std::fs::read(&e).unwrap()
        } else {
            Vec::new()
        };
        out.push((e.strip_prefix(dir).unwrap().display().to_string(), bytes));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

fn start_args(node: &Node, state: &Path) -> assert_cmd::Command {
    let mut c = sakr();
    c.args([
        "rotate",
        "start",
        "--single-node",
        "--no-public-check",
        "--cache-control",
        "public, max-age=0",
        "--state",
    ])
    .arg(state)
    .arg("--manifests-dir")
    .arg(node.manifests())
    .arg("--host-root")
    .arg(node.root.path())
    .arg("--backup-dir")
    .arg(node.backup_dir());
    c
}

/// Finding 2: a SAS in `--publish-to` is neither stored nor printed, by start, status (text and
/// JSON) or next; a state written by an older sakr with a SAS in it is not printed either.
#[test]
fn a_sas_in_publish_to_is_never_stored_or_printed() {
    let node = Node::new();
    let state = node.root.path().join("rotation.json");
    let url = format!("https://acct1.blob.core.windows.net/oidc/c1?sv=2024-08-04&sp=rw&sig={SIG}");
    let out = start_args(&node, &state)
        .args(["-o", "json", "--name", "sa-next", "-a", "ecdsa-p256"])
        .args(["--publish-to", &url, "--issuer", ISSUER])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stdout(&out).contains(SIG) && !stderr(&out).contains(SIG));
    assert!(
        stderr(&out).contains("AZURE_STORAGE_SAS_TOKEN"),
        "says where the credential comes from: {}",
        stderr(&out)
    );
    let text = std::fs::read_to_string(&state).unwrap();
    assert!(!text.contains(SIG) && !text.contains("sig="), "{text}");
    assert_eq!(
        json(&out)["state"]["publish"]["to"],
        "https://acct1.blob.core.windows.net/oidc/c1"
    );

    // An older sakr stored the SAS: status and next print it nowhere.
    let mut s: serde_json::Value = serde_json::from_str(&text).unwrap();
    s["publish"]["to"] = serde_json::Value::String(url.clone());
    std::fs::write(&state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    for args in [
        vec!["rotate", "status"],
        vec!["-o", "json", "rotate", "status"],
        vec!["rotate", "next", "--dry-run"],
        vec!["-o", "json", "rotate", "next"],
    ] {
        let out = sakr()
            .args(&args)
            .arg("--state")
            .arg(&state)
            .env_remove("AZURE_STORAGE_SAS_TOKEN")
            .env_remove("AZURE_STORAGE_CONNECTION_STRING")
            .output()
            .unwrap();
        assert!(
            !stdout(&out).contains(SIG) && !stderr(&out).contains(SIG),
            "{args:?}: {}{}",
            stdout(&out),
            stderr(&out)
        );
    }

    // Credentials in --endpoint are refused, not echoed.
    let state2 = node.root.path().join("rotation2.json");
    let out = start_args(&node, &state2)
        .args(["--publish-to", "s3://bucket/c1", "--issuer", ISSUER])
        .args(["--endpoint", &format!("http://admin:{SIG}@127.0.0.1:9000")])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--endpoint"), "{}", stderr(&out));
    assert!(!stderr(&out).contains(SIG), "{}", stderr(&out));
    assert!(!state2.exists());
}

/// Finding 9: `rotate start --name` follows keygen's rules and `--key-dir` may not be the
/// manifests directory: nothing is written anywhere.
#[test]
fn start_refuses_a_name_with_a_path_and_a_key_dir_in_the_manifests_directory() {
    let node = Node::new();
    let state = node.root.path().join("rotation.json");
    let before = tree(node.root.path());
    for (extra, expect) in [
        (
            vec!["--name".to_string(), "../manifests/evil".to_string()],
            "plain file name",
        ),
        (
            vec!["--name".to_string(), "sa\u{2028}x".to_string()],
            "plain file name",
        ),
        (
            vec![
                "--key-dir".to_string(),
                node.manifests().display().to_string(),
            ],
            "inside the manifests directory",
        ),
    ] {
        let out = start_args(&node, &state).args(&extra).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(expect), "{extra:?}: {}", stderr(&out));
        assert_eq!(tree(node.root.path()), before, "{extra:?}: nothing written");
    }
}

/// Finding 8: a state file others can write is refused; and a state file that names another
/// file as the old key makes retire refuse before anything moves.
#[test]
fn a_writable_or_tampered_state_is_refused() {
    let r = Rotation::start(&["--single-node"]);
    std::fs::set_permissions(&r.state, std::fs::Permissions::from_mode(0o666)).unwrap();
    let out = r.rotate(&["status"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("lets others write it"),
        "{}",
        stderr(&out)
    );
    std::fs::set_permissions(&r.state, std::fs::Permissions::from_mode(0o600)).unwrap();

    // Run up to retire.
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // publish
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // trust
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // switch
    let tok = r.node.root.path().join("token");
    std::fs::write(&tok, mint(&r.pki("sa-next.key"))).unwrap();
    let out = r.rotate(&["next", "--token-file", tok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    r.simulate_clock();

    // The state now names a victim file as the old private key.
    let victim = r.node.root.path().join("victim.key");
    std::fs::write(&victim, b"not a key of this rotation").unwrap();
    let mut s = r.state_json();
    s["old"]["private_key_host"] = serde_json::Value::String(victim.display().to_string());
    std::fs::write(&r.state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let apiserver = r.node.apiserver();
    let out = r.rotate(&[
        "next",
        "--at",
        "2100-01-01T00:00:00Z",
        "--allow-breaking-legacy-tokens",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("refusing to archive the old private key"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(&victim).unwrap(),
        b"not a key of this rotation"
    );
    assert_eq!(r.node.apiserver(), apiserver, "nothing retired");
    assert!(r.pki("sa.key").exists());
}

/// Finding 7 (state side): a `<state>.lock` symlink is refused and its target never created.
#[test]
fn a_symlinked_state_lock_is_refused() {
    let r = Rotation::start(&["--single-node"]);
    let victim = r.node.root.path().join("created-by-root");
    std::os::unix::fs::symlink(&victim, r.state.with_file_name("rotation.json.lock")).unwrap();
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(!victim.exists());
}

/// Finding 5: `keygen --force` that cannot replace NAME.pub keeps the old pair.
#[test]
fn keygen_force_that_cannot_replace_the_pub_keeps_the_old_pair() {
    let dir = tempfile::tempdir().unwrap();
    keygen(dir.path(), "sa", "ecdsa-p256");
    let old_key = std::fs::read(dir.path().join("sa.key")).unwrap();
    // NAME.pub cannot be replaced: here a directory in its place.
    std::fs::remove_file(dir.path().join("sa.pub")).unwrap();
    std::fs::create_dir(dir.path().join("sa.pub")).unwrap();
    std::fs::write(dir.path().join("sa.pub/x"), b"x").unwrap();
    let out = sakr()
        .args([
            "keygen",
            "--force",
            "-a",
            "ecdsa-p256",
            "--name",
            "sa",
            "--out-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(std::fs::read(dir.path().join("sa.key")).unwrap(), old_key);
}

/// Issue 14 item 6: `start` says how verify gets its token; `next --kubeconfig` supplies a
/// cluster at the verify stage, and without one the stage names both ways.
#[test]
fn the_verify_stage_token_is_settled_at_start_and_next_takes_a_kubeconfig() {
    let node = Node::new();
    let state = node.root.path().join("rotation.json");
    let published = node.root.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let out = start_args(&node, &state)
        .args(["--name", "sa-next", "-a", "ecdsa-p256"])
        .arg("--publish-to")
        .arg(format!("file://{}", published.display()))
        .args(["--issuer", ISSUER])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verify stage: no cluster to ask")
            && stderr(&out).contains("--token-file")
            && stderr(&out).contains("--kubeconfig"),
        "{}",
        stderr(&out)
    );
    let next = |extra: &[&str]| {
        sakr()
            .args(["rotate", "next", "--state"])
            .arg(&state)
            .args(extra)
            .output()
            .unwrap()
    };
    for _ in 0..3 {
        let out = next(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = next(&[]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("rotate next --token-file FILE")
            && stderr(&out).contains("rotate next --kubeconfig FILE"),
        "{}",
        stderr(&out)
    );
    // A cluster that signs with the new key, given at `next`.
    let pki = node.root.path().join("etc/kubernetes/pki");
    let cluster = FakeCluster::start(Spec {
        signing_key: Secret::new(std::fs::read(pki.join("sa-next.key")).unwrap()),
        apiserver_keys: vec![vec![]],
        published: None,
        service_accounts: vec![("default".into(), "default".into())],
        pods: vec![],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
        distinct_hosts: false,
    });
    let out = next(&["--kubeconfig", cluster.kubeconfig.to_str().unwrap()]);
    // The fake cluster's issuer differs from the rotation's: the token fails that check only,
    // which proves the token came from the cluster given at `next`.
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("fails verification") && err.contains(&cluster.issuer),
        "{err}"
    );
    assert!(
        cluster
            .requests()
            .iter()
            .any(|r| r.contains("serviceaccounts/default/token")),
        "{:?}",
        cluster.requests()
    );
}

/// Issue 14 items 4, 5 and 11: rehearse defaults to keygen's algorithm and prints a command
/// that reproduces it; `-o json` is one document; the kubeadm note is said once.
#[test]
fn rehearse_recommends_what_it_rehearsed_in_one_json_document() {
    let out = sakr().arg("rehearse").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("new rsa-2048 key"), "{text}");
    assert!(text.contains("--algorithm rsa-2048"), "{text}");
    // On its kubeadm manifests the rehearsal is in the kubeadm layout, says so, and says how to
    // see the other one; its note (instead of the flags layout's kubeadm hint) is said once.
    assert!(
        text.contains("\nlayout: kubeadm (these manifests use kubeadm's own"),
        "{text}"
    );
    assert!(
        text.contains("`sakr rehearse --layout flags` shows the other layout"),
        "{text}"
    );
    // The real run chooses as the rehearsal did: no --layout in the recommended command.
    assert!(!text.contains("--algorithm rsa-2048 --layout"), "{text}");
    assert_eq!(
        stderr(&out)
            .matches(sakr::rotation::run::KUBEADM_LAYOUT_NOTE)
            .count(),
        1,
        "{}",
        stderr(&out)
    );
    assert_eq!(
        stderr(&out)
            .matches(sakr::manifests::ops::KUBEADM_HINT_LEAD)
            .count(),
        0,
        "{}",
        stderr(&out)
    );
    // The printed command parses with the real command line and asks for the same algorithm.
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("sakr rotate start"))
        .unwrap();
    let words = shlex::split(&format!("{line} https://oidc.example/x")).unwrap();
    assert!(words.iter().any(|w| w == "rsa-2048"), "{words:?}");

    let out = sakr()
        .args(["-o", "json", "rehearse", "-a", "ecdsa-p384"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not one JSON document ({e}): {}", stdout(&out)));
    assert_eq!(doc["algorithm"], "ecdsa-p384");
    let stages: Vec<&str> = doc["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["publish", "trust", "switch", "verify", "retire"]);
    let checks: Vec<(String, bool)> = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["when"].as_str().unwrap().to_string(),
                c["accepted"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        checks,
        [
            ("before retire".to_string(), true),
            ("after retire".to_string(), false)
        ]
    );
    assert!(
        doc["next_commands"][0]
            .as_str()
            .unwrap()
            .contains("--algorithm ecdsa-p384")
    );
    assert!(!doc["waits"].as_array().unwrap().is_empty());
}

/// Issue 14 item 11: times in text to the second, with the time left where it matters.
#[test]
fn status_shows_times_to_the_second_and_the_time_left() {
    let r = Rotation::start(&["--single-node"]);
    for _ in 0..3 {
        assert_eq!(r.rotate(&["next"]).status.code(), Some(0));
    }
    let out = r.rotate(&["status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let generate = text.lines().find(|l| l.contains("generate")).unwrap();
    // `  generate  2026-11-30 11:39:44Z  …`: a date, a space, a time, Z; no fraction.
    let when: Vec<&str> = generate.split_whitespace().skip(1).take(2).collect();
    assert_eq!(when[0].len(), 10, "{generate}");
    assert!(
        when[1].len() == 9 && when[1].ends_with('Z') && !when[1].contains('.'),
        "{generate}"
    );
    let retire = text
        .lines()
        .find(|l| l.starts_with("earliest retire"))
        .unwrap();
    // switch + 24h10s + the max-age (0 s in these tests' publish), seconds after the switch.
    assert!(retire.contains("(in 24h00m)"), "{retire}");
}

/// Issue 13, "durations and times that overflow date arithmetic": a state whose overlap runs
/// past representable time is refused at retire (exit 1) and shown by status, never a panic.
#[test]
fn an_overlap_past_representable_time_is_refused_not_a_panic() {
    let r = Rotation::start(&["--single-node"]);
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // publish
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // trust
    assert_eq!(r.rotate(&["next"]).status.code(), Some(0)); // switch
    let tok = r.node.root.path().join("token");
    std::fs::write(&tok, mint(&r.pki("sa-next.key"))).unwrap();
    let out = r.rotate(&["next", "--token-file", tok.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut s = r.state_json();
    s["overlap_seconds"] = serde_json::json!(i64::MAX);
    std::fs::write(&r.state, serde_json::to_string_pretty(&s).unwrap()).unwrap();
    let out = r.rotate(&["next"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("runs past any representable time"),
        "{}",
        stderr(&out)
    );
    let out = r.rotate(&["status"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(r.pki("sa.pub").exists(), "nothing retired");
}
