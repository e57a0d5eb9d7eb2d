//! Reading every PEM form DESIGN §2.5 names, and knowing which of them kube-apiserver uses.
//!
//! kube-apiserver reads `--service-account-key-file` with client-go `keyutil.ParsePublicKeysPEM`:
//! for each PEM block it tries, in order, PKCS#1/PKCS#8 RSA private key, PKIX public key or
//! certificate holding RSA, SEC1 EC private key, PKIX public key or certificate holding ECDSA, and
//! silently skips a block none of them accepts. That skips `RSA PUBLIC KEY` (PKCS#1 public) and
//! PKCS#8-wrapped EC private keys, which operators do produce (`openssl genpkey` writes the
//! latter). sakr reads those too, so it can tell the operator exactly which block is ignored.
//! `--service-account-signing-key-file` goes through `keyutil.ParsePrivateKeyPEM`, which takes
//! the first `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `PRIVATE KEY` block.
//!
//! Pure: bytes in, [`KeyFile`] out. The caller names the file in its error context.

use pkcs8::der::{Decode as _, Encode as _};
use rsa::BigUint;
use serde::Serialize;

use super::{MAX_RSA_BITS, PublicKey};

const OID_RSA: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_P256: pkcs8::ObjectIdentifier =
    pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.132.0.35");
const OID_ED25519: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_ED448: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.113");
const OID_X25519: pkcs8::ObjectIdentifier = pkcs8::ObjectIdentifier::new_unwrap("1.3.101.110");

/// What a PEM block holds, by its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BlockForm {
    /// `PUBLIC KEY`: PKIX SubjectPublicKeyInfo.
    PublicKey,
    /// `RSA PUBLIC KEY`: PKCS#1 public key.
    RsaPublicKey,
    /// `CERTIFICATE`: X.509 certificate.
    Certificate,
    /// `RSA PRIVATE KEY`: PKCS#1 private key.
    RsaPrivateKey,
    /// `EC PRIVATE KEY`: SEC1 private key.
    EcPrivateKey,
    /// `PRIVATE KEY`: PKCS#8 private key.
    PrivateKey,
}

/// One key-bearing PEM block, reduced to its public half.
#[derive(Debug, Clone)]
pub struct Block {
    /// 1-based position among all PEM blocks of the file.
    pub index: usize,
    pub label: String,
    pub form: BlockForm,
    pub key: PublicKey,
}

impl Block {
    pub fn is_private(&self) -> bool {
        matches!(
            self.form,
            BlockForm::RsaPrivateKey | BlockForm::EcPrivateKey | BlockForm::PrivateKey
        )
    }

    /// `None` when kube-apiserver uses this block from a `--service-account-key-file`;
    /// otherwise why it silently skips it.
    pub fn key_file_problem(&self) -> Option<&'static str> {
        match (self.form, &self.key) {
            (BlockForm::RsaPublicKey, _) => Some(
                "kube-apiserver ignores PKCS#1 `RSA PUBLIC KEY` blocks in --service-account-key-file; \
                 write it as `PUBLIC KEY` (openssl rsa -RSAPublicKey_in -pubout)",
            ),
            (BlockForm::PrivateKey, k) if !matches!(k, PublicKey::Rsa(_)) => Some(
                "kube-apiserver ignores PKCS#8 EC private keys in --service-account-key-file; \
                 give it the `PUBLIC KEY` (openssl pkey -pubout) or an `EC PRIVATE KEY`",
            ),
            _ => None,
        }
    }

    /// Whether kube-apiserver can sign with this block as `--service-account-signing-key-file`.
    pub fn usable_as_signing_key(&self) -> bool {
        self.is_private()
    }
}

/// A non-key PEM block that was skipped (as kube-apiserver skips it).
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub index: usize,
    pub label: String,
}

#[derive(Debug, Clone)]
pub struct KeyFile {
    pub blocks: Vec<Block>,
    pub skipped: Vec<Skipped>,
}

