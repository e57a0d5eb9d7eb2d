//! The ssh node transport (`sakr::node::ssh`, issue 15) against real OpenSSH nodes
//! (`servers::sshd`: one sshd per node, each in its own mount namespace with its own
//! `/etc/kubernetes`): byte-exact atomic writes that keep owner and mode, one ssh session per
//! node for any number of operations, no non-dot file ever created in a manifests directory
//! (watched with inotify), and a node that goes away is an error naming it while the other
//! nodes carry on.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use sakr::node::ssh::{SshOptions, node};
use sakr::node::{Kind, Node, NodeError, WriteOptions};

use crate::servers::sshd::SshNodes;
use crate::support::*;

const APISERVER: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";

fn opts(nodes: &SshNodes) -> SshOptions {
    SshOptions {
        command: SshOptions::parse_command(&nodes.ssh_command()).unwrap(),
        ..SshOptions::default()
    }
}

fn seed(nodes: &SshNodes, k: usize) -> std::path::PathBuf {
    let m = nodes.kube_dir(k).join("manifests");
    std::fs::create_dir_all(&m).unwrap();
    let f = m.join("kube-apiserver.yaml");
    std::fs::copy(fixture("manifests/kube-apiserver.yaml"), &f).unwrap();
    std::os::unix::fs::chown(&f, Some(0), Some(0)).unwrap();
    std::fs::set_permissions(&f, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    f
}

/// inotify on a directory: every create / moved_to event's file name, once stopped.
pub struct Watch(std::process::Child);

impl Watch {
    pub fn start(dir: &Path) -> Watch {
        let mut c = Command::new("inotifywait")
            .args(["-m", "-e", "create,moved_to", "--format", "%e %f"])
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("inotifywait (scripts/test-sshd.sh install installs inotify-tools)");
        let mut err = BufReader::new(c.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains("Watches established") {
            line.clear();
            assert!(err.read_line(&mut line).unwrap() > 0, "inotifywait: {line}");
        }
        Watch(c)
    }

    pub fn stop(mut self) -> Vec<(String, String)> {
        std::thread::sleep(Duration::from_millis(300));
        self.0.kill().unwrap();
        let out = self.0.wait_with_output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(e, f)| (e.to_string(), f.to_string()))
            .collect()
    }
}

#[test]
fn ssh_nodes_write_atomically_in_one_session_each() {
    let nodes = SshNodes::start(3);
    let o = opts(&nodes);
    let mut handles: Vec<_> = (1..=3)
        .map(|k| node(&format!("cp-{k}"), None, &nodes.alias(k), None, &o))
        .collect();
    for k in 1..=3 {
        seed(&nodes, k);
    }
    let watch = Watch::start(&nodes.kube_dir(2).join("manifests"));
    for (i, n) in handles.iter_mut().enumerate() {
        let k = i + 1;
        // Read everything a manifest edit needs, then write: one session.
        let names: Vec<_> = n
            .list(Path::new("/etc/kubernetes/manifests"))
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.kind))
            .collect();
        assert_eq!(names, [("kube-apiserver.yaml".to_string(), Kind::File)]);
        let old = n.read(Path::new(APISERVER), 1 << 20).unwrap().unwrap();
        assert_eq!(
            old,
            std::fs::read(fixture("manifests/kube-apiserver.yaml")).unwrap()
        );
        let new = format!("{}# edited on node {k}\n", String::from_utf8(old).unwrap());
        n.write_atomic(
            Path::new(APISERVER),
            new.as_bytes(),
            WriteOptions::mode(0o600).keep_mode_and_owner(),
        )
        .unwrap();
        // A private key: 0600, never replacing an existing file.
        n.mkdir_all(Path::new("/etc/kubernetes/pki"), 0o755)
            .unwrap();
        n.write_atomic(
            Path::new("/etc/kubernetes/pki/sa-new.key"),
            b"-----BEGIN EC PRIVATE KEY-----\n",
            WriteOptions::mode(0o600).no_clobber(true),
        )
        .unwrap();
        assert!(matches!(
            n.write_atomic(
                Path::new("/etc/kubernetes/pki/sa-new.key"),
                b"other",
                WriteOptions::mode(0o600).no_clobber(true)
            ),
            Err(NodeError::Exists { .. })
        ));
        assert_eq!(n.sessions(), 1, "node {k}: one ssh process for everything");
        // Byte-exact on that node only, owner and mode kept.
        let f = nodes.kube_dir(k).join("manifests/kube-apiserver.yaml");
        assert_eq!(std::fs::read_to_string(&f).unwrap(), new);
        let md = std::fs::metadata(&f).unwrap();
        assert_eq!((md.mode() & 0o7777, md.uid(), md.gid()), (0o600, 0, 0));
        let key = std::fs::metadata(nodes.kube_dir(k).join("pki/sa-new.key")).unwrap();
        assert_eq!(key.mode() & 0o7777, 0o600);
    }
    // Node 2's manifests directory only ever saw a dot-file created; the manifest arrived by
    // rename.
    let events = watch.stop();
    assert!(!events.is_empty());
    for (event, name) in &events {
        match event.as_str() {
            "CREATE" => assert!(name.starts_with('.'), "{event} {name}: {events:?}"),
            "MOVED_TO" => assert_eq!(name, "kube-apiserver.yaml", "{events:?}"),
            other => panic!("unexpected event {other} {name}"),
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(nodes.kube_dir(2).join("manifests"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(leftovers, ["kube-apiserver.yaml"]);
}

#[test]
fn a_node_that_goes_away_is_an_error_naming_it_and_the_others_carry_on() {
    let nodes = SshNodes::start(3);
    let o = opts(&nodes);
    for k in 1..=3 {
        seed(&nodes, k);
    }
    let mut n1 = node("cp-1", None, &nodes.alias(1), None, &o);
    let mut n2 = node("cp-2", None, &nodes.alias(2), None, &o);
    let mut n3 = node("cp-3", None, &nodes.alias(3), None, &o);
    assert!(n2.read(Path::new(APISERVER), 1 << 20).unwrap().is_some());
    nodes.kill(2);
    let before = std::fs::read(nodes.kube_dir(2).join("manifests/kube-apiserver.yaml")).unwrap();
    let e = n2
        .write_atomic(Path::new(APISERVER), b"new", WriteOptions::mode(0o600))
        .unwrap_err();
    assert!(e.is_unreachable(), "{e}");
    assert!(e.to_string().contains("cp-2"), "{e}");
    assert_eq!(
        std::fs::read(nodes.kube_dir(2).join("manifests/kube-apiserver.yaml")).unwrap(),
        before,
        "old content on the node that went away"
    );
    for n in [&mut n1, &mut n3] {
        n.write_atomic(
            Path::new(APISERVER),
            b"new",
            WriteOptions::mode(0o600).keep_mode_and_owner(),
        )
        .unwrap();
    }
    // A fresh session to a node that is down: ssh's own reason is in the error.
    let mut again = node("cp-2", None, &nodes.alias(2), None, &o);
    let e = again.stat(Path::new(APISERVER)).unwrap_err().to_string();
    assert!(e.contains("cp-2") && e.contains("refused"), "{e}");
}
