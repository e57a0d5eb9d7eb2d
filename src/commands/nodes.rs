//! The nodes a command acts on (issue 15, DESIGN §7): `--node` and `--control-plane` resolved to
//! node specs, and each spec to a [`Node`] of its transport. Shared by `sakr manifest`,
//! `sakr keygen --node` and `sakr keys install`.

use std::path::Path;

use anyhow::{Context as _, bail};

use crate::cli::NodeArgs;
use crate::node::Node;
use crate::node::local::LocalNode;
use crate::node::select::{self, NodeSpec, Via};
use crate::node::ssh::{self, SshOptions};

/// `--ssh-command` and `--sudo`.
pub(crate) fn ssh_options(args: &NodeArgs) -> anyhow::Result<SshOptions> {
    Ok(SshOptions {
        command: SshOptions::parse_command(&args.ssh_command).map_err(anyhow::Error::msg)?,
        sudo: args.sudo,
        ..SshOptions::default()
    })
}

/// The [`Node`] that reaches `spec`; a `local:///…` node has its `/` at `local_root` (the
/// caller decides: its tree's root, or `/` with the tree as the manifests' host root).
pub(crate) fn node_for(
    spec: &NodeSpec,
    ssh: &SshOptions,
    local_root: &Path,
) -> anyhow::Result<Box<dyn Node>> {
    Ok(match &spec.via {
        Via::Pod => bail!(
            "--node {}: the pod transport is not available in this version of sakr; reach the node over ssh (--node {}=ssh://HOST)",
            spec.name,
            spec.name
        ),
        Via::Ssh { user, host, port } => {
            Box::new(ssh::node(&spec.name, user.as_deref(), host, *port, ssh))
        }
        Via::Local { .. } => Box::new(LocalNode::new(&spec.name, local_root)),
    })
}

/// The nodes `--node` names, then (`--control-plane`) every control-plane Node of the cluster
/// not named already; each reached as `--via` says.
pub(crate) fn specs(args: &NodeArgs) -> anyhow::Result<Vec<NodeSpec>> {
    let mut specs = select::parse_all(&args.nodes)?;
    if !args.control_plane {
        return Ok(specs);
    }
    if args.via == crate::cli::Via::Pod {
        bail!(
            "--control-plane --via pod: the pod transport is not available in this version of sakr; use --via ssh (each Node's InternalIP, through --ssh-command)"
        );
    }
    let opts = crate::cluster::ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    };
    let found = crate::cluster::runtime()?.block_on(async {
        let cluster = crate::cluster::Cluster::connect(&opts).await?;
        cluster.control_plane_nodes().await
    })?;
    if found.is_empty() {
        bail!(
            "--control-plane: the cluster has no Node labelled {} or {}",
            crate::cluster::nodes::CONTROL_PLANE_LABEL,
            crate::cluster::nodes::LEGACY_MASTER_LABEL
        );
    }
    for n in found {
        if specs.iter().any(|s| s.name == n.name) {
            continue;
        }
        let host = n.internal_ip.with_context(|| {
            format!(
                "--control-plane: Node {} reports no InternalIP to reach it over ssh; name it with --node {}=ssh://HOST",
                n.name, n.name
            )
        })?;
        let spec = select::parse(&format!("{}=ssh://{host}", n.name))?;
        specs.push(spec);
    }
    Ok(specs)
}
