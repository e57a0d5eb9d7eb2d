//! The stages after generate (DESIGN §1; issues 6, 16), each over every node of the rotation:
//!
//! - **publish**: the JWKS with the old and new keys, and the discovery document;
//! - **trust**: every node's kube-apiserver gets the new public key (rolling, each node's
//!   apiserver back and serving the new kid before the next node);
//! - **switch**: gate ([`super::gates`]), then every node signs with the new key, rolling: each
//!   node's apiserver back and signing with the new kid before the next node is edited;
//! - **verify**: a fresh token from each apiserver carries the new kid and verifies;
//! - **retire**: after the window, every node stops trusting the old key (rolling), the JWKS
//!   drops it, and the old key files are archived on every node.

use std::path::Path;

use super::gates;
use super::live::Expect;
use super::published::{publish_keys, published_keys, published_kids};
use super::run::{
    Ctx, NodeStep, Result, Rolling, RotateError, StepReport, TokenSource, other, prefixed, roll,
};
use super::state::{ApiserverCheck, RotationState, Stage, StageRecord};
use super::window;
use crate::keys::PublicKey;
use crate::layout::Layout;
use crate::manifests::ops::Action;

/// Keys the first node's kube-apiserver trusts now (in flag order), read from its key files.
pub(super) fn trusted_keys(ctx: &mut Ctx<'_>) -> Result<Vec<PublicKey>> {
    let m = &mut ctx.fleet.members[0];
    if let Some(s) = &ctx.state.signer {
        // The signer layout: every key of the set verifies. The keys excluded from discovery
        // (a migration's previous keys) are published too: the JWKS published before the
        // migration listed them, and relying parties still verify the tokens they signed.
        let root = m.host_root().to_path_buf();
        let set = crate::layout::signer::read_set_on(m.node.as_mut(), &root, &s.config)
            .map_err(|e| prefixed(&m.prefix(), e.into()))?;
        return Ok(set.publics);
    }
    let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
    let api = &ms.apiserver.manifest;
    let mut keys = Vec::new();
    for kf in api.key_files() {
        let host = ms.target.host_path(api, kf).unwrap_or_default();
        let file = m.require_key_file(&host).map_err(other)?;
        keys.extend(
            file.blocks
                .into_iter()
                .filter(|b| b.key_file_problem().is_none())
                .map(|b| b.key),
        );
    }
    Ok(keys)
}

/// The new public key, from the first node.
fn new_public(ctx: &mut Ctx<'_>) -> Result<PublicKey> {
    if let Some(s) = &ctx.state.signer {
        let file = crate::keys::parse_pem_file(s.new_public_pem.as_bytes()).map_err(other)?;
        return file
            .blocks
            .first()
            .map(|b| b.key.clone())
            .ok_or_else(|| other(anyhow::anyhow!("the state's new public key is empty")));
    }
    let host = ctx.state.new.public_key_host.clone();
    let m = &mut ctx.fleet.members[0];
    let file = m.require_key_file(&host).map_err(other)?;
    Ok(file.blocks[0].key.clone())
}

pub(super) fn publish(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    let Some(cfg) = ctx.state.publish.clone() else {
        r.summary = "skipped: no --publish-to (no external relying parties)".into();
        return Ok(());
    };
    let mut keys = trusted_keys(ctx)?;
    keys.push(new_public(ctx)?);
    let report = publish_keys(&cfg, &keys, false, ctx.opts.dry_run)?;
    r.summary = format!(
        "{} JWKS with {} key(s) (added {}) and the discovery document to {}",
        if ctx.opts.dry_run {
            "would publish"
        } else {
            "published"
        },
        keys.len(),
        if report.kids.added.is_empty() {
            "none".to_string()
        } else {
            report.kids.added.join(", ")
        },
        cfg.to
    );
    r.publish = Some(report);
    Ok(())
}

