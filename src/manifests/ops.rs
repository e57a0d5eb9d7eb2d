//! Manifest operations at the edge (cargo's `ops` shape): find the manifests, read the key files
//! they name, plan an edit with every refusal of DESIGN §3 `sakr manifest`, and apply it with a
//! backup and an atomic write. `sakr manifest` and the rotation stages both call these, so the
//! refusals are the same whoever asks.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::edit::{self, EditError, EditOutcome};
use super::hazards::{self, Hazard, KeyFacts, KeyFileFact};
use super::locate::{self, LocateError};
use super::model::{Manifest, ParseError};
use super::{Role, write};
use crate::keys::KeyFile;
use crate::node::Node;
use crate::node::local::LocalNode;

/// Where the manifests are.
#[derive(Debug, Clone)]
pub struct Target {
    pub apiserver: PathBuf,
    pub controller_manager: Option<PathBuf>,
    /// The directory the kubelet watches, when known (for stray-file checks and backups).
    pub manifests_dir: Option<PathBuf>,
    /// hostPath paths are resolved under this directory (for manifests copied off a node, and
    /// for `rehearse`); `/` on a real node.
    pub host_root: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    #[error(transparent)]
    Locate(#[from] LocateError),
    #[error("{path}")]
    Parse {
        path: PathBuf,
        #[source]
        source: ParseError,
    },
    #[error("{path}")]
    Edit {
        path: PathBuf,
        #[source]
        source: EditError,
    },
    #[error(transparent)]
    Write(#[from] write::WriteError),
    #[error("key file {container_path} (on the host: {host_path}): {reason}")]
    KeyFile {
        container_path: String,
        host_path: PathBuf,
        reason: String,
    },
    #[error(
        "{container_path} is not under any hostPath volume mounted into {role}; the container could not read it"
    )]
    NotMounted { container_path: String, role: Role },
    /// The manifests do not fit the layout asked for (bad input, exit 2).
    #[error("{0}")]
    Layout(String),
    /// An unsafe step: the caller exits 1.
    #[error("{0}")]
    Refused(String),
}

impl OpsError {
    /// Refusals (exit 1) as opposed to bad input or I/O (exit 2).
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            OpsError::Refused(_)
                | OpsError::Edit {
                    source: EditError::ExternalSigning { .. }
                        | EditError::LastKeyFile { .. }
                        | EditError::RetiresSigningKey { .. },
                    ..
                }
        )
    }
}

/// One manifest read from disk.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub path: PathBuf,
    pub text: String,
    pub manifest: Manifest,
    /// The manifest is a symbolic link (read through it; never edited through it).
    pub symlink: bool,
}

/// Both manifests and the facts about the key files they name.
#[derive(Debug, Clone)]
pub struct State {
    pub target: Target,
    pub apiserver: Loaded,
    pub controller_manager: Option<Loaded>,
    pub facts: KeyFacts,
    /// Files in the manifests dir the kubelet would start although they look like backups.
    pub stray: Vec<String>,
}

pub fn locate_target(
    manifests_dir: Option<&Path>,
    apiserver: Option<&Path>,
    controller_manager: Option<&Path>,
    host_root: &Path,
) -> Result<Target, OpsError> {
    let mut node = LocalNode::new("", "/");
    Ok(locate_target_reading(
        &mut node,
        manifests_dir,
        apiserver,
        controller_manager,
        host_root,
    )?
    .0)
}

/// [`open_on`] this machine.
pub fn open(
    manifests_dir: Option<&Path>,
    apiserver: Option<&Path>,
    controller_manager: Option<&Path>,
    host_root: &Path,
) -> Result<State, OpsError> {
    open_on(
        &mut LocalNode::new("", "/"),
        manifests_dir,
        apiserver,
        controller_manager,
        host_root,
    )
}

/// Locate the manifests on `node` and [`load_on`] them in one pass: the manifests read and
/// parsed while locating them are not read and parsed again (parsing is most of what a local
/// command costs). The cache lives for this call only, so a [`Target`] kept for later always
/// re-reads.
pub fn open_on(
    node: &mut dyn Node,
    manifests_dir: Option<&Path>,
    apiserver: Option<&Path>,
    controller_manager: Option<&Path>,
    host_root: &Path,
) -> Result<State, OpsError> {
    let (target, read) = locate_target_reading(
        node,
        manifests_dir,
        apiserver,
        controller_manager,
        host_root,
    )?;
    load_with(node, &target, &read)
}

