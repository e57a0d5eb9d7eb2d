//! Where a rotation's state and lock live (issue 16): `--state FILE` keeps them on this machine
//! (the state file, 0600, and `FILE.lock`, see [`super::lock`]); `--state k8s://NAMESPACE/NAME`
//! keeps them in the cluster, so that short-lived CI runners can take turns over the day or more
//! a rotation takes: the state as a ConfigMap `NAME` (paths and kids only — the state never holds
//! key material), every update conditional on the resourceVersion read, and the lock as the
//! Lease `NAME` (holder identity, renew time, [`LEASE_SECONDS`]), renewed by a thread while the
//! command runs, released when it ends. A runner killed while holding it leaves a Lease that
//! expires; the next runner takes it over then. The calls ride out an apiserver restart
//! ([`crate::cluster::objects`]).
//!
//! The cluster is reached through the command's `--kubeconfig` / `--context` when it has them,
//! else kubectl's rules (`KUBECONFIG`, `~/.kube/config`, in-cluster).

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use super::lock::Lock;
use super::state::{ClusterConfig, RotationState};
use crate::cluster::objects::LeaseInfo;
use crate::cluster::{Cluster, ClusterError, ClusterOptions};

/// How long a Lease holds without renewal; renewed every third of it.
pub const LEASE_SECONDS: i32 = 60;

/// Where the state is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Cluster { namespace: String, name: String },
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(transparent)]
    State(#[from] super::state::StateError),
    #[error(transparent)]
    Lock(#[from] super::lock::LockError),
    #[error("--state {shown}")]
    Cluster {
        shown: String,
        #[source]
        source: Box<ClusterError>,
    },
    #[error("--state {0}: expected k8s://NAMESPACE/NAME (a namespace and a ConfigMap name)")]
    BadUrl(String),
    #[error(
        "--state {0}: no rotation state there (start one with `sakr rotate start --state {0}`)"
    )]
    Missing(String),
    #[error("--state {0} already holds a rotation; see `sakr rotate status --state {0}`")]
    Exists(String),
    /// Another runner holds the Lease: a closed gate (exit 3), not an error.
    #[error(
        "--state {shown}: another runner holds the lock (Lease holder {holder}, until {until}); this run waits for it — run `sakr rotate next` again later"
    )]
    Held {
        shown: String,
        holder: String,
        until: String,
    },
    #[error(
        "--state {0}: the state changed in the cluster since this run read it (another runner?); nothing was overwritten — run the command again"
    )]
    Conflict(String),
}

impl Location {
    /// `k8s://NAMESPACE/NAME`, or a file path.
    pub fn parse(arg: &Path) -> Result<Location, StoreError> {
        let text = arg.to_string_lossy();
        let Some(rest) = text.strip_prefix("k8s://") else {
            return Ok(Location::File(arg.to_path_buf()));
        };
        let bad = || StoreError::BadUrl(crate::text::printable(&text).into_owned());
        let (ns, name) = rest.split_once('/').ok_or_else(bad)?;
        if crate::cluster::check_label("namespace", ns).is_err()
            || crate::cluster::check_subdomain("ConfigMap name", name).is_err()
        {
            return Err(bad());
        }
        Ok(Location::Cluster {
            namespace: ns.to_string(),
            name: name.to_string(),
        })
    }

    pub fn shown(&self) -> String {
        match self {
            Location::File(p) => p.display().to_string(),
            Location::Cluster { namespace, name } => format!("k8s://{namespace}/{name}"),
        }
    }
}

/// The state of one rotation, opened for one command.
pub struct Store {
    loc: Location,
    options: ClusterOptions,
    connected: Option<(tokio::runtime::Runtime, Cluster)>,
    /// The ConfigMap's resourceVersion as last read or written.
    version: Option<String>,
}

