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
//! Backends and their fields (every other field is refused for that backend):
//!
//! - `file`: `path`, a PEM private key (RSA or ECDSA P-256/384/521), 0600;
//! - `pkcs11`: `module` (the PKCS#11 library), `token_label`, `key_label`, and the PIN from
//!   `pin_file` (its content, one trailing newline trimmed) or `pin_env` (an environment
//!   variable) — never the PIN itself, so the file can be shown and copied;
//! - `awskms`: `key_id` (key ARN, key id or `alias/…`), optional `region`; credentials and
//!   endpoint come from the AWS SDK's standard chain;
//! - `public`: `path`, a `PUBLIC KEY` PEM: a key that only verifies (FetchKeys lists it, it never
//!   signs), e.g. an old `--service-account-key-file` key kept until it is retired.
//!
//! Exactly one key is active (it signs); it is never excluded from discovery (kube-apiserver
//! rejects a token whose kid is excluded) and never a `public` key. Every error names the file
//! and the entry.

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
    /// `file`, `pkcs11`, `awskms` or `public` (see the module documentation).
    pub backend: String,
    /// The key file (`file`: private key; `public`: public key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<PathBuf>,
    /// `pkcs11`: the module (shared library), an absolute path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub module: Option<PathBuf>,
    /// `pkcs11`: the label of the token holding the key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    /// `pkcs11`: the label (CKA_LABEL) of the private key and of its public key object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_label: Option<String>,
    /// `pkcs11`: a file holding the user PIN (one trailing newline is trimmed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_file: Option<PathBuf>,
    /// `pkcs11`: the environment variable holding the user PIN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pin_env: Option<String>,
    /// `awskms`: the key ARN, key id or `alias/NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `awskms`: the region (else the SDK's: AWS_REGION, the profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub exclude_from_discovery: bool,
}

/// Where a `pkcs11` key's PIN comes from (never the PIN itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinSource {
    File(PathBuf),
    Env(String),
}

impl KeyEntry {
    fn empty(name: String, backend: &str) -> KeyEntry {
        KeyEntry {
            name,
            backend: backend.into(),
            path: None,
            module: None,
            token_label: None,
            key_label: None,
            pin_file: None,
            pin_env: None,
            key_id: None,
            region: None,
            active: false,
            exclude_from_discovery: false,
        }
    }

    /// A `file` backend entry, neither active nor excluded.
    pub fn file(name: impl Into<String>, path: PathBuf) -> KeyEntry {
        KeyEntry {
            path: Some(path),
            ..KeyEntry::empty(name.into(), "file")
        }
    }

    /// A `public` (verification-only) entry, neither active nor excluded.
    pub fn public(name: impl Into<String>, path: PathBuf) -> KeyEntry {
        KeyEntry {
            path: Some(path),
            ..KeyEntry::empty(name.into(), "public")
        }
    }

    /// A `pkcs11` entry, neither active nor excluded.
    pub fn pkcs11(
        name: impl Into<String>,
        module: PathBuf,
        token_label: impl Into<String>,
        key_label: impl Into<String>,
        pin: PinSource,
    ) -> KeyEntry {
        let (pin_file, pin_env) = match pin {
            PinSource::File(f) => (Some(f), None),
            PinSource::Env(v) => (None, Some(v)),
        };
        KeyEntry {
            module: Some(module),
            token_label: Some(token_label.into()),
            key_label: Some(key_label.into()),
            pin_file,
            pin_env,
            ..KeyEntry::empty(name.into(), "pkcs11")
        }
    }

    /// An `awskms` entry, neither active nor excluded.
    pub fn awskms(
        name: impl Into<String>,
        key_id: impl Into<String>,
        region: Option<String>,
    ) -> KeyEntry {
        KeyEntry {
            key_id: Some(key_id.into()),
            region,
            ..KeyEntry::empty(name.into(), "awskms")
        }
    }

    /// The PIN source of a `pkcs11` entry (the config check guarantees exactly one).
    pub fn pin_source(&self) -> Option<PinSource> {
        match (&self.pin_file, &self.pin_env) {
            (Some(f), None) => Some(PinSource::File(f.clone())),
            (None, Some(v)) => Some(PinSource::Env(v.clone())),
            _ => None,
        }
    }

    /// The fields this entry sets, by their names in the file (for the per-backend check).
    fn set_fields(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        let mut add = |name, set: bool| {
            if set {
                v.push(name);
            }
        };
        add("path", self.path.is_some());
        add("module", self.module.is_some());
        add("token_label", self.token_label.is_some());
        add("key_label", self.key_label.is_some());
        add("pin_file", self.pin_file.is_some());
        add("pin_env", self.pin_env.is_some());
        add("key_id", self.key_id.is_some());
        add("region", self.region.is_some());
        v
    }

