//! A control-plane node's files through one interface (DESIGN §4, §7; issue 15).
//!
//! Everything sakr does to a node's files — read a manifest or a key file, stat, list the
//! manifests directory, write atomically, create the backup directory, archive — goes through
//! [`Node`]. Three transports implement it:
//!
//! - [`local::LocalNode`]: this machine (`--host-root` maps the node's `/` to a directory);
//! - [`shell::ShellNode`] over [`ssh`]: the system OpenSSH client, so `~/.ssh/config`, the agent,
//!   ProxyJump and known_hosts apply as the operator set them up;
//! - [`shell::ShellNode`] over [`pod`]: a short-lived pod per node through the Kubernetes API
//!   (`/etc/kubernetes` its only hostPath), speaking the same shell protocol over exec.
//!
//! The guarantees of the local writer hold on every transport: a dot-prefixed temp file in the
//! target's own directory, fsync, rename, directory fsync; owner and mode kept where asked;
//! private keys 0600 from creation; so a run killed at any point leaves every file with its old
//! or its new content and never a non-dot file in a manifests directory.
//!
//! Paths given to a [`Node`] are the node's own absolute paths (`/etc/kubernetes/pki/sa.key`).

pub mod local;
pub mod pod;
pub mod select;
pub mod shell;
pub mod ssh;

use std::path::{Path, PathBuf};

pub use crate::fsutil::WriteOptions;

/// What kind of file a path is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// The facts sakr needs about a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    pub kind: Kind,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
}

/// One directory entry: its name, its own kind, and the kind of what it points to (symlinks
/// followed, as the kubelet follows them; `None` for a dangling link or a loop).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The name, lossily decoded when it is not UTF-8 (such a name cannot be one of ours, but
    /// the kubelet would still load it, so it is reported).
    pub name: String,
    /// The name exactly as the directory holds it (for opening it).
    pub os_name: std::ffi::OsString,
    pub kind: Kind,
    pub target: Option<Kind>,
}

/// Why a node operation failed. Every variant names the node and, where there is one, the path.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    #[error("{}{}: {detail}", at(node), path.display())]
    Io {
        node: String,
        path: PathBuf,
        detail: String,
    },
    #[error("{}{} is {size} bytes, over the {max}-byte limit", at(node), path.display())]
    TooLarge {
        node: String,
        path: PathBuf,
        size: u64,
        max: u64,
    },
    #[error("{}{} is not a regular file", at(node), path.display())]
    NotAFile { node: String, path: PathBuf },
    #[error("{}{} already exists", at(node), path.display())]
    Exists { node: String, path: PathBuf },
    #[error("{}{}: symbolic link loop (or too many levels of links)", at(node), path.display())]
    Loop { node: String, path: PathBuf },
    #[error("{}unreachable: {detail}", at(node))]
    Unreachable { node: String, detail: String },
    #[error("{}{} cannot be used as a node path: {why}", at(node), path.display())]
    BadPath {
        node: String,
        path: PathBuf,
        why: &'static str,
    },
}

/// `node NAME: ` before a message, or nothing for the implicit local node (named "").
fn at(node: &str) -> String {
    if node.is_empty() {
        String::new()
    } else {
        format!("node {node}: ")
    }
}

impl NodeError {
    pub fn is_unreachable(&self) -> bool {
        matches!(self, NodeError::Unreachable { .. })
    }
}

/// A node's files. Methods take `&mut self`: a remote node is one session, used in order.
pub trait Node: Send {
    /// The node's name (`--node NAME`), for messages and reports.
    fn name(&self) -> &str;

    /// How it is reached, for people: `local`, `ssh://root@cp-1`, `pod on cp-1`.
    fn describe(&self) -> String;

    /// The whole file, if it exists; refused when it is not a regular file (after following
    /// symlinks) or is over `max` bytes. Never blocks on a FIFO.
    fn read(&mut self, path: &Path, max: u64) -> Result<Option<Vec<u8>>, NodeError>;

    /// Facts about `path`, following symlinks; `None` when it does not exist.
    fn stat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError>;

    /// Facts about `path` itself (a symlink is [`Kind::Symlink`]); `None` when it does not exist.
    fn lstat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError>;

    /// The entries of a directory (without `.` and `..`), sorted by name.
    fn list(&mut self, dir: &Path) -> Result<Vec<Entry>, NodeError>;

    /// Replace or create `path` atomically (DESIGN §2.7): dot-prefixed temp file in the same
    /// directory, created 0600, fsync, rename, directory fsync. `opts.no_clobber` fails with
    /// [`NodeError::Exists`] when the target exists (race-free).
    fn write_atomic(
        &mut self,
        path: &Path,
        bytes: &[u8],
        opts: WriteOptions,
    ) -> Result<(), NodeError>;