/// Gate of trust and switch: relying parties can already see the new kid.
fn require_published(state: &RotationState) -> Result<()> {
    if let Some(cfg) = &state.publish {
        let kids = published_kids(cfg)?;
        if !kids.contains(&state.new.kid) {
            return Err(RotateError::Refused(format!(
                "the new kid {} is not in the JWKS published at {} (it lists: {}); publish it first",
                state.new.kid,
                cfg.to,
                if kids.is_empty() {
                    "nothing".into()
                } else {
                    kids.join(", ")
                }
            )));
        }
    }
    Ok(())
}

/// "on every node (a, b, c)" for a rotation over nodes; nothing for this machine.
fn on_nodes(ctx: &Ctx<'_>) -> String {
    if ctx.fleet.is_local() {
        String::new()
    } else {
        format!(" on every node ({})", ctx.fleet.names().join(", "))
    }
}

pub(super) fn trust(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    require_published(&ctx.state)?;
    ctx.fleet.open_sessions();
    let expect = Expect::Serves(ctx.state.new.kid.clone());
    let action = Action::Trust(match &ctx.state.signer {
        Some(s) => s.new_entry.name.clone(),
        None => ctx.state.new.public_key.clone(),
    });
    let changed = roll(ctx, Rolling::stage(Stage::Trust), &action, Some(&expect), r)?;
    r.summary = format!(
        "{} {} to {}{}{}",
        if ctx.opts.dry_run {
            "would add"
        } else {
            "added"
        },
        ctx.state.new.public_key,
        match ctx.state.layout {
            Layout::Flags => "kube-apiserver --service-account-key-file".to_string(),
            Layout::Kubeadm => format!("the key bundle {}", ctx.state.old.public_key),
            Layout::Signer => format!("the signer's key set {}", ctx.state.old.public_key),
        },
        on_nodes(ctx),
        if changed {
            ""
        } else {
            " (it was already there)"
        }
    );
    if ctx.fleet.is_local() && ctx.state.layout != Layout::Signer {
        r.notes.push(
            "the kubelet restarts kube-apiserver when its manifest changes; on HA clusters run the rotation over every control-plane node (rotate start --control-plane, or --node for each)".into(),
        );
    }
    Ok(())
}

