//! File I/O at the edge: capped reads and the one atomic writer every durable write goes
//! through (keys, JWKS and discovery documents, static-pod manifests and their backups, the
//! rotation state, file:// publishing).
//!
//! An atomic write is a dot-prefixed temp file in the destination's own directory (so the rename
//! is atomic, and a kubelet watching a manifests directory never loads the temp file — DESIGN
//! §2.7), created with its final mode from the first byte, fsynced, renamed over the target, and
//! the directory fsynced so the rename survives a power cut. A failed write removes its temp
//! file; a killed one leaves at most a dot-prefixed temp file beside an untouched target, which
//! the next write of that target removes once it is clearly stale.
//!
//! Each step of a write passes a [`CrashPoint`]. In debug builds (the ones the tests drive) the
//! environment variable `SAKR_CRASH_AT=N` makes the process SIGKILL itself at the N-th point it
//! reaches, which is how `tests/cli/crash.rs` proves the claim above for every write of every
//! command. Release builds compile the check out.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
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
    #[error("cannot {action} {}", path.display())]
    Write {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
    #[error("{} already exists (use --force to replace it)", path.display())]
    Exists { path: PathBuf },
}

/// Whether an input path may be a symbolic link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Followed, as the kubelet follows them (key files, manifests, documents given as flags).
    Follow,
    /// Refused ([`FsError::NotAFile`]): a link planted where root reads or renames (published
    /// objects, the rotation state) must not redirect it.
    Refuse,
}

/// Open an input file for a capped read: never blocking on a FIFO (`O_NONBLOCK`), a link
/// followed or refused as `links` says, and anything but a regular file refused. The checks are
/// made on the opened file (not the path, which could change in between); its metadata is
/// returned for callers that check more (owner, mode) before reading.
pub fn open_input(path: &Path, links: Links) -> Result<(fs::File, fs::Metadata), FsError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let read_err = |source| FsError::Read {
        path: path.to_path_buf(),
        source,
    };
    let not_a_file = || FsError::NotAFile {
        path: path.to_path_buf(),
    };
    let mut flags = libc::O_NONBLOCK;
    if links == Links::Refuse {
        flags |= libc::O_NOFOLLOW;
    }
    let file = match fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
    {
        Ok(f) => f,
        // ELOOP is how O_NOFOLLOW reports a link.
        Err(e) if links == Links::Refuse && e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(not_a_file());
        }
        Err(e) => return Err(read_err(e)),
    };
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(not_a_file());
    }
    Ok((file, meta))
}

