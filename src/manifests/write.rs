//! Crash-safe writes of static-pod manifests, and their backups (DESIGN §2.7; issue 3 "Writes").
//! Edge code: this is where manifest bytes reach the disk.
//!
//! The kubelet starts every file in the manifests directory whose name does not begin with a dot,
//! so the new text goes to a dot-prefixed temp file *in the same directory* (same file system, so
//! the rename is atomic), is fsynced, takes the original's mode and owner, and is renamed over
//! the original; then the directory is fsynced so the rename survives a power cut. On any error
//! the temp file is removed and the original is untouched. Backups never go inside the
//! manifests directory (a `*.bak` there is a second apiserver).

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use crate::fsutil::{self, FsError};

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

/// Copies `path` into `backup_dir` (created 0700), refusing when `backup_dir` is inside the
/// directory that holds `path`. Returns the backup's path. An identical existing backup is fine
/// (re-running a command); a different one is never overwritten: the new copy gets a `.N` suffix.
pub fn backup(path: &Path, backup_dir: &Path) -> Result<PathBuf, WriteError> {
    let bad = || WriteError::BadPath {
        path: path.to_path_buf(),
    };
    let name = path.file_name().ok_or_else(bad)?;
    let manifests_dir = fs::canonicalize(path)
        .map_err(io_err(path, "resolve"))?
        .parent()
        .ok_or_else(bad)?
        .to_path_buf();
    let resolved = canonicalize_lenient(backup_dir).map_err(io_err(backup_dir, "resolve"))?;
    if resolved.starts_with(&manifests_dir) {
        return Err(WriteError::BackupInsideManifests {
            backup_dir: backup_dir.to_path_buf(),
            manifests_dir,
        });
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(backup_dir)
        .map_err(io_err(backup_dir, "create the backup directory"))?;
    let bytes = fs::read(path).map_err(io_err(path, "read"))?;
    // The first free name among NAME, NAME.1, NAME.2, …: a backup dir reused by several
    // commands keeps every version, and an identical copy (a re-run) is not duplicated.
    let mut target = backup_dir.join(name);
    for n in 1.. {
        match fs::read(&target) {
            Ok(existing) if existing == bytes => return Ok(target),
            Ok(_) => {
                let mut next = name.to_os_string();
                next.push(format!(".{n}"));
                target = backup_dir.join(next);
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => break,
            Err(source) => {
                return Err(WriteError::Io {
                    path: target,
                    action: "read",
                    source,
                });
            }
        }
    }
    // Atomic and never replacing: a kill mid-backup leaves no partial copy that a later run
    // would take for the original (only a dot-prefixed temp file), and a backup written by
    // someone else in the meantime is kept.
    match fsutil::write_atomic(
        &target,
        &bytes,
        fsutil::WriteOptions::mode(0o600).no_clobber(true),
    ) {
        Ok(()) => Ok(target),
        Err(FsError::Exists { .. }) => backup(path, backup_dir),
        Err(e) => Err(e.into()),
    }
}

/// Canonicalizes the longest existing ancestor of `p` and appends the rest, so a backup dir that
/// does not exist yet is still compared by its real location.
fn canonicalize_lenient(p: &Path) -> io::Result<PathBuf> {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    let mut rest = Vec::new();
    let mut cur = abs.as_path();
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
