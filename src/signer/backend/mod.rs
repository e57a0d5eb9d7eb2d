//! The signer's key backends (issue 20, item 2): where a key of the set lives and how it signs.
//!
//! - [`file`]: a PEM private key on disk, signing in process (aws-lc-rs);
//! - [`pkcs11`]: a key on a PKCS#11 token (an HSM, SoftHSM2), signing on the token;
//! - [`awskms`]: an asymmetric AWS KMS key, signing by the KMS `Sign` API;
//! - [`public`]: a public key only: it verifies (FetchKeys lists it) and never signs.
//!
//! Every backend yields the key's public half as the project's [`PublicKey`], built from PKIX
//! DER through the same parser as every key file ([`public_from_spki`]), so the kid is the one
//! kube-apiserver computes (DESIGN §2.1). Signatures are in JWS form: RSASSA-PKCS1-v1_5 with
//! SHA-256, or ECDSA as raw `r || s` of the curve's width.
//!
//! [`generate`] and [`generate_like`] make new keys inside a backend (on the token, in KMS);
//! file keys are written by their callers ([`crate::keys::generate`]).

pub mod awskms;
pub mod file;
pub mod pkcs11;
pub mod public;

use crate::keys::PublicKey;
use crate::keys::generate::Algorithm;

use super::config::{KeyEntry, PinSource};

/// Why a backend could not open a key, sign, or generate one. Messages name what is wrong
/// (a path, a label, a key id), never a PIN or key material.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// The entry or the key it names is unusable (missing, wrong type, wrong PIN, …).
    #[error("{0}")]
    Key(String),
    /// The token or the service failed (or timed out) while it was asked something.
    #[error("{0}")]
    Service(String),
    /// What the backend cannot do.
    #[error("{0}")]
    Unsupported(String),
}

/// An opened key: how it signs, its public half, and where it lives (for `signer status`).
pub struct Opened {
    pub backend: Backend,
    pub public: PublicKey,
    pub source: String,
}

/// How one key of the set signs.
pub enum Backend {
    File(crate::token::Signer),
    Pkcs11(pkcs11::Pkcs11Key),
    AwsKms(awskms::KmsKey),
    /// Verification only.
    Public,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Backend::File(s) => write!(f, "File({s:?})"),
            Backend::Pkcs11(k) => write!(f, "Pkcs11({k:?})"),
            Backend::AwsKms(k) => write!(f, "AwsKms({k:?})"),
            Backend::Public => f.write_str("Public"),
        }
    }
}

impl Backend {
    /// Whether this key can sign (every backend but `public`).
    pub fn can_sign(&self) -> bool {
        !matches!(self, Backend::Public)
    }

    /// Whether signing waits on something outside the process (a token, the network): the
    /// server then signs on tokio's blocking pool instead of its single runtime thread.
    pub fn blocks(&self) -> bool {
        matches!(self, Backend::Pkcs11(_) | Backend::AwsKms(_))
    }

    /// The JWS signature over `input` (RS256: PKCS#1 v1.5; ES256/384/512: raw `r || s`).
    pub fn sign(&self, input: &[u8]) -> Result<Vec<u8>, BackendError> {
        match self {
            Backend::File(s) => s
                .sign_input(input)
                .map_err(|e| BackendError::Service(e.to_string())),
            Backend::Pkcs11(k) => k.sign(input),
            Backend::AwsKms(k) => k.sign(input),
            Backend::Public => Err(BackendError::Unsupported("a public key cannot sign".into())),
        }
    }
}

/// The public half of the key an entry names (opening it: an HSM or KMS key is asked of its
/// backend from where sakr runs).
pub fn public_key(entry: &KeyEntry) -> Result<PublicKey, BackendError> {
    open(entry).map(|o| o.public)
}

/// Open the key an entry names (the entry passed [`super::config::Config::check`]).
pub fn open(entry: &KeyEntry) -> Result<Opened, BackendError> {
    let missing = |f: &str| BackendError::Key(format!("no `{f}`"));
    match entry.backend.as_str() {
        "file" => file::open(entry.path.as_deref().ok_or_else(|| missing("path"))?),
        "public" => public::open(entry.path.as_deref().ok_or_else(|| missing("path"))?),
        "pkcs11" => pkcs11::open(&pkcs11::Location::of(entry)?),
        "awskms" => awskms::open(
            entry.key_id.as_deref().ok_or_else(|| missing("key_id"))?,
            entry.region.as_deref(),
        ),
        other => Err(BackendError::Unsupported(format!(
            "backend {other:?} is not one this sakr knows (file, pkcs11, awskms, public)"
        ))),
    }
}