pub(super) fn switch(path: &Path, ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    require_published(&ctx.state)?;
    // What relying parties see: before anything in the cluster, which is cheaper to wait for.
    // A switch already under way (a node switched by an interrupted run) is finished without
    // asking again: the gate was open when it began.
    if !ctx.state.any_node_done(Stage::Switch) {
        match super::public::public_gate(&mut ctx.state, ctx.now) {
            Ok(seen) => r.notes.extend(seen),
            Err(e @ RotateError::GateClosed(_)) => {
                // What it saw (and when it first saw the new kid, which the wait counts from)
                // is kept for the next run and for `rotate status`.
                if !ctx.opts.dry_run {
                    ctx.store.save(&ctx.state)?;
                }
                return Err(e);
            }
            Err(e) => return Err(e),
        }
    }
    ctx.fleet.open_sessions();
    let kid = ctx.state.new.kid.clone();
    match ctx.state.apiservers.clone() {
        ApiserverCheck::SingleNode => {
            gates::nodes_trust(&mut ctx.fleet, &ctx.state)?;
            r.notes.push(if ctx.fleet.is_local() {
                "single control-plane node: its manifest trusts the new key".into()
            } else {
                "every node's manifests trust the new key".into()
            });
            // With a kubeconfig, the running apiserver too: the kubelet takes a while to
            // notice the trust edit and restart it, and until it has, tokens from the new key
            // would be rejected.
            if let Some(cfg) = ctx.cluster() {
                let server = gates::live_apiserver_gate(&cfg, &kid)?;
                r.notes.push(format!(
                    "the running kube-apiserver ({server}) is ready and serves the new kid"
                ));
            }
        }
        ApiserverCheck::Manual => {
            gates::nodes_trust(&mut ctx.fleet, &ctx.state)?;
            if ctx.state.apiservers_asserted.is_none() {
                if !ctx.opts.i_checked_all_apiservers {
                    return Err(RotateError::GateClosed(format!(
                        "waiting until every kube-apiserver trusts kid {kid}: sakr cannot ask the cluster (no --kubeconfig at start); \
                         check each apiserver's /openid/v1/jwks, then run `sakr rotate next --state {} --i-checked-all-apiservers`",
                        path.display()
                    )));
                }
                if !ctx.opts.dry_run {
                    ctx.state.apiservers_asserted = Some(StageRecord {
                        at: ctx.now,
                        note: Some(format!(
                            "--i-checked-all-apiservers given by {}",
                            std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
                        )),
                    });
                }
            }
        }
        ApiserverCheck::Cluster(cfg) => match &ctx.live {
            Some(live) => {
                let seen = gates::ha_gate(&mut ctx.fleet, live, &ctx.state)?;
                r.notes.extend(seen);
            }
            None => gates::cluster_gate(&cfg, &kid)?,
        },
    }
    let expect = Expect::SignsWith(new_public(ctx)?);
    let action = Action::SignWith(match ctx.state.layout {
        Layout::Signer => ctx.state.new.kid.clone(),
        _ => ctx.state.new.private_key.clone(),
    });
    let changed = roll(
        ctx,
        Rolling::stage(Stage::Switch),
        &action,
        Some(&expect),
        r,
    )?;
    r.summary = format!(
        "{} kube-apiserver and kube-controller-manager to sign with {}{}{}{}",
        if ctx.opts.dry_run {
            "would switch"
        } else {
            "switched"
        },
        ctx.state.new.private_key,
        match ctx.state.layout {
            Layout::Flags => String::new(),
            Layout::Kubeadm =>
                format!(" (now {}; the old one archived)", ctx.state.old.private_key),
            Layout::Signer => format!(" (the active key of {})", ctx.state.new.public_key),
        },
        on_nodes(ctx),
        if changed { "" } else { " (already so)" }
    );
    if ctx.fleet.is_local()
        && ctx.state.layout != Layout::Signer
        && !matches!(ctx.state.apiservers, ApiserverCheck::SingleNode)
    {
        r.notes.push(format!(
            "this switched this node's manifests only: on an HA control plane run `sakr manifest sign-with {}` on every other control-plane node before the verify stage (or run the rotation over every node: rotate start --control-plane)",
            ctx.state.new.private_key
        ));
    }
    Ok(())
}

/// Check one fresh token: it carries the new kid and verifies with the new key, which the
/// published JWKS (when there is one) lists.
fn check_fresh_token(
    state: &RotationState,
    token: &crate::keys::secret::Secret,
    keys: &[PublicKey],
    source: &str,
) -> Result<()> {
    let text = String::from_utf8_lossy(token.expose()).into_owned();
    let decoded = crate::token::decode(&text).map_err(other)?;
    if decoded.kid() == Some(state.old.kid.as_str()) {
        return Err(RotateError::GateClosed(format!(
            "the token is still signed with the old key {}: kube-apiserver has not restarted with the new signing key yet",
            state.old.kid
        )));
    }
    let kid = state.new.kid.clone();
    let checks = crate::token::checks::run(
        &decoded,
        &crate::token::checks::Expectations {
            keys,
            keys_source: source,
            kid: Some(&kid),
            issuer: state.publish.as_ref().map(|p| p.issuer.as_str()),
            audience: None,
        },
        jiff::Timestamp::now().as_second(),
    );
    let failed: Vec<String> = checks
        .iter()
        .filter(|c| !c.ok)
        .map(|c| format!("{}: {}", c.name, c.detail))
        .collect();
    if !failed.is_empty() {
        return Err(RotateError::Refused(format!(
            "the fresh token fails verification: {}",
            failed.join("; ")
        )));
    }
    Ok(())
}

