//! New key pairs in the forms kube-apiserver accepts for both flags (DESIGN §3 `keygen`):
//! `RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC1 with the named-curve parameter, which
//! Go's `x509.ParseECPrivateKey` requires), and the public half as `PUBLIC KEY`.
//!
//! RSA generation goes through aws-lc-rs: it is constant-time, and about three times faster than
//! openssl on these machines, where the `rsa` crate is slower than openssl at 4096 bits. EC keys
//! come from the RustCrypto curve crates with the OS RNG.

use aws_lc_rs::encoding::AsDer as _;
use pkcs8::der::Decode as _;
use serde::Serialize;

use super::secret::Secret;
use super::{PublicKey, parse, pem_encode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Algorithm {
    #[value(name = "rsa-2048")]
    #[serde(rename = "rsa-2048")]
    Rsa2048,
    #[value(name = "rsa-3072")]
    #[serde(rename = "rsa-3072")]
    Rsa3072,
    #[value(name = "rsa-4096")]
    #[serde(rename = "rsa-4096")]
    Rsa4096,
    #[value(name = "ecdsa-p256")]
    EcdsaP256,
    #[value(name = "ecdsa-p384")]
    EcdsaP384,
    #[value(name = "ecdsa-p521")]
    EcdsaP521,
}

impl Algorithm {
    pub const ALL: [Algorithm; 6] = [
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
        Algorithm::EcdsaP256,
        Algorithm::EcdsaP384,
        Algorithm::EcdsaP521,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Rsa2048 => "rsa-2048",
            Algorithm::Rsa3072 => "rsa-3072",
            Algorithm::Rsa4096 => "rsa-4096",
            Algorithm::EcdsaP256 => "ecdsa-p256",
            Algorithm::EcdsaP384 => "ecdsa-p384",
            Algorithm::EcdsaP521 => "ecdsa-p521",
        }
    }

    pub fn is_rsa(self) -> bool {
        matches!(
            self,
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096
        )
    }
}

/// A freshly generated key pair. The private PEM is a [`Secret`]: it prints as `REDACTED`.
#[derive(Debug)]
pub struct GeneratedKey {
    pub private_pem: Secret,
    pub public: PublicKey,
}

