//! The signer's loaded key set (issue 20): every key of the config opened by its backend, its
//! kid computed as kube-apiserver computes it (DESIGN §2.1), the active one ready to sign.
//! Loading is all or nothing: a key missing, not private, of an unsupported type, or a kid
//! twice is an error naming the entry, and the caller keeps the set it had. Each key is opened
//! by its backend ([`super::backend`]): a file, a PKCS#11 token, AWS KMS, or a public key that
//! only verifies.

use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::backend::{self, Backend};
use super::config::{Config, ConfigError};
use crate::keys::PublicKey;

/// One key of the set.
pub struct LoadedKey {
    pub name: String,
    pub kid: String,
    pub public: PublicKey,
    pub active: bool,
    pub excluded: bool,
    /// Where it lives, for `signer status` (never key material).
    pub source: String,
    backend: Backend,
}

impl std::fmt::Debug for LoadedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedKey")
            .field("name", &self.name)
            .field("kid", &self.kid)
            .field("active", &self.active)
            .field("excluded", &self.excluded)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

/// The keys the signer serves.
#[derive(Debug)]
pub struct KeySet {
    pub keys: Vec<LoadedKey>,
    pub max_token_expiration_seconds: i64,
    /// When the set last changed (what `FetchKeys` reports as `data_timestamp`).
    pub changed_at: jiff::Timestamp,
}

/// Why `Sign` refused.
#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("claims must be the base64url (unpadded) encoding of a JSON object: {0}")]
    Claims(String),
    #[error("signing failed")]
    Sign,
    #[error("signing failed: {0}")]
    Backend(String),
}

impl KeySet {
    /// Read the config at `path` and open every key.
    pub fn load(path: &Path) -> Result<KeySet, ConfigError> {
        let cfg = Config::read(path)?;
        KeySet::open(&cfg, path)
    }

    pub fn open(cfg: &Config, path: &Path) -> Result<KeySet, ConfigError> {
        let mut keys: Vec<LoadedKey> = Vec::new();
        for e in &cfg.keys {
            let opened = backend::open(e).map_err(|err| ConfigError::Entry {
                path: path.to_path_buf(),
                entry: e.name.clone(),
                reason: err.to_string(),
            })?;
            if e.active && !opened.backend.can_sign() {
                return Err(ConfigError::Entry {
                    path: path.to_path_buf(),
                    entry: e.name.clone(),
                    reason: "the active key cannot sign (a public key)".into(),
                });
            }
            let public = opened.public;
            let kid = public.kid();
            if let Some(other) = keys.iter().find(|k| k.kid == kid) {
                return Err(ConfigError::Entry {
                    path: path.to_path_buf(),
                    entry: e.name.clone(),
                    reason: format!("the same key as {:?} (kid {kid})", other.name),
                });
            }
            keys.push(LoadedKey {
                name: e.name.clone(),
                kid,
                public,
                active: e.active,
                excluded: e.exclude_from_discovery,
                source: opened.source,
                backend: opened.backend,
            });
        }
        Ok(KeySet {
            keys,
            max_token_expiration_seconds: cfg.max_token_expiration_seconds,
            changed_at: jiff::Timestamp::now(),
        })
    }

    /// The key that signs (the config check guarantees exactly one, never excluded).
    pub fn active(&self) -> &LoadedKey {
        self.keys
            .iter()
            .find(|k| k.active)
            .expect("a loaded key set has one active key")
    }

    /// Whether signing with the active key waits on a token or the network (the server then
    /// signs off its runtime thread).
    pub fn sign_blocks(&self) -> bool {
        self.active().backend.blocks()
    }

    /// Whether `other` serves the same keys with the same flags (a reload that changed
    /// nothing keeps its `data_timestamp`).
    pub fn same_as(&self, other: &KeySet) -> bool {
        self.max_token_expiration_seconds == other.max_token_expiration_seconds
            && self.keys.len() == other.keys.len()
            && self
                .keys
                .iter()
                .zip(&other.keys)
                .all(|(a, b)| (&a.kid, a.active, a.excluded) == (&b.kid, b.active, b.excluded))
    }

    /// `Sign`: the header (`alg`, `kid`, `typ` "JWT", in that order) and the signature over
    /// `base64url(header) + "." + claims`, both base64url; `claims` is used as given, once it
    /// is known to encode a JSON object.
    pub fn sign(&self, claims: &str) -> Result<(String, String), SignError> {
        let raw = URL_SAFE_NO_PAD
            .decode(claims)
            .map_err(|e| SignError::Claims(e.to_string()))?;
        match serde_json::from_slice::<serde_json::Value>(&raw) {
            Ok(serde_json::Value::Object(_)) => {}
            Ok(_) => return Err(SignError::Claims("not a JSON object".into())),
            Err(e) => return Err(SignError::Claims(e.to_string())),
        }
        let key = self.active();
        #[derive(serde::Serialize)]
        struct Header<'a> {
            alg: &'a str,
            kid: &'a str,
            typ: &'a str,
        }
        let header = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Header {
                alg: key.public.alg().as_str(),
                kid: &key.kid,
                typ: "JWT",
            })
            .map_err(|_| SignError::Sign)?,
        );
        let input = format!("{header}.{claims}");
        let sig = key
            .backend
            .sign(input.as_bytes())
            .map_err(|e| SignError::Backend(e.to_string()))?;
        Ok((header, URL_SAFE_NO_PAD.encode(sig)))
    }
}
