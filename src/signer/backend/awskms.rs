//! The `awskms` backend: an asymmetric AWS KMS key (key ARN, key id or `alias/…`), through
//! `aws-sdk-kms` and the standard credential chain (environment, profile, web identity,
//! container and instance roles; `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_KMS` for the endpoint).
//!
//! - Opening a key calls GetPublicKey: the PKIX DER gives the public half (and the kid), the key
//!   must be SIGN_VERIFY, of spec RSA_2048/3072/4096 or ECC_NIST_P256/P384/P521. Sign calls then
//!   use the key's ARN, not the alias: an alias moved to another key later cannot make the
//!   signer sign under the old kid.
//! - Sign sends the SHA-256/384/512 digest (MessageType DIGEST, so the token's claims never
//!   leave the host; [`MESSAGE_TYPE_ENV`] switches to RAW for services without DIGEST) with RSASSA_PKCS1_V1_5_SHA_256 or ECDSA_SHA_256/384/512; KMS returns
//!   ECDSA signatures DER-encoded, turned into the fixed-width `r || s` of JWS by the curve
//!   crates. Every signature is verified against the public key before it is returned.
//! - Every call is bounded: 3 s to connect, 5 s per attempt, 10 s in all (with the SDK's
//!   standard retries inside that).
//!
//! The SDK is async and the signer's key set is not: `KeySet::open` runs in the commands (no
//! runtime) and on reload (on tokio's blocking pool), and `sign` runs on the blocking pool too
//! (see `server.rs`). Every SDK call therefore runs on one dedicated runtime thread owned by this
//! module, and the calling thread waits for its answer. One runtime for the process keeps the
//! SDK's connection pool and credential cache alive between calls, which a runtime per call
//! would throw away, and never nests a runtime in the server's.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};

use super::{Backend, BackendError, Opened};
use crate::keys::PublicKey;
use crate::keys::generate::Algorithm;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);

/// `raw` makes Sign send the signing input itself (MessageType RAW, at most [`RAW_MAX`] bytes)
/// instead of its digest, for KMS-compatible services that do not implement DIGEST: moto 5.2
/// reads `MessageType` and ignores it, hashing the digest again (its signatures then fail the
/// check below). AWS KMS takes both; the default is DIGEST.
pub const MESSAGE_TYPE_ENV: &str = "SAKR_AWSKMS_MESSAGE_TYPE";
/// KMS's largest RAW message.
pub const RAW_MAX: usize = 4096;

fn raw_messages() -> bool {
    std::env::var(MESSAGE_TYPE_ENV).is_ok_and(|v| v.eq_ignore_ascii_case("raw"))
}

/// A KMS key ready to sign.
pub struct KmsKey {
    client: aws_sdk_kms::Client,
    arn: String,
    algorithm: SigningAlgorithmSpec,
    digest: &'static aws_lc_rs::digest::Algorithm,
    public: PublicKey,
}

impl std::fmt::Debug for KmsKey {
    // The client holds the credentials provider: print only the key.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsKey")
            .field("arn", &self.arn)
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The runtime every SDK call of this module runs on: one thread, started on first use.
fn runtime() -> &'static tokio::runtime::Handle {
    static HANDLE: OnceLock<tokio::runtime::Handle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime for AWS KMS");
        let handle = rt.handle().clone();
        std::thread::Builder::new()
            .name("sakr-awskms".into())
            .spawn(move || rt.block_on(std::future::pending::<()>()))
            .expect("the AWS KMS runtime thread");
        handle
    })
}

/// Run `f` on the KMS runtime and wait for it (callable from any thread, inside a runtime or
/// not; the caller's thread blocks, so async callers use `spawn_blocking`).
fn block<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> Option<T> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    runtime().spawn(async move {
        let _ = tx.send(f.await);
    });
    rx.recv().ok()
}

fn lost() -> BackendError {
    BackendError::Service("the AWS KMS call was lost (its task ended)".into())
}

