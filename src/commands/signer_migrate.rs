//! `sakr signer migrate` (issue 20, item 4): move one control-plane node from key files to
//! `sakr signer`, in the order that never leaves kube-apiserver without a signer:
//!
//! 1. the key set: the current signing key copied into the signer's key directory (0600) as the
//!    active key; every other trusted key as a public key, excluded from discovery (KEP-740 asks
//!    a plugin to keep verifying the previous keys; `sakr signer remove` drops them once no
//!    token they signed is in use);
//! 2. the static pod of `sakr signer serve` (`sakr-signer.yaml` in the manifests directory),
//!    mounting the key set read-only and the socket's directory;
//! 3. once the signer listens (`--wait`; exit 3 until then, nothing else changed), the
//!    kube-apiserver manifest: `--service-account-signing-endpoint` added, the key-file flags
//!    removed (backed up first, atomic, one verified edit).
//!
//! Paths (`--config`, `--key-dir`, `--socket`) are the node's, as the signer and kube-apiserver
//! see them; they are written under `--host-root`. Run again, it finishes what a killed run
//! began and changes nothing that is already done. kube-controller-manager keeps its
//! `--service-account-private-key-file` (legacy token Secrets, which no external signer signs).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::cli::ManifestLocation;
use crate::exit::Refused;
use crate::fsutil::{self, WriteOptions};
use crate::keys::PublicKey;
use crate::keys::secret::Secret;
use crate::manifests::edit::{self, EditOutcome};
use crate::manifests::ops;
use crate::node::under_root;
use crate::output::Printer;
use crate::signer::config::{CONFIG_VERSION, Config, KeyEntry};

/// `sakr signer migrate` arguments.
#[derive(Debug, clap::Args)]
pub struct MigrateArgs {
    /// The key set file to write, as the node sees it.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "/etc/kubernetes/sakr/signer.json"
    )]
    pub config: PathBuf,
    /// Where the keys go, as the node sees it [default: keys/ beside --config].
    #[arg(long, value_name = "DIR")]
    pub key_dir: Option<PathBuf>,
    /// The socket, as the node sees it; kube-apiserver must see its directory through a
    /// hostPath volume [default: sakr-signer/signer.sock beside the current signing key].
    #[arg(long, value_name = "PATH")]
    pub socket: Option<PathBuf>,
    /// The image of the signer's static pod (one with the `sakr` binary).
    #[arg(long, value_name = "IMAGE", default_value = concat!("ghcr.io/sakr-dev/sakr:", env!("CARGO_PKG_VERSION")))]
    pub image: String,
    /// How long to wait for the signer to listen before editing kube-apiserver.
    #[arg(long, value_name = "DURATION", default_value = "2m")]
    pub wait: String,
    /// The signer's FetchKeys refresh hint (how soon kube-apiserver sees a rotation's edit).
    #[arg(long, value_name = "DURATION", default_value = "60s")]
    pub refresh_hint: String,
    /// Show what would be written and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub manifests: ManifestLocation,
}

/// One year and a day: kube-apiserver's extended token lifetime (a year) fits under it.
const EXTENDED_TOKEN_SECONDS: i64 = 366 * 86_400;

/// The kube-apiserver version of the manifest's image tag (`…/kube-apiserver:v1.33.4`).
fn api_version(text: &str) -> Option<(u32, u32)> {
    let tag = text
        .lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix("image:"))
        .map(|i| i.trim().trim_matches('"').trim_matches('\''))
        .find(|i| i.contains("kube-apiserver"))?
        .rsplit_once(":v")?
        .1;
    let mut parts = tag.split(['.', '-', '@']);
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// A Go duration flag of kube-apiserver (`--flag=48h`, `8760h0m0s`), in seconds.
fn flag_seconds(text: &str, flag: &str) -> Option<i64> {
    let v = text
        .lines()
        .map(|l| l.trim().trim_start_matches("- ").trim().trim_matches('"'))
        .find_map(|l| l.strip_prefix(flag)?.strip_prefix('='))?;
    let mut total = 0i64;
    let mut num = String::new();
    for c in v.chars() {
        match c {
            '0'..='9' => num.push(c),
            'h' | 'm' | 's' => {
                let n: i64 = num.parse().ok()?;
                num.clear();
                total = total.checked_add(n.checked_mul(match c {
                    'h' => 3600,
                    'm' => 60,
                    _ => 1,
                })?)?;
            }
            _ => return None,
        }
    }
    num.is_empty().then_some(total)
}