/// Read a file opened by [`open_input`] whole, refusing anything over `max` bytes (checked
/// before reading, and again while reading, for a file that grows meanwhile).
pub fn read_opened(
    path: &Path,
    file: fs::File,
    meta: &fs::Metadata,
    max: u64,
) -> Result<Vec<u8>, FsError> {
    use std::io::Read as _;
    let too_large = |size| FsError::TooLarge {
        path: path.to_path_buf(),
        size,
        max,
    };
    if meta.len() > max {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| FsError::Read {
            path: path.to_path_buf(),
            source,
        })?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Read a whole input file, links followed, refusing directories, devices, FIFOs and anything
/// over `max` bytes.
pub fn read_capped(path: &Path, max: u64) -> Result<Vec<u8>, FsError> {
    let (file, meta) = open_input(path, Links::Follow)?;
    read_opened(path, file, &meta, max)
}

/// [`read_capped`], refusing a symbolic link as it refuses a FIFO or a device.
pub fn read_capped_no_follow(path: &Path, max: u64) -> Result<Vec<u8>, FsError> {
    let (file, meta) = open_input(path, Links::Refuse)?;
    read_opened(path, file, &meta, max)
}

/// A key file that could not be read or parsed; names the file.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error(transparent)]
    Fs(#[from] FsError),
    #[error("{}", path.display())]
    Parse {
        path: PathBuf,
        source: crate::keys::ParseError,
    },
}

impl KeyFileError {
    /// The file does not exist (the rotation and `manifest show` treat that as a fact, not an
    /// error).
    pub fn is_not_found(&self) -> bool {
        matches!(self, KeyFileError::Fs(FsError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound)
    }
}

/// Read and parse one key file (every PEM form of DESIGN §2.5), capped at [`MAX_INPUT_BYTES`].
pub fn read_key_file(path: &Path) -> Result<crate::keys::KeyFile, KeyFileError> {
    let bytes = read_capped(path, MAX_INPUT_BYTES)?;
    crate::keys::parse_pem_file(&bytes).map_err(|source| KeyFileError::Parse {
        path: path.to_path_buf(),
        source,
    })
}

/// Options for [`write_atomic`].
#[derive(Debug, Clone, Copy)]
pub struct WriteOptions {
    /// Mode of the new file, set at creation (never created wider then narrowed).
    pub mode: u32,
    /// Fail if the target exists (checked race-free at the rename).
    pub no_clobber: bool,
    /// Keep the replaced file's mode and owner instead of `mode` (static-pod manifests: kubeadm
    /// writes them 0600 root, and an operator's choice there is not sakr's to change).
    pub keep_mode_and_owner: bool,
}

impl WriteOptions {
    /// Replace or create the target with exactly `mode`.
    pub const fn mode(mode: u32) -> WriteOptions {
        WriteOptions {
            mode,
            no_clobber: false,
            keep_mode_and_owner: false,
        }
    }

    pub const fn no_clobber(self, no_clobber: bool) -> WriteOptions {
        WriteOptions { no_clobber, ..self }
    }

    /// Keep an existing target's mode and owner; `mode` is used only for a new file.
    pub const fn keep_mode_and_owner(self) -> WriteOptions {
        WriteOptions {
            keep_mode_and_owner: true,
            ..self
        }
    }
}

/// The steps of an atomic write, in order. A kill at any of them must leave the target as it
/// was (the first three) or as it will be (the last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrashPoint {
    /// The empty temp file exists.
    TempCreated,
    /// Half of the new bytes are in the temp file.
    HalfWritten,
    /// The temp file is complete and fsynced, not yet renamed.
    BeforeRename,
    /// Renamed over the target; the directory is not yet fsynced.
    Renamed,
}

impl CrashPoint {
    pub fn name(self) -> &'static str {
        match self {
            CrashPoint::TempCreated => "temp file created",
            CrashPoint::HalfWritten => "temp file half written",
            CrashPoint::BeforeRename => "temp file synced, before rename",
            CrashPoint::Renamed => "renamed, before directory fsync",
        }
    }
}

/// Called at every [`CrashPoint`]; an error aborts the write there, as a crash would (tests of
/// the library use it; the process-level harness uses `SAKR_CRASH_AT`).
pub type Hook<'a> = &'a mut dyn FnMut(CrashPoint, &Path) -> io::Result<()>;

/// The hook of a real run: in debug builds, SIGKILL at the point `SAKR_CRASH_AT` names.
pub fn crash_point(point: CrashPoint, path: &Path) -> io::Result<()> {
    #[cfg(debug_assertions)]
    injected::hit(point, path);
    let _ = (point, path);
    Ok(())
}

#[cfg(debug_assertions)]
mod injected {
    use std::path::Path;
    use std::sync::atomic::{AtomicU64, Ordering};

    static HITS: AtomicU64 = AtomicU64::new(0);

