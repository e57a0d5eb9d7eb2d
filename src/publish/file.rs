//! `file:///dir` backend: a local tree that nginx or any static web server serves as the issuer,
//! and the publish target of `sakr rehearse`.
//!
//! Same guarantees as the object stores, by local means:
//! - ETag = hex SHA-256 of the content, so "unchanged since read" is a content comparison;
//! - conditional writes hold an exclusive lock (`flock`) on `DIR/.sakr-publish.lock` across
//!   compare-and-write, so two `sakr publish` runs on one machine cannot interleave;
//! - writes are atomic: a dot-prefixed temp file in the same directory, fsync, rename, fsync of
//!   the directory; a killed run leaves the old file intact (DESIGN §5 properties).
//!
//! Content-Type and Cache-Control cannot be stored in a plain file: the web server sets them (for
//! nginx, `default_type application/json;` and `add_header Cache-Control ...` on the location).
//! `get` reports them as `None` and `publish` then skips comparing them.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::{Etag, Metadata, Object, ObjectStore, Precondition, StoreError, check_key};

/// Name of the lock file in the target directory (dot-prefixed: static servers usually hide it).
pub const LOCK_FILE: &str = ".sakr-publish.lock";

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore { dir }
    }

    fn path(&self, key: &str) -> Result<PathBuf, StoreError> {
        check_key(key).map_err(|detail| StoreError::Other {
            url: self.url(key),
            detail,
        })?;
        Ok(key.split('/').fold(self.dir.clone(), |p, s| p.join(s)))
    }

    fn io(&self, key: &str, what: &str, e: io::Error) -> StoreError {
        StoreError::Io {
            url: self.url(key),
            detail: format!("{what}: {e}"),
        }
    }
}

/// Hex SHA-256 of `bytes`: the file backend's ETag.
pub fn etag_of(bytes: &[u8]) -> Etag {
    let digest = Sha256::digest(bytes);
    Etag(digest.iter().map(|b| format!("{b:02x}")).collect())
}

fn read_optional(path: &Path) -> io::Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

#[async_trait]
impl ObjectStore for FileStore {
    fn url(&self, key: &str) -> String {
        format!("file://{}", self.dir.join(key).display())
    }

    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        let path = self.path(key)?;
        // Small files (a JWKS is a few KiB): blocking I/O in place is simpler than spawn_blocking
        // and holds the runtime for microseconds.
        let bytes = read_optional(&path).map_err(|e| self.io(key, "read", e))?;
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
        let path = self.path(key)?;
        let parent = path.parent().expect("a key has at least one segment");
        fs::create_dir_all(parent).map_err(|e| self.io(key, "create directory", e))?;
        let _lock = lock_dir(&self.dir).map_err(|e| self.io(key, "lock", e))?;

        let current = read_optional(&path).map_err(|e| self.io(key, "read", e))?;
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
        crate::fsutil::write_atomic(&path, bytes, crate::fsutil::WriteOptions::mode(0o644))
            .map_err(|e| StoreError::Io {
                url: self.url(key),
                detail: crate::cluster::error_chain(&e),
            })?;
        Ok(etag_of(bytes))
    }
}

/// An exclusive advisory lock on `DIR/.sakr-publish.lock`, released when dropped (or when the
/// process dies: flock locks belong to the open file description).
struct DirLock(#[allow(dead_code)] fs::File);

fn lock_dir(dir: &Path) -> io::Result<DirLock> {
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))?;
    // Blocking wait: the other holder is a publish of two small files, done in milliseconds.
    file.lock()?;
    Ok(DirLock(file))
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
