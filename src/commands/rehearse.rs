//! `sakr rehearse`: the whole rotation on a scratch copy, in seconds (DESIGN §3; issue 6).
//!
//! Same code paths as a real rotation — `rotate start` and `rotate next`, the manifest edits,
//! the file:// publisher — with three stand-ins: stand-in keys instead of the node's real ones
//! (private keys are never copied), tokens minted locally with whatever signing key the scratch
//! kube-apiserver manifest names (what kube-apiserver would do after its restart), and a
//! simulated clock that jumps to the end of the retire window.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::RehearseArgs;
use crate::keys::generate::{Algorithm, generate};
use crate::keys::secret::Secret;
use crate::layout::Layout;
use crate::manifests::ops;
use crate::output::Printer;
use crate::rotation::run::{self, NextOptions, RotateError, StartOptions};
use crate::rotation::state::{ApiserverCheck, ManifestConfig, PublishConfig};
use crate::rotation::{RotationState, Stage};
use crate::token::{ClaimsSpec, Signer, kube_claims};

const KUBEADM_APISERVER: &str = include_str!("../../tests/fixtures/manifests/kube-apiserver.yaml");
const KUBEADM_CONTROLLER_MANAGER: &str =
    include_str!("../../tests/fixtures/manifests/kube-controller-manager.yaml");

