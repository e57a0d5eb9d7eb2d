//! The rotation's side of publishing (DESIGN §2.3, §2.4): the JWKS and discovery document of a
//! key set written to the configured target, and the kids published there now.

use super::run::{Result, RotateError, other};
use super::state::PublishConfig;
use crate::jwks::Jwks;
use crate::jwks::discovery::Discovery;
use crate::keys::PublicKey;
use crate::publish;

fn runtime() -> Result<tokio::runtime::Runtime> {
    crate::cluster::runtime().map_err(other)
}

/// Publish `keys` (JWKS + discovery) to the configured target.
pub fn publish_keys(
    cfg: &PublishConfig,
    keys: &[PublicKey],
    allow_removal: bool,
    dry_run: bool,
) -> Result<publish::orchestrate::Report> {
    let (jwks, _) = Jwks::from_keys(keys);
    let discovery = Discovery::new(
        &cfg.issuer,
        cfg.jwks_uri.as_deref(),
        keys.iter().map(PublicKey::alg),
    )
    .map_err(other)?;
    let mut plan = publish::orchestrate::Plan::new(
        jwks.to_json().into_bytes(),
        discovery.to_json().into_bytes(),
    )
    .map_err(other)?;
    plan.cache_control = cfg.cache_control.clone();
    plan.allow_removal = allow_removal;
    plan.dry_run = dry_run;
    let (target, options) = store_config(cfg)?;
    runtime()?.block_on(async {
        let store = publish::open(&target, &options).await.map_err(other)?;
        publish::orchestrate::publish(store.as_ref(), &plan, &|_| {})
            .await
            .map_err(|e| {
                if e.exit_code() == 1 {
                    RotateError::Refused(e.to_string())
                } else {
                    other(e)
                }
            })
    })
}

/// Where and how to reach the configured publish target (no I/O yet).
fn store_config(cfg: &PublishConfig) -> Result<(publish::target::Target, publish::StoreOptions)> {
    let target = publish::target::Target::parse(&cfg.to).map_err(other)?;
    let endpoint = cfg
        .endpoint
        .as_deref()
        .map(publish::parse_endpoint)
        .transpose()
        .map_err(other)?;
    Ok((
        target,
        publish::StoreOptions {
            endpoint,
            ..Default::default()
        },
    ))
}

/// The JWKS object's key: the path of `jwks_uri` relative to the issuer (`start` validated it).
fn jwks_key(cfg: &PublishConfig) -> String {
    match &cfg.jwks_uri {
        None => crate::jwks::discovery::JWKS_PATH.to_string(),
        Some(u) => u
            .strip_prefix(cfg.issuer.trim_end_matches('/'))
            .unwrap_or(u)
            .trim_start_matches('/')
            .to_string(),
    }
}

/// The JWKS object published now (`None` when there is none), with its URL for messages.
fn published_jwks(cfg: &PublishConfig) -> Result<Option<(Vec<u8>, String)>> {
    let (target, options) = store_config(cfg)?;
    let key = jwks_key(cfg);
    runtime()?.block_on(async {
        let store = publish::open(&target, &options).await.map_err(other)?;
        Ok(store
            .get(&key)
            .await
            .map_err(other)?
            .map(|obj| (obj.bytes, store.url(&key))))
    })
}

/// The keys published now under the configured target.
pub fn published_keys(cfg: &PublishConfig) -> Result<Vec<PublicKey>> {
    let Some((bytes, url)) = published_jwks(cfg)? else {
        return Ok(Vec::new());
    };
    crate::jwks::parse(&bytes)
        .map(|entries| entries.into_iter().map(|e| e.key).collect())
        .map_err(|e| other(anyhow::anyhow!("{url}: {e}")))
}

/// The kids published now under the configured target (as the JWKS names them).
pub fn published_kids(cfg: &PublishConfig) -> Result<Vec<String>> {
    let Some((bytes, url)) = published_jwks(cfg)? else {
        return Ok(Vec::new());
    };
    publish::orchestrate::kids_of(&bytes).map_err(|e| other(anyhow::anyhow!("{url}: {e}")))
}
