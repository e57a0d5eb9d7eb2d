//! Real OpenSSH "nodes" on 127.0.0.1 for the ssh transport (DESIGN §5: "a real OpenSSH server
//! for the ssh transport (one filesystem view per node)"; issue 15).
//!
//! [`SshNodes::start`]`(n)` runs `scripts/test-sshd.sh start DIR n` in a fresh temp dir: `n`
//! Debian `sshd` processes on free loopback ports, each in its own mount namespace where
//! `/etc/kubernetes` is a bind mount of `DIR/nodeK/etc/kubernetes`. Everything else a node sees
//! is this machine's filesystem, so the commands on a node are this machine's (Debian coreutils,
//! util-linux). See docs/testing-nodes.md.
//!
//! - `ssh -F` [`SshNodes::ssh_config`] `nodeK` reaches node K as root, key only, with the real
//!   host keys in a private known_hosts (`StrictHostKeyChecking yes`, `BatchMode yes`). The
//!   config's `Host *` block also covers `ssh -F CFG -p PORT root@127.0.0.1` (ssh:// URLs).
//! - [`SshNodes::node_root`]`(k)` is node K's host root: node K's `/etc/kubernetes` is
//!   `node_root(k)/etc/kubernetes` on this machine (like `--host-root` / `local:///ROOT`).
//!   Seed and inspect files there. Do NOT remove or replace that `etc/kubernetes` directory
//!   itself (nor `etc`): the bind mount holds the old inode, and the node would keep seeing the
//!   deleted directory. Empty it instead ([`SshNodes::clear`]).
//! - [`SshNodes::kill`]`(k)` takes node K down: SIGKILL to its listening sshd and to every
//!   process in its namespace (open sessions too), so ssh to it is refused from then on.
//!   [`SshNodes::restart`] brings it back on the same port with the same host key.
//! - Drop stops every node (also during a panic's unwinding). A test binary killed outright
//!   (SIGKILL, timeout) cannot run Drop: the script's watcher stops the nodes within a second
//!   of this process exiting (`SAKR_SSHD_WATCH_PID`).
//!
//! Needs root and `scripts/test-sshd.sh install` (the test command runs it). Anything missing is
//! a test FAILURE naming the reason, never a silent skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::procs::repo_root;

const INSTALL_HINT: &str =
    "run `scripts/test-sshd.sh install` as root (scripts/test.sh does) before the tests";

/// The script that builds, starts and stops the nodes.
pub fn script() -> PathBuf {
    repo_root().join("scripts/test-sshd.sh")
}

/// `n` ssh nodes; stopped on drop.
pub struct SshNodes {
    dir: tempfile::TempDir,
    n: usize,
    ports: Vec<u16>,
}

impl SshNodes {
    /// Starts `n` nodes and waits until each answers `ssh -F CFG nodeK true`. Panics with the
    /// reason (script output, the node's sshd log) when one does not come up.
    pub fn start(n: usize) -> SshNodes {
        assert!(n >= 1, "SshNodes::start needs at least one node");
        // SAFETY: geteuid has no preconditions.
        let euid = unsafe { libc::geteuid() };
        assert_eq!(
            euid, 0,
            "the ssh node tests need root (mount namespaces, bind mounts, sshd as root); CI runs as root"
        );
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "/usr/sbin/sshd is not installed: {INSTALL_HINT}"
        );
        let dir = tempfile::Builder::new()
            .prefix("sakr-sshd-")
            .tempdir()
            .expect("tempdir");
        let out = run_script(&["start", &path_str(dir.path()), &n.to_string()]);
        // From here on, Drop stops whatever did start, also if a later check panics.
        let mut nodes = SshNodes {
            dir,
            n,
            ports: Vec::new(),
        };
        assert!(
            out.status.success(),
            "scripts/test-sshd.sh start failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        nodes.ports = (1..=n).map(|k| nodes.read_port(k)).collect();
        for k in 1..=n {
            nodes.wait_ready(k);
        }
        nodes
    }

    /// The temp dir holding keys, configs and node trees.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Number of nodes.
    pub fn count(&self) -> usize {
        self.n
    }

    /// `ssh -F` this: `Host node1 … nodeN` plus `Host *` defaults (key, known_hosts, BatchMode).
    pub fn ssh_config(&self) -> PathBuf {
        self.dir().join("ssh_config")
    }

    /// The value for sakr's `--ssh-command`: `ssh -F /tmp/…/ssh_config`.
    pub fn ssh_command(&self) -> String {
        format!("ssh -F {}", self.ssh_config().display())
    }

    /// The ssh config alias of node `k` (1-based): `nodeK`.
    pub fn alias(&self, k: usize) -> String {
        self.check(k);
        format!("node{k}")
    }

    /// The loopback port node `k` listens on.
    pub fn port(&self, k: usize) -> u16 {
        self.check(k);
        self.ports[k - 1]
    }

    /// `ssh://root@127.0.0.1:PORT` of node `k` (resolved through [`Self::ssh_config`]'s `Host *`).
    pub fn url(&self, k: usize) -> String {
        format!("ssh://root@127.0.0.1:{}", self.port(k))
    }