pub fn run(args: RehearseArgs, printer: &Printer) -> anyhow::Result<()> {
    if args.layout == Some(Layout::Signer) {
        anyhow::bail!(
            "--layout signer: the rehearsal runs on key files; rehearse a rotation through `sakr signer` on a test cluster with `sakr rotate start --layout signer --signer-config FILE` (see the rotation guide, \"Rotation through the signer\")"
        );
    }
    let temp;
    let scratch: PathBuf = match &args.keep {
        Some(dir) => {
            std::fs::create_dir_all(dir).with_context(|| format!("--keep {}", dir.display()))?;
            if std::fs::read_dir(dir)?.next().is_some() {
                bail!("--keep {}: the directory is not empty", dir.display());
            }
            dir.clone()
        }
        None => {
            temp = tempfile::Builder::new()
                .prefix("sakr-rehearse-")
                .tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let n_nodes = usize::from(args.nodes);
    let root = if n_nodes > 1 {
        super::rehearse_nodes::node_root(&scratch, 1)
    } else {
        scratch.join("node")
    };
    let mdir = root.join("etc/kubernetes/manifests");
    std::fs::create_dir_all(&mdir)?;
    copy_manifests(args.manifests_dir.as_deref(), &mdir)?;
    let target = ops::locate_target(Some(&mdir), None, None, &root)?;
    stand_in_keys(&target)?;
    let peers = if n_nodes > 1 {
        Some(super::rehearse_nodes::Peers::setup(&scratch, n_nodes)?)
    } else {
        None
    };
    let ms = ops::load(&target)?;
    let issuer = ms
        .apiserver
        .manifest
        .issuers()
        .first()
        .filter(|i| i.starts_with("https://"))
        .map(|s| s.to_string())
        .unwrap_or_else(|| "https://issuer.rehearsal.invalid".into());
    let published = scratch.join("published");
    std::fs::create_dir_all(&published)?;
    let publish = PublishConfig {
        to: format!("file://{}", published.display()),
        issuer: issuer.clone(),
        jwks_uri: None,
        endpoint: None,
        cache_control: "public, max-age=3600".into(),
    };
    printer.note(&format!("rehearsing in {}", scratch.display()));
    let manifests_from = args
        .manifests_dir
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "sakr's bundled kubeadm manifests".into());
    printer.note(&format!(
        "  manifests {}  (copied from {manifests_from})",
        mdir.display(),
    ));
    printer.note(&format!("  publishing to {}  issuer {issuer}", publish.to));

    let mut now = jiff::Timestamp::now();
    let state_path = scratch.join("rotation.json");
    // Several nodes: one rotation over every node tree (`--node cp-K=local:///ROOT`), the
    // paths in the state being the nodes' own. One node: this machine's form, host paths.
    let (manifests, nodes) = match &peers {
        Some(p) => (
            ManifestConfig {
                manifests_dir: None,
                apiserver: None,
                controller_manager: None,
                host_root: PathBuf::from("/"),
                backup_dir: PathBuf::from(super::rehearse_nodes::BACKUP_DIR),
            },
            p.specs(&root),
        ),
        None => (
            ManifestConfig {
                manifests_dir: Some(mdir.clone()),
                apiserver: None,
                controller_manager: None,
                host_root: root.clone(),
                backup_dir: scratch.join("backups"),
            },
            Vec::new(),
        ),
    };
    let started = run::start(
        &StartOptions {
            state: state_path.clone(),
            key_dir: None,
            name: Some("sa-new".into()),
            algorithm: args.algorithm,
            manifests,
            publish: Some(publish.clone()),
            apiservers: ApiserverCheck::SingleNode,
            token_cluster: None,
            overlap_seconds: 0,
            simulated_clock: true,
            nodes,
            transport: Default::default(),
            node_apiservers: Vec::new(),
            node_timeout_seconds: crate::rotation::state::DEFAULT_NODE_TIMEOUT_SECONDS,
            layout: args.layout,
            signer_config: None,
            // The rehearsal publishes to a local directory; its issuer is not served anywhere.
            no_public_check: Some("rehearse: published to a local directory, not served".into()),
            relying_party_refresh_seconds: 0,
        },
        now,
    )
    .map_err(super::rotate::exit_for)?;
    let mut report = Rehearsal {
        scratch: args.keep.clone(),
        manifests_from,
        publish_to: publish.to.clone(),
        issuer: issuer.clone(),
        algorithm: args.algorithm,
        old_kid: started.state.old.kid.clone(),
        new_kid: started.state.new.kid.clone(),
        new_private_key: started.state.new.private_key.clone(),
        stages: Vec::new(),
        waits: Vec::new(),
        checks: Vec::new(),
        kubeadm_note: None,
        layout: started.state.layout,
        next_commands: next_commands(args.algorithm, n_nodes, args.layout),
        nodes: Vec::new(),
    };
    if !printer.json() {
        printer.data(&format!(
            "generate: new {} key {} at {} (old key {})\n{}\n",
            args.algorithm.name(),
            report.new_kid,
            report.new_private_key,
            report.old_kid,
            layout_line(&started.state)
        ));
    }

    if peers.is_some() && !printer.json() {
        let mut out = format!(
            "nodes: cp-1 … cp-{n_nodes}, one rotation from this seat; each stage rolls node by node\n"
        );
        for n in &started.nodes {
            out.push_str(&super::rotate::node_line(n));
        }
        printer.data(&out);
    }
    let generated = started.nodes.clone();

    // A token from the old key, as pods hold right now: it must keep verifying until retire.
    let old_token = mint(&started.state, &started.state.old.private_key_host, now)?;

    let mint_current = |s: &RotationState| -> anyhow::Result<Secret> {
        let ms = ops::load(&target)?;
        let signing = ms
            .apiserver
            .manifest
            .signing_key_file()
            .context("no signing key in the scratch manifest")?;
        let host = target
            .host_path(&ms.apiserver.manifest, signing)
            .context("signing key not mounted")?;
        mint(s, &host, jiff::Timestamp::now())
    };
    // No cluster to list legacy token Secrets in: the rehearsal records that it did not.
    let opts = NextOptions {
        allow_breaking_legacy_tokens: Some(
            "rehearse: a scratch copy, no cluster and no legacy token Secrets".into(),
        ),
        ..NextOptions::default()
    };
    loop {
        match run::next(&state_path, now, &opts, Some(&mint_current)) {
            Ok(r) if r.done && r.stage.is_none() => break,
            Ok(mut r) => {
                // The kubeadm note is the same advice at every stage: said once, at the end.
                r.notes.retain(|n| {
                    if n.starts_with(ops::KUBEADM_HINT_LEAD) || n == run::KUBEADM_LAYOUT_NOTE {
                        report.kubeadm_note = Some(n.clone());
                        false
                    } else {
                        true
                    }
                });
                if !printer.json() {
                    super::rotate::render_step(&r, printer);
                }
                let check = match r.stage {
                    Some(Stage::Verify) => {
                        Some(check_token("before retire", &old_token, &published, true)?)
                    }
                    Some(Stage::Retire) => {
                        Some(check_token("after retire", &old_token, &published, false)?)
                    }
                    _ => None,
                };
                report.stages.push(r);
                if let Some(c) = check {
                    if !printer.json() {
                        printer.data(&format!(
                            "check: {}, a pod's token from the old key is {} by the published JWKS\n",
                            c.when,
                            if c.accepted { "accepted" } else { "rejected" }
                        ));
                    }
                    report.checks.push(c);
                }
            }
            Err(RotateError::GateClosed(why)) => {
                let state = RotationState::load(&state_path)?;
                // The two waits a rehearsal jumps over: the published max-age before switch
                // (relying parties' caches), and the retire window.
                let wait = match state.next_stage() {
                    Some(Stage::Switch) => crate::rotation::public::unchecked_not_before(&state),
                    _ => run::retire_not_before(&state),
                };
                let Some(t) = wait.filter(|t| *t > now) else {
                    bail!("rehearsal stuck at a closed gate: {why}");
                };
                if !printer.json() {
                    printer.data(&format!(
                        "gate closed: {why}\n  (simulated clock jumps {} ahead to {})\n",
                        crate::token::checks::human_duration((t - now).get_seconds()),
                        crate::text::time(t)
                    ));
                }
                report.waits.push(Wait {
                    gate: why,
                    clock_jumped_to: t,
                });
                now = t;
            }
            Err(e) => return Err(super::rotate::exit_for(e)),
        }
    }
    if let Some(p) = &peers {
        report.nodes = super::rehearse_nodes::per_node(&generated, &report.stages);
        p.compare(&scratch, &mut report.nodes)?;
        if !printer.json() {
            printer.data(&super::rehearse_nodes::table(&report.nodes));
        }
    }
    if printer.json() {
        printer.json_doc(&report);
    } else {
        if let Some(k) = &report.kubeadm_note {
            printer.note(&format!("note: {k}"));
        }
        if peers.is_some() {
            printer.data(
                "every node ends as cp-1 does. On a real HA control plane, the same rotation from one seat: `sakr rotate start --control-plane --kubeconfig FILE …` (or --node NAME=ssh://HOST for each node), then `sakr rotate next` until complete; each node's kube-apiserver is waited for before the next node is edited. See docs/rotation-guide.md.\n",
            );
        }
        printer.data(&format!(
            "rehearsal complete: every stage passed. {}:\n  {}\n  {}   # from cron or CI, until it exits 0 with \"complete\"\n\
             ISSUER is kube-apiserver's --service-account-issuer (these manifests say {issuer}); relying parties \
             outside the cluster must be able to fetch it. HA control planes: see docs/rotation-guide.md.",
            if n_nodes > 1 {
                "On a real HA control plane, from one seat (a workstation or a CI job)"
            } else {
                "On a real single control-plane node"
            },
            report.next_commands[0].replace(" --publish-to", " \\\n      --publish-to"),
            report.next_commands[1],
        ));
    }
    if args.keep.is_none() {
        printer.note("scratch directory removed (use --keep DIR to inspect it)");
    }
    Ok(())
}

/// The commands that run, for real, what was just rehearsed (same algorithm): from one seat
/// over every control-plane node, or on a single control-plane node.
fn next_commands(algorithm: Algorithm, nodes: usize, layout: Option<Layout>) -> Vec<String> {
    // An explicit --layout is repeated; without it the real run chooses as the rehearsal did.
    let layout = layout.map(|l| format!(" --layout {l}")).unwrap_or_default();
    if nodes > 1 {
        return vec![
            format!(
                "sakr rotate start --state k8s://kube-system/sakr-rotation --control-plane --kubeconfig ~/.kube/config --algorithm {}{layout} --publish-to URL --issuer ISSUER",
                algorithm.name()
            ),
            "sakr rotate next --state k8s://kube-system/sakr-rotation".into(),
        ];
    }
    vec![
        format!(
            "sakr rotate start --state /etc/kubernetes/sakr-rotation.json --single-node --kubeconfig /etc/kubernetes/admin.conf --algorithm {}{layout} --publish-to URL --issuer ISSUER",
            algorithm.name()
        ),
        "sakr rotate next --state /etc/kubernetes/sakr-rotation.json".into(),
    ]
}

/// `rehearse -o json`: the whole rehearsal as one document.
#[derive(Serialize)]
struct Rehearsal {
    /// The scratch tree, when kept (`--keep`); `null` when it was removed.
    scratch: Option<PathBuf>,
    manifests_from: String,
    publish_to: String,
    issuer: String,
    algorithm: Algorithm,
    old_kid: String,
    new_kid: String,
    new_private_key: String,
    /// Every stage `rotate next` performed, in order.
    stages: Vec<run::StepReport>,
    /// Every closed gate the simulated clock jumped over.
    waits: Vec<Wait>,
    /// A pod's token from the old key against the published JWKS, before and after retire.
    checks: Vec<TokenCheck>,
    kubeadm_note: Option<String>,
    /// The key layout rehearsed (issue 17).
    layout: Layout,
    /// What to run on a real node for the same rotation.
    next_commands: Vec<String>,
    /// `--nodes N`: what each node went through, stage by stage.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    nodes: Vec<super::rehearse_nodes::NodeRehearsal>,
}

#[derive(Serialize)]
struct Wait {
    gate: String,
    clock_jumped_to: jiff::Timestamp,
}

#[derive(Serialize)]
struct TokenCheck {
    when: &'static str,
    accepted: bool,
}

fn copy_manifests(from: Option<&Path>, to: &Path) -> anyhow::Result<()> {
    match from {
        None => {
            std::fs::write(to.join("kube-apiserver.yaml"), KUBEADM_APISERVER)?;
            std::fs::write(
                to.join("kube-controller-manager.yaml"),
                KUBEADM_CONTROLLER_MANAGER,
            )?;
        }
        Some(dir) => {
            let found = crate::manifests::locate(dir)?;
            // Refuse what the model refuses (a hostPath with `..` would lead the rehearsal out
            // of its scratch directory, issue 13.1) while the error can still name the original.
            if let Some((path, source)) = found
                .read
                .iter()
                .find_map(|r| r.manifest.as_ref().err().map(|e| (&r.path, e)))
            {
                return Err(anyhow::Error::new(source.clone()).context(path.display().to_string()));
            }
            for p in [&found.apiserver, &found.controller_manager] {
                let name = p.file_name().context("manifest without a file name")?;
                std::fs::copy(p, to.join(name))
                    .with_context(|| format!("copying {}", p.display()))?;
            }
        }
    }
    Ok(())
}

/// Stand-in keys at the host paths the scratch manifests name: the signing key, its public half
/// for the key file that trusts it (`X.key` ↔ `X.pub`, or the only key file), and an independent
/// key for every other key file. The controller-manager shares the signing key when the paths
/// agree, as kubeadm sets them.
fn stand_in_keys(target: &ops::Target) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&target.apiserver)?;
    let api = crate::manifests::Manifest::parse(&text, crate::manifests::Role::ApiServer)?;
    let signing = api
        .signing_key_file()
        .context("the apiserver manifest has no --service-account-signing-key-file")?;
    let key = generate(Algorithm::Rsa2048)?;
    let write = |container: &str, bytes: &[u8], mode: u32| -> anyhow::Result<()> {
        let host = target
            .host_path(&api, container)
            .with_context(|| format!("{container} is not under a hostPath mount"))?;
        std::fs::create_dir_all(host.parent().unwrap_or(Path::new("/")))?;
        crate::fsutil::write_atomic(&host, bytes, crate::fsutil::WriteOptions::mode(mode))?;
        Ok(())
    };
    write(signing, key.private_pem.expose(), 0o600)?;
    let key_files = api.key_files();
    let pair = signing.strip_suffix(".key").map(|s| format!("{s}.pub"));
    for kf in &key_files {
        if key_files.len() == 1 || pair.as_deref() == Some(*kf) {
            write(kf, key.public.to_pem().as_bytes(), 0o644)?;
        } else {
            write(
                kf,
                generate(Algorithm::Rsa2048)?.public.to_pem().as_bytes(),
                0o644,
            )?;
        }
    }
    Ok(())
}

