//! The checks `sakr verify` prints, one per line, and the rotation's verify stage relies on:
//! kid, alg against key type, signature, issuer, time window, audience. Pure: the token, the
//! trusted keys and the clock come in as values.

use serde::Serialize;

use super::Decoded;
use crate::keys::PublicKey;

/// go-jose's default leeway, which kube-apiserver's validator uses for `exp`/`nbf`/`iat`.
pub const CLOCK_SKEW_SECONDS: i64 = 60;

#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: &'static str,
    pub ok: bool,
    pub detail: String,
}

/// What the token is expected to be.
#[derive(Debug, Clone, Default)]
pub struct Expectations<'a> {
    /// The keys it may be signed with (from --expect-key files or a JWKS).
    pub keys: &'a [PublicKey],
    /// Where `keys` came from, for messages: "--expect-key", "JWKS https://…".
    pub keys_source: &'a str,
    /// --expect-kid.
    pub kid: Option<&'a str>,
    pub issuer: Option<&'a str>,
    pub audience: Option<&'a str>,
}

pub fn run(token: &Decoded, want: &Expectations<'_>, now: i64) -> Vec<Check> {
    let mut checks = Vec::new();
    let mut push = |name, ok, detail: String| checks.push(Check { name, ok, detail });
    let kid = token.kid();

    if let Some(expected) = want.kid {
        push(
            "kid",
            kid == Some(expected),
            match kid {
                Some(k) if k == expected => format!("{k} (as expected)"),
                Some(k) => format!("{k}, expected {expected}"),
                None => format!("token has no kid, expected {expected}"),
            },
        );
    }

    let key = kid.and_then(|k| want.keys.iter().find(|p| p.kid() == k));
    if !want.keys.is_empty() {
        push(
            "key",
            key.is_some(),
            match (kid, key) {
                (Some(k), Some(p)) => format!("{k} is {} from {}", p.describe(), want.keys_source),
                (Some(k), None) => format!(
                    "no key with kid {k} in {} ({} keys: {})",
                    want.keys_source,
                    want.keys.len(),
                    want.keys
                        .iter()
                        .map(PublicKey::kid)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (None, _) => "the token header has no kid (kube-apiserver always sets one)".into(),
            },
        );
    }
    if let Some(key) = key {
        push(
            "alg",
            key.alg() == token.alg,
            format!(
                "header {} for a {} key (signs {})",
                token.alg,
                key.describe(),
                key.alg()
            ),
        );
        let ok = token.verify_with(key);
        push(
            "signature",
            ok,
            if ok {
                format!("valid for {}", key.kid())
            } else {
                format!("does not verify with {}", key.kid())
            },
        );
    }

    let claim_str = |name: &str| token.claims.get(name).and_then(|v| v.as_str());
    let claim_i64 = |name: &str| token.claims.get(name).and_then(|v| v.as_i64());

    if let Some(expected) = want.issuer {
        let iss = claim_str("iss");
        push(
            "iss",
            iss == Some(expected),
            match iss {
                Some(i) if i == expected => i.to_string(),
                Some(i) => format!("{i}, expected {expected}"),
                None => format!("no iss claim, expected {expected}"),
            },
        );
    }

    match claim_i64("exp") {
        Some(exp) => push(
            "exp",
            now <= exp + CLOCK_SKEW_SECONDS,
            if now <= exp {
                format!("expires in {}", human_duration(exp - now))
            } else {
                format!("expired {} ago", human_duration(now - exp))
            },
        ),
        None => push("exp", false, "no exp claim".into()),
    }
    if let Some(nbf) = claim_i64("nbf") {
        push(
            "nbf",
            now + CLOCK_SKEW_SECONDS >= nbf,
            if now >= nbf {
                format!("valid since {} ago", human_duration(now - nbf))
            } else {
                format!("not valid for another {}", human_duration(nbf - now))
            },
        );
    }

    if let Some(expected) = want.audience {
        let auds: Vec<&str> = match token.claims.get("aud") {
            Some(serde_json::Value::String(s)) => vec![s.as_str()],
            Some(serde_json::Value::Array(a)) => a.iter().filter_map(|v| v.as_str()).collect(),
            _ => Vec::new(),
        };
        push(
            "aud",
            auds.contains(&expected),
            format!("{} (expected {expected})", auds.join(", ")),
        );
    }
    checks
}

pub fn human_duration(secs: i64) -> String {
    let s = secs.unsigned_abs();
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{}h", s / 86_400, (s % 86_400) / 3600),
    }
}

