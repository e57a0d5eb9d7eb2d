//! ServiceAccounts and TokenReview in the fake kube-apiserver (see fake_apiserver.rs).
//!
//! `GET /api/v1/namespaces/{ns}/serviceaccounts/{name}` answers a v1 ServiceAccount whose
//! `metadata.uid` is the one the fake's TokenRequest puts in `kubernetes.io.serviceaccount.uid`.
//!
//! `POST /apis/authentication.k8s.io/v1/tokenreviews` judges `spec.token` as kube-apiserver
//! does for a bearer token (`pkg/registry/authentication/tokenreview/storage.go`, which runs
//! the request authenticator on it, and `pkg/serviceaccount/jwt.go` + `claims.go`, the
//! ServiceAccount token authenticator), with the keys and issuer of the apiserver asked:
//!
//! 1. a token that is no JWS, or whose `iss` is not this apiserver's issuer, is not a
//!    ServiceAccount token here: no authenticator claims it, the error is
//!    `invalid bearer token` alone;
//! 2. the signature: the keys whose kid is the header's (every key without a kid); none is
//!    `invalid signature, no keys found`, no valid signature go-jose's `ErrCryptoFailure`
//!    (also for a `crit` header go-jose refuses before looking at the signature);
//! 3. audiences: the token's `aud` (the issuer if empty) intersected with `spec.audiences`,
//!    or with the apiserver's audiences (`--api-audiences` defaults to the issuer) when none
//!    are asked; an empty intersection is refused with kube's message;
//! 4. `exp` and `nbf` with go-jose's one minute of leeway;
//! 5. the ServiceAccount of the `kubernetes.io` claims exists with the claimed UID, and a
//!    bound pod exists with its claimed UID.
//!
//! The answer is 201 with the TokenReview as kube-apiserver re-encodes it (`metadata:
//! {creationTimestamp: null}`, the spec with the token) and a status: the user, groups (with
//! `system:authenticated`, which kube-apiserver's group adder appends), extra and the matched
//! audiences; or `user: {}` and `error: "[invalid bearer token, REASON]"`, as kube-apiserver's
//! union authenticator joins the errors. A body that is not a TokenReview, or one without a
//! token, is 400.

use hyper::StatusCode;
use sakr::keys::PublicKey;
use serde_json::{Value, json};

use super::fake_apiserver::{FakePod, uid};
use super::fake_node_pods::status_json;

/// go-jose's `jwt.DefaultLeeway`: one minute either side of `exp` and `nbf`.
const LEEWAY: f64 = 60.0;
/// go-jose's `ErrCryptoFailure`, as kube-apiserver's vendored go-jose v2 words it.
const CRYPTO_FAILURE: &str = "go-jose/go-jose: error in cryptographic primitive";

fn failure(code: StatusCode, reason: &str, message: &str, details: Value) -> (StatusCode, Value) {
    let mut v = status_json(code.as_u16(), reason, message);
    if !details.is_null() {
        v["details"] = details;
    }
    (code, v)
}

fn sa_not_found(name: &str) -> String {
    format!("serviceaccounts \"{name}\" not found")
}

/// `GET /api/v1/namespaces/{ns}/serviceaccounts/{name}`.
pub fn service_account(
    service_accounts: &[(String, String)],
    created: &str,
    ns: &str,
    name: &str,
) -> (StatusCode, Value) {
    match service_accounts
        .iter()
        .position(|(n, s)| n == ns && s == name)
    {
        Some(i) => (
            StatusCode::OK,
            json!({
                "kind": "ServiceAccount",
                "apiVersion": "v1",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "uid": uid(name),
                    "resourceVersion": (i + 10).to_string(),
                    "creationTimestamp": created,
                },
            }),
        ),
        None => failure(
            StatusCode::NOT_FOUND,
            "NotFound",
            &sa_not_found(name),
            json!({"name": name, "kind": "serviceaccounts"}),
        ),
    }
}

/// What one apiserver authenticates with, and the objects it looks up.
pub struct Authority<'a> {
    /// Its `--service-account-key-file` keys.
    pub keys: &'a [PublicKey],
    /// Its `--service-account-issuer`; also its API audience.
    pub issuer: &'a str,
    pub service_accounts: &'a [(String, String)],
    pub pods: &'a [FakePod],
}

/// `POST /apis/authentication.k8s.io/v1/tokenreviews`.
pub fn token_review(authority: &Authority<'_>, body: &[u8]) -> (StatusCode, Value) {
    let Ok(tr) = serde_json::from_slice::<Value>(body) else {
        return failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "the body of the request was in an unknown format",
            Value::Null,
        );
    };
    if tr["kind"] != "TokenReview" || tr["apiVersion"] != "authentication.k8s.io/v1" {
        return failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "expected an authentication.k8s.io/v1 TokenReview",
            Value::Null,
        );
    }
    let token = tr["spec"]["token"].as_str().unwrap_or_default();
    if token.is_empty() {
        return failure(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "token is required for TokenReview in authentication",
            Value::Null,
        );
    }
    let requested: Vec<String> = tr["spec"]["audiences"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    // The spec as kube-apiserver re-encodes it: `audiences` omitted when empty.
    let mut spec = json!({"token": token});
    if !requested.is_empty() {
        spec["audiences"] = json!(requested);
    }
    let status = match authenticate(authority, token, &requested) {
        Ok((user, audiences)) => json!({
            "authenticated": true,
            "user": user,
            "audiences": audiences,
        }),
        Err(reason) => json!({
            "user": {},
            "error": match reason {
                Some(r) => format!("[invalid bearer token, {r}]"),
                None => "invalid bearer token".to_string(),
            },
        }),
    };
    (
        StatusCode::CREATED,
        json!({
            "kind": "TokenReview",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"creationTimestamp": null},
            "spec": spec,
            "status": status,
        }),
    )
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
fn go_quoted(list: &[String]) -> String {
    let quoted: Vec<String> = list
        .iter()
        .map(|s| serde_json::to_string(s).unwrap())
        .collect();
    format!("[{}]", quoted.join(" "))
}

