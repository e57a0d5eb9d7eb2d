//! Getting a fresh ServiceAccount token from the cluster: the TokenRequest subresource (what
//! `kubectl create token` calls) and a pod's projected token read by exec (`cat PATH` over the
//! websocket exec protocol, `v5.channel.k8s.io`/`v4.channel.k8s.io`, as kube implements it).
//!
//! Both answers are tokens: their bytes go into a [`Secret`] at once, and errors describe
//! the answer's shape, never its content (kube's own `Client::request` logs a body it cannot
//! parse, so the raw text is fetched and parsed here instead).

use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, AttachParams};
use serde::Deserialize;
use tokio::io::AsyncReadExt as _;
use zeroize::{Zeroize as _, Zeroizing};

use super::{Cluster, ClusterError, connect::READ_TIMEOUT};
use crate::keys::secret::Secret;
use crate::token::MAX_TOKEN_BYTES;

/// Where kubelet mounts the default projected ServiceAccount token.
pub const DEFAULT_TOKEN_PATH: &str = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/// kube-apiserver's floor for `spec.expirationSeconds` (`validation.go`: "may not specify a
/// duration less than 10 minutes").
pub const MIN_TOKEN_DURATION: Duration = Duration::from_secs(600);

/// kube-apiserver's ceiling for `spec.expirationSeconds` (`ValidateTokenRequest`: "may not
/// specify a duration larger than 2^32 seconds").
pub const MAX_TOKEN_DURATION: Duration = Duration::from_secs(1 << 32);

/// `duration` checked against kube-apiserver's TokenRequest bounds, before anything is sent.
pub fn check_token_duration(duration: Duration) -> Result<(), ClusterError> {
    if duration < MIN_TOKEN_DURATION {
        return Err(ClusterError::DurationTooShort {
            secs: duration.as_secs(),
        });
    }
    if duration > MAX_TOKEN_DURATION {
        return Err(ClusterError::DurationTooLong {
            secs: duration.as_secs(),
        });
    }
    Ok(())
}

/// A token from TokenRequest. `expiration` is `status.expirationTimestamp` as the server wrote it.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub token: Secret,
    pub expiration: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TokenRequestStatus {
    token: String,
    #[serde(default)]
    expiration_timestamp: Option<String>,
}

#[derive(Deserialize)]
struct TokenRequestOut {
    status: Option<TokenRequestStatus>,
}