/// Held for the whole command: the file lock, or the Lease (renewed until dropped).
pub enum Guard {
    File(#[allow(dead_code)] Lock),
    Lease(LeaseGuard),
}

impl Store {
    /// `state` is the `--state` argument; `cluster` the command's kubeconfig, if it has one.
    pub fn open(state: &Path, cluster: Option<&ClusterConfig>) -> Result<Store, StoreError> {
        Ok(Store {
            loc: Location::parse(state)?,
            options: cluster
                .map(|c| ClusterOptions {
                    kubeconfig: c.kubeconfig.clone(),
                    context: c.context.clone(),
                })
                .unwrap_or_default(),
            connected: None,
            version: None,
        })
    }

    pub fn location(&self) -> &Location {
        &self.loc
    }

    pub fn shown(&self) -> String {
        self.loc.shown()
    }

    fn cluster_err(&self, source: ClusterError) -> StoreError {
        StoreError::Cluster {
            shown: self.shown(),
            source: Box::new(source),
        }
    }

    /// Run one cluster call on this store's runtime: the outer error is the connection (the
    /// kubeconfig), the inner one the call's, for the caller to read (409s mean something).
    fn block<T, Fut>(
        &mut self,
        call: impl FnOnce(Cluster) -> Fut,
    ) -> Result<Result<T, ClusterError>, StoreError>
    where
        Fut: std::future::Future<Output = Result<T, ClusterError>>,
    {
        if self.connected.is_none() {
            let rt = crate::cluster::runtime().map_err(|e| self.cluster_err(e))?;
            let c = rt
                .block_on(Cluster::connect(&self.options))
                .map_err(|e| self.cluster_err(e))?;
            self.connected = Some((rt, c));
        }
        let (rt, c) = self.connected.as_ref().expect("connected above");
        Ok(rt.block_on(call(c.clone())))
    }

    /// Whether a rotation state is there.
    pub fn exists(&mut self) -> Result<bool, StoreError> {
        let (ns, name) = match &self.loc {
            Location::File(p) => return Ok(p.exists()),
            Location::Cluster { namespace, name } => (namespace.clone(), name.clone()),
        };
        let got = self.block(|c| async move { c.read_state(&ns, &name).await })?;
        Ok(got.map_err(|e| self.cluster_err(e))?.is_some())
    }

    pub fn load(&mut self) -> Result<RotationState, StoreError> {
        let (ns, name) = match &self.loc {
            Location::File(p) => return Ok(RotationState::load(p)?),
            Location::Cluster { namespace, name } => (namespace.clone(), name.clone()),
        };
        let got = self
            .block(|c| async move { c.read_state(&ns, &name).await })?
            .map_err(|e| self.cluster_err(e))?;
        let stored = got.ok_or_else(|| StoreError::Missing(self.shown()))?;
        let state = RotationState::from_bytes(stored.text.as_bytes(), Path::new(&self.shown()))?;
        self.version = Some(stored.resource_version);
        Ok(state)
    }

    /// Save a new state; refused when one exists.
    pub fn create(&mut self, state: &RotationState) -> Result<(), StoreError> {
        let (ns, name) = match &self.loc {
            Location::File(p) => return Ok(state.save(p, true)?),
            Location::Cluster { namespace, name } => (namespace.clone(), name.clone()),
        };
        let text = state.to_text();
        match self.block(|c| async move { c.create_state(&ns, &name, &text).await })? {
            Ok(v) => {
                self.version = Some(v);
                Ok(())
            }
            Err(ClusterError::Api { code: 409, .. }) => Err(StoreError::Exists(self.shown())),
            Err(e) => Err(self.cluster_err(e)),
        }
    }

    /// Save over the state last loaded, only if nobody changed it since.
    pub fn save(&mut self, state: &RotationState) -> Result<(), StoreError> {
        let (ns, name) = match &self.loc {
            Location::File(p) => return Ok(state.save(p, false)?),
            Location::Cluster { namespace, name } => (namespace.clone(), name.clone()),
        };
        let version = self.version.clone().unwrap_or_default();
        let text = state.to_text();
        match self.block(|c| async move { c.replace_state(&ns, &name, &text, &version).await })? {
            Ok(v) => {
                self.version = Some(v);
                Ok(())
            }
            Err(ClusterError::Api { code: 409, .. }) => Err(StoreError::Conflict(self.shown())),
            Err(e) => Err(self.cluster_err(e)),
        }
    }

