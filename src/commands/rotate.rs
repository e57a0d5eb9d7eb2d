//! `sakr rotate start | next | status | abort` (DESIGN §1, §3; issue 6).

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::{ManifestLocation, RotateAction, RotateArgs, RotateStartArgs};
use crate::exit::{GateClosed, Refused};
use crate::node::select::NodeSpec;
use crate::output::Printer;
use crate::rotation::run::{self, NextOptions, RotateError, StartOptions, StepReport};
use crate::rotation::state::{
    ApiserverAddress, ApiserverCheck, ClusterConfig, ManifestConfig, NodeTransport, PublishConfig,
};
use crate::rotation::{RotationState, Stage};

pub fn run(args: RotateArgs, printer: &Printer) -> anyhow::Result<()> {
    match args.action {
        RotateAction::Start(a) => start(*a, printer),
        RotateAction::Next(a) => {
            let now = clock(&a.state, a.at.as_deref())?;
            let token = a.token_file.as_deref().map(super::read_token).transpose()?;
            let token_cluster = a.kubeconfig.as_ref().map(|k| ClusterConfig {
                kubeconfig: Some(k.clone()),
                context: a.context.clone(),
            });
            let report = run::next(
                &a.state,
                now,
                &NextOptions {
                    dry_run: a.dry_run,
                    i_checked_all_apiservers: a.i_checked_all_apiservers,
                    token,
                    token_cluster,
                    no_public_check: a.no_public_check.then(who_gave_it),
                    reissue_legacy_tokens: a.reissue_legacy_tokens,
                    allow_breaking_legacy_tokens: a
                        .allow_breaking_legacy_tokens
                        .then(|| who_gave("--allow-breaking-legacy-tokens")),
                },
                None,
            )
            .map_err(exit_for)?;
            render_step(&report, printer);
            Ok(())
        }
        RotateAction::Status(a) => {
            let now = clock(&a.state, a.at.as_deref())?;
            let cluster = cluster_config(&a.kubeconfig, &a.context);
            status(&a.state, cluster.as_ref(), now, printer)
        }
        RotateAction::Abort(a) => {
            let cluster = cluster_config(&a.kubeconfig, &a.context);
            let report = run::abort(&a.state, jiff::Timestamp::now(), a.dry_run, cluster)
                .map_err(exit_for)?;
            render_step(&report, printer);
            Ok(())
        }
    }
}

/// Who gave a flag that the state records (`--no-public-check`): the user name, for the record.
fn who_gave_it() -> String {
    who_gave("--no-public-check")
}

fn who_gave(flag: &str) -> String {
    format!(
        "{flag} given by {}",
        std::env::var("USER").unwrap_or_else(|_| "unknown user".into())
    )
}

/// Map the rotation's outcome onto DESIGN §3's exit codes.
pub(crate) fn exit_for(e: RotateError) -> anyhow::Error {
    match e {
        RotateError::Refused(m) => Refused(m).into(),
        RotateError::GateClosed(m) => GateClosed(m).into(),
        RotateError::Other(e) => e,
    }
}

/// Now, or `--at` for rotations whose clock is simulated (rehearse): a real rotation's retire
/// window must never be skippable from the command line.
fn clock(state: &std::path::Path, at: Option<&str>) -> anyhow::Result<jiff::Timestamp> {
    let Some(at) = at else {
        return Ok(jiff::Timestamp::now());
    };
    // The flag first: a typo is reported as such, whatever the state file says.
    let t = at.parse().map_err(|_| {
        anyhow::anyhow!("--at {at:?}: not an RFC 3339 time (e.g. 2026-12-01T00:00:00Z)")
    })?;
    let s = load_state(state)?;
    if !s.simulated_clock {
        bail!(
            "--at: {} is a real rotation; its clock cannot be moved",
            state.display()
        );
    }
    Ok(t)
}

pub(crate) fn parse_duration(field: &str, text: &str) -> anyhow::Result<i64> {
    // jiff's own parse error explains its grammar at length; the examples say it better.
    let span: jiff::Span = text
        .parse()
        .map_err(|_| anyhow::anyhow!("{field} {text:?}: not a duration (e.g. 36h, 7d, 90m)"))?;
    let secs = span
        .total((
            jiff::Unit::Second,
            jiff::SpanRelativeTo::days_are_24_hours(),
        ))
        .with_context(|| format!("{field} {text:?}"))?;
    if secs < 0.0 {
        bail!("{field} {text:?}: must not be negative");
    }
    Ok(secs as i64)
}

