//! The Kubernetes side of the `pod` node transport (issue 15, DESIGN §7): a short-lived pod
//! pinned to one node, like the playbook's jump pods, and a `sh -s` exec'ed in it.
//!
//! The pod ([`pod_manifest`]) is as small as the job allows: `nodeName` set (no scheduler, so
//! a cordoned or tainted control-plane node still runs it), every taint tolerated (a pod pinned
//! to a node must not be evicted from it by a `NoExecute` taint midway), one hostPath —
//! `/etc/kubernetes`, a directory that must exist, mounted at the same path so node paths need
//! no translation — and a small in-memory `/tmp` (the root filesystem is read-only); no host
//! network, PID or IPC namespace, no service-account token, no privilege escalation, and
//! `activeDeadlineSeconds`: if sakr is killed outright the kubelet still stops the pod, and its
//! `sleep` ends with the same deadline.
//!
//! The calls are exactly the ones docs/rbac/sakr-nodes.yaml grants (and tests/cli/pod_nodes.rs checks
//! against it): `get` a Node, `create`/`get`/`delete` a pod, `create` (and, before
//! Kubernetes 1.30's websocket authorization, `get`) `pods/exec`.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::{
    Container, EmptyDirVolumeSource, HostPathVolumeSource, Node, Pod, PodSpec, SecurityContext,
    Toleration, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, AttachParams, AttachedProcess, DeleteParams, PostParams};

use super::{Cluster, ClusterError, bounded};

/// The default `--node-image`: a small image with a POSIX shell and the tools the shell
/// protocol uses (`base64`, `mktemp`, `stat -c`, `sync FILE`, `readlink -f`, `head -c`).
pub const DEFAULT_IMAGE: &str = "busybox:1.36";
/// The only host directory the pod sees, at the same path.
pub const HOST_DIR: &str = "/etc/kubernetes";
/// The pod's container name.
pub const CONTAINER: &str = "sakr";
/// How long a node pod may live at most (`activeDeadlineSeconds`, and its `sleep`).
pub const DEADLINE: Duration = Duration::from_secs(30 * 60);
/// How long a node pod may take to start (image pull included) before sakr gives up on it.
pub const START_TIMEOUT: Duration = Duration::from_secs(180);
/// Labels every node pod carries (`kubectl get pods -l app.kubernetes.io/managed-by=sakr`).
pub const MANAGED_BY: (&str, &str) = ("app.kubernetes.io/managed-by", "sakr");
pub const NODE_LABEL: &str = "sakr.dev/node";

/// Container waiting reasons that will not resolve by waiting.
const HOPELESS: &[&str] = &[
    "ErrImagePull",
    "ImagePullBackOff",
    "InvalidImageName",
    "ErrImageNeverPull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
];

/// Where and how a node pod runs.
#[derive(Debug, Clone)]
pub struct NodePod {
    pub node: String,
    pub namespace: String,
    pub name: String,
    pub image: String,
}

impl NodePod {
    /// A pod for `node` with a fresh name: `sakr-<node, shortened>-<6 random>`, chosen here
    /// rather than by `generateName` so that the name is known (and can be deleted on Ctrl-C)
    /// before the create call returns.
    pub fn new(node: &str, namespace: &str, image: &str) -> NodePod {
        let mut short: String = node.chars().take(40).collect();
        while short.ends_with(['-', '.']) {
            short.pop();
        }
        let short = short.replace('.', "-");
        NodePod {
            node: node.to_string(),
            namespace: namespace.to_string(),
            name: format!("sakr-{short}-{}", random_suffix()),
            image: image.to_string(),
        }
    }

    pub fn shown(&self) -> String {
        format!("pod {}/{}", self.namespace, self.name)
    }
}

fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut b = [0u8; 6];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b.iter()
        .map(|x| ALPHABET[*x as usize % ALPHABET.len()] as char)
        .collect()
}

