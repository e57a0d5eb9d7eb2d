//! The rotation's driver (DESIGN §1, §3 `rotate`; issues 6, 16): `next` runs the first stage
//! not done when its gate is open, `abort` goes back to the old key, and [`roll`] is how every
//! manifest edit reaches the nodes — planned on every node first, then applied one node at a
//! time, each node's apiserver waited for before the next is touched.
//!
//! Every action is idempotent: it checks whether its effect is already in place (the manifest
//! already trusts the key, the JWKS already lists it, the old key files are already archived),
//! so a crash between an action and the state update is repaired by running `next` again. A
//! node's own stage record is saved as soon as that node is done, so a rolling stage resumed
//! after a kill or a node timeout carries on where it stopped.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::fleet::Fleet;
use super::live::{Expect, Live, list};
use super::state::{ClusterConfig, RotationState, Stage, StageRecord};
use super::store::{Guard, Store, StoreError};
use crate::layout::{self, Layout, PlanContext};
use crate::manifests::ops::{self, Action, OpsError};

/// Said where a kubeadm-layout stage changed a node, instead of the flags layout's kubeadm hint.
pub const KUBEADM_LAYOUT_NOTE: &str = "kubeadm layout: the flags are unchanged; sa.pub and sa.key hold the key set, so a `kubeadm upgrade` (which regenerates the manifests) keeps the key set as this stage leaves it; before a `kubeadm join --control-plane --certificate-key`, run `kubeadm init phase upload-certs --upload-certs` again (the join copies sa.key and sa.pub as last uploaded), and add a node joined mid-rotation to the rotation";
/// Said where a signer-layout stage changed a node.
pub const SIGNER_LAYOUT_NOTE: &str = "signer layout: only the signer's key set file changed (its old copy is in the backup directory); the signer reloads it within 2 s and kube-apiserver takes the new set at its next FetchKeys (the signer's --refresh-hint), without a restart";
use crate::publish;

pub use super::stages::{retire_not_before, retire_window_of};
pub use super::start::{StartOptions, Started, start};

/// What went wrong, sorted by exit code: refusals and failed checks (1), gates not yet open
/// (3), and everything else (2).
#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("{0}")]
    Refused(String),
    #[error("{0}")]
    GateClosed(String),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<OpsError> for RotateError {
    fn from(e: OpsError) -> Self {
        if e.is_refusal() {
            RotateError::Refused(format!("{:#}", anyhow::Error::new(e)))
        } else {
            RotateError::Other(e.into())
        }
    }
}

pub type Result<T> = std::result::Result<T, RotateError>;

pub fn other(e: impl Into<anyhow::Error>) -> RotateError {
    RotateError::Other(e.into())
}

impl From<StoreError> for RotateError {
    fn from(e: StoreError) -> Self {
        match e {
            // Another runner holds the cluster lock: this run waits (exit 3).
            StoreError::Held { .. } => RotateError::GateClosed(e.to_string()),
            e => RotateError::Other(e.into()),
        }
    }
}

/// Open and lock the rotation of an existing, loadable state (loaded once before locking, so a
/// missing or foreign file is reported without creating the lock file beside it); then load it
/// again under the lock. `cluster`: the command's kubeconfig, for a `k8s://` state.
fn open_locked(
    path: &Path,
    cluster: Option<&ClusterConfig>,
) -> Result<(Store, Guard, RotationState)> {
    let mut store = Store::open(path, cluster)?;
    store.load()?;
    let guard = store.lock(false)?;
    let state = store.load()?;
    Ok((store, guard, state))
}

/// How the verify stage of `state` gets its token, in words an operator can act on.
pub fn verify_token_source(state: &RotationState) -> String {
    if !state.nodes.is_empty() && state.nodes.iter().all(|n| n.apiserver.is_some()) {
        return "a fresh token from each node's kube-apiserver (TokenRequest sent to it directly)"
            .into();
    }
    match state.cluster_for_tokens() {
        Some(c) => format!(
            "a fresh token from the TokenRequest API through {}{}",
            c.kubeconfig
                .as_deref()
                .map_or("the default kubeconfig".into(), |k| k.display().to_string()),
            c.context
                .as_deref()
                .map(|ctx| format!(" (context {ctx})"))
                .unwrap_or_default()
        ),
        None => "no cluster to ask: give the verify stage a token with `rotate next --token-file FILE` or a cluster with `rotate next --kubeconfig FILE`".into(),
    }
}

