//! Node pods in the fake kube-apiserver (issue 15's pod transport): the calls sakr makes to run
//! a short-lived pod on a node and a shell in it, answered as kube-apiserver and a kubelet
//! would, with the shell running for real against that node's files.
//!
//! - `GET /api/v1/nodes/{name}`: a Node of [`super::fake_apiserver::FakeCluster::set_nodes`],
//!   or 404 `NotFound`;
//! - `POST /api/v1/namespaces/{ns}/pods`: stored as sent (409 `AlreadyExists` for a taken
//!   name, 400 for a namespace that disagrees with the URL), answered 201 with `status.phase`
//!   Pending, as kube-apiserver does;
//! - `GET …/pods/{name}`: Pending (no container status) on the first read, as while the kubelet
//!   starts it, then Running with the container running — or, for an image whose name contains
//!   `no-such-image`, Pending with the container waiting in `ErrImagePull`; a pod whose
//!   `nodeName` has no node tree stays Pending (no kubelet);
//! - `DELETE …/pods/{name}`: removed (200 with the object), and its running exec sessions killed
//!   as the kubelet kills the container;
//! - exec `sh -s` in such a pod (websocket, v5 or v4): what the default image runs — busybox's
//!   `sh`, chrooted into a root that holds only a static busybox and its applets, in a private
//!   mount namespace where `/etc/kubernetes` is a bind mount of the node tree's
//!   `etc/kubernetes`, exactly the pod's one hostPath. stdin frames (channel 0) go to the shell,
//!   its stdout and stderr come back on channels 1 and 2, its exit status on 3; v5's close
//!   frame (255, 0) and v4's websocket close end its stdin.
//!
//! Needs root (mount namespaces, chroot) and `/bin/busybox` (Debian's busybox-static, installed
//! by `scripts/test-sshd.sh install`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use futures_util::{SinkExt as _, StreamExt as _};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_tungstenite::tungstenite::Message;

/// One pod the fake holds.
struct PodRecord {
    object: serde_json::Value,
    node: String,
    gets: u32,
    /// Process-group ids of its exec sessions (killed on delete).
    sessions: Vec<i32>,
}

#[derive(Default)]
pub struct NodePods {
    /// Node name → its host root (the node's `/etc/kubernetes` is `ROOT/etc/kubernetes`).
    trees: Mutex<BTreeMap<String, PathBuf>>,
    pods: Mutex<BTreeMap<(String, String), PodRecord>>,
    /// Every pod object created, in order.
    created: Mutex<Vec<serde_json::Value>>,
    /// `namespace/name` of every pod deleted, in order.
    deleted: Mutex<Vec<String>>,
}

fn now() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

impl NodePods {
    pub fn set_tree(&self, node: &str, root: &Path) {
        self.trees
            .lock()
            .unwrap()
            .insert(node.to_string(), root.to_path_buf());
    }

    pub fn created(&self) -> Vec<serde_json::Value> {
        self.created.lock().unwrap().clone()
    }

    pub fn deleted(&self) -> Vec<String> {
        self.deleted.lock().unwrap().clone()
    }

    /// `namespace/name` of the pods that exist now.
    pub fn live(&self) -> Vec<String> {
        self.pods
            .lock()
            .unwrap()
            .keys()
            .map(|(ns, n)| format!("{ns}/{n}"))
            .collect()
    }

    pub fn exists(&self, ns: &str, name: &str) -> bool {
        self.pods
            .lock()
            .unwrap()
            .contains_key(&(ns.to_string(), name.to_string()))
    }