fn locate_target_reading(
    node: &mut dyn Node,
    manifests_dir: Option<&Path>,
    apiserver: Option<&Path>,
    controller_manager: Option<&Path>,
    host_root: &Path,
) -> Result<(Target, Vec<locate::ReadManifest>), OpsError> {
    match (manifests_dir, apiserver) {
        (_, Some(a)) => Ok((
            Target {
                apiserver: a.to_path_buf(),
                controller_manager: controller_manager.map(Path::to_path_buf),
                manifests_dir: a.parent().map(Path::to_path_buf),
                host_root: host_root.to_path_buf(),
            },
            Vec::new(),
        )),
        (dir, None) => {
            let dir = dir.unwrap_or(Path::new("/etc/kubernetes/manifests"));
            let found = locate::locate_on(node, dir)?;
            Ok((
                Target {
                    apiserver: found.apiserver,
                    controller_manager: Some(found.controller_manager),
                    manifests_dir: Some(dir.to_path_buf()),
                    host_root: host_root.to_path_buf(),
                },
                found.read,
            ))
        }
    }
}

fn load_one(
    node: &mut dyn Node,
    read: &[locate::ReadManifest],
    path: &Path,
    role: Role,
) -> Result<Loaded, OpsError> {
    let (text, manifest) = match read.iter().find(|r| r.path == path && r.role == role) {
        Some(r) => (r.text.clone(), r.manifest.clone()),
        None => {
            let text = locate::read_manifest_on(node, path)?;
            let manifest = Manifest::parse(&text, role);
            (text, manifest)
        }
    };
    let manifest = manifest.map_err(|source| OpsError::Parse {
        path: path.to_path_buf(),
        source,
    })?;
    let symlink = node
        .lstat(path)
        .map_err(LocateError::from)?
        .is_some_and(|m| m.kind == crate::node::Kind::Symlink);
    Ok(Loaded {
        path: path.to_path_buf(),
        text,
        manifest,
        symlink,
    })
}

impl Target {
    /// The host path of a container path of `m`, under `host_root`; `None` when no hostPath
    /// mount covers it, or when it would leave `host_root` (issue 13.1).
    ///
    /// Staying under the host root is checked twice. Lexically: the model already refuses
    /// hostPath and subPath values with `..` (and `host_path_for` a `..` below the mount point),
    /// and here every component of the result below the root must be a plain name. Through
    /// links: when the host root is not `/`, no existing component below it may be a symbolic
    /// link that resolves outside it — with a copy of a node's files (`--host-root`, `rehearse`)
    /// a link to `/etc/...` would otherwise make sakr read, archive or overwrite the real host's
    /// file. Links that stay inside the root are followed, as the kubelet would on the node.
    /// On a real node (`/`) every path is under the root, and links are the node's own.
    pub fn host_path(&self, m: &Manifest, container_path: &str) -> Option<PathBuf> {
        let p = m.host_path_for(container_path)?;
        let rel = p.strip_prefix("/").ok()?;
        if rel
            .components()
            .any(|c| !matches!(c, std::path::Component::Normal(_)))
        {
            return None;
        }
        let host = self.host_root.join(rel);
        if self.host_root != Path::new("/") && !stays_under(&self.host_root, rel) {
            return None;
        }
        Some(host)
    }
}

/// Whether `root/rel` stays under `root` after resolving the symbolic links among its
/// existing components (the first missing component ends the walk: nothing below it exists).
fn stays_under(root: &Path, rel: &Path) -> bool {
    let Ok(real_root) = std::fs::canonicalize(root) else {
        // No host root on disk: nothing below it exists to lead anywhere.
        return true;
    };
    let mut at = root.to_path_buf();
    for c in rel.components() {
        at.push(c);
        match std::fs::symlink_metadata(&at) {
            Ok(meta) if meta.file_type().is_symlink() => match std::fs::canonicalize(&at) {
                Ok(real) if real.starts_with(&real_root) => {}
                // Outside, dangling (its target may be created outside), or a loop.
                _ => return false,
            },
            Ok(_) => {}
            Err(_) => return true,
        }
    }
    true
}

