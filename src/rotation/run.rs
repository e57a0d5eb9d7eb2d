//! Stage actions and gates (DESIGN §1, §3 `rotate`; issue 6). Every action is idempotent: it
//! checks whether its effect is already in place (the manifest already trusts the key, the JWKS
//! already lists it, the old key files are already archived) so that a crash between an action
//! and the state update is repaired by running `next` again.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::state::{
    ApiserverCheck, ClusterConfig, KeyRef, ManifestConfig, PublishConfig, RotationState,
    SCHEMA_VERSION, Stage, StageRecord,
};
use super::store::{Guard, Store, StoreError};
use super::window;
use crate::jwks::Jwks;
use crate::jwks::discovery::Discovery;
use crate::keys::generate::{self, Algorithm};
use crate::keys::{KeyFile, PublicKey};
use crate::manifests::ops::{self, Action, OpsError, State as ManifestState};
use crate::publish;

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

type Result<T> = std::result::Result<T, RotateError>;

fn other(e: impl Into<anyhow::Error>) -> RotateError {
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

/// `rotate start` options.
#[derive(Debug, Clone)]
pub struct StartOptions {
    pub state: PathBuf,
    pub key_dir: Option<PathBuf>,
    pub name: Option<String>,
    pub algorithm: Algorithm,
    pub manifests: ManifestConfig,
    pub publish: Option<PublishConfig>,
    pub apiservers: ApiserverCheck,
    /// The cluster to ask for the verify stage's token, when `apiservers` does not say.
    pub token_cluster: Option<ClusterConfig>,
    pub overlap_seconds: i64,
    pub simulated_clock: bool,
}

fn load_manifests(m: &ManifestConfig) -> Result<ManifestState> {
    Ok(ops::open(
        m.manifests_dir.as_deref(),
        m.apiserver.as_deref(),
        m.controller_manager.as_deref(),
        &m.host_root,
    )?)
}

/// What `start` did.
#[derive(Debug, Serialize)]
pub struct Started {
    pub state: RotationState,
    /// How the verify stage will get its fresh token (settled now, not discovered at verify).
    pub verify_token: String,
    pub notes: Vec<String>,
}

/// How the verify stage of `state` gets its token, in words an operator can act on.
pub fn verify_token_source(state: &RotationState) -> String {
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

pub fn start(opts: &StartOptions, now: jiff::Timestamp) -> Result<Started> {
    if let Some(name) = &opts.name {
        crate::keys::name::validate(name).map_err(other)?;
    }
    let mut store = Store::open(
        &opts.state,
        match &opts.apiservers {
            ApiserverCheck::Cluster(c) => Some(c),
            _ => opts.token_cluster.as_ref(),
        },
    )?;
    let _lock = store.lock(true)?;
    if store.exists()? {
        return Err(RotateError::Refused(format!(
            "{} already holds a rotation; see `sakr rotate status --state {0}`, finish or abort it first",
            store.shown()
        )));
    }
    let ms = load_manifests(&opts.manifests)?;
    let api = &ms.apiserver.manifest;
    if let Some(ep) = api.signing_endpoint() {
        return Err(RotateError::Refused(format!(
            "{} uses an external signer ({ep}, KEP-740): keys live in the signer, not in files sakr can rotate",
            ms.apiserver.path.display()
        )));
    }
    let signing = api.signing_key_file().ok_or_else(|| {
        RotateError::Refused(format!(
            "{} has no --service-account-signing-key-file",
            ms.apiserver.path.display()
        ))
    })?;
    let old_kid = ms.facts.signing_key_kid.clone().ok_or_else(|| {
        other(anyhow::anyhow!(
            "cannot read the current signing key {signing} (host: {})",
            ms.target
                .host_path(api, signing)
                .unwrap_or_default()
                .display()
        ))
    })?;
    // The old public key is the key-file entry that holds the signing key's public half.
    let old_pub = api
        .key_files()
        .into_iter()
        .find(|kf| {
            matches!(ms.facts.key_files.get(*kf), Some(crate::manifests::KeyFileFact::Kids { kids }) if kids.contains(&old_kid))
        })
        .ok_or_else(|| {
            RotateError::Refused(format!(
                "the current signing key {signing} (kid {old_kid}) is not among the --service-account-key-file entries: the cluster is already broken; fix that first (sakr manifest show)"
            ))
        })?
        .to_string();
    if let Some(cm) = &ms.controller_manager
        && ms.facts.controller_manager_key_kid.as_deref() != Some(old_kid.as_str())
    {
        return Err(RotateError::Refused(format!(
            "{} signs legacy tokens with another key than kube-apiserver ({}); align them first",
            cm.path.display(),
            cm.manifest.private_key_file().unwrap_or("none")
        )));
    }
    let host = |p: &str| ms.target.host_path(api, p).unwrap_or_default();
    let old = KeyRef {
        kid: old_kid,
        private_key: signing.to_string(),
        public_key: old_pub.clone(),
        private_key_host: host(signing),
        public_key_host: host(&old_pub),
    };

    // New keys go next to the old signing key unless --key-dir says otherwise; either way the
    // apiserver must see the directory through a hostPath mount.
    let key_dir_host = match &opts.key_dir {
        Some(d) => std::path::absolute(d).map_err(other)?,
        None => old
            .private_key_host
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    // The manifests directory must never receive a key: the kubelet would try to start
    // NAME.key and NAME.pub as static pods, and a private key there is one `cat` from any
    // tool that reads manifests (issue 13, finding 9).
    if let Some(mdir) = &ms.target.manifests_dir {
        let real = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
        if real(&key_dir_host).starts_with(real(mdir)) {
            return Err(other(anyhow::anyhow!(
                "--key-dir {}: inside the manifests directory {}; keys belong beside the current ones (e.g. /etc/kubernetes/pki)",
                key_dir_host.display(),
                mdir.display()
            )));
        }
    }
    let key_dir_container =
        ops::container_path_for(&ms.target, api, &key_dir_host).ok_or_else(|| {
            other(anyhow::anyhow!(
                "--key-dir {}: kube-apiserver does not see this directory through any hostPath volume",
                key_dir_host.display()
            ))
        })?;
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| format!("sa-{}", now.strftime("%Y%m%d")));

    let new_key_host = key_dir_host.join(format!("{name}.key"));
    let new_pub_host = key_dir_host.join(format!("{name}.pub"));
    let mut notes = Vec::new();
    let new_public = match adopt_interrupted_start(&ms, &new_key_host, &new_pub_host)? {
        Some(public) => {
            notes.push(format!(
                "adopted the key pair {} left by an interrupted `rotate start` (kid {}; unused by the manifests)",
                new_key_host.display(),
                public.kid()
            ));
            public
        }
        None => {
            let generated = generate::generate(opts.algorithm).map_err(other)?;
            crate::fsutil::write_key_pair(
                (&new_key_host, generated.private_pem.expose()),
                (&new_pub_host, generated.public.to_pem().as_bytes()),
                false,
            )
            .map_err(|e| match e {
                crate::fsutil::FsError::Exists { path } => other(anyhow::anyhow!(
                    "{} already exists and is not the key pair of an interrupted start; choose another --name",
                    path.display()
                )),
                e => other(e),
            })?;
            generated.public
        }
    };
    let join = |f: &str| format!("{}/{f}", key_dir_container.trim_end_matches('/'));
    let new = KeyRef {
        kid: new_public.kid(),
        private_key: join(&format!("{name}.key")),
        public_key: join(&format!("{name}.pub")),
        private_key_host: new_key_host,
        public_key_host: new_pub_host,
    };
    let mut state = RotationState {
        schema_version: SCHEMA_VERSION,
        created_at: now,
        manifests: opts.manifests.clone(),
        old,
        new,
        publish: opts.publish.clone(),
        apiservers: opts.apiservers.clone(),
        token_cluster: opts.token_cluster.clone(),
        overlap_seconds: opts.overlap_seconds,
        stages: Default::default(),
        apiservers_asserted: None,
        aborted: None,
        simulated_clock: opts.simulated_clock,
    };
    state.stages.insert(
        Stage::Generate,
        StageRecord {
            at: now,
            note: Some(format!(
                "{} key {} at {}",
                opts.algorithm.name(),
                state.new.kid,
                state.new.private_key
            )),
        },
    );
    if let Err(e) = store.create(&state) {
        // Without a state file nobody would know these keys belong to a rotation.
        let _ = std::fs::remove_file(&state.new.private_key_host);
        let _ = std::fs::remove_file(&state.new.public_key_host);
        return Err(other(e));
    }
    Ok(Started {
        verify_token: verify_token_source(&state),
        state,
        notes,
    })
}

/// `start` writes the key pair before the state file, so a start killed in between leaves a
/// pair (or, killed between the two renames, only the `.key`) that no state file mentions.
/// Running `start` again takes that pair over instead of failing on the existing name, when it
/// is provably the leftover: a private key written 0600, with at most its own public half
/// beside it, that no manifest flag names. Anything else stays an error: sakr never takes over
/// a key it cannot account for.
fn adopt_interrupted_start(
    ms: &ManifestState,
    key_host: &Path,
    pub_host: &Path,
) -> Result<Option<PublicKey>> {
    use std::os::unix::fs::PermissionsExt as _;
    let Ok(meta) = std::fs::symlink_metadata(key_host) else {
        return Ok(None);
    };
    if !meta.is_file() || meta.permissions().mode() & 0o077 != 0 {
        return Ok(None);
    }
    let Some(block) = read_key(key_host)
        .ok()
        .and_then(|f| f.signing_key().cloned())
    else {
        return Ok(None);
    };
    let public = block.key;
    let kid = public.kid();
    let used = ms.trusted_kids().contains(&kid)
        || ms.facts.signing_key_kid.as_deref() == Some(kid.as_str())
        || ms.facts.controller_manager_key_kid.as_deref() == Some(kid.as_str());
    if used {
        return Ok(None);
    }
    match crate::fsutil::read_key_file(pub_host) {
        Ok(file) if file.blocks.len() == 1 && file.blocks[0].key.kid() == kid => {}
        Err(e) if e.is_not_found() => {
            crate::fsutil::write_atomic(
                pub_host,
                public.to_pem().as_bytes(),
                crate::fsutil::WriteOptions::mode(0o644).no_clobber(true),
            )
            .map_err(other)?;
        }
        _ => return Ok(None),
    }
    Ok(Some(public))
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
}

/// What one `next` did (or would do).
#[derive(Debug, Serialize)]
pub struct StepReport {
    pub stage: Option<Stage>,
    pub done: bool,
    pub dry_run: bool,
    pub summary: String,
    /// Unified diffs of manifests changed by this stage.
    pub diffs: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish: Option<publish::orchestrate::Report>,
    pub notes: Vec<String>,
}

impl StepReport {
    fn new(stage: Stage, dry_run: bool) -> StepReport {
        StepReport {
            stage: Some(stage),
            done: false,
            dry_run,
            summary: String::new(),
            diffs: Vec::new(),
            publish: None,
            notes: Vec::new(),
        }
    }
}

/// How the verify stage gets its token when the cluster is not asked: rehearse mints one.
pub type TokenSource<'a> =
    &'a dyn Fn(&RotationState) -> anyhow::Result<crate::keys::secret::Secret>;

pub fn next(
    path: &Path,
    now: jiff::Timestamp,
    opts: &NextOptions,
    mint: Option<TokenSource<'_>>,
) -> Result<StepReport> {
    let (mut store, _lock, mut state) = open_locked(path, opts.token_cluster.as_ref())?;
    if let Some(a) = &state.aborted {
        return Err(RotateError::Refused(format!(
            "this rotation was aborted at {}; start a new one",
            crate::text::time(a.at)
        )));
    }
    let Some(stage) = state.next_stage() else {
        return Ok(StepReport {
            stage: None,
            done: true,
            dry_run: opts.dry_run,
            summary: "the rotation is complete".into(),
            diffs: Vec::new(),
            publish: None,
            notes: Vec::new(),
        });
    };
    let mut report = StepReport::new(stage, opts.dry_run);
    match stage {
        Stage::Generate => unreachable!("start records generate"),
        Stage::Publish => stage_publish(&state, opts, &mut report)?,
        Stage::Trust => stage_trust(&state, opts, &mut report)?,
        Stage::Switch => stage_switch(path, &mut state, now, opts, &mut report)?,
        Stage::Verify => stage_verify(&state, opts, mint, &mut report)?,
        Stage::Retire => stage_retire(&state, now, opts, &mut report)?,
    }
    if !opts.dry_run {
        state.stages.insert(
            stage,
            StageRecord {
                at: now,
                note: Some(report.summary.clone()),
            },
        );
        store.save(&state)?;
        report.done = true;
    }
    Ok(report)
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(other)
}

/// Keys kube-apiserver trusts now (in flag order), read from the key files.
fn trusted_keys(ms: &ManifestState) -> Result<Vec<PublicKey>> {
    let api = &ms.apiserver.manifest;
    let mut keys = Vec::new();
    for kf in api.key_files() {
        let host = ms.target.host_path(api, kf).unwrap_or_default();
        let file = read_key(&host)?;
        keys.extend(
            file.blocks
                .into_iter()
                .filter(|b| b.key_file_problem().is_none())
                .map(|b| b.key),
        );
    }
    Ok(keys)
}

fn read_key(host: &Path) -> Result<KeyFile> {
    crate::fsutil::read_key_file(host).map_err(other)
}

fn public_key_of(host: &Path) -> Result<PublicKey> {
    Ok(read_key(host)?.blocks[0].key.clone())
}

/// Publish `keys` (JWKS + discovery) to the configured target.
fn publish_keys(
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

/// The kids published now under the configured target.
fn published_kids(cfg: &PublishConfig) -> Result<Vec<String>> {
    let (target, options) = store_config(cfg)?;
    let key = jwks_key(cfg);
    runtime()?.block_on(async {
        let store = publish::open(&target, &options).await.map_err(other)?;
        match store.get(&key).await.map_err(other)? {
            None => Ok(Vec::new()),
            Some(obj) => publish::orchestrate::kids_of(&obj.bytes)
                .map_err(|e| other(anyhow::anyhow!("{}: {e}", store.url(&key)))),
        }
    })
}

fn stage_publish(state: &RotationState, opts: &NextOptions, r: &mut StepReport) -> Result<()> {
    let Some(cfg) = &state.publish else {
        r.summary = "skipped: no --publish-to (no external relying parties)".into();
        return Ok(());
    };
    let ms = load_manifests(&state.manifests)?;
    let mut keys = trusted_keys(&ms)?;
    keys.push(public_key_of(&state.new.public_key_host)?);
    let report = publish_keys(cfg, &keys, false, opts.dry_run)?;
    r.summary = format!(
        "{} JWKS with {} key(s) (added {}) and the discovery document to {}",
        if opts.dry_run {
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

fn apply_action(
    state: &RotationState,
    action: Action,
    dry_run: bool,
    r: &mut StepReport,
) -> Result<bool> {
    let ms = load_manifests(&state.manifests)?;
    let plan = ops::plan(&ms, &action, true)?;
    r.notes.extend(plan.notes.iter().cloned());
    r.diffs = plan.changes.iter().map(|c| c.diff.clone()).collect();
    if !plan.already() {
        r.notes.push(format!(
            "{}\n{}",
            ops::KUBEADM_HINT_LEAD,
            ms.kubeadm_hint_after(&plan)
        ));
    }
    if plan.already() || dry_run {
        return Ok(!plan.already());
    }
    ops::apply(&plan, &state.manifests.backup_dir)?;
    Ok(true)
}

fn stage_trust(state: &RotationState, opts: &NextOptions, r: &mut StepReport) -> Result<()> {
    require_published(state)?;
    let changed = apply_action(
        state,
        Action::Trust(state.new.public_key.clone()),
        opts.dry_run,
        r,
    )?;
    r.summary = format!(
        "{} {} to kube-apiserver --service-account-key-file{}",
        if opts.dry_run { "would add" } else { "added" },
        state.new.public_key,
        if changed {
            ""
        } else {
            " (it was already there)"
        }
    );
    r.notes.push(
        "the kubelet restarts kube-apiserver when its manifest changes; on HA clusters do the same on every control-plane node (sakr manifest trust)".into(),
    );
    Ok(())
}

fn stage_switch(
    path: &Path,
    state: &mut RotationState,
    now: jiff::Timestamp,
    opts: &NextOptions,
    r: &mut StepReport,
) -> Result<()> {
    require_published(state)?;
    match &state.apiservers {
        ApiserverCheck::SingleNode => {
            let ms = load_manifests(&state.manifests)?;
            if !ms.trusted_kids().contains(&state.new.kid) {
                return Err(RotateError::Refused(format!(
                    "{} does not trust the new kid {}",
                    ms.apiserver.path.display(),
                    state.new.kid
                )));
            }
            r.notes
                .push("single control-plane node: its manifest trusts the new key".into());
            // With a kubeconfig, the running apiserver too: the kubelet takes a while to
            // notice the trust edit and restart it, and until it has, tokens from the new key
            // would be rejected.
            if let Some(cfg) = opts
                .token_cluster
                .as_ref()
                .or_else(|| state.cluster_for_tokens())
            {
                let server = live_apiserver_gate(cfg, &state.new.kid)?;
                r.notes.push(format!(
                    "the running kube-apiserver ({server}) is ready and serves the new kid"
                ));
            }
        }
        ApiserverCheck::Manual => {
            if state.apiservers_asserted.is_none() {
                if !opts.i_checked_all_apiservers {
                    return Err(RotateError::GateClosed(format!(
                        "waiting until every kube-apiserver trusts kid {}: sakr cannot ask the cluster (no --kubeconfig at start); \
                         check each apiserver's /openid/v1/jwks, then run `sakr rotate next --state {} --i-checked-all-apiservers`",
                        state.new.kid,
                        path.display()
                    )));
                }
                if !opts.dry_run {
                    state.apiservers_asserted = Some(StageRecord {
                        at: now,
                        note: Some(format!(
                            "--i-checked-all-apiservers given by {}",
                            std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
                        )),
                    });
                }
            }
        }
        ApiserverCheck::Cluster(cfg) => {
            cluster_gate(cfg, &state.new.kid)?;
        }
    }
    let changed = apply_action(
        state,
        Action::SignWith(state.new.private_key.clone()),
        opts.dry_run,
        r,
    )?;
    r.summary = format!(
        "{} kube-apiserver and kube-controller-manager to sign with {}{}",
        if opts.dry_run {
            "would switch"
        } else {
            "switched"
        },
        state.new.private_key,
        if changed { "" } else { " (already so)" }
    );
    if !matches!(state.apiservers, ApiserverCheck::SingleNode) {
        r.notes.push(format!(
            "this switched this node's manifests only: on an HA control plane run `sakr manifest sign-with {}` on every other control-plane node before the verify stage",
            state.new.private_key
        ));
    }
    Ok(())
}

fn stage_verify(
    state: &RotationState,
    opts: &NextOptions,
    mint: Option<TokenSource<'_>>,
    r: &mut StepReport,
) -> Result<()> {
    let cluster = opts
        .token_cluster
        .as_ref()
        .or_else(|| state.cluster_for_tokens());
    let token = match (&opts.token, mint, cluster) {
        (Some(t), _, _) => t.clone(),
        (None, Some(mint), _) => mint(state).map_err(other)?,
        (None, None, Some(cfg)) => cluster_token(cfg)?,
        (None, None, None) => {
            return Err(RotateError::GateClosed(
                "the verify stage needs a fresh token and this rotation has no cluster to ask: run `sakr rotate next --token-file FILE` (FILE from `kubectl create token default`) or `sakr rotate next --kubeconfig FILE`".into(),
            ));
        }
    };
    if opts.dry_run {
        r.summary = "would verify a fresh token against the new key".into();
        return Ok(());
    }
    let text = String::from_utf8_lossy(token.expose()).into_owned();
    let decoded = crate::token::decode(&text).map_err(other)?;
    if decoded.kid() == Some(state.old.kid.as_str()) {
        return Err(RotateError::GateClosed(format!(
            "the token is still signed with the old key {}: kube-apiserver has not restarted with the new signing key yet",
            state.old.kid
        )));
    }
    let keys = vec![public_key_of(&state.new.public_key_host)?];
    let source = match &state.publish {
        Some(cfg) => {
            let kids = published_kids(cfg)?;
            if !kids.contains(&state.new.kid) {
                return Err(RotateError::Refused(format!(
                    "the published JWKS at {} lacks the new kid {}",
                    cfg.to, state.new.kid
                )));
            }
            format!("the new key, also published at {}", cfg.to)
        }
        None => "the new key".to_string(),
    };
    let kid = state.new.kid.clone();
    let checks = crate::token::checks::run(
        &decoded,
        &crate::token::checks::Expectations {
            keys: &keys,
            keys_source: &source,
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

fn stage_retire(
    state: &RotationState,
    now: jiff::Timestamp,
    opts: &NextOptions,
    r: &mut StepReport,
) -> Result<()> {
    // None: the window runs past the end of representable time (a state file or --overlap far
    // out of range) — never retire on that, and never panic.
    let Some(not_before) = retire_not_before(state) else {
        return Err(RotateError::Refused(format!(
            "the retire window (switch + {}s) runs past any representable time; the state's overlap_seconds is out of range",
            retire_window_of(state).total_seconds
        )));
    };
    if now < not_before {
        let w = retire_window_of(state);
        return Err(RotateError::GateClosed(format!(
            "the old key may be retired at {} (switch + max(24h10s, overlap {}s) + cache max-age {}s); {} to go",
            crate::text::time(not_before),
            w.overlap_seconds,
            w.cache_max_age_seconds,
            crate::token::checks::human_duration((not_before - now).get_seconds())
        )));
    }
    // Before anything changes: the files retire will move and delete are the old key the
    // state names, where the manifests put it (the state file is input too).
    check_old_key_files(state)?;
    let changed = apply_action(
        state,
        Action::Retire(state.old.public_key.clone()),
        opts.dry_run,
        r,
    )?;
    let mut parts = vec![format!(
        "{} {} from --service-account-key-file{}",
        if opts.dry_run {
            "would remove"
        } else {
            "removed"
        },
        state.old.public_key,
        if changed { "" } else { " (already gone)" }
    )];
    if let Some(cfg) = &state.publish {
        let ms = load_manifests(&state.manifests)?;
        let keys: Vec<PublicKey> = trusted_keys(&ms)?
            .into_iter()
            .filter(|k| k.kid() != state.old.kid)
            .collect();
        let report = publish_keys(cfg, &keys, true, opts.dry_run)?;
        parts.push(format!(
            "{} kid {} from the JWKS at {}",
            if opts.dry_run {
                "would drop"
            } else {
                "dropped"
            },
            state.old.kid,
            cfg.to
        ));
        r.publish = Some(report);
    }
    if !opts.dry_run {
        let archived = archive_old_keys(state)?;
        if !archived.is_empty() {
            parts.push(format!(
                "archived {} into {}",
                archived.join(", "),
                state.manifests.backup_dir.display()
            ));
        }
    }
    r.notes.push(
        "legacy Secret-based ServiceAccount tokens signed with the old key stop working now; re-create any still in use".into(),
    );
    if !matches!(state.apiservers, ApiserverCheck::SingleNode) {
        r.notes.push(format!(
            "this retired the old key on this node only: run `sakr manifest retire {}` on every other control-plane node, each only after it signs with the new key",
            state.old.public_key
        ));
    }
    r.summary = parts.join("; ");
    Ok(())
}

/// Refuse to archive anything but the old key pair the state names: each host path must be
/// where the apiserver manifest's hostPath volumes put the container path (under the host
/// root), a regular file (not a symlink), and hold the old kid. A state file edited to name
/// another file (`/etc/shadow`, a manifest) stops here, before any write (issue 13, finding 8).
/// A file already gone (archived by an earlier, interrupted retire) is fine.
fn check_old_key_files(state: &RotationState) -> Result<()> {
    let ms = load_manifests(&state.manifests)?;
    let api = &ms.apiserver.manifest;
    for (what, container, host) in [
        (
            "private key",
            &state.old.private_key,
            &state.old.private_key_host,
        ),
        (
            "public key",
            &state.old.public_key,
            &state.old.public_key_host,
        ),
    ] {
        let refuse = |why: String| {
            RotateError::Refused(format!(
                "refusing to archive the old {what} {}: {why}; the state file does not match the node (edited, or from another node?)",
                host.display()
            ))
        };
        match ms.target.host_path(api, container) {
            Some(expected) if expected == *host => {}
            Some(expected) => {
                return Err(refuse(format!(
                    "the manifests put {container} at {}",
                    expected.display()
                )));
            }
            None => {
                return Err(refuse(format!(
                    "{container} is under no hostPath volume of the apiserver manifest"
                )));
            }
        }
        match std::fs::symlink_metadata(host) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(other(
                    anyhow::Error::new(e).context(host.display().to_string()),
                ));
            }
            Ok(m) if !m.is_file() => {
                return Err(refuse("it is not a regular file".into()));
            }
            Ok(_) => {}
        }
        let file = read_key(host)?;
        if !file.blocks.iter().any(|b| b.key.kid() == state.old.kid) {
            return Err(refuse(format!(
                "it does not hold the old key (kid {})",
                state.old.kid
            )));
        }
    }
    Ok(())
}

/// Move the old key files into the backup dir (0600) once no manifest names them. Idempotent:
/// files already archived are skipped.
fn archive_old_keys(state: &RotationState) -> Result<Vec<String>> {
    let ms = load_manifests(&state.manifests)?;
    let mut still_used: Vec<&str> = ms.apiserver.manifest.key_files();
    still_used.extend(ms.apiserver.manifest.signing_key_file());
    if let Some(cm) = &ms.controller_manager {
        still_used.extend(cm.manifest.private_key_file());
    }
    let mut archived = Vec::new();
    std::fs::create_dir_all(&state.manifests.backup_dir).map_err(other)?;
    for (container, host) in [
        (&state.old.private_key, &state.old.private_key_host),
        (&state.old.public_key, &state.old.public_key_host),
    ] {
        if still_used
            .iter()
            .any(|u| crate::manifests::model::same_path(u, container))
            || !host.exists()
        {
            continue;
        }
        let dest = state
            .manifests
            .backup_dir
            .join(host.file_name().unwrap_or_default());
        let bytes = std::fs::read(host).map_err(other)?;
        crate::fsutil::write_atomic(&dest, &bytes, crate::fsutil::WriteOptions::mode(0o600))
            .map_err(other)?;
        std::fs::remove_file(host).map_err(other)?;
        archived.push(container.clone());
    }
    Ok(archived)
}

/// `rotate abort`: before retire, sign with the old key again (both stay trusted).
pub fn abort(path: &Path, now: jiff::Timestamp, dry_run: bool) -> Result<StepReport> {
    let (mut store, _lock, mut state) = open_locked(path, None)?;
    let mut r = StepReport::new(Stage::Switch, dry_run);
    r.stage = None;
    if state.done(Stage::Retire) {
        return Err(RotateError::Refused(
            "the old key is already retired; a rotation cannot be aborted after retire (start a new rotation instead)".into(),
        ));
    }
    if state.aborted.is_some() {
        r.summary = "already aborted".into();
        return Ok(r);
    }
    if state.done(Stage::Switch) || state.next_stage() == Some(Stage::Verify) {
        if !state.old.private_key_host.exists() {
            return Err(other(anyhow::anyhow!(
                "the old signing key {} is gone; cannot switch back",
                state.old.private_key_host.display()
            )));
        }
        apply_action(
            &state,
            Action::SignWith(state.old.private_key.clone()),
            dry_run,
            &mut r,
        )?;
        r.summary = format!(
            "{} back to signing with {}; both keys stay trusted",
            if dry_run { "would switch" } else { "switched" },
            state.old.private_key
        );
    } else {
        r.summary = "the new key never signed anything; nothing to switch back".into();
    }
    if !dry_run {
        state.aborted = Some(StageRecord {
            at: now,
            note: Some(r.summary.clone()),
        });
        store.save(&state)?;
        r.done = true;
    }
    Ok(r)
}

fn cluster_options(cfg: &super::state::ClusterConfig) -> crate::cluster::ClusterOptions {
    crate::cluster::ClusterOptions {
        kubeconfig: cfg.kubeconfig.clone(),
        context: cfg.context.clone(),
    }
}

/// Switch gate with cluster access: every apiserver endpoint serves the new kid (the drift
/// check's `every_apiserver_trusts`). An unreadable endpoint keeps the gate closed.
fn cluster_gate(cfg: &super::state::ClusterConfig, kid: &str) -> Result<()> {
    let (places, listing_error) = runtime()?.block_on(async {
        let cluster = crate::cluster::Cluster::connect(&cluster_options(cfg))
            .await
            .map_err(other)?;
        Ok::<_, RotateError>(cluster.jwks_per_apiserver().await)
    })?;
    if crate::cluster::every_apiserver_trusts(&places, kid) && listing_error.is_none() {
        return Ok(());
    }
    let lacking: Vec<String> = places
        .iter()
        .filter(|p| !matches!(&p.kids, Ok(k) if k.iter().any(|x| x == kid)))
        .map(|p| match &p.kids {
            Ok(_) => format!("{} lacks it", p.place),
            Err(e) => format!("{} unreadable: {e}", p.place),
        })
        .chain(listing_error.map(|e| format!("apiserver endpoints not listed: {}", e.chain())))
        .collect();
    Err(RotateError::GateClosed(format!(
        "waiting until every kube-apiserver serves kid {kid}: {}",
        lacking.join("; ")
    )))
}

/// A restarting apiserver is a closed gate (exit 3), not an error: said with what it was
/// asked and why it is probably down.
fn unavailable(server: &str, e: crate::cluster::ClusterError, after: &str) -> RotateError {
    if e.is_unavailable() {
        RotateError::GateClosed(format!(
            "kube-apiserver at {server} is not answering ({}): the kubelet is restarting it after the {after} edit; run `sakr rotate next` again in a minute",
            e.chain()
        ))
    } else {
        other(e)
    }
}

/// Switch gate of a single node with a kubeconfig: the running apiserver is ready and serves
/// the new kid (it restarted on the trusted manifest). Returns the server asked.
fn live_apiserver_gate(cfg: &super::state::ClusterConfig, kid: &str) -> Result<String> {
    runtime()?.block_on(async {
        let cluster = crate::cluster::Cluster::connect(&cluster_options(cfg))
            .await
            .map_err(other)?;
        let server = cluster.server();
        cluster
            .readyz()
            .await
            .map_err(|e| unavailable(&server, e, "trust"))?;
        let kids = cluster
            .apiserver_jwks()
            .await
            .map_err(|e| unavailable(&server, e, "trust"))?;
        if !kids.iter().any(|k| k == kid) {
            return Err(RotateError::GateClosed(format!(
                "kube-apiserver at {server} is ready but does not serve kid {kid} yet (it serves {}): the kubelet has not restarted it on the trusted manifest; run `sakr rotate next` again in a minute",
                if kids.is_empty() {
                    "none".to_string()
                } else {
                    kids.join(", ")
                }
            )));
        }
        Ok(server)
    })
}

/// A fresh token from the TokenRequest API (`default/default`), as `kubectl create token`.
fn cluster_token(cfg: &super::state::ClusterConfig) -> Result<crate::keys::secret::Secret> {
    runtime()?.block_on(async {
        let cluster = crate::cluster::Cluster::connect(&cluster_options(cfg))
            .await
            .map_err(other)?;
        let server = cluster.server();
        let issued = cluster
            .request_token("default", "default", &[], None)
            .await
            .map_err(|e| unavailable(&server, e, "switch"))?;
        Ok(issued.token)
    })
}
