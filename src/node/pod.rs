//! The `pod` transport (issue 15, DESIGN §7): a node reached through the Kubernetes API, like
//! the playbook's jump pods. One short-lived pod per node ([`crate::cluster::node_pod`]:
//! `nodeName` pinned, `/etc/kubernetes` its only hostPath, `activeDeadlineSeconds`), one
//! `sh -s` exec'ed in it, and [`super::shell`]'s protocol over the exec streams — the same
//! scripts, atomic writes and framing as over ssh.
//!
//! The pod goes away in every case sakr can act on: when the node is dropped (success or
//! error), when it fails to start, and on SIGINT or SIGTERM (a handler thread, installed with the
//! first pod, deletes every live node pod, then exits 130). Only a SIGKILL leaves one behind,
//! and its `activeDeadlineSeconds` stops it.
//!
//! kube's exec is async; the shell protocol is synchronous. Each node's exec therefore lives
//! on its own thread with its own single-threaded tokio runtime (a kube client's worker belongs
//! to the runtime that built it, so the client is rebuilt there), connected to the
//! [`Channel`] by two queues.

use std::io;
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::shell::{Channel, LineSplitter, ShellNode, recv_until};
use crate::cluster::Cluster;
use crate::cluster::node_pod::{self, NodePod};

/// How node pods are made.
#[derive(Debug, Clone)]
pub struct PodOptions {
    pub cluster: Cluster,
    /// `--node-namespace`.
    pub namespace: String,
    /// `--node-image`.
    pub image: String,
}

/// A node reached through a pod on it. Nothing is created until its first operation.
pub fn node(name: &str, opts: &PodOptions) -> ShellNode {
    let opts = opts.clone();
    let node_name = name.to_string();
    ShellNode::new(
        name,
        format!("pod in {} ({})", opts.namespace, opts.image),
        Box::new(move || Ok(Box::new(PodChannel::open(&node_name, &opts)?) as Box<dyn Channel>)),
    )
    .confined_to(node_pod::HOST_DIR)
}

/// Bound on the end of a session: the remote shell's exit after its stdin closed.
const CLOSE_WAIT: Duration = Duration::from_secs(5);
/// What is kept of the remote stderr and the exec status, for error messages.
const DIAG_MAX: usize = 4096;

struct PodChannel {
    input: Option<tokio::sync::mpsc::UnboundedSender<Vec<u8>>>,
    lines: mpsc::Receiver<io::Result<Vec<u8>>>,
    diag: Arc<Mutex<String>>,
    worker: Option<std::thread::JoinHandle<()>>,
}

fn note(diag: &Mutex<String>, text: &str) {
    let mut d = diag.lock().unwrap_or_else(|e| e.into_inner());
    if d.len() < DIAG_MAX {
        if !d.is_empty() && !d.ends_with('\n') {
            d.push('\n');
        }
        let room = DIAG_MAX - d.len();
        d.extend(
            text.char_indices()
                .take_while(|(i, c)| i + c.len_utf8() <= room)
                .map(|(_, c)| c),
        );
    }
}

impl PodChannel {
    /// Create the pod, wait until it runs, exec `sh -s`: on any failure the pod is deleted
    /// before the error returns.
    fn open(node: &str, opts: &PodOptions) -> io::Result<PodChannel> {
        let pod = NodePod::new(node, &opts.namespace, &opts.image);
        let cluster = opts.cluster.clone();
        let (ready_tx, ready_rx) = mpsc::channel::<Result<(), String>>();
        let (input_tx, input_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        let (lines_tx, lines_rx) = mpsc::channel();
        let diag = Arc::new(Mutex::new(String::new()));
        let worker_diag = diag.clone();
        let worker = std::thread::Builder::new()
            .name(format!("sakr-pod-{node}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(format!("starting a runtime: {e}")));
                        return;
                    }
                };
                rt.block_on(session(
                    cluster,
                    pod,
                    ready_tx,
                    input_rx,
                    lines_tx,
                    worker_diag,
                ));
            })?;
        let wait = node_pod::START_TIMEOUT + Duration::from_secs(60);
        let outcome = ready_rx.recv_timeout(wait);
        let chan = PodChannel {
            input: Some(input_tx),
            lines: lines_rx,
            diag,
            worker: Some(worker),
        };
        match outcome {
            Ok(Ok(())) => Ok(chan),
            // Dropping `chan` closes the input and joins the worker, which deletes the pod.
            Ok(Err(why)) => Err(io::Error::other(why)),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no node pod within {} s", wait.as_secs()),
            )),
        }
    }
}

