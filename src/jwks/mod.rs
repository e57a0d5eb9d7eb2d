//! JWK / JWKS documents exactly as kube-apiserver serves them at `/openid/v1/jwks` (DESIGN §2.3),
//! and validation of JWKS documents sakr did not write. Pure: no I/O.
//!
//! kube-apiserver serialises go-jose `JSONWebKey`s, whose field order is `use, kty, kid, crv,
//! alg, x, y, n, e`; EC coordinates are left-padded to the curve size, RSA `n`/`e` are minimal
//! big-endian. The output type here is a plain serde struct in that order (`jsonwebkey` orders
//! fields differently and only knows P-256), and it has no field for a private parameter at all,
//! so no input can make one appear in the output.

pub mod discovery;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use elliptic_curve::sec1::ToEncodedPoint as _;
use rsa::traits::PublicKeyParts as _;
use serde::{Deserialize, Serialize};

use crate::keys::PublicKey;

/// One JWKS entry, fields in kube-apiserver's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwk {
    #[serde(rename = "use")]
    pub use_: &'static str,
    pub kty: &'static str,
    pub kid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub crv: Option<&'static str>,
    pub alg: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub x: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub y: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub e: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

impl Jwk {
    pub fn from_key(key: &PublicKey) -> Jwk {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        let (kty, crv, x, y, n, e) = match key {
            PublicKey::Rsa(k) => (
                "RSA",
                None,
                None,
                None,
                Some(b64(&k.n().to_bytes_be())),
                Some(b64(&k.e().to_bytes_be())),
            ),
            // Uncompressed SEC1 points are fixed-width, so x and y come out left-padded to the
            // field size (32/48/66 bytes) exactly as go-jose pads them.
            PublicKey::P256(k) => {
                let p = k.to_encoded_point(false);
                ec("P-256", p.x(), p.y())
            }
            PublicKey::P384(k) => {
                let p = k.to_encoded_point(false);
                ec("P-384", p.x(), p.y())
            }
            PublicKey::P521(k) => {
                let p = k.to_encoded_point(false);
                ec("P-521", p.x(), p.y())
            }
        };
        Jwk {
            use_: "sig",
            kty,
            kid: key.kid(),
            crv,
            alg: key.alg().as_str(),
            x,
            y,
            n,
            e,
        }
    }
}

type EcParts = (
    &'static str,
    Option<&'static str>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn ec<T: AsRef<[u8]>>(crv: &'static str, x: Option<T>, y: Option<T>) -> EcParts {
    let b64 = |b: Option<T>| b.map(|b| URL_SAFE_NO_PAD.encode(b.as_ref()));
    ("EC", Some(crv), b64(x), b64(y), None, None)
}

impl Jwks {
    /// The JWKS of `keys` in order, de-duplicated by kid (first wins). Returns the kids that were
    /// dropped as duplicates so the caller can say so.
    pub fn from_keys<'a>(keys: impl IntoIterator<Item = &'a PublicKey>) -> (Jwks, Vec<String>) {
        let mut out = Vec::new();
        let mut dups = Vec::new();
        for key in keys {
            let jwk = Jwk::from_key(key);
            if out.iter().any(|j: &Jwk| j.kid == jwk.kid) {
                dups.push(jwk.kid);
            } else {
                out.push(jwk);
            }
        }
        (Jwks { keys: out }, dups)
    }

    /// The JWKS of keys named by someone else (an external signer's `FetchKeys`): each entry
    /// carries the kid given, as kube-apiserver publishes it. De-duplicated by kid.
    pub fn from_named<'a>(keys: impl IntoIterator<Item = (&'a str, &'a PublicKey)>) -> Jwks {
        let mut out: Vec<Jwk> = Vec::new();
        for (kid, key) in keys {
            if out.iter().any(|j| j.kid == kid) {
                continue;
            }
            let mut jwk = Jwk::from_key(key);
            jwk.kid = kid.to_string();
            out.push(jwk);
        }
        Jwks { keys: out }
    }

    /// Compact JSON, byte-identical to kube-apiserver's (no trailing newline).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("serialising a JWKS of strings")
    }

    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("serialising a JWKS of strings")
    }

    pub fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|k| k.kid.as_str()).collect()
    }
}

