//! One rotation run at a time: an advisory lock on `<state>.lock`, next to the state file, held
//! for the whole run. A second `rotate next` (a cron job overlapping a person at a terminal)
//! fails at once instead of interleaving with the first.
//!
//! The lock is a file of its own because the state file is replaced by rename at every save (a
//! lock on it would be a lock on an inode that is about to be unlinked). It is created only for
//! a state file that exists and loads, so a mistyped `--state` leaves nothing behind; `start`,
//! which has no state yet, locks the state file's directory instead (two starts there exclude
//! each other; a start cannot race a `next` of the same rotation, which needs the state file).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct Lock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(
        "another sakr run holds {}; wait for it to finish (the lock is released when that process exits)",
        path.display()
    )]
    Busy { path: PathBuf },
    #[error("refusing the lock file {}: it is a symbolic link or not a regular file; remove it", path.display())]
    Symlink { path: PathBuf },
    #[error("cannot lock {}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}

impl Lock {
    /// The lock of an existing rotation (the caller has loaded its state once).
    pub fn acquire(state: &Path) -> Result<Lock, LockError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let path = lock_path(state);
        // 0600 and never through a symlink: root following a planted `<state>.lock` link would
        // create or truncate any file it names (issue 13, finding 7).
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(&path)
            .map_err(|source| {
                if source.raw_os_error() == Some(libc::ELOOP) {
                    LockError::Symlink { path: path.clone() }
                } else {
                    LockError::Io {
                        path: path.clone(),
                        source,
                    }
                }
            })?;
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Err(LockError::Symlink { path });
        }
        Self::try_lock(file, path)
    }

    /// The lock for creating a state file: its directory, so nothing is created on failure.
    pub fn acquire_for_new(state: &Path) -> Result<Lock, LockError> {
        let dir = match state.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let file = File::open(&dir).map_err(|source| LockError::Io {
            path: dir.clone(),
            source,
        })?;
        Self::try_lock(file, dir)
    }

    fn try_lock(file: File, path: PathBuf) -> Result<Lock, LockError> {
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        match file.try_lock() {
            Ok(()) => Ok(Lock { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy { path }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("rotation.json");
        let first = Lock::acquire(&state).unwrap();
        assert!(matches!(Lock::acquire(&state), Err(LockError::Busy { .. })));
        drop(first);
        Lock::acquire(&state).unwrap();
    }

    #[test]
    fn a_symlinked_lock_file_is_refused_and_its_target_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("rotation.json");
        let victim = dir.path().join("victim");
        std::os::unix::fs::symlink(&victim, lock_path(&state)).unwrap();
        let e = Lock::acquire(&state).unwrap_err();
        assert!(matches!(e, LockError::Symlink { .. }), "{e}");
        assert!(!victim.exists());
    }

    #[test]
    fn the_lock_file_is_created_0600() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("rotation.json");
        let _l = Lock::acquire(&state).unwrap();
        let mode = std::fs::metadata(lock_path(&state))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn starts_in_one_directory_exclude_each_other_and_create_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("rotation.json");
        let first = Lock::acquire_for_new(&state).unwrap();
        assert!(matches!(
            Lock::acquire_for_new(&dir.path().join("other.json")),
            Err(LockError::Busy { .. })
        ));
        drop(first);
        Lock::acquire_for_new(&state).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