pub(super) fn verify(
    ctx: &mut Ctx<'_>,
    mint: Option<TokenSource<'_>>,
    r: &mut StepReport,
) -> Result<()> {
    let result = verify_token(ctx, mint, r);
    // The token counters once every apiserver signs with the new key and answers again (the
    // switch restarted each of them, which zeroes its counters): the baseline the retire
    // report compares with.
    if result.is_ok() && !ctx.opts.dry_run {
        let snap = super::metrics::snapshot(ctx);
        r.notes.extend(
            super::metrics::lines(&snap)
                .into_iter()
                .map(|l| format!("token counters after switch: {l}")),
        );
        if !snap.is_empty() {
            ctx.state.metrics.insert(Stage::Verify, snap);
        }
    }
    result
}

fn verify_token(
    ctx: &mut Ctx<'_>,
    mint: Option<TokenSource<'_>>,
    r: &mut StepReport,
) -> Result<()> {
    // The keys to verify against: the published JWKS (what relying parties use), which must
    // list the new kid; without publishing, the new key itself.
    let (keys, source) = match ctx.state.publish.clone() {
        Some(cfg) => {
            let keys = published_keys(&cfg)?;
            if !keys.iter().any(|k| k.kid() == ctx.state.new.kid) {
                return Err(RotateError::Refused(format!(
                    "the published JWKS at {} lacks the new kid {}",
                    cfg.to, ctx.state.new.kid
                )));
            }
            (keys, format!("the JWKS published at {}", cfg.to))
        }
        None => (vec![new_public(ctx)?], "the new key".to_string()),
    };
    let kid = ctx.state.new.kid.clone();
    if let (Some(live), None) = (&ctx.live, &ctx.opts.token) {
        if ctx.opts.dry_run {
            r.summary = "would verify a fresh token from each node's kube-apiserver".into();
            return Ok(());
        }
        let mut places: Vec<(String, super::state::ApiserverAddress)> = ctx
            .fleet
            .members
            .iter()
            .filter_map(|m| m.apiserver_at.clone().map(|a| (m.name.clone(), a)))
            .collect();
        for e in live.endpoints()? {
            if !places.iter().any(|(_, a)| *a == e) {
                places.push((format!("endpoint {}", e.place()), e));
            }
        }
        for (name, addr) in &places {
            let token = live
                .token_from(&live.endpoint(addr)?)
                .map_err(|e| gates::unavailable(&addr.place(), e, "switch"))?;
            // Every node was seen signing with the new key at switch: an old kid now means a
            // node went back (a manifest regenerated, a restore), not one still restarting.
            check_fresh_token(&ctx.state, &token, &keys, &source)
                .map_err(|e| match e {
                    RotateError::GateClosed(m) => RotateError::Refused(format!(
                        "{m}; it signed with the new key at switch, so its manifests went back since (a kubeadm upgrade, a restore?): compare the nodes with `sakr manifest show --node …`"
                    )),
                    e => e,
                })
                .map_err(|e| prefixed(&format!("{name} ({}): ", addr.place()), e))?;
            r.nodes.push(NodeStep {
                node: name.clone(),
                files: Vec::new(),
                waited_seconds: None,
                note: format!(
                    "a fresh token from {} carries kid {kid} and verifies against {source}",
                    addr.place()
                ),
            });
        }
        r.summary = format!(
            "a fresh token from each of {} kube-apiserver(s) carries kid {kid} and verifies against {source}",
            places.len()
        );
        return Ok(());
    }
    let cluster = ctx.cluster();
    let token = match (&ctx.opts.token, mint, cluster) {
        (Some(t), _, _) => t.clone(),
        (None, Some(mint), _) => mint(&ctx.state).map_err(other)?,
        (None, None, Some(cfg)) => gates::cluster_token(&cfg)?,
        (None, None, None) => {
            return Err(RotateError::GateClosed(
                "the verify stage needs a fresh token and this rotation has no cluster to ask: run `sakr rotate next --token-file FILE` (FILE from `kubectl create token default`) or `sakr rotate next --kubeconfig FILE`".into(),
            ));
        }
    };
    if ctx.opts.dry_run {
        r.summary = "would verify a fresh token against the new key".into();
        return Ok(());
    }
    check_fresh_token(&ctx.state, &token, &keys, &source)?;
    r.summary = format!("a fresh token carries kid {kid} and verifies against {source}");
    Ok(())
}

