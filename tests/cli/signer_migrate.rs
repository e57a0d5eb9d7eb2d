//! From key files to `sakr signer` (issue 20, items 4 and 5), on a real OpenSSH node with
//! kubeadm's files: `sakr signer migrate` run on the node writes the key set, the signer's static
//! pod and, once the signer (started from that static pod's own command line, as the kubelet
//! would) listens, kube-apiserver's flags. The test apiserver restarts from the migrated
//! manifest as an apiserver with an external signer, and signs with the key it signed with
//! before. Then `jwks`, `publish` and `drift` take the key set from the running signer
//! (`--from-signer`).

use std::path::Path;
use std::time::{Duration, Instant};

use crate::fake_apiserver::{FakeCluster, Spec};
use crate::manifest_nodes::{keys, seed_kube};
use crate::servers::sshd::SshNodes;
use crate::support::*;

const SOCKET: &str = "/etc/kubernetes/pki/sakr-signer/signer.sock";

/// The `command:` items of the signer's static pod, unquoted.
fn pod_command(pod: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut inside = false;
    for line in pod.lines() {
        if line.trim() == "command:" {
            inside = true;
            continue;
        }
        if inside {
            match line.trim().strip_prefix("- ") {
                Some(item) if line.starts_with("    - ") => {
                    out.push(item.trim_matches('"').to_string())
                }
                _ => break,
            }
        }
    }
    out
}

#[test]
fn migrate_moves_a_node_to_the_signer_without_changing_its_signing_key() {
    let pair = keys();
    let nodes = SshNodes::start(1);
    let kube = nodes.kube_dir(1);
    seed_kube(&kube, pair.path());
    // An apiserver with the external signer on by default (beta from 1.34).
    let manifest = kube.join("manifests/kube-apiserver.yaml");
    let text = std::fs::read_to_string(&manifest)
        .unwrap()
        .replace("kube-apiserver:v1.31.2", "kube-apiserver:v1.34.2");
    std::fs::write(&manifest, &text).unwrap();
    // sa.pub also trusts a previous key (sa-new stands in for it): it must keep verifying.
    let mut bundle = std::fs::read_to_string(kube.join("pki/sa.pub")).unwrap();
    bundle.push_str(&std::fs::read_to_string(kube.join("pki/sa-new.pub")).unwrap());
    std::fs::write(kube.join("pki/sa.pub"), bundle).unwrap();
    let kid = |f: &str| {
        openssl_kid(
            &format!("openssl pkey -pubin -in {}", pair.path().join(f).display()),
            Path::new("/"),
        )
    };
    let (current, previous) = (kid("sa.pub"), kid("sa-new.pub"));
    let cluster = FakeCluster::start(Spec::signing_with(
        &pair.path().join("sa.key"),
        &[("default", "default")],
    ));
    cluster.watch_manifest(
        0,
        &manifest,
        &nodes.node_root(1),
        Duration::from_millis(500),
    );
    assert_eq!(cluster.signing_kid(0), current);

    // The migration, on the node, as an operator runs it there.
    let sakr_bin = assert_cmd::cargo::cargo_bin("sakr");
    let migrate = format!(
        "{} signer migrate --manifests-dir /etc/kubernetes/manifests --image sakr:test --refresh-hint 1s --wait 30s --backup-dir /etc/kubernetes/tmp/backup",
        sakr_bin.display()
    );
    let running = nodes
        .ssh_cmd(1)
        .arg(&migrate)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The kubelet's part: start the static pod once it appears (its command, in the node).
    let pod_path = kube.join("manifests/sakr-signer.yaml");
    let t = Instant::now();
    while !pod_path.exists() {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "no static pod written"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(100));
    let pod = std::fs::read_to_string(&pod_path).unwrap();
    let command = pod_command(&pod);
    assert_eq!(command[..3], ["sakr", "signer", "serve"], "{pod}");
    assert!(command.contains(&format!("--socket={SOCKET}")), "{pod}");
    assert_eq!(
        std::fs::read_to_string(&manifest).unwrap(),
        text,
        "kube-apiserver is not edited before the signer listens"
    );
    let signer = nodes
        .ssh_cmd(1)
        .arg(format!(
            "echo $$ > /etc/kubernetes/signer.pid; exec {} {}",
            sakr_bin.display(),
            command[1..].join(" ")
        ))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // The signer (pid file on the node) and its ssh session go when the test ends.
    struct Kill(std::path::PathBuf, std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            if let Ok(pid) = std::fs::read_to_string(&self.0) {
                let _ = std::process::Command::new("kill").arg(pid.trim()).status();
            }
            let _ = self.1.kill();
            let _ = self.1.wait();
        }
    }
    let _kill = Kill(kube.join("signer.pid"), signer);
    let out = running.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "migrate: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    // The key set: the signing key active, the previous key verification-only, excluded.
    let set: serde_json::Value =
        serde_json::from_slice(&std::fs::read(kube.join("sakr/signer.json")).unwrap()).unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 2, "{set}");
    assert_eq!(keys[0]["backend"], "file");
    assert_eq!(keys[0]["active"], true);
    assert_eq!(keys[1]["backend"], "public");
    assert_eq!(keys[1]["exclude_from_discovery"], true);
    use std::os::unix::fs::PermissionsExt as _;
    let key_host = nodes
        .node_root(1)
        .join(keys[0]["path"].as_str().unwrap().trim_start_matches('/'));
    assert_eq!(
        std::fs::metadata(&key_host).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::read(&key_host).unwrap(),
        std::fs::read(pair.path().join("sa.key")).unwrap()
    );

    // kube-apiserver: endpoint in, key-file flags out; the test apiserver restarted onto the
    // signer and signs with the same key; the previous key still verifies (FetchKeys), but is
    // not published.
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(&format!("--service-account-signing-endpoint={SOCKET}")));
    assert!(!text.contains("--service-account-key-file"));
    assert!(!text.contains("--service-account-signing-key-file"));
    let t = Instant::now();
    while cluster.restarts(0) == 0 {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "the apiserver never came back"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(cluster.signing_kid(0), current);
    let socket_host = nodes.node_root(1).join(SOCKET.trim_start_matches('/'));
    let fetched =
        sakr::signer::client::fetch_keys_blocking(&socket_host, Duration::from_secs(5)).unwrap();
    let seen: Vec<(String, bool)> = fetched
        .keys
        .iter()
        .map(|k| (k.kid.clone(), k.excluded))
        .collect();
    assert_eq!(
        seen,
        vec![(current.clone(), false), (previous.clone(), true)]
    );

    // Run again: nothing changes.
    let before: Vec<Vec<u8>> = [
        manifest.clone(),
        kube.join("sakr/signer.json"),
        pod_path.clone(),
    ]
    .iter()
    .map(|p| std::fs::read(p).unwrap())
    .collect();
    let again = nodes.ssh(1, &migrate);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let after: Vec<Vec<u8>> = [manifest.clone(), kube.join("sakr/signer.json"), pod_path]
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    assert_eq!(before, after, "a second migrate changes nothing");

    // --from-signer: the JWKS a relying party gets is the discoverable key alone.
    let url = format!("unix://{}", socket_host.display());
    let out = sakr()
        .args(["jwks", "--from-signer", &url])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let jwks: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, vec![current.as_str()]);
    assert!(
        stderr(&out).contains("excludes 1 of its 2 key(s)"),
        "{}",
        stderr(&out)
    );
    // Byte-identical to the JWKS of the same key from its file.
    let from_file = sakr()
        .args(["jwks", "--key"])
        .arg(pair.path().join("sa.pub"))
        .output()
        .unwrap();
    assert_eq!(stdout(&out), stdout(&from_file));
    let dir = tempfile::tempdir().unwrap();
    let out = sakr()
        .args(["publish", "--from-signer", &url])
        .args(["--issuer", "https://kubernetes.default.svc.cluster.local"])
        .arg("--to")
        .arg(format!("file://{}", dir.path().display()))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    // drift: the signer's published key is the apiserver's and the local one; the excluded one
    // is left out of the comparison, with a note. (This test apiserver's issuer URL needs
    // credentials, so the public column is unread and drift exits 1 for that alone.)
    let out = sakr()
        .args(["drift", "--issuer", &cluster.issuer, "--kubeconfig"])
        .arg(&cluster.kubeconfig)
        .arg("--ca")
        .arg(&cluster.ca_file)
        .args(["--from-signer", &url])
        .output()
        .unwrap();
    let table = stdout(&out);
    let row = table
        .lines()
        .find(|l| l.starts_with(&current))
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(
        row[1..],
        ["yes", "?", "yes"],
        "apiserver, public, local: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        !stderr(&out).contains("trusted by no apiserver"),
        "{}",
        stderr(&out)
    );
    assert!(!stdout(&out).contains(&previous), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("excludes 1 of its 2 key(s)"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("openid/v1/jwks")).unwrap(),
        stdout(&from_file).trim_end(),
        "the published JWKS is the one of the key file, byte for byte"
    );
}