    pub fn hit(point: super::CrashPoint, path: &Path) {
        let Some(at) = std::env::var("SAKR_CRASH_AT")
            .ok()
            .and_then(|v| v.parse::<u64>().ok())
        else {
            return;
        };
        let n = HITS.fetch_add(1, Ordering::SeqCst) + 1;
        if n == at {
            // Say where, so a failing harness run names the step; then die as `kill -9` would:
            // no destructor runs, no temp file is cleaned up.
            eprintln!(
                "sakr: injected crash {n}: {}: {}",
                path.display(),
                point.name()
            );
            // SAFETY: sending a signal to our own pid; nothing is shared.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
    }
}

/// Write `bytes` to `path` atomically. On any error the target is untouched and no temp file
/// is left behind.
pub fn write_atomic(path: &Path, bytes: &[u8], opts: WriteOptions) -> Result<(), FsError> {
    write_atomic_with(path, bytes, opts, &mut crash_point)
}

/// [`write_atomic`] with a [`Hook`] at each step.
pub fn write_atomic_with(
    path: &Path,
    bytes: &[u8],
    opts: WriteOptions,
    hook: Hook<'_>,
) -> Result<(), FsError> {
    let tmp = stage_with(path, bytes, opts, hook)?;
    commit_with(tmp, path, opts.no_clobber, hook)
}

/// First half of an atomic write: the temp file, written and fsynced, not yet renamed. Used
/// directly where several files must all be staged before any is committed.
pub fn stage(
    path: &Path,
    bytes: &[u8],
    opts: WriteOptions,
) -> Result<tempfile::NamedTempFile, FsError> {
    stage_with(path, bytes, opts, &mut crash_point)
}

fn stage_with(
    path: &Path,
    bytes: &[u8],
    opts: WriteOptions,
    hook: Hook<'_>,
) -> Result<tempfile::NamedTempFile, FsError> {
    let werr = |action| {
        move |source| FsError::Write {
            path: path.to_path_buf(),
            action,
            source,
        }
    };
    let dir = parent_dir(path);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let original = if opts.keep_mode_and_owner {
        fs::metadata(path).ok()
    } else {
        None
    };
    let mode = original.as_ref().map_or(opts.mode, |m| m.mode() & 0o7777);
    remove_stale_temps(dir, &name);
    // Created 0600 whatever `mode` says, so not even a private key's first bytes are ever
    // readable by others; widened (or kept) below, before any byte is written.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}.sakr-"))
        .suffix(".tmp")
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
        // tempfile appends the random temp path to its errors; the target's path is the one
        // an operator can act on.
        .map_err(without_temp_path)
        .map_err(werr("create a temporary file beside"))?;
    // From here on, dropping `tmp` on an early return removes the temp file.
    hook(CrashPoint::TempCreated, path).map_err(werr("write"))?;
    if let Some(m) = &original {
        let f = tmp
            .as_file()
            .metadata()
            .map_err(werr("stat the temp file of"))?;
        if (f.uid(), f.gid()) != (m.uid(), m.gid()) {
            std::os::unix::fs::fchown(tmp.as_file(), Some(m.uid()), Some(m.gid()))
                .map_err(werr("keep the owner of"))?;
        }
    }
    // After chown, which may clear set-id bits; exact, whatever the umask.
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))
        .map_err(werr("set the mode of"))?;
    let (first, second) = bytes.split_at(bytes.len() / 2);
    tmp.write_all(first).map_err(werr("write"))?;
    hook(CrashPoint::HalfWritten, path).map_err(werr("write"))?;
    tmp.write_all(second).map_err(werr("write"))?;
    tmp.as_file().sync_all().map_err(werr("fsync"))?;
    hook(CrashPoint::BeforeRename, path).map_err(werr("write"))?;
    Ok(tmp)
}

/// tempfile's errors end in ` at path "<random temp name>"`: noise, and different every run.
fn without_temp_path(e: io::Error) -> io::Error {
    let text = e.to_string();
    match text.split_once(" at path ") {
        Some((head, _)) => io::Error::new(e.kind(), head.to_string()),
        None => e,
    }
}

/// A temp file older than this is the leftover of a killed run, not a write in progress (a write
/// takes milliseconds; a concurrent sakr's temp file is never this old).
const STALE_TEMP: std::time::Duration = std::time::Duration::from_secs(300);

/// Remove `.NAME.sakr-*.tmp` files a killed run left beside `NAME`. Best effort: a temp file that
/// stays is harmless (dot-prefixed), so errors are ignored.
fn remove_stale_temps(dir: &Path, name: &str) {
    let prefix = format!(".{name}.sakr-");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let file_name = e.file_name();
        let n = file_name.to_string_lossy();
        if !(n.starts_with(&prefix) && n.ends_with(".tmp")) {
            continue;
        }
        let stale = e
            .metadata()
            .ok()
            .filter(|m| m.is_file())
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > STALE_TEMP);
        if stale {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Second half: rename the staged file over `path` and fsync the directory.
pub fn commit(tmp: tempfile::NamedTempFile, path: &Path, no_clobber: bool) -> Result<(), FsError> {
    commit_with(tmp, path, no_clobber, &mut crash_point)
}

fn commit_with(
    tmp: tempfile::NamedTempFile,
    path: &Path,
    no_clobber: bool,
    hook: Hook<'_>,
) -> Result<(), FsError> {
    let result = if no_clobber {
        tmp.persist_noclobber(path)
    } else {
        tmp.persist(path)
    };
    if let Err(e) = result {
        // `e.file` drops here, which deletes the temp file.
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            return Err(FsError::Exists {
                path: path.to_path_buf(),
            });
        }
        return Err(FsError::Write {
            path: path.to_path_buf(),
            action: "rename a temporary file over",
            source: e.error,
        });
    }
    let werr = |source| FsError::Write {
        path: path.to_path_buf(),
        action: "fsync the directory of",
        source,
    };
    hook(CrashPoint::Renamed, path).map_err(werr)?;
    sync_dir(parent_dir(path)).map_err(werr)
}