    /// Lock the rotation for this command: `for_new` for `start` (no state yet).
    pub fn lock(&mut self, for_new: bool) -> Result<Guard, StoreError> {
        let (ns, name) = match &self.loc {
            Location::File(p) => {
                return Ok(Guard::File(if for_new {
                    Lock::acquire_for_new(p)?
                } else {
                    Lock::acquire(p)?
                }));
            }
            Location::Cluster { namespace, name } => (namespace.clone(), name.clone()),
        };
        let shown = self.shown();
        let me = identity();
        let now = jiff::Timestamp::now();
        let (n1, m1) = (ns.clone(), name.clone());
        let current = self
            .block(|c| async move { c.read_lease(&n1, &m1).await })?
            .map_err(|e| self.cluster_err(e))?;
        if let Some(l) = &current
            && let (Some(holder), Some(until)) = (&l.holder, l.expires())
            && until > now
        {
            return Err(StoreError::Held {
                shown,
                holder: crate::text::printable(holder).into_owned(),
                until: crate::text::time(until),
            });
        }
        let (n2, m2, me2, prev) = (ns.clone(), name.clone(), me.clone(), current.clone());
        let written = self.block(|c| async move {
            c.write_lease(&n2, &m2, Some(&me2), LEASE_SECONDS, prev.as_ref())
                .await
        })?;
        let version = match written {
            Ok(v) => v,
            // Someone took it between our read and our write.
            Err(ClusterError::Api { code: 409, .. }) => {
                let (n3, m3) = (ns.clone(), name.clone());
                let l = self
                    .block(|c| async move { c.read_lease(&n3, &m3).await })?
                    .map_err(|e| self.cluster_err(e))?
                    .unwrap_or_default();
                let until = l
                    .expires()
                    .map(crate::text::time)
                    .unwrap_or_else(|| "unknown".into());
                return Err(StoreError::Held {
                    shown,
                    holder: l.holder.unwrap_or_else(|| "another runner".into()),
                    until,
                });
            }
            Err(e) => return Err(self.cluster_err(e)),
        };
        let cluster = self
            .connected
            .as_ref()
            .expect("connected by block")
            .1
            .clone();
        Ok(Guard::Lease(LeaseGuard::start(
            cluster, ns, name, me, version,
        )))
    }
}

/// Who holds a Lease: this host, this process, and a random part (two runners in one pod or
/// on one host differ).
fn identity() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "unknown-host".into());
    let mut b = [0u8; 4];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    format!(
        "sakr@{host}/{}/{}",
        std::process::id(),
        b.iter().map(|x| format!("{x:02x}")).collect::<String>()
    )
}

/// The Lease held for this command: renewed every third of its duration by a thread with its
/// own runtime; released (holder cleared) when dropped.
pub struct LeaseGuard {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// When the Lease was last taken or renewed, and whether another holder took it.
    renewal: std::sync::Arc<std::sync::Mutex<Renewal>>,
}

#[derive(Debug, Clone, Copy)]
struct Renewal {
    at: std::time::Instant,
    taken: bool,
}