/// The pod object sakr creates (pure; see the module header for why each field is set).
pub fn pod_manifest(p: &NodePod) -> Pod {
    let deadline = DEADLINE.as_secs() as i64;
    let labels = BTreeMap::from([
        (MANAGED_BY.0.to_string(), MANAGED_BY.1.to_string()),
        (
            "app.kubernetes.io/component".to_string(),
            "node-shell".to_string(),
        ),
        (NODE_LABEL.to_string(), label_value(&p.node)),
    ]);
    Pod {
        metadata: ObjectMeta {
            name: Some(p.name.clone()),
            namespace: Some(p.namespace.clone()),
            labels: Some(labels),
            annotations: Some(BTreeMap::from([(
                "sakr.dev/purpose".to_string(),
                format!(
                    "sakr reads and edits {HOST_DIR} on node {} through this pod; it deletes it when done, and it stops by itself after {deadline} s",
                    p.node
                ),
            )])),
            ..ObjectMeta::default()
        },
        spec: Some(PodSpec {
            node_name: Some(p.node.clone()),
            restart_policy: Some("Never".into()),
            active_deadline_seconds: Some(deadline),
            termination_grace_period_seconds: Some(0),
            automount_service_account_token: Some(false),
            enable_service_links: Some(false),
            host_network: Some(false),
            host_pid: Some(false),
            host_ipc: Some(false),
            priority_class_name: None,
            tolerations: Some(vec![Toleration {
                operator: Some("Exists".into()),
                ..Toleration::default()
            }]),
            containers: vec![Container {
                name: CONTAINER.into(),
                image: Some(p.image.clone()),
                image_pull_policy: Some("IfNotPresent".into()),
                command: Some(vec!["sleep".into(), deadline.to_string()]),
                security_context: Some(SecurityContext {
                    run_as_user: Some(0),
                    allow_privilege_escalation: Some(false),
                    privileged: Some(false),
                    read_only_root_filesystem: Some(true),
                    ..SecurityContext::default()
                }),
                volume_mounts: Some(vec![
                    VolumeMount {
                        name: "etc-kubernetes".into(),
                        mount_path: HOST_DIR.into(),
                        ..VolumeMount::default()
                    },
                    // The root filesystem is read-only; a shell that keeps here-documents in
                    // temporary files (bash as `sh`, in RHEL-based images) needs a /tmp.
                    VolumeMount {
                        name: "tmp".into(),
                        mount_path: "/tmp".into(),
                        ..VolumeMount::default()
                    },
                ]),
                ..Container::default()
            }],
            volumes: Some(vec![
                Volume {
                    name: "etc-kubernetes".into(),
                    host_path: Some(HostPathVolumeSource {
                        path: HOST_DIR.into(),
                        type_: Some("Directory".into()),
                    }),
                    ..Volume::default()
                },
                Volume {
                    name: "tmp".into(),
                    empty_dir: Some(EmptyDirVolumeSource {
                        medium: Some("Memory".into()),
                        size_limit: Some(Quantity("4Mi".into())),
                    }),
                    ..Volume::default()
                },
            ]),
            ..PodSpec::default()
        }),
        status: None,
    }
}

/// A node name as a label value (at most 63 characters).
fn label_value(node: &str) -> String {
    let mut v: String = node.chars().take(63).collect();
    while v.ends_with(['-', '.']) {
        v.pop();
    }
    v
}

impl Cluster {
    /// This cluster's client rebuilt on the current tokio runtime (a kube client's worker task
    /// lives on the runtime that built it; a node's transport thread has its own).
    pub fn rebuild(&self) -> Result<Cluster, ClusterError> {
        Cluster::from_config(self.config.clone(), self.source().clone())
    }