/// The worker: the pod's whole life, on the worker's own runtime.
async fn session(
    cluster: Cluster,
    pod: NodePod,
    ready: mpsc::Sender<Result<(), String>>,
    mut input: tokio::sync::mpsc::UnboundedReceiver<Vec<u8>>,
    lines: mpsc::Sender<io::Result<Vec<u8>>>,
    diag: Arc<Mutex<String>>,
) {
    let cluster = match cluster.rebuild() {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e.chain()));
            return;
        }
    };
    // Known before it exists: a Ctrl-C during the create call still deletes it.
    registry::add(&pod, &cluster);
    let started = async {
        cluster.create_node_pod(&pod).await?;
        cluster.wait_node_pod(&pod, node_pod::START_TIMEOUT).await?;
        cluster.exec_node_shell(&pod).await
    }
    .await;
    let mut proc = match started {
        Ok(p) => p,
        Err(e) => {
            let _ = ready.send(Err(e.chain()));
            cleanup(&cluster, &pod, &diag).await;
            return;
        }
    };
    let _ = ready.send(Ok(()));

    let mut stdin = proc.stdin().expect("stdin was requested");
    let mut stdout = proc.stdout().expect("stdout was requested");
    let mut stderr = proc.stderr().expect("stderr was requested");
    let status = proc.take_status();
    // stdout and stderr are read as long as they flow: kube's pipes are small and block.
    let out_task = async move {
        let mut split = LineSplitter::default();
        let mut chunk = vec![0u8; 16 * 1024];
        loop {
            match stdout.read(&mut chunk).await {
                Ok(0) => {
                    split.finish(&lines);
                    return;
                }
                Ok(n) => {
                    if !split.push(&chunk[..n], &lines) {
                        return;
                    }
                }
                Err(e) => {
                    let _ = lines.send(Err(e));
                    return;
                }
            }
        }
    };
    let err_diag = diag.clone();
    let err_task = async move {
        let mut chunk = vec![0u8; 4096];
        while let Ok(n) = stderr.read(&mut chunk).await {
            if n == 0 {
                break;
            }
            note(&err_diag, &String::from_utf8_lossy(&chunk[..n]));
        }
    };
    let in_task = async move {
        while let Some(bytes) = input.recv().await {
            if stdin.write_all(&bytes).await.is_err() || stdin.flush().await.is_err() {
                break;
            }
        }
        // Input closed (the node is done with): `exit` ends the remote `sh -s` whatever the
        // exec protocol (a v4 apiserver, before 1.30, has no way to signal EOF on stdin but
        // closing the whole websocket); then EOF. (Dropping the writer alone is not an EOF for
        // kube's stdin pipe; shutting it down is.)
        let _ = stdin.write_all(b"exit 0\n").await;
        let _ = stdin.flush().await;
        let _ = stdin.shutdown().await;
    };
    let status_diag = diag.clone();
    let status_task = async move {
        if let Some(s) = status
            && let Some(s) = s.await
            && s.status.as_deref() != Some("Success")
        {
            note(
                &status_diag,
                &format!(
                    "exec ended: {}",
                    s.message.unwrap_or_else(|| s.reason.unwrap_or_default())
                ),
            );
        }
    };
    let streams = async { tokio::join!(out_task, err_task) };
    tokio::pin!(streams);
    tokio::select! {
        _ = &mut streams => {}
        _ = in_task => {
            // Our side is done: give the shell a moment to exit on EOF, then cut the exec.
            let _ = tokio::time::timeout(CLOSE_WAIT, &mut streams).await;
        }
    }
    // The exit status only adds to the diagnostics; a v4 apiserver, whose stdin ends with the
    // websocket, may never send it.
    let _ = tokio::time::timeout(Duration::from_millis(200), status_task).await;
    proc.abort();
    cleanup(&cluster, &pod, &diag).await;
}

