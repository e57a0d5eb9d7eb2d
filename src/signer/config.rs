//! The signer's key set file (issue 20, item 2): JSON, written atomically 0600, never holding
//! key material, only where each key is. Ordered keys, each with a backend and two flags:
//!
//! ```json
//! {
//!   "version": 1,
//!   "max_token_expiration_seconds": 86400,
//!   "keys": [
//!     {"name": "2026q4", "backend": "file", "path": "/etc/sakr/signer/2026q4.key", "active": true},
//!     {"name": "2026q3", "backend": "file", "path": "/etc/sakr/signer/2026q3.key", "exclude_from_discovery": true}
//!   ]
//! }
//! ```
//!
//! Exactly one key is active (it signs); it is never excluded from discovery (kube-apiserver
//! rejects a token whose kid is excluded). Every error names the file and the entry.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const CONFIG_VERSION: u32 = 1;
/// kube-apiserver refuses a `max_token_expiration_seconds` under 600 s.
pub const MIN_MAX_TOKEN_EXPIRATION: i64 = 600;
/// The default: kube-apiserver's own longest default (a bound token of the kubelet: 24 h is
/// what most clusters cap at; 1 y is the legacy extension).
pub const DEFAULT_MAX_TOKEN_EXPIRATION: i64 = 86_400;

fn default_max() -> i64 {
    DEFAULT_MAX_TOKEN_EXPIRATION
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub version: u32,
    #[serde(default = "default_max")]
    pub max_token_expiration_seconds: i64,
    pub keys: Vec<KeyEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEntry {
    /// A name for messages and `signer status`.
    pub name: String,
    /// `file`: a PEM private key (RSA or ECDSA P-256/384/521), 0600.
    pub backend: String,
    /// The key file (`file` backend).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclude_from_discovery: bool,
}

impl KeyEntry {
    /// A `file` backend entry, neither active nor excluded.
    pub fn file(name: impl Into<String>, path: PathBuf) -> KeyEntry {
        KeyEntry {
            name: name.into(),
            backend: "file".into(),
            path: Some(path),
            active: false,
            exclude_from_discovery: false,
        }
    }
}

impl KeyEntry {
    /// A `public` entry (verification only), neither active nor excluded.
    pub fn public(name: impl Into<String>, path: PathBuf) -> KeyEntry {
        KeyEntry {
            backend: "public".into(),
            ..KeyEntry::file(name, path)
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("{}: not a sakr signer key set: {reason}", path.display())]
    Parse { path: PathBuf, reason: String },
    #[error("{}: key {entry:?}: {reason}", path.display())]
    Entry {
        path: PathBuf,
        entry: String,
        reason: String,
    },
    #[error("{}: {reason}", path.display())]
    Set { path: PathBuf, reason: String },
}

impl Config {
    /// Read and check the shape of a key set file (the keys themselves are loaded by
    /// [`super::keyset::KeySet::load`]).
    pub fn read(path: &Path) -> Result<Config, ConfigError> {
        let read_err = |reason: String| ConfigError::Read {
            path: path.to_path_buf(),
            reason,
        };
        let meta = std::fs::metadata(path).map_err(|e| read_err(e.to_string()))?;
        use std::os::unix::fs::PermissionsExt as _;
        if meta.permissions().mode() & 0o022 != 0 {
            return Err(read_err(format!(
                "writable by others (mode {:o}): whoever can write it chooses the signing key; chmod 600",
                meta.permissions().mode() & 0o7777
            )));
        }
        let bytes = crate::fsutil::read_capped(path, crate::fsutil::MAX_INPUT_BYTES)
            .map_err(|e| read_err(e.to_string()))?;
        Config::parse(path, &bytes)
    }

    /// The rules that need no key material.
    pub fn check(&self, path: &Path) -> Result<(), ConfigError> {
        let set = |reason: String| ConfigError::Set {
            path: path.to_path_buf(),
            reason,
        };
        if self.version != CONFIG_VERSION {
            return Err(set(format!(
                "version {}; this sakr reads version {CONFIG_VERSION}",
                self.version
            )));
        }
        if self.max_token_expiration_seconds < MIN_MAX_TOKEN_EXPIRATION {
            return Err(set(format!(
                "max_token_expiration_seconds {} is under {MIN_MAX_TOKEN_EXPIRATION} (kube-apiserver refuses it)",
                self.max_token_expiration_seconds
            )));
        }
        if self.keys.is_empty() {
            return Err(set("no keys".into()));
        }
        let mut names: Vec<&str> = Vec::new();
        for k in &self.keys {
            let entry = |reason: String| ConfigError::Entry {
                path: path.to_path_buf(),
                entry: k.name.clone(),
                reason,
            };
            if k.name.is_empty() || names.contains(&k.name.as_str()) {
                return Err(entry("names must be present and unique".into()));
            }
            names.push(&k.name);
            match (k.backend.as_str(), &k.path) {
                ("file", Some(p)) if p.is_absolute() => {}
                ("file", _) => {
                    return Err(entry("the file backend needs an absolute `path`".into()));
                }
                (other, _) => {
                    return Err(entry(format!(
                        "backend {other:?} is not one this sakr knows (file)"
                    )));
                }
            }
            if k.active && k.exclude_from_discovery {
                return Err(entry(
                    "the active key cannot be excluded from discovery: kube-apiserver rejects the tokens it signs".into(),
                ));
            }
        }
        match self.keys.iter().filter(|k| k.active).count() {
            1 => Ok(()),
            0 => Err(set("no key is active (exactly one signs)".into())),
            n => Err(set(format!(
                "{n} keys are active ({}); exactly one signs",
                self.keys
                    .iter()
                    .filter(|k| k.active)
                    .map(|k| k.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// The file's text, as [`Config::write`] writes it.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("a config serializes");
        text.push('\n');
        text
    }

    /// Parse a key set file's bytes read elsewhere (a node), with the checks of [`Config::read`]
    /// that need no file system.
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Config, ConfigError> {
        let cfg: Config = serde_json::from_slice(bytes).map_err(|e| ConfigError::Parse {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })?;
        cfg.check(path)?;
        Ok(cfg)
    }

    /// Write the file atomically, 0600.
    pub fn write(&self, path: &Path) -> Result<(), crate::fsutil::FsError> {
        let text = self.to_text();
        crate::fsutil::write_atomic(
            path,
            text.as_bytes(),
            crate::fsutil::WriteOptions::mode(0o600),
        )
    }
}