async fn client(region: Option<String>) -> Result<aws_sdk_kms::Client, BackendError> {
    let timeouts = aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .operation_attempt_timeout(ATTEMPT_TIMEOUT)
        .operation_timeout(OPERATION_TIMEOUT)
        .build();
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).timeout_config(timeouts);
    if let Some(r) = region {
        loader = loader.region(aws_config::Region::new(r));
    }
    let sdk = loader.load().await;
    if sdk.region().is_none() {
        return Err(BackendError::Key(
            "no AWS region: set `region` in the entry, AWS_REGION, or a region in the AWS profile"
                .into(),
        ));
    }
    Ok(aws_sdk_kms::Client::new(&sdk))
}

/// An SDK error as one line: a service's answer (no such key, access denied, disabled) is the
/// key's fault; anything else (timeout, no connection, no credentials) the service's.
fn sdk_error<E, R>(what: &str, e: &aws_sdk_kms::error::SdkError<E, R>) -> BackendError
where
    E: std::error::Error + aws_sdk_kms::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_kms::error::SdkError;
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            BackendError::Key(format!(
                "{what}: {}: {}",
                err.code().unwrap_or("error"),
                err.message().unwrap_or("no message")
            ))
        }
        SdkError::TimeoutError(_) => BackendError::Service(format!(
            "{what}: timed out (bound: {}s)",
            OPERATION_TIMEOUT.as_secs()
        )),
        other => BackendError::Service(format!(
            "{what}: {}",
            aws_sdk_kms::error::DisplayErrorContext(other)
        )),
    }
}

/// The signing algorithm and digest of a key spec sakr can use.
fn scheme(spec: &KeySpec) -> Option<(SigningAlgorithmSpec, &'static aws_lc_rs::digest::Algorithm)> {
    use aws_lc_rs::digest::{SHA256, SHA384, SHA512};
    Some(match spec {
        KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096 => {
            (SigningAlgorithmSpec::RsassaPkcs1V15Sha256, &SHA256)
        }
        KeySpec::EccNistP256 => (SigningAlgorithmSpec::EcdsaSha256, &SHA256),
        KeySpec::EccNistP384 => (SigningAlgorithmSpec::EcdsaSha384, &SHA384),
        KeySpec::EccNistP521 => (SigningAlgorithmSpec::EcdsaSha512, &SHA512),
        _ => return None,
    })
}

pub fn open(key_id: &str, region: Option<&str>) -> Result<Opened, BackendError> {
    let (key_id, region) = (key_id.to_string(), region.map(str::to_string));
    block(async move {
        let client = client(region).await?;
        let what = format!("AWS KMS key {key_id}");
        let out = client
            .get_public_key()
            .key_id(&key_id)
            .send()
            .await
            .map_err(|e| sdk_error(&format!("{what}: GetPublicKey"), &e))?;
        let usage = out.key_usage();
        if usage != Some(&KeyUsageType::SignVerify) {
            return Err(BackendError::Key(format!(
                "{what}: key usage {}, not SIGN_VERIFY: it cannot sign tokens",
                usage.map_or("unknown", |u| u.as_str())
            )));
        }
        // `CustomerMasterKeySpec` is the deprecated name of `KeySpec`, which some
        // KMS-compatible services (moto) still send alone.
        #[allow(deprecated)]
        let spec = out
            .key_spec()
            .map(|k| k.as_str())
            .or(out.customer_master_key_spec().map(|k| k.as_str()))
            .map(KeySpec::from)
            .ok_or_else(|| BackendError::Key(format!("{what}: KMS gave no key spec")))?;
        let (algorithm, digest) = scheme(&spec).ok_or_else(|| {
            BackendError::Key(format!(
                "{what}: key spec {}; kube-apiserver verifies RSA (RS256) and ECC_NIST_P256/P384/P521 (ES256/384/512) only",
                spec.as_str()
            ))
        })?;
        let der = out
            .public_key()
            .ok_or_else(|| BackendError::Key(format!("{what}: KMS gave no public key")))?;
        let public = super::public_from_spki(der.as_ref())
            .map_err(|e| BackendError::Key(format!("{what}: the public key: {e}")))?;
        let arn = out.key_id().unwrap_or(&key_id).to_string();
        let source = if arn == key_id {
            format!("awskms {arn}")
        } else {
            format!("awskms {arn} ({key_id})")
        };
        Ok(Opened {
            backend: Backend::AwsKms(KmsKey {
                client,
                arn,
                algorithm,
                digest,
                public: public.clone(),
            }),
            public,
            source,
        })
    })
    .unwrap_or_else(|| Err(lost()))
}