async fn cleanup(cluster: &Cluster, pod: &NodePod, diag: &Mutex<String>) {
    if let Err(e) = cluster.delete_node_pod(pod).await {
        // Not fatal to the command: its activeDeadlineSeconds stops the pod anyway.
        let msg = format!(
            "could not delete {} on node {} ({}); it stops by itself within {} s",
            pod.shown(),
            pod.node,
            e.chain(),
            node_pod::DEADLINE.as_secs()
        );
        eprintln!("warning: {msg}");
        note(diag, &msg);
    }
    registry::remove(pod);
}

impl Channel for PodChannel {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match &self.input {
            Some(tx) => tx
                .send(bytes.to_vec())
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "exec session ended")),
            None => Err(io::Error::new(io::ErrorKind::BrokenPipe, "closed")),
        }
    }

    fn recv_line(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        recv_until(&self.lines, deadline)
    }

    fn diagnostics(&mut self) -> String {
        self.diag
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .trim()
            .to_string()
    }
}

impl Drop for PodChannel {
    fn drop(&mut self) {
        // Closing the input ends the session; the worker deletes the pod before it returns.
        self.input = None;
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

/// The node pods alive in this process, for the SIGINT/SIGTERM handler.
mod registry {
    use std::sync::{Mutex, Once};

    use crate::cluster::Cluster;
    use crate::cluster::node_pod::NodePod;

    static LIVE: Mutex<Vec<(NodePod, Cluster)>> = Mutex::new(Vec::new());
    static HANDLER: Once = Once::new();

    pub fn add(pod: &NodePod, cluster: &Cluster) {
        HANDLER.call_once(install);
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .push((pod.clone(), cluster.clone()));
    }

    pub fn remove(pod: &NodePod) {
        LIVE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(p, _)| p.name != pod.name || p.namespace != pod.namespace);
    }

    /// A thread that waits for SIGINT or SIGTERM, deletes every live node pod (each bounded
    /// by the client's timeouts), and exits 130 (SIGINT) or 143 (SIGTERM), as a shell reports
    /// a process killed by them.
    fn install() {
        let (armed_tx, armed_rx) = std::sync::mpsc::channel::<()>();
        let spawned = std::thread::Builder::new()
            .name("sakr-signals".into())
            .spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    use tokio::signal::unix::{SignalKind, signal};
                    let (Ok(mut int), Ok(mut term)) = (
                        signal(SignalKind::interrupt()),
                        signal(SignalKind::terminate()),
                    ) else {
                        return;
                    };
                    let _ = armed_tx.send(());
                    let code = tokio::select! {
                        _ = int.recv() => 130,
                        _ = term.recv() => 143,
                    };
                    let live: Vec<(NodePod, Cluster)> =
                        LIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
                    eprintln!("sakr: interrupted; deleting {} node pod(s)", live.len());
                    for (pod, cluster) in live {
                        let done = match cluster.rebuild() {
                            Ok(c) => c.delete_node_pod(&pod).await.map_err(|e| e.chain()),
                            Err(e) => Err(e.chain()),
                        };
                        match done {
                            Ok(()) => eprintln!("sakr: deleted {} on node {}", pod.shown(), pod.node),
                            Err(e) => eprintln!(
                                "sakr: could not delete {} on node {} ({e}); it stops by itself within {} s",
                                pod.shown(),
                                pod.node,
                                crate::cluster::node_pod::DEADLINE.as_secs()
                            ),
                        }
                    }
                    std::process::exit(code);
                });
            });
        // The first pod is created only once the handler is in place.
        if spawned.is_ok() {
            let _ = armed_rx.recv_timeout(std::time::Duration::from_secs(2));
        }
        if let Err(e) = spawned {
            eprintln!(
                "warning: no Ctrl-C handler for node pods ({e}); an interrupted run leaves them until their deadline"
            );
        }
    }
}
