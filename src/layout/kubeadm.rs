//! The kubeadm layout (issue 17; DESIGN §7): the flags stay as kubeadm writes them, and the key
//! set lives in kubeadm's own files, so that `kubeadm upgrade` (which regenerates the manifests
//! with `--service-account-key-file=<certificatesDir>/sa.pub` and
//! `--service-account-signing-key-file` / `--service-account-private-key-file=<…>/sa.key`) and
//! `kubeadm join --control-plane` (whose `upload-certs` copies only `sa.key` and `sa.pub`) keep
//! every stage of a rotation:
//!
//! - trust: `sa.pub` becomes a PEM bundle of the keys it held and the new public key;
//! - sign-with (switch): `sa.key` becomes the new private key, the old one archived (0600) into
//!   the backup directory first; `sign-with KID` puts an archived key back (abort);
//! - retire: `sa.pub` keeps every key but the retired one(s), as `PUBLIC KEY` blocks (the form
//!   kubeadm writes).
//!
//! The kubelet does not watch key files, only manifests: each edit sets the annotation
//! [`ANNOTATION`] of the components that read a changed file — kube-apiserver reads `sa.pub` and
//! `sa.key`, kube-controller-manager `sa.key` — to a digest of what they would load, so exactly
//! those restart, once. The digest is over the kids, never over key bytes: the mirror pod, and
//! so the annotation, is readable through the API. A component already annotated with the digest
//! of its files is not touched again (a re-run restarts nothing).

use std::path::{Path, PathBuf};

use sha2::Digest as _;

use super::{KeyFileChange, Layout, NodePlan, PlanContext};
use crate::fsutil::MAX_INPUT_BYTES;
use crate::keys::KeyFile;
use crate::keys::secret::Secret;
use crate::manifests::Role;
use crate::manifests::annotate;
use crate::manifests::edit::{self, EditOutcome};
use crate::manifests::model::same_path;
use crate::manifests::ops::{self, Action, FileChange, Loaded, OpsError, Plan, State};
use crate::node::Node;

/// The static-pod annotation whose change restarts a component onto its new key files.
pub const ANNOTATION: &str = "sakr.io/service-account-keys";

/// kubeadm's key files in one node's manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    /// `sa.pub`, as the containers see it (the one `--service-account-key-file`).
    pub public: String,
    /// `sa.key` (`--service-account-signing-key-file` and kube-controller-manager's
    /// `--service-account-private-key-file`).
    pub private: String,
    pub public_host: PathBuf,
    pub private_host: PathBuf,
}

/// kubeadm's files, when the manifests use them (see [`require_files`] for why not).
pub fn files(ms: &State) -> Option<Files> {
    require_files(ms).ok()
}

/// kubeadm's files, or why the manifests are not in the kubeadm layout (bad input when
/// `--layout kubeadm` was asked for).
pub fn require_files(ms: &State) -> Result<Files, OpsError> {
    let api = &ms.apiserver.manifest;
    let not = |why: String| {
        OpsError::Layout(format!(
            "--layout kubeadm: {} {why}; the kubeadm layout keeps kubeadm's own flags (one --service-account-key-file=<certificatesDir>/sa.pub, --service-account-signing-key-file=<certificatesDir>/sa.key, the same sa.key for kube-controller-manager); use --layout flags",
            ms.apiserver.path.display()
        ))
    };
    if let Some(ep) = api.signing_endpoint() {
        return Err(not(format!(
            "signs through an external signer ({})",
            crate::text::printable(ep)
        )));
    }
    let key_files = api.key_files();
    let [public] = key_files.as_slice() else {
        return Err(not(format!(
            "has {} --service-account-key-file entries ({})",
            key_files.len(),
            key_files.join(", ")
        )));
    };
    let name = |p: &str| {
        Path::new(p)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
    };
    if name(public).as_deref() != Some("sa.pub") {
        return Err(not(format!("trusts {public}, not kubeadm's sa.pub")));
    }
    let dir = Path::new(public).parent();
    let private = api
        .signing_key_file()
        .ok_or_else(|| not("has no --service-account-signing-key-file".into()))?;
    if name(private).as_deref() != Some("sa.key") || Path::new(private).parent() != dir {
        return Err(not(format!(
            "signs with {private}, not the sa.key beside {public}"
        )));
    }
    if let Some(cm) = &ms.controller_manager {
        match cm.manifest.private_key_file() {
            Some(p) if same_path(p, private) => {}
            other => {
                return Err(not(format!(
                    "is paired with {}, whose --service-account-private-key-file is {}, not {private}",
                    cm.path.display(),
                    other.unwrap_or("not set")
                )));
            }
        }
    }
    let host = |p: &str| {
        ms.target
            .host_path(api, p)
            .ok_or_else(|| OpsError::NotMounted {
                container_path: p.to_string(),
                role: Role::ApiServer,
            })
    };
    Ok(Files {
        public: public.to_string(),
        private: private.to_string(),
        public_host: host(public)?,
        private_host: host(private)?,
    })
}