/// Read both manifests of `target` on this machine and the key files they name.
pub fn load(target: &Target) -> Result<State, OpsError> {
    load_on(&mut LocalNode::new("", "/"), target)
}

/// Read both manifests of `target` on `node` and the key files they name.
pub fn load_on(node: &mut dyn Node, target: &Target) -> Result<State, OpsError> {
    load_with(node, target, &[])
}

fn load_with(
    node: &mut dyn Node,
    target: &Target,
    read: &[locate::ReadManifest],
) -> Result<State, OpsError> {
    let apiserver = load_one(node, read, &target.apiserver, Role::ApiServer)?;
    let controller_manager = match target.controller_manager.as_deref() {
        Some(p) => Some(load_one(node, read, p, Role::ControllerManager)?),
        None => None,
    };
    let mut facts = KeyFacts::default();
    for kf in apiserver.manifest.key_files() {
        let fact = match target.host_path(&apiserver.manifest, kf) {
            None => unmapped(&apiserver.manifest, kf),
            Some(host) => match read_key(node, &host) {
                Ok(Some(file)) => {
                    facts.key_file_blocks.insert(
                        kf.to_string(),
                        file.blocks
                            .iter()
                            .map(|b| hazards::KeyBlockFact {
                                kid: b.key.kid(),
                                form: b.label.clone(),
                                used: b.key_file_problem().is_none(),
                            })
                            .collect(),
                    );
                    KeyFileFact::Kids {
                        kids: file
                            .blocks
                            .iter()
                            .filter(|b| b.key_file_problem().is_none())
                            .map(|b| b.key.kid())
                            .collect(),
                    }
                }
                Ok(None) => KeyFileFact::Missing,
                Err(reason) => KeyFileFact::Unreadable { reason },
            },
        };
        facts.key_files.insert(kf.to_string(), fact);
    }
    // The kid of a signing (or controller-manager private) key file, or what reading it found
    // instead: `Kids` with no kid when it holds no private key.
    let mut signing_kid = |m: &Manifest, p: &str| -> Result<String, KeyFileFact> {
        let host = target.host_path(m, p).ok_or_else(|| unmapped(m, p))?;
        match read_key(node, &host) {
            Ok(Some(file)) => file
                .signing_key()
                .map(|b| b.key.kid())
                .ok_or(KeyFileFact::Kids { kids: Vec::new() }),
            Ok(None) => Err(KeyFileFact::Missing),
            Err(reason) => Err(KeyFileFact::Unreadable { reason }),
        }
    };
    if let Some(p) = apiserver.manifest.signing_key_file() {
        match signing_kid(&apiserver.manifest, p) {
            Ok(kid) => facts.signing_key_kid = Some(kid),
            Err(problem) => facts.signing_key_problem = Some(problem),
        }
    }
    if let Some(cm) = &controller_manager
        && let Some(p) = cm.manifest.private_key_file()
    {
        match signing_kid(&cm.manifest, p) {
            Ok(kid) => facts.controller_manager_key_kid = Some(kid),
            Err(problem) => facts.controller_manager_key_problem = Some(problem),
        }
    }
    let stray = match &target.manifests_dir {
        Some(dir) => node
            .list(dir)
            .map(|entries| {
                let entries: Vec<hazards::DirEntry> = entries
                    .into_iter()
                    .map(|e| hazards::DirEntry {
                        // Followed as the kubelet follows it: a link to a directory is one.
                        is_dir: e.target == Some(crate::node::Kind::Dir),
                        name: e.name,
                    })
                    .collect();
                hazards::stray_manifest_files(&entries)
            })
            .unwrap_or_default(),
        None => Vec::new(),
    };
    Ok(State {
        target: target.clone(),
        apiserver,
        controller_manager,
        facts,
        stray,
    })
}

