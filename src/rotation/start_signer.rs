//! `rotate start --layout signer` (issue 20, item 3): the generate stage of a rotation through
//! `sakr signer`. Every node's kube-apiserver signs through the signer
//! (`--service-account-signing-endpoint`, no key-file flags), every node's key set file
//! (`--signer-config`) holds the same keys with the same active key, and the new key is made in
//! the active key's backend:
//!
//! - `file`: a new private key (0600) beside the active one, or in `--key-dir`, written to every
//!   node without replacing anything (a start killed after writing it takes it over when run
//!   again, as the key-file layouts do);
//! - an HSM or a KMS: one new key, made from where sakr runs (the key is shared by every node's
//!   signer).
//!
//! Nothing else changes: the set files are edited by the stages ([`crate::layout::signer`]).

use std::path::{Path, PathBuf};

use super::fleet::Fleet;
use super::run::{NodeStep, Result, RotateError, other, prefixed, verify_token_source};
use super::start::{StartOptions, Started, create_state, new_state, remove_written};
use super::state::{KeyRef, RotationNode, SignerRef};
use super::store::Store;
use crate::keys::PublicKey;
use crate::keys::generate;
use crate::keys::secret::Secret;
use crate::layout::Layout;
use crate::layout::signer::{SetOnNode, read_set_on, require_endpoint};
use crate::node::{Kind, NodeError, WriteOptions};
use crate::signer::backend;
use crate::signer::config::KeyEntry;

/// Where a key lives, in words (never key material).
pub fn entry_source(e: &KeyEntry) -> String {
    match &e.path {
        Some(p) => format!("{} {}", e.backend, p.display()),
        None => format!("{} key {:?}", e.backend, e.name),
    }
}

pub(super) fn start(
    opts: &StartOptions,
    now: jiff::Timestamp,
    store: &mut Store,
    mut fleet: Fleet,
    nodes: Vec<RotationNode>,
    mut notes: Vec<String>,
) -> Result<Started> {
    let Some(config) = opts.signer_config.clone() else {
        return Err(other(anyhow::anyhow!(
            "--layout signer needs --signer-config FILE: the `sakr signer` key set file, as each node sees it"
        )));
    };
    if let Some(l) = opts.layout.filter(|l| *l != Layout::Signer) {
        return Err(other(anyhow::anyhow!(
            "--signer-config is for the signer layout; --layout {l} edits key files"
        )));
    }
    if !config.is_absolute() {
        return Err(other(anyhow::anyhow!(
            "--signer-config {}: give the absolute path the nodes (and their signer) see",
            config.display()
        )));
    }
    // Every node signs through a signer, and holds the same set.
    let mut sets: Vec<SetOnNode> = Vec::new();
    for m in fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        require_endpoint(&ms).map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let root = m.host_root().to_path_buf();
        let set = read_set_on(m.node.as_mut(), &root, &config)
            .map_err(|e| prefixed(&m.prefix(), e.into()))?;
        sets.push(set);
    }
    let set0 = &sets[0];
    let kids0: Vec<String> = set0.publics.iter().map(PublicKey::kid).collect();
    let active0 = set0.active();
    for (m, s) in fleet.members.iter().zip(&sets).skip(1) {
        let kids: Vec<String> = s.publics.iter().map(PublicKey::kid).collect();
        if kids != kids0 || s.kid_of(s.active()) != set0.kid_of(active0) {
            return Err(RotateError::Refused(format!(
                "node {} and node {} hold different signer key sets ({} with {} active; {} with {} active): the control plane must be in one state before a rotation; compare them with `sakr signer status`",
                fleet.members[0].name,
                m.name,
                kids0.join(", "),
                set0.kid_of(active0),
                kids.join(", "),
                s.kid_of(s.active())
            )));
        }
    }
    let old_entry = set0.config.keys[active0].clone();
    let old_kid = set0.kid_of(active0);
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| format!("sa-{}", now.strftime("%Y%m%d")));
    if set0.config.keys.iter().any(|k| k.name == name) {
        return Err(other(anyhow::anyhow!(
            "--name {name}: the signer's key set already has a key of that name; choose another --name"
        )));
    }

    // The new key, in the active key's backend.
    let mut written: Vec<(usize, Vec<PathBuf>)> = Vec::new();
    let (new_entry, public) = match (old_entry.backend.as_str(), &old_entry.path) {
        ("file", Some(old_path)) => {
            let dir = match &opts.key_dir {
                Some(d) => d.clone(),
                None => old_path.parent().map(Path::to_path_buf).unwrap_or_default(),
            };
            if !dir.is_absolute() {
                return Err(other(anyhow::anyhow!(
                    "--key-dir {}: give the absolute path the nodes (and their signer) see",
                    dir.display()
                )));
            }
            let path = dir.join(format!("{name}.key"));
            let (pem, public) = match adopt(&mut fleet, &path, &sets[0])? {
                Some(p) => {
                    notes.push(format!(
                        "adopted the key {} left by an interrupted `rotate start` (kid {}; not in the signer's set)",
                        path.display(),
                        p.1.kid()
                    ));
                    p
                }
                None => {
                    let g = generate::generate(opts.algorithm).map_err(other)?;
                    (g.private_pem, g.public)
                }
            };
            for i in 0..fleet.members.len() {
                let m = &mut fleet.members[i];
                let host = m.host_of(&path);
                match write_key(m, &host, &pem) {
                    Ok(w) => written.push((i, w)),
                    Err(e) => {
                        let prefix = m.prefix();
                        remove_written(&mut fleet, &written);
                        return Err(match e {
                            NodeError::Exists { path, .. } => other(anyhow::anyhow!(
                                "{prefix}{} already exists and is not a key left by an interrupted start; choose another --name",
                                path.display()
                            )),
                            e => other(e),
                        });
                    }
                }
            }
            (KeyEntry::file(&name, path), public)
        }
        _ => {
            // A start killed after making the key on the token and before writing the state
            // left a key pair labelled `name` that no set holds: take it over (as a file key
            // left behind is) instead of failing on the label.
            let leftover = (old_entry.backend == "pkcs11")
                .then(|| crate::signer::config::KeyEntry {
                    name: name.clone(),
                    key_label: Some(name.clone()),
                    active: false,
                    exclude_from_discovery: false,
                    ..old_entry.clone()
                })
                .and_then(|e| {
                    backend::public_key(&e)
                        .ok()
                        .filter(|k| set0.find(&k.kid()).is_none())
                        .map(|k| (e, k))
                });
            if let Some((entry, public)) = leftover {
                notes.push(format!(
                    "adopted the key pair labelled {name:?} on the token, left by an interrupted `rotate start` (kid {}; not in the signer's set)",
                    public.kid()
                ));
                (entry, public)
            } else {
                let entry = backend::generate_like(&old_entry, opts.algorithm, &name)
                    .map_err(|e| other(anyhow::anyhow!("generating the new key: {e}")))?;
                let public = backend::public_key(&entry)
                    .map_err(|e| other(anyhow::anyhow!("the new key {name:?}: {e}")))?;
                notes.push(format!(
                    "made the new key in the active key's backend ({}) from this machine; every node's signer reaches the same key",
                    entry_source(&entry)
                ));
                (entry, public)
            }
        }
    };

    let node_path = |e: &KeyEntry| e.path.clone().unwrap_or_default();
    let old = KeyRef {
        kid: old_kid,
        private_key: entry_source(&old_entry),
        public_key: config.display().to_string(),
        private_key_host: node_path(&old_entry),
        public_key_host: config.clone(),
    };
    let new = KeyRef {
        kid: public.kid(),
        private_key: entry_source(&new_entry),
        public_key: config.display().to_string(),
        private_key_host: node_path(&new_entry),
        public_key_host: config.clone(),
    };
    notes.push(format!(
        "signer layout: the manifests and key-file flags stay as they are and nothing restarts; trust adds {name:?} to {} on every node, switch makes it the active key, retire removes {:?}",
        config.display(),
        old_entry.name
    ));
    let signer = SignerRef {
        config,
        old_name: old_entry.name.clone(),
        new_entry,
        new_public_pem: public.to_pem(),
    };
    let mut state = new_state(opts, now, (old, new), nodes, Layout::Signer, Some(signer));
    let note = format!(
        "{} key {} ({})",
        public.describe(),
        state.new.kid,
        state.new.private_key
    );
    create_state(store, &mut fleet, &written, &mut state, note)?;
    let steps = state
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let files = written
                .iter()
                .find(|(j, _)| *j == i)
                .map(|(_, f)| f.clone())
                .unwrap_or_default();
            NodeStep {
                node: n.spec.name.clone(),
                note: if files.is_empty() {
                    "nothing written (the new key is in the backend)".into()
                } else {
                    "new key written".into()
                },
                files,
                waited_seconds: None,
            }
        })
        .collect();
    Ok(Started {
        verify_token: verify_token_source(&state),
        state,
        nodes: steps,
        notes,
    })
}

