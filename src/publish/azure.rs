//! Azure Blob backend (`azblob://account/container/prefix`,
//! `https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix[?SAS]`) on the official SDK
//! `azure_storage_blob` 1.x with `azure_core` / `azure_identity` 1.x (issue 8: not the legacy
//! `azure_storage_blobs` 0.21).
//!
//! Authentication, first match wins (DESIGN §3 `sakr publish`):
//! 1. a SAS: the query of the https `--to` URL, else `AZURE_STORAGE_SAS_TOKEN`, else the
//!    `SharedAccessSignature=` of `AZURE_STORAGE_CONNECTION_STRING`;
//! 2. Entra ID: workload identity when `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_CLIENT_ID` and
//!    `AZURE_TENANT_ID` are set (AKS, or any federated CI); otherwise the Azure CLI / azd login,
//!    then managed identity.
//!
//! The 1.x SDK has no shared-key (account key) authentication. An account key found in the
//! environment (`AZURE_STORAGE_KEY`, or `AccountKey=` in the connection string) with nothing
//! usable besides is refused before any network call, with the command that mints a SAS.
//!
//! Azurite (`--endpoint http://127.0.0.1:PORT/devstoreaccount1`) needs a SAS (Entra ID needs
//! https) and `--skipApiVersionCheck`, because this SDK sends a newer API version than Azurite
//! knows.

use std::fmt;
use std::num::NonZero;
use std::sync::Arc;

use async_trait::async_trait;
use azure_core::credentials::{AccessToken, TokenCredential, TokenRequestOptions};
use azure_core::error::ErrorKind;
use azure_core::http::{
    ClientOptions, ExponentialRetryOptions, RequestContent, RetryOptions, StatusCode, Url,
};
use azure_storage_blob::models::{BlobClientDownloadOptions, BlockBlobClientUploadOptions};
use azure_storage_blob::{BlobClient, BlobClientOptions};

use super::redact::{error_text, untrusted};
use super::{
    Etag, MAX_OBJECT_BYTES, Metadata, Object, ObjectStore, Precondition, SasToken, StoreError,
    StoreOptions, Target, check_key, join_key,
};

/// How requests are authorised.
#[derive(Clone)]
enum Auth {
    Sas(SasToken),
    Entra(Arc<dyn TokenCredential>),
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Auth::Sas(sas) => f.debug_tuple("Sas").field(sas).finish(),
            Auth::Entra(_) => f.write_str("Entra"),
        }
    }
}

#[derive(Debug)]
pub struct AzureStore {
    /// Container URL without query (the SAS lives in `auth`).
    container_url: Url,
    prefix: String,
    display: String,
    auth: Auth,
    options: BlobClientOptions,
    max_attempts: u32,
}