    /// Whether a Node of this name exists (`get` on nodes).
    pub async fn node_exists(&self, name: &str) -> Result<bool, ClusterError> {
        let api: Api<Node> = Api::all(self.client.clone());
        let url = self.url(&format!("/api/v1/nodes/{name}"));
        match bounded("GET", &url, api.get(name)).await {
            Ok(_) => Ok(true),
            Err(ClusterError::Api { code: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Create the node pod (it does not wait for it to run).
    pub async fn create_node_pod(&self, p: &NodePod) -> Result<(), ClusterError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &p.namespace);
        let url = self.url(&format!("/api/v1/namespaces/{}/pods", p.namespace));
        bounded(
            "POST",
            &url,
            api.create(&PostParams::default(), &pod_manifest(p)),
        )
        .await?;
        Ok(())
    }

    /// Wait until the pod's container runs; fail at once on a state that waiting will not
    /// fix (an image that cannot be pulled, a pod the kubelet rejected or that ended).
    pub async fn wait_node_pod(&self, p: &NodePod, timeout: Duration) -> Result<(), ClusterError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &p.namespace);
        let url = self.url(&format!(
            "/api/v1/namespaces/{}/pods/{}",
            p.namespace, p.name
        ));
        let start = Instant::now();
        let mut pause = Duration::from_millis(100);
        loop {
            let pod = bounded("GET", &url, api.get(&p.name)).await?;
            let status = pod.status.unwrap_or_default();
            let phase = status.phase.clone().unwrap_or_else(|| "Pending".into());
            let container = status
                .container_statuses
                .as_ref()
                .and_then(|cs| cs.iter().find(|c| c.name == CONTAINER));
            let running = container
                .and_then(|c| c.state.as_ref())
                .is_some_and(|s| s.running.is_some());
            if phase == "Running" && running {
                return Ok(());
            }
            let bad = |reason: String| ClusterError::BadResponse {
                method: "GET",
                url: url.clone(),
                reason,
            };
            if phase == "Failed" || phase == "Succeeded" {
                let why = [status.reason.as_deref(), status.message.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(": ");
                return Err(bad(format!(
                    "{} on node {} ended ({phase}{}) before sakr could use it",
                    p.shown(),
                    p.node,
                    if why.is_empty() {
                        String::new()
                    } else {
                        format!(": {why}")
                    }
                )));
            }
            let waiting = container
                .and_then(|c| c.state.as_ref())
                .and_then(|s| s.waiting.as_ref());
            let reason = waiting.and_then(|w| w.reason.as_deref()).unwrap_or("");
            if HOPELESS.contains(&reason) {
                let message = waiting.and_then(|w| w.message.as_deref()).unwrap_or("");
                return Err(bad(format!(
                    "{} on node {}: container {reason}{} (image {}; choose another with --node-image)",
                    p.shown(),
                    p.node,
                    if message.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", crate::text::printable(message))
                    },
                    p.image
                )));
            }
            let last = match waiting {
                Some(_) => format!("container waiting: {reason}"),
                None => format!("phase {phase}"),
            };
            if start.elapsed() >= timeout {
                return Err(bad(format!(
                    "{} on node {} is not running after {} s ({last})",
                    p.shown(),
                    p.node,
                    timeout.as_secs()
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(2));
        }
    }

    /// `sh -s` in the node pod, stdin, stdout and stderr attached.
    pub async fn exec_node_shell(&self, p: &NodePod) -> Result<AttachedProcess, ClusterError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &p.namespace);
        let url = self.url(&format!(
            "/api/v1/namespaces/{}/pods/{}/exec",
            p.namespace, p.name
        ));
        let params = AttachParams::default()
            .container(CONTAINER)
            .stdin(true)
            .stdout(true)
            .stderr(true);
        bounded("GET", &url, api.exec(&p.name, ["sh", "-s"], &params)).await
    }

    /// Delete the node pod now (grace period 0); an already deleted pod is fine.
    pub async fn delete_node_pod(&self, p: &NodePod) -> Result<(), ClusterError> {
        let api: Api<Pod> = Api::namespaced(self.client.clone(), &p.namespace);
        let url = self.url(&format!(
            "/api/v1/namespaces/{}/pods/{}",
            p.namespace, p.name
        ));
        let params = DeleteParams::default().grace_period(0);
        match bounded("DELETE", &url, api.delete(&p.name, &params)).await {
            Ok(_) | Err(ClusterError::Api { code: 404, .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pod_is_pinned_confined_and_bounded() {
        let p = NodePod::new("cp-1.example.com", "kube-system", DEFAULT_IMAGE);
        assert!(p.name.starts_with("sakr-cp-1-example-com-"), "{}", p.name);
        assert_eq!(p.name.len(), "sakr-cp-1-example-com-".len() + 6);
        let pod = serde_json::to_value(pod_manifest(&p)).unwrap();
        let spec = &pod["spec"];
        assert_eq!(spec["nodeName"], "cp-1.example.com");
        assert_eq!(spec["activeDeadlineSeconds"], 1800);
        assert_eq!(spec["hostNetwork"], false);
        assert_eq!(spec["hostPID"], false);
        assert_eq!(spec["automountServiceAccountToken"], false);
        assert_eq!(
            spec["tolerations"],
            serde_json::json!([{"operator": "Exists"}])
        );
        assert_eq!(
            spec["volumes"],
            serde_json::json!([
                {"name": "etc-kubernetes", "hostPath": {"path": "/etc/kubernetes", "type": "Directory"}},
                {"name": "tmp", "emptyDir": {"medium": "Memory", "sizeLimit": "4Mi"}}
            ])
        );
        let c = &spec["containers"][0];
        assert_eq!(c["command"], serde_json::json!(["sleep", "1800"]));
        assert_eq!(c["volumeMounts"][0]["mountPath"], "/etc/kubernetes");
        assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
        assert_eq!(
            pod["metadata"]["labels"]["sakr.dev/node"],
            "cp-1.example.com"
        );
    }

    #[test]
    fn long_node_names_give_valid_pod_names() {
        let node = format!("{}-x.y", "a".repeat(60));
        let p = NodePod::new(&node, "ns", "img");
        assert!(p.name.len() <= 63, "{}", p.name);
        assert!(
            p.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert!(label_value(&"b".repeat(70)).len() == 63);
    }
}
