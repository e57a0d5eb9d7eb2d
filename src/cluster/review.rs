//! One apiserver asked directly, and the proof that it verifies with a key (issue 16): the
//! per-node gates of an HA rotation talk to each node's kube-apiserver at its own address
//! (the endpoint it registers in `default/kubernetes`) with the kubeconfig's credentials, CA
//! and TLS server name, and send it a TokenReview (`authentication.k8s.io/v1`) of a token sakr
//! minted with the new key: an apiserver that lists a key in its JWKS but cannot verify with
//! it (a key file it failed to reload) is caught here.
//!
//! Follows kube-apiserver's TokenReview API (`pkg/apis/authentication`) and its ServiceAccount
//! token authenticator (`pkg/serviceaccount/jwt.go`, `legacy.go`): a bound token is accepted
//! when its signature verifies with a `--service-account-key-file` key, `iss` is one of the
//! issuers, `aud` meets the audiences, it is within `nbf`..`exp`, and the ServiceAccount it
//! names exists with the UID it carries.

use std::time::Duration;

use k8s_openapi::api::core::v1::ServiceAccount;
use kube::api::Api;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::apiserver::EndpointAddress;
use super::token::check_subdomain;
use super::{Cluster, ClusterError, check_label};
use crate::keys::secret::Secret;

/// Reads of one endpoint give up sooner than the kubeconfig's: a node that does not answer
/// within this is down (restarting), and the caller polls again.
const ENDPOINT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const ENDPOINT_TIMEOUT: Duration = Duration::from_secs(15);

/// What the apiserver said of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub authenticated: bool,
    /// `system:serviceaccount:NS:NAME` when authenticated.
    pub username: Option<String>,
    /// The authenticator's error when not (`[invalid bearer token, …]`).
    pub error: Option<String>,
}

#[derive(Deserialize, Default)]
struct ReviewUser {
    #[serde(default)]
    username: Option<String>,
}

#[derive(Deserialize, Default)]
struct ReviewStatus {
    #[serde(default)]
    authenticated: bool,
    #[serde(default)]
    user: Option<ReviewUser>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Deserialize)]
struct ReviewOut {
    #[serde(default)]
    status: Option<ReviewStatus>,
}

/// The in-cluster name of the apiservers, in every kube-apiserver serving certificate (kubeadm
/// and the other installers add `kubernetes`, `kubernetes.default` and `….svc` SANs).
const SERVICE_NAME: &str = "kubernetes.default.svc";

/// The TLS server name for another apiserver, from the kubeconfig's host: a name is kept (a
/// load balancer's or the service's name is in every apiserver's certificate); an IP address
/// is one node's own (or a load balancer's) and not in the other nodes' certificates, so the
/// service name is used instead.
fn endpoint_server_name(kubeconfig_host: Option<&str>) -> Option<String> {
    let host = kubeconfig_host?
        .trim_start_matches('[')
        .trim_end_matches(']');
    if host.parse::<std::net::IpAddr>().is_ok() {
        Some(SERVICE_NAME.to_string())
    } else {
        Some(host.to_string())
    }
}

impl Cluster {
    /// The same credentials and CA, dialling `addr` instead of the kubeconfig's server, with
    /// the TLS server name of the kubeconfig (its `tls-server-name`, else its host: serving
    /// certificates are issued for the service name and the load balancer, not necessarily for
    /// each node's address), short timeouts and no retries: an apiserver that does not answer
    /// is a finding the caller acts on.
    pub fn at_endpoint(&self, addr: &EndpointAddress) -> Result<Cluster, ClusterError> {
        let mut config = self.config.clone();
        config.cluster_url = addr.url().parse().map_err(|_| ClusterError::Issuer {
            url: addr.url(),
            reason: "not a valid URL".into(),
        })?;
        if config.tls_server_name.is_none() {
            config.tls_server_name = endpoint_server_name(self.config.cluster_url.host());
        }
        config.connect_timeout = Some(ENDPOINT_CONNECT_TIMEOUT);
        config.read_timeout = Some(ENDPOINT_TIMEOUT);
        config.default_retry = false;
        Cluster::from_config(config, self.source().clone())
    }

    /// `metadata.uid` of a ServiceAccount (a minted token must carry it).
    pub async fn service_account_uid(
        &self,
        namespace: &str,
        name: &str,
    ) -> Result<String, ClusterError> {
        check_label("namespace", namespace)?;
        check_subdomain("ServiceAccount name", name)?;
        let url = self.url(&format!(
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}"
        ));
        let api: Api<ServiceAccount> = Api::namespaced(self.client.clone(), namespace);
        let sa = super::bounded("GET", &url, api.get(name)).await?;
        sa.metadata.uid.ok_or_else(|| ClusterError::BadResponse {
            method: "GET",
            url,
            reason: "the ServiceAccount has no metadata.uid".into(),
        })
    }

    /// `POST /apis/authentication.k8s.io/v1/tokenreviews`: does this apiserver authenticate
    /// `token`? Empty `audiences` asks for its default (`--api-audiences`).
    pub async fn token_review(
        &self,
        token: &Secret,
        audiences: &[String],
    ) -> Result<Review, ClusterError> {
        let path = "/apis/authentication.k8s.io/v1/tokenreviews";
        let url = self.url(path);
        let text = Zeroizing::new(String::from_utf8_lossy(token.expose()).into_owned());
        let mut spec = serde_json::json!({ "token": text.as_str() });
        if !audiences.is_empty() {
            spec["audiences"] = serde_json::json!(audiences);
        }
        let body = Zeroizing::new(
            serde_json::to_vec(&serde_json::json!({
                "apiVersion": "authentication.k8s.io/v1",
                "kind": "TokenReview",
                "spec": spec,
            }))
            .expect("a JSON value serialises"),
        );
        let req = http::Request::post(path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(body.to_vec())
            .expect("a valid request");
        // The answer echoes the token in `spec`: parsed, then dropped with the buffer.
        let answer = Zeroizing::new(self.send_text("POST", &url, req).await?);
        let out: ReviewOut =
            serde_json::from_str(&answer).map_err(|e| ClusterError::BadResponse {
                method: "POST",
                url: url.clone(),
                reason: format!(
                    "not a TokenReview ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            })?;
        let status = out.status.unwrap_or_default();
        Ok(Review {
            authenticated: status.authenticated,
            username: status
                .user
                .and_then(|u| u.username)
                .filter(|u| !u.is_empty()),
            error: status.error.filter(|e| !e.is_empty()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_apiserver_is_verified_by_name_never_by_one_nodes_address() {
        assert_eq!(
            endpoint_server_name(Some("cp.example.com")).as_deref(),
            Some("cp.example.com")
        );
        assert_eq!(
            endpoint_server_name(Some("localhost")).as_deref(),
            Some("localhost")
        );
        for ip in ["10.0.0.11", "[fd00::11]", "fd00::11"] {
            assert_eq!(
                endpoint_server_name(Some(ip)).as_deref(),
                Some("kubernetes.default.svc"),
                "{ip}"
            );
        }
        assert_eq!(endpoint_server_name(None), None);
    }
}