/// The claims worth showing an operator, in a stable order.
pub fn claims_of_interest(token: &Decoded) -> serde_json::Map<String, serde_json::Value> {
    let mut out = serde_json::Map::new();
    for name in ["iss", "sub", "aud", "iat", "nbf", "exp"] {
        if let Some(v) = token.claims.get(name) {
            out.insert(name.to_string(), v.clone());
        }
    }
    if let Some(k8s) = token.claims.get("kubernetes.io") {
        for field in ["namespace", "serviceaccount", "pod", "node", "warnafter"] {
            if let Some(v) = k8s.get(field) {
                out.insert(format!("kubernetes.io/{field}"), v.clone());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::generate::{Algorithm, generate};
    use crate::token::{ClaimsSpec, Signer, decode, kube_claims};

    const NOW: i64 = 1_800_000_000;

    fn token(key: &crate::keys::secret::Secret, now: i64, ttl: i64) -> Decoded {
        let aud = ["api".to_string()];
        let claims = kube_claims(&ClaimsSpec {
            issuer: "https://issuer.example",
            audiences: &aud,
            namespace: "ns",
            service_account: "sa",
            service_account_uid: "u",
            pod: Some(("p", "pu")),
            now,
            ttl_seconds: ttl,
        });
        decode(&Signer::from_pem(key).unwrap().sign(&claims).unwrap()).unwrap()
    }

    fn failed(checks: &[Check]) -> Vec<&'static str> {
        checks.iter().filter(|c| !c.ok).map(|c| c.name).collect()
    }

    #[test]
    fn a_good_token_passes_every_check() {
        let k = generate(Algorithm::EcdsaP256).unwrap();
        let t = token(&k.private_pem, NOW - 10, 3600);
        let keys = [k.public.clone()];
        let kid = k.public.kid();
        let checks = run(
            &t,
            &Expectations {
                keys: &keys,
                keys_source: "--expect-key",
                kid: Some(&kid),
                issuer: Some("https://issuer.example"),
                audience: Some("api"),
            },
            NOW,
        );
        assert_eq!(failed(&checks), Vec::<&str>::new());
        let names: Vec<_> = checks.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            ["kid", "key", "alg", "signature", "iss", "exp", "nbf", "aud"]
        );
    }

    #[test]
    fn each_failure_is_named() {
        let old = generate(Algorithm::EcdsaP256).unwrap();
        let new = generate(Algorithm::EcdsaP256).unwrap();
        let keys = [new.public.clone()];
        let base = Expectations {
            keys: &keys,
            keys_source: "--expect-key",
            ..Default::default()
        };
        // Signed with the old key while the new one is expected.
        assert_eq!(
            failed(&run(&token(&old.private_pem, NOW, 600), &base, NOW)),
            ["key"]
        );
        // Expired beyond the skew; not yet valid beyond the skew.
        let t = token(&new.private_pem, NOW - 1000, 600);
        assert_eq!(failed(&run(&t, &base, NOW)), ["exp"]);
        let t = token(&new.private_pem, NOW + 1000, 600);
        assert_eq!(failed(&run(&t, &base, NOW)), ["nbf"]);
        // Within the skew: accepted.
        let t = token(&new.private_pem, NOW - 630, 600);
        assert_eq!(failed(&run(&t, &base, NOW)), Vec::<&str>::new());
        // Wrong issuer and audience.
        let t = token(&new.private_pem, NOW, 600);
        let want = Expectations {
            issuer: Some("https://other"),
            audience: Some("vault"),
            ..base.clone()
        };
        assert_eq!(failed(&run(&t, &want, NOW)), ["iss", "aud"]);
    }
}