/// Why a JWKS document sakr was given cannot be trusted. Entries are named by their 0-based
/// index in `keys` and, where it has one, their kid.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum JwksError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not a JWKS: expected an object with a `keys` array")]
    NotJwks,
    #[error("keys[{index}]{kid}: {reason}")]
    Entry {
        index: usize,
        kid: String,
        reason: String,
    },
}

/// A validated entry of an existing JWKS: its key material, from which sakr re-derives the
/// entry (so the output is canonical and private parameters are never carried over).
#[derive(Debug, Clone)]
pub struct ParsedEntry {
    pub key: PublicKey,
    /// The entry held private parameters (`d`, `p`, …): a published JWKS must never do so.
    pub had_private_params: bool,
}

#[derive(Deserialize)]
struct RawJwks {
    keys: Vec<serde_json::Value>,
}

const PRIVATE_PARAMS: [&str; 8] = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/// Parse and validate a JWKS: every entry must be an RSA or EC (P-256/384/521) signing key whose
/// `kid`, when present, matches its key material (as kube computes it) and whose `alg`, when
/// present, matches its key type.
pub fn parse(bytes: &[u8]) -> Result<Vec<ParsedEntry>, JwksError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| JwksError::Json(e.to_string()))?;
    let raw: RawJwks = serde_json::from_value(value).map_err(|_| JwksError::NotJwks)?;
    raw.keys
        .iter()
        .enumerate()
        .map(|(index, v)| {
            parse_entry(v).map_err(|reason| {
                let kid = v
                    .get("kid")
                    .and_then(|k| k.as_str())
                    .map(|k| format!(" (kid {k})"))
                    .unwrap_or_default();
                JwksError::Entry { index, kid, reason }
            })
        })
        .collect()
}

