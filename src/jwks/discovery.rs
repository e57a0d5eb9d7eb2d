//! The OIDC discovery document kube-apiserver serves at `/.well-known/openid-configuration`
//! (DESIGN §2.4, kubernetes `pkg/serviceaccount/openidmetadata.go`). Pure.

use serde::Serialize;

use crate::keys::Alg;

/// Field order is kube-apiserver's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discovery {
    pub issuer: String,
    pub jwks_uri: String,
    pub response_types_supported: Vec<&'static str>,
    pub subject_types_supported: Vec<&'static str>,
    pub id_token_signing_alg_values_supported: Vec<&'static str>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DiscoveryError {
    #[error("{field} `{value}` is not a valid URL: {reason}")]
    Invalid {
        field: &'static str,
        value: String,
        reason: String,
    },
    #[error("{field} `{value}` must use https (relying parties refuse anything else)")]
    NotHttps { field: &'static str, value: String },
    #[error("{field} `{value}` must not have a query or fragment")]
    QueryOrFragment { field: &'static str, value: String },
    #[error("no keys: the discovery document needs at least one signing algorithm")]
    NoKeys,
}

/// The path kube-apiserver serves its JWKS at, appended to the issuer by default.
pub const JWKS_PATH: &str = "openid/v1/jwks";

/// Check a URL the way kube-apiserver checks `--service-account-issuer` for discovery and
/// `--service-account-jwks-uri`: absolute https, no query, no fragment.
pub fn validate_https(field: &'static str, value: &str) -> Result<url::Url, DiscoveryError> {
    let u = url::Url::parse(value).map_err(|e| DiscoveryError::Invalid {
        field,
        value: value.to_string(),
        reason: e.to_string(),
    })?;
    if u.scheme() != "https" {
        return Err(DiscoveryError::NotHttps {
            field,
            value: value.to_string(),
        });
    }
    if u.query().is_some() || u.fragment().is_some() {
        return Err(DiscoveryError::QueryOrFragment {
            field,
            value: value.to_string(),
        });
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(DiscoveryError::Invalid {
            field,
            value: value.to_string(),
            reason: "no host".into(),
        });
    }
    Ok(u)
}

impl DiscoveryError {
    /// What is wrong, without the field and value (for callers that already name them).
    pub fn problem(&self) -> String {
        match self {
            DiscoveryError::Invalid { reason, .. } => format!("not a valid URL: {reason}"),
            DiscoveryError::NotHttps { .. } => {
                "must use https (relying parties refuse anything else)".into()
            }
            DiscoveryError::QueryOrFragment { .. } => "must not have a query or fragment".into(),
            DiscoveryError::NoKeys => self.to_string(),
        }
    }
}

/// `<issuer>/openid/v1/jwks`, without a double slash when the issuer ends in `/`.
pub fn default_jwks_uri(issuer: &str) -> String {
    format!("{}/{JWKS_PATH}", issuer.trim_end_matches('/'))
}

impl Discovery {
    pub fn new(
        issuer: &str,
        jwks_uri: Option<&str>,
        algs: impl IntoIterator<Item = Alg>,
    ) -> Result<Discovery, DiscoveryError> {
        validate_https("issuer", issuer)?;
        let jwks_uri = match jwks_uri {
            Some(u) => u.to_string(),
            None => default_jwks_uri(issuer),
        };
        validate_https("jwks_uri", &jwks_uri)?;
        // BTreeSet: sorted and de-duplicated, as kube's `sets.List` gives them.
        let algs: std::collections::BTreeSet<&'static str> =
            algs.into_iter().map(Alg::as_str).collect();
        if algs.is_empty() {
            return Err(DiscoveryError::NoKeys);
        }
        Ok(Discovery {
            // The issuer is kept exactly as given: it must equal the tokens' `iss` byte for byte.
            issuer: issuer.to_string(),
            jwks_uri,
            response_types_supported: vec!["id_token"],
            subject_types_supported: vec!["public"],
            id_token_signing_alg_values_supported: algs.into_iter().collect(),
        })
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("serialising a discovery document of strings")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_identical_to_kube_apiserver() {
        let d = Discovery::new(
            "https://issuer.example.com",
            None,
            [Alg::RS256, Alg::ES256, Alg::RS256],
        )
        .unwrap();
        assert_eq!(
            d.to_json(),
            include_str!("../../tests/fixtures/k8s/expected-discovery.json")
        );
    }

    #[test]
    fn no_double_slash() {
        assert_eq!(
            default_jwks_uri("https://a.example/x/"),
            "https://a.example/x/openid/v1/jwks"
        );
    }

    #[test]
    fn issuer_rules_from_kube() {
        // openidmetadata_test.go: each of these is an error there.
        for bad in [
            "http://issuer.example.com",
            "issuer.example.com",
            "https://issuer.example.com?foo=bar",
            "https://issuer.example.com#baz",
            "https://issuer.example.com?foo=bar#baz",
            "issuer",
        ] {
            assert!(Discovery::new(bad, None, [Alg::RS256]).is_err(), "{bad}");
        }
        assert!(
            Discovery::new(
                "https://issuer.example.com",
                Some("http://issuer.example.com/openid/v1/jwks"),
                [Alg::RS256]
            )
            .is_err()
        );
    }
}
