//! The checks `sakr verify` prints, one per line, and the rotation's verify stage relies on:
//! kid, alg against key type, signature, issuer, time window, audience. Pure: the token, the
//! trusted keys and the clock come in as values.

use serde::Serialize;

use super::Decoded;
use crate::keys::PublicKey;
use crate::text::printable;

/// go-jose's `jwt.DefaultLeeway` (one minute, jwt/validation.go), which kube-apiserver's
/// validator applies to `exp`, `nbf` and `iat` through `Claims.Validate`
/// (`pkg/serviceaccount/claims.go`, `validator.Validate`).
pub const CLOCK_SKEW_SECONDS: i64 = 60;

/// Seconds from 0001-01-01 to 1970-01-01: Go's `time.Unix` adds this to a Unix time to get
/// its internal seconds (`unixToInternal` in time/time.go), wrapping on int64 overflow.
const GO_UNIX_TO_INTERNAL: i64 = 62_135_596_800;

/// The last second jiff (and the `human` clock) shows: 9999-12-31T23:59:59Z.
const LAST_SHOWN_SECOND: i64 = 253_402_300_799;

/// A `NumericDate` claim (`exp`, `nbf`, `iat`, `kubernetes.io/warnafter`) as go-jose reads it.
///
/// go-jose's `NumericDate.UnmarshalJSON` (jwt/claims.go) runs `strconv.ParseFloat` over the
/// raw JSON text, so any JSON number is accepted (integers, fractions, exponents) and anything
/// else — a string such as `"1700000000"`, a boolean, an array, an object — fails, which fails
/// `tok.Claims` and so the token. `null` leaves the pointer nil: the claim is absent. The float
/// becomes `NumericDate(f)`, Go's float-to-int64 conversion: truncation toward zero, and for
/// a value outside int64 an implementation-defined result (amd64: `math.MinInt64`; arm64:
/// saturation). `Time()` is `time.Unix(n, 0)`, whose internal seconds wrap near the int64
/// limits; on both architectures every such value lands in the distant past.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoDate {
    Absent,
    /// Not a JSON number: the JSON type found.
    NotANumber(&'static str),
    At {
        /// The JSON value as a float, as ParseFloat gives it.
        raw: f64,
        /// Unix seconds after Go's conversion (truncated).
        unix: i64,
        /// Go's internal seconds (`unix + GO_UNIX_TO_INTERNAL`, wrapping): what comparisons use.
        internal: i64,
        /// The conversion or `time.Unix` overflowed: the time is the distant past.
        wrapped: bool,
    },
}

impl GoDate {
    pub fn of(v: Option<&serde_json::Value>) -> GoDate {
        use serde_json::Value;
        let n = match v {
            None | Some(Value::Null) => return GoDate::Absent,
            Some(Value::Number(n)) => n,
            Some(Value::String(_)) => return GoDate::NotANumber("a string"),
            Some(Value::Bool(_)) => return GoDate::NotANumber("a boolean"),
            Some(Value::Array(_)) => return GoDate::NotANumber("an array"),
            Some(Value::Object(_)) => return GoDate::NotANumber("an object"),
        };
        // serde_json holds integers exactly; `as f64` rounds them to nearest as ParseFloat
        // rounds their text. Every JSON number serde_json accepts is finite.
        let raw = n.as_f64().unwrap_or(f64::NAN);
        const TWO_63: f64 = 9_223_372_036_854_775_808.0;
        let in_range = (-TWO_63..TWO_63).contains(&raw);
        // Out of range (or NaN, which cannot come from JSON): amd64's CVTTSD2SI result.
        let unix = if in_range { raw as i64 } else { i64::MIN };
        let (internal, overflow) = unix.overflowing_add(GO_UNIX_TO_INTERNAL);
        GoDate::At {
            raw,
            unix,
            internal,
            wrapped: !in_range || overflow,
        }
    }
}

/// Go's internal seconds of the Unix time `now` (a real clock never wraps).
fn go_internal(now: i64) -> i64 {
    now.saturating_add(GO_UNIX_TO_INTERNAL)
}

/// "in 3h05m" / "5m ago" style distance from `now` to a date, never overflowing.
fn distance(now: i64, unix: i64) -> (bool, String) {
    let d = i128::from(unix) - i128::from(now);
    let secs = i64::try_from(d.unsigned_abs()).unwrap_or(i64::MAX);
    (d >= 0, human_duration(secs))
}

