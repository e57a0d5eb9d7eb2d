//! `sakr manifest show|trust|sign-with|retire --node …` (issue 15): the same operations as on
//! this machine, over every selected node through the node interface.
//!
//! Edits plan every node first (reading everything, every refusal) before any node is written,
//! then apply node by node; a failure stops there and the report names the nodes done and not
//! done. Each edit is idempotent, so running the same command again finishes the job.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::{ManifestAction, ManifestArgs, ManifestOpts};
use crate::exit::ChecksFailed;
use crate::layout::{self, Layout, PlanContext};
use crate::manifests::compare::{self, Difference, NodeFacts};
use crate::manifests::ops::{self, Action, State};
use crate::node::Node;
use crate::node::select::{NodeSpec, Via};
use crate::output::Printer;
use crate::text::printable;

/// One selected node, connected lazily (nothing runs until its first read).
pub(crate) struct Target {
    spec: NodeSpec,
    node: Box<dyn Node>,
    /// The node's manifests directory, `--apiserver` and `--controller-manager` as sakr reads
    /// them (under the root for a `local:///ROOT` node), and the host root for hostPaths.
    manifests_dir: Option<PathBuf>,
    apiserver: Option<PathBuf>,
    controller_manager: Option<PathBuf>,
    host_root: PathBuf,
}

fn connect(args: &ManifestArgs) -> anyhow::Result<Vec<Target>> {
    let (specs, transports) = super::nodes::resolve(&args.nodes)?;
    if args.paths.host_root != Path::new("/") {
        bail!(
            "--host-root is for this machine's files; give a node tree as --node NAME=local:///ROOT"
        );
    }
    let paths = &args.paths;
    let mut out = Vec::new();
    for spec in specs {
        let under = |root: &Path, p: &Option<PathBuf>| {
            p.as_ref()
                .map(|p| root.join(p.strip_prefix("/").unwrap_or(p)))
        };
        // A `local:///ROOT` tree is the manifests' host root (hostPaths resolved, and checked
        // not to leave it, by the manifest code), so every node's own `/` is its node path.
        let node = super::nodes::node_for(&spec, &transports, Path::new("/"))?;
        let t = match &spec.via {
            Via::Pod | Via::Ssh { .. } => Target {
                node,
                manifests_dir: paths.manifests_dir.clone(),
                apiserver: paths.apiserver.clone(),
                controller_manager: paths.controller_manager.clone(),
                host_root: PathBuf::from("/"),
                spec,
            },
            Via::Local { root } => {
                let root = root.clone();
                Target {
                    node,
                    manifests_dir: Some(
                        under(&root, &paths.manifests_dir)
                            .unwrap_or_else(|| root.join("etc/kubernetes/manifests")),
                    )
                    .filter(|_| paths.apiserver.is_none()),
                    apiserver: under(&root, &paths.apiserver),
                    controller_manager: under(&root, &paths.controller_manager),
                    host_root: root,
                    spec,
                }
            }
        };
        out.push(t);
    }
    Ok(out)
}

fn open(t: &mut Target) -> anyhow::Result<State> {
    ops::open_on(
        t.node.as_mut(),
        t.manifests_dir.as_deref(),
        t.apiserver.as_deref(),
        t.controller_manager.as_deref(),
        &t.host_root,
    )
    .map_err(|e| {
        let e = super::manifest::classify(e);
        // Name the node once: a node error (unreachable, bad path) already starts with it.
        if e.to_string()
            .starts_with(&format!("node {}: ", t.spec.name))
        {
            e
        } else {
            e.context(format!("node {}", t.spec.name))
        }
    })
}

pub fn run(args: ManifestArgs, printer: &Printer) -> anyhow::Result<()> {
    let mut targets = connect(&args)?;
    match args.action {
        ManifestAction::Show => {
            let kubeadm = super::manifest::kubeadm_config(&args.nodes)?;
            show(&mut targets, kubeadm.as_ref(), printer)
        }
        ManifestAction::Trust { path, opts } => {
            edit(&mut targets, Action::Trust(path), &opts, printer)
        }
        ManifestAction::SignWith { path, opts } => {
            edit(&mut targets, Action::SignWith(path), &opts, printer)
        }
        ManifestAction::Retire { path, opts } => {
            edit(&mut targets, Action::Retire(path), &opts, printer)
        }
    }
}

#[derive(Serialize)]
struct NodeShow {
    node: String,
    via: String,
    /// Transport sessions this command opened to the node (ssh processes, pod execs).
    sessions: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    manifests: Option<super::manifest::ShowJson>,
}

