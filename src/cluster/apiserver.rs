//! What each kube-apiserver serves about its ServiceAccount keys: `/openid/v1/jwks` (one entry
//! per `--service-account-key-file` key, DESIGN §2.3) and `/.well-known/openid-configuration`
//! (§2.4), and the list of apiservers itself.
//!
//! Each apiserver serves *its own* key-file list, so behind a load balancer one GET shows one
//! random apiserver. The apiservers are found where they register themselves: the EndpointSlices
//! of the `default/kubernetes` Service (label `kubernetes.io/service-name=kubernetes`), falling
//! back to the Endpoints object of the same name for RBAC set-ups that only allow that. Each is
//! then read at its address with the kubeconfig's credentials and CA, and with the TLS server
//! name set to the kubeconfig's host: serving certificates are issued for the service name and
//! address, not necessarily for each node's IP.

use std::time::Duration;

use k8s_openapi::api::core::v1::Endpoints;
use k8s_openapi::api::discovery::v1::EndpointSlice;
use kube::api::{Api, ListParams};
use serde::{Deserialize, Serialize};

use super::drift::PlaceKids;
use super::token::send_text;
use super::{Cluster, ClusterError, error_chain};

const JWKS_PATH: &str = "/openid/v1/jwks";
const DISCOVERY_PATH: &str = "/.well-known/openid-configuration";

/// Per-endpoint reads give up sooner than the kubeconfig's: an apiserver that does not answer
/// within this is reported unreachable rather than stalling the whole table.
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(15);

/// The OIDC discovery document as served or published (only the fields sakr reads are
/// required; kube-apiserver's full set is DESIGN §2.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryDoc {
    pub issuer: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
}

/// Where the apiserver list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointSource {
    EndpointSlice,
    Endpoints,
}

/// One apiserver address. `ready` is the EndpointSlice condition when given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndpointAddress {
    pub host: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready: Option<bool>,
}