impl KeyFile {
    /// The key kube-apiserver would sign with if this file were its signing key file.
    pub fn signing_key(&self) -> Option<&Block> {
        self.blocks.iter().find(|b| b.usable_as_signing_key())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ParseError {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is binary DER, not PEM; convert it first, e.g. `openssl pkey -inform DER -in FILE -out FILE.pem` (add -pubin for a public key)"
    )]
    Der,
    #[error(
        "this is an OpenSSH key, which kube-apiserver cannot read; convert it with `ssh-keygen -e -m PKCS8 -f FILE` (public) or `ssh-keygen -p -m PEM -f FILE` (private)"
    )]
    OpenSsh,
    #[error("no PEM block found (expected lines like `-----BEGIN PUBLIC KEY-----`)")]
    NoPem,
    // Labels and reasons quote the file: escaped for the terminal (issue 13).
    #[error(
        "PEM block {block} is truncated: `-----BEGIN {}-----` has no matching END line",
        crate::text::printable(.label)
    )]
    Truncated { block: usize, label: String },
    #[error("PEM framing is broken: {}", crate::text::printable(.reason))]
    Framing { reason: String },
    #[error(
        "PEM block {block} ({}) is encrypted; kube-apiserver cannot use a passphrase-protected key: decrypt it (openssl pkey -in FILE -out PLAIN)",
        crate::text::printable(.label)
    )]
    Encrypted { block: usize, label: String },
    #[error(
        "PEM block {block} ({}) holds {what}, which kube-apiserver cannot use for ServiceAccount tokens (RSA or ECDSA P-256/P-384/P-521 only)",
        crate::text::printable(.label)
    )]
    Unsupported {
        block: usize,
        label: String,
        what: String,
    },
    #[error(
        "PEM block {block} ({}) is malformed: {}",
        crate::text::printable(.label),
        crate::text::printable(.reason)
    )]
    Malformed {
        block: usize,
        label: String,
        reason: String,
    },
    #[error("no key in the file: only {}", crate::text::printable(.labels))]
    NoKeys { labels: String },
}

/// Parse a key file's bytes: every PEM block, in order.
pub fn parse_pem_file(bytes: &[u8]) -> Result<KeyFile, ParseError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ParseError::Empty);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        // A DER SEQUENCE starts with 0x30; anything else binary is no key file either way.
        Err(_) if bytes.first() == Some(&0x30) => return Err(ParseError::Der),
        Err(_) => return Err(ParseError::NoPem),
    };
    let trimmed = text.trim_start();
    if trimmed.starts_with("ssh-") || trimmed.starts_with("ecdsa-sha2-") {
        return Err(ParseError::OpenSsh);
    }
    let begins = begin_labels(text);
    if begins.is_empty() {
        return Err(if bytes.first() == Some(&0x30) {
            ParseError::Der
        } else {
            ParseError::NoPem
        });
    }
    let pems = pem::parse_many(bytes).map_err(|e| ParseError::Framing {
        reason: e.to_string(),
    })?;
    if pems.len() < begins.len() {
        // `parse_many` drops an unterminated trailing block silently; kube would too, but an
        // operator whose key file lost its last lines wants to hear about it.
        let block = pems.len() + 1;
        return Err(ParseError::Truncated {
            block,
            label: begins[pems.len()].clone(),
        });
    }

    let mut blocks = Vec::new();
    let mut skipped = Vec::new();
    for (i, p) in pems.iter().enumerate() {
        let index = i + 1;
        let label = p.tag().to_string();
        if p.headers()
            .get("Proc-Type")
            .is_some_and(|v| v.contains("ENCRYPTED"))
        {
            return Err(ParseError::Encrypted {
                block: index,
                label,
            });
        }
        let form = match label.as_str() {
            "PUBLIC KEY" => BlockForm::PublicKey,
            "RSA PUBLIC KEY" => BlockForm::RsaPublicKey,
            "CERTIFICATE" => BlockForm::Certificate,
            "RSA PRIVATE KEY" => BlockForm::RsaPrivateKey,
            "EC PRIVATE KEY" => BlockForm::EcPrivateKey,
            "PRIVATE KEY" => BlockForm::PrivateKey,
            "ENCRYPTED PRIVATE KEY" => {
                return Err(ParseError::Encrypted {
                    block: index,
                    label,
                });
            }
            "OPENSSH PRIVATE KEY" => return Err(ParseError::OpenSsh),
            _ => {
                skipped.push(Skipped { index, label });
                continue;
            }
        };
        let key = decode(form, p.contents()).map_err(|e| match e {
            Problem::Malformed(reason) => ParseError::Malformed {
                block: index,
                label: label.clone(),
                reason,
            },
            Problem::Unsupported(what) => ParseError::Unsupported {
                block: index,
                label: label.clone(),
                what,
            },
        })?;
        blocks.push(Block {
            index,
            label,
            form,
            key,
        });
    }
    if blocks.is_empty() {
        let labels = skipped
            .iter()
            .map(|s| format!("`{}`", s.label))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ParseError::NoKeys { labels });
    }
    Ok(KeyFile { blocks, skipped })
}

