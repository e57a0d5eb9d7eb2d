//! Legacy ServiceAccount token Secrets (issue 18, item 2): Secrets of type
//! `kubernetes.io/service-account-token`, whose token kube-controller-manager's tokens controller
//! signed once, with its `--service-account-private-key-file`, and never re-signs. Retiring that
//! key breaks every one still in use, so the retire gate reads the kid in each token's header
//! (no signature check: the kid is what decides which key must stay).
//!
//! To re-sign one, the token is removed from the Secret (an update on its `resourceVersion`):
//! the tokens controller sees a ServiceAccount token Secret without a token and issues a new one
//! with its current key (kubernetes `pkg/controller/serviceaccount/tokens_controller.go`,
//! `generateTokenIfNeeded`).

use k8s_openapi::api::core::v1::Secret;
use kube::api::{Api, ListParams, PostParams};

use super::{Cluster, ClusterError, bounded};

/// The Secret type whose token the tokens controller signs.
pub const LEGACY_TOKEN_TYPE: &str = "kubernetes.io/service-account-token";
/// The data key of the token.
pub const TOKEN_KEY: &str = "token";
/// Secrets listed per page, and the most read in all (a cluster with more is not one sakr
/// should walk unbounded).
const PAGE: u32 = 500;
const MAX_SECRETS: usize = 100_000;

/// One legacy token Secret, as the retire gate sees it (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LegacyToken {
    pub namespace: String,
    pub name: String,
    /// `kubernetes.io/service-account.name`.
    pub service_account: Option<String>,
    /// The kid of the token's header; `None` when the Secret has no token (yet) or it is not a
    /// JWT with a kid.
    pub kid: Option<String>,
    pub resource_version: Option<String>,
}

impl LegacyToken {
    /// `namespace/name`.
    pub fn place(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn from_secret(s: &Secret) -> LegacyToken {
    let kid = s
        .data
        .as_ref()
        .and_then(|d| d.get(TOKEN_KEY))
        .filter(|t| !t.0.is_empty())
        .and_then(|t| {
            // Only the header is read; the bytes stay in this function.
            let text = String::from_utf8_lossy(&t.0);
            crate::token::decode(&text)
                .ok()
                .and_then(|d| d.kid().map(str::to_string))
        });
    LegacyToken {
        namespace: s.metadata.namespace.clone().unwrap_or_default(),
        name: s.metadata.name.clone().unwrap_or_default(),
        service_account: s
            .metadata
            .annotations
            .as_ref()
            .and_then(|a| a.get("kubernetes.io/service-account.name"))
            .cloned(),
        kid,
        resource_version: s.metadata.resource_version.clone(),
    }
}

impl Cluster {
    /// Every legacy token Secret in every namespace, in list order (paged, bounded).
    pub async fn legacy_tokens(&self) -> Result<Vec<LegacyToken>, ClusterError> {
        let api: Api<Secret> = Api::all(self.client.clone());
        let url = format!("/api/v1/secrets?fieldSelector=type%3D{LEGACY_TOKEN_TYPE}");
        let mut out = Vec::new();
        let mut cont: Option<String> = None;
        loop {
            let mut lp = ListParams::default()
                .fields(&format!("type={LEGACY_TOKEN_TYPE}"))
                .limit(PAGE);
            if let Some(c) = &cont {
                lp = lp.continue_token(c);
            }
            let page = bounded("GET", &url, api.list(&lp)).await?;
            // The field selector is the server's job; a type that slips through is not ours.
            out.extend(
                page.items
                    .iter()
                    .filter(|s| s.type_.as_deref() == Some(LEGACY_TOKEN_TYPE))
                    .map(from_secret),
            );
            if out.len() > MAX_SECRETS {
                return Err(ClusterError::BadResponse {
                    method: "GET",
                    url,
                    reason: format!("more than {MAX_SECRETS} legacy token Secrets"),
                });
            }
            cont = page.metadata.continue_.filter(|c| !c.is_empty());
            if cont.is_none() {
                return Ok(out);
            }
        }
    }

    /// One legacy token Secret, read again.
    pub async fn legacy_token(&self, ns: &str, name: &str) -> Result<LegacyToken, ClusterError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let url = format!("/api/v1/namespaces/{ns}/secrets/{name}");
        Ok(from_secret(&bounded("GET", &url, api.get(name)).await?))
    }

    /// Remove the token from a legacy token Secret (an update on the `resourceVersion` read, so
    /// a Secret changed in between is not overwritten), for the tokens controller to issue a
    /// new one with its current key.
    pub async fn clear_legacy_token(&self, ns: &str, name: &str) -> Result<(), ClusterError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let url = format!("/api/v1/namespaces/{ns}/secrets/{name}");
        let mut s = bounded("GET", &url, api.get(name)).await?;
        if let Some(d) = s.data.as_mut() {
            d.remove(TOKEN_KEY);
        }
        bounded("PUT", &url, api.replace(name, &PostParams::default(), &s)).await?;
        Ok(())
    }
}