/// Write a key pair: both files staged before either is committed, so a failure (disk full,
/// permissions) leaves neither behind; without `force`, an existing file is never replaced and
/// a `.key` committed a moment before a failed `.pub` is removed again. With `force`, the
/// private key being replaced is kept in memory until the `.pub` is in place, and put back
/// (same bytes, same mode) if it cannot be: a failed `--force` never leaves a new private key
/// beside an old public key (issue 13, finding 5).
pub fn write_key_pair(
    key: (&Path, &[u8]),
    public: (&Path, &[u8]),
    force: bool,
) -> Result<(), FsError> {
    let key_tmp = stage(key.0, key.1, WriteOptions::mode(0o600))?;
    let pub_tmp = stage(public.0, public.1, WriteOptions::mode(0o644))?;
    let previous = if force { previous_key(key.0)? } else { None };
    commit(key_tmp, key.0, !force)?;
    if let Err(e) = commit(pub_tmp, public.0, !force) {
        match previous {
            Some((bytes, mode)) => {
                // Atomic too: a kill during the restore leaves the new key or the old one.
                write_atomic(key.0, &bytes, WriteOptions::mode(mode))?;
            }
            None => {
                let _ = fs::remove_file(key.0);
            }
        }
        return Err(e);
    }
    Ok(())
}

/// Bytes (wiped from memory when dropped) and mode of a file about to be replaced.
type PreviousKey = (zeroize::Zeroizing<Vec<u8>>, u32);

