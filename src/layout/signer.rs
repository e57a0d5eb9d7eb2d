//! The signer layout (issue 20, item 3; DESIGN §7): kube-apiserver signs through an external
//! signer (`--service-account-signing-endpoint`, KEP-740) that is `sakr signer serve`, and the
//! key set is that signer's key set file ([`crate::signer::config`]). No manifest changes and
//! nothing restarts: the signer reloads its file within seconds, and kube-apiserver takes the
//! new set at its next `FetchKeys` (the signer's refresh hint, or at once on an unknown kid).
//!
//! Each stage is one edit of the set file on every node, planned like the other layouts (every
//! refusal first, nothing written) and written by [`super::apply_on`] (the old file backed up,
//! the new one atomic, 0600):
//!
//! - trust: the new key is added, neither active nor excluded from discovery, so that every
//!   apiserver verifies it and publishes it in `/openid/v1/jwks`;
//! - sign-with (switch, abort): that key becomes the one active key (the others stay trusted);
//! - retire: the old key leaves the set.
//!
//! The paths in a set file are the signer's own (a static pod mounts them at the same path),
//! read on a node under its host root.

use std::path::{Path, PathBuf};

use super::{KeyFileChange, Layout, NodePlan, PlanContext};
use crate::fsutil::MAX_INPUT_BYTES;
use crate::keys::PublicKey;
use crate::keys::secret::Secret;
use crate::manifests::ops::{Action, OpsError, Plan, State};
use crate::node::{Node, under_root};
use crate::signer::config::{Config, KeyEntry};

/// What the signer layout needs beyond the manifests: where the set file is on the node, and
/// the key trust adds.
#[derive(Debug, Clone, Copy)]
pub struct SignerContext<'a> {
    /// The set file, as the node (and its signer) sees it.
    pub config: &'a Path,
    /// The node's root (a node tree's directory; `/` for a real node).
    pub host_root: &'a Path,
    /// The entry trust adds (the rotation's new key).
    pub new_entry: Option<&'a KeyEntry>,
    /// The new key's kid as the rotation recorded it: a node whose copy of the new key is
    /// another key is refused before anything is written.
    pub new_kid: Option<&'a str>,
}

/// The endpoint kube-apiserver signs through, or why these manifests are not in the signer
/// layout (bad input when `--layout signer` was asked for).
pub fn require_endpoint(ms: &State) -> Result<String, OpsError> {
    let api = &ms.apiserver.manifest;
    match api.signing_endpoint() {
        Some(ep) if api.signing_key_file().is_none() && api.key_files().is_empty() => {
            Ok(ep.to_string())
        }
        Some(ep) => Err(OpsError::Layout(format!(
            "--layout signer: {} sets --service-account-signing-endpoint={ep} together with key-file flags, which kube-apiserver rejects; finish the migration (sakr signer migrate)",
            ms.apiserver.path.display()
        ))),
        None => Err(OpsError::Layout(format!(
            "--layout signer: {} has no --service-account-signing-endpoint: kube-apiserver signs with key files; move it to the signer first (sakr signer migrate, see the rotation guide)",
            ms.apiserver.path.display()
        ))),
    }
}

/// A set file as read on a node, with the public key of each entry (in order).
#[derive(Debug, Clone)]
pub struct SetOnNode {
    /// The set file's host path.
    pub path: PathBuf,
    pub config: Config,
    pub publics: Vec<PublicKey>,
}

impl SetOnNode {
    pub fn kid_of(&self, i: usize) -> String {
        self.publics[i].kid()
    }

    /// The index of the entry holding `kid`.
    pub fn find(&self, kid: &str) -> Option<usize> {
        self.publics.iter().position(|k| k.kid() == kid)
    }

    /// The active entry's index (a checked set has exactly one).
    pub fn active(&self) -> usize {
        self.config
            .keys
            .iter()
            .position(|k| k.active)
            .expect("a checked key set has one active key")
    }

    /// `kid` for each key, the active one marked, for reports.
    fn kid_list(cfg: &Config, publics: &[PublicKey]) -> Vec<String> {
        cfg.keys
            .iter()
            .zip(publics)
            .map(|(e, k)| {
                format!(
                    "{}{}",
                    k.kid(),
                    if e.active {
                        " (active)"
                    } else if e.exclude_from_discovery {
                        " (excluded from discovery)"
                    } else {
                        ""
                    }
                )
            })
            .collect()
    }
}

/// Read the set file `config` (a node path) on `node` and the public key of every entry.
pub fn read_set_on(
    node: &mut dyn Node,
    host_root: &Path,
    config: &Path,
) -> Result<SetOnNode, OpsError> {
    let host = under_root(host_root, config);
    let bad = |reason: String| OpsError::Layout(format!("{}: {reason}", host.display()));
    let bytes = node
        .read(&host, MAX_INPUT_BYTES)
        .map_err(|e| bad(e.to_string()))?
        .ok_or_else(|| bad("no such file (the signer's key set, --signer-config)".into()))?;
    let cfg = Config::parse(&host, &bytes).map_err(|e| OpsError::Layout(e.to_string()))?;
    let mut publics = Vec::new();
    for e in &cfg.keys {
        if let Some(p) = &e.path {
            crate::node::check_path(node.name(), p).map_err(|why| {
                OpsError::Layout(format!("{}: key {:?}: {why}", host.display(), e.name))
            })?;
        }
        let key = entry_public_on(node, host_root, e).map_err(|reason| {
            OpsError::Layout(format!("{}: key {:?}: {reason}", host.display(), e.name))
        })?;
        if let Some(i) = publics
            .iter()
            .position(|k: &PublicKey| k.kid() == key.kid())
        {
            return Err(OpsError::Layout(format!(
                "{}: key {:?}: the same key as {:?}",
                host.display(),
                e.name,
                cfg.keys[i].name
            )));
        }
        publics.push(key);
    }
    Ok(SetOnNode {
        path: host,
        config: cfg,
        publics,
    })
}

