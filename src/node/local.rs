//! The `local` transport: this machine's files, with the node's `/` at `root` (`--host-root`,
//! or `--node NAME=local:///ROOT` for a node tree copied here, as `sakr rehearse` makes).
//!
//! Writes go through [`crate::fsutil::write_atomic`], the one atomic writer (and its crash
//! points, which `tests/cli/crash.rs` drives).

use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use super::{Entry, Kind, Meta, Node, NodeError, WriteOptions};
use crate::fsutil::{self, FsError};

#[derive(Debug, Clone)]
pub struct LocalNode {
    name: String,
    root: PathBuf,
}

impl LocalNode {
    pub fn new(name: impl Into<String>, root: impl Into<PathBuf>) -> LocalNode {
        LocalNode {
            name: name.into(),
            root: root.into(),
        }
    }

    /// The host path of a node path.
    pub fn host_path(&self, path: &Path) -> PathBuf {
        let rel = path.strip_prefix("/").unwrap_or(path);
        if rel.as_os_str().is_empty() {
            self.root.clone()
        } else {
            self.root.join(rel)
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn io(&self, path: &Path, e: io::Error) -> NodeError {
        if e.raw_os_error() == Some(libc::ELOOP) {
            return NodeError::Loop {
                node: self.name.clone(),
                path: path.to_path_buf(),
            };
        }
        NodeError::Io {
            node: self.name.clone(),
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    }

    fn fs_error(&self, path: &Path, e: FsError) -> NodeError {
        match e {
            FsError::TooLarge { size, max, .. } => NodeError::TooLarge {
                node: self.name.clone(),
                path: path.to_path_buf(),
                size,
                max,
            },
            FsError::NotAFile { .. } => NodeError::NotAFile {
                node: self.name.clone(),
                path: path.to_path_buf(),
            },
            FsError::Exists { .. } => NodeError::Exists {
                node: self.name.clone(),
                path: path.to_path_buf(),
            },
            FsError::Read { source, .. } => self.io(path, source),
            FsError::Write { action, source, .. } => NodeError::Io {
                node: self.name.clone(),
                path: path.to_path_buf(),
                detail: format!("cannot {action} it: {source}"),
            },
        }
    }
}

/// Local paths may be any bytes (see [`super::check_path_bytes`]).
fn check_path(node: &str, path: &Path) -> Result<(), NodeError> {
    super::check_path_bytes(node, path, false)
}

/// Canonicalizes the longest existing ancestor of `p` and appends the rest.
fn canonicalize_lenient(p: &Path) -> io::Result<PathBuf> {
    let mut rest = Vec::new();
    let mut cur = p;
    loop {
        match fs::canonicalize(cur) {
            Ok(mut base) => {
                for part in rest.iter().rev() {
                    base.push(part);
                }
                return Ok(base);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (Some(parent), Some(name)) = (cur.parent(), cur.file_name()) else {
                    return Err(e);
                };
                rest.push(name.to_os_string());
                cur = parent;
            }
            Err(e) => return Err(e),
        }
    }
}

fn kind_of(ft: fs::FileType) -> Kind {
    if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_file() {
        Kind::File
    } else if ft.is_dir() {
        Kind::Dir
    } else {
        Kind::Other
    }
}

fn meta_of(m: &fs::Metadata) -> Meta {
    Meta {
        kind: kind_of(m.file_type()),
        mode: m.mode() & 0o7777,
        uid: m.uid(),
        gid: m.gid(),
        size: m.len(),
    }
}

impl Node for LocalNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn describe(&self) -> String {
        if self.root == Path::new("/") {
            "this machine".into()
        } else {
            format!(
                "local:///{}",
                self.root.display().to_string().trim_start_matches('/')
            )
        }
    }

    fn read(&mut self, path: &Path, max: u64) -> Result<Option<Vec<u8>>, NodeError> {
        check_path(&self.name, path)?;
        match fsutil::read_capped(&self.host_path(path), max) {
            Ok(b) => Ok(Some(b)),
            Err(FsError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(e) => Err(self.fs_error(path, e)),
        }
    }

    fn stat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError> {
        check_path(&self.name, path)?;
        match fs::metadata(self.host_path(path)) {
            Ok(m) => Ok(Some(meta_of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(path, e)),
        }
    }

    fn lstat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError> {
        check_path(&self.name, path)?;
        match fs::symlink_metadata(self.host_path(path)) {
            Ok(m) => Ok(Some(meta_of(&m))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(self.io(path, e)),
        }
    }

    fn list(&mut self, dir: &Path) -> Result<Vec<Entry>, NodeError> {
        check_path(&self.name, dir)?;
        let host = self.host_path(dir);
        let mut out = Vec::new();
        for e in fs::read_dir(&host).map_err(|e| self.io(dir, e))? {
            let e = e.map_err(|e| self.io(dir, e))?;
            let kind = e
                .file_type()
                .map(kind_of)
                .map_err(|err| self.io(dir, err))?;
            let target = match kind {
                Kind::Symlink => fs::metadata(e.path()).ok().map(|m| kind_of(m.file_type())),
                k => Some(k),
            };
            out.push(Entry {
                name: e.file_name().to_string_lossy().into_owned(),
                os_name: e.file_name(),
                kind,
                target,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn write_atomic(
        &mut self,
        path: &Path,
        bytes: &[u8],
        opts: WriteOptions,
    ) -> Result<(), NodeError> {
        check_path(&self.name, path)?;
        fsutil::write_atomic(&self.host_path(path), bytes, opts).map_err(|e| self.fs_error(path, e))
    }

    fn mkdir_all(&mut self, dir: &Path, mode: u32) -> Result<(), NodeError> {
        check_path(&self.name, dir)?;
        fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(self.host_path(dir))
            .map_err(|e| self.io(dir, e))
    }

    fn canonical(&mut self, path: &Path) -> Result<PathBuf, NodeError> {
        check_path(&self.name, path)?;
        let real = canonicalize_lenient(&self.host_path(path)).map_err(|e| self.io(path, e))?;
        // Back to a node path: the host root is the node's `/`.
        let root = fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        Ok(match real.strip_prefix(&root) {
            Ok(rel) => Path::new("/").join(rel),
            // A link out of the node tree: keep the host path, which no node path starts with.
            Err(_) => real,
        })
    }

    fn remove_file(&mut self, path: &Path) -> Result<(), NodeError> {
        check_path(&self.name, path)?;
        let host = self.host_path(path);
        match fs::remove_file(&host) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.io(path, e)),
        }
        let dir = host.parent().unwrap_or(Path::new("/"));
        fsutil::sync_dir(dir).map_err(|e| self.io(path, e))
    }

    fn sessions(&self) -> u32 {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_under_the_root_and_writes_are_atomic_and_keep_modes() {
        let dir = tempfile::tempdir().unwrap();
        let mut n = LocalNode::new("n1", dir.path());
        let p = Path::new("/etc/kubernetes/pki/sa.key");
        n.mkdir_all(Path::new("/etc/kubernetes/pki"), 0o755)
            .unwrap();
        assert_eq!(n.read(p, 10).unwrap(), None);
        n.write_atomic(p, b"secret", WriteOptions::mode(0o600).no_clobber(true))
            .unwrap();
        assert_eq!(
            std::fs::read(dir.path().join("etc/kubernetes/pki/sa.key")).unwrap(),
            b"secret"
        );
        let m = n.stat(p).unwrap().unwrap();
        assert_eq!((m.kind, m.mode, m.size), (Kind::File, 0o600, 6));
        assert!(matches!(
            n.write_atomic(p, b"x", WriteOptions::mode(0o600).no_clobber(true)),
            Err(NodeError::Exists { .. })
        ));
        assert!(matches!(n.read(p, 3), Err(NodeError::TooLarge { .. })));
        let names: Vec<_> = n
            .list(Path::new("/etc/kubernetes/pki"))
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.kind))
            .collect();
        assert_eq!(names, [("sa.key".to_string(), Kind::File)]);
        n.remove_file(p).unwrap();
        n.remove_file(p).unwrap();
        assert_eq!(n.stat(p).unwrap(), None);
    }

    #[test]
    fn a_dangling_symlink_is_listed_without_a_target() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("nowhere", dir.path().join("l")).unwrap();
        let mut n = LocalNode::new("n1", dir.path());
        let e = n.list(Path::new("/")).unwrap();
        assert_eq!((e[0].kind, e[0].target), (Kind::Symlink, None));
    }
}