impl AzureStore {
    /// Builds the client. No network call: credential objects are lazy, the account-key refusal
    /// and all URL checks happen here. `env` reads environment variables (tests pass a map).
    pub fn open(
        target: &Target,
        options: &StoreOptions,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<AzureStore, StoreError> {
        let Target::Azure {
            account,
            container,
            prefix,
            host,
            sas,
        } = target
        else {
            panic!("AzureStore::open called with {target}");
        };
        let display = target.to_string();
        let service = match &options.endpoint {
            Some(endpoint) => endpoint.clone(),
            None => {
                let host = host
                    .clone()
                    .unwrap_or_else(|| format!("{account}.blob.core.windows.net"));
                Url::parse(&format!("https://{host}/")).map_err(|e| StoreError::Other {
                    url: display.clone(),
                    detail: e.to_string(),
                })?
            }
        };
        let mut container_url = service.clone();
        container_url.set_query(None);
        container_url
            .path_segments_mut()
            .map_err(|()| StoreError::Other {
                url: display.clone(),
                detail: "the endpoint cannot be a base URL".into(),
            })?
            .pop_if_empty()
            .push(container);

        let auth = choose_auth(sas.as_ref(), env).map_err(|detail| StoreError::Auth {
            url: display.clone(),
            detail,
        })?;
        if matches!(auth, Auth::Entra(_)) && container_url.scheme() != "https" {
            return Err(StoreError::Auth {
                url: display,
                detail: format!(
                    "Entra ID tokens are only sent over https, and the endpoint {} is {}: \
                     use a SAS (AZURE_STORAGE_SAS_TOKEN) for a local emulator",
                    container_url,
                    container_url.scheme()
                ),
            });
        }

        let retry = &options.retry;
        let to_time = |d: std::time::Duration| {
            azure_core::time::Duration::try_from(d).unwrap_or(azure_core::time::Duration::MAX)
        };
        let client_options = ClientOptions {
            retry: RetryOptions::exponential(ExponentialRetryOptions {
                initial_delay: to_time(retry.initial_backoff),
                max_retries: retry.max_attempts.saturating_sub(1),
                max_total_elapsed: azure_core::time::Duration::seconds(120),
                max_delay: to_time(retry.max_backoff),
            }),
            ..Default::default()
        };
        Ok(AzureStore {
            container_url,
            prefix: prefix.clone(),
            display,
            auth,
            options: BlobClientOptions {
                client_options,
                ..Default::default()
            },
            max_attempts: retry.max_attempts.max(1),
        })
    }

    fn blob_client(&self, key: &str) -> Result<BlobClient, StoreError> {
        check_key(key).map_err(|detail| StoreError::Other {
            url: self.url(key),
            detail,
        })?;
        let mut url = self.container_url.clone();
        {
            // One segment per path part: `BlobContainerClient::blob_client` would encode the
            // slashes of `openid/v1/jwks` as %2F.
            let mut segments = url.path_segments_mut().expect("checked in open");
            for part in join_key(&self.prefix, key).split('/') {
                segments.push(part);
            }
        }
        let credential = match &self.auth {
            Auth::Sas(sas) => {
                url.set_query(Some(sas.expose()));
                None
            }
            Auth::Entra(credential) => Some(credential.clone()),
        };
        BlobClient::new(url, credential, Some(self.options.clone()))
            .map_err(|e| self.map_err(key, e))
    }

    fn map_err(&self, key: &str, err: azure_core::Error) -> StoreError {
        let url = self.url(key);
        let detail = error_text(&err);
        match err.kind() {
            ErrorKind::HttpResponse {
                status, error_code, ..
            } => {
                let code = error_code.clone().unwrap_or_default();
                let detail = format!("HTTP {} {}", u16::from(*status), untrusted(&code));
                match *status {
                    StatusCode::PreconditionFailed => StoreError::PreconditionFailed { url },
                    // 409 BlobAlreadyExists: the If-None-Match: * race lost on some versions.
                    StatusCode::Conflict if code == "BlobAlreadyExists" => {
                        StoreError::PreconditionFailed { url }
                    }
                    StatusCode::NotFound => StoreError::NotFound { url, detail },
                    StatusCode::Unauthorized | StatusCode::Forbidden => StoreError::Auth {
                        url,
                        detail: format!(
                            "access denied ({detail}): the SAS needs read, create and write \
                             permissions on the container and must not be expired; an Entra \
                             identity needs the `Storage Blob Data Contributor` role"
                        ),
                    },
                    s if u16::from(s) >= 500 || s == StatusCode::TooManyRequests => {
                        StoreError::Transient {
                            url,
                            attempts: self.max_attempts,
                            detail,
                        }
                    }
                    _ => StoreError::Other { url, detail },
                }
            }
            ErrorKind::Connection => StoreError::Unreachable {
                url,
                detail: format!("{detail} (after {} attempts)", self.max_attempts),
            },
            ErrorKind::Io => StoreError::Transient {
                url,
                attempts: self.max_attempts,
                detail,
            },
            ErrorKind::Credential => StoreError::Auth { url, detail },
            _ => StoreError::Other { url, detail },
        }
    }
}

fn non_empty(env: &dyn Fn(&str) -> Option<String>, name: &str) -> Option<String> {
    env(name).filter(|v| !v.trim().is_empty())
}

/// Picks the authentication (module docs give the order); `Err` is the message for the user.
fn choose_auth(
    url_sas: Option<&SasToken>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Auth, String> {
    if let Some(sas) = url_sas {
        return Ok(Auth::Sas(sas.clone()));
    }
    if let Some(sas) = non_empty(env, "AZURE_STORAGE_SAS_TOKEN").and_then(|t| SasToken::new(&t)) {
        return Ok(Auth::Sas(sas));
    }
    let conn = non_empty(env, "AZURE_STORAGE_CONNECTION_STRING").unwrap_or_default();
    let conn_field = |field: &str| {
        conn.split(';').find_map(|part| {
            let (k, v) = part.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(field)
                .then(|| v.trim().to_owned())
        })
    };
    if let Some(sas) = conn_field("SharedAccessSignature").and_then(|t| SasToken::new(&t)) {
        return Ok(Auth::Sas(sas));
    }
    if let (Some(token_file), Some(client_id), Some(tenant_id)) = (
        non_empty(env, "AZURE_FEDERATED_TOKEN_FILE"),
        non_empty(env, "AZURE_CLIENT_ID"),
        non_empty(env, "AZURE_TENANT_ID"),
    ) {
        let options = azure_identity::WorkloadIdentityCredentialOptions {
            client_id: Some(client_id),
            tenant_id: Some(tenant_id),
            token_file_path: Some(token_file.into()),
            ..Default::default()
        };
        let credential = azure_identity::WorkloadIdentityCredential::new(Some(options))
            .map_err(|e| format!("workload identity: {}", error_text(&e)))?;
        return Ok(Auth::Entra(credential));
    }
    let has_key = non_empty(env, "AZURE_STORAGE_KEY").is_some()
        || non_empty(env, "AZURE_STORAGE_ACCESS_KEY").is_some()
        || conn_field("AccountKey").is_some();
    if has_key {
        // Name the variables only; their values never leave this function.
        return Err("an account key (AZURE_STORAGE_KEY or AccountKey= in \
             AZURE_STORAGE_CONNECTION_STRING) is the only Azure credential found, and the Azure \
             SDK sakr uses does not sign requests with account keys. Either log in with \
             `az login` (or use a managed / workload identity) and unset the key, or mint a \
             short-lived SAS and pass it in AZURE_STORAGE_SAS_TOKEN: \
             export AZURE_STORAGE_SAS_TOKEN=\"$(az storage container generate-sas \
             --account-name ACCOUNT --name CONTAINER --permissions rcw \
             --expiry $(date -u -d '+1 hour' +%Y-%m-%dT%H:%MZ) --https-only -o tsv)\""
            .to_owned());
    }
    Ok(Auth::Entra(Arc::new(ChainCredential::new()?)))
}

/// Azure CLI / azd login, then managed identity: the chain `azure_identity` 1.0 leaves to the
/// application (it ships the parts, not a `DefaultAzureCredential`). The first source that
/// yields a token is kept for later requests.
struct ChainCredential {
    sources: Vec<(&'static str, Arc<dyn TokenCredential>)>,
    chosen: std::sync::OnceLock<usize>,
}

impl fmt::Debug for ChainCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = self.sources.iter().map(|(n, _)| *n).collect();
        f.debug_struct("ChainCredential")
            .field("sources", &names)
            .finish_non_exhaustive()
    }
}

impl ChainCredential {
    fn new() -> Result<ChainCredential, String> {
        let developer = azure_identity::DeveloperToolsCredential::new(None)
            .map_err(|e| format!("Azure CLI credential: {}", error_text(&e)))?;
        let managed = azure_identity::ManagedIdentityCredential::new(None)
            .map_err(|e| format!("managed identity credential: {}", error_text(&e)))?;
        Ok(ChainCredential {
            sources: vec![
                ("Azure CLI / azd login", developer),
                ("managed identity", managed),
            ],
            chosen: std::sync::OnceLock::new(),
        })
    }
}

#[async_trait]
impl TokenCredential for ChainCredential {
    async fn get_token(
        &self,
        scopes: &[&str],
        options: Option<TokenRequestOptions<'_>>,
    ) -> azure_core::Result<AccessToken> {
        if let Some(&i) = self.chosen.get() {
            return self.sources[i].1.get_token(scopes, options).await;
        }
        let mut failures = Vec::new();
        for (i, (name, source)) in self.sources.iter().enumerate() {
            match source.get_token(scopes, options.clone()).await {
                Ok(token) => {
                    let _ = self.chosen.set(i);
                    return Ok(token);
                }
                Err(e) => failures.push(format!("{name}: {}", error_text(&e))),
            }
        }
        Err(azure_core::Error::with_message(
            ErrorKind::Credential,
            format!(
                "no Azure credential found ({}); set AZURE_STORAGE_SAS_TOKEN, or log in with \
                 `az login`, or run with a managed or workload identity",
                failures.join("; ")
            ),
        ))
    }
}

#[async_trait]
impl ObjectStore for AzureStore {
    fn url(&self, key: &str) -> String {
        format!("{}/{}", self.display, key)
    }

    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        let client = self.blob_client(key)?;
        // One range request at a time, each just over the cap: the SDK's default (8+ parallel
        // 4 MiB partitions) would fetch 32 MiB of a planted blob before the cap below stops it.
        let options = BlobClientDownloadOptions {
            parallel: Some(NonZero::<usize>::MIN),
            partition_size: NonZero::new(MAX_OBJECT_BYTES as usize + 1),
            ..Default::default()
        };
        let response = match client.download(Some(options)).await {
            Ok(r) => r,
            Err(e) => {
                if let ErrorKind::HttpResponse {
                    status: StatusCode::NotFound,
                    error_code,
                    ..
                } = e.kind()
                    && error_code.as_deref() != Some("ContainerNotFound")
                {
                    return Ok(None);
                }
                return Err(self.map_err(key, e));
            }
        };
        let properties = response.properties;
        let too_large = || StoreError::TooLarge {
            url: self.url(key),
            max: MAX_OBJECT_BYTES,
        };
        // The first range's `Content-Range: bytes 0-N/TOTAL` gives the blob's size before its
        // body is read; `Content-Length` is only that range's.
        let total = response
            .headers
            .get_optional_str(&"content-range".into())
            .and_then(|r| r.rsplit_once('/'))
            .and_then(|(_, total)| total.trim().parse::<u64>().ok());
        if total
            .or(properties.content_length)
            .is_some_and(|n| n > MAX_OBJECT_BYTES)
        {
            return Err(too_large());
        }
        // Collected into a buffer one byte over the cap, so even a body longer than announced
        // is never held whole: the SDK fails the read when a chunk does not fit.
        let mut buffer = vec![0; MAX_OBJECT_BYTES as usize + 1];
        let len = response
            .body
            .collect_into(&mut buffer)
            .await
            .map_err(|e| self.map_err(key, e))?;
        if len as u64 > MAX_OBJECT_BYTES {
            return Err(too_large());
        }
        buffer.truncate(len);
        let bytes = buffer;
        Ok(Some(Object {
            bytes,
            etag: Etag(properties.etag.map(|e| e.to_string()).unwrap_or_default()),
            content_type: properties.content_type,
            cache_control: properties.cache_control,
        }))
    }

