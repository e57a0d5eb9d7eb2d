//! `rotate start` (DESIGN §1 generate; issues 6, 16): read the current keys on every node of
//! the rotation, require that the nodes agree, generate one new pair and write it to every node
//! (private key 0600, never replacing a file), find where each node's apiserver answers, and
//! record all of it in a new state. Run again after a kill, it takes over the pair the killed
//! run left instead of failing on the existing name.

use std::path::{Path, PathBuf};

use super::fleet::{Fleet, Member};
use super::live::Live;
use super::run::{Result, RotateError, other, prefixed, verify_token_source};
use super::state::{
    ApiserverAddress, ApiserverCheck, ClusterConfig, KeyRef, ManifestConfig, NodeTransport,
    PublishConfig, RotationNode, RotationState, SCHEMA_VERSION, Stage, StageRecord,
};
use super::store::Store;
use crate::keys::PublicKey;
use crate::keys::generate::{self, Algorithm};
use crate::layout::{self, Layout};
use crate::manifests::ops::{self, State as ManifestState};
use crate::node::select::NodeSpec;
use crate::node::{Kind, NodeError};

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
    /// The control-plane nodes, in rolling order; empty: this machine.
    pub nodes: Vec<NodeSpec>,
    pub transport: NodeTransport,
    /// `--node-apiserver NAME=HOST:PORT`: where a node's apiserver answers, when its
    /// InternalIP does not say.
    pub node_apiservers: Vec<(String, ApiserverAddress)>,
    pub node_timeout_seconds: u64,
    /// `--layout`; `None`: the layout the manifests are in (kubeadm's files: kubeadm).
    pub layout: Option<Layout>,
    /// `--signer-config`: the signer layout's key set file, as each node sees it.
    pub signer_config: Option<PathBuf>,
    /// `--no-public-check`, with who gave it (recorded in the state).
    pub no_public_check: Option<String>,
    /// `--relying-party-refresh`, seconds.
    pub relying_party_refresh_seconds: i64,
}

/// What `start` did.
#[derive(Debug, serde::Serialize)]
pub struct Started {
    pub state: RotationState,
    /// How the verify stage will get its fresh token (settled now, not discovered at verify).
    pub verify_token: String,
    /// Per node, in rolling order: the new pair written there (rotations over `--node`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub nodes: Vec<super::run::NodeStep>,
    pub notes: Vec<String>,
}

