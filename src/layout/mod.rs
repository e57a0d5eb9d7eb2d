//! How a key set is expressed on a node (DESIGN §7; issue 17): the layouts.
//!
//! - [`Layout::Flags`], the playbook's own: every trusted key is a `--service-account-key-file`
//!   entry and the signing key is named by the two signing flags; each stage edits the flags
//!   ([`crate::manifests::ops`]).
//! - [`Layout::Kubeadm`]: the flags stay exactly as kubeadm writes them (`sa.pub`, `sa.key` under
//!   its certificates directory) and the key set lives in those files: `sa.pub` is a PEM bundle
//!   of the trusted public keys (kube-apiserver reads every `PUBLIC KEY` block of a key file,
//!   DESIGN §2.5) and `sa.key` is the signing key. A `kubeadm upgrade`, which regenerates the
//!   manifests from its defaults, and a `kubeadm join --control-plane`, which copies `sa.key`
//!   and `sa.pub`, then keep the rotation's keys ([`kubeadm`]).
//!
//! - [`Layout::Signer`]: kube-apiserver signs through `sakr signer serve`; the key set is the
//!   signer's set file, edited at each stage, and nothing restarts ([`signer`]).
//!
//! Every layout plans an edit the same way — every refusal first, nothing written — and give a
//! [`NodePlan`]: the key files to replace (kubeadm) and the manifest changes, applied by
//! [`apply_on`] in the one order that is safe to interrupt (backups, then key files, then the
//! manifests whose change makes the kubelet restart the component).

pub mod kubeadm;
pub mod signer;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::keys::secret::Secret;
use crate::manifests::ops::{self, Action, OpsError, Plan, State};
use crate::manifests::write;
use crate::node::{Node, WriteOptions};

/// How a node's manifests and key files hold the key set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `--service-account-key-file` entries and the signing flags change at each stage.
    #[default]
    Flags,
    /// Flags untouched; `sa.pub` is the bundle of trusted keys, `sa.key` the signing key.
    Kubeadm,
    /// kube-apiserver signs through `sakr signer serve` (--service-account-signing-endpoint);
    /// each stage edits the signer's key set file; nothing restarts.
    Signer,
}