/// The earliest time retire may run.
pub fn retire_not_before(state: &RotationState) -> Option<jiff::Timestamp> {
    let switch = state.at(Stage::Switch)?;
    let w = retire_window_of(state);
    switch
        .checked_add(jiff::SignedDuration::from_secs(w.total_seconds))
        .ok()
}

pub fn retire_window_of(state: &RotationState) -> window::Window {
    let cache = state
        .publish
        .as_ref()
        .and_then(|p| window::max_age(&p.cache_control));
    window::retire_window(state.overlap_seconds, cache)
}

pub(super) fn retire(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    let now = ctx.now;
    // None: the window runs past the end of representable time (a state file or --overlap far
    // out of range) — never retire on that, and never panic.
    let Some(not_before) = retire_not_before(&ctx.state) else {
        return Err(RotateError::Refused(format!(
            "the retire window (switch + {}s) runs past any representable time; the state's overlap_seconds is out of range",
            retire_window_of(&ctx.state).total_seconds
        )));
    };
    if now < not_before {
        let w = retire_window_of(&ctx.state);
        return Err(RotateError::GateClosed(format!(
            "the old key may be retired at {} (switch + max(24h10s, overlap {}s) + cache max-age {}s); {} to go",
            crate::text::time(not_before),
            w.overlap_seconds,
            w.cache_max_age_seconds,
            crate::token::checks::human_duration((not_before - now).get_seconds())
        )));
    }
    // Legacy token Secrets signed with the old key stop working now: checked (and re-issued)
    // before anything changes; a retire already under way is finished without asking again.
    if !ctx.state.any_node_done(Stage::Retire) {
        super::legacy::legacy_gate(ctx, r)?;
        if ctx.state.layout == Layout::Signer {
            controller_manager_gate(ctx, r)?;
        }
    }
    // What still presents legacy or stale tokens, by the apiservers' own counters.
    let snap = super::metrics::snapshot(ctx);
    r.notes.extend(
        super::metrics::lines(&snap)
            .into_iter()
            .map(|l| format!("token counters before retire: {l}")),
    );
    if let Some(after_switch) = ctx.state.metrics.get(&Stage::Verify) {
        r.notes.extend(super::metrics::growth(after_switch, &snap));
    }
    if !snap.is_empty() && !ctx.opts.dry_run {
        ctx.state.metrics.insert(Stage::Retire, snap);
    }
    ctx.fleet.open_sessions();
    let layout = ctx.state.layout;
    // Before anything changes: the files retire will move and delete are the old key the
    // state names, where each node's manifests put it (the state is input too). The kubeadm
    // layout moves no old file here (the old sa.key was archived at switch).
    if layout == Layout::Flags {
        check_old_key_files(ctx)?;
    }
    if layout == Layout::Signer {
        check_old_signer_key(ctx)?;
    }
    let expect = Expect::NoLongerServes(ctx.state.old.kid.clone());
    let action = match layout {
        Layout::Flags => Action::Retire(ctx.state.old.public_key.clone()),
        Layout::Kubeadm | Layout::Signer => Action::Retire(ctx.state.old.kid.clone()),
    };
    let changed = roll(
        ctx,
        Rolling::stage(Stage::Retire),
        &action,
        Some(&expect),
        r,
    )?;
    let dry_run = ctx.opts.dry_run;
    let mut parts = vec![match layout {
        Layout::Flags => format!(
            "{} {} from --service-account-key-file{}{}",
            if dry_run { "would remove" } else { "removed" },
            ctx.state.old.public_key,
            on_nodes(ctx),
            if changed { "" } else { " (already gone)" }
        ),
        Layout::Signer => format!(
            "{} kid {} ({}) from the signer's key set {}{}{}",
            if dry_run { "would remove" } else { "removed" },
            ctx.state.old.kid,
            ctx.state.old.private_key,
            ctx.state.old.public_key,
            on_nodes(ctx),
            if changed { "" } else { " (already gone)" }
        ),
        Layout::Kubeadm => format!(
            "{} kid {} from the key bundle {}{}{}",
            if dry_run { "would remove" } else { "removed" },
            ctx.state.old.kid,
            ctx.state.old.public_key,
            on_nodes(ctx),
            if changed { "" } else { " (already gone)" }
        ),
    }];
    if let Some(cfg) = ctx.state.publish.clone() {
        let old_kid = ctx.state.old.kid.clone();
        let keys: Vec<PublicKey> = trusted_keys(ctx)?
            .into_iter()
            .filter(|k| k.kid() != old_kid)
            .collect();
        let report = publish_keys(&cfg, &keys, true, dry_run)?;
        parts.push(format!(
            "{} kid {old_kid} from the JWKS at {}",
            if dry_run { "would drop" } else { "dropped" },
            cfg.to
        ));
        r.publish = Some(report);
    }
    if !dry_run && layout == Layout::Kubeadm {
        let removed = remove_staged_pair(ctx, r)?;
        if removed {
            parts.push(format!(
                "removed the staged pair {} and {} ({} and {} hold it)",
                ctx.state.new.private_key,
                ctx.state.new.public_key,
                ctx.state.old.private_key,
                ctx.state.old.public_key
            ));
        }
    }
    if !dry_run && layout == Layout::Signer {
        parts.extend(archive_old_signer_key(ctx, r)?);
    }
    if !dry_run && layout == Layout::Flags {
        let archived = archive_old_keys(ctx, r)?;
        if !archived.is_empty() {
            parts.push(format!(
                "archived {}{}",
                archived.join(", "),
                if ctx.fleet.is_local() {
                    format!(" into {}", ctx.state.manifests.backup_dir.display())
                } else {
                    format!(
                        " into {} on each node",
                        ctx.state.manifests.backup_dir.display()
                    )
                }
            ));
        }
    }

    if ctx.fleet.is_local()
        && layout != Layout::Signer
        && !matches!(ctx.state.apiservers, ApiserverCheck::SingleNode)
    {
        r.notes.push(format!(
            "this retired the old key on this node only: run `sakr manifest retire {}` on every other control-plane node, each only after it signs with the new key",
            ctx.state.old.public_key
        ));
    }
    r.summary = parts.join("; ");
    Ok(())
}