fn mint(s: &RotationState, key_host: &Path, now: jiff::Timestamp) -> anyhow::Result<Secret> {
    let pem = Secret::new(crate::fsutil::read_capped(
        key_host,
        crate::fsutil::MAX_INPUT_BYTES,
    )?);
    let signer = Signer::from_pem(&pem)?;
    let issuer = s
        .publish
        .as_ref()
        .map(|p| p.issuer.as_str())
        .unwrap_or("https://kubernetes.default.svc.cluster.local");
    let aud = [issuer.to_string()];
    let claims = kube_claims(&ClaimsSpec {
        issuer,
        audiences: &aud,
        namespace: "default",
        service_account: "rehearsal",
        service_account_uid: "00000000-0000-0000-0000-000000000000",
        pod: Some(("rehearsal-0", "00000000-0000-0000-0000-000000000001")),
        now: now.as_second(),
        ttl_seconds: 3607,
    });
    Ok(Secret::new(signer.sign(&claims)?.into_bytes()))
}

/// Verify a token against the JWKS published in the scratch dir, as a relying party would; a
/// result other than `expect_ok` fails the rehearsal.
fn check_token(
    when: &'static str,
    token: &Secret,
    published: &Path,
    expect_ok: bool,
) -> anyhow::Result<TokenCheck> {
    let jwks = std::fs::read(published.join("openid/v1/jwks"))?;
    let keys: Vec<_> = crate::jwks::parse(&jwks)?
        .into_iter()
        .map(|e| e.key)
        .collect();
    let decoded = crate::token::decode(&String::from_utf8_lossy(token.expose()))?;
    let ok = keys
        .iter()
        .any(|k| Some(k.kid().as_str()) == decoded.kid() && decoded.verify_with(k));
    if ok != expect_ok {
        bail!(
            "{when}: a token from the old key {} against the published JWKS, expected {}",
            if ok { "verifies" } else { "does not verify" },
            if expect_ok { "accepted" } else { "rejected" }
        );
    }
    Ok(TokenCheck { when, accepted: ok })
}

/// What the rehearsal's layout means, and how to see the other one.
fn layout_line(state: &RotationState) -> String {
    match state.layout {
        Layout::Kubeadm => format!(
            "layout: kubeadm (these manifests use kubeadm's own {} and {}): the flags never change; trust adds the new key to {0}, switch makes {1} the new key, retire leaves it alone in {0}, so kubeadm upgrade and join keep every stage. `sakr rehearse --layout flags` shows the other layout",
            state.old.public_key, state.old.private_key
        ),
        Layout::Signer => "layout: signer".into(),
        Layout::Flags => "layout: flags: each stage edits the --service-account-* flags (a kubeadm upgrade regenerates them from its ClusterConfiguration; see the note at the end). On kubeadm's own sa.pub/sa.key, `sakr rehearse` (without --layout flags) shows the kubeadm layout".into(),
    }
}