/// The old key as one node's manifests name it.
fn old_key(ms: &ManifestState) -> Result<KeyRef> {
    let api = &ms.apiserver.manifest;
    if let Some(ep) = api.signing_endpoint() {
        return Err(RotateError::Refused(format!(
            "{} uses an external signer ({ep}, KEP-740): keys live in the signer, not in files sakr can rotate; when the signer is `sakr signer serve`, rotate with --layout signer --signer-config FILE",
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
    Ok(KeyRef {
        kid: old_kid,
        private_key: signing.to_string(),
        public_key: old_pub.clone(),
        private_key_host: host(signing),
        public_key_host: host(&old_pub),
    })
}

pub fn start(opts: &StartOptions, now: jiff::Timestamp) -> Result<Started> {
    if let Some(name) = &opts.name {
        crate::keys::name::validate(name).map_err(other)?;
    }
    let cluster = match &opts.apiservers {
        ApiserverCheck::Cluster(c) => Some(c),
        _ => opts.token_cluster.as_ref(),
    };
    let mut store = Store::open(&opts.state, cluster)?;
    let _lock = store.lock(true)?;
    if store.exists()? {
        return Err(RotateError::Refused(format!(
            "{} already holds a rotation; see `sakr rotate status --state {0}`, finish or abort it first",
            store.shown()
        )));
    }
    let mut nodes: Vec<RotationNode> = opts
        .nodes
        .iter()
        .map(|spec| RotationNode {
            spec: spec.clone(),
            apiserver: None,
            stages: Default::default(),
        })
        .collect();
    let mut notes = Vec::new();
    // Where each node's apiserver answers, before anything is written: a node the cluster
    // cannot place is bad input (exit 2).
    if !nodes.is_empty()
        && let ApiserverCheck::Cluster(cfg) = &opts.apiservers
    {
        notes.extend(locate_apiservers(cfg, &mut nodes, &opts.node_apiservers)?);
    }
    let mut fleet = if nodes.is_empty() {
        Fleet::local(&opts.manifests)
    } else {
        Fleet::connect(&nodes, &opts.transport, &opts.manifests, cluster).map_err(other)?
    };

    fleet.open_sessions();
    if opts.layout == Some(Layout::Signer) || opts.signer_config.is_some() {
        return super::start_signer::start(opts, now, &mut store, fleet, nodes, notes);
    }
    // Every node names the same current key, at the same paths.
    let mut loaded = Vec::new();
    for m in fleet.members.iter_mut() {
        let ms = m.load().map_err(|e| prefixed(&m.prefix(), e.into()))?;
        let old = old_key(&ms).map_err(|e| prefixed(&m.prefix(), e))?;
        loaded.push((ms, old));
    }
    let old = loaded[0].1.clone();
    // One layout for the whole control plane: every node in it.
    let layout = layout::resolve(&loaded[0].0, opts.layout)
        .map_err(|e| prefixed(&fleet.members[0].prefix(), e.into()))?;
    for (m, (ms, _)) in fleet.members.iter().zip(&loaded).skip(1) {
        let theirs =
            layout::resolve(ms, opts.layout).map_err(|e| prefixed(&m.prefix(), e.into()))?;
        if theirs != layout {
            return Err(RotateError::Refused(format!(
                "node {} is in the {layout} layout and node {} in the {theirs} layout: the control plane must be in one state before a rotation; compare them with `sakr manifest show --node …`",
                fleet.members[0].name, m.name
            )));
        }
    }
    if layout == Layout::Kubeadm {
        notes.push(format!(
            "kubeadm layout: the flags stay as kubeadm writes them; trust adds the new key to {}, switch makes {} the new key (the old one archived first), retire leaves the new key alone in {0}: a kubeadm upgrade or join keeps every stage",
            old.public_key, old.private_key
        ));
    }
    for (m, (_, o)) in fleet.members.iter().zip(&loaded).skip(1) {
        if (&o.kid, &o.private_key, &o.public_key) != (&old.kid, &old.private_key, &old.public_key)
        {
            return Err(RotateError::Refused(format!(
                "node {} signs with {} (kid {}, trusted through {}) and node {} with {} (kid {}, trusted through {}): the control plane must be in one state before a rotation; compare them with `sakr manifest show --node …`",
                fleet.members[0].name,
                old.private_key,
                old.kid,
                old.public_key,
                m.name,
                o.private_key,
                o.kid,
                o.public_key
            )));
        }
    }

    // New keys go next to the old signing key unless --key-dir says otherwise; either way the
    // apiserver must see the directory through a hostPath mount, on every node.
    let key_dir_host0 = match &opts.key_dir {
        Some(d) if fleet.is_local() => std::path::absolute(d).map_err(other)?,
        Some(d) => fleet.members[0].host_of(d),
        None => old
            .private_key_host
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    };
    let (ms0, _) = &loaded[0];
    refuse_manifests_dir(&mut fleet.members[0], ms0, &key_dir_host0)?;
    let key_dir_container = ops::container_path_for(
        &ms0.target,
        &ms0.apiserver.manifest,
        &key_dir_host0,
    )
    .ok_or_else(|| {
        other(anyhow::anyhow!(
            "--key-dir {}: kube-apiserver does not see this directory through any hostPath volume",
            key_dir_host0.display()
        ))
    })?;
    let name = opts
        .name
        .clone()
        .unwrap_or_else(|| format!("sa-{}", now.strftime("%Y%m%d")));
    let join = |f: &str| format!("{}/{f}", key_dir_container.trim_end_matches('/'));
    let (key_container, pub_container) =
        (join(&format!("{name}.key")), join(&format!("{name}.pub")));
    // Each node's host paths of the new pair, checked before anything is written.
    let mut paths = Vec::new();
    for (m, (ms, _)) in fleet.members.iter_mut().zip(&loaded) {
        let api = &ms.apiserver.manifest;
        let (Some(k), Some(p)) = (
            ms.target.host_path(api, &key_container),
            ms.target.host_path(api, &pub_container),
        ) else {
            return Err(other(anyhow::anyhow!(
                "{}kube-apiserver does not see {key_container} through any hostPath volume",
                m.prefix()
            )));
        };
        refuse_manifests_dir(m, ms, k.parent().unwrap_or(Path::new("/")))?;
        paths.push((k, p));
    }

    let (private_pem, public) = match adopt_interrupted_start(
        &mut fleet.members[0],
        &loaded[0].0,
        &paths[0],
    )? {
        Some((pem, public)) => {
            notes.push(format!(
                "adopted the key pair {} left by an interrupted `rotate start` (kid {}; unused by the manifests)",
                paths[0].0.display(),
                public.kid()
            ));
            (pem, public)
        }
        None => {
            let g = generate::generate(opts.algorithm).map_err(other)?;
            (g.private_pem, g.public)
        }
    };
    let public_pem = public.to_pem();
    let mut written: Vec<(usize, Vec<PathBuf>)> = Vec::new();
    for (i, (k, p)) in paths.iter().enumerate() {
        let m = &mut fleet.members[i];
        match m.write_pair((k, private_pem.expose()), (p, public_pem.as_bytes())) {
            Ok(w) => written.push((i, w)),
            Err(e) => {
                let prefix = m.prefix();
                remove_written(&mut fleet, &written);
                return Err(match e {
                    NodeError::Exists { path, .. } => other(anyhow::anyhow!(
                        "{prefix}{} already exists and is not the key pair of an interrupted start; choose another --name",
                        path.display()
                    )),
                    e => other(e),
                });
            }
        }
    }
    let new = KeyRef {
        kid: public.kid(),
        private_key: key_container,
        public_key: pub_container,
        private_key_host: paths[0].0.clone(),
        public_key_host: paths[0].1.clone(),
    };
    let mut state = new_state(opts, now, (old, new), nodes, layout, None);
    let note = format!(
        "{} key {} at {}",
        opts.algorithm.name(),
        state.new.kid,
        state.new.private_key
    );
    create_state(&mut store, &mut fleet, &written, &mut state, note)?;
    let nodes = state
        .nodes
        .iter()
        .zip(&written)
        .map(|(n, (_, files))| super::run::NodeStep {
            node: n.spec.name.clone(),
            files: files.clone(),
            waited_seconds: None,
            note: format!(
                "new key pair {}{}",
                if files.is_empty() {
                    "already there"
                } else {
                    "written"
                },
                n.apiserver
                    .as_ref()
                    .map(|a| format!("; its kube-apiserver answers at {}", a.place()))
                    .unwrap_or_default()
            ),
        })
        .collect();
    Ok(Started {
        verify_token: verify_token_source(&state),
        state,
        nodes,
        notes,
    })
}

/// A new rotation's state: what `start` was given, and the keys it found and made.
pub(super) fn new_state(
    opts: &StartOptions,
    now: jiff::Timestamp,
    (old, new): (KeyRef, KeyRef),
    nodes: Vec<RotationNode>,
    layout: Layout,
    signer: Option<super::state::SignerRef>,
) -> RotationState {
    RotationState {
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
        transport: (!nodes.is_empty()).then(|| opts.transport.clone()),
        nodes,
        node_timeout_seconds: opts.node_timeout_seconds,
        layout,
        no_public_check: opts.no_public_check.as_ref().map(|who| StageRecord {
            at: now,
            note: Some(who.clone()),
        }),
        relying_party_refresh_seconds: opts.relying_party_refresh_seconds,
        public_view: None,
        legacy_tokens_allowed: None,
        metrics: Default::default(),
        signer,
    }
}

/// Record the generate stage (on the state and on every node), then create the state. Without
/// a state nobody would know the keys written for it belong to a rotation: they are removed
/// when it cannot be created.
pub(super) fn create_state(
    store: &mut Store,
    fleet: &mut Fleet,
    written: &[(usize, Vec<PathBuf>)],
    state: &mut RotationState,
    note: String,
) -> Result<()> {
    let record = StageRecord {
        at: state.created_at,
        note: Some(note),
    };
    for n in state.nodes.iter_mut() {
        n.stages.insert(Stage::Generate, record.clone());
    }
    state.stages.insert(Stage::Generate, record);
    if let Err(e) = store.create(state) {
        remove_written(fleet, written);
        return Err(other(e));
    }
    Ok(())
}

pub(super) fn remove_written(fleet: &mut Fleet, written: &[(usize, Vec<PathBuf>)]) {
    for (i, files) in written {
        for f in files {
            let _ = fleet.members[*i].node.remove_file(f);
        }
    }
}

/// The manifests directory must never receive a key: the kubelet would try to start NAME.key
/// and NAME.pub as static pods, and a private key there is one `cat` from any tool that reads
/// manifests (issue 13, finding 9). Compared by real paths, on the node.
fn refuse_manifests_dir(m: &mut Member, ms: &ManifestState, key_dir: &Path) -> Result<()> {
    let Some(mdir) = &ms.target.manifests_dir else {
        return Ok(());
    };
    let real_key = m.node.canonical(key_dir).map_err(other)?;
    let real_m = m.node.canonical(mdir).map_err(other)?;
    if real_key.starts_with(&real_m) {
        return Err(other(anyhow::anyhow!(
            "{}--key-dir {}: inside the manifests directory {}; keys belong beside the current ones (e.g. /etc/kubernetes/pki)",
            m.prefix(),
            key_dir.display(),
            mdir.display()
        )));
    }
    Ok(())
}

/// Where each node's apiserver answers: `--node-apiserver`, else the endpoint of
/// `default/kubernetes` at the Node's InternalIP. Notes the control-plane Nodes left out.
pub(super) fn locate_apiservers(
    cfg: &ClusterConfig,
    nodes: &mut [RotationNode],
    given: &[(String, ApiserverAddress)],
) -> Result<Vec<String>> {
    for (name, _) in given {
        if !nodes.iter().any(|n| &n.spec.name == name) {
            return Err(other(anyhow::anyhow!(
                "--node-apiserver {name}=…: {name} is not a node of this rotation (--node, --control-plane)"
            )));
        }
    }
    let live = Live::connect(cfg)?;
    let endpoints = if nodes
        .iter()
        .all(|n| given.iter().any(|(g, _)| *g == n.spec.name))
    {
        Vec::new()
    } else {
        live.endpoints()?
    };
    for n in nodes.iter_mut() {
        n.apiserver = Some(match given.iter().find(|(g, _)| *g == n.spec.name) {
            Some((_, a)) => a.clone(),
            None => live.locate(&n.spec.name, &endpoints)?,
        });
    }
    let names: Vec<String> = nodes.iter().map(|n| n.spec.name.clone()).collect();
    let outside = live.control_plane_outside(&names)?;
    Ok(if outside.is_empty() {
        Vec::new()
    } else {
        vec![format!(
            "control-plane Node(s) {} are not in this rotation: the switch gate stays closed until they are (a node left out would reject tokens from the new key); start again with --control-plane, or add --node for each",
            outside.join(", ")
        )]
    })
}

/// `start` writes the key pair before the state, so a start killed in between leaves a pair
/// (or, killed between the two renames, only the `.key`) that no state mentions. Running
/// `start` again takes that pair over instead of failing on the existing name, when it is
/// provably the leftover: a private key written 0600, with at most its own public half beside
/// it, that no manifest flag names. Anything else stays an error: sakr never takes over a key
/// it cannot account for.
fn adopt_interrupted_start(
    m: &mut Member,
    ms: &ManifestState,
    (key_host, pub_host): &(PathBuf, PathBuf),
) -> Result<Option<(crate::keys::secret::Secret, PublicKey)>> {
    let Some(meta) = m.node.lstat(key_host).map_err(other)? else {
        return Ok(None);
    };
    if meta.kind != Kind::File || meta.mode & 0o077 != 0 {
        return Ok(None);
    }
    let pem = m.secret(key_host).map_err(other)?;
    let Some(block) = crate::keys::parse_pem_file(pem.expose())
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
    match m.key_file(pub_host) {
        Ok(Some(file)) if file.blocks.len() == 1 && file.blocks[0].key.kid() == kid => {}
        // Missing: written by `write_pair` afterwards.
        Ok(None) => {}
        _ => return Ok(None),
    }
    Ok(Some((pem, public)))
}
