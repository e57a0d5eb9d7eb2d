//! `sakr manifest show | trust | sign-with | retire` (DESIGN §3, §2.7; issue 3).

use serde::Serialize;

use crate::cli::{ManifestAction, ManifestArgs, ManifestOpts, ManifestPaths};
use crate::exit::{ChecksFailed, Refused};
use crate::manifests::hazards::KeyFileFact;
use crate::manifests::ops::{self, Action, OpsError, State};
use crate::output::Printer;
use crate::text::printable;

pub fn run(args: ManifestArgs, printer: &Printer) -> anyhow::Result<()> {
    if args.nodes.any() {
        return super::manifest_nodes::run(args, printer);
    }
    let state = load(&args.paths)?;
    match args.action {
        ManifestAction::Show => show(&state, kubeadm_config(&args.nodes)?.as_ref(), printer),
        ManifestAction::Trust { path, opts } => edit(&state, Action::Trust(path), &opts, printer),
        ManifestAction::SignWith { path, opts } => {
            edit(&state, Action::SignWith(path), &opts, printer)
        }
        ManifestAction::Retire { path, opts } => edit(&state, Action::Retire(path), &opts, printer),
    }
}

pub(crate) fn load(l: &ManifestPaths) -> anyhow::Result<State> {
    Ok(ops::open(
        l.manifests_dir.as_deref(),
        l.apiserver.as_deref(),
        l.controller_manager.as_deref(),
        &l.host_root,
    )?)
}

/// Refusals exit 1; everything else 2.
pub(crate) fn classify(e: OpsError) -> anyhow::Error {
    if e.is_refusal() {
        anyhow::Error::new(Refused(format!("{:#}", anyhow::Error::new(e))))
    } else {
        e.into()
    }
}

// `sakr manifest show -o json`: the documented shape of docs/json/manifest-show.schema.json
// (issue 14.9). Small and stable for scripts: the flags and what sakr found at each key file,
// never the parser's internals. Strings are as written in the manifests (JSON escapes them).

#[derive(Serialize)]
pub(crate) struct ShowJson {
    apiserver: ApiserverJson,
    controller_manager: Option<ControllerManagerJson>,
    hazards: Vec<HazardJson>,
    kubeadm_hint: String,
    /// The key layout the manifests are in (issues 17, 20): `kubeadm`, `flags`, or `signer`.
    layout: crate::layout::Layout,
    /// With `--kubeconfig` on a kubeadm cluster: the flags a `kubeadm upgrade` would change.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubeadm_upgrade: Option<Vec<crate::manifests::kubeadm::UpgradeDrift>>,
}

#[derive(Serialize)]
struct ApiserverJson {
    manifest: String,
    issuers: Vec<String>,
    key_files: Vec<KeyFileJson>,
    signing_key_file: Option<PrivateKeyJson>,
    signing_endpoint: Option<String>,
    max_token_expiration: Option<String>,
    extend_token_expiration: Option<String>,
}

#[derive(Serialize)]
struct KeyFileJson {
    path: String,
    host_path: Option<String>,
    /// `ok`, `missing`, `unreadable`, `no_usable_key`.
    state: &'static str,
    reason: Option<String>,
    keys: Vec<KeyJson>,
}

#[derive(Serialize)]
struct KeyJson {
    kid: String,
    form: String,
    used: bool,
}

#[derive(Serialize)]
struct PrivateKeyJson {
    path: String,
    host_path: Option<String>,
    /// `ok`, `missing`, `unreadable`, `no_private_key`.
    state: &'static str,
    kid: Option<String>,
    reason: Option<String>,
}

#[derive(Serialize)]
struct ControllerManagerJson {
    manifest: String,
    private_key_file: Option<PrivateKeyJson>,
}

#[derive(Serialize)]
struct HazardJson {
    kind: &'static str,
    /// `error` (the control plane is broken as the manifests stand; exit 1) or `warning`.
    severity: &'static str,
    message: String,
}

/// State and reason of a key file that was read (or not).
fn fact_state(fact: Option<&KeyFileFact>, empty: &'static str) -> (&'static str, Option<String>) {
    match fact {
        None => ("ok", None),
        Some(KeyFileFact::Kids { kids }) if kids.is_empty() => (empty, None),
        Some(KeyFileFact::Kids { .. }) => ("ok", None),
        Some(KeyFileFact::Missing) => ("missing", None),
        Some(KeyFileFact::Unreadable { reason }) => ("unreadable", Some(reason.clone())),
    }
}