/// Signer layout, before retire: kube-controller-manager signs legacy token Secrets with its
/// own key file (no external signer signs them). When that is the old key, every such token
/// issued after retire is rejected by every apiserver: refused unless the operator decided so
/// (`--allow-breaking-legacy-tokens`, recorded).
fn controller_manager_gate(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<()> {
    let old = ctx.state.old.kid.clone();
    let decided = ctx.state.legacy_tokens_allowed.is_some()
        || ctx.opts.allow_breaking_legacy_tokens.is_some();
    for m in ctx.fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let Some(cm) = &ms.controller_manager else {
            continue;
        };
        if ms.facts.controller_manager_key_kid.as_deref() != Some(old.as_str()) {
            continue;
        }
        let file = cm.manifest.private_key_file().unwrap_or("its key file");
        let what = format!(
            "{}kube-controller-manager signs legacy token Secrets with {file}, the old key (kid {old})",
            m.prefix()
        );
        if !decided {
            return Err(RotateError::Refused(format!(
                "{what}: after retire no apiserver verifies the tokens it issues. Give it a key of its own whose public half stays in the signer's set (`sakr signer add --public … --exclude-from-discovery`), or retire anyway with --allow-breaking-legacy-tokens"
            )));
        }
        r.notes.push(format!(
            "{what}; retired anyway (--allow-breaking-legacy-tokens): legacy token Secrets it issues from now on are rejected"
        ));
    }
    Ok(())
}