    async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &Metadata,
        precondition: &Precondition,
    ) -> Result<Etag, StoreError> {
        let client = self.blob_client(key)?;
        let mut options = BlockBlobClientUploadOptions {
            blob_content_type: Some(metadata.content_type.clone()),
            blob_cache_control: Some(metadata.cache_control.clone()),
            ..Default::default()
        };
        match precondition {
            Precondition::IfMatch(etag) => options.if_match = Some(etag.0.clone().into()),
            Precondition::IfNoneMatch => options.if_none_match = Some("*".to_string().into()),
        }
        let result = client
            .upload(RequestContent::from(bytes.to_vec()), Some(options))
            .await
            .map_err(|e| self.map_err(key, e))?;
        Ok(Etag(result.etag.map(|e| e.to_string()).unwrap_or_default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn sas_sources_in_order() {
        let url_sas = SasToken::new("sv=1&sig=URL").unwrap();
        let env = env_of(&[("AZURE_STORAGE_SAS_TOKEN", "?sv=1&sig=ENV")]);
        let Auth::Sas(s) = choose_auth(Some(&url_sas), &env).unwrap() else {
            panic!()
        };
        assert_eq!(s.expose(), "sv=1&sig=URL");
        let Auth::Sas(s) = choose_auth(None, &env).unwrap() else {
            panic!()
        };
        assert_eq!(s.expose(), "sv=1&sig=ENV");
        let env = env_of(&[(
            "AZURE_STORAGE_CONNECTION_STRING",
            "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=1&sig=CONN",
        )]);
        let Auth::Sas(s) = choose_auth(None, &env).unwrap() else {
            panic!()
        };
        assert_eq!(s.expose(), "sv=1&sig=CONN");
    }

    #[test]
    fn account_key_alone_is_refused_with_sas_hint() {
        let key = "c2VjcmV0LWFjY291bnQta2V5LWJ5dGVz";
        for env in [
            env_of(&[("AZURE_STORAGE_KEY", key)]),
            env_of(&[(
                "AZURE_STORAGE_CONNECTION_STRING",
                &format!(
                    "DefaultEndpointsProtocol=https;AccountName=a;AccountKey={key};EndpointSuffix=core.windows.net"
                ),
            )]),
        ] {
            let target = Target::parse("azblob://acct1/web/oidc").unwrap();
            let err = AzureStore::open(&target, &StoreOptions::default(), &env).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(matches!(err, StoreError::Auth { .. }), "{err:?}");
            assert!(text.contains("az storage container generate-sas"), "{text}");
            assert!(text.contains("azblob://acct1/web/oidc"), "{text}");
            assert!(!text.contains(key), "{text}");
        }
    }

    #[test]
    fn debug_of_store_redacts_sas() {
        let target =
            Target::parse("https://acct1.blob.core.windows.net/web/p?sv=1&sig=TOPSECRETSIG")
                .unwrap();
        let store = AzureStore::open(&target, &StoreOptions::default(), &|_| None).unwrap();
        let debug = format!("{store:?}");
        assert!(!debug.contains("TOPSECRETSIG"), "{debug}");
        assert_eq!(
            store.url("openid/v1/jwks"),
            "https://acct1.blob.core.windows.net/web/p/openid/v1/jwks"
        );
    }

    #[test]
    fn entra_over_http_endpoint_is_refused() {
        let target = Target::parse("azblob://devstoreaccount1/web").unwrap();
        let options = StoreOptions {
            endpoint: Some(Url::parse("http://127.0.0.1:10000/devstoreaccount1").unwrap()),
            ..Default::default()
        };
        let token = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(token.path(), "header.payload.signature").unwrap();
        let env = env_of(&[
            ("AZURE_FEDERATED_TOKEN_FILE", token.path().to_str().unwrap()),
            ("AZURE_CLIENT_ID", "00000000-0000-0000-0000-000000000000"),
            ("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000000"),
        ]);
        let err = AzureStore::open(&target, &options, &env).unwrap_err();
        assert!(err.to_string().contains("AZURE_STORAGE_SAS_TOKEN"), "{err}");
    }
}