fn private_key_json(
    state: &State,
    m: &crate::manifests::Manifest,
    path: &str,
    kid: Option<&String>,
    problem: Option<&KeyFileFact>,
) -> PrivateKeyJson {
    let (st, reason) = fact_state(problem, "no_private_key");
    PrivateKeyJson {
        path: path.to_string(),
        host_path: state
            .target
            .host_path(m, path)
            .map(|p| p.to_string_lossy().into_owned()),
        state: st,
        kid: kid.cloned(),
        reason,
    }
}

pub(crate) fn show_json(state: &State, hazards: &[crate::manifests::Hazard]) -> ShowJson {
    use crate::manifests::SaFlag;
    let api = &state.apiserver;
    let m = &api.manifest;
    let facts = &state.facts;
    ShowJson {
        apiserver: ApiserverJson {
            manifest: api.path.to_string_lossy().into_owned(),
            issuers: m.issuers().into_iter().map(str::to_string).collect(),
            key_files: m
                .key_files()
                .into_iter()
                .map(|p| {
                    let (st, reason) = fact_state(facts.key_files.get(p), "no_usable_key");
                    KeyFileJson {
                        path: p.to_string(),
                        host_path: state
                            .target
                            .host_path(m, p)
                            .map(|h| h.to_string_lossy().into_owned()),
                        state: st,
                        reason,
                        keys: facts
                            .key_file_blocks
                            .get(p)
                            .into_iter()
                            .flatten()
                            .map(|b| KeyJson {
                                kid: b.kid.clone(),
                                form: b.form.clone(),
                                used: b.used,
                            })
                            .collect(),
                    }
                })
                .collect(),
            signing_key_file: m.signing_key_file().map(|p| {
                private_key_json(
                    state,
                    m,
                    p,
                    facts.signing_key_kid.as_ref(),
                    facts.signing_key_problem.as_ref(),
                )
            }),
            signing_endpoint: m.signing_endpoint().map(str::to_string),
            max_token_expiration: m
                .value(SaFlag::ServiceAccountMaxTokenExpiration)
                .map(str::to_string),
            extend_token_expiration: m
                .value(SaFlag::ServiceAccountExtendTokenExpiration)
                .map(str::to_string),
        },
        controller_manager: state
            .controller_manager
            .as_ref()
            .map(|cm| ControllerManagerJson {
                manifest: cm.path.to_string_lossy().into_owned(),
                private_key_file: cm.manifest.private_key_file().map(|p| {
                    private_key_json(
                        state,
                        &cm.manifest,
                        p,
                        facts.controller_manager_key_kid.as_ref(),
                        facts.controller_manager_key_problem.as_ref(),
                    )
                }),
            }),
        hazards: hazards
            .iter()
            .map(|h| HazardJson {
                kind: h.kind(),
                severity: if h.is_error() { "error" } else { "warning" },
                message: h.to_string(),
            })
            .collect(),
        kubeadm_hint: state.kubeadm_hint(),
        layout: crate::layout::shown(state),
        kubeadm_upgrade: None,
    }
}

/// What the text report says after a private key file's path.
fn private_key_text(kid: Option<&String>, problem: Option<&KeyFileFact>) -> String {
    match (kid, problem) {
        (Some(kid), _) => format!("kid {kid}"),
        (None, Some(KeyFileFact::Missing)) => "MISSING".into(),
        (None, Some(KeyFileFact::Unreadable { reason })) => {
            format!("UNREADABLE: {}", printable(reason))
        }
        (None, _) => "NO PRIVATE KEY".into(),
    }
}

/// With `--kubeconfig`: the cluster's kubeadm ClusterConfiguration (`None` when the cluster
/// has no `kube-system/kubeadm-config`: not made by kubeadm), for the upgrade check.
pub(crate) fn kubeadm_config(
    nodes: &crate::cli::NodeArgs,
) -> anyhow::Result<Option<crate::manifests::kubeadm::Regenerated>> {
    let Some(kubeconfig) = &nodes.kubeconfig else {
        return Ok(None);
    };
    let opts = crate::cluster::ClusterOptions {
        kubeconfig: Some(kubeconfig.clone()),
        context: nodes.context.clone(),
    };
    let rt = crate::cluster::runtime()?;
    let text = rt.block_on(async {
        let c = crate::cluster::Cluster::connect(&opts).await?;
        c.read_configmap_key("kube-system", "kubeadm-config", "ClusterConfiguration")
            .await
    })?;
    match text {
        None | Some(None) => Ok(None),
        Some(Some(t)) => Ok(Some(crate::manifests::kubeadm::regenerated(&t)?)),
    }
}