/// Why [`Target::host_path`] found no host file for a container path.
fn unmapped(m: &Manifest, container_path: &str) -> KeyFileFact {
    KeyFileFact::Unreadable {
        reason: if m.host_path_for(container_path).is_some() {
            "its host path leaves the host root through a symbolic link; not read".into()
        } else {
            "not under any hostPath mount".into()
        },
    }
}

/// `Ok(None)` when the file does not exist; `Err(reason)` when it cannot be used.
pub(crate) fn read_key(node: &mut dyn Node, host: &Path) -> Result<Option<KeyFile>, String> {
    match node.read(host, crate::fsutil::MAX_INPUT_BYTES) {
        Ok(Some(bytes)) => crate::keys::parse_pem_file(&bytes)
            .map(Some)
            // The reason only: the caller names the file.
            .map_err(|e| e.to_string()),
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Said before [`State::kubeadm_hint_after`] wherever an edit changes the manifests.
pub const KUBEADM_HINT_LEAD: &str = "kubeadm upgrade regenerates these manifests from its ClusterConfiguration; record the flags there too:";

impl State {
    pub fn hazards(&self) -> Vec<Hazard> {
        let mut h = hazards::hazards(
            &self.apiserver.manifest,
            self.controller_manager.as_ref().map(|c| &c.manifest),
            &self.facts,
        );
        h.extend(
            self.stray
                .iter()
                .map(|name| Hazard::StrayManifestFile { name: name.clone() }),
        );
        let kubeadm_made = super::annotate::annotation(
            &self.apiserver.text,
            hazards::KUBEADM_APISERVER_ANNOTATION,
        )
        .is_ok_and(|a| a.is_some());
        h.extend(hazards::outside_kubeadm_files(
            kubeadm_made,
            &self.apiserver.manifest,
            self.controller_manager.as_ref().map(|c| &c.manifest),
        ));
        h
    }

    /// Every kid the apiserver manifest trusts (from key files that could be read).
    pub fn trusted_kids(&self) -> Vec<String> {
        self.facts
            .key_files
            .values()
            .filter_map(|f| match f {
                KeyFileFact::Kids { kids } => Some(kids.clone()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    pub fn kubeadm_hint(&self) -> String {
        hazards::kubeadm_extra_args_hint(
            &self.apiserver.manifest,
            self.controller_manager.as_ref().map(|c| &c.manifest),
        )
    }

    /// The kubeadm hint for the manifests as `plan` leaves them (also for a dry run, which
    /// writes nothing): the flags to record in ClusterConfiguration are the new ones.
    pub fn kubeadm_hint_after(&self, plan: &Plan) -> String {
        let after = |l: &Loaded, role: Role| -> Manifest {
            plan.changes
                .iter()
                .find(|c| c.path == l.path)
                // The edit re-parsed and verified this text before it became a change.
                .and_then(|c| Manifest::parse(&c.new, role).ok())
                .unwrap_or_else(|| l.manifest.clone())
        };
        let api = after(&self.apiserver, Role::ApiServer);
        let cm = self
            .controller_manager
            .as_ref()
            .map(|c| after(c, Role::ControllerManager));
        hazards::kubeadm_extra_args_hint(&api, cm.as_ref())
    }
}

/// The edits sakr manifest offers.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "action", content = "path")]
pub enum Action {
    Trust(String),
    SignWith(String),
    Retire(String),
}

/// One file to change.
#[derive(Debug, Clone, Serialize)]
pub struct FileChange {
    pub path: PathBuf,
    #[serde(skip)]
    pub old: String,
    #[serde(skip)]
    pub new: String,
    pub diff: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub action: Action,
    /// Empty when the manifests already say what was asked.
    pub changes: Vec<FileChange>,
    /// Things the operator should know (e.g. no controller-manager manifest given).
    pub notes: Vec<String>,
}

impl Plan {
    pub fn already(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Read the key file a container path names, requiring it to exist at the mapped host path.
fn required_key(
    node: &mut dyn Node,
    state: &State,
    m: &Manifest,
    role: Role,
    container_path: &str,
) -> Result<KeyFile, OpsError> {
    let host = state
        .target
        .host_path(m, container_path)
        .ok_or_else(|| OpsError::NotMounted {
            container_path: container_path.to_string(),
            role,
        })?;
    let err = |reason: String| OpsError::KeyFile {
        container_path: container_path.to_string(),
        host_path: host.clone(),
        reason,
    };
    match read_key(node, &host) {
        Ok(Some(f)) => Ok(f),
        Ok(None) => Err(err(
            "does not exist (write it there first, or pass --no-check-files when preparing manifests for another machine)".into(),
        )),
        Err(reason) => Err(err(reason)),
    }
}

/// [`plan_on`] this machine.
pub fn plan(state: &State, action: &Action, check_files: bool) -> Result<Plan, OpsError> {
    plan_on(&mut LocalNode::new("", "/"), state, action, check_files)
}

/// Every refusal of the edit, and the new text of each file it changes; reads the key files it
/// needs from `node`, writes nothing.
pub fn plan_on(
    node: &mut dyn Node,
    state: &State,
    action: &Action,
    check_files: bool,
) -> Result<Plan, OpsError> {
    let api = &state.apiserver;
    let edit_err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OpsError::Edit { path, source }
    };
    let mut changes = Vec::new();
    let mut notes = Vec::new();
    let mut push = |path: &Path, old: &str, outcome: EditOutcome| {
        if let EditOutcome::Changed(new) = outcome {
            changes.push(FileChange {
                path: path.to_path_buf(),
                diff: edit::unified_diff(old, &new, &path.display().to_string()),
                old: old.to_string(),
                new,
            });
        }
    };
    // The path's shape before anything is looked up by it: a relative path would be resolved
    // against the container's working directory, never the host file sakr would check.
    let (Action::Trust(p) | Action::SignWith(p) | Action::Retire(p)) = action;
    edit::validate_path(p).map_err(edit_err(&api.path))?;
    match action {
        Action::Trust(pub_path) => {
            if check_files {
                let file = required_key(node, state, &api.manifest, Role::ApiServer, pub_path)?;
                if file.blocks.iter().all(|b| b.key_file_problem().is_some()) {
                    return Err(OpsError::KeyFile {
                        container_path: pub_path.clone(),
                        host_path: state.target.host_path(&api.manifest, pub_path).unwrap_or_default(),
                        reason: "holds no key kube-apiserver would use as --service-account-key-file (see `sakr kid`)".into(),
                    });
                }
            }
            let outcome = edit::trust(&api.text, pub_path).map_err(edit_err(&api.path))?;
            push(&api.path, &api.text, outcome);
        }
        Action::SignWith(key_path) => {
            // The gate of DESIGN §1 "switch": the new key's public half must already be trusted,
            // or every token it signs is rejected. This needs the key itself, so it is checked
            // even with --no-check-files.
            let file = required_key(node, state, &api.manifest, Role::ApiServer, key_path)?;
            let signing = file.signing_key().ok_or_else(|| OpsError::KeyFile {
                container_path: key_path.clone(),
                host_path: state.target.host_path(&api.manifest, key_path).unwrap_or_default(),
                reason: "holds no private key (kube-apiserver needs RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)".into(),
            })?;
            let kid = signing.key.kid();
            if !state.trusted_kids().contains(&kid) {
                return Err(OpsError::Refused(format!(
                    "refusing to sign with {key_path}: its public half (kid {kid}) is not in any --service-account-key-file of {}; \
                     run `sakr manifest trust <its .pub>` first, and switch only once every apiserver has restarted with it",
                    api.path.display()
                )));
            }
            let outcome =
                edit::set_signing_key(&api.text, key_path).map_err(edit_err(&api.path))?;
            push(&api.path, &api.text, outcome);
            match &state.controller_manager {
                Some(cm) => {
                    if cm.manifest.host_path_for(key_path).is_none() {
                        return Err(OpsError::NotMounted {
                            container_path: key_path.clone(),
                            role: Role::ControllerManager,
                        });
                    }
                    let outcome =
                        edit::set_private_key(&cm.text, key_path).map_err(edit_err(&cm.path))?;
                    push(&cm.path, &cm.text, outcome);
                }
                None => notes.push(
                    "no kube-controller-manager manifest given: set its --service-account-private-key-file to the same key, or legacy tokens keep the old key".into(),
                ),
            }
        }
        Action::Retire(pub_path) => {
            let facts = &state.facts;
            let outcome = edit::retire(&api.text, pub_path, |key_file, _signing| {
                // Does this key file hold the signing key's public half? Unknown (unreadable) is
                // treated as yes: refusing is the safe answer.
                match (facts.key_files.get(key_file), &facts.signing_key_kid) {
                    (Some(KeyFileFact::Kids { kids }), Some(sk)) => kids.contains(sk),
                    (Some(KeyFileFact::Kids { .. }), None) => false,
                    _ => true,
                }
            })
            .map_err(edit_err(&api.path))?;
            push(&api.path, &api.text, outcome);
        }
    }
    refuse_symlinked(state, &changes)?;
    Ok(Plan {
        action: action.clone(),
        changes,
        notes,
    })
}

/// A manifest that is a symbolic link is read through the link (as the kubelet reads it), but
/// never edited through it: the atomic rename would replace the link with a plain file and leave
/// its target as it was (issue 13, symlinked manifests handled on purpose).
pub fn refuse_symlinked(state: &State, changes: &[FileChange]) -> Result<(), OpsError> {
    let linked: Vec<&Loaded> = std::iter::once(&state.apiserver)
        .chain(state.controller_manager.as_ref())
        .filter(|l| l.symlink)
        .collect();
    for c in changes {
        if linked.iter().any(|l| l.path == c.path) {
            return Err(OpsError::Refused(format!(
                "refusing to edit {}: it is a symbolic link, and writing it atomically would replace the link with a file; \
                 edit the file it points to (--apiserver/--controller-manager), or replace the link with that file",
                crate::text::printable(&c.path.to_string_lossy()),
            )));
        }
    }
    Ok(())
}

/// The default backup directory: kubeadm's own `/etc/kubernetes/tmp`, beside the manifests
/// directory (given, or the one holding `--apiserver`). Never inside it: the kubelet would start
/// the backups.
pub fn default_backup_dir(
    manifests_dir: Option<&Path>,
    apiserver: Option<&Path>,
    now: jiff::Timestamp,
) -> PathBuf {
    let base = manifests_dir
        .or_else(|| apiserver.and_then(Path::parent))
        .unwrap_or(Path::new("/etc/kubernetes/manifests"))
        .parent()
        .unwrap_or(Path::new("/etc/kubernetes"));
    base.join("tmp")
        .join(format!("sakr-backup-{}", now.strftime("%Y%m%dT%H%M%SZ")))
}

/// [`apply_on`] this machine.
pub fn apply(plan: &Plan, backup_dir: &Path) -> Result<Vec<PathBuf>, OpsError> {
    apply_on(&mut LocalNode::new("", "/"), plan, backup_dir)
}

/// Back up every file first, then write each atomically, on `node`. Returns the backup paths.
pub fn apply_on(
    node: &mut dyn Node,
    plan: &Plan,
    backup_dir: &Path,
) -> Result<Vec<PathBuf>, OpsError> {
    let mut backups = Vec::new();
    for c in &plan.changes {
        backups.push(write::backup_on(node, &c.path, backup_dir)?);
    }
    for c in &plan.changes {
        write::write_atomic_on(node, &c.path, c.new.as_bytes())?;
    }
    Ok(backups)
}

/// The container path under which `m` sees the host path `host` (under the target's host
/// root), through its hostPath volumes: the inverse of [`Target::host_path`].
pub fn container_path_for(target: &Target, m: &Manifest, host: &Path) -> Option<String> {
    let rel_host = host.strip_prefix(&target.host_root).ok()?;
    let host_abs = Path::new("/").join(rel_host);
    m.volume_mounts
        .iter()
        .filter(|mount| mount.sub_path.is_none())
        .filter_map(|mount| {
            let volume = m.volumes.iter().find(|v| v.name == mount.name)?;
            let vol_host = Path::new(volume.host_path.as_deref()?);
            let rest = host_abs.strip_prefix(vol_host).ok()?;
            Some((
                vol_host.components().count(),
                Path::new(&mount.mount_path).join(rest),
            ))
        })
        .max_by_key(|(depth, _)| *depth)
        .map(|(_, p)| p.to_string_lossy().into_owned())
}