    /// The backend rules of one entry: which fields it needs, which it may have.
    fn check_backend(&self) -> Result<(), String> {
        let allowed: &[&str] = match self.backend.as_str() {
            "file" | "public" => &["path"],
            "pkcs11" => &["module", "token_label", "key_label", "pin_file", "pin_env"],
            "awskms" => &["key_id", "region"],
            other => {
                return Err(format!(
                    "backend {other:?} is not one this sakr knows (file, pkcs11, awskms, public)"
                ));
            }
        };
        if let Some(f) = self.set_fields().into_iter().find(|f| !allowed.contains(f)) {
            return Err(format!(
                "`{f}` does not apply to the {} backend (it takes {})",
                self.backend,
                allowed.join(", ")
            ));
        }
        let nonempty = |v: &Option<String>, field: &str| match v.as_deref() {
            Some(s) if !s.trim().is_empty() => Ok(()),
            _ => Err(format!("the {} backend needs `{field}`", self.backend)),
        };
        let absolute = |v: &Option<PathBuf>, field: &str, what: &str| match v {
            Some(p) if p.is_absolute() => Ok(()),
            _ => Err(format!(
                "the {} backend needs an absolute `{field}` ({what})",
                self.backend
            )),
        };
        match self.backend.as_str() {
            "file" => absolute(&self.path, "path", "the private key file")?,
            "public" => {
                absolute(&self.path, "path", "the PUBLIC KEY file")?;
                if self.active {
                    return Err(
                        "a public key cannot be active: it verifies tokens but cannot sign them"
                            .into(),
                    );
                }
            }
            "pkcs11" => {
                absolute(&self.module, "module", "the PKCS#11 library")?;
                nonempty(&self.token_label, "token_label")?;
                nonempty(&self.key_label, "key_label")?;
                match (&self.pin_file, &self.pin_env) {
                    (Some(_), Some(_)) => {
                        return Err("give the PIN by `pin_file` or by `pin_env`, not both".into());
                    }
                    (None, None) => {
                        return Err(
                            "the pkcs11 backend needs `pin_file` or `pin_env` (the PIN itself never goes in the file)"
                                .into(),
                        );
                    }
                    (Some(_), None) => absolute(&self.pin_file, "pin_file", "the PIN file")?,
                    (None, Some(_)) => nonempty(&self.pin_env, "pin_env")?,
                }
            }
            _ => {
                nonempty(&self.key_id, "key_id")?;
                if self.region.as_deref().is_some_and(|r| r.trim().is_empty()) {
                    return Err("`region` is empty".into());
                }
            }
        }
        Ok(())
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
            k.check_backend().map_err(entry)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn check(entry: KeyEntry) -> Result<(), String> {
        let cfg = Config {
            version: CONFIG_VERSION,
            max_token_expiration_seconds: DEFAULT_MAX_TOKEN_EXPIRATION,
            keys: vec![
                KeyEntry {
                    active: true,
                    ..KeyEntry::file("signing", "/k.pem".into())
                },
                entry,
            ],
        };
        cfg.check(Path::new("/etc/sakr/signer.json"))
            .map_err(|e| e.to_string())
    }

    fn hsm() -> KeyEntry {
        KeyEntry::pkcs11(
            "hsm",
            "/usr/lib/softhsm/libsofthsm2.so".into(),
            "t",
            "k",
            PinSource::File("/etc/sakr/pin".into()),
        )
    }

    #[test]
    fn every_backend_field_combination_is_checked_naming_file_and_entry() {
        assert_eq!(check(hsm()), Ok(()));
        assert_eq!(check(KeyEntry::awskms("kms", "alias/x", None)), Ok(()));
        assert_eq!(check(KeyEntry::public("old", "/old.pub".into())), Ok(()));
        let cases = [
            (
                KeyEntry {
                    module: None,
                    ..hsm()
                },
                "needs an absolute `module`",
            ),
            (
                KeyEntry {
                    module: Some("lib.so".into()),
                    ..hsm()
                },
                "needs an absolute `module`",
            ),
            (
                KeyEntry {
                    token_label: None,
                    ..hsm()
                },
                "needs `token_label`",
            ),
            (
                KeyEntry {
                    key_label: Some(" ".into()),
                    ..hsm()
                },
                "needs `key_label`",
            ),
            (
                KeyEntry {
                    pin_env: Some("PIN".into()),
                    ..hsm()
                },
                "not both",
            ),
            (
                KeyEntry {
                    pin_file: None,
                    ..hsm()
                },
                "needs `pin_file` or `pin_env`",
            ),
            (
                KeyEntry {
                    path: Some("/k".into()),
                    ..hsm()
                },
                "`path` does not apply to the pkcs11 backend",
            ),
            (
                KeyEntry {
                    key_id: None,
                    ..KeyEntry::awskms("kms", "x", None)
                },
                "needs `key_id`",
            ),
            (
                KeyEntry::awskms("kms", "x", Some(String::new())),
                "`region` is empty",
            ),
            (
                KeyEntry {
                    active: true,
                    ..KeyEntry::public("old", "/o.pub".into())
                },
                "cannot be active",
            ),
            (
                KeyEntry {
                    pin_env: Some("P".into()),
                    ..KeyEntry::file("f", "/k".into())
                },
                "`pin_env` does not apply to the file backend",
            ),
            (
                KeyEntry {
                    path: None,
                    ..KeyEntry::public("old", "/o.pub".into())
                },
                "needs an absolute `path`",
            ),
        ];
        for (entry, want) in cases {
            let name = entry.name.clone();
            let e = check(entry).unwrap_err();
            assert!(
                e.starts_with(&format!("/etc/sakr/signer.json: key {name:?}: "))
                    && e.contains(want),
                "{e} (want {want})"
            );
        }
    }

    #[test]
    fn a_pkcs11_entry_round_trips_without_any_pin() {
        let text = serde_json::to_string(&hsm()).unwrap();
        assert_eq!(
            text,
            r#"{"name":"hsm","backend":"pkcs11","module":"/usr/lib/softhsm/libsofthsm2.so","token_label":"t","key_label":"k","pin_file":"/etc/sakr/pin"}"#
        );
        assert_eq!(serde_json::from_str::<KeyEntry>(&text).unwrap(), hsm());
        assert!(
            serde_json::from_str::<KeyEntry>(r#"{"name":"x","backend":"pkcs11","pin":"1234"}"#)
                .is_err()
        );
    }
}
