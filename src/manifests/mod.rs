//! Static-pod manifests of kube-apiserver and kube-controller-manager (DESIGN §2.5, §2.7, §2.8,
//! §3 `sakr manifest`; issue 3).
//!
//! This module owns the manifest model, the format-preserving edits and the hazard checks. All of
//! it is pure (text in, text out) except two edge files: `locate.rs` reads a manifests directory
//! and `write.rs` writes a manifest atomically and keeps backups. Commands call these; nothing
//! here prints.
//!
//! - [`model`]: parse a manifest's YAML (through saphyr's spans) into [`Manifest`].
//! - [`edit`]: `trust`, `set_signing_key`, `set_private_key`, `retire`, each re-parsed and
//!   verified before its text is returned, plus [`unified_diff`].
//! - [`annotate`]: set one `metadata.annotations` entry (the kubeadm layout's restart
//!   annotation), verified the same way.
//! - [`hazards`]: the checks `sakr manifest show` reports, the kubeadm `extraArgs` hint, and
//!   stray backup files the kubelet would start.
//! - [`kubeadm`]: what a `kubeadm upgrade` would regenerate from the cluster's
//!   ClusterConfiguration, and where that differs from the manifests.

pub mod annotate;
pub mod compare;
pub mod edit;
pub mod hazards;
pub mod kubeadm;
pub mod locate;
pub mod model;
pub mod ops;
mod source;
pub mod write;

use serde::Serialize;

pub use edit::{
    EditError, EditOutcome, retire, set_private_key, set_signing_key, trust, unified_diff,
};
pub use hazards::{
    DirEntry, Hazard, KeyBlockFact, KeyFacts, KeyFileFact, hazards, kubeadm_extra_args_hint,
    stray_manifest_files,
};
pub use locate::{LocateError, Located, locate};
pub use model::{FlagForm, FlagOccurrence, ListKind, Manifest, ParseError, SaFlag};
pub use write::{WriteError, backup, write_atomic};

/// The largest manifest sakr reads. Real ones are a few KiB; the limit keeps a stray huge file
/// in the manifests directory from being slurped (the edge readers enforce it before parsing,
/// and the parser checks it again).
pub const MAX_MANIFEST_BYTES: usize = 1024 * 1024;

/// The control-plane component a manifest runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    ApiServer,
    ControllerManager,
}

impl Role {
    /// The binary (and kubeadm's container name) of this component.
    pub fn binary(self) -> &'static str {
        match self {
            Role::ApiServer => "kube-apiserver",
            Role::ControllerManager => "kube-controller-manager",
        }
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.binary())
    }
}

#[cfg(test)]
mod tests;
