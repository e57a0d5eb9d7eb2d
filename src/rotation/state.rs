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

/// Where a node's kube-apiserver answers: the address it registers in the `default/kubernetes`
/// EndpointSlice (normally the node's InternalIP) and its port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiserverAddress {
    pub host: String,
    pub port: u16,
}

impl ApiserverAddress {
    pub fn endpoint(&self) -> crate::cluster::EndpointAddress {
        crate::cluster::EndpointAddress {
            host: self.host.clone(),
            port: self.port,
            ready: None,
        }
    }

    /// `host:port`, IPv6 bracketed.
    pub fn place(&self) -> String {
        self.endpoint().place()
    }
}

/// One control-plane node of a rotation driven from one seat (issue 16): how it is reached,
/// where its apiserver answers, and which stages it has been through. A stage of the rotation
/// is done when every node has done it; a node's own record lets a resumed stage skip what a
/// killed run finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RotationNode {
    #[serde(flatten)]
    pub spec: crate::node::select::NodeSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apiserver: Option<ApiserverAddress>,
    #[serde(default)]
    pub stages: std::collections::BTreeMap<Stage, StageRecord>,
}

/// How the nodes are reached (no credentials: ssh keys stay with the ssh client and agent, the
/// pod transport uses the rotation's kubeconfig).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeTransport {
    pub ssh_command: String,
    #[serde(default)]
    pub sudo: bool,
    pub node_image: String,
    pub node_namespace: String,
}

impl Default for NodeTransport {
    fn default() -> Self {
        NodeTransport {
            ssh_command: "ssh".into(),
            sudo: false,
            node_image: crate::cluster::node_pod::DEFAULT_IMAGE.into(),
            node_namespace: "kube-system".into(),
        }
    }
}

/// How long a rolling stage waits for one node's apiserver to come back (`--node-timeout`).
pub const DEFAULT_NODE_TIMEOUT_SECONDS: u64 = 300;

fn default_node_timeout() -> u64 {
    DEFAULT_NODE_TIMEOUT_SECONDS
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
    /// The control-plane nodes, in rolling order (`--node`, `--control-plane`); empty: the
    /// machine sakr runs on, with the paths of `manifests` as host paths.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<RotationNode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transport: Option<NodeTransport>,
    #[serde(default = "default_node_timeout")]
    pub node_timeout_seconds: u64,
    /// How the nodes hold the key set (issue 17); states from before it are in the flags layout.
    #[serde(default)]
    pub layout: crate::layout::Layout,
    /// `--no-public-check` (issue 18): the switch gate does not fetch the issuer's documents
    /// over HTTPS as relying parties do; when, and by whom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_public_check: Option<StageRecord>,
    /// `--relying-party-refresh`: a relying party's own JWKS refresh interval, waited for after
    /// the published max-age before switch.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub relying_party_refresh_seconds: i64,
    /// `--allow-breaking-legacy-tokens` (issue 18): the operator's decision to retire although
    /// legacy token Secrets carry the old kid; when, by whom, and which.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy_tokens_allowed: Option<StageRecord>,
    /// The apiservers' ServiceAccount token counters at switch and before retire (issue 18).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub metrics: std::collections::BTreeMap<Stage, Vec<super::metrics::ApiserverMetrics>>,
    /// What the switch gate last saw at the public `jwks_uri`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_view: Option<PublicView>,
    /// The signer layout (issue 20): the signer's set file and the key the rotation adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<SignerRef>,
}

/// A rotation through `sakr signer` (the signer layout): where the key set is on every node,
/// and the entry trust adds. No key material: a file key's path, an HSM label, a KMS ARN.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerRef {
    /// The set file, as each node (and its signer) sees it.
    pub config: PathBuf,
    /// The old (active) key's entry name.
    pub old_name: String,
    /// The entry trust adds and switch activates.
    pub new_entry: crate::signer::config::KeyEntry,
    /// The new public key (PEM), for the publish and verify stages.
    pub new_public_pem: String,
}

fn is_zero(v: &i64) -> bool {
    *v == 0
}

/// The issuer's JWKS as a relying party fetched it (issue 18).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicView {
    pub at: jiff::Timestamp,
    pub jwks_url: String,
    pub kids: Vec<String>,
    /// The longest a cache or relying party may keep a JWKS: the response's `Cache-Control`
    /// max-age, or the published one, whichever is longer.
    pub max_age_seconds: i64,
    /// When the public `jwks_uri` was first seen serving the new kid: a relying party that
    /// fetched just before (from a cache still holding the old JWKS) keeps the old one for a
    /// max-age from about then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_seen_new: Option<jiff::Timestamp>,
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
    /// A state file that someone else could have written: sakr moves and deletes key files by
    /// the paths it names, as root (issue 13, finding 8).
    #[error("refusing the state file {}: {why}; sakr writes it 0600 in a directory only its owner can write", path.display())]
    Untrusted { path: PathBuf, why: String },
}

impl RotationState {
    pub fn done(&self, stage: Stage) -> bool {
        self.stages.contains_key(&stage)
    }

    /// Whether some node has been through `stage` (a rolling stage under way, or done).
    pub fn any_node_done(&self, stage: Stage) -> bool {
        self.nodes.iter().any(|n| n.stages.contains_key(&stage))
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
        let bytes = read_trusted(path)?;
        RotationState::from_bytes(&bytes, path)
    }

