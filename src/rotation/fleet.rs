//! The nodes a rotation acts on (issue 16; DESIGN §7): every file a stage reads or writes on a
//! node — manifests, key files, backups, archived keys — goes through the node interface
//! ([`crate::node::Node`]), so a rotation of the machine sakr runs on and a rotation of a whole
//! HA control plane from a workstation run the same stage code.
//!
//! A rotation without `--node` has one member: this machine (`LocalNode` at `/`, the state's
//! paths as host paths, `--host-root` honoured). A rotation with nodes has one member per
//! node, in the state's (rolling) order, reached by its transport. Paths handed to a member's
//! node are always *host* paths as the manifests layer computes them (its hostPath volumes
//! under the member's host root), so a `local:///ROOT` node tree, an ssh node and a pod node
//! differ only in their host root.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::state::{
    ApiserverAddress, ClusterConfig, ManifestConfig, NodeTransport, RotationNode, RotationState,
};
use crate::fsutil::MAX_INPUT_BYTES;
use crate::keys::KeyFile;
use crate::manifests::ops::{self, OpsError, State as ManifestState};
use crate::node::select::Via;
use crate::node::{Node, NodeError, Transports, WriteOptions};

/// One node of the rotation.
pub struct Member {
    /// The node's name; empty for this machine (a rotation without `--node`).
    pub name: String,
    pub node: Box<dyn Node>,
    manifests_dir: Option<PathBuf>,
    apiserver: Option<PathBuf>,
    controller_manager: Option<PathBuf>,
    host_root: PathBuf,
    /// Where this node's manifest backups and archived keys go (a host path of `node`).
    pub backup_dir: PathBuf,
    /// Where its kube-apiserver answers, when the rotation has a cluster to ask.
    pub apiserver_at: Option<ApiserverAddress>,
    /// Its index in the state's `nodes` (none for this machine).
    pub index: Option<usize>,
}

impl Member {
    /// "node NAME", or "this node".
    pub fn label(&self) -> String {
        if self.name.is_empty() {
            "this node".into()
        } else {
            format!("node {}", self.name)
        }
    }

    /// The node's root (a node tree's directory; `/` for a real node).
    pub fn host_root(&self) -> &Path {
        &self.host_root
    }

    /// The host path of a node path (under a node tree's root).
    pub fn host_of(&self, node_path: &Path) -> PathBuf {
        under_root(&self.host_root, node_path)
    }

    /// The node's manifests, located and parsed (read fresh on every call).
    pub fn load(&mut self) -> Result<ManifestState, OpsError> {
        ops::open_on(
            self.node.as_mut(),
            self.manifests_dir.as_deref(),
            self.apiserver.as_deref(),
            self.controller_manager.as_deref(),
            &self.host_root,
        )
    }

    /// A key file on the node (`None` when it does not exist), parsed as kube-apiserver
    /// reads key files (DESIGN §2.5).
    pub fn key_file(&mut self, host: &Path) -> anyhow::Result<Option<KeyFile>> {
        let Some(bytes) = self.node.read(host, MAX_INPUT_BYTES)? else {
            return Ok(None);
        };
        let file = crate::keys::parse_pem_file(&bytes)
            .with_context(|| format!("{}{}", self.prefix(), host.display()))?;
        Ok(Some(file))
    }

    /// [`Member::key_file`], required.
    pub fn require_key_file(&mut self, host: &Path) -> anyhow::Result<KeyFile> {
        let prefix = self.prefix();
        self.key_file(host)?
            .with_context(|| format!("{prefix}{}: no such file", host.display()))
    }

    /// The raw bytes of a file on the node, required (a private key: kept in a wiped buffer).
    pub fn secret(&mut self, host: &Path) -> anyhow::Result<crate::keys::secret::Secret> {
        let prefix = self.prefix();
        let bytes = self
            .node
            .read(host, MAX_INPUT_BYTES)?
            .with_context(|| format!("{prefix}{}: no such file", host.display()))?;
        Ok(crate::keys::secret::Secret::new(bytes))
    }

    /// `node NAME: ` before a message about one of its files, or nothing for this machine.
    pub fn prefix(&self) -> String {
        if self.name.is_empty() {
            String::new()
        } else {
            format!("node {}: ", self.name)
        }
    }