impl Cluster {
    /// `POST /api/v1/namespaces/{ns}/serviceaccounts/{sa}/token`. Empty `audiences` leaves the
    /// apiserver's default (its `--api-audiences`, usually the issuer); `None` duration leaves
    /// its default (1 h). Durations under 10 minutes or over 2^32 s are refused before sending.
    pub async fn request_token(
        &self,
        namespace: &str,
        service_account: &str,
        audiences: &[String],
        duration: Option<Duration>,
    ) -> Result<IssuedToken, ClusterError> {
        check_label("namespace", namespace)?;
        check_subdomain("ServiceAccount name", service_account)?;
        if let Some(d) = duration {
            check_token_duration(d)?;
        }
        let path =
            format!("/api/v1/namespaces/{namespace}/serviceaccounts/{service_account}/token");
        let url = self.url(&path);
        // The authentication.k8s.io/v1 TokenRequest `kubectl create token` sends. Without
        // `audiences`, kube-apiserver uses its `--api-audiences`; without `expirationSeconds`, 1 h.
        let mut spec = serde_json::json!({});
        if !audiences.is_empty() {
            spec["audiences"] = serde_json::json!(audiences);
        }
        if let Some(d) = duration {
            spec["expirationSeconds"] = serde_json::json!(d.as_secs());
        }
        let body = serde_json::json!({
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "metadata": {},
            "spec": spec,
        });
        let req = http::Request::post(&path)
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .body(serde_json::to_vec(&body).expect("a JSON value serialises"))
            .expect("a valid request");
        let text = Zeroizing::new(self.send_text("POST", &url, req).await?);
        let out: TokenRequestOut =
            serde_json::from_str(&text).map_err(|e| ClusterError::BadResponse {
                method: "POST",
                url: url.clone(),
                // Line and column only: serde's message can quote the offending value.
                reason: format!(
                    "not a TokenRequest ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            })?;
        let mut status = out.status.ok_or_else(|| ClusterError::BadResponse {
            method: "POST",
            url: url.clone(),
            reason: "the TokenRequest answer has no status".into(),
        })?;
        let token = Secret::new(status.token.trim().as_bytes());
        status.token.zeroize();
        if token.expose().is_empty() {
            return Err(ClusterError::BadResponse {
                method: "POST",
                url,
                reason: "the TokenRequest answer has an empty status.token".into(),
            });
        }
        Ok(IssuedToken {
            token,
            expiration: status.expiration_timestamp,
        })
    }

    /// The token file of a running pod, read by exec'ing `cat PATH` in `container` (or the
    /// pod's default container). Needs `pods/exec` and a `cat` in the image; distroless images
    /// have none, which the error says.
    pub async fn read_pod_token(
        &self,
        namespace: &str,
        pod: &str,
        container: Option<&str>,
        path: &str,
    ) -> Result<Secret, ClusterError> {
        check_label("namespace", namespace)?;
        check_subdomain("pod name", pod)?;
        if let Some(c) = container {
            check_label("container name", c)?;
        }
        if !path.starts_with('/') || path.contains('\0') {
            return Err(ClusterError::InvalidPath(path.to_string()));
        }
        let exec_err = |reason: String| ClusterError::Exec {
            pod: match container {
                Some(c) => format!("{namespace}/{pod} (container {c})"),
                None => format!("{namespace}/{pod}"),
            },
            path: path.to_string(),
            server: self.server(),
            reason,
        };
        let api: Api<Pod> = Api::namespaced(self.client.clone(), namespace);
        let mut params = AttachParams::default()
            .stdout(true)
            .stderr(true)
            .stdin(false);
        if let Some(c) = container {
            params = params.container(c);
        }
        let run = async {
            let mut proc = api
                .exec(pod, ["cat", path], &params)
                .await
                .map_err(|e| exec_err(super::kube_text(&e)))?;
            let mut stdout = proc.stdout().expect("stdout was requested");
            let mut stderr = proc.stderr().expect("stderr was requested");
            let status = proc.take_status().expect("status is taken once");
            // Read both streams while the message loop runs: its pipes are 1 KiB and block.
            let mut out = Zeroizing::new(Vec::new());
            let mut err = Vec::new();
            let limit = MAX_TOKEN_BYTES as u64 + 1;
            let mut stdout = (&mut stdout).take(limit);
            let mut stderr = (&mut stderr).take(4096);
            let (o, e) = tokio::join!(stdout.read_to_end(&mut out), stderr.read_to_end(&mut err));
            o.and(e)
                .map_err(|e| exec_err(format!("reading the output: {e}")))?;
            let status = status.await;
            // The remaining output is not wanted; dropping the process aborts its loop.
            drop(proc);
            Ok::<_, ClusterError>((out, err, status))
        };
        let (out, err, status) = tokio::time::timeout(READ_TIMEOUT, run)
            .await
            .map_err(|_| exec_err(format!("no answer within {} s", READ_TIMEOUT.as_secs())))??;
        let stderr = String::from_utf8_lossy(&err).trim().to_string();
        match status {
            Some(s) if s.status.as_deref() == Some("Success") => {}
            Some(s) => {
                let mut reason = s.message.unwrap_or_else(|| "the command failed".into());
                if !stderr.is_empty() {
                    reason = format!("{reason}; stderr: {stderr}");
                }
                if stderr.contains("executable file not found")
                    || stderr.contains("not found in $PATH")
                {
                    reason.push_str(" (the image has no `cat`: copy the token out another way and use --token-file)");
                }
                return Err(exec_err(reason));
            }
            None => {
                return Err(exec_err(if stderr.is_empty() {
                    "the connection closed without an exit status".into()
                } else {
                    format!("no exit status; stderr: {stderr}")
                }));
            }
        }
        if out.len() > MAX_TOKEN_BYTES {
            return Err(exec_err(format!(
                "the file is larger than {MAX_TOKEN_BYTES} bytes: not a token"
            )));
        }
        let token = String::from_utf8_lossy(&out).trim().as_bytes().to_vec();
        if token.is_empty() {
            return Err(exec_err("the file is empty".into()));
        }
        Ok(Secret::new(token))
    }

    /// A raw request through the kubeconfig's client, its answer as text, with the URL in every
    /// error and an overall time limit.
    pub(super) async fn send_text(
        &self,
        method: &'static str,
        url: &str,
        req: http::Request<Vec<u8>>,
    ) -> Result<String, ClusterError> {
        send_text(&self.client, method, url, req, READ_TIMEOUT).await
    }
}

/// The most sakr reads of one API response: a TokenRequest, a JWKS, a discovery document, an
/// EndpointSlice list are a few KiB; an apiserver endpoint that streams more is not one.
pub(super) const MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// One request, bounded in time (`limit`, the whole exchange) and size
/// ([`MAX_RESPONSE_BYTES`]); an error status becomes [`ClusterError::Api`] with the `Status`
/// kube-apiserver sent, as kube's own `request_text` would report it.
pub(super) async fn send_text(
    client: &kube::Client,
    method: &'static str,
    url: &str,
    req: http::Request<Vec<u8>>,
    limit: Duration,
) -> Result<String, ClusterError> {
    use http_body_util::BodyExt as _;
    let exchange = async {
        let res = client
            .send(req.map(kube::client::Body::from))
            .await
            .map_err(|e| super::from_kube(method, url, e))?;
        let status = res.status();
        let mut body = res.into_body();
        let mut buf: Vec<u8> = Vec::new();
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|e| super::from_kube(method, url, e))?;
            if let Ok(data) = frame.into_data() {
                if buf.len() + data.len() > MAX_RESPONSE_BYTES {
                    return Err(ClusterError::BadResponse {
                        method,
                        url: url.to_string(),
                        reason: format!(
                            "the answer is over {MAX_RESPONSE_BYTES} bytes; not read further"
                        ),
                    });
                }
                buf.extend_from_slice(&data);
            }
        }
        if !status.is_success() {
            #[derive(serde::Deserialize, Default)]
            struct Status {
                #[serde(default)]
                reason: String,
                #[serde(default)]
                message: String,
            }
            let st: Status = serde_json::from_slice(&buf).unwrap_or_default();
            return Err(ClusterError::Api {
                method,
                url: url.to_string(),
                code: status.as_u16(),
                reason: if st.reason.is_empty() {
                    status.canonical_reason().unwrap_or_default().to_string()
                } else {
                    st.reason
                },
                message: crate::text::printable(&st.message).into_owned(),
            });
        }
        String::from_utf8(buf).map_err(|_| ClusterError::BadResponse {
            method,
            url: url.to_string(),
            reason: "the answer is not UTF-8".into(),
        })
    };
    match tokio::time::timeout(limit, exchange).await {
        Ok(r) => r,
        Err(_) => Err(ClusterError::Timeout {
            method,
            url: url.to_string(),
            secs: limit.as_secs(),
        }),
    }
}

/// RFC 1123 label (namespaces, container names): the names end up in a URL path.
pub(crate) fn check_label(what: &'static str, v: &str) -> Result<(), ClusterError> {
    let bad = |reason| ClusterError::InvalidName {
        what,
        value: v.to_string(),
        reason,
    };
    if v.is_empty() || v.len() > 63 {
        return Err(bad("must be 1 to 63 characters"));
    }
    if !v
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad("only lowercase letters, digits and '-' are allowed"));
    }
    if v.starts_with('-') || v.ends_with('-') {
        return Err(bad("must start and end with a letter or digit"));
    }
    Ok(())
}