    /// A state document read from `origin` (a file, or `k8s://NAMESPACE/NAME`).
    pub fn from_bytes(bytes: &[u8], origin: &Path) -> Result<RotationState, StateError> {
        let path = origin;
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|source| StateError::Parse {
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
        let mut state: RotationState =
            serde_json::from_value(value).map_err(|source| StateError::Parse {
                path: path.to_path_buf(),
                source,
            })?;
        // A state written by an earlier sakr may hold a SAS in its publish URL: drop it in
        // memory (the next save writes the clean form), so it is never printed again.
        if let Some(p) = &mut state.publish {
            p.to = publish_url_without_credentials(&p.to);
        }
        Ok(state)
    }

    /// The state document as saved (pretty JSON, a final newline).
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("serialising the state");
        text.push('\n');
        text
    }

    /// Atomic, 0600 (it names where the private keys are).
    pub fn save(&self, path: &Path, create: bool) -> Result<(), StateError> {
        let text = self.to_text();
        crate::fsutil::write_atomic(
            path,
            text.as_bytes(),
            crate::fsutil::WriteOptions::mode(0o600).no_clobber(create),
        )?;
        Ok(())
    }
}

/// The `--publish-to` URL as the state keeps it: the canonical, credential-free form of the
/// target (a SAS query dropped), or the text as given when it does not parse (it was validated
/// at start; an unparsable one fails at its next use with its own error).
pub fn publish_url_without_credentials(to: &str) -> String {
    crate::publish::target::Target::parse(to)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| to.to_string())
}

/// Read a state file that only its owner (root, or the user running sakr) could have written:
/// not a symlink, a regular file, not writable by group or others, owned by root or by us, in a
/// directory that others cannot write (or that has the sticky bit). Capped like every input.
fn read_trusted(path: &Path) -> Result<Vec<u8>, StateError> {
    use crate::fsutil::{self, FsError, Links};
    use std::os::unix::fs::MetadataExt as _;
    let untrusted = |why: String| StateError::Untrusted {
        path: path.to_path_buf(),
        why,
    };
    // No link: a symlink planted at the state path must not redirect sakr's reads and, at the
    // next save, its rename; never blocking: a FIFO must not hang the run.
    let (file, meta) = match fsutil::open_input(path, Links::Refuse) {
        Ok(opened) => opened,
        Err(FsError::NotAFile { .. }) => {
            let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            return Err(untrusted(
                if link {
                    "it is a symbolic link"
                } else {
                    "it is not a regular file"
                }
                .into(),
            ));
        }
        Err(FsError::Read { source, .. }) => {
            return Err(StateError::Read {
                path: path.to_path_buf(),
                source,
            });
        }
        Err(e) => return Err(StateError::Write(e)),
    };
    if meta.mode() & 0o022 != 0 {
        return Err(untrusted(format!(
            "its mode {:04o} lets others write it",
            meta.mode() & 0o7777
        )));
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    let me = unsafe { libc::geteuid() };
    if meta.uid() != 0 && meta.uid() != me {
        return Err(untrusted(format!(
            "it is owned by uid {}, neither root nor the user running sakr",
            meta.uid()
        )));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::metadata(dir)
        && d.mode() & 0o002 != 0
        && d.mode() & 0o1000 == 0
    {
        return Err(untrusted(format!(
            "its directory {} is writable by everyone (without the sticky bit), so anyone can replace it",
            dir.display()
        )));
    }
    fsutil::read_opened(path, file, &meta, fsutil::MAX_INPUT_BYTES).map_err(|e| match e {
        FsError::Read { source, .. } => StateError::Read {
            path: path.to_path_buf(),
            source,
        },
        e => StateError::Write(e),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn minimal() -> &'static str {
        r#"{"schema_version":1}"#
    }

    #[test]
    fn a_state_others_can_write_is_refused_before_it_is_parsed() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("rotation.json");
        std::fs::write(&p, minimal()).unwrap();
        for mode in [0o666, 0o620, 0o602] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            let e = RotationState::load(&p).unwrap_err();
            assert!(matches!(e, StateError::Untrusted { .. }), "{mode:o}: {e}");
            assert!(e.to_string().contains("lets others write it"), "{e}");
        }
        // Owner-only: it gets as far as parsing (and fails there, being minimal).
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            RotationState::load(&p),
            Err(StateError::Parse { .. })
        ));
    }

    #[test]
    fn a_symlinked_state_or_one_in_a_world_writable_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, minimal()).unwrap();
        let link = dir.path().join("rotation.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = RotationState::load(&link).unwrap_err().to_string();
        assert!(e.contains("symbolic link"), "{e}");

        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let p = open.join("rotation.json");
        std::fs::write(&p, minimal()).unwrap();
        let e = RotationState::load(&p).unwrap_err().to_string();
        assert!(e.contains("writable by everyone"), "{e}");
        // /tmp-like: the sticky bit keeps others from replacing our file.
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert!(matches!(
            RotationState::load(&p),
            Err(StateError::Parse { .. })
        ));
    }

    #[test]
    fn a_sas_in_the_publish_url_is_dropped() {
        assert_eq!(
            publish_url_without_credentials(
                "https://acct.blob.core.windows.net/oidc/c1?sv=2024-01-01&sig=SECRET"
            ),
            "https://acct.blob.core.windows.net/oidc/c1"
        );
        assert_eq!(
            publish_url_without_credentials("s3://bucket/c1"),
            "s3://bucket/c1"
        );
    }
}
