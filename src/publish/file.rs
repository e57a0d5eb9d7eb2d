//! `file:///dir` backend: a local tree that nginx or any static web server serves as the issuer,
//! and the publish target of `sakr rehearse`.
//!
//! Same guarantees as the object stores, by local means:
//! - ETag = hex SHA-256 of the content, so "unchanged since read" is a content comparison;
//! - conditional writes hold an exclusive `flock` on the target directory itself across
//!   compare-and-write, so two `sakr publish` runs on one machine cannot interleave. Locking the
//!   directory's own descriptor leaves no lock file in the web root for the server to publish
//!   (issue 14.12); the wait is polled, so the publish deadline (`--timeout`) bounds it even when
//!   another user holds a lock on the (world-readable) directory forever (issue 13.6);
//! - writes are atomic: a dot-prefixed temp file in the same directory, fsync, rename, fsync of
//!   the directory; a killed run leaves the old file intact (DESIGN §5 properties).
//!
//! sakr runs as root here, in a tree others may write to (a web root), so nothing below the
//! target directory is followed (issue 13.7): a directory on the way to an object that is a
//! symbolic link is refused (checked per component with `symlink_metadata`, under the lock), and
//! an object is read with `O_NOFOLLOW`, only if it is a regular file (never a FIFO that would
//! hang the read, a device or a link), and at most [`MAX_OBJECT_BYTES`] ([`fsutil::read_capped_no_follow`]). The write renames over
//! the object's own directory entry, which never follows a link either. The target directory
//! itself is what the operator named, and may be a link.
//!
//! Content-Type and Cache-Control cannot be stored in a plain file: the web server sets them (for
//! nginx, `default_type application/json;` and `add_header Cache-Control ...` on the location).
//! `get` reports them as `None` and `publish` then skips comparing them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{
    Etag, MAX_OBJECT_BYTES, Metadata, Object, ObjectStore, Precondition, StoreError, check_key,
};
use crate::fsutil::{self, FsError};

/// The lock file earlier versions left in the target directory. Removed (when it is an empty
/// regular file) under the directory lock, so upgrading cleans the web root.
pub const LEGACY_LOCK_FILE: &str = ".sakr-publish.lock";

