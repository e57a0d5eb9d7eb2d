//! Crash-safe writes of static-pod manifests, and their backups (DESIGN §2.7; issue 3 "Writes").
//! Edge code: this is where manifest bytes reach the disk.
//!
//! The kubelet starts every file in the manifests directory whose name does not begin with a dot,
//! so the new text goes to a dot-prefixed temp file *in the same directory* (same file system, so
//! the rename is atomic), is fsynced, takes the original's mode and owner, and is renamed over
//! the original; then the directory is fsynced so the rename survives a power cut. On any error
//! the temp file is removed and the original is untouched. Backups never go inside the
//! manifests directory (a `*.bak` there is a second apiserver).

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

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

/// A point in [`write_atomic`] where a test can make it fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The temp file is written and fsynced, not yet renamed.
    BeforeRename,
}

/// Replaces `path` with `new_bytes` atomically, keeping its mode and owner.
pub fn write_atomic(path: &Path, new_bytes: &[u8]) -> Result<(), WriteError> {
    write_atomic_with(path, new_bytes, &mut |_| Ok(()))
}

/// [`write_atomic`] with a hook called at each [`Stage`]; an error from the hook aborts the
/// write there, as a crash would. Tests use it to prove the original survives.
pub fn write_atomic_with(
    path: &Path,
    new_bytes: &[u8],
    hook: &mut dyn FnMut(Stage) -> io::Result<()>,
) -> Result<(), WriteError> {
    let (dir, name) = match (path.parent(), path.file_name()) {
        (Some(d), Some(n)) => (
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            },
            n,
        ),
        _ => {
            return Err(WriteError::BadPath {
                path: path.to_path_buf(),
            });
        }
    };
    // kubeadm writes manifests 0600; a new file gets that too.
    let original = fs::metadata(path).ok();
    let mode = original.as_ref().map_or(0o600, |m| m.mode() & 0o7777);

    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.sakr-tmp-", name.to_string_lossy()))
        .rand_bytes(8)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        .map_err(io_err(dir, "create a temporary file"))?;
    // From here on, dropping `tmp` on any early return removes the temp file.
    let tmp_path = tmp.path().to_path_buf();
    tmp.write_all(new_bytes)
        .map_err(io_err(&tmp_path, "write"))?;
    if let Some(m) = &original {
        let f = tmp
            .as_file()
            .metadata()
            .map_err(io_err(&tmp_path, "stat"))?;
        if (f.uid(), f.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()))
                .map_err(io_err(&tmp_path, "set the owner"))?;
        }
    }
    // After chown, which may clear set-id bits.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(io_err(&tmp_path, "set the mode"))?;
    tmp.as_file()
        .sync_all()
        .map_err(io_err(&tmp_path, "fsync"))?;
    hook(Stage::BeforeRename).map_err(io_err(&tmp_path, "injected failure"))?;
    tmp.persist(path).map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        action: "rename the temporary file over it",
        source: e.error,
    })?;
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(dir, "fsync the directory"))?;
    Ok(())
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
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&target)
        .map_err(io_err(&target, "create the backup"))?;
    f.write_all(&bytes)
        .and_then(|()| f.sync_all())
        .map_err(io_err(&target, "write the backup"))?;
    File::open(backup_dir)
        .and_then(|d| d.sync_all())
        .map_err(io_err(backup_dir, "fsync the directory"))?;
    Ok(target)
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