/// What a kubeadm upgrade would change in `state`'s manifests, as warnings.
pub(crate) fn upgrade_drift(
    state: &State,
    config: Option<&crate::manifests::kubeadm::Regenerated>,
) -> Vec<crate::manifests::kubeadm::UpgradeDrift> {
    config.map_or_else(Vec::new, |c| {
        crate::manifests::kubeadm::drift(
            c,
            &state.apiserver.manifest,
            state.controller_manager.as_ref().map(|m| &m.manifest),
        )
    })
}

fn show(
    state: &State,
    kubeadm: Option<&crate::manifests::kubeadm::Regenerated>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let hazards = state.hazards();
    let upgrade = upgrade_drift(state, kubeadm);
    let errors = hazards.iter().filter(|h| h.is_error()).count();
    let broken = || -> anyhow::Result<()> {
        if errors > 0 {
            return Err(ChecksFailed(format!(
                "{errors} hazard(s) break the control plane as the manifests stand (see above)"
            ))
            .into());
        }
        Ok(())
    };
    if printer.json() {
        let mut doc = show_json(state, &hazards);
        doc.kubeadm_upgrade = kubeadm.map(|_| upgrade.clone());
        printer.json_doc(&doc);
        return broken();
    }
    printer.data(&show_text(state));
    for h in &hazards {
        printer.warn(&h.to_string());
    }
    for d in &upgrade {
        printer.warn(&d.to_string());
    }
    if hazards.is_empty() && upgrade.is_empty() {
        printer.note("no hazards found");
    }
    broken()
}

/// The text report of one node's manifests (flags, key files with kids), without hazards.
pub(crate) fn show_text(state: &State) -> String {
    let api = &state.apiserver;
    let facts = &state.facts;
    // Everything below but sakr's own labels and kids comes from the manifests or the directory.
    let p = |s: &str| printable(s).into_owned();
    let mut out = format!("kube-apiserver  {}\n", p(&api.path.to_string_lossy()));
    for iss in api.manifest.issuers() {
        out.push_str(&format!("  issuer            {}\n", p(iss)));
    }
    for path in api.manifest.key_files() {
        let fact = match facts.key_files.get(path) {
            Some(KeyFileFact::Kids { kids }) if kids.is_empty() => "no usable key".to_string(),
            Some(KeyFileFact::Kids { kids }) => format!("kid {}", kids.join(", ")),
            Some(KeyFileFact::Missing) => "MISSING".into(),
            Some(KeyFileFact::Unreadable { reason }) => format!("UNREADABLE: {}", p(reason)),
            None => "not read".into(),
        };
        out.push_str(&format!("  key file          {}  {fact}\n", p(path)));
    }
    if let Some(sk) = api.manifest.signing_key_file() {
        out.push_str(&format!(
            "  signing key       {}  {}\n",
            p(sk),
            private_key_text(
                facts.signing_key_kid.as_ref(),
                facts.signing_key_problem.as_ref()
            )
        ));
    }
    if let Some(ep) = api.manifest.signing_endpoint() {
        out.push_str(&format!("  signing endpoint  {}\n", p(ep)));
    }
    use crate::manifests::SaFlag;
    for flag in [
        SaFlag::ServiceAccountMaxTokenExpiration,
        SaFlag::ServiceAccountExtendTokenExpiration,
    ] {
        if let Some(v) = api.manifest.value(flag) {
            out.push_str(&format!(
                "  {:<17} {}\n",
                flag.name().trim_start_matches("service-account-"),
                p(v)
            ));
        }
    }
    out.push_str(&format!(
        "  layout            {}\n",
        match crate::layout::shown(state) {
            crate::layout::Layout::Signer =>
                "signer (kube-apiserver signs through --service-account-signing-endpoint; when that is `sakr signer serve`, rotate with `sakr rotate start --layout signer --signer-config FILE`)",
            crate::layout::Layout::Kubeadm =>
                "kubeadm (sa.pub holds the trusted keys, sa.key signs; rotations keep the flags)",
            crate::layout::Layout::Flags => "flags (rotations edit the key-file flags)",
        }
    ));
    if let Some(cm) = &state.controller_manager {
        out.push_str(&format!(
            "kube-controller-manager  {}\n",
            p(&cm.path.to_string_lossy())
        ));
        if let Some(pk) = cm.manifest.private_key_file() {
            out.push_str(&format!(
                "  private key       {}  {}\n",
                p(pk),
                private_key_text(
                    facts.controller_manager_key_kid.as_ref(),
                    facts.controller_manager_key_problem.as_ref()
                )
            ));
        }
    }
    out
}