impl LeaseGuard {
    fn start(
        cluster: Cluster,
        ns: String,
        name: String,
        me: String,
        version: String,
    ) -> LeaseGuard {
        let (stop, stopped) = mpsc::channel::<()>();
        let renewal = std::sync::Arc::new(std::sync::Mutex::new(Renewal {
            at: std::time::Instant::now(),
            taken: false,
        }));
        let seen = renewal.clone();
        let thread = std::thread::Builder::new()
            .name("sakr-lease".into())
            .spawn(move || {
                let Ok(rt) = crate::cluster::runtime() else {
                    return;
                };
                let Ok(c) = rt.block_on(async { cluster.rebuild() }) else {
                    return;
                };
                let mut held = LeaseInfo {
                    holder: Some(me.clone()),
                    renewed: None,
                    duration_seconds: LEASE_SECONDS,
                    resource_version: version,
                };
                let every = Duration::from_secs(LEASE_SECONDS as u64 / 3);
                while let Err(mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(every) {
                    match rt.block_on(c.write_lease(
                        &ns,
                        &name,
                        Some(&me),
                        LEASE_SECONDS,
                        Some(&held),
                    )) {
                        Ok(v) => {
                            held.resource_version = v;
                            if let Ok(mut r) = seen.lock() {
                                r.at = std::time::Instant::now();
                            }
                        }
                        Err(e) => {
                            eprintln!(
                                "warning: could not renew the lock Lease {ns}/{name}: {}",
                                e.chain()
                            );
                            // 409: the Lease changed under us — another runner took it.
                            if matches!(e, crate::cluster::ClusterError::Api { code: 409, .. }) {
                                if let Ok(mut r) = seen.lock() {
                                    r.taken = true;
                                }
                                return;
                            }
                        }
                    }
                }
                // Release: clear the holder, only if the Lease is still ours.
                let _ = rt.block_on(c.write_lease(&ns, &name, None, LEASE_SECONDS, Some(&held)));
            })
            .ok();
        LeaseGuard {
            stop: Some(stop),
            thread,
            renewal,
        }
    }

    /// Whether this run may still act as the lock's holder: the Lease was renewed within its
    /// duration and nobody took it over.
    pub fn check(&self) -> Result<(), String> {
        self.renewal
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .check()
    }
}

impl Renewal {
    fn check(&self) -> Result<(), String> {
        if self.taken {
            return Err("another runner took over the lock Lease".into());
        }
        let since = self.at.elapsed().as_secs();
        if since >= LEASE_SECONDS as u64 {
            return Err(format!(
                "the lock Lease was not renewed for {since} s (it lasts {LEASE_SECONDS} s): another runner may hold it now"
            ));
        }
        Ok(())
    }
}

impl Guard {
    /// [`LeaseGuard::check`]; a file lock is held until the process ends.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Guard::File(_) => Ok(()),
            Guard::Lease(l) => l.check(),
        }
    }
}

impl Drop for LeaseGuard {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_locations() {
        assert_eq!(
            Location::parse(Path::new("k8s://kube-system/sakr-rotation")).unwrap(),
            Location::Cluster {
                namespace: "kube-system".into(),
                name: "sakr-rotation".into()
            }
        );
        assert_eq!(
            Location::parse(Path::new("/etc/kubernetes/r.json")).unwrap(),
            Location::File("/etc/kubernetes/r.json".into())
        );
        for bad in [
            "k8s://kube-system",
            "k8s:///x",
            "k8s://Kube/x",
            "k8s://a.b/x",
            "k8s://ns/X_y",
        ] {
            assert!(Location::parse(Path::new(bad)).is_err(), "{bad}");
        }
        assert_eq!(
            Location::parse(Path::new("k8s://ns/name")).unwrap().shown(),
            "k8s://ns/name"
        );
    }

    #[test]
    fn a_run_stops_acting_once_its_lease_lapsed_or_was_taken() {
        let now = std::time::Instant::now();
        let fresh = Renewal {
            at: now,
            taken: false,
        };
        assert!(fresh.check().is_ok());
        let lapsed = Renewal {
            at: now - Duration::from_secs(LEASE_SECONDS as u64 + 1),
            taken: false,
        };
        assert!(lapsed.check().unwrap_err().contains("not renewed for 61 s"));
        let taken = Renewal {
            taken: true,
            ..fresh
        };
        assert!(taken.check().unwrap_err().contains("took over"));
    }

    #[test]
    fn a_lease_expires_after_its_duration_from_the_last_renewal() {
        let t: jiff::Timestamp = "2026-11-29T10:00:00Z".parse().unwrap();
        let l = LeaseInfo {
            holder: Some("x".into()),
            renewed: Some(t),
            duration_seconds: 60,
            resource_version: "1".into(),
        };
        assert_eq!(l.expires().unwrap().to_string(), "2026-11-29T10:01:00Z");
        let free = LeaseInfo {
            holder: None,
            ..l.clone()
        };
        assert!(free.expires().is_none());
    }
}