#[derive(Serialize)]
struct ShowReport {
    nodes: Vec<NodeShow>,
    differences: Vec<DifferenceJson>,
}

#[derive(Serialize)]
struct DifferenceJson {
    #[serde(flatten)]
    difference: Difference,
    rejects_tokens: bool,
    message: String,
}

fn show(
    targets: &mut [Target],
    kubeadm: Option<&crate::manifests::kubeadm::Regenerated>,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut report = ShowReport {
        nodes: Vec::new(),
        differences: Vec::new(),
    };
    let mut facts = Vec::new();
    let mut failed = Vec::new();
    let mut errors = 0;
    for t in targets.iter_mut() {
        let via = t.spec.via.to_string();
        match open(t) {
            Ok(state) => {
                let hazards = state.hazards();
                errors += hazards.iter().filter(|h| h.is_error()).count();
                if !printer.json() {
                    printer.data(&format!(
                        "== node {} ({})\n{}",
                        t.spec.name,
                        printable(&via),
                        super::manifest::show_text(&state)
                    ));
                    for h in &hazards {
                        printer.warn(&format!("node {}: {h}", t.spec.name));
                    }
                    for d in super::manifest::upgrade_drift(&state, kubeadm) {
                        printer.warn(&format!("node {}: {d}", t.spec.name));
                    }
                }
                facts.push(NodeFacts::of(&t.spec.name, &state));
                report.nodes.push(NodeShow {
                    node: t.spec.name.clone(),
                    via,
                    sessions: t.node.sessions(),
                    error: None,
                    manifests: Some({
                        let mut doc = super::manifest::show_json(&state, &hazards);
                        doc.kubeadm_upgrade =
                            kubeadm.map(|_| super::manifest::upgrade_drift(&state, kubeadm));
                        doc
                    }),
                });
            }
            Err(e) => {
                let text = format!("{e:#}");
                if !printer.json() {
                    printer.data(&format!(
                        "== node {} ({})\n  NOT READ: {}\n",
                        t.spec.name,
                        printable(&via),
                        printable(&text)
                    ));
                }
                failed.push(t.spec.name.clone());
                report.nodes.push(NodeShow {
                    node: t.spec.name.clone(),
                    via,
                    sessions: t.node.sessions(),
                    error: Some(text),
                    manifests: None,
                });
            }
        }
    }
    let differences = compare::compare(&facts);
    let rejecting = differences.iter().filter(|d| d.rejects_tokens()).count();
    if printer.json() {
        report.differences = differences
            .into_iter()
            .map(|d| DifferenceJson {
                rejects_tokens: d.rejects_tokens(),
                message: d.to_string(),
                difference: d,
            })
            .collect();
        printer.json_doc(&report);
    } else {
        if differences.is_empty() && failed.is_empty() {
            printer.note(&format!("the {} nodes agree", facts.len()));
        }
        for d in &differences {
            if d.rejects_tokens() {
                printer.warn(&format!("nodes disagree: {d}"));
            } else {
                printer.note(&format!("note: nodes differ: {d}"));
            }
        }
    }
    if !failed.is_empty() {
        bail!("could not read node(s) {}", failed.join(", "));
    }
    if rejecting > 0 {
        return Err(ChecksFailed(format!(
            "{rejecting} difference(s) between the nodes reject tokens (see above)"
        ))
        .into());
    }
    if errors > 0 {
        return Err(ChecksFailed(format!(
            "{errors} hazard(s) break the control plane as the manifests stand (see above)"
        ))
        .into());
    }
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct NodeEdit {
    node: String,
    via: String,
    /// Transport sessions this command opened to the node (ssh processes, pod execs).
    sessions: u32,
    already: bool,
    applied: bool,
    layout: Layout,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    key_files: Vec<crate::layout::KeyFileChange>,
    pub changes: Vec<ops::FileChange>,
    backups: Vec<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Serialize)]
pub(crate) struct EditReport {
    action: Action,
    dry_run: bool,
    pub nodes: Vec<NodeEdit>,
    done: Vec<String>,
    not_done: Vec<String>,
    /// The kubeadm ClusterConfiguration advice after a change (said once by the caller).
    #[serde(skip)]
    pub kubeadm_hint: Option<String>,
}

fn edit(
    targets: &mut [Target],
    action: Action,
    opts: &ManifestOpts,
    printer: &Printer,
) -> anyhow::Result<()> {
    let report = edit_nodes(targets, action, opts, printer)?;
    if printer.json() {
        printer.json_doc(&report);
    } else if let Some(hint) = &report.kubeadm_hint {
        printer.note(ops::KUBEADM_HINT_LEAD);
        printer.note(hint);
    } else if !opts.dry_run
        && report
            .nodes
            .iter()
            .any(|n| n.layout == Layout::Kubeadm && n.applied)
    {
        printer.note(crate::rotation::run::KUBEADM_LAYOUT_NOTE);
    }
    Ok(())
}