/// The user and matched audiences, or why not: `None` when no authenticator takes the token
/// for its own (not a JWS, another issuer), `Some(reason)` when the ServiceAccount token
/// authenticator refuses it.
fn authenticate(
    a: &Authority<'_>,
    token: &str,
    requested: &[String],
) -> Result<(Value, Vec<String>), Option<String>> {
    let Ok(t) = sakr::token::decode(token) else {
        return Err(None);
    };
    let c = &t.claims;
    if c["iss"].as_str() != Some(a.issuer) {
        return Err(None);
    }

    // The signature.
    if t.header_problem().is_some() {
        return Err(Some(CRYPTO_FAILURE.into()));
    }
    let candidates: Vec<&PublicKey> = match t.kid() {
        Some(kid) => a.keys.iter().filter(|k| k.kid() == kid).collect(),
        None => a.keys.iter().collect(),
    };
    if candidates.is_empty() {
        return Err(Some("invalid signature, no keys found".into()));
    }
    if !candidates.iter().any(|k| t.verify_with(k)) {
        return Err(Some(CRYPTO_FAILURE.into()));
    }

    // Audiences: go-jose reads `aud` as one string or a list of them.
    let mut token_auds: Vec<String> = match &c["aud"] {
        Value::Null => vec![],
        Value::String(s) => vec![s.clone()],
        Value::Array(list) if list.iter().all(Value::is_string) => list
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect(),
        _ => {
            return Err(Some(
                "go-jose/go-jose/jwt: expected string or array value to unmarshal to Audience"
                    .into(),
            ));
        }
    };
    let implicit = vec![a.issuer.to_string()];
    if token_auds.is_empty() {
        token_auds = implicit.clone();
    }
    let requested = if requested.is_empty() {
        implicit
    } else {
        requested.to_vec()
    };
    let matched: Vec<String> = token_auds
        .iter()
        .filter(|x| requested.contains(x))
        .cloned()
        .collect();
    if matched.is_empty() {
        return Err(Some(format!(
            "token audiences {} is invalid for the target audiences {}",
            go_quoted(&token_auds),
            go_quoted(&requested)
        )));
    }

    // Times.
    let now = jiff::Timestamp::now().as_second() as f64;
    let time = |name: &str| match &c[name] {
        Value::Null => Ok(None),
        Value::Number(n) => Ok(n.as_f64()),
        _ => Err(Some(format!(
            "json: cannot unmarshal {name} into Go struct field Claims.{name} of type jwt.NumericDate"
        ))),
    };
    if let Some(exp) = time("exp")?
        && now - LEEWAY > exp
    {
        return Err(Some("service account token has expired".into()));
    }
    if let Some(nbf) = time("nbf")?
        && now + LEEWAY < nbf
    {
        return Err(Some("service account token is not valid yet".into()));
    }

    // The objects the claims name.
    let k8s = &c["kubernetes.io"];
    let ns = k8s["namespace"].as_str().unwrap_or_default();
    let name = k8s["serviceaccount"]["name"].as_str().unwrap_or_default();
    let claimed_uid = k8s["serviceaccount"]["uid"].as_str().unwrap_or_default();
    if !a.service_accounts.iter().any(|(n, s)| n == ns && s == name) {
        return Err(Some(sa_not_found(name)));
    }
    let sa_uid = uid(name);
    if sa_uid != claimed_uid {
        return Err(Some(format!(
            "service account UID ({sa_uid}) does not match claim ({claimed_uid})"
        )));
    }
    let mut extra = serde_json::Map::new();
    if let Some(pod) = k8s.get("pod").filter(|p| !p.is_null()) {
        let pod_name = pod["name"].as_str().unwrap_or_default();
        let pod_uid = pod["uid"].as_str().unwrap_or_default();
        if !a
            .pods
            .iter()
            .any(|p| p.namespace == ns && p.name == pod_name)
        {
            return Err(Some("service account token has been invalidated".into()));
        }
        if uid(pod_name) != pod_uid {
            return Err(Some(format!(
                "pod UID ({}) does not match service account pod ref claim ({pod_uid})",
                uid(pod_name)
            )));
        }
        extra.insert(
            "authentication.kubernetes.io/pod-name".into(),
            json!([pod_name]),
        );
        extra.insert(
            "authentication.kubernetes.io/pod-uid".into(),
            json!([pod_uid]),
        );
    }
    if let Some(jti) = c["jti"].as_str().filter(|j| !j.is_empty()) {
        extra.insert(
            "authentication.kubernetes.io/credential-id".into(),
            json!([format!("JTI={jti}")]),
        );
    }
    let mut user = json!({
        "username": format!("system:serviceaccount:{ns}:{name}"),
        "uid": sa_uid,
        "groups": [
            "system:serviceaccounts",
            format!("system:serviceaccounts:{ns}"),
            "system:authenticated",
        ],
    });
    if !extra.is_empty() {
        user["extra"] = Value::Object(extra);
    }
    Ok((user, matched))
}
