//! ServiceAccount tokens: compact JWS as kube-apiserver writes them (header `{"alg":…,"kid":…}`,
//! DESIGN §2.1–2.2), decoded without trust, verified against a [`PublicKey`], and minted the way
//! kube-apiserver mints them (for `rehearse` and the test API server).
//!
//! The JWS framing (three base64url parts) is a few lines; the cryptography is aws-lc-rs.
//! `jsonwebtoken` is not used: it has no ES512, which kube-apiserver signs with P-521 keys.

pub mod checks;

use aws_lc_rs::signature::{self as sig, KeyPair as _};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use elliptic_curve::sec1::ToEncodedPoint as _;
use rsa::traits::PublicKeyParts as _;
use serde::{Deserialize, Serialize};

use crate::keys::secret::Secret;
use crate::keys::{Alg, PublicKey};

/// Tokens larger than this are refused before decoding: kube-apiserver tokens are ~1 KiB, and
/// a huge "token" is a wrong file, not a token.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kid: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ: Option<String>,
    /// RFC 7515 §4.1.11 `crit`: kept as JSON because go-jose's reading of it decides whether
    /// kube-apiserver looks at the signature at all (see [`Decoded::header_problem`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crit: Option<serde_json::Value>,
    /// RFC 7797 `b64`: `false` makes go-jose sign the payload bytes unencoded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b64: Option<serde_json::Value>,
}

/// A token split and decoded, nothing verified yet.
#[derive(Clone)]
pub struct Decoded {
    pub header: Header,
    pub alg: Alg,
    pub claims: serde_json::Value,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
}

impl std::fmt::Debug for Decoded {
    // The signature makes a token replayable; never print it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Decoded")
            .field("header", &self.header)
            .field("claims", &self.claims)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token is empty")]
    Empty,
    #[error("the token is {0} bytes; more than {MAX_TOKEN_BYTES} is not a ServiceAccount token")]
    TooLarge(usize),
    #[error("not a JWT: expected three dot-separated parts, found {0}")]
    Parts(usize),
    #[error("the JWT's {0} part is not unpadded base64url")]
    Base64(&'static str),
    #[error("the JWT header is not a JSON object with a string `alg`: {}", crate::text::printable(.0))]
    Header(String),
    #[error("the JWT claims are not a JSON object")]
    Claims,
    #[error("the JWT claims are not JSON ({0}); kube-apiserver refuses such a token too")]
    ClaimsJson(String),
    #[error("the JWT is unsigned (`alg: none`); kube-apiserver never issues those")]
    AlgNone,
    #[error(
        "the JWT `alg` {0:?} is not one kube-apiserver signs with (RS256, ES256, ES384, ES512)"
    )]
    UnknownAlg(String),
}

