//! The ssh node harness itself (tests/cli/servers/sshd.rs, scripts/test-sshd.sh): three real
//! OpenSSH servers on 127.0.0.1, each seeing its own `/etc/kubernetes`; a node taken down and
//! brought back; and the node-side commands an atomic write over ssh is built from (dot-temp in
//! the same directory, fsync, rename, directory fsync), watched with inotify.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::servers::sshd::SshNodes;

const APISERVER: &str = "/etc/kubernetes/manifests/kube-apiserver.yaml";

fn seed(nodes: &SshNodes, k: usize, text: &str) {
    let m = nodes.kube_dir(k).join("manifests");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::write(m.join("kube-apiserver.yaml"), text).unwrap();
}

fn manifest_text(k: usize) -> String {
    format!("apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-node{k}\n")
}

#[test]
fn sshd_three_nodes_each_see_their_own_etc_kubernetes() {
    let t0 = Instant::now();
    let nodes = SshNodes::start(3);
    eprintln!("3 ssh nodes up in {:?}", t0.elapsed());
    for k in 1..=3 {
        seed(&nodes, k, &manifest_text(k));
    }

    // Each node reads its own manifest, by alias and by ssh:// style host and port.
    for k in 1..=3 {
        assert_eq!(
            nodes.ssh_ok(k, &format!("cat {APISERVER}")),
            manifest_text(k)
        );
        let out = Command::new("ssh")
            .arg("-F")
            .arg(nodes.ssh_config())
            .args(["-p", &nodes.port(k).to_string(), "root@127.0.0.1", "--"])
            .arg(format!("cat {APISERVER}"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(String::from_utf8(out.stdout).unwrap(), manifest_text(k));
    }

    // A write through node 2 lands in node 2's tree only, and not on this machine's /etc.
    let probe = "sakr-sshd-probe";
    nodes.ssh_ok(2, &format!("sh -c 'printf x > /etc/kubernetes/{probe}'"));
    assert_eq!(std::fs::read(nodes.kube_dir(2).join(probe)).unwrap(), b"x");
    for k in [1, 3] {
        assert!(
            !nodes.kube_dir(k).join(probe).exists(),
            "node{k} got node2's write"
        );
        assert!(
            nodes
                .ssh(k, &format!("test -e /etc/kubernetes/{probe}"))
                .status
                .code()
                == Some(1)
        );
    }
    assert!(
        !Path::new("/etc/kubernetes").join(probe).exists(),
        "the host's /etc/kubernetes was written"
    );

    // Node 2 goes away with a session open: the session dies, new connections are refused,
    // nodes 1 and 3 carry on.
    let mut open = nodes
        .ssh_cmd(2)
        .arg("echo ready; exec sleep 60")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    BufReader::new(open.stdout.take().unwrap())
        .read_line(&mut ready)
        .unwrap();
    assert_eq!(ready, "ready\n");
    assert!(nodes.pid(2).is_some());
    nodes.kill(2);
    assert_eq!(nodes.pid(2), None, "node2's sshd still up after kill(2)");
    let waited = Instant::now();
    let status = loop {
        if let Some(s) = open.try_wait().unwrap() {
            break s;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the open session outlived kill(2)"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "a session on a killed node must fail");
    let out = nodes.ssh(2, "true");
    assert_eq!(
        out.status.code(),
        Some(255),
        "ssh to a killed node: {out:?}"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Connection refused"), "{err}");
    for k in [1, 3] {
        assert_eq!(
            nodes.ssh_ok(k, &format!("cat {APISERVER}")),
            manifest_text(k)
        );
    }

    // Back on the same port, host key and tree.
    nodes.restart(2);
    assert_eq!(
        nodes.ssh_ok(2, &format!("cat /etc/kubernetes/{probe}")),
        "x"
    );
    assert_eq!(
        nodes.ssh_ok(2, &format!("cat {APISERVER}")),
        manifest_text(2)
    );

    // Drop stops everything: no sshd of this run is left.
    let dir = nodes.dir().to_owned();
    let pids: Vec<u32> = (1..=3).filter_map(|k| nodes.pid(k)).collect();
    assert_eq!(pids.len(), 3);
    drop(nodes);
    for pid in pids {
        let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        assert!(
            !String::from_utf8_lossy(&cmdline).contains(dir.to_str().unwrap()),
            "sshd {pid} of {} survived Drop",
            dir.display()
        );
    }
}

/// The commands an atomic write over ssh is built from, as the node has them (this machine's
/// Debian coreutils / util-linux: the nodes share everything but /etc/kubernetes).
#[test]
fn sshd_node_has_the_atomic_write_building_blocks() {
    let nodes = SshNodes::start(1);
    seed(&nodes, 1, &manifest_text(1));
    let m = nodes.kube_dir(1).join("manifests");
    let f = m.join("kube-apiserver.yaml");
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o640)).unwrap();
    std::os::unix::fs::chown(&f, Some(1234), Some(5678)).unwrap();

    let have = nodes.ssh_ok(
        1,
        "for c in sync mv stat mktemp flock sha256sum base64 head timeout chmod chown cat; do \
         command -v $c >/dev/null && echo $c; done",
    );
    assert_eq!(
        have.split_whitespace().collect::<Vec<_>>(),
        [
            "sync",
            "mv",
            "stat",
            "mktemp",
            "flock",
            "sha256sum",
            "base64",
            "head",
            "timeout",
            "chmod",
            "chown",
            "cat"
        ]
    );
    assert_eq!(
        nodes.ssh_ok(1, &format!("stat -c '%a %u %g %s %F' {APISERVER}")),
        format!("640 1234 5678 {} regular file\n", manifest_text(1).len())
    );
    // sync FILE = fsync(2), sync -d FILE = fdatasync(2), sync DIR = fsync(2) of the directory.
    nodes.ssh_ok(
        1,
        &format!("sync {APISERVER} && sync -d {APISERVER} && sync /etc/kubernetes/manifests"),
    );
    assert_eq!(nodes.ssh_ok(1, "umask 077 && umask"), "0077\n");
    assert_eq!(
        nodes.ssh_ok(1, &format!("head -c 10 {APISERVER}")),
        "apiVersion"
    );
    assert_eq!(nodes.ssh_ok(1, "printf 'aGVsbG8=' | base64 -d"), "hello");
    assert_eq!(
        nodes.ssh_ok(1, "printf hello | sha256sum"),
        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824  -\n"
    );
    let out = nodes.ssh(1, "timeout 1 sleep 5");
    assert_eq!(out.status.code(), Some(124), "timeout kills at the limit");
    // flock: a second holder fails with -n while the first holds the lock.
    assert_eq!(
        nodes.ssh_ok(
            1,
            "mkdir -p /etc/kubernetes/tmp && cd /etc/kubernetes/tmp && \
             flock .sakr.lock sh -c 'flock -n .sakr.lock true && echo free || echo held'"
        ),
        "held\n"
    );
    // mktemp makes 0600 files (a private key is 0600 from creation).
    let t = nodes.ssh_ok(
        1,
        "umask 022; mktemp /etc/kubernetes/manifests/.sakr-XXXXXX",
    );
    let t = t.trim();
    assert!(t.starts_with("/etc/kubernetes/manifests/.sakr-"), "{t}");
    assert_eq!(
        nodes.ssh_ok(1, &format!("stat -c %a {t} && rm -f {t}")),
        "600\n"
    );

    // The whole atomic write, as one session, with inotify watching the manifests directory:
    // only a dot-file is ever created there; the target appears by rename; owner and mode kept.
    let mut watch = Command::new("inotifywait")
        .args([
            "-m",
            "-e",
            "create,moved_to,moved_from,close_write,delete",
            "--format",
            "%e %f",
        ])
        .arg(&m)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("inotifywait (scripts/test-sshd.sh install installs inotify-tools)");
    let mut err = BufReader::new(watch.stderr.take().unwrap());
    let mut line = String::new();
    while !line.contains("Watches established") {
        line.clear();
        assert!(
            err.read_line(&mut line).unwrap() > 0,
            "inotifywait ended: {line}"
        );
    }
    let new = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-new\n";
    let script = format!(
        r#"set -eu
umask 077
f={APISERVER}
d=${{f%/*}}
t=$(mktemp "$d/.sakr-XXXXXX")
trap 'rm -f "$t"' EXIT
base64 -d > "$t"
chown --reference="$f" "$t"
chmod --reference="$f" "$t"
sync "$t"
mv -fT "$t" "$f"
trap - EXIT
sync "$d"
sha256sum "$f"
"#
    );
    let mut child = nodes
        .ssh_cmd(1)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use base64::Engine as _;
    let encoded = base64::engine::general_purpose::STANDARD.encode(new);
    child
        .stdin
        .take()
        .unwrap()
        .write_all(encoded.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), new);
    let md = std::fs::metadata(&f).unwrap();
    assert_eq!(
        (md.mode() & 0o7777, md.uid(), md.gid()),
        (0o640, 1234, 5678)
    );
    // Let inotify deliver, then stop it and read its events.
    std::thread::sleep(Duration::from_millis(300));
    watch.kill().unwrap();
    let mut events = String::new();
    watch
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut events)
        .unwrap();
    watch.wait().unwrap();
    let events: Vec<&str> = events.lines().collect();
    for e in &events {
        let (kind, name) = e.split_once(' ').unwrap();
        if kind.contains("CREATE") {
            assert!(
                name.starts_with('.'),
                "non-dot file created in manifests: {events:?}"
            );
        }
    }
    assert!(
        events.contains(&"MOVED_TO kube-apiserver.yaml"),
        "{events:?}"
    );
    assert!(
        events.iter().any(|e| e.starts_with("CREATE .sakr-")),
        "{events:?}"
    );
    let listing: Vec<_> = std::fs::read_dir(&m)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(listing, ["kube-apiserver.yaml"], "temp file left behind");
}
