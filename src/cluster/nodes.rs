//! The control-plane Nodes (issue 15, `--control-plane`): every Node labelled
//! `node-role.kubernetes.io/control-plane`, or the legacy `node-role.kubernetes.io/master`, with
//! its InternalIP. kube-apiserver answers a label selector that only names a key with the Nodes
//! that carry that label, whatever its value.

use k8s_openapi::api::core::v1::Node;
use kube::api::{Api, ListParams};

use super::{Cluster, ClusterError};

pub const CONTROL_PLANE_LABEL: &str = "node-role.kubernetes.io/control-plane";
pub const LEGACY_MASTER_LABEL: &str = "node-role.kubernetes.io/master";

/// A control-plane Node: its name and first InternalIP, if it reports one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ControlPlaneNode {
    pub name: String,
    pub internal_ip: Option<String>,
}

impl Cluster {
    /// Every control-plane Node, by name, each once (a Node with both labels is listed once).
    pub async fn control_plane_nodes(&self) -> Result<Vec<ControlPlaneNode>, ClusterError> {
        let api: Api<Node> = Api::all(self.client.clone());
        let mut out: Vec<ControlPlaneNode> = Vec::new();
        for label in [CONTROL_PLANE_LABEL, LEGACY_MASTER_LABEL] {
            let url = format!("/api/v1/nodes?labelSelector={label}");
            let list =
                super::bounded("GET", &url, api.list(&ListParams::default().labels(label))).await?;
            for n in list.items {
                let name = n.metadata.name.clone().unwrap_or_default();
                if name.is_empty() || out.iter().any(|o| o.name == name) {
                    continue;
                }
                let internal_ip = n
                    .status
                    .as_ref()
                    .and_then(|s| s.addresses.as_ref())
                    .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
                    .map(|a| a.address.clone());
                out.push(ControlPlaneNode { name, internal_ip });
            }
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}

impl Cluster {
    /// The first InternalIP of Node `name` (`None` when it reports none); a Node that does not
    /// exist is the API's 404.
    pub async fn node_internal_ip(&self, name: &str) -> Result<Option<String>, ClusterError> {
        super::check_subdomain("node name", name)?;
        let api: Api<Node> = Api::all(self.client.clone());
        let url = format!("/api/v1/nodes/{name}");
        let n = super::bounded("GET", &url, api.get(name)).await?;
        Ok(n.status
            .as_ref()
            .and_then(|s| s.addresses.as_ref())
            .and_then(|a| a.iter().find(|a| a.type_ == "InternalIP"))
            .map(|a| a.address.clone()))
    }
}