pub fn decode(token: &str) -> Result<Decoded, TokenError> {
    let token = token.trim();
    if token.is_empty() {
        return Err(TokenError::Empty);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(TokenError::TooLarge(token.len()));
    }
    let parts: Vec<&str> = token.split('.').collect();
    if parts.len() != 3 {
        return Err(TokenError::Parts(parts.len()));
    }
    let b64 = |s: &str, what| {
        URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| TokenError::Base64(what))
    };
    let header_bytes = b64(parts[0], "header")?;
    let claims_bytes = b64(parts[1], "claims")?;
    let signature = b64(parts[2], "signature")?;
    let header: Header =
        serde_json::from_slice(&header_bytes).map_err(|e| TokenError::Header(e.to_string()))?;
    let alg = match header.alg.as_str() {
        "RS256" => Alg::RS256,
        "ES256" => Alg::ES256,
        "ES384" => Alg::ES384,
        "ES512" => Alg::ES512,
        a if a.eq_ignore_ascii_case("none") => return Err(TokenError::AlgNone),
        a => return Err(TokenError::UnknownAlg(a.to_string())),
    };
    // A number beyond f64 (`"exp": 1e400`) is a JSON error here; Go's strconv.ParseFloat
    // returns ErrRange for it and go-jose refuses the token, so both refuse. The message keeps
    // serde's category and position only: its text could quote the claims.
    let claims: serde_json::Value = serde_json::from_slice(&claims_bytes).map_err(|e| {
        TokenError::ClaimsJson(format!(
            "{:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })?;
    if !claims.is_object() {
        return Err(TokenError::Claims);
    }
    // go-jose v2 `computeAuthData` (jws.go): with `"b64": false` in the protected header the
    // signing input is the header part, a dot and the payload bytes themselves (RFC 7797),
    // whether or not `crit` names `b64`; otherwise the header and payload parts as sent.
    let mut signing_input = Vec::with_capacity(parts[0].len() + 1 + parts[1].len());
    signing_input.extend_from_slice(parts[0].as_bytes());
    signing_input.push(b'.');
    if header.b64 == Some(serde_json::Value::Bool(false)) {
        signing_input.extend_from_slice(&claims_bytes);
    } else {
        signing_input.extend_from_slice(parts[1].as_bytes());
    }
    Ok(Decoded {
        header,
        alg,
        claims,
        signing_input,
        signature,
    })
}

impl Decoded {
    /// Whether `key` made this signature. False (not an error) for a key of another type or
    /// an alg that does not match the key: that is a failed check, not bad input.
    pub fn verify_with(&self, key: &PublicKey) -> bool {
        if key.alg() != self.alg {
            return false;
        }
        verify_signature(key, &self.signing_input, &self.signature)
    }

    pub fn kid(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// Why kube-apiserver would refuse this token for its header alone, before any key is
    /// tried; `None` when the header is fine.
    ///
    /// kube-apiserver verifies with go-jose v2 (`pkg/serviceaccount/jwt.go`,
    /// `AuthenticateToken` → `jwt.ParseSigned` → `tok.Claims`). go-jose's `DetachedVerify`
    /// (jws.go) reads `crit` with `getCritical` (shared.go): a value that is not a JSON array of
    /// strings is an error, and any name outside `supportedCritical` (only `b64`) is
    /// `ErrCryptoFailure`: the signature is never checked. `computeAuthData` refuses a `b64`
    /// that is not a boolean. An absent or `null` `crit`, and `[]`, pass.
    pub fn header_problem(&self) -> Option<String> {
        use crate::text::printable;
        match &self.header.crit {
            None | Some(serde_json::Value::Null) => {}
            Some(serde_json::Value::Array(names)) => {
                for name in names {
                    match name.as_str() {
                        Some("b64") => {}
                        Some(other) => {
                            return Some(format!(
                                "`crit` lists {:?}, an extension go-jose does not understand: kube-apiserver refuses the token without checking its signature",
                                printable(other)
                            ));
                        }
                        None => {
                            return Some(
                                "`crit` is not an array of strings: kube-apiserver (go-jose) refuses the token"
                                    .into(),
                            );
                        }
                    }
                }
            }
            Some(_) => {
                return Some(
                    "`crit` is not an array of strings: kube-apiserver (go-jose) refuses the token"
                        .into(),
                );
            }
        }
        match &self.header.b64 {
            None | Some(serde_json::Value::Bool(_)) => None,
            Some(_) => {
                Some("`b64` is not a boolean: kube-apiserver (go-jose) refuses the token".into())
            }
        }
    }
}

/// Whether `signature` (JWS form: PKCS#1 v1.5, or raw `r || s`) over `msg` verifies with `key`
/// under the key's algorithm (RS256, ES256/384/512).
pub fn verify_signature(key: &PublicKey, msg: &[u8], signature: &[u8]) -> bool {
    match key {
        PublicKey::Rsa(k) => rsa_verify(k, msg, signature),
        PublicKey::P256(k) => ec_verify(
            &sig::ECDSA_P256_SHA256_FIXED,
            k.to_encoded_point(false).as_bytes(),
            msg,
            signature,
        ),
        PublicKey::P384(k) => ec_verify(
            &sig::ECDSA_P384_SHA384_FIXED,
            k.to_encoded_point(false).as_bytes(),
            msg,
            signature,
        ),
        PublicKey::P521(k) => ec_verify(
            &sig::ECDSA_P521_SHA512_FIXED,
            k.to_encoded_point(false).as_bytes(),
            msg,
            signature,
        ),
    }
}

/// The DigestInfo prefix of a PKCS#1 v1.5 SHA-256 signature (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

/// RS256 as Go's `crypto/rsa.VerifyPKCS1v15` checks it for kube-apiserver: any modulus from
/// 1024 bits (Go ≥ 1.24 refuses smaller keys unless `GODEBUG=rsa1024min=0`; sakr's parser
/// refuses them, see `keys::parse::rsa_public`) with no upper bound. aws-lc-rs covers
/// 1024–8192 bits (its `_FOR_LEGACY_USE_ONLY` parameters below 2048); the `rsa` crate the rest.
fn rsa_verify(k: &rsa::RsaPublicKey, msg: &[u8], signature: &[u8]) -> bool {
    let bits = k.n().bits();
    let params = match bits {
        ..2048 => &sig::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
        2048..=8192 => &sig::RSA_PKCS1_2048_8192_SHA256,
        _ => {
            use sha2::Digest as _;
            let scheme = rsa::Pkcs1v15Sign {
                hash_len: Some(32),
                prefix: SHA256_DIGEST_INFO.to_vec().into_boxed_slice(),
            };
            return k
                .verify(scheme, &sha2::Sha256::digest(msg), signature)
                .is_ok();
        }
    };
    sig::RsaPublicKeyComponents {
        n: k.n().to_bytes_be(),
        e: k.e().to_bytes_be(),
    }
    .verify(params, msg, signature)
    .is_ok()
}

fn ec_verify(
    alg: &'static sig::EcdsaVerificationAlgorithm,
    point: &[u8],
    msg: &[u8],
    s: &[u8],
) -> bool {
    sig::UnparsedPublicKey::new(alg, point)
        .verify(msg, s)
        .is_ok()
}

/// Signs tokens with a private key file's key, as kube-apiserver's `JWTTokenGenerator` does.
pub struct Signer {
    inner: SignerKey,
    public: PublicKey,
}

enum SignerKey {
    Rsa(aws_lc_rs::rsa::KeyPair),
    Ec(sig::EcdsaKeyPair),
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Signer({} {}, private key REDACTED)",
            self.public.alg(),
            self.public.kid()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error(
        "no private key in the file (kube-apiserver needs RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)"
    )]
    NoPrivateKey,
    #[error(transparent)]
    Parse(#[from] crate::keys::ParseError),
    #[error("the crypto library rejected the private key: {0}")]
    Rejected(String),
    #[error("signing failed")]
    Sign,
}

impl Signer {
    /// The key kube-apiserver would sign with given this `--service-account-signing-key-file`:
    /// the first private-key block.
    pub fn from_pem(pem_bytes: &Secret) -> Result<Signer, SignerError> {
        let file = crate::keys::parse_pem_file(pem_bytes.expose())?;
        let block = file.signing_key().ok_or(SignerError::NoPrivateKey)?;
        let blocks = pem::parse_many(pem_bytes.expose())
            .map_err(|e| SignerError::Rejected(e.to_string()))?;
        let der = Secret::new(blocks[block.index - 1].contents().to_vec());
        let rejected = |e: aws_lc_rs::error::KeyRejected| SignerError::Rejected(e.to_string());
        let inner = match &block.key {
            PublicKey::Rsa(_) => SignerKey::Rsa(
                aws_lc_rs::rsa::KeyPair::from_der(der.expose())
                    .or_else(|_| aws_lc_rs::rsa::KeyPair::from_pkcs8(der.expose()))
                    .map_err(rejected)?,
            ),
            PublicKey::P256(_) => SignerKey::Ec(
                sig::EcdsaKeyPair::from_private_key_der(
                    &sig::ECDSA_P256_SHA256_FIXED_SIGNING,
                    der.expose(),
                )
                .map_err(rejected)?,
            ),
            PublicKey::P384(_) => SignerKey::Ec(
                sig::EcdsaKeyPair::from_private_key_der(
                    &sig::ECDSA_P384_SHA384_FIXED_SIGNING,
                    der.expose(),
                )
                .map_err(rejected)?,
            ),
            PublicKey::P521(_) => SignerKey::Ec(
                sig::EcdsaKeyPair::from_private_key_der(
                    &sig::ECDSA_P521_SHA512_FIXED_SIGNING,
                    der.expose(),
                )
                .map_err(rejected)?,
            ),
        };
        // Cross-check: the crypto library's view of the public half equals ours, so the kid in
        // the header is the kid of the key that signs.
        let ok = match &inner {
            SignerKey::Ec(kp) => {
                let point = kp.public_key().as_ref();
                let ours = match &block.key {
                    PublicKey::P256(k) => k.to_encoded_point(false).as_bytes().to_vec(),
                    PublicKey::P384(k) => k.to_encoded_point(false).as_bytes().to_vec(),
                    PublicKey::P521(k) => k.to_encoded_point(false).as_bytes().to_vec(),
                    PublicKey::Rsa(_) => Vec::new(),
                };
                point == ours.as_slice()
            }
            SignerKey::Rsa(kp) => match &block.key {
                PublicKey::Rsa(k) => {
                    kp.public_key().modulus().big_endian_without_leading_zero()
                        == k.n().to_bytes_be().as_slice()
                }
                _ => false,
            },
        };
        if !ok {
            return Err(SignerError::Rejected("public half mismatch".into()));
        }
        Ok(Signer {
            inner,
            public: block.key.clone(),
        })
    }

    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// A compact JWS with header `{"alg":…,"kid":…}` over `claims`.
    pub fn sign(&self, claims: &serde_json::Value) -> Result<String, SignerError> {
        let header = Header {
            alg: self.public.alg().as_str().to_string(),
            kid: Some(self.public.kid()),
            typ: None,
            crit: None,
            b64: None,
        };
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header).map_err(|_| SignerError::Sign)?),
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims).map_err(|_| SignerError::Sign)?)
        );
        let signature = self.sign_input(input.as_bytes())?;
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// The raw signature over a JWS signing input (for tests that need unusual headers).
    pub(crate) fn sign_input(&self, input: &[u8]) -> Result<Vec<u8>, SignerError> {
        let rng = aws_lc_rs::rand::SystemRandom::new();
        Ok(match &self.inner {
            SignerKey::Rsa(kp) => {
                let mut out = vec![0; kp.public_modulus_len()];
                kp.sign(&sig::RSA_PKCS1_SHA256, &rng, input, &mut out)
                    .map_err(|_| SignerError::Sign)?;
                out
            }
            SignerKey::Ec(kp) => kp
                .sign(&rng, input)
                .map_err(|_| SignerError::Sign)?
                .as_ref()
                .to_vec(),
        })
    }
}