/// Labels of every `-----BEGIN X-----` line, to notice blocks `pem` could not complete.
fn begin_labels(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("-----BEGIN ")
                .and_then(|r| r.strip_suffix("-----"))
        })
        .map(str::to_string)
        .collect()
}

/// Why a key's bytes could not become a [`PublicKey`]; also used when rebuilding keys from JWKs.
#[derive(Debug)]
pub(crate) enum Problem {
    Malformed(String),
    Unsupported(String),
}

fn malformed(e: impl std::fmt::Display) -> Problem {
    Problem::Malformed(e.to_string())
}

fn decode(form: BlockForm, der: &[u8]) -> Result<PublicKey, Problem> {
    match form {
        BlockForm::PublicKey => from_spki(der),
        BlockForm::Certificate => {
            let cert = x509_cert::Certificate::from_der(der).map_err(malformed)?;
            let spki = cert
                .tbs_certificate
                .subject_public_key_info
                .to_der()
                .map_err(malformed)?;
            from_spki(&spki)
        }
        BlockForm::RsaPublicKey => {
            let k = pkcs1::RsaPublicKey::from_der(der).map_err(malformed)?;
            rsa_public(k.modulus.as_bytes(), k.public_exponent.as_bytes())
        }
        BlockForm::RsaPrivateKey => rsa_from_pkcs1_private(der),
        BlockForm::EcPrivateKey => {
            let k = sec1::EcPrivateKey::from_der(der).map_err(malformed)?;
            let curve = k.parameters.and_then(|p| p.named_curve()).ok_or_else(|| {
                Problem::Unsupported(
                    "an EC key without a named curve (kube-apiserver's Go parser needs one)".into(),
                )
            })?;
            ec_from_sec1(curve, der)
        }
        BlockForm::PrivateKey => {
            let info = pkcs8::PrivateKeyInfo::try_from(der).map_err(malformed)?;
            let oid = info.algorithm.oid;
            if oid == OID_RSA {
                rsa_from_pkcs1_private(info.private_key)
            } else if oid == OID_EC {
                let curve = info.algorithm.parameters_oid().map_err(malformed)?;
                match curve {
                    c if c == OID_P256 => p256::SecretKey::from_pkcs8_der(der)
                        .map(|k| PublicKey::P256(k.public_key()))
                        .map_err(malformed),
                    c if c == OID_P384 => p384::SecretKey::from_pkcs8_der(der)
                        .map(|k| PublicKey::P384(k.public_key()))
                        .map_err(malformed),
                    c if c == OID_P521 => p521::SecretKey::from_pkcs8_der(der)
                        .map(|k| PublicKey::P521(k.public_key()))
                        .map_err(malformed),
                    c => Err(Problem::Unsupported(format!("an EC key on curve {c}"))),
                }
            } else {
                Err(Problem::Unsupported(algorithm_name(oid)))
            }
        }
    }
}