/// `--overlap`: at most ten years, far beyond any sensible overlap, which keeps every date sum of
/// the retire window representable.
fn overlap(text: &str) -> anyhow::Result<i64> {
    const MAX_SECONDS: i64 = 10 * 366 * 86_400;
    let secs = parse_duration("--overlap", text)?;
    if secs > MAX_SECONDS {
        bail!("--overlap {text:?}: more than ten years");
    }
    Ok(secs)
}

pub(crate) fn manifest_config(m: &ManifestLocation, now: jiff::Timestamp) -> ManifestConfig {
    let backup_dir = m.backup_dir.clone().unwrap_or_else(|| {
        crate::manifests::ops::default_backup_dir(
            m.manifests_dir.as_deref(),
            m.apiserver.as_deref(),
            now,
        )
    });
    ManifestConfig {
        manifests_dir: m.manifests_dir.clone(),
        apiserver: m.apiserver.clone(),
        controller_manager: m.controller_manager.clone(),
        host_root: m.host_root.clone(),
        backup_dir,
    }
}

fn start(a: RotateStartArgs, printer: &Printer) -> anyhow::Result<()> {
    let now = jiff::Timestamp::now();
    let publish = match (&a.publish_to, &a.issuer) {
        (Some(to), Some(issuer)) => {
            crate::jwks::discovery::validate_https("--issuer", issuer)?;
            let target = crate::publish::target::Target::parse(to).context("--publish-to")?;
            if let Some(e) = &a.endpoint {
                // The same rule as `sakr publish --endpoint`: no credentials in the URL.
                crate::publish::parse_endpoint(e)?;
            }
            // The state keeps the target's credential-free form: a SAS in the URL is used by
            // no later run (it would expire mid-rotation anyway) and never stored or printed;
            // each `rotate next` takes the credential from its own environment (issue 13,
            // finding 2).
            if matches!(
                &target,
                crate::publish::target::Target::Azure { sas: Some(_), .. }
            ) {
                printer.warn(
                    "the SAS in --publish-to is not stored in the state: export AZURE_STORAGE_SAS_TOKEN (or log in with Entra ID) for every `rotate next` that publishes",
                );
            }
            Some(PublishConfig {
                to: target.to_string(),
                issuer: issuer.clone(),
                jwks_uri: a.jwks_uri.clone(),
                endpoint: a.endpoint.clone(),
                cache_control: a.cache_control.clone(),
            })
        }
        _ => None,
    };
    let cluster = a.kubeconfig.as_ref().map(|k| ClusterConfig {
        kubeconfig: Some(k.clone()),
        context: a.context.clone(),
    });
    // --single-node decides the switch gate; a kubeconfig beside it still serves the verify
    // stage's token, so an unattended single-node rotation needs no --token-file.
    let (apiservers, token_cluster) = match (a.single_node, cluster) {
        (true, cluster) => (ApiserverCheck::SingleNode, cluster),
        (false, Some(cluster)) => (ApiserverCheck::Cluster(cluster), None),
        (false, None) => (ApiserverCheck::Manual, None),
    };
    let overlap_seconds = overlap(&a.overlap)?;
    let node_timeout_seconds = node_timeout(&a.node_timeout)?;
    let node_apiservers = a
        .node_apiserver
        .iter()
        .map(|v| node_apiserver(v))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (nodes, transport) = start_nodes(&a)?;
    for (name, _) in &node_apiservers {
        if !nodes.iter().any(|n| &n.name == name) {
            bail!(
                "--node-apiserver {name}=…: {name} is not a node of this rotation (--node, --control-plane)"
            );
        }
    }
    if a.single_node && nodes.len() > 1 {
        bail!(
            "--single-node with {} nodes: a rotation over several nodes asks each node's apiserver (give --kubeconfig without --single-node)",
            nodes.len()
        );
    }
    if nodes.len() > 1 && a.kubeconfig.is_none() {
        bail!(
            "--node: a rotation over {} nodes needs --kubeconfig: each node's kube-apiserver is waited for before the next node is edited (without it every apiserver would restart at once)",
            nodes.len()
        );
    }
    if !nodes.is_empty() && a.manifests.host_root != std::path::Path::new("/") {
        bail!(
            "--host-root is for this machine's files; give a node tree as --node NAME=local:///ROOT"
        );
    }
    let opts = StartOptions {
        state: a.state.clone(),
        key_dir: a.key_dir.clone(),
        name: a.name.clone(),
        algorithm: a.algorithm,
        manifests: manifest_config(&a.manifests, now),
        publish,
        apiservers,
        token_cluster,
        overlap_seconds,
        simulated_clock: false,
        nodes,
        transport,
        node_apiservers,
        node_timeout_seconds,
        layout: a.layout,
        signer_config: a.signer_config.clone(),
        no_public_check: a.no_public_check.then(who_gave_it),
        relying_party_refresh_seconds: relying_party_refresh(&a.relying_party_refresh)?,
    };
    let started = run::start(&opts, now).map_err(exit_for)?;
    if printer.json() {
        printer.json_doc(&started);
    } else {
        let s = &started.state;
        for n in &started.notes {
            printer.note(n);
        }
        let mut out = format!(
            "generate: new key {} at {} (old: {}; layout {})\n",
            s.new.kid, s.new.private_key, s.old.kid, s.layout
        );
        for n in &started.nodes {
            out.push_str(&node_line(n));
        }
        printer.data(&out);
        if s.publish.is_none() {
            printer.warn("no --publish-to: relying parties outside the cluster will not learn the new key from sakr");
        }
        if matches!(s.apiservers, ApiserverCheck::Manual) {
            printer.note("no --kubeconfig or --single-node: the switch stage will ask you to confirm with --i-checked-all-apiservers");
        }
        printer.note(&format!("verify stage: {}", started.verify_token));
        printer.note(&format!(
            "next: sakr rotate next --state {}",
            a.state.display()
        ));
    }
    Ok(())
}

