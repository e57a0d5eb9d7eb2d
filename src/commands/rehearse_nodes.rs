//! `sakr rehearse --nodes N` (issues 15, 16): an HA control plane of N node trees on this
//! machine (`cp-1` … `cp-N`), rotated by one rotation from one seat, as `rotate start --node
//! cp-K=local:///ROOT …` does on real nodes: every stage acts on every node through the node
//! interface's local transport, rolling node by node (the switch and the retire reach `cp-2`
//! only after `cp-1` is done). Without apiservers to wait for, the switch gate reads every
//! node's manifests.
//!
//! At the end every node must hold the same manifests, byte for byte, and the same key files as
//! `cp-1`: the rehearsal fails otherwise (the nodes must never end in different states, which
//! is what went wrong by hand).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::node::select::{NodeSpec, Via};
use crate::rotation::Stage;
use crate::rotation::run::{NodeStep, StepReport};

/// The nodes other than `cp-1`, each a tree `scratch/nodes/cp-K`.
pub(super) struct Peers {
    nodes: Vec<Peer>,
}

struct Peer {
    name: String,
    root: PathBuf,
}

/// What one node went through, for `-o json` and the final table.
#[derive(Serialize)]
pub(super) struct NodeRehearsal {
    node: String,
    /// Files written on the node, stage by stage.
    stages: Vec<NodeStage>,
    /// The node ended with the same manifests and key files as cp-1.
    identical_to_cp_1: bool,
}

#[derive(Serialize)]
struct NodeStage {
    stage: Stage,
    files: Vec<PathBuf>,
}

/// What each node went through, from the steps of the rotation: files written at each stage.
pub(super) fn per_node(generated: &[NodeStep], stages: &[StepReport]) -> Vec<NodeRehearsal> {
    let mut out: Vec<NodeRehearsal> = generated
        .iter()
        .map(|g| NodeRehearsal {
            node: g.node.clone(),
            stages: vec![NodeStage {
                stage: Stage::Generate,
                files: g.files.clone(),
            }],
            identical_to_cp_1: false,
        })
        .collect();
    for r in stages {
        let Some(stage) = r.stage else { continue };
        for n in &r.nodes {
            if let Some(o) = out.iter_mut().find(|o| o.node == n.node) {
                o.stages.push(NodeStage {
                    stage,
                    files: n.files.clone(),
                });
            }
        }
    }
    out
}

pub(super) fn node_root(scratch: &Path, k: usize) -> PathBuf {
    scratch.join("nodes").join(format!("cp-{k}"))
}

impl Peers {
    /// Nodes cp-2 … cp-N: a copy of cp-1's `/etc/kubernetes` (manifests and stand-in keys; a
    /// control plane's nodes share one signing key pair).
    pub(super) fn setup(scratch: &Path, n: usize) -> anyhow::Result<Peers> {
        let first = node_root(scratch, 1).join("etc/kubernetes");
        let mut nodes = Vec::new();
        for k in 2..=n {
            let root = node_root(scratch, k);
            copy_tree(&first, &root.join("etc/kubernetes"))?;
            nodes.push(Peer {
                name: format!("cp-{k}"),
                root,
            });
        }
        Ok(Peers { nodes })
    }

    /// Every node of the rehearsal, cp-1 first (the rolling order), as `--node
    /// cp-K=local:///ROOT`.
    pub(super) fn specs(&self, first_root: &Path) -> Vec<NodeSpec> {
        std::iter::once(("cp-1".to_string(), first_root.to_path_buf()))
            .chain(self.nodes.iter().map(|p| (p.name.clone(), p.root.clone())))
            .map(|(name, root)| NodeSpec {
                name,
                via: Via::Local { root },
            })
            .collect()
    }

    /// Every node ends as cp-1 does: the same manifests, the same key files.
    pub(super) fn compare(
        &self,
        scratch: &Path,
        report: &mut [NodeRehearsal],
    ) -> anyhow::Result<()> {
        let first = snapshot(&node_root(scratch, 1).join("etc/kubernetes"))?;
        let mut differ = Vec::new();
        if let Some(first) = report.first_mut() {
            first.identical_to_cp_1 = true;
        }
        for (p, r) in self.nodes.iter().zip(report.iter_mut().skip(1)) {
            let mine = snapshot(&p.root.join("etc/kubernetes"))?;
            r.identical_to_cp_1 = mine == first;
            if !r.identical_to_cp_1 {
                differ.push(p.name.clone());
            }
        }
        if !differ.is_empty() {
            bail!(
                "rehearsal: node(s) {} ended different from cp-1 (manifests or key files)",
                differ.join(", ")
            );
        }
        Ok(())
    }
}

/// Where each node's backups go, as a node path (outside `/etc/kubernetes`, so the final
/// comparison of the nodes' trees is about what the kubelet and kube-apiserver read).
pub(super) const BACKUP_DIR: &str = "/var/backups/sakr";

/// Relative path → bytes of every file under `dir`.
fn snapshot(dir: &Path) -> anyhow::Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| d.display().to_string())? {
            let e = e?;
            let p = e.path();
            if e.file_type()?.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap_or(&p).to_path_buf();
                out.push((rel, std::fs::read(&p)?));
            }
        }
    }
    out.sort();
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from).with_context(|| from.display().to_string())? {
        let e = e?;
        let dest = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &dest)?;
        } else {
            let bytes = std::fs::read(e.path())?;
            let mode = std::os::unix::fs::PermissionsExt::mode(&e.metadata()?.permissions());
            crate::fsutil::write_atomic(
                &dest,
                &bytes,
                crate::fsutil::WriteOptions::mode(mode & 0o777),
            )?;
        }
    }
    Ok(())
}

/// The files written on each node, stage by stage.
pub(super) fn table(nodes: &[NodeRehearsal]) -> String {
    let stages = [Stage::Generate, Stage::Trust, Stage::Switch, Stage::Retire];
    let mut out = format!(
        "{:<8} {}  same as cp-1\n",
        "node",
        stages
            .iter()
            .map(|s| format!("{:<9}", s.to_string()))
            .collect::<String>()
    );
    for n in nodes {
        let cells: String = stages
            .iter()
            .map(|s| {
                let count: usize = n
                    .stages
                    .iter()
                    .filter(|x| x.stage == *s)
                    .map(|x| x.files.len())
                    .sum();
                format!(
                    "{:<9}",
                    format!("{count} file{}", if count == 1 { "" } else { "s" })
                )
            })
            .collect();
        out.push_str(&format!(
            "{:<8} {cells}  {}\n",
            n.node,
            if n.identical_to_cp_1 { "yes" } else { "NO" }
        ));
    }
    out
}
