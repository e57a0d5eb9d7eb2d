//! The rotation state file: JSON, versioned, written atomically, never holding key material
//! (only paths and kids). Everything a later `rotate next` needs to resume is here, so a crash
//! between a stage's action and the state update is recovered by re-running the stage, whose
//! action detects it was already done.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const SCHEMA_VERSION: u32 = 1;

/// The stages of DESIGN §1, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Generate,
    Publish,
    Trust,
    Switch,
    Verify,
    Retire,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Generate,
        Stage::Publish,
        Stage::Trust,
        Stage::Switch,
        Stage::Verify,
        Stage::Retire,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Generate => "generate",
            Stage::Publish => "publish",
            Stage::Trust => "trust",
            Stage::Switch => "switch",
            Stage::Verify => "verify",
            Stage::Retire => "retire",
        }
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // `pad`, not `write_str`: `rotate status` aligns stages with `{:<8}`.
        f.pad(self.name())
    }
}

/// A key of the rotation: paths as the containers see them (what the manifests say), and on
/// the host (what sakr reads and writes), plus the kid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub kid: String,
    /// Private key, container path.
    pub private_key: String,
    /// Public key, container path (the `--service-account-key-file` entry).
    pub public_key: String,
    pub private_key_host: PathBuf,
    pub public_key_host: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishConfig {
    pub to: String,
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub cache_control: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manifests_dir: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apiserver: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_manager: Option<PathBuf>,
    pub host_root: PathBuf,
    pub backup_dir: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kubeconfig: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
}

/// How the switch gate learns that every apiserver trusts the new key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "mode")]
pub enum ApiserverCheck {
    /// Ask each apiserver endpoint for its `/openid/v1/jwks` (the drift check).
    Cluster(ClusterConfig),
    /// The operator declared a single control-plane node: the local manifest is the whole truth.
    SingleNode,
    /// No way to check: `rotate next --i-checked-all-apiservers` records the operator's word.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageRecord {
    pub at: jiff::Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationState {
    pub schema_version: u32,
    pub created_at: jiff::Timestamp,
    pub manifests: ManifestConfig,
    pub old: KeyRef,
    pub new: KeyRef,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publish: Option<PublishConfig>,
    pub apiservers: ApiserverCheck,
    /// Where the verify stage asks for a fresh token when the switch gate does not already use
    /// the cluster (`--single-node --kubeconfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_cluster: Option<ClusterConfig>,
    /// The operator's own overlap, before the DESIGN §2.6 minimum is applied.
    pub overlap_seconds: i64,
    /// Stages done, with their UTC time.
    #[serde(default)]
    pub stages: std::collections::BTreeMap<Stage, StageRecord>,
    /// `--i-checked-all-apiservers`, when given: when and by whom (user name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apiservers_asserted: Option<StageRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aborted: Option<StageRecord>,
    /// Set only by `sakr rehearse` (and tests): `--at` may move this rotation's clock.
    #[serde(default)]
    pub simulated_clock: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("cannot read the state file {}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the state file {} is not a sakr rotation state", path.display())]
    Parse {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "the state file {} has schema version {found}; this sakr understands {SCHEMA_VERSION}",
        path.display()
    )]
    Version { path: PathBuf, found: u64 },
    #[error(transparent)]
    Write(#[from] crate::fsutil::FsError),
}

impl RotationState {
    pub fn done(&self, stage: Stage) -> bool {
        self.stages.contains_key(&stage)
    }

    pub fn at(&self, stage: Stage) -> Option<jiff::Timestamp> {
        self.stages.get(&stage).map(|r| r.at)
    }

    /// The first stage not yet done, or `None` when the rotation is complete.
    pub fn next_stage(&self) -> Option<Stage> {
        Stage::ALL.into_iter().find(|s| !self.done(*s))
    }

    /// The cluster the verify stage asks for a fresh token: the one the switch gate asks, or
    /// the one given beside `--single-node`.
    pub fn cluster_for_tokens(&self) -> Option<&ClusterConfig> {
        match &self.apiservers {
            ApiserverCheck::Cluster(c) => Some(c),
            _ => self.token_cluster.as_ref(),
        }
    }

    pub fn load(path: &Path) -> Result<RotationState, StateError> {
        let bytes = crate::fsutil::read_capped(path, crate::fsutil::MAX_INPUT_BYTES).map_err(
            |e| match e {
                crate::fsutil::FsError::Read { source, .. } => StateError::Read {
                    path: path.to_path_buf(),
                    source,
                },
                other => StateError::Write(other),
            },
        )?;
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|source| StateError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        let found = value
            .get("schema_version")
            .and_then(|v| v.as_u64())
            .unwrap_or(0);
        if found != u64::from(SCHEMA_VERSION) {
            return Err(StateError::Version {
                path: path.to_path_buf(),
                found,
            });
        }
        serde_json::from_value(value).map_err(|source| StateError::Parse {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Atomic, 0600 (it names where the private keys are).
    pub fn save(&self, path: &Path, create: bool) -> Result<(), StateError> {
        let mut text = serde_json::to_string_pretty(self).expect("serialising the state");
        text.push('\n');
        crate::fsutil::write_atomic(
            path,
            text.as_bytes(),
            crate::fsutil::WriteOptions::mode(0o600).no_clobber(create),
        )?;
        Ok(())
    }
}
