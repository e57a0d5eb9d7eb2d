//! Reading what is published under an issuer URL, as a relying party does (OIDC Discovery 1.0
//! §4): `GET {issuer}/.well-known/openid-configuration`, check its `issuer` is exactly ours,
//! then `GET jwks_uri`. HTTPS only, through reqwest on the same rustls/aws-lc-rs stack kube
//! uses, with the platform's roots or only the given CA.

use std::path::Path;
use std::time::Duration;

use super::{ClusterError, DiscoveryDoc, PlaceKids};

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const TIMEOUT: Duration = Duration::from_secs(30);
/// A JWKS of a few keys is a few KiB; anything this large is the wrong URL.
const MAX_BODY: usize = 1024 * 1024;

/// The published documents: the discovery document (parsed), where it and the JWKS were read,
/// and the JWKS bytes as served (parse with [`crate::jwks::parse`], or [`IssuerJwks::kids`]).
#[derive(Debug, Clone)]
pub struct IssuerJwks {
    pub discovery_url: String,
    pub discovery: DiscoveryDoc,
    pub jwks_url: String,
    pub jwks: Vec<u8>,
    /// The JWKS response's `Cache-Control`, as a cache in front of the issuer and relying
    /// parties read it (issue 18: how long the previous JWKS may still be served).
    pub jwks_cache_control: Option<String>,
}

impl IssuerJwks {
    /// The kids of the published JWKS, validated as DESIGN §2.3 entries.
    pub fn kids(&self) -> Result<Vec<String>, ClusterError> {
        crate::jwks::parse(&self.jwks)
            .map(|entries| entries.iter().map(|e| e.key.kid()).collect())
            .map_err(|e| ClusterError::Issuer {
                url: self.jwks_url.clone(),
                reason: format!("not a valid JWKS: {e}"),
            })
    }

    /// The published column of a drift table: named by the JWKS URL; an invalid JWKS is that
    /// column's error.
    pub fn place_kids(&self) -> PlaceKids {
        match self.kids() {
            Ok(kids) => PlaceKids::ok(self.jwks_url.clone(), kids),
            Err(e) => PlaceKids::err(self.jwks_url.clone(), e.to_string()),
        }
    }
}

/// Fetch discovery then JWKS from an issuer URL. `ca`: trust only this PEM bundle (a private
/// issuer endpoint); otherwise the platform's roots.
pub async fn fetch_issuer_jwks(
    issuer: &str,
    ca: Option<&Path>,
) -> Result<IssuerJwks, ClusterError> {
    crate::jwks::discovery::validate_https("issuer", issuer).map_err(|e| ClusterError::Issuer {
        url: issuer.to_string(),
        reason: e.problem(),
    })?;
    let mut builder = reqwest::Client::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .timeout(TIMEOUT)
        .https_only(true)
        .user_agent(concat!("sakr/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = ca {
        let pem = std::fs::read(path).map_err(|e| ClusterError::CaFile {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        let certs =
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| ClusterError::CaFile {
                path: path.display().to_string(),
                reason: super::error_chain(&e),
            })?;
        if certs.is_empty() {
            return Err(ClusterError::CaFile {
                path: path.display().to_string(),
                reason: "no CERTIFICATE block".into(),
            });
        }
        builder = builder.tls_certs_only(certs);
    }
    let client = builder.build().map_err(|source| ClusterError::Http {
        url: issuer.to_string(),
        source,
    })?;

    // kube-apiserver and the common publishers join without a doubled slash.
    let discovery_url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let (body, _) = get(&client, &discovery_url).await?;
    let discovery: DiscoveryDoc =
        serde_json::from_slice(&body).map_err(|e| ClusterError::Issuer {
            url: discovery_url.clone(),
            reason: format!("not an OIDC discovery document: {e}"),
        })?;
    // Relying parties compare byte-for-byte (OIDC Discovery §4.3); a trailing-slash difference
    // already breaks AWS and Azure.
    if discovery.issuer != issuer {
        return Err(ClusterError::Issuer {
            url: discovery_url,
            reason: format!(
                "its issuer is {:?}, not {:?}: relying parties reject tokens when these differ",
                discovery.issuer, issuer
            ),
        });
    }
    crate::jwks::discovery::validate_https("jwks_uri", &discovery.jwks_uri).map_err(|e| {
        ClusterError::Issuer {
            url: discovery_url.clone(),
            reason: e.to_string(),
        }
    })?;
    let jwks_url = discovery.jwks_uri.clone();
    let (jwks, jwks_cache_control) = get(&client, &jwks_url).await?;
    Ok(IssuerJwks {
        discovery_url,
        discovery,
        jwks_url,
        jwks,
        jwks_cache_control,
    })
}

/// The body (bounded) and the `Cache-Control` header of a GET; redirects followed (reqwest's
/// default policy, up to 10, HTTPS only), as relying parties follow them.
async fn get(
    client: &reqwest::Client,
    url: &str,
) -> Result<(Vec<u8>, Option<String>), ClusterError> {
    let http = |source: reqwest::Error| ClusterError::Http {
        url: url.to_string(),
        source: source.without_url(),
    };
    let mut resp = client.get(url).send().await.map_err(http)?;
    let status = resp.status();
    // Every Cache-Control header, as one list (a CDN may send several).
    let values: Vec<&str> = resp
        .headers()
        .get_all(reqwest::header::CACHE_CONTROL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let cache_control = (!values.is_empty()).then(|| values.join(", "));
    if !status.is_success() {
        return Err(ClusterError::Issuer {
            url: url.to_string(),
            reason: format!("HTTP {status}"),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(http)? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_BODY {
            return Err(ClusterError::Issuer {
                url: url.to_string(),
                reason: format!("more than {MAX_BODY} bytes: not a JWKS or discovery document"),
            });
        }
    }
    Ok((body, cache_control))
}
