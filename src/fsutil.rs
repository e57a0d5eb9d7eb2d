//! File I/O at the edge: capped reads and atomic writes.
//!
//! An atomic write is a dot-prefixed temp file in the destination's own directory (so a rename is
//! atomic, and a kubelet watching a manifests directory never loads the temp file), created with
//! its final mode from the first byte, fsynced, renamed over the target, and the directory
//! fsynced so the rename survives a power cut.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

/// Key files, JWKS and manifests are small; anything bigger is a wrong path, not input.
pub const MAX_INPUT_BYTES: u64 = 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error("cannot read {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} is {size} bytes; more than the {max} a key, JWKS or manifest can be", path.display())]
    TooLarge { path: PathBuf, size: u64, max: u64 },
    #[error("{} is not a regular file", path.display())]
    NotAFile { path: PathBuf },
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{} already exists (use --force to replace it)", path.display())]
    Exists { path: PathBuf },
}

/// Read a whole input file, refusing directories, devices and anything over `max` bytes.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, FsError> {
    let read_err = |source| FsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let meta = fs::metadata(path).map_err(read_err)?;
    if !meta.is_file() {
        return Err(FsError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > max {
        return Err(FsError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
            max,
        });
    }
    fs::read(path).map_err(read_err)
}

/// Options for [`write_atomic`].
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Mode of the new file, set at creation (never created wider then narrowed).
    pub mode: u32,
    /// Fail if the target exists (checked race-free at the rename).
    pub no_clobber: bool,
}

/// Write `bytes` to `path` atomically. On any error the target is untouched and no temp file
/// is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8], opts: WriteOptions) -> Result<(), FsError> {
    let tmp = stage(path, bytes, opts.mode)?;
    commit(tmp, path, opts.no_clobber)
}

/// First half of an atomic write: the temp file, written and fsynced, not yet renamed. Used
/// directly where several files must all be staged before any is committed.
pub fn stage(path: &Path, bytes: &[u8], mode: u32) -> Result<tempfile::NamedTempFile, FsError> {
    let werr = |source| FsError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.sakr-"))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(mode))
        .tempfile_in(dir)
        .map_err(werr)?;
    // The umask may have narrowed the creation mode; widen back to exactly `mode` (never wider).
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(werr)?;
    tmp.write_all(bytes).map_err(werr)?;
    tmp.as_file().sync_all().map_err(werr)?;
    Ok(tmp)
}

/// Second half: rename the staged file over `path` and fsync the directory.
pub fn commit(tmp: tempfile::NamedTempFile, path: &Path, no_clobber: bool) -> Result<(), FsError> {
    let result = if no_clobber {
        tmp.persist_noclobber(path)
    } else {
        tmp.persist(path)
    };
    if let Err(e) = result {
        // `e.file` drops here, which deletes the temp file.
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            return Err(FsError::Exists {
                path: path.to_path_buf(),
            });
        }
        return Err(FsError::Write {
            path: path.to_path_buf(),
            source: e.error,
        });
    }
    sync_dir(parent_dir(path)).map_err(|source| FsError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_sets_mode_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        write_atomic(
            &p,
            b"secret",
            WriteOptions {
                mode: 0o600,
                no_clobber: true,
            },
        )
        .unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let err = write_atomic(
            &p,
            b"other",
            WriteOptions {
                mode: 0o600,
                no_clobber: true,
            },
        )
        .unwrap_err();
        assert!(matches!(err, FsError::Exists { .. }));
        assert_eq!(fs::read(&p).unwrap(), b"secret");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("k.key")]);
    }

    #[test]
    fn capped_read_refuses_directories_and_big_files() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            read_capped(dir.path(), 10),
            Err(FsError::NotAFile { .. })
        ));
        let p = dir.path().join("big");
        fs::write(&p, vec![b'a'; 11]).unwrap();
        assert!(matches!(
            read_capped(&p, 10),
            Err(FsError::TooLarge { size: 11, .. })
        ));
    }
}