#[test]
fn from_signer_without_a_signer_is_bad_input_naming_the_socket() {
    let dir = tempfile::tempdir().unwrap();
    let sock = dir.path().join("none.sock");
    let out = sakr()
        .args(["jwks", "--from-signer"])
        .arg(format!("unix://{}", sock.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&sock.display().to_string()),
        "{}",
        stderr(&out)
    );
    let out = sakr()
        .args(["jwks", "--from-signer", "relative.sock"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("unix:///ABSOLUTE/PATH"),
        "{}",
        stderr(&out)
    );
}

/// Versions without the external signer, or without its feature gate: refused (exit 1),
/// naming the manifest and what to do, with nothing written.
#[test]
fn migrate_refuses_an_apiserver_that_cannot_use_a_signer() {
    let pair = keys();
    for (image, gate, want) in [
        ("v1.31.2", "", "has no external signer"),
        (
            "v1.33.4",
            "",
            "needs --feature-gates=ExternalServiceAccountTokenSigner=true",
        ),
    ] {
        let root = tempfile::tempdir().unwrap();
        let kube = root.path().join("etc/kubernetes");
        seed_kube(&kube, pair.path());
        let manifest = kube.join("manifests/kube-apiserver.yaml");
        let text = std::fs::read_to_string(&manifest).unwrap().replace(
            "kube-apiserver:v1.31.2",
            &format!("kube-apiserver:{image}{gate}"),
        );
        std::fs::write(&manifest, &text).unwrap();
        let out = sakr()
            .args(["signer", "migrate", "--wait", "1s"])
            .arg("--manifests-dir")
            .arg(kube.join("manifests"))
            .arg("--host-root")
            .arg(root.path())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{image}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(want) && stderr(&out).contains("kube-apiserver.yaml"),
            "{image}: {}",
            stderr(&out)
        );
        assert_eq!(std::fs::read_to_string(&manifest).unwrap(), text);
        assert!(!kube.join("sakr").exists(), "{image}: nothing written");
        assert!(!kube.join("manifests/sakr-signer.yaml").exists());
    }
}