#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("the crypto library failed to generate a {0} key")]
    Backend(&'static str),
    #[error("encoding the new {0} key failed: {1}")]
    Encode(&'static str, String),
}

/// An RSA key pair from aws-lc-rs, racing one generation per core (up to four) and keeping the
/// first to finish. RSA generation is a search for primes whose length varies several-fold from
/// key to key; on n cores the wait is that of the fastest of n searches, which on two cores is
/// about half the median of one. The other searches run on in detached threads until the
/// process exits; their keys are never used and are cleared when aws-lc frees them.
fn rsa_key_pair(size: aws_lc_rs::rsa::KeySize) -> Option<aws_lc_rs::rsa::KeyPair> {
    let racers = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
    if racers < 2 {
        return aws_lc_rs::rsa::KeyPair::generate(size).ok();
    }
    let (tx, rx) = std::sync::mpsc::channel();
    for _ in 0..racers {
        let tx = tx.clone();
        let spawned = std::thread::Builder::new()
            .name("rsa-keygen".into())
            .spawn(move || {
                // The receiver is gone once a key has won: losing keys are dropped here.
                let _ = tx.send(aws_lc_rs::rsa::KeyPair::generate(size));
            });
        if spawned.is_err() {
            break;
        }
    }
    drop(tx);
    // The first success; an error from one racer does not stop the others.
    let mut keys = rx.iter();
    keys.find_map(Result::ok)
        .or_else(|| aws_lc_rs::rsa::KeyPair::generate(size).ok())
}

pub fn generate(alg: Algorithm) -> Result<GeneratedKey, GenerateError> {
    let (label, der) = match alg {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            let size = match alg {
                Algorithm::Rsa2048 => aws_lc_rs::rsa::KeySize::Rsa2048,
                Algorithm::Rsa3072 => aws_lc_rs::rsa::KeySize::Rsa3072,
                _ => aws_lc_rs::rsa::KeySize::Rsa4096,
            };
            let pair = rsa_key_pair(size).ok_or(GenerateError::Backend(alg.name()))?;
            let pkcs8 = pair
                .as_der()
                .map_err(|_| GenerateError::Backend(alg.name()))?;
            let info = pkcs8::PrivateKeyInfo::from_der(pkcs8.as_ref())
                .map_err(|e| GenerateError::Encode(alg.name(), e.to_string()))?;
            // PKCS#8 wraps the PKCS#1 RSAPrivateKey as-is: unwrapping it gives `RSA PRIVATE KEY`.
            (
                "RSA PRIVATE KEY",
                zeroize::Zeroizing::new(info.private_key.to_vec()),
            )
        }
        Algorithm::EcdsaP256 => (
            "EC PRIVATE KEY",
            sec1_with_curve(&p256::SecretKey::random(&mut rand_core::OsRng))
                .map_err(|e| GenerateError::Encode(alg.name(), e.to_string()))?,
        ),
        Algorithm::EcdsaP384 => (
            "EC PRIVATE KEY",
            sec1_with_curve(&p384::SecretKey::random(&mut rand_core::OsRng))
                .map_err(|e| GenerateError::Encode(alg.name(), e.to_string()))?,
        ),
        Algorithm::EcdsaP521 => (
            "EC PRIVATE KEY",
            sec1_with_curve(&p521::SecretKey::random(&mut rand_core::OsRng))
                .map_err(|e| GenerateError::Encode(alg.name(), e.to_string()))?,
        ),
    };
    let private_pem = Secret::new(pem_encode(label, der.to_vec()).into_bytes());
    // Derive the public half by reading the PEM back through the same parser every other
    // command uses: what keygen reports is exactly what `sakr kid` will say of the file.
    let file = parse::parse_pem_file(private_pem.expose())
        .map_err(|e| GenerateError::Encode(alg.name(), e.to_string()))?;
    let public = file.blocks[0].key.clone();
    Ok(GeneratedKey {
        private_pem,
        public,
    })
}

/// SEC1 `ECPrivateKey` DER *with* the named-curve parameter. elliptic-curve's `to_sec1_der`
/// leaves the optional parameter out, and Go's `x509.ParseECPrivateKey` (so kube-apiserver)
/// then fails with "unknown elliptic curve": found by the test below.
fn sec1_with_curve<C>(
    key: &elliptic_curve::SecretKey<C>,
) -> Result<zeroize::Zeroizing<Vec<u8>>, pkcs8::der::Error>
where
    C: elliptic_curve::CurveArithmetic + pkcs8::AssociatedOid,
    elliptic_curve::AffinePoint<C>:
        elliptic_curve::sec1::FromEncodedPoint<C> + elliptic_curve::sec1::ToEncodedPoint<C>,
    elliptic_curve::FieldBytesSize<C>: elliptic_curve::sec1::ModulusSize,
{
    use elliptic_curve::sec1::ToEncodedPoint as _;
    use pkcs8::der::Encode as _;
    let private_key = zeroize::Zeroizing::new(key.to_bytes());
    let public_key = key.public_key().to_encoded_point(false);
    let der = sec1::EcPrivateKey {
        private_key: &private_key,
        parameters: Some(sec1::EcParameters::NamedCurve(C::OID)),
        public_key: Some(public_key.as_bytes()),
    }
    .to_der()?;
    Ok(zeroize::Zeroizing::new(der))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_algorithm_yields_the_form_kube_accepts() {
        for alg in Algorithm::ALL {
            let k = generate(alg).unwrap();
            let file = parse::parse_pem_file(k.private_pem.expose()).unwrap();
            let block = &file.blocks[0];
            let want = if alg.is_rsa() {
                parse::BlockForm::RsaPrivateKey
            } else {
                parse::BlockForm::EcPrivateKey
            };
            assert_eq!(block.form, want, "{alg:?}");
            assert!(block.key_file_problem().is_none());
            assert!(block.usable_as_signing_key());
            assert_eq!(block.key, k.public);
        }
    }
}