/// `rotate next` options.
#[derive(Debug, Clone, Default)]
pub struct NextOptions {
    pub dry_run: bool,
    pub i_checked_all_apiservers: bool,
    /// A token to verify (instead of asking the cluster).
    pub token: Option<crate::keys::secret::Secret>,
    /// A cluster to ask for the verify stage's token, given at `next` (`--kubeconfig`).
    pub token_cluster: Option<ClusterConfig>,
    /// `--no-public-check` at `next`: recorded in the state (who, when) from this run on.
    pub no_public_check: Option<String>,
    /// `--reissue-legacy-tokens`: before retire, have kube-controller-manager re-sign the legacy
    /// token Secrets that carry the old kid.
    pub reissue_legacy_tokens: bool,
    /// `--allow-breaking-legacy-tokens`: retire although some do; who gave it, recorded in the
    /// state.
    pub allow_breaking_legacy_tokens: Option<String>,
}

/// What one node went through in a stage.
#[derive(Debug, Clone, Serialize)]
pub struct NodeStep {
    pub node: String,
    /// Files written on the node (manifests, key files, backups of archived keys).
    pub files: Vec<PathBuf>,
    /// How long sakr waited for the node's apiserver after its edit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waited_seconds: Option<f64>,
    pub note: String,
}

/// What one `next` did (or would do).
#[derive(Debug, Serialize)]
pub struct StepReport {
    pub stage: Option<Stage>,
    pub done: bool,
    pub dry_run: bool,
    pub summary: String,
    /// Unified diffs of manifests changed by this stage (the first node's, when several
    /// nodes got the same edit).
    pub diffs: Vec<String>,
    /// Key files this stage replaces (kubeadm layout), with their kids before and after (the
    /// first node's, as `diffs`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub key_files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<publish::orchestrate::Report>,
    /// Per node, in rolling order (rotations over `--node`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<NodeStep>,
    pub notes: Vec<String>,
}

impl StepReport {
    pub(super) fn new(stage: Option<Stage>, dry_run: bool) -> StepReport {
        StepReport {
            stage,
            done: false,
            dry_run,
            summary: String::new(),
            diffs: Vec::new(),
            key_files: Vec::new(),
            publish: None,
            nodes: Vec::new(),
            notes: Vec::new(),
        }
    }
}

/// How the verify stage gets its token when the cluster is not asked: rehearse mints one.
pub type TokenSource<'a> =
    &'a dyn Fn(&RotationState) -> anyhow::Result<crate::keys::secret::Secret>;

/// Everything a stage works with.
pub(super) struct Ctx<'a> {
    pub store: &'a mut Store,
    /// The lock this run holds: checked before each node's edit.
    pub lock: &'a Guard,
    pub state: RotationState,
    pub fleet: Fleet,
    /// The cluster, when the rotation asks each node's apiserver.
    pub live: Option<Live>,
    pub now: jiff::Timestamp,
    pub opts: &'a NextOptions,
}

impl Ctx<'_> {
    /// The cluster this run asks: `--kubeconfig` of this run, else the one recorded at start
    /// (a runner on another machine resumes with its own).
    pub fn cluster(&self) -> Option<ClusterConfig> {
        self.opts
            .token_cluster
            .clone()
            .or_else(|| self.state.cluster_for_tokens().cloned())
    }

    /// Save what a node went through as soon as it is done, so a resumed stage skips it (its
    /// first completion time is kept: the retire window counts from the last node's switch).
    fn node_done(&mut self, index: Option<usize>, record: Record, note: &str) -> Result<()> {
        let Some(i) = index else { return Ok(()) };
        if self.opts.dry_run {
            return Ok(());
        }
        let stages = &mut self.state.nodes[i].stages;
        match record {
            Record::Done(stage) => {
                stages.entry(stage).or_insert_with(|| StageRecord {
                    at: jiff::Timestamp::now(),
                    note: Some(note.to_string()),
                });
            }
            Record::Undone(stage) => {
                stages.remove(&stage);
            }
        }
        self.store.save(&self.state)?;
        Ok(())
    }
}