    /// Create `dir` and its missing parents with `mode` (existing ones are left as they are).
    fn mkdir_all(&mut self, dir: &Path, mode: u32) -> Result<(), NodeError>;

    /// `path` with every symbolic link resolved; the part below the longest existing ancestor
    /// is appended as given (a directory about to be created is compared by its real place).
    fn canonical(&mut self, path: &Path) -> Result<PathBuf, NodeError>;

    /// Remove a file (not a directory), then fsync its directory. Removing a file that does not
    /// exist is not an error (idempotent).
    fn remove_file(&mut self, path: &Path) -> Result<(), NodeError>;

    /// Transport sessions opened so far (ssh processes, exec calls): the cost a benchmark
    /// counts.
    fn sessions(&self) -> u32;
}

/// How the selected nodes are reached: ssh options always, and a cluster connection when a
/// node is reached by a pod.
pub struct Transports {
    pub ssh: ssh::SshOptions,
    pub pod: Option<pod::PodOptions>,
}

/// The [`Node`] that reaches `spec`; a `local:///…` node has its `/` at `local_root` (the
/// caller decides: its tree's root, or `/` with the tree as the manifests' host root).
pub fn node_for(
    spec: &select::NodeSpec,
    transports: &Transports,
    local_root: &Path,
) -> anyhow::Result<Box<dyn Node>> {
    use anyhow::Context as _;
    Ok(match &spec.via {
        select::Via::Pod => {
            let opts = transports
                .pod
                .as_ref()
                .context("internal: a pod node without a cluster connection")?;
            Box::new(pod::node(&spec.name, opts))
        }
        select::Via::Ssh { user, host, port } => Box::new(ssh::node(
            &spec.name,
            user.as_deref(),
            host,
            *port,
            &transports.ssh,
        )),
        select::Via::Local { .. } => Box::new(local::LocalNode::new(&spec.name, local_root)),
    })
}

/// The host path of a node path under a node tree's root (`/`: the path itself).
pub fn under_root(root: &Path, p: &Path) -> PathBuf {
    if root == Path::new("/") {
        return p.to_path_buf();
    }
    root.join(p.strip_prefix("/").unwrap_or(p))
}

/// Debug builds only (the tests): run `$SAKR_TEST_BEFORE_NODE NODE` before a node's edit is
/// applied, so a test can take that node down, or record the moment, at exactly that point.
/// Release builds compile it out, like the crash points of `fsutil`.
pub fn test_hook_before_node(node: &str) {
    #[cfg(debug_assertions)]
    if let Some(cmd) = std::env::var_os("SAKR_TEST_BEFORE_NODE") {
        let _ = std::process::Command::new(cmd).arg(node).status();
    }
    let _ = node;
}

/// Node paths are absolute and clean (no `.` or `..` components); a remote node's are UTF-8.
pub fn check_path(node: &str, path: &Path) -> Result<(), NodeError> {
    check_path_bytes(node, path, true)
}

/// [`check_path`]; a local node also takes file names that are not UTF-8 (the kubelet loads
/// them, so sakr must be able to read them), which a shell word could not carry as safely.
pub fn check_path_bytes(node: &str, path: &Path, require_utf8: bool) -> Result<(), NodeError> {
    let bad = |why| NodeError::BadPath {
        node: node.to_string(),
        path: path.to_path_buf(),
        why,
    };
    let lossy = path.to_string_lossy();
    if require_utf8 && path.to_str().is_none() {
        return Err(bad("not UTF-8"));
    }
    let text: &str = &lossy;
    if !text.starts_with('/') {
        return Err(bad("not absolute"));
    }
    // Control characters are allowed: a file the kubelet would load may be named anything,
    // and sakr must still read it. Paths reach a shell only single-quoted (no character but
    // `'` is special there, and it is escaped), and messages escape them for the terminal.
    // By text: `Path::components` silently drops inner `.` components.
    if text.split('/').any(|seg| seg == "." || seg == "..") {
        return Err(bad("holds a `.` or `..` component"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_paths_must_be_absolute_and_clean() {
        check_path("n", Path::new("/etc/kubernetes/pki/sa.key")).unwrap();
        check_path("n", Path::new("/etc/kubernetes/manifests/x\u{1b}[2J.bak")).unwrap();
        for p in ["etc/x", "/etc/../x", "/etc/./x", "/etc/x/.."] {
            assert!(check_path("n", Path::new(p)).is_err(), "{p:?}");
        }
    }
}