/// How often a contended directory lock is tried again: a publish holds it for milliseconds.
const LOCK_POLL: Duration = Duration::from_millis(50);

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
    /// The most [`put`](ObjectStore::put) waits for another holder of the directory lock;
    /// `None`: until the caller's deadline cancels the wait.
    lock_wait: Option<Duration>,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore {
            dir,
            lock_wait: None,
        }
    }

    /// Bounds the wait for the directory lock (`--timeout`).
    pub fn with_lock_wait(self, lock_wait: Option<Duration>) -> FileStore {
        FileStore { lock_wait, ..self }
    }

    fn io(&self, key: &str, what: &str, e: io::Error) -> StoreError {
        StoreError::Io {
            url: self.url(key),
            detail: format!("{what}: {e}"),
        }
    }

    /// The path of `key`'s file, every directory between the target directory and it checked to
    /// be a real directory, not a symbolic link. With `create`, missing directories are made;
    /// without, `Ok(None)` when one is missing (so the object is too).
    fn checked_path(&self, key: &str, create: bool) -> Result<Option<PathBuf>, StoreError> {
        check_key(key).map_err(|detail| StoreError::Other {
            url: self.url(key),
            detail,
        })?;
        let segments: Vec<&str> = key.split('/').collect();
        let (name, dirs) = segments
            .split_last()
            .expect("a key has at least one segment");
        let mut path = self.dir.clone();
        for segment in dirs {
            path.push(segment);
            if create {
                match fs::create_dir(&path) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(self.io(key, "create directory", e)),
                }
            }
            match fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => {
                    return Err(StoreError::Io {
                        url: self.url(key),
                        detail: format!(
                            "{} is a symbolic link: sakr does not follow links below the publish \
                             directory (one there could make it write anywhere); replace it with \
                             a real directory",
                            path.display()
                        ),
                    });
                }
                Ok(m) if !m.is_dir() => {
                    return Err(StoreError::Io {
                        url: self.url(key),
                        detail: format!("{} is not a directory", path.display()),
                    });
                }
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::NotFound && !create => return Ok(None),
                Err(e) => return Err(self.io(key, "inspect", e)),
            }
        }
        path.push(name);
        Ok(Some(path))
    }

    /// The object at `path` (checked by [`Self::checked_path`]); `None` when absent.
    fn read(&self, key: &str, path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
        match fsutil::read_capped_no_follow(path, MAX_OBJECT_BYTES) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(FsError::Read { source, .. }) if source.kind() == io::ErrorKind::NotFound => {
                Ok(None)
            }
            Err(FsError::TooLarge { max, .. }) => Err(StoreError::TooLarge {
                url: self.url(key),
                max,
            }),
            Err(FsError::NotAFile { .. }) => Err(StoreError::Io {
                url: self.url(key),
                detail: "not a regular file (a symbolic link, FIFO, device or directory): sakr \
                         reads and replaces only regular files here; remove it"
                    .into(),
            }),
            Err(FsError::Read { source, .. }) => Err(self.io(key, "read", source)),
            Err(e) => Err(StoreError::Io {
                url: self.url(key),
                detail: e.to_string(),
            }),
        }
    }

    /// An exclusive `flock` on the target directory's own descriptor, released when the file is
    /// dropped (or the process dies). Polled with `try_lock`, so that the wait ends at
    /// `lock_wait` or when the caller's deadline drops this future: a shared lock that another
    /// user holds forever on a world-readable directory must not hang publish.
    async fn lock_dir(&self, key: &str) -> Result<fs::File, StoreError> {
        let dir = fs::File::open(&self.dir)
            .map_err(|e| self.io(key, "open the directory to lock it", e))?;
        let started = std::time::Instant::now();
        loop {
            match dir.try_lock() {
                Ok(()) => return Ok(dir),
                Err(fs::TryLockError::WouldBlock) => {}
                Err(fs::TryLockError::Error(e)) => {
                    return Err(self.io(key, "lock the directory", e));
                }
            }
            if let Some(max) = self.lock_wait
                && started.elapsed() >= max
            {
                return Err(StoreError::Io {
                    url: self.url(key),
                    detail: format!(
                        "another process holds a lock on {} (another sakr publish, or anyone \
                         who can read the directory); gave up after {}s (--timeout)",
                        self.dir.display(),
                        max.as_secs_f64()
                    ),
                });
            }
            tokio::time::sleep(LOCK_POLL).await;
        }
    }

    /// Removes the lock file earlier versions left in the web root: only an empty regular file
    /// of that name (never a link's target), best effort.
    fn remove_legacy_lock(&self) {
        let path = self.dir.join(LEGACY_LOCK_FILE);
        if fs::symlink_metadata(&path).is_ok_and(|m| m.is_file() && m.len() == 0) {
            let _ = fs::remove_file(&path);
        }
    }
}

/// Hex SHA-256 of `bytes`: the file backend's ETag.
pub fn etag_of(bytes: &[u8]) -> Etag {
    let digest = Sha256::digest(bytes);
    Etag(digest.iter().map(|b| format!("{b:02x}")).collect())
}