/// RFC 1123 subdomain (ServiceAccount, pod, Node and ConfigMap names).
pub(crate) fn check_subdomain(what: &'static str, v: &str) -> Result<(), ClusterError> {
    if v.is_empty() || v.len() > 253 {
        return Err(ClusterError::InvalidName {
            what,
            value: v.to_string(),
            reason: "must be 1 to 253 characters",
        });
    }
    for part in v.split('.') {
        check_label(what, part).map_err(|_| ClusterError::InvalidName {
            what,
            value: v.to_string(),
            reason: "must be dot-separated lowercase labels of letters, digits and '-'",
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_checked_before_they_reach_a_url() {
        assert!(check_label("namespace", "kube-system").is_ok());
        assert!(check_subdomain("pod name", "web-7d9f.x").is_ok());
        for bad in ["", "A", "a/b", "..", "-a", "a-", "a b", &"a".repeat(64)] {
            assert!(check_label("namespace", bad).is_err(), "{bad:?}");
        }
        for bad in ["", "../x", "a..b", "a/b", ".a"] {
            assert!(check_subdomain("pod name", bad).is_err(), "{bad:?}");
        }
        let e = check_label("namespace", "Bad").unwrap_err().to_string();
        assert_eq!(
            e,
            "namespace \"Bad\" is not a valid Kubernetes name: only lowercase letters, digits and '-' are allowed"
        );
    }
}
