//! `sakr keys install` and `sakr keygen --node` (issue 15): one key pair, the same bytes, on
//! every selected node, through the node interface. The private key is written 0600 from
//! creation and never lands on this machine's disk (keygen generates it in memory).
//!
//! Every node is checked before any is written (its directory exists; a file by either name is
//! absent or already byte-identical — a re-run); then each node gets the private key, then the
//! public key, each with a no-clobber atomic write.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::{KeysAction, KeysArgs, NodeArgs};
use crate::exit::Refused;
use crate::fsutil::WriteOptions;
use crate::keys::secret::Secret;
use crate::node::select::{NodeSpec, Via};
use crate::node::{Kind, Node};
use crate::output::Printer;

/// The selected nodes, with node paths (a `local:///ROOT` node maps them under ROOT).
pub(crate) fn connect(args: &NodeArgs) -> anyhow::Result<Vec<(NodeSpec, Box<dyn Node>)>> {
    let (specs, transports) = super::nodes::resolve(args)?;
    specs
        .into_iter()
        .map(|spec| {
            let root = match &spec.via {
                Via::Local { root } => root.clone(),
                _ => PathBuf::from("/"),
            };
            let node = super::nodes::node_for(&spec, &transports, &root)?;
            Ok((spec, node))
        })
        .collect()
}

/// One file of the pair.
pub(crate) struct PairFile<'a> {
    pub name: &'a str,
    pub bytes: &'a [u8],
    pub mode: u32,
}

#[derive(Serialize)]
pub(crate) struct NodeInstall {
    pub node: String,
    /// Files written now (absent files: a re-run writes nothing).
    pub written: Vec<PathBuf>,
    /// Files already there with the same bytes.
    pub present: Vec<PathBuf>,
}

/// Put `files` into `dir` on every node: all checked first, then written node by node.
pub(crate) fn install(
    nodes: &mut [(NodeSpec, Box<dyn Node>)],
    dir: &Path,
    files: &[PairFile<'_>],
) -> anyhow::Result<Vec<NodeInstall>> {
    let mut todo = Vec::new();
    for (spec, node) in nodes.iter_mut() {
        let ctx = || format!("node {} (nothing was written on any node)", spec.name);
        match node.stat(dir).with_context(ctx)? {
            Some(m) if m.kind == Kind::Dir => {}
            _ => bail!(
                "node {}: {} is not an existing directory (nothing was written on any node)",
                spec.name,
                dir.display()
            ),
        }
        let mut entry = NodeInstall {
            node: spec.name.clone(),
            written: Vec::new(),
            present: Vec::new(),
        };
        for f in files {
            let path = dir.join(f.name);
            match node.read(&path, crate::fsutil::MAX_INPUT_BYTES) {
                Ok(None) => entry.written.push(path),
                Ok(Some(existing)) if existing == f.bytes => entry.present.push(path),
                Ok(Some(_)) | Err(crate::node::NodeError::TooLarge { .. }) => {
                    return Err(Refused(format!(
                        "node {}: {} already exists with other content; refusing to replace a key file (nothing was written on any node)",
                        spec.name,
                        path.display()
                    ))
                    .into());
                }
                Err(e) => return Err(anyhow::Error::new(e).context(ctx())),
            }
        }
        todo.push(entry);
    }
    let mut done: Vec<String> = Vec::new();
    for ((spec, node), entry) in nodes.iter_mut().zip(&todo) {
        for f in files {
            let path = dir.join(f.name);
            if !entry.written.contains(&path) {
                continue;
            }
            if let Err(e) =
                node.write_atomic(&path, f.bytes, WriteOptions::mode(f.mode).no_clobber(true))
            {
                let not_done: Vec<&str> = todo
                    .iter()
                    .map(|t| t.node.as_str())
                    .filter(|n| !done.iter().any(|d| d == n))
                    .collect();
                bail!(
                    "{e}; done: {}; not done: {}. Run the same command again to finish",
                    if done.is_empty() {
                        "none".to_string()
                    } else {
                        done.join(", ")
                    },
                    not_done.join(", ")
                );
            }
        }
        done.push(spec.name.clone());
    }
    Ok(todo)
}

#[derive(Serialize)]
struct Report {
    kid: String,
    dir: PathBuf,
    nodes: Vec<NodeInstall>,
}

pub(crate) fn print(kid: &str, dir: &Path, nodes: Vec<NodeInstall>, printer: &Printer) {
    if printer.json() {
        printer.json_doc(&Report {
            kid: kid.to_string(),
            dir: dir.to_path_buf(),
            nodes,
        });
        return;
    }
    printer.data(kid);
    for n in &nodes {
        printer.note(&format!(
            "node {}: {}",
            n.node,
            if n.written.is_empty() {
                "already there (same bytes)".to_string()
            } else {
                format!(
                    "wrote {}",
                    n.written
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
        ));
    }
}

pub fn run(args: KeysArgs, printer: &Printer) -> anyhow::Result<()> {
    match args.action {
        KeysAction::Install {
            key,
            public,
            dir,
            nodes,
        } => {
            if !nodes.any() {
                bail!("keys install needs --node (one per control-plane node) or --control-plane");
            }
            if !dir.is_absolute() {
                bail!(
                    "--dir {}: must be the absolute directory on the nodes",
                    dir.display()
                );
            }
            let names = [&key, &public].map(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_string)
                    .unwrap_or_default()
            });
            for n in &names {
                crate::keys::name::validate(n).with_context(|| "the key files' names")?;
            }
            let key_bytes = Secret::new(crate::fsutil::read_capped(
                &key,
                crate::fsutil::MAX_INPUT_BYTES,
            )?);
            let key_file = crate::keys::parse_pem_file(key_bytes.expose())
                .with_context(|| key.display().to_string())?;
            let signing = key_file.signing_key().with_context(|| {
                format!(
                    "{}: holds no private key kube-apiserver can sign with",
                    key.display()
                )
            })?;
            let pub_bytes = crate::fsutil::read_capped(&public, crate::fsutil::MAX_INPUT_BYTES)?;
            let pub_file = crate::keys::parse_pem_file(&pub_bytes)
                .with_context(|| public.display().to_string())?;
            let kid = signing.key.kid();
            if pub_file.blocks.len() != 1 || pub_file.blocks[0].key.kid() != kid {
                return Err(Refused(format!(
                    "{} and {} are not one key pair (the private key's kid is {kid})",
                    key.display(),
                    public.display()
                ))
                .into());
            }
            let mut targets = connect(&nodes)?;
            let report = install(
                &mut targets,
                &dir,
                &[
                    PairFile {
                        name: &names[0],
                        bytes: key_bytes.expose(),
                        mode: 0o600,
                    },
                    PairFile {
                        name: &names[1],
                        bytes: &pub_bytes,
                        mode: 0o644,
                    },
                ],
            )?;
            print(&kid, &dir, report, printer);
            Ok(())
        }
    }
}