/// `sakr signer migrate -o json`.
#[derive(serde::Serialize)]
struct Report<'a> {
    config: &'a Path,
    keys: &'a [KeyEntry],
    static_pod: &'a Path,
    socket: &'a Path,
    dry_run: bool,
    /// `changed`, `already`, or `would change` (dry run).
    apiserver: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    apiserver_backup: Option<PathBuf>,
    /// The kube-apiserver manifest's unified diff (empty when unchanged).
    diff: &'a str,
}

/// The static pod of `sakr signer serve`. Every value is a path or an image checked to be
/// plain (no quote, no newline), and quoted.
fn static_pod(image: &str, config: &Path, config_dir: &Path, socket: &Path, hint: &str) -> String {
    let socket_dir = socket.parent().unwrap_or(Path::new("/"));
    format!(
        r#"# Written by `sakr signer migrate`: the external token signer kube-apiserver dials
# (--service-account-signing-endpoint={socket}).
apiVersion: v1
kind: Pod
metadata:
  name: sakr-signer
  namespace: kube-system
  labels:
    component: sakr-signer
    tier: control-plane
spec:
  priorityClassName: system-node-critical
  hostNetwork: true
  securityContext:
    seccompProfile:
      type: RuntimeDefault
  containers:
  - name: sakr-signer
    image: "{image}"
    command:
    - sakr
    - signer
    - serve
    - "--config={config}"
    - "--socket={socket}"
    - "--refresh-hint={hint}"
    securityContext:
      readOnlyRootFilesystem: true
      allowPrivilegeEscalation: false
    volumeMounts:
    - name: sakr-keys
      mountPath: "{config_dir}"
      readOnly: true
    - name: sakr-socket
      mountPath: "{socket_dir}"
  volumes:
  - name: sakr-keys
    hostPath:
      path: "{config_dir}"
      type: Directory
  - name: sakr-socket
    hostPath:
      path: "{socket_dir}"
      type: DirectoryOrCreate
"#,
        socket = socket.display(),
        config = config.display(),
        config_dir = config_dir.display(),
        socket_dir = socket_dir.display(),
    )
}

fn plain(what: &str, v: &str) -> anyhow::Result<()> {
    if v.is_empty() || v.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
        bail!("{what} {v:?}: quotes, backslashes and control characters are not allowed");
    }
    Ok(())
}

fn absolute(what: &str, p: &Path) -> anyhow::Result<()> {
    plain(what, &p.to_string_lossy())?;
    if !p.is_absolute() {
        bail!(
            "{what} {}: give the absolute path the node sees",
            p.display()
        );
    }
    Ok(())
}

/// Write `bytes` at `host` without replacing a different file (the same bytes: done before).
fn write_new(host: &Path, bytes: &[u8], mode: u32) -> anyhow::Result<bool> {
    match fsutil::read_capped(host, fsutil::MAX_INPUT_BYTES) {
        Ok(old) if old == bytes => return Ok(false),
        Ok(_) => bail!(
            "{}: exists with other content; move it away or choose another --key-dir",
            host.display()
        ),
        Err(_) => {}
    }
    fsutil::write_atomic(host, bytes, WriteOptions::mode(mode).no_clobber(true))
        .with_context(|| format!("writing {}", host.display()))?;
    Ok(true)
}