/// A key file of the node, required.
fn required(node: &mut dyn Node, shown: &str, host: &Path) -> Result<KeyFile, OpsError> {
    let err = |reason: String| OpsError::KeyFile {
        container_path: shown.to_string(),
        host_path: host.to_path_buf(),
        reason,
    };
    match ops::read_key(node, host) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(err("does not exist".into())),
        Err(reason) => Err(err(reason)),
    }
}

/// The kids kube-apiserver takes from a `--service-account-key-file`.
fn used_kids(f: &KeyFile) -> Vec<String> {
    let mut kids: Vec<String> = Vec::new();
    for b in f.blocks.iter().filter(|b| b.key_file_problem().is_none()) {
        let kid = b.key.kid();
        if !kids.contains(&kid) {
            kids.push(kid);
        }
    }
    kids
}

/// Where an edit's own file argument is on the node: through the apiserver's hostPath volumes
/// when one covers it (a container path, as in the flags layout), else as a path of the node
/// (the backup directory is mounted nowhere; only sakr reads it).
fn source_host(ms: &State, p: &str) -> Result<PathBuf, OpsError> {
    edit::validate_path(p).map_err(|source| OpsError::Edit {
        path: ms.apiserver.path.clone(),
        source,
    })?;
    if let Some(h) = ms.target.host_path(&ms.apiserver.manifest, p) {
        return Ok(h);
    }
    let rel = Path::new(p).strip_prefix("/").unwrap_or(Path::new(p));
    if rel
        .components()
        .any(|c| !matches!(c, std::path::Component::Normal(_)))
    {
        return Err(OpsError::Layout(format!("{p}: not a plain absolute path")));
    }
    Ok(ms.target.host_root.join(rel))
}