/// One node's part of a stage, as `next` prints it.
pub(crate) fn node_line(n: &run::NodeStep) -> String {
    let files = if n.files.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            n.files
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let waited = n
        .waited_seconds
        .map(|w| format!(" after {w:.1}s"))
        .unwrap_or_default();
    format!(
        "  node {}\n",
        crate::text::printable(&format!("{}: {}{waited}{files}", n.node, n.note))
    )
}

/// `--node`, `--control-plane` and the transport options of `rotate start`, resolved as every
/// node command resolves them (a pod node the cluster lacks is refused here).
fn start_nodes(a: &RotateStartArgs) -> anyhow::Result<(Vec<NodeSpec>, NodeTransport)> {
    let transport = NodeTransport {
        ssh_command: a.ssh_command.clone(),
        sudo: a.sudo,
        node_image: a.node_image.clone(),
        node_namespace: a.node_namespace.clone(),
    };
    if a.nodes.is_empty() && !a.control_plane {
        return Ok((Vec::new(), transport));
    }
    let args = crate::cli::NodeArgs {
        nodes: a.nodes.clone(),
        ssh_command: a.ssh_command.clone(),
        sudo: a.sudo,
        control_plane: a.control_plane,
        via: a.via,
        node_image: a.node_image.clone(),
        node_namespace: a.node_namespace.clone(),
        kubeconfig: a.kubeconfig.clone(),
        context: a.context.clone(),
    };
    let (specs, _) = super::nodes::resolve(&args)?;
    Ok((specs, transport))
}

/// `--node-timeout`: at least a second, at most a day.
fn relying_party_refresh(text: &str) -> anyhow::Result<i64> {
    let secs = parse_duration("--relying-party-refresh", text)?;
    if secs > 31 * 86_400 {
        bail!(
            "--relying-party-refresh {text:?}: more than 31 days (no relying party waits that long to refresh its keys)"
        );
    }
    Ok(secs)
}

fn node_timeout(text: &str) -> anyhow::Result<u64> {
    let secs = parse_duration("--node-timeout", text)?;
    if !(1..=86_400).contains(&secs) {
        bail!("--node-timeout {text:?}: between 1s and 24h");
    }
    Ok(secs as u64)
}

/// `--node-apiserver NAME=HOST:PORT` (an IPv6 host in brackets).
fn node_apiserver(v: &str) -> anyhow::Result<(String, ApiserverAddress)> {
    let bad = |why: &str| {
        anyhow::anyhow!(
            "--node-apiserver {}: {why}; expected NAME=HOST:PORT (e.g. cp-1=10.0.0.11:6443)",
            crate::text::printable(v)
        )
    };
    let (name, addr) = v.split_once('=').ok_or_else(|| bad("no `=`"))?;
    crate::cluster::check_subdomain("node name", name).map_err(|_| bad("not a node name"))?;
    let (host, port) = addr.rsplit_once(':').ok_or_else(|| bad("no port"))?;
    let port: u16 = port
        .parse()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| bad("not a port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty()
        || host
            .chars()
            .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':')))
    {
        return Err(bad("not a host name or address"));
    }
    Ok((
        name.to_string(),
        ApiserverAddress {
            host: host.to_string(),
            port,
        },
    ))
}