/// What a node's record says after its part of a rolling edit.
#[derive(Debug, Clone, Copy)]
pub(super) enum Record {
    /// It went through this stage.
    Done(Stage),
    /// It is back before this stage (abort: back on the old key).
    Undone(Stage),
}

/// What a rolling edit is, for its records and messages.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rolling {
    pub record: Record,
    /// "the switch", "the trust edit", …
    pub what: &'static str,
    /// What the operator can do when a node does not come back.
    pub advice: &'static str,
}

impl Rolling {
    pub fn stage(stage: Stage) -> Rolling {
        let (what, advice) = match stage {
            Stage::Trust => (
                "the trust edit",
                "when it is back, `sakr rotate next` carries on from it (the nodes done are not edited again), or `sakr rotate abort` ends the rotation",
            ),
            Stage::Switch => (
                "the switch",
                "when it is back, `sakr rotate next` carries on from it (the nodes done are not edited again), or `sakr rotate abort` puts every node back on the old key",
            ),
            _ => (
                "the retire edit",
                "when it is back, `sakr rotate next` carries on from it (the nodes done are not edited again); abort is no longer possible once a node dropped the old key",
            ),
        };
        Rolling {
            record: Record::Done(stage),
            what,
            advice,
        }
    }
}

/// Build the stage context: the fleet, and the cluster when the nodes' apiservers are known.
fn context<'a>(
    store: &'a mut Store,
    lock: &'a Guard,
    state: RotationState,
    now: jiff::Timestamp,
    opts: &'a NextOptions,
) -> Result<Ctx<'a>> {
    // The kubeconfig of this run (`--kubeconfig`), else the one recorded at start: a runner
    // on another machine resumes with its own.
    let cluster = opts
        .token_cluster
        .clone()
        .or_else(|| state.cluster_for_tokens().cloned());
    let fleet = Fleet::of(&state, cluster.as_ref()).map_err(other)?;
    let live = match &cluster {
        Some(cfg)
            if !fleet.is_local() && fleet.members.iter().any(|m| m.apiserver_at.is_some()) =>
        {
            Some(Live::connect(cfg)?)
        }
        _ => None,
    };
    Ok(Ctx {
        store,
        lock,
        state,
        fleet,
        live,
        now,
        opts,
    })
}

pub fn next(
    path: &Path,
    now: jiff::Timestamp,
    opts: &NextOptions,
    mint: Option<TokenSource<'_>>,
) -> Result<StepReport> {
    let (mut store, lock, state) = open_locked(path, opts.token_cluster.as_ref())?;
    if let Some(a) = &state.aborted {
        return Err(RotateError::Refused(format!(
            "this rotation was aborted at {}; start a new one",
            crate::text::time(a.at)
        )));
    }
    let Some(stage) = state.next_stage() else {
        let mut r = StepReport::new(None, opts.dry_run);
        r.done = true;
        r.summary = "the rotation is complete".into();
        return Ok(r);
    };
    let mut r = StepReport::new(Some(stage), opts.dry_run);
    // Saved with the stage (or with the wait's record), never on its own: every state write
    // is a whole step of the rotation.
    let mut state = state;
    if let (Some(who), None) = (&opts.no_public_check, &state.no_public_check) {
        state.no_public_check = Some(StageRecord {
            at: now,
            note: Some(who.clone()),
        });
    }
    let mut ctx = context(&mut store, &lock, state, now, opts)?;
    use super::stages;
    match stage {
        Stage::Generate => unreachable!("start records generate"),
        Stage::Publish => stages::publish(&mut ctx, &mut r)?,
        Stage::Trust => stages::trust(&mut ctx, &mut r)?,
        Stage::Switch => stages::switch(path, &mut ctx, &mut r)?,
        Stage::Verify => stages::verify(&mut ctx, mint, &mut r)?,
        Stage::Retire => stages::retire(&mut ctx, &mut r)?,
    }
    if !opts.dry_run {
        // When the stage finished, not when the command started: a rolling switch ends when
        // its last node signs with the new key, and the retire window counts from there.
        let at = if ctx.state.simulated_clock {
            now
        } else {
            jiff::Timestamp::now().max(now)
        };
        let record = StageRecord {
            at,
            note: Some(r.summary.clone()),
        };
        for n in ctx.state.nodes.iter_mut() {
            n.stages.entry(stage).or_insert_with(|| record.clone());
        }
        ctx.state.stages.insert(stage, record);
        ctx.store.save(&ctx.state)?;
        r.done = true;
    }
    Ok(r)
}