use p256::pkcs8::DecodePrivateKey as _;

fn algorithm_name(oid: pkcs8::ObjectIdentifier) -> String {
    match oid {
        o if o == OID_ED25519 => "an Ed25519 key".into(),
        o if o == OID_ED448 => "an Ed448 key".into(),
        o if o == OID_X25519 => "an X25519 key".into(),
        o if o == OID_RSA_PSS => "an RSASSA-PSS key".into(),
        o => format!("a key of algorithm {o}"),
    }
}

fn from_spki(der: &[u8]) -> Result<PublicKey, Problem> {
    let spki = spki::SubjectPublicKeyInfoRef::try_from(der).map_err(malformed)?;
    let oid = spki.algorithm.oid;
    let bits = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| malformed("public key BIT STRING has unused bits"))?;
    if oid == OID_RSA {
        let k = pkcs1::RsaPublicKey::from_der(bits).map_err(malformed)?;
        rsa_public(k.modulus.as_bytes(), k.public_exponent.as_bytes())
    } else if oid == OID_EC {
        let curve = spki.algorithm.parameters_oid().map_err(malformed)?;
        if bits.first() != Some(&0x04) {
            // Go's x509 only parses uncompressed points; a compressed one is skipped.
            return Err(Problem::Unsupported(
                "a compressed EC point (kube-apiserver's Go parser needs the uncompressed form)"
                    .into(),
            ));
        }
        match curve {
            c if c == OID_P256 => p256::PublicKey::from_sec1_bytes(bits)
                .map(PublicKey::P256)
                .map_err(malformed),
            c if c == OID_P384 => p384::PublicKey::from_sec1_bytes(bits)
                .map(PublicKey::P384)
                .map_err(malformed),
            c if c == OID_P521 => p521::PublicKey::from_sec1_bytes(bits)
                .map(PublicKey::P521)
                .map_err(malformed),
            c => Err(Problem::Unsupported(format!("an EC key on curve {c}"))),
        }
    } else {
        Err(Problem::Unsupported(algorithm_name(oid)))
    }
}

fn rsa_from_pkcs1_private(der: &[u8]) -> Result<PublicKey, Problem> {
    // Only the public half is read: no private-key arithmetic happens here.
    let k = pkcs1::RsaPrivateKey::from_der(der).map_err(malformed)?;
    rsa_public(k.modulus.as_bytes(), k.public_exponent.as_bytes())
}

fn ec_from_sec1(curve: pkcs8::ObjectIdentifier, der: &[u8]) -> Result<PublicKey, Problem> {
    match curve {
        c if c == OID_P256 => p256::SecretKey::from_sec1_der(der)
            .map(|k| PublicKey::P256(k.public_key()))
            .map_err(malformed),
        c if c == OID_P384 => p384::SecretKey::from_sec1_der(der)
            .map(|k| PublicKey::P384(k.public_key()))
            .map_err(malformed),
        c if c == OID_P521 => p521::SecretKey::from_sec1_der(der)
            .map(|k| PublicKey::P521(k.public_key()))
            .map_err(malformed),
        c => Err(Problem::Unsupported(format!("an EC key on curve {c}"))),
    }
}

