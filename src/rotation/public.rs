//! What relying parties see, before switch (issue 18, item 1; DESIGN §7 "Gates on evidence").
//!
//! AWS IAM/STS, Entra workload identity, GCP workload identity federation and Vault fetch the
//! issuer's discovery document and its `jwks_uri` over HTTPS, through whatever CDN or cache sits
//! in front of the bucket, and may keep the previous JWKS for its `Cache-Control` max-age (or
//! their own refresh interval). The storage read-back of the publish stage proves the bucket
//! holds the new kid, not that they can see it. So before switch this gate fetches the two
//! documents exactly as a relying party does — the system trust store plus `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`, redirects followed, no storage credentials ([`crate::cluster::fetch_issuer_jwks`])
//! — requires the new kid there, and waits until the max-age (the response's or the published
//! one, the longer) plus `--relying-party-refresh` has passed since the publish stage read the
//! new JWKS back. `--no-public-check` (recorded in the state) skips it for issuers the runner
//! cannot reach.

use super::run::{Result, RotateError, other};
use super::state::{PublicView, RotationState, Stage};
use super::window;

/// The gate. `Ok(notes)` when it is open (or skipped); exit 3 while relying parties may still
/// hold a JWKS without the new kid; exit 2 when the issuer cannot be read at all.
pub fn public_gate(state: &mut RotationState, now: jiff::Timestamp) -> Result<Vec<String>> {
    let Some(cfg) = state.publish.clone() else {
        return Ok(Vec::new());
    };
    if let Some(r) = &state.no_public_check {
        return Ok(vec![format!(
            "relying parties' view not checked: --no-public-check ({}, {})",
            r.note.as_deref().unwrap_or("given"),
            crate::text::time(r.at)
        )]);
    }
    let fetched = crate::cluster::runtime()
        .map_err(other)?
        .block_on(crate::cluster::fetch_issuer_jwks(&cfg.issuer, None))
        .map_err(|e| {
            other(anyhow::anyhow!(
                "the relying parties' view of {}: {e}; relying parties fetch the keys there, so sakr checks it before switch. Fix the URL, certificate or network (a private CA: SSL_CERT_FILE or SSL_CERT_DIR), or, if this runner cannot reach the issuer, run `sakr rotate next --no-public-check` (recorded in the state)",
                cfg.issuer
            ))
        })?;
    let kids = fetched.kids().map_err(other)?;
    let header_max_age = fetched
        .jwks_cache_control
        .as_deref()
        .and_then(window::max_age);
    let published_max_age = window::max_age(&cfg.cache_control);
    let max_age = header_max_age
        .into_iter()
        .chain(published_max_age)
        .max()
        .unwrap_or(window::DEFAULT_CACHE_MAX_AGE)
        .max(0);
    state.public_view = Some(PublicView {
        at: now,
        jwks_url: fetched.jwks_url.clone(),
        kids: kids.clone(),
        max_age_seconds: max_age,
    });
    let kid = &state.new.kid;
    if !kids.contains(kid) {
        return Err(RotateError::GateClosed(format!(
            "waiting until relying parties see the new kid {kid} at {}: it serves {} (the storage holds it; a cache or CDN in front of {} may serve the previous JWKS for up to its max-age, {max_age}s); run `sakr rotate next` again later",
            fetched.jwks_url,
            super::live::list(&kids),
            cfg.to
        )));
    }
    let Some(published_at) = state.at(Stage::Publish) else {
        return Ok(Vec::new());
    };
    let wait = max_age.saturating_add(state.relying_party_refresh_seconds);
    let not_before = published_at
        .checked_add(jiff::SignedDuration::from_secs(wait))
        .map_err(other)?;
    if now < not_before {
        return Err(RotateError::GateClosed(format!(
            "waiting until {} before switching: relying parties may keep the previous JWKS for its max-age ({max_age}s, Cache-Control of {}){} after the publish stage read the new one back at {}; {} to go",
            crate::text::time(not_before),
            fetched.jwks_url,
            refresh_text(state),
            crate::text::time(published_at),
            crate::token::checks::human_duration((not_before - now).get_seconds().max(1))
        )));
    }
    Ok(vec![format!(
        "relying parties see kid {kid} at {} (as fetched over HTTPS with the system trust store), and its max-age ({max_age}s){} has passed since publish",
        fetched.jwks_url,
        refresh_text(state)
    )])
}

/// ` plus --relying-party-refresh Ns`, when one was given.
fn refresh_text(state: &RotationState) -> String {
    if state.relying_party_refresh_seconds > 0 {
        format!(
            " plus --relying-party-refresh {}s",
            state.relying_party_refresh_seconds
        )
    } else {
        String::new()
    }
}
