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
    /// The kid of the token's header, or, for a token without one (kube-controller-manager
    /// before Kubernetes 1.16 wrote none; kube-apiserver then tries every trusted key), the
    /// kid of the key given to [`Cluster::legacy_tokens`] when that key verifies it.
    pub kid: Option<String>,
    /// The Secret has no token (yet): kube-controller-manager has not issued one.
    pub empty: bool,
    /// There is a token, but not one sakr can read (not a JWT), or without a kid and not
    /// signed by the key asked about.
    pub unreadable: bool,
    pub resource_version: Option<String>,
}

impl LegacyToken {
    /// `namespace/name`.
    pub fn place(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

fn from_secret(s: &Secret, kidless: Option<&crate::keys::PublicKey>) -> LegacyToken {
    let token = s
        .data
        .as_ref()
        .and_then(|d| d.get(TOKEN_KEY))
        .filter(|t| !t.0.is_empty());
    let empty = token.is_none();
    // Only the header is read (and, for a token without a kid, the signature checked); the
    // bytes stay in this function.
    let decoded = token.and_then(|t| crate::token::decode(&String::from_utf8_lossy(&t.0)).ok());
    let kid = decoded.as_ref().and_then(|d| match d.kid() {
        Some(k) => Some(k.to_string()),
        None => kidless
            .filter(|key| d.verify_with(key))
            .map(crate::keys::PublicKey::kid),
    });
    LegacyToken {
        empty,
        unreadable: !empty && kid.is_none(),
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
    /// Every legacy token Secret in every namespace, in list order (paged, bounded). A token
    /// without a kid is attributed to `kidless` when that key verifies it.
    pub async fn legacy_tokens(
        &self,
        kidless: Option<&crate::keys::PublicKey>,
    ) -> Result<Vec<LegacyToken>, ClusterError> {
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
                    .map(|s| from_secret(s, kidless)),
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

    /// One legacy token Secret, read again; `None` when it was deleted meanwhile.
    pub async fn legacy_token(
        &self,
        ns: &str,
        name: &str,
        kidless: Option<&crate::keys::PublicKey>,
    ) -> Result<Option<LegacyToken>, ClusterError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let url = format!("/api/v1/namespaces/{ns}/secrets/{name}");
        match bounded("GET", &url, api.get(name)).await {
            Ok(s) => Ok(Some(from_secret(&s, kidless))),
            Err(e) if e.status_code() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Remove the token from a legacy token Secret for the tokens controller to issue a new
    /// one with its current key, only while it still carries kid `only_if` (read now, and the
    /// update made on that read's `resourceVersion`: a Secret changed or deleted in between is
    /// left alone). Returns whether it was cleared.
    pub async fn clear_legacy_token(
        &self,
        ns: &str,
        name: &str,
        only_if: &crate::keys::PublicKey,
    ) -> Result<bool, ClusterError> {
        let api: Api<Secret> = Api::namespaced(self.client.clone(), ns);
        let url = format!("/api/v1/namespaces/{ns}/secrets/{name}");
        let mut s = match bounded("GET", &url, api.get(name)).await {
            Ok(s) => s,
            Err(e) if e.status_code() == Some(404) => return Ok(false),
            Err(e) => return Err(e),
        };
        if from_secret(&s, Some(only_if)).kid.as_deref() != Some(only_if.kid().as_str()) {
            return Ok(false);
        }
        if let Some(d) = s.data.as_mut() {
            d.remove(TOKEN_KEY);
        }
        match bounded("PUT", &url, api.replace(name, &PostParams::default(), &s)).await {
            Ok(_) => Ok(true),
            // Changed (409) or deleted (404) since the read: the next look decides.
            Err(e) if matches!(e.status_code(), Some(404 | 409)) => Ok(false),
            Err(e) => Err(e),
        }
    }
}
