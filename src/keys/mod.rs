//! Key material: what a ServiceAccount key is, its kid and its JWS algorithm.
//!
//! Follows DESIGN §2.1 (kid = base64url, unpadded, of SHA-256 over the DER SubjectPublicKeyInfo,
//! as `keyIDFromPublicKey` in kubernetes `pkg/serviceaccount/jwt.go`), §2.2 (RSA signs RS256,
//! ECDSA P-256/384/521 sign ES256/384/512, nothing else) and §2.5 (which PEM forms
//! kube-apiserver accepts, see [`parse`]).
//!
//! Only public halves are kept once a file is parsed: a private key is reduced to its public key
//! on the spot, so nothing downstream (JWKS, discovery, output) can leak a private parameter.

pub mod generate;
pub mod name;
pub mod parse;
pub mod secret;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rsa::pkcs8::EncodePublicKey as _;
use rsa::traits::PublicKeyParts as _;
use serde::Serialize;
use sha2::Digest as _;

pub use parse::{Block, BlockForm, KeyFile, ParseError, parse_pem_file};

/// The JWS algorithms kube-apiserver signs with (DESIGN §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Alg {
    ES256,
    ES384,
    ES512,
    RS256,
}

impl Alg {
    pub fn as_str(self) -> &'static str {
        match self {
            Alg::RS256 => "RS256",
            Alg::ES256 => "ES256",
            Alg::ES384 => "ES384",
            Alg::ES512 => "ES512",
        }
    }
}

impl std::fmt::Display for Alg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A public key of a kind kube-apiserver can verify ServiceAccount tokens with.
#[derive(Clone, PartialEq, Eq)]
pub enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(p521::PublicKey),
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({} {})", self.alg(), self.kid())
    }
}

/// Largest RSA modulus sakr accepts. Go's crypto/rsa (and so kube-apiserver) has no small cap;
/// the `rsa` crate's default of 4096 bits would reject valid 8192-bit keys.
pub const MAX_RSA_BITS: usize = 16384;

impl PublicKey {
    pub fn alg(&self) -> Alg {
        match self {
            PublicKey::Rsa(_) => Alg::RS256,
            PublicKey::P256(_) => Alg::ES256,
            PublicKey::P384(_) => Alg::ES384,
            PublicKey::P521(_) => Alg::ES512,
        }
    }

    /// Human description: `RSA 2048`, `EC P-256`.
    pub fn describe(&self) -> String {
        match self {
            PublicKey::Rsa(k) => format!("RSA {}", k.n().bits()),
            PublicKey::P256(_) => "EC P-256".into(),
            PublicKey::P384(_) => "EC P-384".into(),
            PublicKey::P521(_) => "EC P-521".into(),
        }
    }

    /// DER SubjectPublicKeyInfo, as Go's `x509.MarshalPKIXPublicKey` writes it: RSA with a NULL
    /// parameter, EC with the named-curve OID and the uncompressed point.
    pub fn spki_der(&self) -> Vec<u8> {
        let doc = match self {
            PublicKey::Rsa(k) => k.to_public_key_der(),
            PublicKey::P256(k) => k.to_public_key_der(),
            PublicKey::P384(k) => k.to_public_key_der(),
            PublicKey::P521(k) => k.to_public_key_der(),
        };
        // Encoding a key we already hold in memory cannot fail: every field is bounded.
        doc.expect("encoding a parsed public key as SPKI")
            .into_vec()
    }

    /// The kid kube-apiserver puts in the JWT header and the JWKS (DESIGN §2.1).
    pub fn kid(&self) -> String {
        URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(self.spki_der()))
    }

    /// `-----BEGIN PUBLIC KEY-----` PEM of this key, LF line endings.
    pub fn to_pem(&self) -> String {
        pem_encode("PUBLIC KEY", self.spki_der())
    }
}

/// PEM with LF line endings (the `pem` crate defaults to CRLF) and 64-column lines, the form
/// openssl and Go write.
pub fn pem_encode(tag: &str, der: impl Into<Vec<u8>>) -> String {
    let block = pem::Pem::new(tag, der);
    pem::encode_config(
        &block,
        pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Kubernetes' own vector: pkg/serviceaccount/keyid_test.go, TestKeyIDStability.
    #[test]
    fn kid_of_kubernetes_rsa_vector() {
        let file = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/rsa.pub")).unwrap();
        assert_eq!(
            file.blocks[0].key.kid(),
            "JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU"
        );
    }

    #[test]
    fn kid_of_kubernetes_ecdsa_vector() {
        let file = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/ecdsa.pub")).unwrap();
        assert_eq!(
            file.blocks[0].key.kid(),
            "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc"
        );
        assert_eq!(file.blocks[0].key.alg(), Alg::ES256);
    }

    #[test]
    fn private_and_public_halves_share_a_kid() {
        let private = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/rsa.key")).unwrap();
        let public = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/rsa.pub")).unwrap();
        assert_eq!(private.blocks[0].key, public.blocks[0].key);
        let private = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/ecdsa.key")).unwrap();
        let public = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/ecdsa.pub")).unwrap();
        assert_eq!(private.blocks[0].key.kid(), public.blocks[0].key.kid());
    }

    #[test]
    fn public_pem_round_trips() {
        let file = parse_pem_file(include_bytes!("../../tests/fixtures/k8s/rsa.pub")).unwrap();
        let again = parse_pem_file(file.blocks[0].key.to_pem().as_bytes()).unwrap();
        assert_eq!(again.blocks[0].key, file.blocks[0].key);
        assert_eq!(
            file.blocks[0].key.to_pem(),
            std::str::from_utf8(include_bytes!("../../tests/fixtures/k8s/rsa.pub")).unwrap()
        );
    }
}
