//! `s3://bucket/prefix` backend on the official AWS SDK (`aws-sdk-s3`, default features off:
//! issue 8). Credentials and region come from the standard AWS chain (environment, shared
//! config/profile with `credential_process`, web identity, ECS/EC2 metadata; SSO users export
//! credentials with `aws configure export-credentials`); nothing is taken from flags.
//!
//! Conditional writes use S3's `If-Match` / `If-None-Match: *` on PutObject (GA on AWS since
//! 2024; moto, MinIO and Ceph RGW honour them too): 412, or 409 `ConditionalRequestConflict`
//! for two racing conditional writes, is a lost race.
//!
//! With `--endpoint` (an S3-compatible store) addressing is path-style and the SDK's newer
//! default of sending CRC checksums on every PutObject is relaxed to "when required", which
//! several S3-compatible servers reject or ignore.

use std::time::Duration;

use async_trait::async_trait;
use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_sdk_s3::Client;
use aws_sdk_s3::config::{
    ProvideCredentials, Region, RequestChecksumCalculation, ResponseChecksumValidation,
};
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;

use super::redact::{error_text, untrusted};
use super::{
    Etag, MAX_OBJECT_BYTES, Metadata, Object, ObjectStore, Precondition, StoreError, StoreOptions,
    Target, check_key, join_key,
};

/// Region used when the chain yields none and an `--endpoint` is given (S3-compatible stores
/// ignore it, but SigV4 needs one).
const FALLBACK_REGION: &str = "us-east-1";

pub struct S3Store {
    client: Client,
    bucket: String,
    prefix: String,
    endpoint: Option<String>,
    max_attempts: u32,
}

impl std::fmt::Debug for S3Store {
    // The client holds the credentials provider: print only where we write.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("S3Store")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl S3Store {
    /// Loads the AWS configuration and resolves credentials once, so that "no credentials" is
    /// reported before any request to the bucket (the chain itself may query a metadata service).
    pub async fn open(target: &Target, options: &StoreOptions) -> Result<S3Store, StoreError> {
        let Target::S3 { bucket, prefix } = target else {
            panic!("S3Store::open called with {target}");
        };
        let url = target.to_string();
        let retry = RetryConfig::standard()
            .with_max_attempts(options.retry.max_attempts.max(1))
            .with_initial_backoff(options.retry.initial_backoff)
            .with_max_backoff(options.retry.max_backoff);
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(retry)
            .load()
            .await;

        let provider = sdk.credentials_provider().ok_or_else(|| StoreError::Auth {
            url: url.clone(),
            detail: "no AWS credentials provider is configured".into(),
        })?;
        // Bounded: on a machine that is not in AWS, the instance-metadata probe is the slow part.
        let creds = tokio::time::timeout(Duration::from_secs(30), provider.provide_credentials())
            .await
            .map_err(|_| StoreError::Auth {
                url: url.clone(),
                detail: "timed out resolving AWS credentials".into(),
            })?;
        if let Err(e) = creds {
            return Err(StoreError::Auth {
                url,
                detail: format!(
                    "no usable AWS credentials: {} (sakr uses the standard AWS chain: \
                     AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws (credential_process; \
                     for SSO, `aws configure export-credentials --format env`), \
                     AWS_WEB_IDENTITY_TOKEN_FILE, ECS or EC2 instance roles)",
                    error_text(&e)
                ),
            });
        }

        let mut conf = aws_sdk_s3::config::Builder::from(&sdk);
        if let Some(endpoint) = &options.endpoint {
            conf = conf
                .endpoint_url(endpoint.as_str().trim_end_matches('/'))
                .force_path_style(true)
                .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
                .response_checksum_validation(ResponseChecksumValidation::WhenRequired);
            if sdk.region().is_none() {
                conf = conf.region(Region::new(FALLBACK_REGION));
            }
        } else if sdk.region().is_none() {
            return Err(StoreError::Auth {
                url,
                detail: "no AWS region configured: set AWS_REGION or a region in the AWS profile"
                    .into(),
            });
        }
        Ok(S3Store {
            client: Client::from_conf(conf.build()),
            bucket: bucket.clone(),
            prefix: prefix.clone(),
            endpoint: options.endpoint.as_ref().map(|u| u.to_string()),
            max_attempts: options.retry.max_attempts.max(1),
        })
    }

    fn object_key(&self, key: &str) -> Result<String, StoreError> {
        check_key(key).map_err(|detail| StoreError::Other {
            url: self.url(key),
            detail,
        })?;
        Ok(join_key(&self.prefix, key))
    }

