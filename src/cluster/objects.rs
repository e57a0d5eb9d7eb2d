//! A rotation's state and lock in the cluster (issue 16, `--state k8s://NAMESPACE/NAME`): the
//! state as a ConfigMap (one data key, every update conditional on the `resourceVersion` read)
//! and the lock as a `coordination.k8s.io/v1` Lease of the same name (holder identity, renew time,
//! duration), as client-go's leader election keeps one.
//!
//! The kubeconfig's server may be one of the apiservers the rotation restarts (no load balancer
//! in front), so every call here rides out a restart: a call that finds the apiserver
//! unavailable ([`ClusterError::is_unavailable`]) is retried with exponential backoff (backon)
//! for up to [`RIDE_OUT`]; any other answer (a conflict, a refusal) returns at once.

use std::collections::BTreeMap;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable as _};
use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::api::core::v1::ConfigMap;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};

use super::{Cluster, ClusterError, bounded};

/// The ConfigMap's data key.
pub const STATE_KEY: &str = "rotation.json";
/// How long state and lock calls keep retrying an unavailable apiserver (a kube-apiserver
/// restart takes about 30 s).
pub const RIDE_OUT: Duration = Duration::from_secs(90);

/// A state object as read: its text and the `resourceVersion` an update must name.
#[derive(Debug, Clone)]
pub struct Stored {
    pub text: String,
    pub resource_version: String,
}

/// A Lease as sakr reads it.
#[derive(Debug, Clone, Default)]
pub struct LeaseInfo {
    pub holder: Option<String>,
    pub renewed: Option<jiff::Timestamp>,
    pub duration_seconds: i32,
    pub resource_version: String,
}

impl LeaseInfo {
    /// When the holder's claim runs out (`None`: no holder, or never renewed).
    pub fn expires(&self) -> Option<jiff::Timestamp> {
        let renewed = self.renewed?;
        self.holder.as_ref()?;
        renewed
            .checked_add(jiff::SignedDuration::from_secs(i64::from(
                self.duration_seconds,
            )))
            .ok()
    }
}

fn labels() -> Option<BTreeMap<String, String>> {
    Some(BTreeMap::from([(
        "app.kubernetes.io/managed-by".to_string(),
        "sakr".to_string(),
    )]))
}

/// One call, retried with backoff while the apiserver is unavailable (at most [`RIDE_OUT`]).
async fn ride_out<T, F, Fut>(call: F) -> Result<T, ClusterError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClusterError>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_millis(200))
        .with_max_delay(Duration::from_secs(5))
        .with_total_delay(Some(RIDE_OUT))
        .without_max_times();
    call.retry(backoff)
        .sleep(tokio::time::sleep)
        .when(ClusterError::is_unavailable)
        .await
}

fn not_found(e: &ClusterError) -> bool {
    matches!(e, ClusterError::Api { code: 404, .. })
}

impl Cluster {
    fn cm_url(&self, ns: &str, name: Option<&str>) -> String {
        self.url(&format!(
            "/api/v1/namespaces/{ns}/configmaps{}",
            name.map(|n| format!("/{n}")).unwrap_or_default()
        ))
    }

    fn lease_url(&self, ns: &str, name: Option<&str>) -> String {
        self.url(&format!(
            "/apis/coordination.k8s.io/v1/namespaces/{ns}/leases{}",
            name.map(|n| format!("/{n}")).unwrap_or_default()
        ))
    }

