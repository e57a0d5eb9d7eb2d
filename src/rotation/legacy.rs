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

/// The old public key, for tokens that carry no kid (from the first node's key files).
fn old_public(ctx: &mut Ctx<'_>) -> Result<Option<crate::keys::PublicKey>> {
    let old = ctx.state.old.kid.clone();
    Ok(super::stages::trusted_keys(ctx)?
        .into_iter()
        .find(|k| k.kid() == old))
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
    let Some(cfg) = ctx.cluster() else {
        if let Some(who) = ctx.opts.allow_breaking_legacy_tokens.clone() {
            return allow(ctx, r, format!("{who}, without a cluster to list them"));
        }
        return Err(RotateError::Refused(format!(
            "refusing to retire kid {old} unchecked: legacy token Secrets (type kubernetes.io/service-account-token) signed with it stop working at retire, and this rotation has no cluster to list them; run `sakr rotate next --kubeconfig FILE` so sakr can check, or `sakr rotate next --allow-breaking-legacy-tokens` to record that you checked (kubectl get secrets -A --field-selector type=kubernetes.io/service-account-token)"
        )));
    };
    let old_key = old_public(ctx)?;
    let live = Live::connect(&cfg)?;
    let all = live
        .block_on(live.cluster.legacy_tokens(old_key.as_ref()))
        .map_err(|e| other(anyhow::anyhow!("listing legacy token Secrets: {e}")))?;
    let pick = |f: &dyn Fn(&LegacyToken) -> bool| -> Vec<LegacyToken> {
        all.iter().filter(|t| f(t)).cloned().collect()
    };
    let with_old = pick(&|t| t.kid.as_deref() == Some(old.as_str()));
    // A Secret without a token is one kube-controller-manager has still to fill (a re-issue
    // of an earlier run in progress): its token is not known to be safe yet.
    let empty = pick(&|t| t.empty);
    let unreadable = pick(&|t| t.unreadable);
    if !unreadable.is_empty() {
        r.notes.push(format!(
            "{} legacy token Secret(s) hold a token sakr cannot read (not a JWT, or no kid and not signed by the old key): {}",
            unreadable.len(),
            named(&unreadable)
        ));
    }
    if with_old.is_empty() && empty.is_empty() {
        r.notes.push(format!(
            "no legacy token Secret carries the old kid {old} ({} checked in every namespace)",
            all.len()
        ));
        return Ok(());
    }
    if let Some(who) = ctx.opts.allow_breaking_legacy_tokens.clone() {
        return allow(
            ctx,
            r,
            format!(
                "{who}, for {} Secret(s) with the old kid{}: {}",
                with_old.len(),
                if empty.is_empty() {
                    String::new()
                } else {
                    format!(" and {} without a token yet", empty.len())
                },
                named(&[with_old.clone(), empty.clone()].concat())
            ),
        );
    }
    if ctx.opts.reissue_legacy_tokens {
        let Some(key) = old_key else {
            return Err(other(anyhow::anyhow!(
                "the old public key (kid {old}) is in no key file of the first node: cannot tell its tokens apart"
            )));
        };
        return reissue(ctx, &live, &key, &with_old, &empty, r);
    }
    if with_old.is_empty() {
        return Err(RotateError::GateClosed(format!(
            "waiting for kube-controller-manager to issue a token into {} legacy token Secret(s) whose token was removed: {}; run `sakr rotate next --reissue-legacy-tokens` again",
            empty.len(),
            named(&empty)
        )));
    }
    Err(RotateError::Refused(format!(
        "refusing to retire kid {old}: {} legacy token Secret(s) still carry it and stop working at retire: {}. `sakr rotate next --reissue-legacy-tokens` has kube-controller-manager re-sign them with the new key (the old token stops working at once: kube-apiserver checks a legacy token against its Secret); `sakr rotate next --allow-breaking-legacy-tokens` records that you accept breaking them",
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

/// Clear each token that still carries the old kid, then wait until the tokens controller has
/// issued a new one with the new kid (a Secret deleted meanwhile is done); report each.
fn reissue(
    ctx: &mut Ctx<'_>,
    live: &Live,
    old_key: &crate::keys::PublicKey,
    with_old: &[LegacyToken],
    empty: &[LegacyToken],
    r: &mut StepReport,
) -> Result<()> {
    if ctx.opts.dry_run {
        r.notes.push(format!(
            "would have kube-controller-manager re-sign {} legacy token Secret(s): {}",
            with_old.len(),
            named(with_old)
        ));
        return Ok(());
    }
    let new = ctx.state.new.kid.clone();
    let mut pending: Vec<LegacyToken> = empty.to_vec();
    for t in with_old {
        live.block_on(
            live.cluster
                .clear_legacy_token(&t.namespace, &t.name, old_key),
        )
        .map_err(|e| other(anyhow::anyhow!("re-issuing {}: {e}", t.place())))?;
        // Cleared, or changed meanwhile: either way the next reads decide.
        pending.push(t.clone());
    }
    let start = Instant::now();
    let mut done: Vec<String> = Vec::new();
    while !pending.is_empty() {
        let mut still = Vec::new();
        for t in pending {
            let now = live
                .block_on(
                    live.cluster
                        .legacy_token(&t.namespace, &t.name, Some(old_key)),
                )
                .map_err(|e| other(anyhow::anyhow!("reading {} again: {e}", t.place())))?;
            match now {
                None => done.push(format!(
                    "legacy token Secret {} was deleted meanwhile",
                    t.place()
                )),
                Some(n) if n.kid.as_deref() == Some(new.as_str()) => done.push(format!(
                    "legacy token Secret {} re-signed by kube-controller-manager: kid {new}",
                    n.place()
                )),
                Some(n) if n.empty => still.push(t),
                Some(n) if n.kid.as_deref() == Some(old_key.kid().as_str()) => {
                    return Err(RotateError::Refused(format!(
                        "legacy token Secret {} was re-issued with the old kid: kube-controller-manager still signs with the old key (restart it with the new --service-account-private-key-file, see `sakr manifest show`), then run `sakr rotate next --reissue-legacy-tokens` again",
                        n.place()
                    )));
                }
                Some(n) => {
                    return Err(RotateError::Refused(format!(
                        "legacy token Secret {} was re-signed with kid {}, neither the old nor the new key: kube-controller-manager's --service-account-private-key-file is not the rotation's new key (see `sakr manifest show`)",
                        n.place(),
                        n.kid.as_deref().unwrap_or("(none)")
                    )));
                }
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
    r.notes.extend(done);
    Ok(())
}