pub fn run(a: MigrateArgs, printer: &Printer) -> anyhow::Result<()> {
    absolute("--config", &a.config)?;
    plain("--image", &a.image)?;
    let wait = super::rotate::parse_duration("--wait", &a.wait)?;
    let hint = super::rotate::parse_duration("--refresh-hint", &a.refresh_hint)?;
    if !(1..=86_400).contains(&hint) {
        bail!("--refresh-hint {:?}: between 1s and 24h", a.refresh_hint);
    }
    let m = &a.manifests;
    let target = ops::locate_target(
        m.manifests_dir.as_deref(),
        m.apiserver.as_deref(),
        m.controller_manager.as_deref(),
        &m.host_root,
    )?;
    let ms = ops::load(&target)?;
    let api = &ms.apiserver.manifest;
    let root = target.host_root.clone();
    let on_node = |p: &Path| under_root(&root, p);

    // The keys kube-apiserver uses now.
    let Some(signing) = api.signing_key_file() else {
        if let Some(ep) = api.signing_endpoint() {
            printer.note(&format!(
                "{} already signs through {ep}; nothing to migrate",
                ms.apiserver.path.display()
            ));
            return Ok(());
        }
        bail!(
            "{}: no --service-account-signing-key-file to migrate",
            ms.apiserver.path.display()
        );
    };
    let signing_host = ms
        .target
        .host_path(api, signing)
        .with_context(|| format!("{signing} is not under any hostPath volume of kube-apiserver"))?;
    let pem = Secret::new(
        fsutil::read_capped(&signing_host, fsutil::MAX_INPUT_BYTES)
            .with_context(|| format!("{}", signing_host.display()))?,
    );
    let current = crate::keys::parse_pem_file(pem.expose())
        .ok()
        .and_then(|f| f.signing_key().map(|b| b.key.clone()))
        .with_context(|| format!("{}: holds no private key", signing_host.display()))?;
    let kid = current.kid();
    let mut trusted: Vec<PublicKey> = Vec::new();
    for kf in api.key_files() {
        let host = ms
            .target
            .host_path(api, kf)
            .with_context(|| format!("{kf} is not under any hostPath volume of kube-apiserver"))?;
        let bytes = fsutil::read_capped(&host, fsutil::MAX_INPUT_BYTES)
            .with_context(|| format!("{}", host.display()))?;
        let file =
            crate::keys::parse_pem_file(&bytes).with_context(|| format!("{}", host.display()))?;
        for b in file.blocks {
            if b.key_file_problem().is_none() && !trusted.iter().any(|k| k.kid() == b.key.kid()) {
                trusted.push(b.key);
            }
        }
    }
    if !trusted.iter().any(|k| k.kid() == kid) {
        return Err(Refused(format!(
            "the signing key {signing} (kid {kid}) is not among the --service-account-key-file keys: the cluster is already broken; fix that first (sakr manifest show)"
        ))
        .into());
    }

    // What kube-apiserver requires of an external signer: the feature gate before 1.34, and a
    // signer whose Metadata maximum covers --service-account-max-token-expiration.
    let version = api_version(&ms.apiserver.text);
    let gate_on = ms
        .apiserver
        .text
        .contains("ExternalServiceAccountTokenSigner=true");
    match version {
        Some((1, minor)) if minor < 32 => {
            return Err(Refused(format!(
                "{}: kube-apiserver 1.{minor} has no external signer (--service-account-signing-endpoint is 1.32+); upgrade first",
                ms.apiserver.path.display()
            ))
            .into());
        }
        Some((1, minor)) if minor < 34 && !gate_on => {
            return Err(Refused(format!(
                "{}: kube-apiserver 1.{minor} needs --feature-gates=ExternalServiceAccountTokenSigner=true for --service-account-signing-endpoint (beta, on by default, from 1.34); add it to the manifest (and to kubeadm's ClusterConfiguration), then migrate",
                ms.apiserver.path.display()
            ))
            .into());
        }
        _ => {}
    }
    let max_flag = flag_seconds(&ms.apiserver.text, "--service-account-max-token-expiration");
    // At least a year and a day: the extended tokens of the projected volumes (one year) keep
    // being issued as before; the signer does not shorten any token kube-apiserver issues.
    let max_expiration = max_flag.unwrap_or(0).max(EXTENDED_TOKEN_SECONDS);

    // Where things go, as the node sees them.
    let config_dir = a.config.parent().unwrap_or(Path::new("/")).to_path_buf();
    let key_dir = a.key_dir.clone().unwrap_or_else(|| config_dir.join("keys"));
    absolute("--key-dir", &key_dir)?;
    let socket = a.socket.clone().unwrap_or_else(|| {
        Path::new(signing)
            .parent()
            .unwrap_or(Path::new("/"))
            .join("sakr-signer/signer.sock")
    });
    absolute("--socket", &socket)?;
    let socket_dir = socket.parent().unwrap_or(Path::new("/"));
    // The signer's pod mounts the socket's directory at its host path: kube-apiserver must see
    // it at the same path (kubeadm mounts its pki directory so).
    if api.host_path_for(&socket_dir.to_string_lossy()).as_deref() != Some(socket_dir) {
        bail!(
            "--socket {}: kube-apiserver does not see {} at that path through a hostPath volume; choose a path under one of its volumes mounted at the same path (e.g. beside the signing key)",
            socket.display(),
            socket_dir.display()
        );
    }
    if !key_dir.starts_with(&config_dir) {
        bail!(
            "--key-dir {}: must be inside {} (the signer's pod mounts that directory)",
            key_dir.display(),
            config_dir.display()
        );
    }
    let short = |k: &PublicKey| k.kid()[..12].to_string();
    let mut cfg = Config {
        version: CONFIG_VERSION,
        max_token_expiration_seconds: max_expiration,
        keys: vec![KeyEntry {
            active: true,
            ..KeyEntry::file(
                format!("current-{}", short(&current)),
                key_dir.join(format!("{}.key", short(&current))),
            )
        }],
    };
    let mut pubs = Vec::new();
    for k in trusted.iter().filter(|k| k.kid() != kid) {
        let path = key_dir.join(format!("{}.pub", short(k)));
        pubs.push((path.clone(), k.to_pem()));
        cfg.keys.push(KeyEntry {
            exclude_from_discovery: true,
            ..KeyEntry::public(format!("previous-{}", short(k)), path)
        });
    }
    let manifests_dir = ms
        .target
        .manifests_dir
        .clone()
        .or_else(|| ms.apiserver.path.parent().map(Path::to_path_buf))
        .context("the manifests directory (--manifests-dir)")?;
    let pod_path = manifests_dir.join("sakr-signer.yaml");
    let pod = static_pod(&a.image, &a.config, &config_dir, &socket, &a.refresh_hint);
    let api_text = &ms.apiserver.text;
    let api_new = match edit::to_signer(api_text, &socket.to_string_lossy())
        .with_context(|| ms.apiserver.path.display().to_string())?
    {
        EditOutcome::Changed(t) => t,
        EditOutcome::Already => api_text.clone(),
    };
    let diff = edit::unified_diff(api_text, &api_new, &ms.apiserver.path.display().to_string());

    let mut out = String::new();
    out.push_str(&format!(
        "key set {} (on this node: {}):\n",
        a.config.display(),
        on_node(&a.config).display()
    ));
    for e in &cfg.keys {
        out.push_str(&format!(
            "  {:<22} {} {}\n",
            e.name,
            if e.active {
                "active"
            } else {
                "public, excluded from discovery"
            },
            e.path.as_deref().unwrap_or(Path::new("")).display()
        ));
    }
    out.push_str(&format!(
        "signer static pod {} (socket {})\n",
        pod_path.display(),
        socket.display()
    ));
    let report = |apiserver: &'static str, backup: Option<PathBuf>| Report {
        config: &a.config,
        keys: &cfg.keys,
        static_pod: &pod_path,
        socket: &socket,
        dry_run: a.dry_run,
        apiserver,
        apiserver_backup: backup,
        diff: &diff,
    };
    if a.dry_run {
        if printer.json() {
            printer.json_doc(&report("would change", None));
        } else {
            out.push_str(&pod);
            out.push_str(&diff);
            printer.data(&out);
        }
        printer.note("dry run: nothing written");
        return Ok(());
    }

    // 1. The key set.
    {
        use std::os::unix::fs::DirBuilderExt as _;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(on_node(&key_dir))
            .with_context(|| format!("creating {}", on_node(&key_dir).display()))?;
    }
    let key_host = on_node(cfg.keys[0].path.as_deref().unwrap_or(Path::new("")));
    write_new(&key_host, pem.expose(), 0o600)?;
    for (p, text) in &pubs {
        write_new(&on_node(p), text.as_bytes(), 0o644)?;
    }
    let config_host = on_node(&a.config);
    match fsutil::read_capped(&config_host, fsutil::MAX_INPUT_BYTES) {
        Ok(bytes) if bytes == cfg.to_text().as_bytes() => {}
        Ok(_) => bail!(
            "{}: a key set exists there already; move it away, or choose another --config",
            config_host.display()
        ),
        Err(_) => cfg
            .write(&config_host)
            .with_context(|| format!("writing {}", config_host.display()))?,
    }
    // 2. The signer's static pod.
    if fsutil::read_capped(&pod_path, fsutil::MAX_INPUT_BYTES)
        .ok()
        .as_deref()
        != Some(pod.as_bytes())
    {
        fsutil::write_atomic(&pod_path, pod.as_bytes(), WriteOptions::mode(0o600))
            .with_context(|| format!("writing {}", pod_path.display()))?;
    }
    out.push_str(&format!("wrote the key set and {}\n", pod_path.display()));

    // 3. kube-apiserver, once the signer listens.
    let socket_host = on_node(&socket);
    let deadline = Instant::now() + Duration::from_secs(wait as u64);
    loop {
        // Listening, and serving this key set: the current key, not excluded (a socket left by
        // a crashed signer, or one serving another set, does not count).
        let serving =
            crate::signer::client::fetch_keys_blocking(&socket_host, Duration::from_secs(5))
                .is_ok_and(|f| f.keys.iter().any(|k| k.kid == kid && !k.excluded));
        if serving {
            break;
        }
        if Instant::now() >= deadline {
            if !printer.json() {
                printer.data(&out);
            }
            return Err(Refused(format!(
                "waiting for the signer to listen on {} and serve kid {kid} (the kubelet starts {}; `crictl ps -a --name sakr-signer`, `crictl logs`); kube-apiserver is unchanged: run `sakr signer migrate` again",
                socket.display(),
                pod_path.display()
            ))
            .into());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut backup_path = None;
    if api_new != *api_text {
        let backup_dir = m.backup_dir.clone().unwrap_or_else(|| {
            ops::default_backup_dir(
                ms.target.manifests_dir.as_deref(),
                Some(&ms.apiserver.path),
                jiff::Timestamp::now(),
            )
        });
        let backup = crate::manifests::write::backup(&ms.apiserver.path, &backup_dir)?;
        crate::manifests::write::write_atomic(&ms.apiserver.path, api_new.as_bytes())?;
        out.push_str(&diff);
        out.push_str(&format!(
            "kube-apiserver now signs through the signer (backup: {}); the kubelet restarts it once\n",
            backup.display()
        ));
        backup_path = Some(backup);
    } else {
        out.push_str("kube-apiserver already signs through the signer\n");
    }
    if printer.json() {
        let changed = if backup_path.is_some() {
            "changed"
        } else {
            "already"
        };
        printer.json_doc(&report(changed, backup_path.clone()));
    } else {
        printer.data(&out);
    }
    printer.note(&format!(
        "rotate from now on with `sakr rotate start --layout signer --signer-config {}`; kube-controller-manager keeps signing legacy token Secrets with {}; a `kubeadm upgrade` regenerates kube-apiserver's flags from its ClusterConfiguration: set apiServer.extraArgs service-account-signing-endpoint={} and remove the key-file arguments there too",
        a.config.display(),
        ms.controller_manager
            .as_ref()
            .and_then(|c| c.manifest.private_key_file().map(str::to_string))
            .unwrap_or_else(|| "its key file".into()),
        socket.display()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_version_and_the_max_expiration_as_kube_apiserver_writes_them() {
        let m = "    image: registry.k8s.io/kube-apiserver:v1.33.4\n    - --service-account-max-token-expiration=48h0m0s\n";
        assert_eq!(api_version(m), Some((1, 33)));
        assert_eq!(
            flag_seconds(m, "--service-account-max-token-expiration"),
            Some(48 * 3600)
        );
        assert_eq!(api_version("image: example/other:v2.1"), None);
        assert_eq!(flag_seconds(m, "--absent"), None);
        assert_eq!(flag_seconds("- --x=1d", "--x"), None, "not a Go duration");
    }
}