/// What a NumericDate claim's value means, for a check's detail: the value when it is odd
/// (a fraction, an overflow) and how go-jose reads it.
fn odd_value_note(raw: f64, unix: i64, wrapped: bool) -> Option<String> {
    if wrapped {
        Some(format!(
            "{raw:e} is beyond what Go's int64 seconds and time.Unix hold: go-jose's time wraps to the distant past"
        ))
    } else if raw.fract() != 0.0 {
        Some(format!("{raw} is read as {unix} (go-jose truncates)"))
    } else {
        None
    }
}

/// The claims' JSON types kube-apiserver's decoding refuses: go-jose's `jwt.Claims`
/// (`iss`, `sub`, `jti` strings; `aud` a string or an array of strings) and kube's
/// `privateClaims` (`pkg/serviceaccount/claims.go`: `kubernetes.io` an object of
/// `namespace` string, `serviceaccount`/`pod`/`secret`/`node` objects of `name`/`uid`
/// strings, `warnafter` a NumericDate). Go's JSON decoding fails the whole token on any of
/// these, and `null` leaves a field empty. The first problem found, or `None`.
pub fn claim_type_problem(claims: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    fn kind(v: &Value) -> &'static str {
        match v {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
    let string_or_null = |path: &str, v: Option<&Value>| match v {
        None | Some(Value::Null | Value::String(_)) => None,
        Some(v) => Some(format!("{path} is {}, not a string", kind(v))),
    };
    for name in ["iss", "sub", "jti"] {
        if let Some(p) = string_or_null(name, claims.get(name)) {
            return Some(p);
        }
    }
    match claims.get("aud") {
        None | Some(Value::Null | Value::String(_)) => {}
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {}
        Some(Value::Array(_)) => return Some("aud is an array holding a non-string".into()),
        Some(v) => {
            return Some(format!(
                "aud is {}, not a string or an array of strings",
                kind(v)
            ));
        }
    }
    let k8s = match claims.get("kubernetes.io") {
        None | Some(Value::Null) => return None,
        Some(Value::Object(m)) => m,
        Some(v) => return Some(format!("kubernetes.io is {}, not an object", kind(v))),
    };
    if let Some(p) = string_or_null("kubernetes.io/namespace", k8s.get("namespace")) {
        return Some(p);
    }
    for field in ["serviceaccount", "pod", "secret", "node"] {
        match k8s.get(field) {
            None | Some(Value::Null) => {}
            Some(Value::Object(r)) => {
                for part in ["name", "uid"] {
                    let path = format!("kubernetes.io/{field}/{part}");
                    if let Some(p) = string_or_null(&path, r.get(part)) {
                        return Some(p);
                    }
                }
            }
            Some(v) => {
                return Some(format!(
                    "kubernetes.io/{field} is {}, not an object",
                    kind(v)
                ));
            }
        }
    }
    if let GoDate::NotANumber(what) = GoDate::of(k8s.get("warnafter")) {
        return Some(format!("kubernetes.io/warnafter is {what}, not a number"));
    }
    None
}

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
    // The kid is the token's own text: escaped wherever it is shown (issue 13).
    let kid = token.kid();
    let shown_kid = kid.map(printable);

    if let Some(problem) = token.header_problem() {
        push("header", false, problem);
    }

    if let Some(expected) = want.kid {
        push(
            "kid",
            kid == Some(expected),
            match &shown_kid {
                Some(k) if kid == Some(expected) => format!("{k} (as expected)"),
                Some(k) => format!("{k}, expected {}", printable(expected)),
                None => format!("token has no kid, expected {}", printable(expected)),
            },
        );
    }

    // kube-apiserver (`jwtTokenAuthenticator.AuthenticateToken`, pkg/serviceaccount/jwt.go)
    // asks its keys getter for the header's kid: a kid it does not hold finds no key ("invalid
    // signature, no keys found"); a token without a kid is tried against every key.
    let key = match kid {
        Some(k) => want.keys.iter().find(|p| p.kid() == k),
        None => want.keys.iter().find(|p| token.verify_with(p)),
    };
    let source = printable(want.keys_source);
    if !want.keys.is_empty() {
        push(
            "key",
            key.is_some(),
            match (&shown_kid, key) {
                (Some(k), Some(p)) => format!("{k} is {} from {source}", p.describe()),
                (Some(k), None) => format!(
                    "no key with kid {k} in {source} ({} keys: {})",
                    want.keys.len(),
                    want.keys
                        .iter()
                        .map(PublicKey::kid)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                (None, Some(p)) => format!(
                    "the token header has no kid; kube-apiserver tries every key, and {} ({}) from {source} signed it",
                    p.kid(),
                    p.describe()
                ),
                (None, None) => format!(
                    "the token header has no kid, and none of the {} keys from {source} signed it",
                    want.keys.len()
                ),
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
            match (ok, weak_rsa_bits(key)) {
                (true, None) => format!("valid for {}", key.kid()),
                (true, Some(bits)) => format!(
                    "valid for {} (a {bits}-bit RSA key, shorter than 2048 bits: kube-apiserver accepts it, but it is weak)",
                    key.kid()
                ),
                (false, _) => format!("does not verify with {}", key.kid()),
            },
        );
    }

    let claim_str = |name: &str| token.claims.get(name).and_then(|v| v.as_str());

    if let Some(problem) = claim_type_problem(&token.claims) {
        push(
            "claims",
            false,
            format!("{problem}: kube-apiserver cannot decode the claims and refuses the token"),
        );
    }

    if let Some(expected) = want.issuer {
        let iss = claim_str("iss");
        push(
            "iss",
            iss == Some(expected),
            match iss {
                Some(i) if i == expected => printable(i).into_owned(),
                Some(i) => format!("{}, expected {}", printable(i), printable(expected)),
                None => format!("no iss claim, expected {}", printable(expected)),
            },
        );
    }

    // go-jose `Claims.ValidateWithLeeway` (jwt/validation.go), called by kube's
    // `validator.Validate` with the default leeway: nbf fails when now+leeway is before it,
    // exp when now-leeway is after it, iat when now+leeway is before it; an absent claim is
    // not checked (legacy Secret tokens have no exp and never expire).
    let now_go = go_internal(now);
    let not_a_number = |name: &str, what: &str| {
        format!(
            "{name} is {what}, not a number: go-jose cannot read it and kube-apiserver refuses the token"
        )
    };
    match GoDate::of(token.claims.get("exp")) {
        GoDate::Absent => push(
            "exp",
            true,
            "no exp claim: the token never expires (as legacy Secret tokens; kube-apiserver accepts it)"
                .into(),
        ),
        GoDate::NotANumber(what) => push("exp", false, not_a_number("exp", what)),
        GoDate::At {
            raw,
            unix,
            internal,
            wrapped,
        } => {
            let ok = now_go - CLOCK_SKEW_SECONDS <= internal;
            let (future, dist) = distance(now, unix);
            let mut detail = if wrapped {
                "expired long ago".to_string()
            } else if unix > LAST_SHOWN_SECOND {
                "expires after the year 9999".to_string()
            } else if future {
                format!("expires in {dist}")
            } else if ok {
                format!("expired {dist} ago, within kube-apiserver's {CLOCK_SKEW_SECONDS}s leeway")
            } else {
                format!("expired {dist} ago")
            };
            if let Some(note) = odd_value_note(raw, unix, wrapped) {
                detail.push_str(&format!(" ({note})"));
            }
            push("exp", ok, detail);
        }
    }
    for name in ["nbf", "iat"] {
        match GoDate::of(token.claims.get(name)) {
            GoDate::Absent => {}
            GoDate::NotANumber(what) => push(name, false, not_a_number(name, what)),
            GoDate::At {
                raw,
                unix,
                internal,
                wrapped,
            } => {
                let ok = now_go + CLOCK_SKEW_SECONDS >= internal;
                let (future, dist) = distance(now, unix);
                let mut detail = match (name, wrapped || !future, ok) {
                    ("nbf", true, _) if wrapped => "valid since long ago".to_string(),
                    ("nbf", true, _) => format!("valid since {dist} ago"),
                    ("nbf", false, true) => format!(
                        "not valid for another {dist}, within kube-apiserver's {CLOCK_SKEW_SECONDS}s leeway"
                    ),
                    ("nbf", false, false) if unix > LAST_SHOWN_SECOND => {
                        "not valid before the year 9999".to_string()
                    }
                    ("nbf", false, false) => format!("not valid for another {dist}"),
                    (_, true, _) if wrapped => "issued long ago".to_string(),
                    (_, true, _) => format!("issued {dist} ago"),
                    (_, false, true) => format!(
                        "issued {dist} in the future, within kube-apiserver's {CLOCK_SKEW_SECONDS}s leeway"
                    ),
                    (_, false, false) if unix > LAST_SHOWN_SECOND => {
                        "issued after the year 9999: kube-apiserver refuses tokens issued in the future"
                            .to_string()
                    }
                    (_, false, false) => format!(
                        "issued {dist} in the future: kube-apiserver refuses tokens issued in the future"
                    ),
                };
                if let Some(note) = odd_value_note(raw, unix, wrapped) {
                    detail.push_str(&format!(" ({note})"));
                }
                push(name, ok, detail);
            }
        }
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
            format!(
                "{} (expected {})",
                printable(&auds.join(", ")),
                printable(expected)
            ),
        );
    }
    checks
}

/// The size of an RSA key shorter than 2048 bits. kube-apiserver (Go ≥ 1.24 `crypto/rsa`,
/// which refuses only keys under 1024 bits unless `GODEBUG=rsa1024min=0`) verifies tokens with
/// such a key, so sakr does too, and says what it is.
pub fn weak_rsa_bits(key: &PublicKey) -> Option<usize> {
    use rsa::traits::PublicKeyParts as _;
    match key {
        PublicKey::Rsa(k) if k.n().bits() < 2048 => Some(k.n().bits()),
        _ => None,
    }
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
            [
                "kid",
                "key",
                "alg",
                "signature",
                "iss",
                "exp",
                "nbf",
                "iat",
                "aud"
            ]
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
        // Minted in the future: its iat is too, which kube-apiserver refuses as well.
        let t = token(&new.private_pem, NOW + 1000, 600);
        assert_eq!(failed(&run(&t, &base, NOW)), ["nbf", "iat"]);
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

    /// A token with a raw header and raw claims JSON, signed (RFC 7797 input when the header
    /// has `"b64":false`) with `key`.
    fn raw_token(key: &crate::keys::secret::Secret, header: &str, claims: &str) -> String {
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let signer = Signer::from_pem(key).unwrap();
        let h = URL_SAFE_NO_PAD.encode(header);
        let p = URL_SAFE_NO_PAD.encode(claims);
        let input = if header.contains(r#""b64":false"#) {
            format!("{h}.{claims}")
        } else {
            format!("{h}.{p}")
        };
        let sig = signer.sign_input(input.as_bytes()).unwrap();
        format!("{h}.{p}.{}", URL_SAFE_NO_PAD.encode(sig))
    }

    fn check<'c>(checks: &'c [Check], name: &str) -> &'c Check {
        checks
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no {name} check in {checks:?}"))
    }

    struct Fixture {
        key: crate::keys::generate::GeneratedKey,
        keys: Vec<PublicKey>,
    }

    fn fixture() -> Fixture {
        let key = generate(Algorithm::EcdsaP256).unwrap();
        let keys = vec![key.public.clone()];
        Fixture { key, keys }
    }

    impl Fixture {
        fn header(&self, extra: &str) -> String {
            format!(
                r#"{{"alg":"ES256","kid":"{}"{extra}}}"#,
                self.key.public.kid()
            )
        }
        fn run(&self, header: &str, claims: &str) -> Vec<Check> {
            let t = decode(&raw_token(&self.key.private_pem, header, claims)).unwrap();
            run(
                &t,
                &Expectations {
                    keys: &self.keys,
                    keys_source: "--expect-key",
                    ..Default::default()
                },
                NOW,
            )
        }
    }

    /// go-jose v2 `DetachedVerify` (jws.go) + `getCritical` (shared.go): `crit` must be an
    /// array of strings naming only `b64` (`supportedCritical`); otherwise ErrCryptoFailure.
    #[test]
    fn crit_header_as_go_jose_reads_it() {
        let f = fixture();
        let claims = format!(r#"{{"exp":{}}}"#, NOW + 600);
        for (extra, ok) in [
            ("", true),
            (r#","crit":null"#, true),
            (r#","crit":[]"#, true),
            (r#","crit":["b64"]"#, true),
            (r#","crit":["b64"],"b64":true"#, true),
            (r#","crit":["exp"]"#, false),
            (r#","crit":["b64","http://example/ext"]"#, false),
            (r#","crit":"b64""#, false),
            (r#","crit":[1]"#, false),
            (r#","b64":"no""#, false),
        ] {
            let checks = f.run(&f.header(extra), &claims);
            assert_eq!(failed(&checks).is_empty(), ok, "{extra}: {checks:?}");
            if !ok {
                assert_eq!(failed(&checks), ["header"], "{extra}");
            }
        }
        let checks = f.run(&f.header(r#","crit":["exp"]"#), &claims);
        assert!(check(&checks, "header").detail.contains(r#""exp""#));
    }

    /// go-jose v2 `computeAuthData` (jws.go): `"b64": false` signs the payload bytes as they
    /// are (RFC 7797), with or without `crit`.
    #[test]
    fn unencoded_payload_signing_input() {
        let f = fixture();
        let claims = format!(r#"{{"exp":{}}}"#, NOW + 600);
        let checks = f.run(&f.header(r#","crit":["b64"],"b64":false"#), &claims);
        assert_eq!(failed(&checks), Vec::<&str>::new(), "{checks:?}");
        // The same token with b64 dropped from the header no longer verifies: the signature
        // covers the raw payload, not its base64url.
        use base64::Engine as _;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let tok = raw_token(&f.key.private_pem, &f.header(r#","b64":false"#), &claims);
        let sig = tok.rsplit('.').next().unwrap();
        let forged = format!(
            "{}.{}.{sig}",
            URL_SAFE_NO_PAD.encode(f.header("")),
            URL_SAFE_NO_PAD.encode(&claims)
        );
        assert!(!decode(&forged).unwrap().verify_with(&f.keys[0]));
    }

    /// go-jose `NumericDate.UnmarshalJSON` (jwt/claims.go): strconv.ParseFloat over the JSON
    /// text, then `NumericDate(f)` (Go truncates toward zero); anything but a number fails.
    #[test]
    fn time_claims_types_and_truncation() {
        let f = fixture();
        let h = f.header("");
        // Strings, booleans, arrays, objects: kube-apiserver refuses the token.
        for (claims, name, what) in [
            (r#"{"exp":"1800000600"}"#.to_string(), "exp", "a string"),
            (
                format!(r#"{{"exp":{},"nbf":true}}"#, NOW + 60),
                "nbf",
                "a boolean",
            ),
            (
                format!(r#"{{"exp":{},"iat":[1]}}"#, NOW + 60),
                "iat",
                "an array",
            ),
            (r#"{"exp":{"t":1}}"#.to_string(), "exp", "an object"),
        ] {
            let checks = f.run(&h, &claims);
            assert_eq!(failed(&checks), [name], "{claims}");
            assert!(check(&checks, name).detail.contains(what), "{claims}");
        }
        // null is an absent claim; no exp at all passes (legacy Secret tokens never expire).
        assert_eq!(
            failed(&f.run(&h, r#"{"exp":null,"nbf":null}"#)),
            Vec::<&str>::new()
        );
        assert_eq!(failed(&f.run(&h, r#"{"iss":"x"}"#)), Vec::<&str>::new());
        assert!(
            check(&f.run(&h, "{}"), "exp")
                .detail
                .contains("never expires")
        );
        // Floats: 1799999940.9 truncates to 1799999940 = NOW-60, the last accepted second;
        // 1799999939.9 truncates to NOW-61: expired (rounding would have made it NOW-60).
        let checks = f.run(&h, r#"{"exp":1799999940.9}"#);
        assert!(check(&checks, "exp").ok, "{checks:?}");
        assert!(check(&checks, "exp").detail.contains("read as 1799999940"));
        assert!(!check(&f.run(&h, r#"{"exp":1799999939.9}"#), "exp").ok);
        // Exponent notation is a number too.
        assert!(check(&f.run(&h, r#"{"exp":1.8000006e9}"#), "exp").ok);
    }

    /// Go converts an out-of-range float to int64 as the CPU does (amd64: MinInt64) and
    /// `time.Unix` wraps near the int64 limit: such times are the distant past. So a huge
    /// exp is expired and a huge nbf is no obstacle — what kube-apiserver does.
    #[test]
    fn overflowing_times_wrap_to_the_past_as_in_go() {
        let f = fixture();
        let h = f.header("");
        for exp in [
            "1e300",
            "-1e300",
            "9223372036854775808",
            "9223372036854775807",
            "18446744073709551615",
            "9223372036854775000",
        ] {
            let checks = f.run(&h, &format!(r#"{{"exp":{exp}}}"#));
            assert_eq!(failed(&checks), ["exp"], "{exp}: {checks:?}");
        }
        let checks = f.run(&h, r#"{"exp":1e300}"#);
        assert!(
            check(&checks, "exp")
                .detail
                .contains("beyond what Go's int64")
        );
        // Just below the wrap point (2^63 - 62135596800 - 1, rounded down to a float that
        // still fits): far in the future, not expired.
        let checks = f.run(&h, r#"{"exp":9223371974719178000}"#);
        assert!(check(&checks, "exp").ok, "{checks:?}");
        assert!(check(&checks, "exp").detail.contains("after the year 9999"));
        // nbf and iat beyond the wrap point: the distant past, so they pass.
        let claims = format!(r#"{{"exp":{},"nbf":1e300,"iat":9.3e18}}"#, NOW + 600);
        assert_eq!(failed(&f.run(&h, &claims)), Vec::<&str>::new());
        // A far-future nbf or iat that does not wrap: refused.
        let claims = format!(r#"{{"exp":{},"nbf":4e18}}"#, NOW + 600);
        assert_eq!(failed(&f.run(&h, &claims)), ["nbf"]);
        let claims = format!(r#"{{"exp":{},"iat":4e18}}"#, NOW + 600);
        assert_eq!(failed(&f.run(&h, &claims)), ["iat"]);
    }

    /// go-jose `ValidateWithLeeway` with `DefaultLeeway` (one minute): exp fails when
    /// now-60s is after it, nbf and iat when now+60s is before them.
    #[test]
    fn leeway_is_go_joses_default_minute() {
        let f = fixture();
        let h = f.header("");
        let at = |exp: i64, nbf: i64, iat: i64| {
            failed(&f.run(&h, &format!(r#"{{"exp":{exp},"nbf":{nbf},"iat":{iat}}}"#)))
        };
        assert_eq!(at(NOW - 60, NOW, NOW), Vec::<&str>::new());
        assert_eq!(at(NOW - 61, NOW, NOW), ["exp"]);
        assert_eq!(at(NOW + 600, NOW + 60, NOW + 60), Vec::<&str>::new());
        assert_eq!(at(NOW + 600, NOW + 61, NOW), ["nbf"]);
        assert_eq!(at(NOW + 600, NOW, NOW + 61), ["iat"]);
    }

    /// go-jose `jwt.Claims` and kube's `privateClaims` (pkg/serviceaccount/claims.go): a claim
    /// of the wrong JSON type fails decoding, so the token.
    #[test]
    fn claim_types_kube_cannot_decode() {
        let f = fixture();
        let h = f.header("");
        let exp = NOW + 600;
        for (extra, bad) in [
            (r#""iss":"https://x""#, false),
            (r#""iss":1"#, true),
            (r#""sub":["a"]"#, true),
            (r#""aud":"a""#, false),
            (r#""aud":["a","b"]"#, false),
            (r#""aud":["a",1]"#, true),
            (r#""aud":{}"#, true),
            (
                r#""kubernetes.io":{"namespace":"ns","serviceaccount":{"name":"sa","uid":"u"}}"#,
                false,
            ),
            (r#""kubernetes.io":"ns""#, true),
            (r#""kubernetes.io":{"namespace":7}"#, true),
            (r#""kubernetes.io":{"pod":{"name":1}}"#, true),
            (r#""kubernetes.io":{"warnafter":"soon"}"#, true),
            (r#""kubernetes.io":{"warnafter":1.8e9}"#, false),
        ] {
            let checks = f.run(&h, &format!(r#"{{"exp":{exp},{extra}}}"#));
            let want: Vec<&str> = if bad { vec!["claims"] } else { vec![] };
            assert_eq!(failed(&checks), want, "{extra}: {checks:?}");
        }
    }

    /// A token without a kid: kube-apiserver tries every key it holds (jwt.go,
    /// `GetPublicKeys("")` returns them all).
    #[test]
    fn no_kid_tries_every_key() {
        let a = generate(Algorithm::EcdsaP256).unwrap();
        let b = generate(Algorithm::EcdsaP256).unwrap();
        let claims = format!(r#"{{"exp":{}}}"#, NOW + 600);
        let t = decode(&raw_token(&b.private_pem, r#"{"alg":"ES256"}"#, &claims)).unwrap();
        let keys = [a.public.clone(), b.public.clone()];
        let want = Expectations {
            keys: &keys,
            keys_source: "--expect-key",
            ..Default::default()
        };
        let checks = run(&t, &want, NOW);
        assert_eq!(failed(&checks), Vec::<&str>::new(), "{checks:?}");
        assert!(check(&checks, "key").detail.contains(&b.public.kid()));
        let only_a = [a.public.clone()];
        let checks = run(
            &t,
            &Expectations {
                keys: &only_a,
                ..want
            },
            NOW,
        );
        assert_eq!(failed(&checks), ["key"]);
    }

    /// Kids, issuers and audiences are the token's text: control and layout characters come
    /// out escaped (issue 13).
    #[test]
    fn untrusted_text_in_details_is_escaped() {
        let f = fixture();
        let kid = "k\u{1b}[2J\u{2028}x";
        let h = format!(r#"{{"alg":"ES256","kid":"{}"}}"#, "k\\u001b[2J\\u2028x");
        let claims = format!(
            r#"{{"exp":{},"iss":"https://a\u001b]0;pwned\u0007","aud":"v\u2028"}}"#,
            NOW + 600
        );
        let t = decode(&raw_token(&f.key.private_pem, &h, &claims)).unwrap();
        assert_eq!(t.kid(), Some(kid));
        let checks = run(
            &t,
            &Expectations {
                keys: &f.keys,
                keys_source: "--expect-key",
                kid: Some("expected"),
                issuer: Some("https://a"),
                audience: Some("v"),
            },
            NOW,
        );
        for c in &checks {
            assert!(
                !c.detail.chars().any(crate::text::is_unsafe_char),
                "{}: {:?}",
                c.name,
                c.detail
            );
        }
        assert!(
            check(&checks, "kid")
                .detail
                .contains(r"k\u{001B}[2J\u{2028}x")
        );
        assert!(
            check(&checks, "iss")
                .detail
                .contains(r"\u{001B}]0;pwned\u{0007}")
        );
        assert!(check(&checks, "aud").detail.contains(r"v\u{2028}"));
    }

    #[test]
    fn human_duration_never_overflows() {
        assert_eq!(human_duration(i64::MIN), "106751991167300d15h");
        assert_eq!(human_duration(i64::MAX), "106751991167300d15h");
        assert_eq!(human_duration(90), "90s");
        assert!(!distance(i64::MAX, i64::MIN).0);
        assert!(distance(i64::MIN, i64::MAX).0);
    }

    /// RSA keys above aws-lc-rs's 8192-bit ceiling: Go's crypto/rsa has no upper bound, so
    /// kube-apiserver verifies with them and sakr does too (the `rsa` crate). Key made by
    /// `openssl genrsa 8704`, token (no kid, exp NOW+600) by PyJWT.
    #[test]
    fn rsa_keys_above_8192_bits_verify() {
        let key = crate::keys::parse_pem_file(include_bytes!("testdata/rsa-8704.pub"))
            .unwrap()
            .blocks[0]
            .key
            .clone();
        assert_eq!(key.describe(), "RSA 8704");
        let token = include_str!("testdata/rsa-8704.token");
        let keys = [key.clone()];
        let want = Expectations {
            keys: &keys,
            keys_source: "--expect-key",
            issuer: Some("https://big.example"),
            ..Default::default()
        };
        let t = decode(token).unwrap();
        assert_eq!(failed(&run(&t, &want, NOW)), Vec::<&str>::new());
        // One flipped signature bit: refused.
        let mut bad = token.trim().to_string();
        let last = bad.pop().unwrap();
        bad.push(if last == 'A' { 'B' } else { 'A' });
        assert!(!decode(&bad).unwrap().verify_with(&key));
    }
}