/// What a ServiceAccount token's claims look like, per kube-apiserver's `claims.go`
/// (`iss, sub, aud, exp, iat, nbf, kubernetes.io{namespace, serviceaccount, pod}`).
#[derive(Debug, Clone)]
pub struct ClaimsSpec<'a> {
    pub issuer: &'a str,
    pub audiences: &'a [String],
    pub namespace: &'a str,
    pub service_account: &'a str,
    pub service_account_uid: &'a str,
    pub pod: Option<(&'a str, &'a str)>,
    pub now: i64,
    pub ttl_seconds: i64,
}

pub fn kube_claims(spec: &ClaimsSpec<'_>) -> serde_json::Value {
    let mut k8s = serde_json::json!({
        "namespace": spec.namespace,
        "serviceaccount": {"name": spec.service_account, "uid": spec.service_account_uid},
    });
    if let Some((name, uid)) = spec.pod {
        k8s["pod"] = serde_json::json!({"name": name, "uid": uid});
    }
    serde_json::json!({
        "aud": spec.audiences,
        // Saturating: a TTL from a flag or file must not overflow (issue 13); i64::MAX seconds
        // is past anything a clock reaches.
        "exp": spec.now.saturating_add(spec.ttl_seconds),
        "iat": spec.now,
        "iss": spec.issuer,
        "kubernetes.io": k8s,
        "nbf": spec.now,
        "sub": format!("system:serviceaccount:{}:{}", spec.namespace, spec.service_account),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate::{Algorithm, generate};

    fn claims() -> serde_json::Value {
        kube_claims(&ClaimsSpec {
            issuer: "https://kubernetes.default.svc.cluster.local",
            audiences: &["https://kubernetes.default.svc.cluster.local".to_string()],
            namespace: "default",
            service_account: "sakr",
            service_account_uid: "1",
            pod: None,
            now: 1_700_000_000,
            ttl_seconds: 3607,
        })
    }

    #[test]
    fn sign_then_verify_every_algorithm() {
        for alg in Algorithm::ALL {
            let k = generate(alg).unwrap();
            let other = generate(alg).unwrap();
            let signer = Signer::from_pem(&k.private_pem).unwrap();
            let token = signer.sign(&claims()).unwrap();
            let d = decode(&token).unwrap();
            assert_eq!(d.kid(), Some(k.public.kid().as_str()));
            assert_eq!(d.alg, k.public.alg());
            assert!(d.verify_with(&k.public), "{alg:?}");
            assert!(!d.verify_with(&other.public), "{alg:?}");
            // Tampered claims: signature no longer matches.
            let mut parts: Vec<&str> = token.split('.').collect();
            let forged =
                URL_SAFE_NO_PAD.encode(br#"{"sub":"system:serviceaccount:kube-system:admin"}"#);
            parts[1] = &forged;
            assert!(!decode(&parts.join(".")).unwrap().verify_with(&k.public));
        }
    }

    #[test]
    fn kubernetes_rsa_vector_signs_with_its_kid() {
        let pem = Secret::new(include_bytes!("../../tests/fixtures/k8s/rsa.key").to_vec());
        let token = Signer::from_pem(&pem).unwrap().sign(&claims()).unwrap();
        let header = URL_SAFE_NO_PAD
            .decode(token.split('.').next().unwrap())
            .unwrap();
        assert_eq!(
            std::str::from_utf8(&header).unwrap(),
            r#"{"alg":"RS256","kid":"JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU"}"#
        );
    }

    #[test]
    fn malformed_tokens() {
        let h = |j: &str| URL_SAFE_NO_PAD.encode(j);
        let cases = [
            ("".to_string(), TokenError::Empty),
            ("a.b".to_string(), TokenError::Parts(2)),
            ("a.b.c.d".to_string(), TokenError::Parts(4)),
            ("***.e30.AA".to_string(), TokenError::Base64("header")),
            (
                format!("{}.e30.", h(r#"{"alg":"none"}"#)),
                TokenError::AlgNone,
            ),
            (
                format!("{}.e30.AA", h(r#"{"alg":"HS256"}"#)),
                TokenError::UnknownAlg("HS256".into()),
            ),
            (
                format!("{}.{}.AA", h(r#"{"alg":"RS256"}"#), h("[1]")),
                TokenError::Claims,
            ),
            (
                "a".repeat(MAX_TOKEN_BYTES + 1),
                TokenError::TooLarge(MAX_TOKEN_BYTES + 1),
            ),
        ];
        for (t, want) in cases {
            assert_eq!(decode(&t).unwrap_err(), want, "{t:.40}");
        }
        assert!(matches!(
            decode(&format!("{}.e30.AA", h("[]"))),
            Err(TokenError::Header(_))
        ));
    }

    #[test]
    fn debug_never_shows_signature_or_key() {
        let k = generate(Algorithm::EcdsaP256).unwrap();
        let signer = Signer::from_pem(&k.private_pem).unwrap();
        let token = signer.sign(&claims()).unwrap();
        let sig_part = token.rsplit('.').next().unwrap();
        assert!(!format!("{:?}", decode(&token).unwrap()).contains(sig_part));
        assert!(format!("{signer:?}").contains("REDACTED"));
    }
}