impl EndpointAddress {
    /// `host:port`, IPv6 bracketed: the place name in drift tables.
    pub fn place(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    pub fn url(&self) -> String {
        format!("https://{}", self.place())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiserverEndpoints {
    pub source: EndpointSource,
    pub addresses: Vec<EndpointAddress>,
}

impl Cluster {
    /// The kids the apiserver behind the kubeconfig serves, in its order.
    pub async fn apiserver_jwks(&self) -> Result<Vec<String>, ClusterError> {
        read_jwks(&self.client, &self.url(JWKS_PATH)).await
    }

    /// `GET /readyz` of the apiserver behind the kubeconfig: Ok when it answers `ok`.
    pub async fn readyz(&self) -> Result<(), ClusterError> {
        let url = self.url("/readyz");
        let text = self.send_text("GET", &url, get("/readyz")).await?;
        if text.trim() == "ok" {
            Ok(())
        } else {
            Err(ClusterError::BadResponse {
                method: "GET",
                url,
                reason: format!("not ready: {}", crate::text::printable(text.trim())),
            })
        }
    }

    /// The discovery document the apiserver serves (its `--service-account-issuer` and
    /// `--service-account-jwks-uri`).
    pub async fn discovery(&self) -> Result<DiscoveryDoc, ClusterError> {
        let url = self.url(DISCOVERY_PATH);
        let text = self.send_text("GET", &url, get(DISCOVERY_PATH)).await?;
        serde_json::from_str(&text).map_err(|e| ClusterError::BadResponse {
            method: "GET",
            url,
            reason: format!("not an OIDC discovery document: {e}"),
        })
    }

    /// The apiservers registered for the `default/kubernetes` Service: EndpointSlices first,
    /// the Endpoints object when slices cannot be listed or are empty. Duplicates (an address
    /// in two slices) are listed once, in first-seen order.
    pub async fn apiserver_endpoints(&self) -> Result<ApiserverEndpoints, ClusterError> {
        let slices_url = self.url(
            "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dkubernetes",
        );
        let slices: Api<EndpointSlice> = Api::namespaced(self.client.clone(), "default");
        let lp = ListParams::default().labels("kubernetes.io/service-name=kubernetes");
        let slice_err = match with_timeout(slices.list(&lp)).await {
            Ok(list) => {
                let addresses = from_slices(&list.items);
                if !addresses.is_empty() {
                    return Ok(ApiserverEndpoints {
                        source: EndpointSource::EndpointSlice,
                        addresses,
                    });
                }
                None
            }
            Err(e) => Some(e),
        };
        let eps_url = self.url("/api/v1/namespaces/default/endpoints/kubernetes");
        let endpoints: Api<Endpoints> = Api::namespaced(self.client.clone(), "default");
        match with_timeout(endpoints.get("kubernetes")).await {
            Ok(ep) => Ok(ApiserverEndpoints {
                source: EndpointSource::Endpoints,
                addresses: from_endpoints(&ep),
            }),
            // Report the slice failure when there was one: it is the primary source.
            Err(e) => Err(match slice_err {
                Some(s) => request_err(&slices_url, s),
                None => request_err(&eps_url, e),
            }),
        }
    }

    /// `/openid/v1/jwks` of every apiserver endpoint, each read on its own (see the module
    /// header), concurrently. An endpoint that cannot be read gets its error (naming its URL)
    /// instead of kids. When the endpoints themselves cannot be listed, the one apiserver behind
    /// the kubeconfig is read instead and the listing error is returned beside it, so the
    /// caller can say the table covers one apiserver only.
    pub async fn jwks_per_apiserver(&self) -> (Vec<PlaceKids>, Option<ClusterError>) {
        let endpoints = match self.apiserver_endpoints().await {
            Ok(e) if !e.addresses.is_empty() => e,
            Ok(_) => {
                return (vec![self.jwks_via_server().await], None);
            }
            Err(e) => return (vec![self.jwks_via_server().await], Some(e)),
        };
        let mut tasks = tokio::task::JoinSet::new();
        for (i, addr) in endpoints.addresses.iter().enumerate() {
            let this = self.clone();
            let addr = addr.clone();
            tasks.spawn(async move { (i, this.endpoint_jwks(&addr).await) });
        }
        let mut out: Vec<Option<PlaceKids>> = vec![None; endpoints.addresses.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((i, kids)) = joined {
                out[i] = Some(kids);
            }
        }
        let places = out
            .into_iter()
            .zip(&endpoints.addresses)
            .map(|(kids, addr)| {
                kids.unwrap_or_else(|| PlaceKids::err(addr.place(), "the read task failed"))
            })
            .collect();
        (places, None)
    }

    async fn jwks_via_server(&self) -> PlaceKids {
        let place = self.server();
        match self.apiserver_jwks().await {
            Ok(kids) => PlaceKids::ok(place, kids),
            Err(e) => PlaceKids::err(place, error_chain(&e)),
        }
    }

    /// The JWKS of one apiserver endpoint, through a client that dials the endpoint but
    /// verifies the certificate against the kubeconfig's server name.
    pub async fn endpoint_jwks(&self, addr: &EndpointAddress) -> PlaceKids {
        let place = addr.place();
        let url = format!("{}{JWKS_PATH}", addr.url());
        let result = async {
            let at = self.at_endpoint(addr)?;
            read_jwks_within(&at.client, &url, ENDPOINT_TIMEOUT).await
        }
        .await;
        match result {
            Ok(kids) => PlaceKids::ok(place, kids),
            Err(e) => PlaceKids::err(place, error_chain(&e)),
        }
    }
}

fn get(path: &str) -> http::Request<Vec<u8>> {
    http::Request::get(path)
        .header(
            http::header::ACCEPT,
            "application/json, application/jwk-set+json",
        )
        .body(Vec::new())
        .expect("a valid request")
}

async fn read_jwks(client: &kube::Client, url: &str) -> Result<Vec<String>, ClusterError> {
    read_jwks_within(client, url, super::connect::READ_TIMEOUT).await
}

async fn read_jwks_within(
    client: &kube::Client,
    url: &str,
    limit: Duration,
) -> Result<Vec<String>, ClusterError> {
    let text = send_text(client, "GET", url, get(JWKS_PATH), limit).await?;
    let entries = crate::jwks::parse(text.as_bytes()).map_err(|e| ClusterError::BadResponse {
        method: "GET",
        url: url.to_string(),
        reason: format!("not a valid JWKS: {e}"),
    })?;
    Ok(entries.iter().map(|e| e.key.kid()).collect())
}

async fn with_timeout<T>(
    f: impl Future<Output = Result<T, kube::Error>>,
) -> Result<T, Result<kube::Error, u64>> {
    match tokio::time::timeout(super::connect::READ_TIMEOUT, f).await {
        Ok(r) => r.map_err(Ok),
        Err(_) => Err(Err(super::connect::READ_TIMEOUT.as_secs())),
    }
}

fn request_err(url: &str, e: Result<kube::Error, u64>) -> ClusterError {
    match e {
        Ok(e) => super::from_kube("GET", url, e),
        Err(secs) => ClusterError::Timeout {
            method: "GET",
            url: url.to_string(),
            secs,
        },
    }
}

/// The `https` port of each slice (kube-apiserver names it so), else its only port, else 443.
fn from_slices(slices: &[EndpointSlice]) -> Vec<EndpointAddress> {
    let mut out: Vec<EndpointAddress> = Vec::new();
    for s in slices {
        let ports = s.ports.as_deref().unwrap_or_default();
        let port = ports
            .iter()
            .find(|p| p.name.as_deref() == Some("https"))
            .or(if ports.len() == 1 {
                ports.first()
            } else {
                None
            })
            .and_then(|p| p.port)
            .and_then(|p| u16::try_from(p).ok())
            .unwrap_or(443);
        for ep in &s.endpoints {
            let ready = ep.conditions.as_ref().and_then(|c| c.ready);
            for host in &ep.addresses {
                push_unique(
                    &mut out,
                    EndpointAddress {
                        host: host.clone(),
                        port,
                        ready,
                    },
                );
            }
        }
    }
    out
}

/// Ready addresses of each subset, with that subset's `https` port (or only port).
fn from_endpoints(ep: &Endpoints) -> Vec<EndpointAddress> {
    let mut out = Vec::new();
    for subset in ep.subsets.as_deref().unwrap_or_default() {
        let ports = subset.ports.as_deref().unwrap_or_default();
        let port = ports
            .iter()
            .find(|p| p.name.as_deref() == Some("https"))
            .or(if ports.len() == 1 {
                ports.first()
            } else {
                None
            })
            .and_then(|p| u16::try_from(p.port).ok())
            .unwrap_or(443);
        for a in subset.addresses.as_deref().unwrap_or_default() {
            push_unique(
                &mut out,
                EndpointAddress {
                    host: a.ip.clone(),
                    port,
                    ready: Some(true),
                },
            );
        }
        for a in subset.not_ready_addresses.as_deref().unwrap_or_default() {
            push_unique(
                &mut out,
                EndpointAddress {
                    host: a.ip.clone(),
                    port,
                    ready: Some(false),
                },
            );
        }
    }
    out
}

fn push_unique(out: &mut Vec<EndpointAddress>, a: EndpointAddress) {
    if !out.iter().any(|b| b.host == a.host && b.port == a.port) {
        out.push(a);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_pick_the_https_port_and_dedup() {
        let slices: Vec<EndpointSlice> = serde_json::from_value(serde_json::json!([
            {"metadata": {"name": "kubernetes"}, "addressType": "IPv4",
             "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": true}},
                           {"addresses": ["10.0.0.2"]}],
             "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]},
            {"metadata": {"name": "kubernetes-v6"}, "addressType": "IPv6",
             "endpoints": [{"addresses": ["fd00::1"]}, {"addresses": ["10.0.0.1"]}],
             "ports": [{"name": "other", "port": 1}, {"name": "https", "port": 443}]}
        ]))
        .unwrap();
        let a = from_slices(&slices);
        let places: Vec<String> = a.iter().map(EndpointAddress::place).collect();
        assert_eq!(
            places,
            [
                "10.0.0.1:6443",
                "10.0.0.2:6443",
                "[fd00::1]:443",
                "10.0.0.1:443"
            ]
        );
        assert_eq!(a[0].ready, Some(true));
        assert_eq!(a[1].ready, None);
        assert_eq!(a[2].url(), "https://[fd00::1]:443");
    }

    #[test]
    fn endpoints_fallback_reads_each_subset() {
        let ep: Endpoints = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "subsets": [
                {"addresses": [{"ip": "192.0.2.10"}, {"ip": "192.0.2.11"}],
                 "notReadyAddresses": [{"ip": "192.0.2.12"}],
                 "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}
            ]
        }))
        .unwrap();
        let a = from_endpoints(&ep);
        assert_eq!(
            a.iter().map(|a| (a.place(), a.ready)).collect::<Vec<_>>(),
            [
                ("192.0.2.10:6443".to_string(), Some(true)),
                ("192.0.2.11:6443".to_string(), Some(true)),
                ("192.0.2.12:6443".to_string(), Some(false)),
            ]
        );
        assert!(from_endpoints(&Endpoints::default()).is_empty());
    }
}
