//! Crash-safe writes of static-pod manifests, and their backups (DESIGN §2.7; issue 3 "Writes").
//! Edge code: this is where manifest bytes reach the disk.
//!
//! The kubelet starts every file in the manifests directory whose name does not begin with a dot,
//! so the new text goes to a dot-prefixed temp file *in the same directory* (same file system, so
//! the rename is atomic), is fsynced, takes the original's mode and owner, and is renamed over
//! the original; then the directory is fsynced so the rename survives a power cut. On any error
//! the temp file is removed and the original is untouched. Backups never go inside the
//! manifests directory (a `*.bak` there is a second apiserver).
//!
//! Every step goes through a [`Node`] (`*_on`), so the same code writes this machine's files and
//! a remote node's; the functions without `_on` are this machine.

use std::io;
use std::path::{Path, PathBuf};

use crate::fsutil::{self, FsError};
use crate::node::Node;
use crate::node::local::LocalNode;

/// A write or backup that did not happen; the original file is unchanged.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{path}: {action}")]
    Io {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: io::Error,
    },
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error(transparent)]
    Node(#[from] crate::node::NodeError),
    #[error("{path} has no parent directory or file name")]
    BadPath { path: PathBuf },
    #[error(
        "the backup directory {backup_dir} is inside the manifests directory {manifests_dir}: the kubelet would start the backups as static pods"
    )]
    BackupInsideManifests {
        backup_dir: PathBuf,
        manifests_dir: PathBuf,
    },
}

fn io_err(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> WriteError + use<> {
    let path = path.to_path_buf();
    move |source| WriteError::Io {
        path,
        action,
        source,
    }
}

/// Replaces `path` with `new_bytes` atomically, keeping its mode and owner (a new file gets
/// 0600, as kubeadm writes manifests), through [`crate::fsutil::write_atomic`]: a dot-prefixed
/// temp file in the manifests directory itself, never a name the kubelet would load.
pub fn write_atomic(path: &Path, new_bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, new_bytes, &mut fsutil::crash_point)
}

/// [`write_atomic`] with a hook at each step; an error from the hook aborts the write there, as
/// a crash would. Tests use it to prove the original survives.
pub fn write_atomic_with(
    path: &Path,
    new_bytes: &[u8],
    hook: fsutil::Hook<'_>,
) -> Result<(), WriteError> {
    if path.file_name().is_none() {
        return Err(WriteError::BadPath {
            path: path.to_path_buf(),
        });
    }
    let opts = fsutil::WriteOptions::mode(0o600).keep_mode_and_owner();
    fsutil::write_atomic_with(path, new_bytes, opts, hook).map_err(WriteError::from)
}

/// [`write_atomic`] on `node`: keeps the manifest's mode and owner (0600 for a new file).
pub fn write_atomic_on(
    node: &mut dyn Node,
    path: &Path,
    new_bytes: &[u8],
) -> Result<(), WriteError> {
    if path.file_name().is_none() {
        return Err(WriteError::BadPath {
            path: path.to_path_buf(),
        });
    }
    node.write_atomic(
        path,
        new_bytes,
        fsutil::WriteOptions::mode(0o600).keep_mode_and_owner(),
    )?;
    Ok(())
}

/// [`backup_on`] this machine.
pub fn backup(path: &Path, backup_dir: &Path) -> Result<PathBuf, WriteError> {
    let abs = std::path::absolute(backup_dir).map_err(io_err(backup_dir, "resolve"))?;
    let path = std::path::absolute(path).map_err(io_err(path, "resolve"))?;
    backup_on(&mut LocalNode::new("", "/"), &path, &abs)
}

/// Refuses a `backup_dir` inside the directory that holds `path` (for a manifest: the kubelet
/// would start the backups). Compared where they really are: a link or `..` must not smuggle
/// the backups into the directory the kubelet watches. Callers that write several files check
/// every manifest's directory this way before their first write.
pub fn check_backup_dir_on(
    node: &mut dyn Node,
    path: &Path,
    backup_dir: &Path,
) -> Result<(), WriteError> {
    let manifests_dir = node
        .canonical(path)?
        .parent()
        .ok_or_else(|| WriteError::BadPath {
            path: path.to_path_buf(),
        })?
        .to_path_buf();
    let resolved = node.canonical(backup_dir)?;
    if resolved.starts_with(&manifests_dir) {
        return Err(WriteError::BackupInsideManifests {
            backup_dir: backup_dir.to_path_buf(),
            manifests_dir,
        });
    }
    Ok(())
}

/// Copies `path` into `backup_dir` (created 0700) on `node`, refusing when `backup_dir` is
/// inside the directory that holds `path`. Returns the backup's path. An identical existing
/// backup is fine (re-running a command); a different one is never overwritten: the new copy
/// gets a `.N` suffix.
pub fn backup_on(
    node: &mut dyn Node,
    path: &Path,
    backup_dir: &Path,
) -> Result<PathBuf, WriteError> {
    let name = path.file_name().ok_or_else(|| WriteError::BadPath {
        path: path.to_path_buf(),
    })?;
    check_backup_dir_on(node, path, backup_dir)?;
    node.mkdir_all(backup_dir, 0o700)?;
    let bytes = node
        .read(path, crate::manifests::MAX_MANIFEST_BYTES as u64)?
        .ok_or_else(|| WriteError::Io {
            path: path.to_path_buf(),
            action: "read",
            source: io::Error::from(io::ErrorKind::NotFound),
        })?;
    // The first free name among NAME, NAME.1, NAME.2, …: a backup dir reused by several
    // commands keeps every version, and an identical copy (a re-run) is not duplicated.
    let mut n = 0u32;
    loop {
        let mut candidate = name.to_os_string();
        if n > 0 {
            candidate.push(format!(".{n}"));
        }
        let target = backup_dir.join(&candidate);
        match node.read(&target, crate::manifests::MAX_MANIFEST_BYTES as u64)? {
            Some(existing) if existing == bytes => return Ok(target),
            Some(_) => n += 1,
            None => {
                // Atomic and never replacing: a kill mid-backup leaves no partial copy that a
                // later run would take for the original (only a dot-prefixed temp file), and a
                // backup written by someone else in the meantime is kept.
                match node.write_atomic(
                    &target,
                    &bytes,
                    fsutil::WriteOptions::mode(0o600).no_clobber(true),
                ) {
                    Ok(()) => return Ok(target),
                    Err(crate::node::NodeError::Exists { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
}