/// Whether `s` has the shape of a kid (base64url of a SHA-256: 43 characters).
pub fn looks_like_kid(s: &str) -> bool {
    s.len() == 43
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The private key to sign with: a file, or (by kid) an archived `sa.key` in the backup
/// directory or in another of sakr's backup directories beside it.
fn source_private(
    node: &mut dyn Node,
    ms: &State,
    f: &Files,
    src: &str,
    cx: &PlanContext<'_>,
) -> Result<(Secret, String), OpsError> {
    if src.starts_with('/') {
        let host = source_host(ms, src)?;
        let bytes = node
            .read(&host, MAX_INPUT_BYTES)
            .map_err(crate::manifests::write::WriteError::from)?
            .ok_or_else(|| OpsError::KeyFile {
                container_path: src.to_string(),
                host_path: host.clone(),
                reason: "does not exist".into(),
            })?;
        let bytes = Secret::new(bytes);
        let kid = crate::keys::parse_pem_file(bytes.expose())
            .ok()
            .and_then(|k| k.signing_key().map(|b| b.key.kid()))
            .ok_or_else(|| OpsError::KeyFile {
                container_path: src.to_string(),
                host_path: host.clone(),
                reason: "holds no private key (kube-apiserver needs RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)".into(),
            })?;
        return Ok((bytes, kid));
    }
    if !looks_like_kid(src) {
        return Err(OpsError::Layout(format!(
            "`{}`: name the private key by its file (an absolute path) or by its kid",
            crate::text::printable(src)
        )));
    }
    let stem = f
        .private_host
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut dirs = vec![cx.backup_dir.to_path_buf()];
    if let Some(parent) = cx.backup_dir.parent()
        && let Ok(entries) = node.list(parent)
    {
        dirs.extend(
            entries
                .into_iter()
                .filter(|e| e.kind == crate::node::Kind::Dir && e.name.starts_with("sakr-backup-"))
                .map(|e| parent.join(&e.os_name)),
        );
    }
    dirs.dedup();
    let mut looked = 0usize;
    for dir in &dirs {
        let Ok(entries) = node.list(dir) else {
            continue;
        };
        for e in entries
            .into_iter()
            .filter(|e| e.kind == crate::node::Kind::File && e.name.starts_with(&stem))
        {
            // Bounded: a backup tree is sakr's own, but not a reason to read without end.
            looked += 1;
            if looked > 256 {
                break;
            }
            let path = dir.join(&e.os_name);
            let Ok(Some(bytes)) = node.read(&path, MAX_INPUT_BYTES) else {
                continue;
            };
            let bytes = Secret::new(bytes);
            let kid = crate::keys::parse_pem_file(bytes.expose())
                .ok()
                .and_then(|k| k.signing_key().map(|b| b.key.kid()));
            if kid.as_deref() == Some(src) {
                return Ok((bytes, src.to_string()));
            }
        }
    }
    Err(OpsError::Layout(format!(
        "no private key with kid {src} among the archived {stem} files in {} (or the other sakr-backup-* directories beside it); name the key file instead (`sakr manifest sign-with FILE --layout kubeadm`, with --node for a node)",
        cx.backup_dir.display()
    )))
}

/// The public keys an edit's file holds (every key kube-apiserver would take from it).
fn source_public(
    node: &mut dyn Node,
    ms: &State,
    src: &str,
) -> Result<Vec<crate::keys::PublicKey>, OpsError> {
    let host = source_host(ms, src)?;
    let file = required(node, src, &host)?;
    let keys: Vec<_> = file
        .blocks
        .iter()
        .filter(|b| b.key_file_problem().is_none())
        .map(|b| b.key.clone())
        .collect();
    if keys.is_empty() {
        return Err(OpsError::KeyFile {
            container_path: src.to_string(),
            host_path: host,
            reason: "holds no key kube-apiserver would use as --service-account-key-file (see `sakr kid`)".into(),
        });
    }
    Ok(keys)
}

/// A private key readable or writable by every user is not copied into: `sa.key` would pass
/// that mode on to the new signing key (its mode and owner are kept, for rootless control
/// planes whose group reads it).
fn refuse_open_private_key(node: &mut dyn Node, f: &Files) -> Result<(), OpsError> {
    if let Some(meta) = node
        .stat(&f.private_host)
        .map_err(crate::manifests::write::WriteError::from)?
        && meta.mode & 0o007 != 0
    {
        return Err(OpsError::Refused(format!(
            "refusing to write the new signing key into {} ({}): it is open to every user (mode {:o}), and the new key would keep that mode; `chmod o-rwx` it first",
            f.private,
            f.private_host.display(),
            meta.mode & 0o7777
        )));
    }
    Ok(())
}

/// `sa.pub` rewritten as `kids`, in that order: each one's key from `bundle` (a block
/// kube-apiserver uses) as a `PUBLIC KEY` block, the form kubeadm writes.
fn bundle_pem(bundle: &KeyFile, kids: &[String]) -> Secret {
    let mut content = String::new();
    for kid in kids {
        if let Some(b) = bundle
            .blocks
            .iter()
            .find(|b| b.key_file_problem().is_none() && b.key.kid() == *kid)
        {
            content.push_str(&b.key.to_pem());
        }
    }
    Secret::new(content.into_bytes())
}

/// What a component loads, for its annotation: the files it reads and their kids.
fn digest(component: &str, files: &[(&str, &[String])]) -> String {
    let mut h = sha2::Sha256::new();
    h.update(component.as_bytes());
    for (path, kids) in files {
        h.update(format!("\n{path} {}", kids.join(",")).as_bytes());
    }
    let d = h.finalize();
    format!(
        "sha256:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Plan `action` in the kubeadm layout on one node.
pub fn plan_on(
    node: &mut dyn Node,
    ms: &State,
    action: &Action,
    cx: &PlanContext<'_>,
) -> Result<NodePlan, OpsError> {
    let f = require_files(ms)?;
    let bundle = required(node, &f.public, &f.public_host)?;
    let signing = required(node, &f.private, &f.private_host)?;
    let pub_kids = used_kids(&bundle);
    let sign_kid = signing
        .signing_key()
        .map(|b| b.key.kid())
        .ok_or_else(|| OpsError::KeyFile {
            container_path: f.private.clone(),
            host_path: f.private_host.clone(),
            reason: "holds no private key".into(),
        })?;
    let mut key_files = Vec::new();
    let mut notes = Vec::new();
    let (mut pub_after, mut sign_after) = (pub_kids.clone(), sign_kid.clone());
    // Which components read a file this kind of edit changes.
    let (apiserver, controller_manager) = match action {
        Action::Trust(src) => {
            let mut add = Vec::new();
            for k in source_public(node, ms, src)? {
                if !pub_after.contains(&k.kid()) {
                    pub_after.push(k.kid());
                    add.push(k);
                }
            }
            if !add.is_empty() {
                let current = node
                    .read(&f.public_host, MAX_INPUT_BYTES)
                    .map_err(crate::manifests::write::WriteError::from)?
                    .unwrap_or_default();
                let mut content = current;
                if !content.is_empty() && !content.ends_with(b"\n") {
                    content.push(b'\n');
                }
                for k in &add {
                    content.extend_from_slice(k.to_pem().as_bytes());
                }
                key_files.push(KeyFileChange {
                    path: f.public_host.clone(),
                    content: Secret::new(content),
                    mode: 0o644,
                    kids_before: pub_kids.clone(),
                    kids_after: pub_after.clone(),
                });
            }
            (true, false)
        }
        Action::SignWith(src) => {
            // The kid sa.key already holds: nothing to find (a node the switch never reached,
            // going back with the others in an abort).
            let (bytes, kid) = if looks_like_kid(src) && *src == sign_kid {
                (Secret::new(Vec::new()), sign_kid.clone())
            } else {
                source_private(node, ms, &f, src, cx)?
            };
            if !pub_kids.contains(&kid) {
                return Err(OpsError::Refused(format!(
                    "refusing to sign with {src}: its public half (kid {kid}) is not in {} ({}); \
                     run `sakr manifest trust <its .pub>` first, and switch only once every apiserver has restarted with it",
                    f.public,
                    f.public_host.display()
                )));
            }
            if kid != sign_kid {
                refuse_open_private_key(node, &f)?;
                sign_after = kid.clone();
                key_files.push(KeyFileChange {
                    path: f.private_host.clone(),
                    content: bytes,
                    mode: 0o600,
                    kids_before: vec![sign_kid.clone()],
                    kids_after: vec![kid.clone()],
                });
            }
            // The signing key's block first in sa.pub: kubeadm reads the first public key of
            // sa.pub as sa.key's pair (`TryLoadPrivatePublicKeyFromDisk`, on `join
            // --control-plane` without `--certificate-key`) and would fail on a mismatch, or
            // panic across algorithms. kube-apiserver does not care about the order.
            if pub_after.first() != Some(&kid) {
                let mut order = vec![kid.clone()];
                order.extend(pub_kids.iter().filter(|k| **k != kid).cloned());
                pub_after = order;
                key_files.insert(
                    0,
                    KeyFileChange {
                        path: f.public_host.clone(),
                        content: bundle_pem(&bundle, &pub_after),
                        mode: 0o644,
                        kids_before: pub_kids.clone(),
                        kids_after: pub_after.clone(),
                    },
                );
            }
            if ms.controller_manager.is_none() {
                notes.push(
                    "no kube-controller-manager manifest given: it reads sa.key too; restart it (or add its manifest) so that legacy tokens use the new key".into(),
                );
            }
            (true, true)
        }
        Action::Retire(src) => {
            let kids: Vec<String> = if src.starts_with('/') {
                let host = source_host(ms, src)?;
                if host == f.public_host {
                    return Err(OpsError::Layout(format!(
                        "{src} is kubeadm's key bundle itself (every trusted key); name the key to retire by its kid (`sakr manifest show` lists them) or by a file that holds only that key"
                    )));
                }
                source_public(node, ms, src)?
                    .iter()
                    .map(|k| k.kid())
                    .collect()
            } else if looks_like_kid(src) {
                vec![src.clone()]
            } else {
                return Err(OpsError::Layout(format!(
                    "`{}`: name the key to retire by its kid or by a public key file (an absolute path)",
                    crate::text::printable(src)
                )));
            };
            if kids.contains(&sign_kid) {
                return Err(OpsError::Refused(format!(
                    "refusing to retire kid {sign_kid}: it is the current signing key {}; switch to a new signing key (sign-with) before retiring it",
                    f.private
                )));
            }
            pub_after = pub_kids
                .iter()
                .filter(|k| !kids.contains(k))
                .cloned()
                .collect();
            if pub_after != pub_kids {
                if pub_after.is_empty() {
                    return Err(OpsError::Refused(format!(
                        "refusing to empty {}: without a key kube-apiserver accepts no token; trust another key first",
                        f.public
                    )));
                }
                key_files.push(KeyFileChange {
                    path: f.public_host.clone(),
                    content: bundle_pem(&bundle, &pub_after),
                    mode: 0o644,
                    kids_before: pub_kids.clone(),
                    kids_after: pub_after.clone(),
                });
            }
            (true, false)
        }
    };
    let sign = [sign_after.clone()];
    let mut changes = Vec::new();
    let mut annotate_one = |l: &Loaded, role: Role, value: String| -> Result<(), OpsError> {
        let edit_err = |source| OpsError::Edit {
            path: l.path.clone(),
            source,
        };
        if let EditOutcome::Changed(new) =
            annotate::set_annotation(&l.text, role, ANNOTATION, &value).map_err(edit_err)?
        {
            changes.push(FileChange {
                path: l.path.clone(),
                diff: edit::unified_diff(&l.text, &new, &l.path.display().to_string()),
                old: l.text.clone(),
                new,
            });
        }
        Ok(())
    };
    if apiserver {
        let value = digest(
            "kube-apiserver",
            &[(f.public.as_str(), &pub_after), (f.private.as_str(), &sign)],
        );
        annotate_one(&ms.apiserver, Role::ApiServer, value)?;
    }
    if controller_manager && let Some(cm) = &ms.controller_manager {
        let value = digest("kube-controller-manager", &[(f.private.as_str(), &sign)]);
        annotate_one(cm, Role::ControllerManager, value)?;
    }
    ops::refuse_symlinked(ms, &changes)?;
    Ok(NodePlan {
        layout: Layout::Kubeadm,
        key_files,
        manifests: Plan {
            action: action.clone(),
            changes,
            notes,
        },
    })
}

/// The annotation value each component carries now, for `manifest show`.
pub fn annotations(ms: &State) -> Vec<(Role, Option<String>)> {
    let read =
        |l: &Loaded| -> Option<String> { annotate::annotation(&l.text, ANNOTATION).ok().flatten() };
    let mut v = vec![(Role::ApiServer, read(&ms.apiserver))];
    if let Some(cm) = &ms.controller_manager {
        v.push((Role::ControllerManager, read(cm)));
    }
    v
}