/// A key to create inside a backend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GenerateSpec {
    /// On a PKCS#11 token: a key pair labelled with the entry's name, the private half
    /// sensitive and never extractable.
    Pkcs11 {
        module: std::path::PathBuf,
        token_label: String,
        pin: PinSource,
        alg: Algorithm,
    },
    /// A new AWS KMS key (SIGN_VERIFY); `region` as in the entry (else the SDK's).
    AwsKms {
        alg: Algorithm,
        region: Option<String>,
    },
}

/// Create a key as `spec` says and return its entry named `name` (neither active nor excluded).
pub fn generate(spec: &GenerateSpec, name: &str) -> Result<KeyEntry, BackendError> {
    match spec {
        GenerateSpec::Pkcs11 {
            module,
            token_label,
            pin,
            alg,
        } => {
            let loc = pkcs11::Location {
                module: module.clone(),
                token_label: token_label.clone(),
                key_label: name.to_string(),
                pin: pin.clone(),
            };
            pkcs11::generate(&loc, *alg)?;
            Ok(KeyEntry::pkcs11(
                name,
                module.clone(),
                token_label.clone(),
                name,
                pin.clone(),
            ))
        }
        GenerateSpec::AwsKms { alg, region } => {
            let arn = awskms::generate(*alg, region.as_deref(), name)?;
            Ok(KeyEntry::awskms(name, arn, region.clone()))
        }
    }
}

/// A new key of `alg` in the same backend as `template` (the rotation's generate stage, with the
/// active key's entry): same module, token and PIN source for `pkcs11` (key label = `name`); a
/// new KMS key in the same region for `awskms`.
pub fn generate_like(
    template: &KeyEntry,
    alg: Algorithm,
    name: &str,
) -> Result<KeyEntry, BackendError> {
    let spec = match template.backend.as_str() {
        "pkcs11" => {
            let loc = pkcs11::Location::of(template)?;
            GenerateSpec::Pkcs11 {
                module: loc.module,
                token_label: loc.token_label,
                pin: loc.pin,
                alg,
            }
        }
        "awskms" => GenerateSpec::AwsKms {
            alg,
            region: template.region.clone(),
        },
        "file" => {
            return Err(BackendError::Unsupported(
                "file keys are written by the caller (crate::keys::generate), not by the backend"
                    .into(),
            ));
        }
        other => {
            return Err(BackendError::Unsupported(format!(
                "cannot make a new key like {:?}: the {other} backend holds no private keys",
                template.name
            )));
        }
    };
    generate(&spec, name)
}

/// The project's [`PublicKey`] from PKIX DER (SubjectPublicKeyInfo), through the parser every
/// key file goes through: the same checks (RSA or EC P-256/384/521 only) and the same kid.
pub fn public_from_spki(der: &[u8]) -> Result<PublicKey, String> {
    let pem = crate::keys::pem_encode("PUBLIC KEY", der.to_vec());
    let file = crate::keys::parse_pem_file(pem.as_bytes()).map_err(|e| e.to_string())?;
    match file.blocks.as_slice() {
        [one] => Ok(one.key.clone()),
        _ => Err("not one public key".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spki_round_trips_with_the_kubernetes_kid() {
        let file =
            crate::keys::parse_pem_file(include_bytes!("../../../tests/fixtures/k8s/ecdsa.pub"))
                .unwrap();
        let k = public_from_spki(&file.blocks[0].key.spki_der()).unwrap();
        assert_eq!(k.kid(), "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc");
        assert!(public_from_spki(b"\x30\x00").is_err());
    }

    #[test]
    fn generate_like_refuses_file_and_public_templates() {
        let e = generate_like(&KeyEntry::file("a", "/k".into()), Algorithm::EcdsaP256, "b")
            .unwrap_err();
        assert!(e.to_string().contains("written by the caller"), "{e}");
        let e = generate_like(
            &KeyEntry::public("a", "/k".into()),
            Algorithm::EcdsaP256,
            "b",
        )
        .unwrap_err();
        assert!(e.to_string().contains("public backend"), "{e}");
    }
}