#[derive(Serialize)]
struct EditReport<'a> {
    #[serde(flatten)]
    plan: &'a crate::layout::NodePlan,
    already: bool,
    dry_run: bool,
    backups: Vec<std::path::PathBuf>,
    /// The flags layout's ClusterConfiguration advice; empty in the kubeadm layout (its flags
    /// never change).
    kubeadm_hint: String,
}

/// The backup directory of an edit: `--backup-dir`, else a new one beside the manifests.
pub(crate) fn backup_dir_for(state: &State, opts: &ManifestOpts) -> std::path::PathBuf {
    opts.backup_dir.clone().unwrap_or_else(|| {
        ops::default_backup_dir(
            state.target.manifests_dir.as_deref(),
            Some(&state.target.apiserver),
            jiff::Timestamp::now(),
        )
    })
}

fn edit(
    state: &State,
    action: Action,
    opts: &ManifestOpts,
    printer: &Printer,
) -> anyhow::Result<()> {
    use crate::layout::{self, Layout, PlanContext};
    let layout = layout::resolve(state, opts.layout).map_err(classify)?;
    let backup_dir = backup_dir_for(state, opts);
    let mut node = crate::node::local::LocalNode::new("", "/");
    let plan = layout::plan_on(
        &mut node,
        state,
        layout,
        &action,
        &PlanContext {
            backup_dir: &backup_dir,
            check_files: !opts.no_check_files,
            signer: None,
        },
    )
    .map_err(classify)?;
    let what = match &action {
        Action::Trust(p) => format!("trusts {p}"),
        Action::SignWith(p) => format!("signs with {p}"),
        Action::Retire(p) => format!("no longer trusts {p}"),
    };
    for n in &plan.manifests.notes {
        printer.warn(n);
    }
    let mut backups = Vec::new();
    if plan.already() {
        printer.note(&format!(
            "already done: {} {what}; nothing changed",
            state.apiserver.path.display()
        ));
    } else if opts.dry_run {
        if !printer.json() {
            printer.data(&edit_text(&plan));
        }
        printer.note("dry run: nothing written");
    } else {
        backups = layout::apply_on(&mut node, &plan, &backup_dir).map_err(classify)?;
        for line in plan.key_file_lines() {
            printer.note(&format!("updated {}", printable(&line)));
        }
        for c in &plan.manifests.changes {
            printer.info(&c.diff);
            printer.note(&format!("updated {}", c.path.display()));
        }
        printer.note(&format!("backups in {}", backup_dir.display()));
    }
    // The flags as the edit leaves them (a dry run shows what it would record).
    let hint = match layout {
        Layout::Flags => state.kubeadm_hint_after(&plan.manifests),
        Layout::Kubeadm | Layout::Signer => String::new(),
    };
    if printer.json() {
        printer.json_doc(&EditReport {
            plan: &plan,
            already: plan.already(),
            dry_run: opts.dry_run,
            backups,
            kubeadm_hint: hint,
        });
    } else if !plan.already() {
        match layout {
            Layout::Flags => {
                printer.note(ops::KUBEADM_HINT_LEAD);
                printer.note(&hint);
            }
            Layout::Kubeadm => printer.note(crate::rotation::run::KUBEADM_LAYOUT_NOTE),
            Layout::Signer => printer.note(crate::rotation::run::SIGNER_LAYOUT_NOTE),
        }
    }
    Ok(())
}

/// What an edit changes, as text: each key file's kids, then the manifests' diffs.
pub(crate) fn edit_text(plan: &crate::layout::NodePlan) -> String {
    let mut out: String = plan
        .key_file_lines()
        .iter()
        .map(|l| format!("{}\n", printable(l)))
        .collect();
    out.extend(plan.manifests.changes.iter().map(|c| c.diff.clone()));
    out
}