/// The public key of one entry: a key file's on the node; the HSM's or KMS's through the
/// backend, from where sakr runs.
pub fn entry_public_on(
    node: &mut dyn Node,
    host_root: &Path,
    e: &KeyEntry,
) -> Result<PublicKey, String> {
    match (e.backend.as_str(), &e.path) {
        ("file" | "public", Some(p)) => {
            let host = under_root(host_root, p);
            let bytes = node
                .read(&host, MAX_INPUT_BYTES)
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("{}: no such file", host.display()))?;
            let bytes = Secret::new(bytes);
            let file = crate::keys::parse_pem_file(bytes.expose())
                .map_err(|err| format!("{}: {err}", host.display()))?;
            let block = if e.backend == "file" {
                file.signing_key()
                    .cloned()
                    .ok_or_else(|| format!("{}: holds no private key", host.display()))?
            } else {
                file.blocks
                    .first()
                    .cloned()
                    .ok_or_else(|| format!("{}: holds no key", host.display()))?
            };
            Ok(block.key)
        }
        _ => crate::signer::backend::public_key(e).map_err(|e| e.to_string()),
    }
}

/// Plan `action` on one node's signer set.
pub fn plan_on(
    node: &mut dyn Node,
    ms: &State,
    action: &Action,
    cx: &PlanContext<'_>,
) -> Result<NodePlan, OpsError> {
    require_endpoint(ms)?;
    let Some(sx) = cx.signer else {
        return Err(OpsError::Layout(
            "the signer layout edits the signer's key set, not the manifests: use `sakr signer add|activate|remove --config FILE`, or `sakr rotate start --layout signer --signer-config FILE`".into(),
        ));
    };
    let set = read_set_on(node, sx.host_root, sx.config)?;
    let mut cfg = set.config.clone();
    let mut publics = set.publics.clone();
    let refuse = |why: String| OpsError::Refused(format!("{}: {why}", set.path.display()));
    let edit_err = |e: crate::signer::edit::EditError| refuse(e.to_string());
    match action {
        Action::Trust(name) => {
            let entry = sx.new_entry.filter(|e| &e.name == name).ok_or_else(|| {
                OpsError::Layout(format!("no key named {name:?} to add to the signer's set"))
            })?;
            let key = entry_public_on(node, sx.host_root, entry)
                .map_err(|why| OpsError::Layout(format!("the new key {name:?}: {why}")))?;
            if let Some(want) = sx.new_kid
                && key.kid() != want
            {
                return Err(refuse(format!(
                    "the new key {name:?} here is kid {}, not the rotation's {want}: it was replaced since generate",
                    key.kid()
                )));
            }
            if let Some(j) = set.find(&key.kid())
                && cfg.keys[j].name != *name
            {
                return Err(refuse(format!(
                    "the new key (kid {}) is already in the set as {:?}",
                    key.kid(),
                    cfg.keys[j].name
                )));
            }
            cfg = crate::signer::edit::add(&cfg, entry).map_err(|e| {
                refuse(format!(
                    "{e}; the set was changed by hand since the rotation began"
                ))
            })?;
            if publics.len() < cfg.keys.len() {
                publics.push(key);
            }
        }
        Action::SignWith(kid) => {
            let i = set.find(kid).ok_or_else(|| {
                refuse(format!(
                    "holds no key with kid {kid}: trust it first (the set lists {})",
                    set.publics
                        .iter()
                        .map(PublicKey::kid)
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?;
            cfg =
                crate::signer::edit::activate(&cfg, &set.config.keys[i].name).map_err(edit_err)?;
        }
        Action::Retire(kid) => {
            if let Some(i) = set.find(kid) {
                cfg = crate::signer::edit::remove(&cfg, &set.config.keys[i].name)
                    .map_err(edit_err)?;
                publics.remove(i);
            }
        }
    }
    let mut key_files = Vec::new();
    if cfg != set.config {
        cfg.check(&set.path)
            .map_err(|e| OpsError::Layout(e.to_string()))?;
        key_files.push(KeyFileChange {
            path: set.path.clone(),
            content: Secret::new(cfg.to_text().into_bytes()),
            mode: 0o600,
            kids_before: SetOnNode::kid_list(&set.config, &set.publics),
            kids_after: SetOnNode::kid_list(&cfg, &publics),
        });
    }
    Ok(NodePlan {
        layout: Layout::Signer,
        key_files,
        manifests: Plan {
            action: action.clone(),
            changes: Vec::new(),
            notes: Vec::new(),
        },
    })
}