    /// Write a new key pair (private key first, 0600; then the public key, 0644), neither
    /// replacing an existing file. A file already holding exactly these bytes (a start run
    /// again after a kill) is left as it is.
    pub fn write_pair(
        &mut self,
        key: (&Path, &[u8]),
        public: (&Path, &[u8]),
    ) -> Result<Vec<PathBuf>, NodeError> {
        let mut written = Vec::new();
        for (path, bytes, mode) in [(key.0, key.1, 0o600), (public.0, public.1, 0o644)] {
            if let Some(dir) = path.parent() {
                self.node.mkdir_all(dir, 0o755)?;
            }
            match self
                .node
                .write_atomic(path, bytes, WriteOptions::mode(mode).no_clobber(true))
            {
                Ok(()) => written.push(path.to_path_buf()),
                Err(NodeError::Exists { .. })
                    if self.node.read(path, MAX_INPUT_BYTES)?.as_deref() == Some(bytes) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(written)
    }

    /// Move a file into the backup directory (0600), then remove it; a file already gone is
    /// skipped (an earlier, interrupted run moved it). Returns whether it moved now.
    pub fn archive(&mut self, host: &Path) -> Result<bool, NodeError> {
        let Some(bytes) = self.node.read(host, MAX_INPUT_BYTES)? else {
            return Ok(false);
        };
        let bytes = zeroize::Zeroizing::new(bytes);
        self.node.mkdir_all(&self.backup_dir, 0o700)?;
        let dest = self.backup_dir.join(host.file_name().unwrap_or_default());
        self.node
            .write_atomic(&dest, &bytes, WriteOptions::mode(0o600))?;
        self.node.remove_file(host)?;
        Ok(true)
    }
}

/// The members of a rotation, in rolling order.
pub struct Fleet {
    pub members: Vec<Member>,
}

impl Fleet {
    /// This machine alone: the state's paths are host paths.
    pub fn local(m: &ManifestConfig) -> Fleet {
        Fleet {
            members: vec![Member {
                name: String::new(),
                node: Box::new(crate::node::local::LocalNode::new("", "/")),
                manifests_dir: m.manifests_dir.clone(),
                apiserver: m.apiserver.clone(),
                controller_manager: m.controller_manager.clone(),
                host_root: m.host_root.clone(),
                backup_dir: m.backup_dir.clone(),
                apiserver_at: None,
                index: None,
            }],
        }
    }

    /// The members of `state`: this machine, or its nodes reached as recorded (node pods
    /// through `cluster`, this run's kubeconfig).
    pub fn of(state: &RotationState, cluster: Option<&ClusterConfig>) -> anyhow::Result<Fleet> {
        if state.nodes.is_empty() {
            return Ok(Fleet::local(&state.manifests));
        }
        let transport = state.transport.clone().unwrap_or_default();
        Fleet::connect(&state.nodes, &transport, &state.manifests, cluster)
    }

    /// Members for `nodes` (nothing runs on a node until its first read). The manifests
    /// config holds node paths; a `local:///ROOT` node has them under its root.
    pub fn connect(
        nodes: &[RotationNode],
        transport: &NodeTransport,
        m: &ManifestConfig,
        cluster: Option<&ClusterConfig>,
    ) -> anyhow::Result<Fleet> {
        let needs_pods = nodes.iter().any(|n| n.spec.via == Via::Pod);
        let pod = if needs_pods {
            let opts = crate::cluster::ClusterOptions {
                kubeconfig: cluster.and_then(|c| c.kubeconfig.clone()),
                context: cluster.and_then(|c| c.context.clone()),
            };
            let cluster = crate::cluster::runtime()?
                .block_on(crate::cluster::Cluster::connect(&opts))
                .context("the nodes are reached by pods, through the Kubernetes API")?;
            Some(crate::node::pod::PodOptions {
                cluster,
                namespace: transport.node_namespace.clone(),
                image: transport.node_image.clone(),
            })
        } else {
            None
        };
        let transports = Transports {
            ssh: crate::node::ssh::SshOptions {
                command: crate::node::ssh::SshOptions::parse_command(&transport.ssh_command)
                    .map_err(anyhow::Error::msg)?,
                sudo: transport.sudo,
                ..Default::default()
            },
            pod,
        };
        let mut members = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            let node = crate::node::node_for(&n.spec, &transports, Path::new("/"))?;
            let root = match &n.spec.via {
                Via::Local { root } => root.clone(),
                Via::Pod | Via::Ssh { .. } => PathBuf::from("/"),
            };
            let under = |p: &Option<PathBuf>| p.as_ref().map(|p| under_root(&root, p));
            let manifests_dir = match (&m.manifests_dir, &m.apiserver) {
                (Some(d), _) => Some(under_root(&root, d)),
                (None, None) => Some(under_root(&root, Path::new("/etc/kubernetes/manifests"))),
                (None, Some(_)) => None,
            };
            members.push(Member {
                name: n.spec.name.clone(),
                node,
                manifests_dir,
                apiserver: under(&m.apiserver),
                controller_manager: under(&m.controller_manager),
                host_root: root.clone(),
                backup_dir: under_root(&root, &m.backup_dir),
                apiserver_at: n.apiserver.clone(),
                index: Some(i),
            });
        }
        Ok(Fleet { members })
    }

    /// Open every node's session at once (an ssh handshake, a node pod's start), so that a
    /// stage pays for the slowest node once rather than for every node in turn. Errors are left
    /// for the first real operation on that node to report, with its context.
    pub fn open_sessions(&mut self) {
        if self.members.len() < 2 {
            return;
        }
        std::thread::scope(|s| {
            for m in self.members.iter_mut() {
                s.spawn(move || {
                    let _ = m.node.stat(Path::new("/"));
                });
            }
        });
    }

    pub fn is_local(&self) -> bool {
        self.members.len() == 1 && self.members[0].index.is_none()
    }

    /// The node names, for messages.
    pub fn names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }
}

/// A node path under a node tree's root (`/` for a real node).
use crate::node::under_root;