impl Layout {
    pub fn name(self) -> &'static str {
        match self {
            Layout::Flags => "flags",
            Layout::Kubeadm => "kubeadm",
            Layout::Signer => "signer",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The layout the manifests are in: kubeadm's when they use its own `sa.pub` and `sa.key`
/// (one key file, named `sa.pub`, beside the `sa.key` both components sign with), else flags.
pub fn detect(ms: &State) -> Layout {
    if kubeadm::files(ms).is_some() {
        Layout::Kubeadm
    } else {
        Layout::Flags
    }
}

/// The layout to show for the manifests (`manifest show`): the signer layout when
/// kube-apiserver signs through an external signer, else [`detect`]'s. (Edits never pick the
/// signer layout by themselves: it needs the signer's key set file.)
pub fn shown(ms: &State) -> Layout {
    if ms.apiserver.manifest.signing_endpoint().is_some() {
        Layout::Signer
    } else {
        detect(ms)
    }
}

/// `--layout` (or its absence) against the manifests: an explicit kubeadm layout on manifests
/// that do not use kubeadm's files is bad input, naming what differs.
pub fn resolve(ms: &State, asked: Option<Layout>) -> Result<Layout, OpsError> {
    match asked {
        None => Ok(detect(ms)),
        Some(Layout::Flags) => Ok(Layout::Flags),
        Some(Layout::Kubeadm) => kubeadm::require_files(ms).map(|_| Layout::Kubeadm),
        Some(Layout::Signer) => signer::require_endpoint(ms).map(|_| Layout::Signer),
    }
}

/// A key file an edit replaces (kubeadm layout). The content may be a private key: it never
/// reaches output (`Debug` redacts it, and reports show the kids only).
#[derive(Debug, Clone, Serialize)]
pub struct KeyFileChange {
    /// Host path on the node.
    pub path: PathBuf,
    #[serde(skip)]
    pub content: Secret,
    #[serde(skip)]
    pub mode: u32,
    /// The kids kube-apiserver takes from it, before and after (the signing key's kid for a
    /// private key file).
    pub kids_before: Vec<String>,
    pub kids_after: Vec<String>,
}

/// One node's edit: the key files to replace, then the manifest changes.
#[derive(Debug, Clone, Serialize)]
pub struct NodePlan {
    pub layout: Layout,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_files: Vec<KeyFileChange>,
    #[serde(flatten)]
    pub manifests: Plan,
}

impl NodePlan {
    /// Nothing to write: the node already says what was asked.
    pub fn already(&self) -> bool {
        self.key_files.is_empty() && self.manifests.already()
    }

    /// Every file the plan writes (key files first), for reports.
    pub fn files(&self) -> Vec<PathBuf> {
        self.key_files
            .iter()
            .map(|k| k.path.clone())
            .chain(self.manifests.changes.iter().map(|c| c.path.clone()))
            .collect()
    }

    /// One line per key file changed: `sa.pub: kid a → a, b`.
    pub fn key_file_lines(&self) -> Vec<String> {
        let l = |v: &[String]| {
            if v.is_empty() {
                "no key".to_string()
            } else {
                v.join(", ")
            }
        };
        self.key_files
            .iter()
            .map(|k| {
                format!(
                    "{}: kid {} → {}",
                    k.path.display(),
                    l(&k.kids_before),
                    l(&k.kids_after)
                )
            })
            .collect()
    }
}

/// Where the edit's files come from on the node: the backup directory of this run (the
/// kubeadm layout finds an archived signing key there, by kid, for `sign-with KID` and abort).
#[derive(Debug, Clone)]
pub struct PlanContext<'a> {
    pub backup_dir: &'a Path,
    /// Whether key files named by the edit must exist (`--no-check-files` is flags-only).
    pub check_files: bool,
    /// The signer layout's set file and new key (rotations only).
    pub signer: Option<signer::SignerContext<'a>>,
}

/// Plan `action` on one node in `layout`; reads what it needs, writes nothing.
pub fn plan_on(
    node: &mut dyn Node,
    ms: &State,
    layout: Layout,
    action: &Action,
    cx: &PlanContext<'_>,
) -> Result<NodePlan, OpsError> {
    match layout {
        Layout::Flags => Ok(NodePlan {
            layout,
            key_files: Vec::new(),
            manifests: ops::plan_on(node, ms, action, cx.check_files)?,
        }),
        Layout::Kubeadm => kubeadm::plan_on(node, ms, action, cx),
        Layout::Signer => signer::plan_on(node, ms, action, cx),
    }
}

/// Apply `plan` on `node`: back up every file it replaces into `backup_dir` (0600; an old
/// `sa.key` is archived here before anything else), write the key files atomically (their mode
/// and owner kept), then the manifests. A kill anywhere leaves each file old or new, and the
/// manifests — whose change restarts the components — change last, so a component is never
/// restarted onto a half-done key set. Returns the backups.
pub fn apply_on(
    node: &mut dyn Node,
    plan: &NodePlan,
    backup_dir: &Path,
) -> Result<Vec<PathBuf>, OpsError> {
    // Every refusal before the first write: a backup directory inside the manifests directory
    // is refused by the manifests' own backups, which come last.
    for c in &plan.manifests.changes {
        write::check_backup_dir_on(node, &c.path, backup_dir)?;
    }
    let mut backups = Vec::new();
    for k in &plan.key_files {
        if node
            .stat(&k.path)
            .map_err(write::WriteError::from)?
            .is_some()
        {
            backups.push(write::backup_on(node, &k.path, backup_dir)?);
        }
    }
    for k in &plan.key_files {
        node.write_atomic(
            &k.path,
            k.content.expose(),
            WriteOptions::mode(k.mode).keep_mode_and_owner(),
        )
        .map_err(write::WriteError::from)?;
    }
    backups.extend(ops::apply_on(node, &plan.manifests, backup_dir)?);
    Ok(backups)
}