/// Plan `action` on every node (any refusal stops here, with nothing written on any node),
/// then apply it node by node. After each node's edit, when the rotation asks the apiservers,
/// wait until that node's apiserver shows `expect` (it restarted on the new manifest) before
/// touching the next node; a node not back within `--node-timeout` stops the stage with exit
/// 1, naming it, the other nodes left as they are. Each node is planned again right before its
/// edit (the first pass is the refusal check): a manifest changed while earlier nodes were
/// waited for (an operator's fix, a `kubeadm upgrade`) is edited as it is then, not overwritten
/// with what it was. Returns whether any node changed.
pub(super) fn roll(
    ctx: &mut Ctx<'_>,
    rolling: Rolling,
    action: &Action,
    expect: Option<&Expect>,
    r: &mut StepReport,
) -> Result<bool> {
    let layout = ctx.state.layout;
    let mut plans = Vec::new();
    let signer = ctx.state.signer.clone();
    let new_kid = ctx.state.new.kid.clone();
    for m in ctx.fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let root = m.host_root().to_path_buf();
        let cx = PlanContext {
            backup_dir: &m.backup_dir,
            check_files: true,
            signer: signer_context(signer.as_ref(), &new_kid, &root),
        };
        let plan = layout::plan_on(m.node.as_mut(), &ms, layout, action, &cx)
            .map_err(|e| prefixed(&m.prefix(), e.into()))?;
        plans.push((plan, ms));
    }
    if let Some((plan, ms)) = plans.iter().find(|(p, _)| !p.already()).or(plans.first()) {
        r.notes.extend(plan.manifests.notes.iter().cloned());
        r.key_files = plan.key_file_lines();
        r.diffs = plan
            .manifests
            .changes
            .iter()
            .map(|c| c.diff.clone())
            .collect();
        if !plan.already() {
            r.notes.push(match layout {
                Layout::Flags => format!(
                    "{}\n{}",
                    ops::KUBEADM_HINT_LEAD,
                    ms.kubeadm_hint_after(&plan.manifests)
                ),
                Layout::Kubeadm => KUBEADM_LAYOUT_NOTE.into(),
                Layout::Signer => SIGNER_LAYOUT_NOTE.into(),
            });
        }
    }
    let changed = plans.iter().any(|(p, _)| !p.already());
    if ctx.opts.dry_run {
        for (m, (plan, _)) in ctx.fleet.members.iter().zip(&plans) {
            if m.index.is_some() {
                r.nodes.push(NodeStep {
                    node: m.name.clone(),
                    files: plan.files(),
                    waited_seconds: None,
                    note: if plan.already() {
                        "already done".into()
                    } else {
                        "would edit".into()
                    },
                });
            }
        }
        return Ok(changed);
    }
    let timeout = Duration::from_secs(ctx.state.node_timeout_seconds);
    let names = ctx.fleet.names();
    for (k, (plan, _)) in plans.iter().enumerate() {
        let (index, name, addr) = {
            let m = &ctx.fleet.members[k];
            (m.index, m.name.clone(), m.apiserver_at.clone())
        };
        let recorded = match rolling.record {
            Record::Done(s) => index.is_some_and(|i| ctx.state.nodes[i].stages.contains_key(&s)),
            Record::Undone(s) => index.is_some_and(|i| !ctx.state.nodes[i].stages.contains_key(&s)),
        };
        let mut step = NodeStep {
            node: name.clone(),
            files: Vec::new(),
            waited_seconds: None,
            note: String::new(),
        };
        let mut already = plan.already();
        if !already {
            // A Lease lost while earlier nodes were waited for (its apiserver down too long, or
            // taken over): another runner may be editing; stop before touching this node.
            if let Err(why) = ctx.lock.check() {
                return Err(RotateError::GateClosed(format!(
                    "stopped before editing node {name}: {why}; this run edits nothing more (done: {}). Run `sakr rotate next` again: it carries on where the state says",
                    list(&names[..k])
                )));
            }
            let several = ctx.fleet.members.len() > 1;
            let m = &mut ctx.fleet.members[k];
            let prefix = m.prefix();
            let fresh = if several {
                let ms = m.load().map_err(|e| prefixed(&prefix, e.into()))?;
                let root = m.host_root().to_path_buf();
                let cx = PlanContext {
                    backup_dir: &m.backup_dir,
                    check_files: true,
                    signer: signer_context(signer.as_ref(), &new_kid, &root),
                };
                Some(
                    layout::plan_on(m.node.as_mut(), &ms, layout, action, &cx)
                        .map_err(|e| prefixed(&prefix, e.into()))?,
                )
            } else {
                None
            };
            let plan = fresh.as_ref().unwrap_or(plan);
            already = plan.already();
            if !already {
                crate::node::test_hook_before_node(&name);
                let backups = layout::apply_on(m.node.as_mut(), plan, &m.backup_dir)
                    .map_err(|e| prefixed(&prefix, e.into()))?;
                step.files = plan.files();
                step.files.extend(backups);
            }
        }
        step.note = if already { "already done" } else { "edited" }.into();
        // Wait for the node's apiserver unless an earlier run already saw it back.
        if let (Some(live), Some(addr), Some(expect), false) =
            (&ctx.live, &addr, expect, recorded && already)
        {
            match live.wait_for(addr, expect, timeout) {
                Ok(waited) => {
                    step.waited_seconds = Some(waited.as_secs_f64());
                    step.note = format!(
                        "{}; its kube-apiserver ({}) is back, {}",
                        step.note,
                        addr.place(),
                        expect.describe()
                    );
                }
                Err(why) => {
                    return Err(RotateError::Refused(format!(
                        "node {name}: its kube-apiserver at {} is {why}; {} stopped here (done: {}; edited, not back: {name}; not touched: {}). Look at the node (kubelet logs, `crictl ps -a`); {}",
                        addr.place(),
                        rolling.what,
                        list(&names[..k]),
                        list(&names[k + 1..]),
                        rolling.advice,
                    )));
                }
            }
        }
        ctx.node_done(index, rolling.record, &step.note)?;
        if index.is_some() {
            r.nodes.push(step);
        }
    }
    Ok(changed)
}