fn parse_entry(v: &serde_json::Value) -> Result<ParsedEntry, String> {
    let obj = v.as_object().ok_or("not a JSON object")?;
    let field = |name: &str| -> Result<Option<&str>, String> {
        match obj.get(name) {
            None => Ok(None),
            Some(serde_json::Value::String(s)) => Ok(Some(s.as_str())),
            Some(_) => Err(format!("`{name}` is not a string")),
        }
    };
    let required = |name: &str| -> Result<&str, String> {
        field(name)?.ok_or_else(|| format!("missing `{name}`"))
    };
    let bytes = |name: &str| -> Result<Vec<u8>, String> {
        URL_SAFE_NO_PAD
            .decode(required(name)?)
            .map_err(|e| format!("`{name}` is not unpadded base64url: {e}"))
    };
    let kty = required("kty")?;
    let key = match kty {
        "RSA" => crate::keys::parse::rsa_public(&bytes("n")?, &bytes("e")?)
            .map_err(|p| format!("RSA key {p}"))?,
        "EC" => {
            let crv = required("crv")?;
            let (x, y) = (bytes("x")?, bytes("y")?);
            let size = match crv {
                "P-256" => 32,
                "P-384" => 48,
                "P-521" => 66,
                other => return Err(format!("unsupported curve `{other}`")),
            };
            if x.len() != size || y.len() != size {
                return Err(format!(
                    "`x`/`y` must be {size} bytes for {crv} (got {} and {})",
                    x.len(),
                    y.len()
                ));
            }
            let mut point = vec![0x04];
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            let bad = |e: elliptic_curve::Error| format!("not a point on {crv}: {e}");
            match crv {
                "P-256" => PublicKey::P256(p256::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                "P-384" => PublicKey::P384(p384::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
                _ => PublicKey::P521(p521::PublicKey::from_sec1_bytes(&point).map_err(bad)?),
            }
        }
        other => return Err(format!("unsupported `kty` `{other}` (RSA or EC only)")),
    };
    if let Some(u) = field("use")?
        && u != "sig"
    {
        return Err(format!("`use` is `{u}`, not `sig`"));
    }
    if let Some(alg) = field("alg")?
        && alg != key.alg().as_str()
    {
        return Err(format!(
            "`alg` is `{alg}` but the key is {} (kube-apiserver signs it with {})",
            key.describe(),
            key.alg()
        ));
    }
    match field("kid")? {
        None => return Err("missing `kid`".into()),
        Some(kid) if kid != key.kid() => {
            return Err(format!(
                "`kid` does not match the key material (kube-apiserver computes {})",
                key.kid()
            ));
        }
        Some(_) => {}
    }
    let had_private_params = PRIVATE_PARAMS.iter().any(|p| obj.contains_key(*p));
    Ok(ParsedEntry {
        key,
        had_private_params,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::parse_pem_file;

    fn key(bytes: &[u8]) -> PublicKey {
        parse_pem_file(bytes).unwrap().blocks[0].key.clone()
    }

    // Kubernetes' own vector: openidmetadata_test.go, TestNewOpenIDMetadata "valid inputs".
    #[test]
    fn byte_identical_to_kube_apiserver() {
        let keys = [
            key(include_bytes!("../../tests/fixtures/k8s/rsa.pub")),
            key(include_bytes!("../../tests/fixtures/k8s/ecdsa.pub")),
        ];
        let (jwks, dups) = Jwks::from_keys(&keys);
        assert!(dups.is_empty());
        assert_eq!(
            jwks.to_json(),
            include_str!("../../tests/fixtures/k8s/expected-jwks.json")
        );
    }

    #[test]
    fn private_inputs_publish_only_public_halves() {
        // "response only contains public keys, even when private keys are provided"
        let keys = [
            key(include_bytes!("../../tests/fixtures/k8s/rsa.key")),
            key(include_bytes!("../../tests/fixtures/k8s/ecdsa.key")),
        ];
        assert_eq!(
            Jwks::from_keys(&keys).0.to_json(),
            include_str!("../../tests/fixtures/k8s/expected-jwks.json")
        );
    }

    #[test]
    fn duplicates_keep_the_first() {
        let k = key(include_bytes!("../../tests/fixtures/k8s/rsa.pub"));
        let (jwks, dups) = Jwks::from_keys([&k, &k]);
        assert_eq!(jwks.keys.len(), 1);
        assert_eq!(dups, vec![k.kid()]);
    }

    #[test]
    fn parse_round_trips_kube_output() {
        let entries = parse(include_bytes!(
            "../../tests/fixtures/k8s/expected-jwks.json"
        ))
        .unwrap();
        let keys: Vec<_> = entries.iter().map(|e| e.key.clone()).collect();
        assert_eq!(
            Jwks::from_keys(&keys).0.to_json(),
            include_str!("../../tests/fixtures/k8s/expected-jwks.json")
        );
    }

    #[test]
    fn parse_rejects_a_kid_that_lies() {
        let text = include_str!("../../tests/fixtures/k8s/expected-jwks.json")
            .replace("JHJehTTTZ", "XXXXXXXXX");
        let err = parse(text.as_bytes()).unwrap_err();
        assert!(
            matches!(&err, JwksError::Entry { index: 0, reason, .. } if reason.contains("does not match")),
            "{err}"
        );
    }

    #[test]
    fn parse_names_the_bad_entry() {
        let cases: &[(&str, &str)] = &[
            ("{", "not valid JSON"),
            ("[]", "not a JWKS"),
            (
                r#"{"keys":[{"kty":"oct","k":"AA","kid":"a"}]}"#,
                "unsupported `kty`",
            ),
            (
                r#"{"keys":[{"kty":"RSA","kid":"a","e":"AQAB"}]}"#,
                "missing `n`",
            ),
            (
                r#"{"keys":[{"kty":"EC","crv":"P-256","kid":"a","x":"AA","y":"AA"}]}"#,
                "must be 32 bytes",
            ),
            (
                r#"{"keys":[{"kty":"EC","crv":"secp256k1","kid":"a","x":"AA","y":"AA"}]}"#,
                "unsupported curve",
            ),
            (r#"{"keys":[1]}"#, "not a JSON object"),
        ];
        for (doc, want) in cases {
            let err = parse(doc.as_bytes()).unwrap_err().to_string();
            assert!(err.contains(want), "{doc}: {err}");
        }
    }
}

#[cfg(test)]
mod properties {
    //! DESIGN §5: for arbitrary key sets — public and private inputs mixed, plus existing JWKS
    //! documents that (wrongly) carry private parameters — the output never holds `d`, `p`,
    //! `q`, `dp`, `dq` or `qi`, and the kids come out in input order, de-duplicated.
    use std::sync::OnceLock;

    use pkcs8::der::{Decode as _, Encode as _};
    use proptest::prelude::*;

    use super::*;
    use crate::keys::generate::{Algorithm, generate};
    use crate::keys::{parse_pem_file, pem_encode};

    /// Every PEM form of a handful of keys: (pem, kid).
    fn pool() -> &'static Vec<(String, String)> {
        static POOL: OnceLock<Vec<(String, String)>> = OnceLock::new();
        POOL.get_or_init(|| {
            let mut out = Vec::new();
            for alg in [
                Algorithm::Rsa2048,
                Algorithm::EcdsaP256,
                Algorithm::EcdsaP384,
                Algorithm::EcdsaP521,
            ] {
                let k = generate(alg).unwrap();
                let kid = k.public.kid();
                let private = String::from_utf8(k.private_pem.expose().to_vec()).unwrap();
                let der = pem::parse(&private).unwrap().into_contents();
                // The same private key wrapped as PKCS#8 `PRIVATE KEY`.
                let pkcs8 = if alg.is_rsa() {
                    pkcs8::PrivateKeyInfo::new(
                        pkcs8::AlgorithmIdentifierRef {
                            oid: pkcs8::ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1"),
                            parameters: Some(pkcs8::der::asn1::AnyRef::NULL),
                        },
                        &der,
                    )
                    .to_der()
                    .unwrap()
                } else {
                    let sec1 = sec1::EcPrivateKey::from_der(&der).unwrap();
                    let curve = sec1.parameters.unwrap().named_curve().unwrap();
                    let inner = sec1::EcPrivateKey {
                        parameters: None,
                        ..sec1
                    }
                    .to_der()
                    .unwrap();
                    pkcs8::PrivateKeyInfo::new(
                        pkcs8::AlgorithmIdentifierRef {
                            oid: pkcs8::ObjectIdentifier::new_unwrap("1.2.840.10045.2.1"),
                            parameters: Some((&curve).into()),
                        },
                        &inner,
                    )
                    .to_der()
                    .unwrap()
                };
                out.push((pem_encode("PRIVATE KEY", pkcs8), kid.clone()));
                out.push((private, kid.clone()));
                out.push((k.public.to_pem(), kid));
            }
            out
        })
    }

    /// A JWKS for `keys` with every private parameter name injected into every entry.
    fn leaky_jwks(keys: &[PublicKey]) -> String {
        let mut doc = serde_json::to_value(Jwks::from_keys(keys).0).unwrap();
        for entry in doc["keys"].as_array_mut().unwrap() {
            for p in PRIVATE_PARAMS {
                entry[p] = serde_json::Value::String("AQAB".into());
            }
        }
        doc.to_string()
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

        #[test]
        fn output_never_holds_private_parameters(
            picks in proptest::collection::vec(0usize..12, 1..10),
            existing in proptest::collection::vec(0usize..12, 0..4),
            pretty in any::<bool>(),
        ) {
            let pool = pool();
            let pick_keys = |idx: &[usize]| -> Vec<PublicKey> {
                idx.iter()
                    .map(|&i| parse_pem_file(pool[i].0.as_bytes()).unwrap().blocks[0].key.clone())
                    .collect()
            };
            let mut keys: Vec<PublicKey> = parse(leaky_jwks(&pick_keys(&existing)).as_bytes())
                .unwrap()
                .into_iter()
                .map(|e| e.key)
                .collect();
            keys.extend(pick_keys(&picks));
            let (set, _) = Jwks::from_keys(&keys);
            let text = if pretty { set.to_json_pretty() } else { set.to_json() };
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            for entry in doc["keys"].as_array().unwrap() {
                for p in ["d", "p", "q", "dp", "dq", "qi", "oth", "k"] {
                    prop_assert!(entry.get(p).is_none(), "{p} in {entry}");
                }
            }
            let mut want: Vec<&str> = Vec::new();
            for i in existing.iter().chain(&picks) {
                let kid = pool[*i].1.as_str();
                if !want.contains(&kid) {
                    want.push(kid);
                }
            }
            prop_assert_eq!(set.kids(), want);
        }

        #[test]
        fn parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = parse(&bytes);
        }

        #[test]
        fn parse_never_panics_on_jwk_shaped_json(
            kty in prop_oneof![Just("RSA".to_string()), Just("EC".to_string()), Just("OKP".to_string()), ".*"],
            crv in prop_oneof![Just("P-256".to_string()), Just("P-521".to_string()), ".*"],
            x in "[A-Za-z0-9_-]{0,100}",
            n in "[A-Za-z0-9_-]{0,400}",
        ) {
            let doc = serde_json::json!({"keys":[{"kty":kty,"crv":crv,"x":x,"y":x,"n":n,"e":"AQAB","kid":"k"}]});
            let _ = parse(doc.to_string().as_bytes());
        }
    }
}