    /// Maps an SDK error to a [`StoreError`]. By the time an error reaches here the SDK's
    /// standard retry strategy has already retried it if it was transient.
    fn map_err<E>(
        &self,
        key: &str,
        err: SdkError<E, aws_sdk_s3::config::http::HttpResponse>,
    ) -> StoreError
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let url = self.url(key);
        let where_ = match &self.endpoint {
            Some(e) => format!(" (endpoint {e})"),
            None => String::new(),
        };
        let detail = error_text(&err);
        match &err {
            SdkError::ServiceError(ctx) => {
                let status = ctx.raw().status().as_u16();
                let code = untrusted(ctx.err().code().unwrap_or_default());
                let message = untrusted(ctx.err().message().unwrap_or_default());
                let detail = format!("HTTP {status} {code} {message}")
                    .trim_end()
                    .to_owned();
                match (status, code.as_str()) {
                    (412, _) | (409, "ConditionalRequestConflict") => {
                        StoreError::PreconditionFailed { url }
                    }
                    (404, _) => StoreError::NotFound { url, detail },
                    (401 | 403, _) => StoreError::Auth {
                        url,
                        detail: format!("access denied: {detail}"),
                    },
                    (500..=599, _) | (429, _) => StoreError::Transient {
                        url,
                        attempts: self.max_attempts,
                        detail,
                    },
                    _ => StoreError::Other { url, detail },
                }
            }
            SdkError::DispatchFailure(d) if d.is_io() => StoreError::Unreachable {
                url,
                detail: format!("{detail}{where_}"),
            },
            SdkError::DispatchFailure(d) if d.is_timeout() => StoreError::Transient {
                url,
                attempts: self.max_attempts,
                detail: format!("{detail}{where_}"),
            },
            SdkError::TimeoutError(_) => StoreError::Transient {
                url,
                attempts: self.max_attempts,
                detail: format!("{detail}{where_}"),
            },
            _ => StoreError::Other {
                url,
                detail: format!("{detail}{where_}"),
            },
        }
    }
}

#[async_trait]
impl ObjectStore for S3Store {
    fn url(&self, key: &str) -> String {
        format!("s3://{}/{}", self.bucket, join_key(&self.prefix, key))
    }

    async fn get(&self, key: &str) -> Result<Option<Object>, StoreError> {
        let object_key = self.object_key(key)?;
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&object_key)
            .send()
            .await
        {
            Ok(out) => out,
            Err(err) => {
                if err.as_service_error().is_some_and(|e| e.is_no_such_key()) {
                    return Ok(None);
                }
                return Err(self.map_err(key, err));
            }
        };
        let etag = Etag(out.e_tag.clone().unwrap_or_default());
        let content_type = out.content_type.clone();
        let cache_control = out.cache_control.clone();
        let too_large = || StoreError::TooLarge {
            url: self.url(key),
            max: MAX_OBJECT_BYTES,
        };
        // Refused on the announced length before any byte is read, and capped while reading in
        // case the length was absent or wrong: a planted 300 MB object is never read whole.
        if out
            .content_length
            .is_some_and(|n| u64::try_from(n).map_or(true, |n| n > MAX_OBJECT_BYTES))
        {
            return Err(too_large());
        }
        let mut body = out.body;
        let mut bytes = Vec::new();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| StoreError::Transient {
                url: self.url(key),
                attempts: 1,
                detail: format!("reading the body: {}", error_text(&e)),
            })?;
            if (bytes.len() + chunk.len()) as u64 > MAX_OBJECT_BYTES {
                return Err(too_large());
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Some(Object {
            bytes,
            etag,
            content_type,
            cache_control,
        }))
    }

    async fn put(
        &self,
        key: &str,
        bytes: &[u8],
        metadata: &Metadata,
        precondition: &Precondition,
    ) -> Result<Etag, StoreError> {
        let object_key = self.object_key(key)?;
        let mut req = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&object_key)
            .content_type(&metadata.content_type)
            .cache_control(&metadata.cache_control)
            .body(ByteStream::from(bytes.to_vec()));
        req = match precondition {
            Precondition::IfMatch(etag) => req.if_match(&etag.0),
            Precondition::IfNoneMatch => req.if_none_match("*"),
        };
        let out = req.send().await.map_err(|e| self.map_err(key, e))?;
        Ok(Etag(out.e_tag.unwrap_or_default()))
    }
}
