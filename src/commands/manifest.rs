//! `sakr manifest show | trust | sign-with | retire` (DESIGN §3, §2.7; issue 3).

use serde::Serialize;

use crate::cli::{ManifestAction, ManifestArgs, ManifestOpts};
use crate::exit::Refused;
use crate::manifests::hazards::KeyFileFact;
use crate::manifests::ops::{self, Action, OpsError, State};
use crate::output::Printer;

pub fn run(args: ManifestArgs, printer: &Printer) -> anyhow::Result<()> {
    let state = load(&args.opts)?;
    match args.action {
        ManifestAction::Show => show(&state, printer),
        ManifestAction::Trust { path } => edit(&state, Action::Trust(path), &args.opts, printer),
        ManifestAction::SignWith { path } => {
            edit(&state, Action::SignWith(path), &args.opts, printer)
        }
        ManifestAction::Retire { path } => edit(&state, Action::Retire(path), &args.opts, printer),
    }
}

pub(crate) fn load(opts: &ManifestOpts) -> anyhow::Result<State> {
    let l = &opts.location;
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

#[derive(Serialize)]
struct ShowReport<'a> {
    apiserver: Component<'a>,
    controller_manager: Option<Component<'a>>,
    key_files: Vec<KeyFileRow<'a>>,
    signing_key_kid: Option<&'a str>,
    controller_manager_key_kid: Option<&'a str>,
    hazards: Vec<crate::manifests::Hazard>,
    kubeadm_hint: String,
}

#[derive(Serialize)]
struct Component<'a> {
    path: &'a std::path::Path,
    manifest: &'a crate::manifests::Manifest,
}

#[derive(Serialize)]
struct KeyFileRow<'a> {
    path: &'a str,
    host_path: Option<std::path::PathBuf>,
    fact: &'a KeyFileFact,
}

fn show(state: &State, printer: &Printer) -> anyhow::Result<()> {
    let api = &state.apiserver;
    let hazards = state.hazards();
    let key_rows: Vec<KeyFileRow> = api
        .manifest
        .key_files()
        .into_iter()
        .map(|p| KeyFileRow {
            path: p,
            host_path: state.target.host_path(&api.manifest, p),
            fact: &state.facts.key_files[p],
        })
        .collect();
    if printer.json() {
        printer.json_doc(&ShowReport {
            apiserver: Component {
                path: &api.path,
                manifest: &api.manifest,
            },
            controller_manager: state.controller_manager.as_ref().map(|c| Component {
                path: &c.path,
                manifest: &c.manifest,
            }),
            key_files: key_rows,
            signing_key_kid: state.facts.signing_key_kid.as_deref(),
            controller_manager_key_kid: state.facts.controller_manager_key_kid.as_deref(),
            hazards,
            kubeadm_hint: state.kubeadm_hint(),
        });
        return Ok(());
    }
    let kid_or = |k: &Option<String>| k.clone().unwrap_or_else(|| "(unreadable)".into());
    let mut out = format!("kube-apiserver  {}\n", api.path.display());
    for iss in api.manifest.issuers() {
        out.push_str(&format!("  issuer            {iss}\n"));
    }
    for row in &key_rows {
        let fact = match row.fact {
            KeyFileFact::Kids { kids } if kids.is_empty() => "no usable key".to_string(),
            KeyFileFact::Kids { kids } => format!("kid {}", kids.join(", ")),
            KeyFileFact::Missing => "MISSING".into(),
            KeyFileFact::Unreadable { reason } => format!("UNREADABLE: {reason}"),
        };
        out.push_str(&format!("  key file          {}  {fact}\n", row.path));
    }
    if let Some(sk) = api.manifest.signing_key_file() {
        out.push_str(&format!(
            "  signing key       {sk}  kid {}\n",
            kid_or(&state.facts.signing_key_kid)
        ));
    }
    if let Some(ep) = api.manifest.signing_endpoint() {
        out.push_str(&format!("  signing endpoint  {ep}\n"));
    }
    use crate::manifests::SaFlag;
    for flag in [
        SaFlag::ServiceAccountMaxTokenExpiration,
        SaFlag::ServiceAccountExtendTokenExpiration,
    ] {
        if let Some(v) = api.manifest.value(flag) {
            out.push_str(&format!(
                "  {:<17} {v}\n",
                flag.name().trim_start_matches("service-account-")
            ));
        }
    }
    if let Some(cm) = &state.controller_manager {
        out.push_str(&format!("kube-controller-manager  {}\n", cm.path.display()));
        if let Some(pk) = cm.manifest.private_key_file() {
            out.push_str(&format!(
                "  private key       {pk}  kid {}\n",
                kid_or(&state.facts.controller_manager_key_kid)
            ));
        }
    }
    printer.data(&out);
    for h in &hazards {
        printer.warn(&h.to_string());
    }
    if hazards.is_empty() {
        printer.note("no hazards found");
    }
    Ok(())
}

#[derive(Serialize)]
struct EditReport<'a> {
    #[serde(flatten)]
    plan: &'a ops::Plan,
    already: bool,
    dry_run: bool,
    backups: Vec<std::path::PathBuf>,
    kubeadm_hint: String,
}

fn edit(
    state: &State,
    action: Action,
    opts: &ManifestOpts,
    printer: &Printer,
) -> anyhow::Result<()> {
    let plan = ops::plan(state, &action, !opts.no_check_files).map_err(classify)?;
    let what = match &action {
        Action::Trust(p) => format!("trusts {p}"),
        Action::SignWith(p) => format!("signs with {p}"),
        Action::Retire(p) => format!("no longer trusts {p}"),
    };
    for n in &plan.notes {
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
            printer.data(
                &plan
                    .changes
                    .iter()
                    .map(|c| c.diff.as_str())
                    .collect::<String>(),
            );
        }
        printer.note("dry run: nothing written");
    } else {
        let backup_dir = opts.location.backup_dir.clone().unwrap_or_else(|| {
            ops::default_backup_dir(
                state.target.manifests_dir.as_deref(),
                Some(&state.target.apiserver),
                jiff::Timestamp::now(),
            )
        });
        backups = ops::apply(&plan, &backup_dir).map_err(classify)?;
        for c in &plan.changes {
            printer.info(&c.diff);
            printer.note(&format!("updated {}", c.path.display()));
        }
        printer.note(&format!("backups in {}", backup_dir.display()));
    }
    // The flags as the edit leaves them (a dry run shows what it would record).
    let hint = state.kubeadm_hint_after(&plan);
    if printer.json() {
        printer.json_doc(&EditReport {
            plan: &plan,
            already: plan.already(),
            dry_run: opts.dry_run,
            backups,
            kubeadm_hint: hint,
        });
    } else if !plan.already() {
        printer.note(ops::KUBEADM_HINT_LEAD);
        printer.note(&hint);
    }
    Ok(())
}