/// Build an RSA public key from big-endian modulus and exponent, as Go would accept it.
pub(crate) fn rsa_public(n: &[u8], e: &[u8]) -> Result<PublicKey, Problem> {
    let n = BigUint::from_bytes_be(n);
    let e = BigUint::from_bytes_be(e);
    if n.bits() < 1024 {
        // Go ≥ 1.24 `crypto/rsa` (kube-apiserver's) refuses keys under 1024 bits unless
        // GODEBUG=rsa1024min=0: no token signed with one ever verifies.
        return Err(Problem::Unsupported(format!(
            "an RSA key of {} bits (under 1024 bits: kube-apiserver's Go crypto/rsa refuses it, so no token it signs verifies)",
            n.bits()
        )));
    }
    rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
        .map(PublicKey::Rsa)
        .map_err(malformed)
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Malformed(r) => write!(f, "malformed: {r}"),
            Problem::Unsupported(r) => write!(f, "{r} is not supported"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RSA_PUB: &[u8] = include_bytes!("../../tests/fixtures/k8s/rsa.pub");
    const EC_KEY_PARAMS: &[u8] = include_bytes!("../../tests/fixtures/k8s/ecdsa-params.key");

    #[test]
    fn ec_parameters_block_is_skipped_like_kube_does() {
        let f = parse_pem_file(EC_KEY_PARAMS).unwrap();
        assert_eq!(f.blocks.len(), 1);
        assert_eq!(f.blocks[0].index, 2);
        assert_eq!(f.skipped[0].label, "EC PARAMETERS");
    }

    #[test]
    fn truncated_block_is_reported_with_its_number() {
        let mut text = String::from_utf8(RSA_PUB.to_vec()).unwrap();
        text.push_str("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA249XwEo9k4tM8fMxV7zx\n");
        assert_eq!(
            parse_pem_file(text.as_bytes()).unwrap_err(),
            ParseError::Truncated {
                block: 2,
                label: "PUBLIC KEY".into()
            }
        );
    }

    #[test]
    fn empty_and_binary_inputs() {
        assert_eq!(parse_pem_file(b"").unwrap_err(), ParseError::Empty);
        assert_eq!(parse_pem_file(b" \n\t").unwrap_err(), ParseError::Empty);
        assert_eq!(
            parse_pem_file(&[0x30, 0x82, 0xff, 0x01]).unwrap_err(),
            ParseError::Der
        );
        assert_eq!(parse_pem_file(b"hello").unwrap_err(), ParseError::NoPem);
        assert_eq!(
            parse_pem_file(b"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI x@y").unwrap_err(),
            ParseError::OpenSsh
        );
    }

    #[test]
    fn legacy_encrypted_pem_is_refused() {
        let text = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nMIIB\n-----END RSA PRIVATE KEY-----\n";
        assert!(matches!(
            parse_pem_file(text.as_bytes()).unwrap_err(),
            ParseError::Encrypted { block: 1, .. }
        ));
    }

    #[test]
    fn small_rsa_keys_are_refused() {
        assert!(matches!(
            rsa_public(&[0xff; 64], &[1, 0, 1]),
            Err(Problem::Unsupported(_))
        ));
    }
}

#[cfg(test)]
mod properties {
    use proptest::prelude::*;

    use super::*;

    const SAMPLES: [&[u8]; 4] = [
        include_bytes!("../../tests/fixtures/k8s/rsa.pub"),
        include_bytes!("../../tests/fixtures/k8s/rsa.key"),
        include_bytes!("../../tests/fixtures/k8s/ecdsa.key"),
        include_bytes!("../../tests/fixtures/k8s/ecdsa-params.key"),
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

        /// Arbitrary bytes: an error or a key, never a panic.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
            let _ = parse_pem_file(&bytes);
        }

        /// Real key files with one byte changed or cut short: an error or a key, never a panic;
        /// and an untouched prefix that still parses gives the original key.
        #[test]
        fn mutated_key_files_never_panic(
            which in 0usize..4,
            pos in any::<prop::sample::Index>(),
            byte in any::<u8>(),
            cut in any::<prop::sample::Index>(),
        ) {
            let mut data = SAMPLES[which].to_vec();
            let i = pos.index(data.len());
            data[i] = byte;
            let _ = parse_pem_file(&data);
            let original = SAMPLES[which];
            let _ = parse_pem_file(&original[..cut.index(original.len())]);
        }
    }
}