/// The private key file a forced key pair write is about to replace: its bytes (wiped from
/// memory when dropped) and mode, or `None` when there is none. Anything but a regular file is
/// refused before any write.
fn previous_key(path: &Path) -> Result<Option<PreviousKey>, FsError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(FsError::Read {
            path: path.to_path_buf(),
            source,
        }),
        Ok(m) if !m.is_file() => Err(FsError::NotAFile {
            path: path.to_path_buf(),
        }),
        Ok(m) => {
            let bytes = read_capped(path, MAX_INPUT_BYTES)?;
            Ok(Some((zeroize::Zeroizing::new(bytes), m.mode() & 0o7777)))
        }
    }
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

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn atomic_write_sets_mode_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("k.key");
        let opts = WriteOptions::mode(0o600).no_clobber(true);
        write_atomic(&p, b"secret", opts).unwrap();
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let err = write_atomic(&p, b"other", opts).unwrap_err();
        assert!(matches!(err, FsError::Exists { .. }));
        assert_eq!(fs::read(&p).unwrap(), b"secret");
        assert_eq!(names(dir.path()), ["k.key"]);
    }

    #[test]
    fn keep_mode_and_owner_keeps_an_existing_files_mode_and_uses_mode_for_a_new_one() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("m.yaml");
        fs::write(&old, b"old").unwrap();
        fs::set_permissions(&old, fs::Permissions::from_mode(0o640)).unwrap();
        let opts = WriteOptions::mode(0o600).keep_mode_and_owner();
        write_atomic(&old, b"new", opts).unwrap();
        let fresh = dir.path().join("n.yaml");
        write_atomic(&fresh, b"new", opts).unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!((mode(&old), mode(&fresh)), (0o640, 0o600));
        assert_eq!(fs::read(&old).unwrap(), b"new");
    }

    #[test]
    fn a_failure_at_any_point_before_the_rename_leaves_the_target_and_no_temp_file() {
        for stop in [
            CrashPoint::TempCreated,
            CrashPoint::HalfWritten,
            CrashPoint::BeforeRename,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let p = dir.path().join("f");
            fs::write(&p, b"old").unwrap();
            let mut seen = Vec::new();
            let r = write_atomic_with(
                &p,
                b"new content",
                WriteOptions::mode(0o644),
                &mut |at, _| {
                    seen.push(at);
                    if at == stop {
                        // The temp file exists now, dot-prefixed beside the target.
                        let tmp: Vec<_> =
                            names(dir.path()).into_iter().filter(|n| n != "f").collect();
                        assert!(tmp.len() == 1 && tmp[0].starts_with(".f.sakr-"), "{tmp:?}");
                        return Err(io::Error::other("injected"));
                    }
                    Ok(())
                },
            );
            assert!(matches!(r, Err(FsError::Write { .. })), "{stop:?}: {r:?}");
            assert_eq!(seen.last(), Some(&stop));
            assert_eq!(fs::read(&p).unwrap(), b"old", "{stop:?}");
            assert_eq!(names(dir.path()), ["f"], "{stop:?}");
        }
    }

    #[test]
    fn the_points_come_in_order_and_the_last_one_follows_the_rename() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        let mut seen = Vec::new();
        write_atomic_with(&p, b"abc", WriteOptions::mode(0o644), &mut |at, path| {
            assert_eq!(path, p.as_path());
            let done = fs::read(&p).ok();
            seen.push((at, done));
            Ok(())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                (CrashPoint::TempCreated, None),
                (CrashPoint::HalfWritten, None),
                (CrashPoint::BeforeRename, None),
                (CrashPoint::Renamed, Some(b"abc".to_vec())),
            ]
        );
    }

    #[test]
    fn stale_temp_files_of_a_killed_run_are_removed_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kube-apiserver.yaml");
        let touch = |name: &str, age_secs: u64| {
            let f = fs::File::create(dir.path().join(name)).unwrap();
            let t = std::time::SystemTime::now() - std::time::Duration::from_secs(age_secs);
            f.set_modified(t).unwrap();
        };
        touch(".kube-apiserver.yaml.sakr-old111.tmp", 3600);
        touch(".kube-apiserver.yaml.sakr-new222.tmp", 10);
        touch(".etcd.yaml.sakr-old333.tmp", 3600);
        touch(".kube-apiserver.yaml.swp", 3600);
        write_atomic(&p, b"x", WriteOptions::mode(0o600)).unwrap();
        assert_eq!(
            names(dir.path()),
            [
                ".etcd.yaml.sakr-old333.tmp",
                ".kube-apiserver.yaml.sakr-new222.tmp",
                ".kube-apiserver.yaml.swp",
                "kube-apiserver.yaml"
            ]
        );
    }

    #[test]
    fn key_pair_without_force_keeps_existing_files_and_leaves_no_half_pair() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sa.key");
        let public = dir.path().join("sa.pub");
        fs::write(&public, b"someone else's").unwrap();
        let e = write_key_pair((&key, b"k"), (&public, b"p"), false).unwrap_err();
        assert!(
            matches!(e, FsError::Exists { ref path } if path == &public),
            "{e}"
        );
        assert_eq!(names(dir.path()), ["sa.pub"]);
        assert_eq!(fs::read(&public).unwrap(), b"someone else's");
        write_key_pair((&key, b"k"), (&public, b"p"), true).unwrap();
        assert_eq!(
            (fs::read(&key).unwrap(), fs::read(&public).unwrap()),
            (b"k".to_vec(), b"p".to_vec())
        );
    }

    #[test]
    fn forced_key_pair_that_cannot_replace_the_pub_keeps_the_old_pair() {
        // NAME.pub cannot be replaced (here: a non-empty directory; in the field, an immutable
        // file or a read-only bind mount). The old private key must still be there afterwards,
        // byte for byte and with its mode, beside its own public key.
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sa.key");
        let public = dir.path().join("sa.pub");
        fs::write(&key, b"old private").unwrap();
        fs::set_permissions(&key, fs::Permissions::from_mode(0o600)).unwrap();
        fs::create_dir(&public).unwrap();
        fs::write(public.join("keep"), b"x").unwrap();
        let e = write_key_pair((&key, b"new private"), (&public, b"new public"), true);
        assert!(e.is_err());
        assert_eq!(fs::read(&key).unwrap(), b"old private");
        assert_eq!(
            fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert!(public.join("keep").exists());
        assert_eq!(names(dir.path()), ["sa.key", "sa.pub"]);
    }

    #[test]
    fn forced_key_pair_refuses_a_private_key_path_that_is_not_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("sa.key");
        let public = dir.path().join("sa.pub");
        std::os::unix::fs::symlink("/etc/passwd", &key).unwrap();
        let e = write_key_pair((&key, b"k"), (&public, b"p"), true).unwrap_err();
        assert!(matches!(e, FsError::NotAFile { .. }), "{e}");
        assert!(fs::symlink_metadata(&key).unwrap().file_type().is_symlink());
        assert_eq!(names(dir.path()), ["sa.key"]);
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

    #[test]
    fn capped_read_refuses_a_fifo_without_waiting_for_a_writer() {
        // A key path that is a named pipe (a mistaken `--key <(...)` or a planted FIFO) must be
        // refused at once: a blocking open would hang the command until something writes.
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("pipe");
        let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        let path = p.clone();
        std::thread::spawn(move || tx.send(read_capped(&path, 10)).unwrap());
        // A generous bound: this only separates "returned" from "blocked forever".
        let got = rx
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("read_capped blocked on a FIFO");
        assert!(
            matches!(got, Err(FsError::NotAFile { ref path, .. }) if *path == p),
            "{got:?}"
        );
    }
}
