//! `sakr rehearse --nodes N` (issue 15): the rotation rehearsed over N node trees on this
//! machine, through the node interface's local transport, following the HA procedure of
//! docs/rotation-guide.md from one seat: node `cp-1` runs the staged rotation (`rotate start`,
//! `rotate next`), and after each of its stages the same change reaches every other node the
//! way an operator makes it — `keys install` of the new pair after generate, `manifest trust`,
//! `sign-with` and `retire` over `--node cp-K=local:///ROOT` after trust, switch and retire,
//! and the old key files archived on each node after retire. Each node's diff is shown.
//!
//! At the end every node must hold the same manifests, byte for byte, and the same key files as
//! `cp-1`: the rehearsal fails otherwise (the nodes must never end in different states, which
//! is what went wrong by hand).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;

use super::keys::{self, PairFile};
use super::manifest_nodes::{self, EditReport};
use crate::cli::ManifestOpts;
use crate::fsutil::MAX_INPUT_BYTES;
use crate::manifests::ops::Action;
use crate::node::Node;
use crate::node::local::LocalNode;
use crate::node::select::{NodeSpec, Via};
use crate::output::Printer;
use crate::rotation::{RotationState, Stage};

/// The nodes other than `cp-1`, each a tree `scratch/nodes/cp-K`.
pub(super) struct Peers {
    nodes: Vec<Peer>,
}

struct Peer {
    name: String,
    root: PathBuf,
}

impl Peer {
    /// The node's backup directory, on this machine.
    fn backup_dir(&self) -> PathBuf {
        self.root.join(BACKUP_DIR.trim_start_matches('/'))
    }
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

    fn local_nodes(&self) -> Vec<(NodeSpec, Box<dyn Node>)> {
        self.nodes
            .iter()
            .map(|p| {
                (
                    NodeSpec {
                        name: p.name.clone(),
                        via: Via::Local {
                            root: p.root.clone(),
                        },
                    },
                    Box::new(LocalNode::new(&p.name, &p.root)) as Box<dyn Node>,
                )
            })
            .collect()
    }

    /// After generate: the new pair, as cp-1 holds it, on every other node (same node path,
    /// private key 0600), as `sakr keys install` does.
    pub(super) fn install_pair(
        &self,
        state: &RotationState,
        printer: &Printer,
    ) -> anyhow::Result<Vec<NodeRehearsal>> {
        let key = crate::fsutil::read_capped(&state.new.private_key_host, MAX_INPUT_BYTES)?;
        let public = crate::fsutil::read_capped(&state.new.public_key_host, MAX_INPUT_BYTES)?;
        let file_name = |p: &str| -> anyhow::Result<String> {
            Path::new(p)
                .file_name()
                .and_then(|n| n.to_str())
                .map(str::to_string)
                .with_context(|| format!("{p} has no file name"))
        };
        let dir = Path::new(&state.new.private_key)
            .parent()
            .context("the new key has no directory")?
            .to_path_buf();
        let (key_name, pub_name) = (
            file_name(&state.new.private_key)?,
            file_name(&state.new.public_key)?,
        );
        let files = [
            PairFile {
                name: &key_name,
                bytes: &key,
                mode: 0o600,
            },
            PairFile {
                name: &pub_name,
                bytes: &public,
                mode: 0o644,
            },
        ];
        let mut nodes = self.local_nodes();
        let done = keys::install(&mut nodes, &dir, &files)?;
        let mut out = Vec::new();
        for n in done {
            if !printer.json() {
                printer.data(&format!(
                    "== node {}: installed {}\n",
                    n.node,
                    n.written
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            out.push(NodeRehearsal {
                node: n.node.clone(),
                stages: vec![NodeStage {
                    stage: Stage::Generate,
                    files: n.written.clone(),
                }],
                identical_to_cp_1: false,
            });
        }
        Ok(out)
    }

    /// After cp-1's `stage`: the same manifest edit on every other node, and after retire the
    /// old key files archived on each. One `edit_nodes` per node, because each node keeps its
    /// backups in its own tree (a `--backup-dir` is one host path for every node of a command).
    pub(super) fn follow(
        &self,
        stage: Stage,
        state: &RotationState,
        report: &mut [NodeRehearsal],
        printer: &Printer,
    ) -> anyhow::Result<()> {
        let action = match stage {
            Stage::Trust => Action::Trust(state.new.public_key.clone()),
            Stage::Switch => Action::SignWith(state.new.private_key.clone()),
            Stage::Retire => Action::Retire(state.old.public_key.clone()),
            _ => return Ok(()),
        };
        let mut written: Vec<Vec<PathBuf>> = vec![Vec::new(); self.nodes.len()];
        for (i, p) in self.nodes.iter().enumerate() {
            let mut targets = vec![manifest_nodes::local_target(&p.name, &p.root)];
            let opts = ManifestOpts {
                backup_dir: Some(p.backup_dir()),
                dry_run: false,
                no_check_files: false,
            };
            let edit: EditReport =
                manifest_nodes::edit_nodes(&mut targets, action.clone(), &opts, printer)
                    .with_context(|| format!("rehearsal, {} on node {}", stage, p.name))?;
            for n in edit.nodes {
                written[i].extend(n.changes.into_iter().map(|c| c.path));
            }
        }
        if stage == Stage::Retire {
            for (i, (p, (_, mut node))) in self.nodes.iter().zip(self.local_nodes()).enumerate() {
                let moved = archive(node.as_mut(), state)?;
                if !moved.is_empty() && !printer.json() {
                    printer.data(&format!(
                        "== node {}: archived {}\n",
                        p.name,
                        moved
                            .iter()
                            .map(|m| m.display().to_string())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
                written[i].extend(moved);
            }
        }
        for (r, files) in report.iter_mut().zip(written) {
            r.stages.push(NodeStage { stage, files });
        }
        Ok(())
    }

    /// Every node ends as cp-1 does: the same manifests, the same key files.
    pub(super) fn compare(
        &self,
        scratch: &Path,
        report: &mut [NodeRehearsal],
    ) -> anyhow::Result<()> {
        let first = snapshot(&node_root(scratch, 1).join("etc/kubernetes"))?;
        let mut differ = Vec::new();
        for (p, r) in self.nodes.iter().zip(report.iter_mut()) {
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

/// Where a node's backups go, as a node path (the rotation's own node uses its state's
/// backup directory).
const BACKUP_DIR: &str = "/var/backups/sakr";

/// The old pair's files out of the node's key directory into its backup directory (0600), as
/// the rotation does on its own node; a file already gone is skipped.
fn archive(node: &mut dyn Node, state: &RotationState) -> anyhow::Result<Vec<PathBuf>> {
    let mut moved = Vec::new();
    for p in [&state.old.private_key, &state.old.public_key] {
        let path = Path::new(p);
        let Some(bytes) = node.read(path, MAX_INPUT_BYTES)? else {
            continue;
        };
        node.mkdir_all(Path::new(BACKUP_DIR), 0o700)?;
        let dest = Path::new(BACKUP_DIR).join(path.file_name().unwrap_or_default());
        node.write_atomic(&dest, &bytes, crate::fsutil::WriteOptions::mode(0o600))?;
        node.remove_file(path)?;
        moved.push(path.to_path_buf());
    }
    Ok(moved)
}

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