/// Signer layout, before retire: the file retire will archive is the old key the state names —
/// on each node, the path of the old entry in that node's set (while it is there), a regular
/// file, holding the old kid. A state edited to name another file stops here, before any write.
fn check_old_signer_key(ctx: &mut Ctx<'_>) -> Result<()> {
    let old = ctx.state.old.clone();
    let Some(s) = ctx.state.signer.clone() else {
        return Ok(());
    };
    if !old.private_key.starts_with("file ") {
        return Ok(());
    }
    for m in ctx.fleet.members.iter_mut() {
        let root = m.host_root().to_path_buf();
        let set = crate::layout::signer::read_set_on(m.node.as_mut(), &root, &s.config)
            .map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let host = m.host_of(&old.private_key_host);
        let prefix = m.prefix();
        let refuse = |why: String| {
            RotateError::Refused(format!(
                "{prefix}refusing to archive the old key {}: {why}; the state does not match the node (edited, or from another node?)",
                old.private_key_host.display()
            ))
        };
        if let Some(i) = set.find(&old.kid)
            && set.config.keys[i].path.as_deref() != Some(old.private_key_host.as_path())
        {
            return Err(refuse(format!(
                "the set names the old key's file {}",
                set.config.keys[i]
                    .path
                    .as_deref()
                    .unwrap_or(Path::new("(none)"))
                    .display()
            )));
        }
        match m.node.lstat(&host).map_err(other)? {
            None => continue,
            Some(meta) if meta.kind != crate::node::Kind::File => {
                return Err(refuse("it is not a regular file".into()));
            }
            Some(_) => {}
        }
        let file = m.require_key_file(&host).map_err(other)?;
        if file.signing_key().map(|b| b.key.kid()) != Some(old.kid.clone()) {
            return Err(refuse(format!(
                "it is not the old private key (kid {})",
                old.kid
            )));
        }
    }
    Ok(())
}

/// Signer layout, after retire: the old key file (a `file` entry) leaves every node into its
/// backup directory (0600), once that node's set no longer holds it. An HSM or KMS key is left
/// where it is: destroying it is the operator's decision, said in the report.
fn archive_old_signer_key(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<Vec<String>> {
    let old = ctx.state.old.clone();
    if !old.private_key.starts_with("file ") {
        return Ok(vec![format!(
            "left the old key in its backend ({}): delete or schedule its deletion there once no signer lists it",
            old.private_key
        )]);
    }
    let Some(s) = ctx.state.signer.clone() else {
        return Ok(Vec::new());
    };
    let mut moved_any = false;
    for m in ctx.fleet.members.iter_mut() {
        let root = m.host_root().to_path_buf();
        let set = crate::layout::signer::read_set_on(m.node.as_mut(), &root, &s.config)
            .map_err(|e| prefixed(&m.prefix(), e.into()))?;
        if set.find(&old.kid).is_some()
            || set
                .config
                .keys
                .iter()
                .any(|k| k.path.as_deref() == Some(old.private_key_host.as_path()))
        {
            continue;
        }
        let host = m.host_of(&old.private_key_host);
        if m.archive(&host).map_err(other)? {
            moved_any = true;
            if let Some(step) = r.nodes.iter_mut().find(|st| st.node == m.name) {
                step.files.push(host);
            }
        }
    }
    Ok(if moved_any {
        vec![format!(
            "archived {} into {} on {}",
            old.private_key_host.display(),
            ctx.state.manifests.backup_dir.display(),
            if ctx.fleet.is_local() {
                "this node"
            } else {
                "each node"
            }
        )]
    } else {
        Vec::new()
    })
}

/// Refuse to archive anything but the old key pair the state names: on each node, each host
/// path must be where the apiserver manifest's hostPath volumes put the container path (under
/// the host root), a regular file (not a symlink), and hold the old kid. A state edited to
/// name another file (`/etc/shadow`, a manifest) stops here, before any write (issue 13,
/// finding 8). A file already gone (archived by an earlier, interrupted retire) is fine.
fn check_old_key_files(ctx: &mut Ctx<'_>) -> Result<()> {
    let old = ctx.state.old.clone();
    let local = ctx.fleet.is_local();
    for m in ctx.fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let api = &ms.apiserver.manifest;
        for (what, container, recorded) in [
            ("private key", &old.private_key, &old.private_key_host),
            ("public key", &old.public_key, &old.public_key_host),
        ] {
            let expected = ms.target.host_path(api, container);
            // This machine's state names host paths; a node's are where its manifests say.
            let host = if local {
                recorded.clone()
            } else {
                expected.clone().unwrap_or_else(|| recorded.clone())
            };
            let prefix = m.prefix();
            let refuse = |why: String| {
                RotateError::Refused(format!(
                    "{prefix}refusing to archive the old {what} {}: {why}; the state does not match the node (edited, or from another node?)",
                    host.display()
                ))
            };
            match expected {
                Some(e) if e == host => {}
                Some(e) => {
                    return Err(refuse(format!(
                        "the manifests put {container} at {}",
                        e.display()
                    )));
                }
                None => {
                    return Err(refuse(format!(
                        "{container} is under no hostPath volume of the apiserver manifest"
                    )));
                }
            }
            match m.node.lstat(&host).map_err(other)? {
                None => continue,
                Some(meta) if meta.kind != crate::node::Kind::File => {
                    return Err(refuse("it is not a regular file".into()));
                }
                Some(_) => {}
            }
            let file = m.require_key_file(&host).map_err(other)?;
            if !file.blocks.iter().any(|b| b.key.kid() == old.kid) {
                return Err(refuse(format!(
                    "it does not hold the old key (kid {})",
                    old.kid
                )));
            }
        }
    }
    Ok(())
}

