//! One rotation run at a time: an advisory lock on `<state>.lock`, next to the state file, held
//! for the whole run. A second `rotate next` (a cron job overlapping a person at a terminal)
//! fails at once instead of interleaving with the first.

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
    pub fn acquire(state: &Path) -> Result<Lock, LockError> {
        let path = lock_path(state);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io)?;
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
}