#[async_trait]
impl ObjectStore for FileStore {
    fn url(&self, key: &str) -> String {
        format!("file://{}", self.dir.join(key).display())
    }

    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        // Small files (capped): blocking I/O in place is simpler than spawn_blocking and holds
        // the runtime for microseconds.
        let Some(path) = self.checked_path(key, false)? else {
            return Ok(None);
        };
        let bytes = self.read(key, &path)?;
        Ok(bytes.map(|bytes| Object {
            etag: etag_of(&bytes),
            bytes,
            content_type: None,
            cache_control: None,
        }))
    }

    async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        _metadata: &Metadata,
        precondition: &Precondition,
    ) -> Result<Etag, StoreError> {
        check_key(key).map_err(|detail| StoreError::Other {
            url: self.url(key),
            detail,
        })?;
        fs::create_dir_all(&self.dir).map_err(|e| self.io(key, "create directory", e))?;
        let _lock = self.lock_dir(key).await?;
        self.remove_legacy_lock();
        // Under the lock: the directories checked here are the ones written into.
        let path = self.checked_path(key, true)?.expect("created when missing");
        let current = self.read(key, &path)?;
        let holds = match (precondition, &current) {
            (Precondition::IfNoneMatch, None) => true,
            (Precondition::IfMatch(etag), Some(bytes)) => etag_of(bytes) == *etag,
            _ => false,
        };
        if !holds {
            return Err(StoreError::PreconditionFailed { url: self.url(key) });
        }
        // Readers see the old or the new document, never a prefix, and a killed run leaves the
        // old one; 0644, because the web server's user must read it.
        fsutil::write_atomic(&path, bytes, fsutil::WriteOptions::mode(0o644)).map_err(|e| {
            StoreError::Io {
                url: self.url(key),
                detail: crate::cluster::error_chain(&e),
            }
        })?;
        Ok(etag_of(bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Metadata {
        Metadata {
            content_type: "application/json".into(),
            cache_control: "public, max-age=3600".into(),
        }
    }

    #[tokio::test]
    async fn conditional_put_and_get() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_path_buf());
        let key = "openid/v1/jwks";
        assert_eq!(store.get(key).await.unwrap(), None);
        let e1 = store
            .put(key, b"one", &meta(), &Precondition::IfNoneMatch)
            .await
            .unwrap();
        assert_eq!(e1, etag_of(b"one"));
        // Exists now: If-None-Match must fail, and so must a stale If-Match.
        assert!(matches!(
            store
                .put(key, b"two", &meta(), &Precondition::IfNoneMatch)
                .await,
            Err(StoreError::PreconditionFailed { .. })
        ));
        assert!(matches!(
            store
                .put(
                    key,
                    b"two",
                    &meta(),
                    &Precondition::IfMatch(etag_of(b"zero"))
                )
                .await,
            Err(StoreError::PreconditionFailed { .. })
        ));
        let e2 = store
            .put(key, b"two", &meta(), &Precondition::IfMatch(e1))
            .await
            .unwrap();
        let got = store.get(key).await.unwrap().unwrap();
        assert_eq!((got.bytes.as_slice(), got.etag), (&b"two"[..], e2));
        // No temp file left behind, and the document is world-readable.
        let names: Vec<_> = fs::read_dir(dir.path().join("openid/v1"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["jwks"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(dir.path().join(key))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o644);
        }
    }

    fn jwks_put(store: &FileStore) -> Result<Etag, StoreError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        rt.block_on(store.put("openid/v1/jwks", b"{}", &meta(), &Precondition::IfNoneMatch))
    }

    /// Issue 14.12: the lock is the directory's own; nothing but the documents is left in the web
    /// root, and a lock file an earlier version left there is cleaned up.
    #[tokio::test]
    async fn leaves_no_lock_file_in_the_web_root() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(LEGACY_LOCK_FILE), b"").unwrap();
        let store = FileStore::new(dir.path().to_path_buf());
        store
            .put("openid/v1/jwks", b"{}", &meta(), &Precondition::IfNoneMatch)
            .await
            .unwrap();
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["openid"]);
    }

    /// Issue 13.7: a `.well-known` (or any directory below the target) that is a symlink is
    /// refused, for reads and writes, and nothing is written where it points.
    #[tokio::test]
    async fn refuses_symlinked_directories_below_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        fs::create_dir(&root).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.join(".well-known")).unwrap();
        fs::create_dir(root.join("openid")).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), root.join("openid/v1")).unwrap();
        let store = FileStore::new(root.clone());
        for key in [".well-known/openid-configuration", "openid/v1/jwks"] {
            let err = store.get(key).await.unwrap_err();
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
            let err = store
                .put(key, b"x", &meta(), &Precondition::IfNoneMatch)
                .await
                .unwrap_err();
            assert!(err.to_string().contains("is a symbolic link"), "{err}");
        }
        assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
        // The lock file of earlier versions, planted as a link: its target is not created.
        let target = elsewhere.path().join("created-by-root");
        std::os::unix::fs::symlink(&target, root.join(LEGACY_LOCK_FILE)).unwrap();
        fs::remove_file(root.join(".well-known")).unwrap();
        store
            .put(DISCOVERY, b"{}", &meta(), &Precondition::IfNoneMatch)
            .await
            .unwrap();
        assert!(!target.exists());
    }

    const DISCOVERY: &str = ".well-known/openid-configuration";

    /// Issue 13.6/13.7: the object itself must be a regular file of at most 1 MiB: a symlink
    /// (to a secret), a 2 GB file or a FIFO (which would hang the read) is refused at once.
    #[tokio::test]
    async fn reads_only_small_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_path_buf());
        let secret = dir.path().join("secret");
        fs::write(&secret, b"{\"keys\":[]}").unwrap();
        fs::create_dir_all(dir.path().join("openid/v1")).unwrap();
        fs::create_dir_all(dir.path().join(".well-known")).unwrap();
        let jwks = dir.path().join("openid/v1/jwks");
        std::os::unix::fs::symlink(&secret, &jwks).unwrap();
        let err = store.get("openid/v1/jwks").await.unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
        // Sparse: 2 GB on paper, nothing on disk.
        let big = fs::File::create(dir.path().join(DISCOVERY)).unwrap();
        big.set_len(2 << 30).unwrap();
        let err = store.get(DISCOVERY).await.unwrap_err();
        assert!(matches!(err, StoreError::TooLarge { .. }), "{err:?}");
        assert!(err.to_string().contains(DISCOVERY), "{err}");
        // Neither is replaced either.
        assert!(
            store
                .put(DISCOVERY, b"{}", &meta(), &Precondition::IfNoneMatch)
                .await
                .is_err()
        );
        assert_eq!(
            fs::metadata(dir.path().join(DISCOVERY)).unwrap().len(),
            2 << 30
        );

        fs::remove_file(&jwks).unwrap();
        let c = std::ffi::CString::new(jwks.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: `c` is a valid NUL-terminated path that outlives the call.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            tx.send(rt.block_on(store.get("openid/v1/jwks")).map(|_| ()))
                .unwrap();
        });
        // A generous bound: this only separates "returned" from "blocked forever".
        let got = rx
            .recv_timeout(Duration::from_secs(30))
            .expect("get blocked on a FIFO");
        assert!(
            got.as_ref()
                .is_err_and(|e| e.to_string().contains("not a regular file")),
            "{got:?}"
        );
    }

    /// Issue 13.6: a lock another user holds on the directory (forever) bounds the wait, and the
    /// error says what is going on.
    #[test]
    fn lock_wait_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let holder = fs::File::open(dir.path()).unwrap();
        holder.lock_shared().unwrap();
        let store = FileStore::new(dir.path().to_path_buf())
            .with_lock_wait(Some(Duration::from_millis(200)));
        let err = jwks_put(&store).unwrap_err();
        assert!(
            err.to_string().contains("another process holds a lock"),
            "{err}"
        );
        assert!(!dir.path().join("openid").exists());
        drop(holder);
        jwks_put(&store).unwrap();
    }

    #[tokio::test]
    async fn refuses_escaping_keys() {
        let dir = tempfile::tempdir().unwrap();
        let store = FileStore::new(dir.path().to_path_buf());
        assert!(store.get("../etc/passwd").await.is_err());
        assert!(
            store
                .put("a/../../x", b"", &meta(), &Precondition::IfNoneMatch)
                .await
                .is_err()
        );
    }
}