/// Move the old key files into each node's backup directory (0600) once no manifest there
/// names them. Idempotent: files already archived are skipped.
fn archive_old_keys(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<Vec<String>> {
    let old = ctx.state.old.clone();
    let mut archived = Vec::new();
    for m in ctx.fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let api = &ms.apiserver.manifest;
        let mut still_used: Vec<&str> = api.key_files();
        still_used.extend(api.signing_key_file());
        if let Some(cm) = &ms.controller_manager {
            still_used.extend(cm.manifest.private_key_file());
        }
        let mut moved = Vec::new();
        for container in [&old.private_key, &old.public_key] {
            if still_used
                .iter()
                .any(|u| crate::manifests::model::same_path(u, container))
            {
                continue;
            }
            let Some(host) = ms.target.host_path(api, container) else {
                continue;
            };
            if m.archive(&host).map_err(other)? {
                moved.push(host);
                if !archived.contains(container) {
                    archived.push(container.clone());
                }
            }
        }
        if let Some(step) = r.nodes.iter_mut().find(|s| s.node == m.name) {
            step.files.extend(moved);
        }
    }
    Ok(archived)
}

/// Kubeadm layout, after retire: the new pair generated beside sa.key was copied into sa.key and
/// sa.pub by switch and trust; the staged copies (one of them a second copy of the live private
/// key) go, once each node's sa.key signs with the new kid. Idempotent: files already gone are
/// skipped. Returns whether anything was removed.
fn remove_staged_pair(ctx: &mut Ctx<'_>, r: &mut StepReport) -> Result<bool> {
    let new = ctx.state.new.clone();
    let mut removed = false;
    for m in ctx.fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        if ms.facts.signing_key_kid.as_deref() != Some(new.kid.as_str()) {
            r.notes.push(format!(
                "{}kept the staged pair: {} does not sign with the new kid {}",
                m.prefix(),
                ctx.state.old.private_key,
                new.kid
            ));
            continue;
        }
        let api = &ms.apiserver.manifest;
        for container in [&new.private_key, &new.public_key] {
            let Some(host) = ms.target.host_path(api, container) else {
                continue;
            };
            if m.node.lstat(&host).map_err(other)?.is_some() {
                m.node.remove_file(&host).map_err(other)?;
                removed = true;
            }
        }
    }
    Ok(removed)
}