pub(crate) fn render_step(r: &StepReport, printer: &Printer) {
    if printer.json() {
        printer.json_doc(r);
        return;
    }
    let mut out = match r.stage {
        Some(stage) => format!("{stage}: {}\n", r.summary),
        None => format!("{}\n", r.summary),
    };
    for k in &r.key_files {
        out.push_str(&format!("  {}\n", crate::text::printable(k)));
    }
    for d in &r.diffs {
        out.push_str(d);
    }
    for n in &r.nodes {
        out.push_str(&node_line(n));
    }
    printer.data(&out);
    for n in &r.notes {
        printer.note(&format!("note: {n}"));
    }
}

/// A row per node, a column per stage: when the node got there.
fn node_table(s: &RotationState) -> String {
    let mut out = format!(
        "{:<16} {:<22} {}\n",
        "node",
        "apiserver",
        Stage::ALL
            .iter()
            .map(|st| format!("{:<10}", st.to_string()))
            .collect::<String>()
    );
    for n in &s.nodes {
        let cells: String = Stage::ALL
            .iter()
            .map(|st| {
                format!(
                    "{:<10}",
                    n.stages
                        .get(st)
                        .map(|r| r.at.strftime("%H:%M:%S").to_string())
                        .unwrap_or_else(|| "-".into())
                )
            })
            .collect();
        // Escaped line by line: a name or address from the state must not move the terminal.
        let line = format!(
            "{:<16} {:<22} {cells}",
            n.spec.name,
            n.apiserver
                .as_ref()
                .map(|a| a.place())
                .unwrap_or_else(|| "-".into())
        );
        out.push_str(&crate::text::printable(&line));
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct StatusReport<'a> {
    state: &'a RotationState,
    next: Option<Stage>,
    complete: bool,
    retire_not_before: Option<jiff::Timestamp>,
    retire_window: crate::rotation::window::Window,
    next_gate: String,
    verify_token: String,
}

/// The state behind `--state` (a file, or `k8s://` through the default kubeconfig), read once
/// without the lock: status and the clock check only read.
fn load_state(path: &std::path::Path) -> anyhow::Result<RotationState> {
    load_state_with(path, None)
}

fn load_state_with(
    path: &std::path::Path,
    cluster: Option<&ClusterConfig>,
) -> anyhow::Result<RotationState> {
    Ok(crate::rotation::store::Store::open(path, cluster)?.load()?)
}

/// The relying parties' part of the switch gate, for `status`.
fn public_gate_text(s: &RotationState) -> String {
    match (&s.publish, &s.no_public_check) {
        (Some(p), None) => format!(
            "relying parties must see the new kid at {}'s jwks_uri and its max-age{} must have passed since publish; ",
            p.issuer,
            if s.relying_party_refresh_seconds > 0 {
                format!(" plus {}s", s.relying_party_refresh_seconds)
            } else {
                String::new()
            }
        ),
        _ => String::new(),
    }
}

/// `public check:` in `status`: on (and what it last saw), off (who said so), or nothing to check.
fn public_check_line(s: &RotationState) -> String {
    match (&s.publish, &s.no_public_check, &s.public_view) {
        (None, _, _) => "none (nothing published)".into(),
        (Some(_), Some(r), _) => format!(
            "off: {} ({})",
            r.note.as_deref().unwrap_or("--no-public-check"),
            crate::text::time(r.at)
        ),
        (Some(p), None, None) => format!("on, before switch ({})", p.issuer),
        (Some(_), None, Some(v)) => format!(
            "on; at {} {} served {} (max-age {}s)",
            crate::text::time(v.at),
            v.jwks_url,
            if v.kids.is_empty() {
                "no key".to_string()
            } else {
                v.kids.join(", ")
            },
            v.max_age_seconds
        ),
    }
}

/// `--kubeconfig` and `--context`, when given.
fn cluster_config(
    kubeconfig: &Option<std::path::PathBuf>,
    context: &Option<String>,
) -> Option<ClusterConfig> {
    kubeconfig.as_ref().map(|k| ClusterConfig {
        kubeconfig: Some(k.clone()),
        context: context.clone(),
    })
}

fn status(
    path: &std::path::Path,
    cluster: Option<&ClusterConfig>,
    now: jiff::Timestamp,
    printer: &Printer,
) -> anyhow::Result<()> {
    let s = load_state_with(path, cluster)?;
    let next = s.next_stage();
    let not_before = run::retire_not_before(&s);
    let window = run::retire_window_of(&s);
    let gate = match (next, &s.aborted) {
        (_, Some(a)) => format!("aborted at {}", crate::text::time(a.at)),
        (None, _) => "complete".into(),
        (Some(Stage::Publish), _) => "open".into(),
        (Some(Stage::Trust), _) => "the new kid must be in the published JWKS".into(),
        (Some(Stage::Switch), _) => format!(
            "{}{}",
            public_gate_text(&s),
            match &s.apiservers {
                ApiserverCheck::Cluster(_) if !s.nodes.is_empty() => {
                    "every node's kube-apiserver and every endpoint must be ready, serve the new kid and authenticate a token signed with it; every control-plane Node must be in the rotation"
                }
                ApiserverCheck::Cluster(_) => {
                    "every kube-apiserver endpoint must serve the new kid"
                }
                ApiserverCheck::SingleNode if !s.nodes.is_empty() => {
                    "every node's manifests must trust the new kid"
                }
                ApiserverCheck::SingleNode => "the local manifest must trust the new kid",
                ApiserverCheck::Manual => {
                    "--i-checked-all-apiservers (sakr cannot ask the cluster)"
                }
            }
        ),
        (Some(Stage::Verify), _) => format!(
            "a fresh token must carry the new kid and verify ({})",
            run::verify_token_source(&s)
        ),
        (Some(Stage::Retire), _) => format!(
            "{}; then no legacy token Secret may carry the old kid (or --reissue-legacy-tokens / --allow-breaking-legacy-tokens)",
            match not_before {
                Some(t) if now < t => format!("waits until {}", crate::text::time_from(t, now)),
                Some(_) => "the window has passed".into(),
                None => "after switch".into(),
            }
        ),
        (Some(Stage::Generate), _) => "open".into(),
    };
    if printer.json() {
        printer.json_doc(&StatusReport {
            state: &s,
            next,
            complete: next.is_none(),
            retire_not_before: not_before,
            retire_window: window,
            next_gate: gate,
            verify_token: run::verify_token_source(&s),
        });
        return Ok(());
    }
    let mut out = format!(
        "rotation {} → {}  (layout {})\n",
        s.old.kid, s.new.kid, s.layout
    );
    for stage in Stage::ALL {
        match s.stages.get(&stage) {
            Some(r) => out.push_str(&format!(
                "  {stage:<8}  {}  {}\n",
                crate::text::time(r.at),
                r.note.as_deref().unwrap_or("")
            )),
            None if Some(stage) == next => {
                out.push_str(&format!("  {stage:<8}  next — gate: {gate}\n"))
            }
            None => out.push_str(&format!("  {stage:<8}  pending\n")),
        }
    }
    if !s.nodes.is_empty() {
        out.push_str(&node_table(&s));
    }
    match not_before {
        Some(t) => out.push_str(&format!(
            "earliest retire: {}\n",
            crate::text::time_from(t, now)
        )),
        None => out.push_str(&format!(
            "earliest retire: switch + {}\n",
            crate::token::checks::human_duration(window.total_seconds)
        )),
    }
    out.push_str(&format!("public check: {}\n", public_check_line(&s)));
    if let Some(a) = &s.legacy_tokens_allowed {
        out.push_str(&format!(
            "legacy tokens: {} ({})\n",
            a.note
                .as_deref()
                .unwrap_or("--allow-breaking-legacy-tokens"),
            crate::text::time(a.at)
        ));
    }
    for (stage, snap) in &s.metrics {
        for l in crate::rotation::metrics::lines(snap) {
            out.push_str(&format!(
                "token counters at {}: {}\n",
                stage.name(),
                crate::text::printable(&l)
            ));
        }
    }
    if let Some(a) = &s.aborted {
        out.push_str(&format!("aborted: {}\n", crate::text::time(a.at)));
    }
    printer.data(&out);
    Ok(())
}