    /// One data key of a ConfigMap: `Ok(None)` when the ConfigMap does not exist, the inner
    /// `None` when it has no such key.
    pub async fn read_configmap_key(
        &self,
        ns: &str,
        name: &str,
        key: &str,
    ) -> Result<Option<Option<String>>, ClusterError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        let url = self.cm_url(ns, Some(name));
        match ride_out(|| bounded("GET", &url, api.get(name))).await {
            Ok(cm) => Ok(Some(cm.data.as_ref().and_then(|d| d.get(key)).cloned())),
            Err(e) if not_found(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The state ConfigMap's text, `None` when the ConfigMap does not exist.
    pub async fn read_state(&self, ns: &str, name: &str) -> Result<Option<Stored>, ClusterError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        let url = self.cm_url(ns, Some(name));
        let got = ride_out(|| bounded("GET", &url, api.get(name))).await;
        let cm = match got {
            Ok(cm) => cm,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let text = cm
            .data
            .as_ref()
            .and_then(|d| d.get(STATE_KEY))
            .cloned()
            .ok_or_else(|| ClusterError::BadResponse {
                method: "GET",
                url: url.clone(),
                reason: format!(
                    "the ConfigMap has no data key {STATE_KEY}: not a sakr rotation state"
                ),
            })?;
        Ok(Some(Stored {
            text,
            resource_version: cm.metadata.resource_version.unwrap_or_default(),
        }))
    }

    fn state_object(ns: &str, name: &str, text: &str, rv: Option<&str>) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(ns.to_string()),
                labels: labels(),
                resource_version: rv.map(str::to_string),
                ..ObjectMeta::default()
            },
            data: Some(BTreeMap::from([(STATE_KEY.to_string(), text.to_string())])),
            ..ConfigMap::default()
        }
    }

    /// Create the state ConfigMap; an existing one is an `AlreadyExists` error (409).
    pub async fn create_state(
        &self,
        ns: &str,
        name: &str,
        text: &str,
    ) -> Result<String, ClusterError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        let url = self.cm_url(ns, None);
        let obj = Self::state_object(ns, name, text, None);
        let pp = PostParams::default();
        let made = ride_out(|| bounded("POST", &url, api.create(&pp, &obj))).await?;
        Ok(made.metadata.resource_version.unwrap_or_default())
    }

    /// Replace the state, only if it is still at `resource_version` (else 409 `Conflict`).
    pub async fn replace_state(
        &self,
        ns: &str,
        name: &str,
        text: &str,
        resource_version: &str,
    ) -> Result<String, ClusterError> {
        let api: Api<ConfigMap> = Api::namespaced(self.client.clone(), ns);
        let url = self.cm_url(ns, Some(name));
        let obj = Self::state_object(ns, name, text, Some(resource_version));
        let pp = PostParams::default();
        let put = ride_out(|| bounded("PUT", &url, api.replace(name, &pp, &obj))).await?;
        Ok(put.metadata.resource_version.unwrap_or_default())
    }

    /// The Lease, `None` when it does not exist.
    pub async fn read_lease(
        &self,
        ns: &str,
        name: &str,
    ) -> Result<Option<LeaseInfo>, ClusterError> {
        let api: Api<Lease> = Api::namespaced(self.client.clone(), ns);
        let url = self.lease_url(ns, Some(name));
        let lease = match ride_out(|| bounded("GET", &url, api.get(name))).await {
            Ok(l) => l,
            Err(e) if not_found(&e) => return Ok(None),
            Err(e) => return Err(e),
        };
        let spec = lease.spec.unwrap_or_default();
        Ok(Some(LeaseInfo {
            holder: spec.holder_identity.filter(|h| !h.is_empty()),
            renewed: spec.renew_time.map(|t| t.0),
            duration_seconds: spec.lease_duration_seconds.unwrap_or(0),
            resource_version: lease.metadata.resource_version.unwrap_or_default(),
        }))
    }

    /// Take (or renew, or with `holder` None release) the Lease: created when `previous` is
    /// `None`, else replaced only if still at `previous`'s resourceVersion (409 otherwise: someone
    /// else got there first). Returns the new resourceVersion.
    pub async fn write_lease(
        &self,
        ns: &str,
        name: &str,
        holder: Option<&str>,
        duration_seconds: i32,
        previous: Option<&LeaseInfo>,
    ) -> Result<String, ClusterError> {
        let api: Api<Lease> = Api::namespaced(self.client.clone(), ns);
        let now = jiff::Timestamp::now();
        let lease = Lease {
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(ns.to_string()),
                labels: labels(),
                resource_version: previous.map(|p| p.resource_version.clone()),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_string),
                lease_duration_seconds: Some(duration_seconds),
                acquire_time: holder.map(|_| MicroTime(now)),
                renew_time: holder.map(|_| MicroTime(now)),
                ..LeaseSpec::default()
            }),
        };
        let pp = PostParams::default();
        let made = match previous {
            None => {
                let url = self.lease_url(ns, None);
                ride_out(|| bounded("POST", &url, api.create(&pp, &lease))).await?
            }
            Some(_) => {
                let url = self.lease_url(ns, Some(name));
                ride_out(|| bounded("PUT", &url, api.replace(name, &pp, &lease))).await?
            }
        };
        Ok(made.metadata.resource_version.unwrap_or_default())
    }
}