    /// Node `k`'s host root: what node `k` sees as `/etc/kubernetes` is
    /// `node_root(k)/etc/kubernetes` here. Never remove or replace that directory (see the
    /// module docs); seed and inspect files inside it.
    pub fn node_root(&self, k: usize) -> PathBuf {
        self.check(k);
        self.dir().join(format!("node{k}"))
    }

    /// `node_root(k)/etc/kubernetes`: node `k`'s `/etc/kubernetes`.
    pub fn kube_dir(&self, k: usize) -> PathBuf {
        self.node_root(k).join("etc/kubernetes")
    }

    /// Empties node `k`'s `/etc/kubernetes` (keeping the directory, hence the bind mount).
    pub fn clear(&self, k: usize) {
        let kube = self.kube_dir(k);
        for e in std::fs::read_dir(&kube).expect("read kube dir") {
            let p = e.expect("dir entry").path();
            if p.is_dir() && !p.is_symlink() {
                std::fs::remove_dir_all(&p).expect("remove dir");
            } else {
                std::fs::remove_file(&p).expect("remove file");
            }
        }
    }

    /// `ssh -F CFG nodeK -- CMD`: CMD runs under root's login shell on the node.
    pub fn ssh(&self, k: usize, cmd: &str) -> Output {
        self.ssh_cmd(k)
            .arg(cmd)
            .stdin(Stdio::null())
            .output()
            .expect("run ssh")
    }

    /// Like [`Self::ssh`], but asserts success and returns stdout.
    pub fn ssh_ok(&self, k: usize, cmd: &str) -> String {
        let out = self.ssh(k, cmd);
        assert!(
            out.status.success(),
            "ssh node{k} {cmd:?} failed ({}):\nstdout: {}\nstderr: {}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// A `Command` for `ssh -F CFG nodeK`, to add the remote command (and stdin) to.
    pub fn ssh_cmd(&self, k: usize) -> Command {
        let mut c = Command::new("ssh");
        c.arg("-F")
            .arg(self.ssh_config())
            .arg(self.alias(k))
            .arg("--");
        c
    }

    /// The pid of node `k`'s listening sshd, if it is up.
    pub fn pid(&self, k: usize) -> Option<u32> {
        let text = std::fs::read_to_string(self.node_root(k).join("sshd.pid")).ok()?;
        let pid: u32 = text.trim().parse().ok()?;
        Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
    }

    /// Node `k`'s sshd log (for failure messages).
    pub fn log(&self, k: usize) -> String {
        std::fs::read_to_string(self.node_root(k).join("sshd.log")).unwrap_or_default()
    }

    /// Takes node `k` down: its listening sshd and every process in its mount namespace
    /// (open sessions included) get SIGKILL. New connections are refused afterwards.
    pub fn kill(&self, k: usize) {
        self.check(k);
        let out = run_script(&["kill", &path_str(self.dir()), &k.to_string()]);
        assert!(
            out.status.success(),
            "scripts/test-sshd.sh kill node{k} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Brings node `k` back (after [`Self::kill`], or restarts a running one): same port, same
    /// host key, same `/etc/kubernetes` tree. Waits until it answers.
    pub fn restart(&self, k: usize) {
        self.check(k);
        let out = run_script(&["start-node", &path_str(self.dir()), &k.to_string()]);
        assert!(
            out.status.success(),
            "scripts/test-sshd.sh start-node node{k} failed:\n{}{}\nsshd log:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            self.log(k)
        );
        self.wait_ready(k);
    }

    fn check(&self, k: usize) {
        assert!(
            (1..=self.n).contains(&k),
            "node{k}: there are nodes 1 to {}",
            self.n
        );
    }

    fn read_port(&self, k: usize) -> u16 {
        let p = self.node_root(k).join("port");
        let text = std::fs::read_to_string(&p)
            .unwrap_or_else(|e| panic!("{}: {e} (node{k} did not start?)", p.display()));
        text.trim()
            .parse()
            .unwrap_or_else(|e| panic!("{}: {e}: {text:?}", p.display()))
    }

    /// `ssh nodeK true` until it succeeds (the script already waited for the listening socket;
    /// this proves key login, host key and the shell).
    fn wait_ready(&self, k: usize) {
        let start = Instant::now();
        let limit = Duration::from_secs(30);
        loop {
            let out = self.ssh(k, "true");
            if out.status.success() {
                return;
            }
            if start.elapsed() > limit {
                panic!(
                    "node{k} does not answer `ssh -F {} node{k} true` after {limit:?}: {}\nsshd log:\n{}",
                    self.ssh_config().display(),
                    String::from_utf8_lossy(&out.stderr),
                    self.log(k)
                );
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for SshNodes {
    fn drop(&mut self) {
        let out = run_script(&["stop", &path_str(self.dir())]);
        if !out.status.success() {
            eprintln!(
                "scripts/test-sshd.sh stop {} failed: {}",
                self.dir().display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn path_str(p: &Path) -> String {
    p.to_str().expect("utf-8 temp path").to_owned()
}

fn run_script(args: &[&str]) -> Output {
    Command::new("bash")
        .arg(script())
        .args(args)
        .env("SAKR_SSHD_WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("run {}: {e}", script().display()))
}