/// Write the new private key (0600, never replacing a file); the same bytes already there (a
/// start run again) are fine.
fn write_key(
    m: &mut super::fleet::Member,
    host: &Path,
    pem: &Secret,
) -> std::result::Result<Vec<PathBuf>, NodeError> {
    if let Some(dir) = host.parent() {
        m.node.mkdir_all(dir, 0o700)?;
    }
    match m.node.write_atomic(
        host,
        pem.expose(),
        WriteOptions::mode(0o600).no_clobber(true),
    ) {
        Ok(()) => Ok(vec![host.to_path_buf()]),
        Err(NodeError::Exists { .. })
            if m.node
                .read(host, crate::fsutil::MAX_INPUT_BYTES)?
                .as_deref()
                == Some(pem.expose()) =>
        {
            Ok(Vec::new())
        }
        Err(e) => Err(e),
    }
}

/// A key a killed start left at `path` on the first node: a private key written 0600 that the
/// signer's set does not hold. Anything else is not taken over.
fn adopt(fleet: &mut Fleet, path: &Path, set: &SetOnNode) -> Result<Option<(Secret, PublicKey)>> {
    let m = &mut fleet.members[0];
    let host = m.host_of(path);
    let Some(meta) = m.node.lstat(&host).map_err(other)? else {
        return Ok(None);
    };
    if meta.kind != Kind::File || meta.mode & 0o077 != 0 {
        return Ok(None);
    }
    let pem = m.secret(&host).map_err(other)?;
    let Some(block) = crate::keys::parse_pem_file(pem.expose())
        .ok()
        .and_then(|f| f.signing_key().cloned())
    else {
        return Ok(None);
    };
    if set.find(&block.key.kid()).is_some() {
        return Ok(None);
    }
    Ok(Some((pem, block.key)))
}