/// The signer layout's context of one node.
pub(super) fn signer_context<'a>(
    signer: Option<&'a super::state::SignerRef>,
    new_kid: &'a str,
    host_root: &'a Path,
) -> Option<layout::signer::SignerContext<'a>> {
    signer.map(|s| layout::signer::SignerContext {
        config: &s.config,
        host_root,
        new_entry: Some(&s.new_entry),
        new_kid: Some(new_kid),
    })
}

/// An error about one node, naming it once.
pub(super) fn prefixed(prefix: &str, e: RotateError) -> RotateError {
    if prefix.is_empty() {
        return e;
    }
    match e {
        RotateError::Refused(s) if !s.starts_with(prefix) => {
            RotateError::Refused(format!("{prefix}{s}"))
        }
        RotateError::GateClosed(s) if !s.starts_with(prefix) => {
            RotateError::GateClosed(format!("{prefix}{s}"))
        }
        RotateError::Other(e) if !e.to_string().starts_with(prefix) => {
            RotateError::Other(e.context(prefix.trim_end_matches(": ").to_string()))
        }
        e => e,
    }
}

/// `rotate abort`: before retire, sign with the old key again on every node (both stay
/// trusted), rolling as the switch did.
pub fn abort(
    path: &Path,
    now: jiff::Timestamp,
    dry_run: bool,
    cluster: Option<ClusterConfig>,
) -> Result<StepReport> {
    let (mut store, lock, state) = open_locked(path, cluster.as_ref())?;
    let mut r = StepReport::new(None, dry_run);
    if state.done(Stage::Retire) {
        return Err(RotateError::Refused(
            "the old key is already retired; a rotation cannot be aborted after retire (start a new rotation instead)".into(),
        ));
    }
    if state.aborted.is_some() {
        r.summary = "already aborted".into();
        return Ok(r);
    }
    let opts = NextOptions {
        dry_run,
        token_cluster: cluster,
        ..NextOptions::default()
    };
    let mut ctx = context(&mut store, &lock, state, now, &opts)?;
    ctx.fleet.open_sessions();
    let switch_begun = ctx.state.done(Stage::Switch)
        || ctx.state.done(Stage::Trust) && ctx.state.any_node_done(Stage::Switch)
        || ctx.state.next_stage() == Some(Stage::Verify);
    // A switch killed before its first node record may still have edited a node: ask them.
    let mut signs_new = switch_begun;
    if !signs_new && ctx.state.done(Stage::Trust) && ctx.state.signer.is_some() {
        let s = ctx.state.signer.clone().expect("checked");
        for m in ctx.fleet.members.iter_mut() {
            let root = m.host_root().to_path_buf();
            let set = layout::signer::read_set_on(m.node.as_mut(), &root, &s.config)
                .map_err(|e| prefixed(&m.prefix(), e.into()))?;
            if set.kid_of(set.active()) == ctx.state.new.kid {
                signs_new = true;
            }
        }
    } else if !signs_new && ctx.state.done(Stage::Trust) {
        for m in ctx.fleet.members.iter_mut() {
            let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
            if ms.apiserver.manifest.signing_key_file() == Some(ctx.state.new.private_key.as_str())
                || ms.facts.signing_key_kid.as_deref() == Some(ctx.state.new.kid.as_str())
            {
                signs_new = true;
            }
        }
    }
    let on_every_node = if ctx.fleet.is_local() {
        String::new()
    } else {
        format!(" on every node ({})", ctx.fleet.names().join(", "))
    };
    if signs_new && matches!(ctx.state.layout, Layout::Signer | Layout::Kubeadm) {
        // Signer: the old key is still in every node's set and becomes the active key again.
        // Kubeadm: the old sa.key was archived into each node's backup directory at switch,
        // found there by its kid and written back as sa.key.
        let old = ctx.state.old.clone();
        let old_public = super::stages::trusted_keys(&mut ctx)?
            .into_iter()
            .find(|k| k.kid() == old.kid);
        let expect = old_public.map(Expect::SignsWith);
        roll(
            &mut ctx,
            abort_rolling(),
            &Action::SignWith(old.kid.clone()),
            expect.as_ref(),
            &mut r,
        )?;
        r.summary = if ctx.state.layout == Layout::Signer {
            format!(
                "{} the old key (kid {}, {}) the active key of {} again{on_every_node}; both keys stay in the set",
                if dry_run { "would make" } else { "made" },
                old.kid,
                old.private_key,
                old.public_key,
            )
        } else {
            format!(
                "{} sa.key back to the old key (kid {}, from the archive taken at switch){on_every_node}; both keys stay in sa.pub",
                if dry_run { "would put" } else { "put" },
                old.kid,
            )
        };
    } else if signs_new {
        let old = ctx.state.old.clone();
        let mut old_public = None;
        for m in ctx.fleet.members.iter_mut() {
            let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
            let host = ms
                .target
                .host_path(&ms.apiserver.manifest, &old.private_key)
                .unwrap_or_else(|| old.private_key_host.clone());
            let Some(file) = m.key_file(&host).map_err(other)? else {
                return Err(other(anyhow::anyhow!(
                    "{}the old signing key {} is gone; cannot switch back",
                    m.prefix(),
                    host.display()
                )));
            };
            old_public = file.signing_key().map(|b| b.key.clone());
        }
        let expect = old_public.map(Expect::SignsWith);
        roll(
            &mut ctx,
            abort_rolling(),
            &Action::SignWith(old.private_key.clone()),
            expect.as_ref(),
            &mut r,
        )?;
        r.summary = format!(
            "{} back to signing with {}{on_every_node}; both keys stay trusted",
            if dry_run { "would switch" } else { "switched" },
            old.private_key,
        );
    } else {
        r.summary = "the new key never signed anything; nothing to switch back".into();
    }
    if !dry_run {
        ctx.state.aborted = Some(StageRecord {
            at: now,
            note: Some(r.summary.clone()),
        });
        ctx.store.save(&ctx.state)?;
        r.done = true;
    }
    Ok(r)
}

fn abort_rolling() -> Rolling {
    Rolling {
        record: Record::Undone(Stage::Switch),
        what: "the abort",
        advice: "when it is back, run `sakr rotate abort` again: it carries on from that node (the nodes back on the old key are not edited again)",
    }
}
