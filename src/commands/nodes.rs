//! The nodes a command acts on (issue 15, DESIGN §7): `--node` and `--control-plane` resolved to
//! node specs, and each spec to a [`Node`] of its transport. Shared by `sakr manifest`,
//! `sakr keygen --node` and `sakr keys install`.

use anyhow::{Context as _, bail};

use crate::cli::NodeArgs;
use crate::node::pod::PodOptions;
use crate::node::select::{self, NodeSpec, Via};
use crate::node::ssh::SshOptions;

/// `--ssh-command` and `--sudo`.
fn ssh_options(args: &NodeArgs) -> anyhow::Result<SshOptions> {
    Ok(SshOptions {
        command: SshOptions::parse_command(&args.ssh_command).map_err(anyhow::Error::msg)?,
        sudo: args.sudo,
        ..SshOptions::default()
    })
}

pub(crate) use crate::node::{Transports, node_for};

fn cluster_options(args: &NodeArgs) -> crate::cluster::ClusterOptions {
    crate::cluster::ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    }
}

/// The nodes `--node` names, then (`--control-plane`) every control-plane Node of the cluster
/// not named already, each reached as `--via` says; and the transports to reach them. A
/// `--node NAME` (pod) that is not a Node of the cluster is refused here, before any node is
/// touched.
pub(crate) fn resolve(args: &NodeArgs) -> anyhow::Result<(Vec<NodeSpec>, Transports)> {
    let mut specs = select::parse_all(&args.nodes)?;
    let ssh = ssh_options(args)?;
    let needs_cluster = args.control_plane || specs.iter().any(|s| s.via == Via::Pod);
    if !needs_cluster {
        return Ok((specs, Transports { ssh, pod: None }));
    }
    check_pod_options(args)?;
    let rt = crate::cluster::runtime()?;
    let pods: Vec<&str> = specs
        .iter()
        .filter(|s| s.via == Via::Pod)
        .map(|s| s.name.as_str())
        .collect();
    let cluster = rt
        .block_on(crate::cluster::Cluster::connect(&cluster_options(args)))
        .with_context(|| {
            if pods.is_empty() {
                "--control-plane lists the Nodes through the Kubernetes API".to_string()
            } else {
                format!(
                    "--node {} (no =URL): reached by a pod on the node, through the Kubernetes API",
                    pods.join(", --node ")
                )
            }
        })?;
    for s in specs.iter().filter(|s| s.via == Via::Pod) {
        if !rt.block_on(cluster.node_exists(&s.name))? {
            bail!(
                "--node {}: the cluster ({}) has no Node named {}; `kubectl get nodes` lists them, or reach a machine over ssh with --node {}=ssh://HOST",
                s.name,
                cluster.server(),
                s.name,
                s.name
            );
        }
    }
    if args.control_plane {
        let found = rt.block_on(cluster.control_plane_nodes())?;
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
            let spec = match args.via {
                crate::cli::Via::Pod => select::parse(&n.name)?,
                crate::cli::Via::Ssh => {
                    let host = n.internal_ip.with_context(|| {
                        format!(
                            "--control-plane: Node {} reports no InternalIP to reach it over ssh; name it with --node {}=ssh://HOST",
                            n.name, n.name
                        )
                    })?;
                    select::parse(&format!("{}=ssh://{host}", n.name))?
                }
            };
            specs.push(spec);
        }
    }
    let pod = specs.iter().any(|s| s.via == Via::Pod).then(|| PodOptions {
        cluster,
        namespace: args.node_namespace.clone(),
        image: args.node_image.clone(),
    });
    Ok((specs, Transports { ssh, pod }))
}

/// `--node-namespace` must be a namespace name and `--node-image` a plausible image reference
/// (it reaches the pod spec verbatim).
fn check_pod_options(args: &NodeArgs) -> anyhow::Result<()> {
    let ns = &args.node_namespace;
    if crate::cluster::check_label("namespace", ns).is_err() {
        bail!(
            "--node-namespace {}: not a namespace name (lowercase letters, digits and '-', at most 63)",
            crate::text::printable(ns)
        );
    }
    let img = &args.node_image;
    if img.is_empty()
        || img.len() > 512
        || img
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control())
    {
        bail!(
            "--node-image {}: not an image reference",
            crate::text::printable(img)
        );
    }
    Ok(())
}