    pub fn create(&self, ns: &str, body: &[u8]) -> (hyper::StatusCode, serde_json::Value) {
        use hyper::StatusCode;
        let mut pod: serde_json::Value = match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(e) => {
                return (
                    StatusCode::BAD_REQUEST,
                    status_json(400, "BadRequest", &format!("invalid Pod: {e}")),
                );
            }
        };
        let name = pod["metadata"]["name"].as_str().unwrap_or("").to_string();
        if name.is_empty() {
            return (
                StatusCode::UNPROCESSABLE_ENTITY,
                status_json(
                    422,
                    "Invalid",
                    "Pod \"\" is invalid: metadata.name: Required value: name or generateName is required",
                ),
            );
        }
        match pod["metadata"]["namespace"].as_str() {
            None | Some("") => pod["metadata"]["namespace"] = ns.into(),
            Some(n) if n == ns => {}
            Some(n) => {
                return (
                    StatusCode::BAD_REQUEST,
                    status_json(
                        400,
                        "BadRequest",
                        &format!(
                            "the namespace of the provided object ({n}) does not match the namespace sent on the request ({ns})"
                        ),
                    ),
                );
            }
        }
        let node = pod["spec"]["nodeName"].as_str().unwrap_or("").to_string();
        let mut pods = self.pods.lock().unwrap();
        let key = (ns.to_string(), name.clone());
        if pods.contains_key(&key) {
            return (
                StatusCode::CONFLICT,
                status_json(
                    409,
                    "AlreadyExists",
                    &format!("pods \"{name}\" already exists"),
                ),
            );
        }
        pod["metadata"]["uid"] = format!("uid-{name}").into();
        pod["metadata"]["creationTimestamp"] = now().into();
        pod["metadata"]["resourceVersion"] = "1".into();
        pod["status"] = serde_json::json!({"phase": "Pending", "qosClass": "BestEffort"});
        self.created.lock().unwrap().push(pod.clone());
        pods.insert(
            key,
            PodRecord {
                object: pod.clone(),
                node,
                gets: 0,
                sessions: Vec::new(),
            },
        );
        (StatusCode::CREATED, pod)
    }

    pub fn get(&self, ns: &str, name: &str) -> Option<serde_json::Value> {
        let trees = self.trees.lock().unwrap();
        let mut pods = self.pods.lock().unwrap();
        let rec = pods.get_mut(&(ns.to_string(), name.to_string()))?;
        rec.gets += 1;
        let image = rec.object["spec"]["containers"][0]["image"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let container = rec.object["spec"]["containers"][0]["name"]
            .as_str()
            .unwrap_or("")
            .to_string();
        let mut obj = rec.object.clone();
        if rec.gets > 1 && trees.contains_key(&rec.node) {
            let (phase, state) = if image.contains("no-such-image") {
                (
                    "Pending",
                    serde_json::json!({"waiting": {"reason": "ErrImagePull", "message": format!("failed to pull and unpack image \"{image}\": not found")}}),
                )
            } else {
                (
                    "Running",
                    serde_json::json!({"running": {"startedAt": now()}}),
                )
            };
            obj["status"] = serde_json::json!({
                "phase": phase,
                "hostIP": "127.0.0.1",
                "podIP": "10.0.0.9",
                "startTime": now(),
                "containerStatuses": [{
                    "name": container, "ready": phase == "Running", "restartCount": 0,
                    "image": image, "imageID": "", "started": phase == "Running",
                    "state": state,
                }],
            });
        }
        Some(obj)
    }

    pub fn delete(&self, ns: &str, name: &str) -> Option<serde_json::Value> {
        let rec = self
            .pods
            .lock()
            .unwrap()
            .remove(&(ns.to_string(), name.to_string()))?;
        for pgid in &rec.sessions {
            // SAFETY: signalling a process group this fake started.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        }
        self.deleted.lock().unwrap().push(format!("{ns}/{name}"));
        let mut obj = rec.object;
        obj["metadata"]["deletionTimestamp"] = now().into();
        obj["metadata"]["deletionGracePeriodSeconds"] = 0.into();
        Some(obj)
    }

    /// The node tree behind a running pod, for an exec in it.
    pub fn tree_of(&self, ns: &str, name: &str) -> Option<PathBuf> {
        let pods = self.pods.lock().unwrap();
        let rec = pods.get(&(ns.to_string(), name.to_string()))?;
        self.trees.lock().unwrap().get(&rec.node).cloned()
    }

    fn add_session(&self, ns: &str, name: &str, pgid: i32) -> bool {
        match self
            .pods
            .lock()
            .unwrap()
            .get_mut(&(ns.to_string(), name.to_string()))
        {
            Some(rec) => {
                rec.sessions.push(pgid);
                true
            }
            None => false,
        }
    }
}

pub fn status_json(code: u16, reason: &str, message: &str) -> serde_json::Value {
    serde_json::json!({
        "kind": "Status", "apiVersion": "v1", "metadata": {},
        "status": "Failure", "message": message, "reason": reason, "code": code,
    })
}

/// The image's root: a static busybox and a link per applet, and empty `/etc/kubernetes` and
/// `/dev` (mount points: the hostPath, and the devices a container runtime provides); built
/// once per test process.
fn busybox_root() -> Result<PathBuf, String> {
    static ROOT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    ROOT.get_or_init(|| {
        let busybox = Path::new("/bin/busybox");
        if !busybox.exists() {
            return Err("/bin/busybox is missing: run `scripts/test-sshd.sh install` (Debian busybox-static)".into());
        }
        let root = std::env::temp_dir().join(format!("sakr-node-image-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for d in ["bin", "etc/kubernetes", "tmp", "dev"] {
            std::fs::create_dir_all(root.join(d)).map_err(|e| e.to_string())?;
        }
        std::fs::copy(busybox, root.join("bin/busybox")).map_err(|e| e.to_string())?;
        let list = std::process::Command::new(busybox)
            .arg("--list")
            .output()
            .map_err(|e| e.to_string())?;
        for applet in String::from_utf8_lossy(&list.stdout).lines() {
            if applet != "busybox" && !applet.is_empty() {
                std::os::unix::fs::symlink("busybox", root.join("bin").join(applet))
                    .map_err(|e| e.to_string())?;
            }
        }
        Ok(root)
    })
    .clone()
}

/// Start `sh -s` for a pod on the node whose host root is `tree`.
pub fn spawn_shell(tree: &Path) -> Result<tokio::process::Child, String> {
    let image = busybox_root()?;
    let etc = tree.join("etc/kubernetes");
    let mut cmd = tokio::process::Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "--", "sh", "-c"])
        .arg("mount --bind \"$1\" \"$2/etc/kubernetes\" && mount --bind /dev \"$2/dev\" && exec chroot \"$2\" /bin/sh -s")
        .arg("sh")
        .arg(&etc)
        .arg(&image)
        .env_clear()
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd.spawn().map_err(|e| format!("unshare: {e}"))
}

