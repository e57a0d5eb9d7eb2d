//! `sakr verify`: decode a ServiceAccount token and check it (DESIGN §3, issue 5). The token
//! lives in a [`Secret`] from the moment it is read and is never printed.

use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::VerifyArgs;
use crate::cluster::{Cluster, ClusterOptions};
use crate::exit::ChecksFailed;
use crate::keys::PublicKey;
use crate::keys::secret::Secret;
use crate::output::Printer;
use crate::text::printable;
use crate::token::checks::{self, Check, Expectations};

#[derive(Serialize)]
struct Out<'a> {
    checks: &'a [Check],
    claims: serde_json::Map<String, serde_json::Value>,
    ok: bool,
}

pub fn run(args: VerifyArgs, printer: &Printer) -> anyhow::Result<()> {
    // Local inputs first: a typo in a name or a key path fails before any cluster call.
    for (flag, value) in [
        ("--service-account", &args.service_account),
        ("--pod", &args.pod),
    ] {
        if let Some(v) = value {
            split_ns(flag, v)?;
        }
    }
    token_duration(&args)?;
    let mut keys: Vec<PublicKey> = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    if !args.expect_key.is_empty() {
        for (_, file) in super::read_key_files(&args.expect_key, printer)? {
            keys.extend(file.blocks.into_iter().map(|b| b.key));
        }
        sources.push("--expect-key".into());
    }
    let jwks_is_url = args
        .jwks
        .as_deref()
        .is_some_and(|j| j.starts_with("https://") || j.starts_with("http://"));
    if let Some(j) = args.jwks.as_deref().filter(|_| !jwks_is_url) {
        keys.extend(super::jwks::read_jwks(Path::new(j), printer)?);
        sources.push(format!("JWKS {j}"));
    }

    let needs_runtime = jwks_is_url || args.token_file.is_none();
    let runtime = if needs_runtime {
        Some(crate::cluster::runtime()?)
    } else {
        None
    };
    if let (Some(url), Some(rt)) = (args.jwks.as_deref().filter(|_| jwks_is_url), &runtime) {
        let issuer = rt
            .block_on(crate::cluster::fetch_issuer_jwks(url, args.ca.as_deref()))
            .context("--jwks")?;
        let entries = crate::jwks::parse(&issuer.jwks)
            .with_context(|| format!("{}: not a valid JWKS", issuer.jwks_url))?;
        keys.extend(entries.into_iter().map(|e| e.key));
        sources.push(format!("JWKS {}", issuer.jwks_url));
    }

    let token = match (&args.token_file, &runtime) {
        (Some(path), _) => super::read_token(path)?,
        (None, Some(rt)) => rt.block_on(cluster_token(&args))?,
        (None, None) => unreachable!("a runtime is made whenever the token comes from the cluster"),
    };
    let text = std::str::from_utf8(token.expose())
        .map_err(|_| anyhow::anyhow!("the token is not UTF-8 text"))?;
    let decoded = crate::token::decode(text).context("cannot decode the token")?;
    drop(token);

    let keys_source = sources.join(" and ");
    let audience = args.audience.first().map(String::as_str);
    let want = Expectations {
        keys: &keys,
        keys_source: &keys_source,
        kid: args.expect_kid.as_deref(),
        issuer: args.issuer.as_deref(),
        audience,
    };
    let now = jiff::Timestamp::now().as_second();
    let results = checks::run(&decoded, &want, now);
    let claims = checks::claims_of_interest(&decoded);
    let ok = results.iter().all(|c| c.ok);
    if printer.json() {
        printer.json_doc(&Out {
            checks: &results,
            claims,
            ok,
        });
    } else {
        // Claims, kids and issuers are the token's text: every line goes through `printable`
        // so an ESC sequence or a line separator in a claim cannot reach the terminal (issue
        // 13). serde_json's own escaping leaves U+2028, DEL and C1 controls as they are.
        let mut out = String::new();
        for c in &results {
            let status = if c.ok { "ok  " } else { "FAIL" };
            out.push_str(&format!(
                "{status} {:<9} {}\n",
                c.name,
                printable(&c.detail)
            ));
        }
        out.push('\n');
        for (name, value) in &claims {
            let v = match value {
                serde_json::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            out.push_str(&format!("{}: {}\n", printable(name), printable(&v)));
        }
        printer.data(&out);
    }
    if let Some(bits) = weak_signing_key(&decoded, &keys) {
        printer.warn(&format!(
            "the token is signed with a {bits}-bit RSA key, shorter than 2048 bits: kube-apiserver accepts it, but rotate to rsa-2048 or larger"
        ));
    }
    if keys.is_empty() {
        printer.warn("no --expect-key or --jwks: the signature was not checked, only the claims");
    }
    if !ok {
        let failed: Vec<&str> = results.iter().filter(|c| !c.ok).map(|c| c.name).collect();
        return Err(ChecksFailed(format!("check(s) failed: {}", failed.join(", "))).into());
    }
    Ok(())
}

/// The size of the trusted RSA key that signed the token, when it is under 2048 bits.
fn weak_signing_key(token: &crate::token::Decoded, keys: &[PublicKey]) -> Option<usize> {
    keys.iter()
        .filter(|k| token.kid().is_none_or(|kid| k.kid() == kid))
        .find(|k| token.verify_with(k))
        .and_then(checks::weak_rsa_bits)
}

/// `--duration` as whole seconds, checked against kube-apiserver's bounds before any cluster
/// call: `ValidateTokenRequest` (pkg/apis/authentication/validation) refuses
/// `expirationSeconds` under 600 and over 2^32.
fn token_duration(args: &VerifyArgs) -> anyhow::Result<Option<std::time::Duration>> {
    let Some(text) = args.duration.as_deref() else {
        return Ok(None);
    };
    let secs = super::rotate::parse_duration("--duration", text)?;
    let d = std::time::Duration::from_secs(u64::try_from(secs).unwrap_or(0));
    crate::cluster::check_token_duration(d).with_context(|| format!("--duration {text:?}"))?;
    Ok(Some(d))
}

async fn cluster_token(args: &VerifyArgs) -> anyhow::Result<Secret> {
    let cluster = Cluster::connect(&ClusterOptions {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
    })
    .await?;
    if let Some(sa) = &args.service_account {
        let (ns, name) = split_ns("--service-account", sa)?;
        let duration = token_duration(args)?;
        let issued = cluster
            .request_token(ns, name, &args.audience, duration)
            .await?;
        return Ok(issued.token);
    }
    if let Some(pod) = &args.pod {
        let (ns, name) = split_ns("--pod", pod)?;
        return Ok(cluster
            .read_pod_token(ns, name, args.container.as_deref(), &args.path)
            .await?);
    }
    bail!("give --token-file, --service-account or --pod")
}

fn split_ns<'a>(flag: &str, value: &'a str) -> anyhow::Result<(&'a str, &'a str)> {
    match value.split_once('/') {
        Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
            Ok((ns, name))
        }
        _ => bail!("{flag} {value:?}: expected NAMESPACE/NAME"),
    }
}
