//! What relying parties see, before switch (issue 18, item 1; DESIGN §7 "Gates on evidence").
//!
//! AWS IAM/STS, Entra workload identity, GCP workload identity federation and Vault fetch the
//! issuer's discovery document and its `jwks_uri` over HTTPS, through whatever CDN or cache sits
//! in front of the bucket, and may keep the previous JWKS for its `Cache-Control` max-age (or
//! their own refresh interval). The storage read-back of the publish stage proves the bucket
//! holds the new kid, not that they can see it. So before switch this gate fetches the two
//! documents exactly as a relying party does — the system trust store plus `SSL_CERT_FILE` /
//! `SSL_CERT_DIR`, redirects followed, no storage credentials ([`crate::cluster::fetch_issuer_jwks`])
//! — and requires the new kid there.
//!
//! Then it waits. Two caches may hold the old JWKS in a row: a CDN until it refetches, then a
//! relying party that fetched from the CDN just before for a max-age more. So the wait counts
//! from when sakr first saw the public `jwks_uri` serve the new kid (recorded in the state; never
//! before the publish stage read it back), for the max-age (the longer of the response's and the
//! published `Cache-Control`) plus `--relying-party-refresh`. `--no-public-check` (recorded in
//! the state) skips the fetch for issuers the runner cannot reach, not the wait: then it counts
//! from the publish stage, for the published max-age.

use super::run::{Result, RotateError, other};
use super::state::{PublicView, RotationState, Stage};
use super::window;

/// No cache is trusted to keep anything longer than this (a CDN's "a year" would otherwise
/// mean waiting a year, or overflow the clock).
const MAX_AGE_CAP: i64 = 31 * 86_400;

fn not_before(from: jiff::Timestamp, seconds: i64) -> Result<jiff::Timestamp> {
    from.checked_add(jiff::SignedDuration::from_secs(seconds))
        .map_err(other)
}

/// The max-age sakr published the JWKS with (`--cache-control`), capped.
fn published_max_age(cfg: &super::state::PublishConfig) -> i64 {
    window::max_age(&cfg.cache_control)
        .unwrap_or(window::DEFAULT_CACHE_MAX_AGE)
        .clamp(0, MAX_AGE_CAP)
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

/// When a rotation with `--no-public-check` may switch: the published max-age (plus
/// `--relying-party-refresh`) after the publish stage. `None` without publishing or before it
/// (and for a rotation that fetches: its wait depends on what it sees).
pub fn unchecked_not_before(state: &RotationState) -> Option<jiff::Timestamp> {
    let cfg = state.publish.as_ref()?;
    state.no_public_check.as_ref()?;
    let max_age = published_max_age(cfg);
    not_before(
        state.at(Stage::Publish)?,
        max_age.saturating_add(state.relying_party_refresh_seconds),
    )
    .ok()
}

/// The gate. `Ok(notes)` when it is open; exit 3 while relying parties may still hold a JWKS
/// without the new kid; exit 1 when they will not see it by waiting; exit 2 when the issuer
/// cannot be read at all.
pub fn public_gate(state: &mut RotationState, now: jiff::Timestamp) -> Result<Vec<String>> {
    let Some(cfg) = state.publish.clone() else {
        return Ok(Vec::new());
    };
    let Some(published_at) = state.at(Stage::Publish) else {
        return Err(RotateError::Refused(
            "the state has a publish target but no publish stage: it was edited; start a new rotation".into(),
        ));
    };
    let published_max_age = published_max_age(&cfg);
    let kid = state.new.kid.clone();
    if let Some(r) = &state.no_public_check {
        let wait = published_max_age.saturating_add(state.relying_party_refresh_seconds);
        let nb = not_before(published_at, wait)?;
        if now < nb {
            return Err(RotateError::GateClosed(format!(
                "waiting until {} before switching: relying parties may keep the previous JWKS for the published max-age ({published_max_age}s){} after publish at {} (the public jwks_uri is not fetched: --no-public-check); {} to go",
                crate::text::time(nb),
                refresh_text(state),
                crate::text::time(published_at),
                crate::token::checks::human_duration((nb - now).get_seconds().max(1))
            )));
        }
        return Ok(vec![format!(
            "relying parties' view not checked: --no-public-check ({}, {}); the published max-age ({published_max_age}s){} has passed since publish",
            r.note.as_deref().unwrap_or("given"),
            crate::text::time(r.at),
            refresh_text(state)
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
    let max_age = header_max_age
        .unwrap_or(0)
        .clamp(0, MAX_AGE_CAP)
        .max(published_max_age);
    let seen_new = kids.contains(&kid);
    let first_seen_new = state
        .public_view
        .as_ref()
        .and_then(|v| v.first_seen_new)
        .or(seen_new.then_some(now));
    state.public_view = Some(PublicView {
        at: now,
        jwks_url: fetched.jwks_url.clone(),
        kids: kids.clone(),
        max_age_seconds: max_age,
        first_seen_new,
    });
    let wait = max_age.saturating_add(state.relying_party_refresh_seconds);
    if !seen_new {
        // Past every cache's max-age since publish and still not there: waiting will not help.
        if now >= not_before(published_at, wait.saturating_mul(2))? {
            return Err(RotateError::Refused(format!(
                "relying parties still do not see the new kid {kid} at {} ({}s after publish, twice the max-age): it is not a cache; the jwks_uri of {}'s discovery document is not where sakr publishes ({}), or a cache there ignores Cache-Control",
                fetched.jwks_url,
                (now - published_at).get_seconds(),
                cfg.issuer,
                cfg.to
            )));
        }
        return Err(RotateError::GateClosed(format!(
            "waiting until relying parties see the new kid {kid} at {}: it serves {} (the storage holds it; a cache or CDN in front of {} may serve the previous JWKS for up to its max-age, {max_age}s); run `sakr rotate next` again later",
            fetched.jwks_url,
            super::live::list(&kids),
            cfg.to
        )));
    }
    let from = first_seen_new.unwrap_or(now).max(published_at);
    let nb = not_before(from, wait)?;
    if now < nb {
        return Err(RotateError::GateClosed(format!(
            "waiting until {} before switching: relying parties may keep the previous JWKS for its max-age ({max_age}s, Cache-Control of {}){} after it was first served with the new kid at {}; {} to go",
            crate::text::time(nb),
            fetched.jwks_url,
            refresh_text(state),
            crate::text::time(from),
            crate::token::checks::human_duration((nb - now).get_seconds().max(1))
        )));
    }
    Ok(vec![format!(
        "relying parties see kid {kid} at {} (as fetched over HTTPS with the system trust store), and its max-age ({max_age}s){} has passed since it was first served",
        fetched.jwks_url,
        refresh_text(state)
    )])
}