/// ECDSA signature DER (as KMS returns it) to the fixed-width `r || s` of JWS.
fn der_to_raw(public: &PublicKey, der: &[u8]) -> Result<Vec<u8>, String> {
    let e = |e: p256::ecdsa::Error| e.to_string();
    Ok(match public {
        PublicKey::Rsa(_) => der.to_vec(),
        PublicKey::P256(_) => p256::ecdsa::Signature::from_der(der)
            .map_err(e)?
            .to_bytes()
            .to_vec(),
        PublicKey::P384(_) => p384::ecdsa::Signature::from_der(der)
            .map_err(e)?
            .to_bytes()
            .to_vec(),
        PublicKey::P521(_) => p521::ecdsa::Signature::from_der(der)
            .map_err(e)?
            .to_bytes()
            .to_vec(),
    })
}

impl KmsKey {
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, BackendError> {
        let what = format!("AWS KMS key {}: Sign", self.arn);
        let (message, message_type) = if raw_messages() {
            if input.len() > RAW_MAX {
                return Err(BackendError::Unsupported(format!(
                    "{what}: a {}-byte token is over KMS's {RAW_MAX}-byte RAW limit ({MESSAGE_TYPE_ENV}=raw)",
                    input.len()
                )));
            }
            (input.to_vec(), MessageType::Raw)
        } else {
            let digest = aws_lc_rs::digest::digest(self.digest, input);
            (digest.as_ref().to_vec(), MessageType::Digest)
        };
        let req = self
            .client
            .sign()
            .key_id(&self.arn)
            .message(Blob::new(message))
            .message_type(message_type)
            .signing_algorithm(self.algorithm.clone());
        let out = block(req.send())
            .ok_or_else(lost)?
            .map_err(|e| sdk_error(&what, &e))?;
        let der = out
            .signature()
            .ok_or_else(|| BackendError::Service(format!("{what}: no signature in the answer")))?;
        let sig = der_to_raw(&self.public, der.as_ref())
            .map_err(|e| BackendError::Service(format!("{what}: the signature: {e}")))?;
        if !crate::token::verify_signature(&self.public, input, &sig) {
            return Err(BackendError::Service(format!(
                "{what}: the signature does not verify with the key's public half"
            )));
        }
        Ok(sig)
    }
}

/// CreateKey (SIGN_VERIFY) of the spec for `alg`; returns the new key's ARN.
pub fn generate(alg: Algorithm, region: Option<&str>, name: &str) -> Result<String, BackendError> {
    let spec = match alg {
        Algorithm::Rsa2048 => KeySpec::Rsa2048,
        Algorithm::Rsa3072 => KeySpec::Rsa3072,
        Algorithm::Rsa4096 => KeySpec::Rsa4096,
        Algorithm::EcdsaP256 => KeySpec::EccNistP256,
        Algorithm::EcdsaP384 => KeySpec::EccNistP384,
        Algorithm::EcdsaP521 => KeySpec::EccNistP521,
    };
    let (region, description) = (
        region.map(str::to_string),
        format!("sakr signer: ServiceAccount token signing key {name}"),
    );
    block(async move {
        let client = client(region).await?;
        let out = client
            .create_key()
            .key_spec(spec.clone())
            .key_usage(KeyUsageType::SignVerify)
            .description(description)
            .send()
            .await
            .map_err(|e| sdk_error(&format!("AWS KMS CreateKey {}", spec.as_str()), &e))?;
        out.key_metadata()
            .map(|m| m.arn().unwrap_or(m.key_id()).to_string())
            .ok_or_else(|| BackendError::Service("AWS KMS CreateKey: no key metadata".into()))
    })
    .unwrap_or_else(|| Err(lost()))
}
