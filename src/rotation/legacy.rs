//! Legacy token Secrets, before retire (issue 18, item 2; DESIGN §7 "Gates on evidence").
//!
//! The retire window protects projected tokens, which the kubelet re-requests; Secret-based
//! legacy tokens are signed once by kube-controller-manager and never again, so retiring the old
//! key breaks every one still carrying its kid. Before retire this gate lists them in every
//! namespace ([`crate::cluster::legacy`]) and refuses (exit 1) while any carries the old kid,
//! naming the first [`SHOWN`] and the count, unless the operator chose:
//!
//! - `--reissue-legacy-tokens`: each such Secret's token is removed, kube-controller-manager
//!   (which signs with the new key since switch) issues a new one, and sakr confirms each new
//!   kid before retiring (exit 3 while the controller has not caught up);
//! - `--allow-breaking-legacy-tokens`: the decision is recorded in the state (who, when, which
//!   Secrets), and retire proceeds.

use std::time::{Duration, Instant};

use super::live::Live;
use super::run::{Ctx, Result, RotateError, StepReport, other};
use super::state::StageRecord;
use crate::cluster::legacy::LegacyToken;

/// Secrets named in a message; the rest are counted.
pub const SHOWN: usize = 20;
/// How long `--reissue-legacy-tokens` waits for the tokens controller.
const REISSUE_WAIT: Duration = Duration::from_secs(60);

fn named(v: &[LegacyToken]) -> String {
    let mut s: Vec<String> = v.iter().take(SHOWN).map(LegacyToken::place).collect();
    if v.len() > SHOWN {
        s.push(format!("and {} more", v.len() - SHOWN));
    }
    s.join(", ")
}

/// The gate; its notes go into the retire report.
pub(super) fn legacy_gate(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    let old = ctx.state.old.kid.clone();
    if let Some(a) = &ctx.state.legacy_tokens_allowed {
        r.notes.push(format!(
            "legacy token Secrets not checked again: {} ({})",
            a.note
                .as_deref()
                .unwrap_or("--allow-breaking-legacy-tokens"),
            crate::text::time(a.at)
        ));
        return Ok(());
    }
    let cluster = ctx.cluster();
    let Some(cfg) = cluster else {
        if let Some(who) = ctx.opts.allow_breaking_legacy_tokens.clone() {
            return allow(ctx, r, format!("{who}, without a cluster to list them"));
        }
        return Err(RotateError::Refused(format!(
            "refusing to retire kid {old} unchecked: legacy token Secrets (type kubernetes.io/service-account-token) signed with it stop working at retire, and this rotation has no cluster to list them; run `sakr rotate next --kubeconfig FILE` so sakr can check, or `sakr rotate next --allow-breaking-legacy-tokens` to record that you checked (kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token)"
        )));
    };
    let live = Live::connect(&cfg)?;
    let all = live
        .block_on(live.cluster.legacy_tokens())
        .map_err(|e| other(anyhow::anyhow!("listing legacy token Secrets: {e}")))?;
    let with_old: Vec<LegacyToken> = all
        .iter()
        .filter(|t| t.kid.as_deref() == Some(old.as_str()))
        .cloned()
        .collect();
    if with_old.is_empty() {
        r.notes.push(format!(
            "no legacy token Secret carries the old kid {old} ({} checked in every namespace)",
            all.len()
        ));
        return Ok(());
    }
    if ctx.opts.reissue_legacy_tokens {
        return reissue(ctx, &live, &with_old, r);
    }
    if let Some(who) = ctx.opts.allow_breaking_legacy_tokens.clone() {
        return allow(
            ctx,
            r,
            format!(
                "{who}, for {} Secret(s) with the old kid: {}",
                with_old.len(),
                named(&with_old)
            ),
        );
    }
    Err(RotateError::Refused(format!(
        "refusing to retire kid {old}: {} legacy token Secret(s) still carry it and stop working at retire: {}. `sakr rotate next --reissue-legacy-tokens` has kube-controller-manager re-sign them with the new key; `sakr rotate next --allow-breaking-legacy-tokens` records that you accept breaking them",
        with_old.len(),
        named(&with_old)
    )))
}

/// Record the decision; it is saved with the retire stage (a run stopped before the end has
/// retired nothing, and the next run decides again).
fn allow(ctx: &mut Ctx<'_>, r: &mut StepReport, note: String) -> Result<()> {
    r.notes.push(note.clone());
    if !ctx.opts.dry_run {
        ctx.state.legacy_tokens_allowed = Some(StageRecord {
            at: ctx.now,
            note: Some(note),
        });
    }
    Ok(())
}

/// Clear each token, then wait until the tokens controller has issued a new one with another
/// kid than the old one; report each.
fn reissue(
    ctx: &mut Ctx<'_>,
    live: &Live,
    with_old: &[LegacyToken],
    r: &mut StepReport,
) -> Result<()> {
    let old = &ctx.state.old.kid;
    if ctx.opts.dry_run {
        r.notes.push(format!(
            "would have kube-controller-manager re-sign {} legacy token Secret(s): {}",
            with_old.len(),
            named(with_old)
        ));
        return Ok(());
    }
    for t in with_old {
        live.block_on(live.cluster.clear_legacy_token(&t.namespace, &t.name))
            .map_err(|e| other(anyhow::anyhow!("re-issuing {}: {e}", t.place())))?;
    }
    let start = Instant::now();
    let mut pending: Vec<LegacyToken> = with_old.to_vec();
    let mut done = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for t in pending {
            let now = live
                .block_on(live.cluster.legacy_token(&t.namespace, &t.name))
                .map_err(|e| other(anyhow::anyhow!("reading {} again: {e}", t.place())))?;
            match &now.kid {
                Some(k) if *k == ctx.state.new.kid => done.push(now),
                Some(k) if k != old => {
                    return Err(RotateError::Refused(format!(
                        "legacy token Secret {} was re-signed with kid {k}, neither the old nor the new key: kube-controller-manager's --service-account-private-key-file is not the rotation's new key (see `sakr manifest show`)",
                        now.place()
                    )));
                }
                _ => still.push(t),
            }
        }
        pending = still;
        if !pending.is_empty() {
            if start.elapsed() > REISSUE_WAIT {
                return Err(RotateError::GateClosed(format!(
                    "waiting for kube-controller-manager to re-issue {} legacy token Secret(s) (their token was removed): {}; is kube-controller-manager running? Run `sakr rotate next --reissue-legacy-tokens` again",
                    pending.len(),
                    named(&pending)
                )));
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }
    for t in &done {
        r.notes.push(format!(
            "legacy token Secret {} re-signed by kube-controller-manager: kid {}",
            t.place(),
            t.kid.as_deref().unwrap_or("?")
        ));
    }
    Ok(())
}