/// Serve one exec session of `sh -s` over the websocket.
pub async fn session<S>(
    pods: &NodePods,
    ns: &str,
    name: &str,
    ws: tokio_tungstenite::WebSocketStream<S>,
    mut child: tokio::process::Child,
) where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let frame = |channel: u8, data: &[u8]| {
        let mut v = vec![channel];
        v.extend_from_slice(data);
        Message::Binary(v.into())
    };
    let (mut tx, mut rx) = ws.split();
    let Some(pid) = child.id() else { return };
    if !pods.add_session(ns, name, pid as i32) {
        let _ = child.kill().await;
        return;
    }
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take().expect("piped");
    let mut stderr = child.stderr.take().expect("piped");
    let (mut out_open, mut err_open, mut ws_open) = (true, true, true);
    let mut obuf = vec![0u8; 16 * 1024];
    let mut ebuf = vec![0u8; 4096];
    while out_open || err_open {
        tokio::select! {
            msg = rx.next(), if ws_open => match msg {
                Some(Ok(Message::Binary(b))) if b.first() == Some(&0) => {
                    if let Some(i) = stdin.as_mut()
                        && i.write_all(&b[1..]).await.is_err()
                    {
                        stdin = None;
                    }
                }
                // v5: close of a stream (255, channel); only stdin can be closed.
                Some(Ok(Message::Binary(b))) if b.as_ref() == [255, 0] => stdin = None,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // v4 ends stdin by closing the websocket; the shell then exits on EOF.
                    stdin = None;
                    ws_open = false;
                }
                Some(Ok(_)) => {}
            },
            n = stdout.read(&mut obuf), if out_open => match n {
                Ok(0) | Err(_) => out_open = false,
                Ok(n) => { let _ = tx.send(frame(1, &obuf[..n])).await; }
            },
            n = stderr.read(&mut ebuf), if err_open => match n {
                Ok(0) | Err(_) => err_open = false,
                Ok(n) => { let _ = tx.send(frame(2, &ebuf[..n])).await; }
            },
        }
    }
    drop(stdin);
    let code = child.wait().await.ok().and_then(|s| s.code());
    let status = match code {
        Some(0) => serde_json::json!({"metadata": {}, "status": "Success"}),
        Some(c) => serde_json::json!({
            "metadata": {}, "status": "Failure",
            "message": format!("command terminated with non-zero exit code: error executing command [sh -s], exit code {c}"),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": c.to_string()}]},
        }),
        None => serde_json::json!({
            "metadata": {}, "status": "Failure",
            "message": "command terminated by a signal (container killed)",
            "reason": "InternalError",
        }),
    };
    let _ = tx.send(frame(3, status.to_string().as_bytes())).await;
    let _ = tx.close().await;
}