/// Plan every node, then apply node by node (text diffs printed as each node is done); the
/// report, for `-o json` or a caller's own document.
pub(crate) fn edit_nodes(
    targets: &mut [Target],
    action: Action,
    opts: &ManifestOpts,
    printer: &Printer,
) -> anyhow::Result<EditReport> {
    // Plan every node before writing any: every refusal (a node that does not trust the key
    // sign-with would use, a key file missing on one node) stops the command with nothing
    // written anywhere.
    let mut plans = Vec::new();
    let mut layouts: Vec<(String, Layout)> = Vec::new();
    for t in targets.iter_mut() {
        let state = open(t)?;
        let nothing = || format!("node {} (nothing was written on any node)", t.spec.name);
        let layout = layout::resolve(&state, opts.layout)
            .map_err(super::manifest::classify)
            .with_context(nothing)?;
        layouts.push((t.spec.name.clone(), layout));
        if let [(first, l0), .., (name, l)] = layouts.as_slice()
            && l0 != l
        {
            bail!(
                "node {first} is in the {l0} layout and node {name} in the {l} layout (kubeadm: the manifests use kubeadm's own sa.pub and sa.key); give --layout, or bring the nodes into one state first (nothing was written on any node)"
            );
        }
        let backup_dir = super::manifest::backup_dir_for(&state, opts);
        let plan = layout::plan_on(
            t.node.as_mut(),
            &state,
            layout,
            &action,
            &PlanContext {
                backup_dir: &backup_dir,
                check_files: !opts.no_check_files,
                signer: None,
            },
        )
        .map_err(super::manifest::classify)
        .with_context(nothing)?;
        plans.push((plan, backup_dir, state));
    }
    let mut report = EditReport {
        action: action.clone(),
        dry_run: opts.dry_run,
        nodes: Vec::new(),
        done: Vec::new(),
        not_done: Vec::new(),
        kubeadm_hint: None,
    };
    let mut failure = None;
    for (t, (plan, backup_dir, _state)) in targets.iter_mut().zip(&plans) {
        let name = t.spec.name.clone();
        let mut entry = NodeEdit {
            node: name.clone(),
            via: t.spec.via.to_string(),
            sessions: 0,
            already: plan.already(),
            applied: false,
            layout: plan.layout,
            key_files: plan.key_files.clone(),
            changes: plan.manifests.changes.clone(),
            backups: Vec::new(),
            error: None,
        };
        if failure.is_some() {
            entry.sessions = t.node.sessions();
            report.not_done.push(name);
            report.nodes.push(entry);
            continue;
        }
        if plan.already() {
            printer.note(&format!("node {name}: already done; nothing changed"));
            report.done.push(name);
        } else if opts.dry_run {
            if !printer.json() {
                printer.data(&format!(
                    "== node {name}\n{}",
                    super::manifest::edit_text(plan)
                ));
            }
            report.not_done.push(name);
        } else {
            crate::node::test_hook_before_node(&name);
            match layout::apply_on(t.node.as_mut(), plan, backup_dir) {
                Ok(backups) => {
                    if !printer.json() {
                        printer.data(&format!(
                            "== node {name}: updated\n{}",
                            super::manifest::edit_text(plan)
                        ));
                    }
                    entry.applied = true;
                    entry.backups = backups;
                    report.done.push(name);
                }
                Err(e) => {
                    let text = format!("{:#}", anyhow::Error::new(e));
                    entry.error = Some(text.clone());
                    failure = Some((name.clone(), text));
                    report.not_done.push(name);
                }
            }
        }
        entry.sessions = t.node.sessions();
        report.nodes.push(entry);
    }
    if opts.dry_run && !printer.json() {
        printer.note("dry run: nothing written on any node");
    }
    if let Some((node, why)) = failure {
        if printer.json() {
            printer.json_doc(&report);
        }
        bail!(
            "node {node}: {why}; done: {}; not done: {}. Run the same command again to finish (each node's edit is idempotent)",
            if report.done.is_empty() {
                "none".into()
            } else {
                report.done.join(", ")
            },
            report.not_done.join(", ")
        );
    }
    if !opts.dry_run
        && let Some((plan, _, state)) = plans.iter().find(|(p, _, _)| !p.already())
        && plan.layout == Layout::Flags
    {
        report.kubeadm_hint = Some(state.kubeadm_hint_after(&plan.manifests));
    }
    Ok(report)
}
