//! Hazard checks over the manifest model (DESIGN §2.5, §2.7, §2.8; issue 3 `show`).
//!
//! Pure: the facts that need key material or the file system (kids of each key file, whether it
//! exists) are computed by the caller and passed in as [`KeyFacts`]. Also renders the kubeadm
//! `ClusterConfiguration` hint (kubeadm `upgrade` regenerates the manifests from it and would
//! drop hand edits) and spots stray files the kubelet would start as static pods.

use std::collections::BTreeMap;
use std::fmt;

use serde::Serialize;

use super::model::{Manifest, SaFlag, same_path};

/// What the caller found when it read one key file (keyed by container path).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state")]
pub enum KeyFileFact {
    /// No file at the mapped host path.
    Missing,
    /// The file could not be read or parsed; the reason is for the report.
    Unreadable { reason: String },
    /// The kids of the keys kube-apiserver would use from this file (may be empty).
    Kids { kids: Vec<String> },
}

/// Facts about key material, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct KeyFacts {
    /// Per `--service-account-key-file` value (container path as written).
    pub key_files: BTreeMap<String, KeyFileFact>,
    /// Kid of the public half of `--service-account-signing-key-file`, when read.
    pub signing_key_kid: Option<String>,
    /// Kid of the public half of the controller-manager's `--service-account-private-key-file`.
    pub controller_manager_key_kid: Option<String>,
    /// What reading `--service-account-signing-key-file` found when it gave no kid: missing,
    /// unreadable, or no private key (`Kids` with no kid). `None` when the flag is unset or the
    /// key was read.
    pub signing_key_problem: Option<KeyFileFact>,
    /// The same for kube-controller-manager's `--service-account-private-key-file`.
    pub controller_manager_key_problem: Option<KeyFileFact>,
    /// Per key file (container path): every key block read, with its PEM form, whether
    /// kube-apiserver uses it or not (for `manifest show`).
    pub key_file_blocks: BTreeMap<String, Vec<KeyBlockFact>>,
}

/// One key block of a key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyBlockFact {
    pub kid: String,
    /// The PEM label (`PUBLIC KEY`, `CERTIFICATE`, `RSA PRIVATE KEY`, …).
    pub form: String,
    /// Whether kube-apiserver uses it from a `--service-account-key-file`.
    pub used: bool,
}

/// One thing `sakr manifest show` warns about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "hazard")]
pub enum Hazard {
    /// The signing key's public half is in no key file: tokens it signs are rejected.
    SigningKeyNotTrusted {
        signing_key_file: String,
        kid: String,
    },
    /// kube-controller-manager signs legacy tokens with another key than kube-apiserver.
    ControllerManagerKeyDiffers {
        apiserver_signing_key_file: Option<String>,
        controller_manager_private_key_file: Option<String>,
    },
    /// A key path that no hostPath volumeMount covers: the file sakr would write on the host is
    /// not what the container sees.
    OutsideHostPath { flag: SaFlag, path: String },
    /// A key file that does not exist or holds no key kube-apiserver would use.
    UnusableKeyFile { path: String, reason: String },
    /// `--service-account-signing-endpoint` is set: keys live in an external signer.
    ExternalSigning { endpoint: String },
    /// Both the external signer and key-file flags are set: kube-apiserver refuses to start.
    ExternalSigningWithKeyFlags { endpoint: String },
    /// No signing key and no external signer: kube-apiserver cannot issue tokens.
    NoSigningKey,
    /// A file in the manifests directory the kubelet would load as a static pod.
    StrayManifestFile { name: String },
    /// Manifests written by kubeadm whose key flags name other files than kubeadm's `sa.pub`
    /// and `sa.key`: a `kubeadm upgrade` regenerates them with kubeadm's files (unless its
    /// ClusterConfiguration says otherwise), and a `kubeadm join --control-plane` copies only
    /// those (issue 17).
    OutsideKubeadmFiles {
        /// kubeadm's certificates directory, as the flags suggest it.
        dir: String,
        /// The flags that name other files, as `--flag=value`.
        flags: Vec<String>,
    },
    /// The signing key (kube-apiserver) or private key (kube-controller-manager) file is
    /// missing, unreadable or holds no private key: that component does not start.
    UnusableSigningKey {
        role: super::Role,
        flag: SaFlag,
        path: String,
        reason: String,
    },
}

impl Hazard {
    /// The stable name of this kind of hazard (`manifest show -o json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Hazard::SigningKeyNotTrusted { .. } => "signing_key_not_trusted",
            Hazard::ControllerManagerKeyDiffers { .. } => "controller_manager_key_differs",
            Hazard::OutsideHostPath { .. } => "outside_host_path",
            Hazard::UnusableKeyFile { .. } => "unusable_key_file",
            Hazard::ExternalSigning { .. } => "external_signing",
            Hazard::ExternalSigningWithKeyFlags { .. } => "external_signing_with_key_flags",
            Hazard::NoSigningKey => "no_signing_key",
            Hazard::StrayManifestFile { .. } => "stray_manifest_file",
            Hazard::UnusableSigningKey { .. } => "unusable_signing_key",
            Hazard::OutsideKubeadmFiles { .. } => "outside_kubeadm_files",
        }
    }

    /// Whether the control plane is broken as the manifests stand (a component does not start,
    /// or tokens are rejected): `sakr manifest show` exits 1. The others are warnings.
    pub fn is_error(&self) -> bool {
        matches!(
            self,
            Hazard::SigningKeyNotTrusted { .. }
                | Hazard::UnusableKeyFile { .. }
                | Hazard::ExternalSigningWithKeyFlags { .. }
                | Hazard::NoSigningKey
                | Hazard::UnusableSigningKey { .. }
        )
    }
}

impl fmt::Display for Hazard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Paths, names and endpoints come from the manifests and the directory: escaped.
        use crate::text::printable as p;
        match self {
            Hazard::SigningKeyNotTrusted {
                signing_key_file,
                kid,
            } => write!(
                f,
                "the signing key {} (kid {kid}) has its public half in no --service-account-key-file: tokens it signs are rejected",
                p(signing_key_file)
            ),
            Hazard::ControllerManagerKeyDiffers {
                apiserver_signing_key_file,
                controller_manager_private_key_file,
            } => write!(
                f,
                "kube-controller-manager --service-account-private-key-file ({}) is not kube-apiserver's --service-account-signing-key-file ({})",
                p(controller_manager_private_key_file.as_deref().unwrap_or("unset")),
                p(apiserver_signing_key_file.as_deref().unwrap_or("unset")),
            ),
            Hazard::OutsideHostPath { flag, path } => write!(
                f,
                "--{}={} is not under any hostPath volume mount: sakr cannot tell which host file the container reads",
                flag.name(),
                p(path)
            ),
            Hazard::UnusableKeyFile { path, reason } => {
                write!(f, "--service-account-key-file={}: {}", p(path), p(reason))
            }
            Hazard::ExternalSigning { endpoint } => write!(
                f,
                "tokens are signed by an external signer at {} (--service-account-signing-endpoint): rotate keys in that signer; sakr does not edit the key flags",
                p(endpoint)
            ),
            Hazard::ExternalSigningWithKeyFlags { endpoint } => write!(
                f,
                "--service-account-signing-endpoint={} is set together with key-file flags: kube-apiserver rejects that combination",
                p(endpoint)
            ),
            Hazard::NoSigningKey => f.write_str(
                "kube-apiserver has neither --service-account-signing-key-file nor --service-account-signing-endpoint",
            ),
            Hazard::StrayManifestFile { name } => write!(
                f,
                "{} in the manifests directory looks like a backup or temporary file, and the kubelet starts every file there whose name does not begin with a dot: move it out",
                p(name)
            ),
            Hazard::OutsideKubeadmFiles { dir, flags } => write!(
                f,
                "kubeadm wrote these manifests, but their key flags name other files than kubeadm's sa.pub and sa.key ({}): a kubeadm upgrade regenerates them with {d}/sa.pub and {d}/sa.key unless the kubeadm-config ClusterConfiguration holds these flags (see `manifest show --kubeconfig`), and kubeadm join --control-plane copies only sa.key and sa.pub; the kubeadm layout (--layout kubeadm) rotates inside those two files",
                flags
                    .iter()
                    .map(|x| p(x).into_owned())
                    .collect::<Vec<_>>()
                    .join(", "),
                d = p(dir)
            ),
            Hazard::UnusableSigningKey {
                role,
                flag,
                path,
                reason,
            } => write!(
                f,
                "{role} --{}={}: {}; {role} does not start without a usable private key there",
                flag.name(),
                p(path),
                p(reason)
            ),
        }
    }
}

/// Every hazard of the apiserver manifest, the controller-manager manifest (when given) and the
/// key facts.
pub fn hazards(
    apiserver: &Manifest,
    controller_manager: Option<&Manifest>,
    facts: &KeyFacts,
) -> Vec<Hazard> {
    let mut out = Vec::new();
    let signing = apiserver.signing_key_file();
    let key_files = apiserver.key_files();

    if let Some(endpoint) = apiserver.signing_endpoint() {
        out.push(Hazard::ExternalSigning {
            endpoint: endpoint.to_string(),
        });
        if signing.is_some() || !key_files.is_empty() {
            out.push(Hazard::ExternalSigningWithKeyFlags {
                endpoint: endpoint.to_string(),
            });
        }
    } else if signing.is_none() {
        out.push(Hazard::NoSigningKey);
    }

    // The signing key must be among the trusted keys; only decidable when every key file was read.
    if let (Some(signing), Some(kid)) = (signing, &facts.signing_key_kid) {
        let mut all_known = true;
        let mut trusted = false;
        for k in &key_files {
            match facts.key_files.get(*k) {
                Some(KeyFileFact::Kids { kids }) => trusted |= kids.contains(kid),
                _ => all_known = false,
            }
        }
        if all_known && !trusted {
            out.push(Hazard::SigningKeyNotTrusted {
                signing_key_file: signing.to_string(),
                kid: kid.clone(),
            });
        }
    }

    let unusable = |fact: Option<&KeyFileFact>| match fact? {
        KeyFileFact::Missing => Some("the file does not exist".to_string()),
        KeyFileFact::Unreadable { reason } => Some(reason.clone()),
        KeyFileFact::Kids { .. } => Some("the file holds no private key".to_string()),
    };
    if let (Some(path), Some(reason)) = (signing, unusable(facts.signing_key_problem.as_ref())) {
        out.push(Hazard::UnusableSigningKey {
            role: super::Role::ApiServer,
            flag: SaFlag::ServiceAccountSigningKeyFile,
            path: path.to_string(),
            reason,
        });
    }
    if let (Some(path), Some(reason)) = (
        controller_manager.and_then(Manifest::private_key_file),
        unusable(facts.controller_manager_key_problem.as_ref()),
    ) {
        out.push(Hazard::UnusableSigningKey {
            role: super::Role::ControllerManager,
            flag: SaFlag::ServiceAccountPrivateKeyFile,
            path: path.to_string(),
            reason,
        });
    }

    if let Some(cm) = controller_manager {
        let private = cm.private_key_file();
        let differs = match (
            &facts.signing_key_kid,
            &facts.controller_manager_key_kid,
            signing,
            private,
        ) {
            (Some(a), Some(b), _, _) => a != b,
            (_, _, Some(a), Some(b)) => {
                // Different container paths may still be one host file.
                match (apiserver.host_path_for(a), cm.host_path_for(b)) {
                    (Some(ha), Some(hb)) => ha != hb,
                    _ => !same_path(a, b),
                }
            }
            (_, _, None, None) => false,
            _ => apiserver.signing_endpoint().is_none(),
        };
        if differs {
            out.push(Hazard::ControllerManagerKeyDiffers {
                apiserver_signing_key_file: signing.map(str::to_string),
                controller_manager_private_key_file: private.map(str::to_string),
            });
        }
        for o in cm.occurrences(SaFlag::ServiceAccountPrivateKeyFile) {
            if cm.host_path_for(&o.value).is_none() {
                out.push(Hazard::OutsideHostPath {
                    flag: o.flag,
                    path: o.value.clone(),
                });
            }
        }
    }

    for o in apiserver.flags.iter().filter(|o| {
        matches!(
            o.flag,
            SaFlag::ServiceAccountKeyFile | SaFlag::ServiceAccountSigningKeyFile
        )
    }) {
        if apiserver.host_path_for(&o.value).is_none() {
            out.push(Hazard::OutsideHostPath {
                flag: o.flag,
                path: o.value.clone(),
            });
        }
    }

    for k in &key_files {
        let reason = match facts.key_files.get(*k) {
            Some(KeyFileFact::Missing) => Some("the file does not exist".to_string()),
            Some(KeyFileFact::Unreadable { reason }) => Some(reason.clone()),
            Some(KeyFileFact::Kids { kids }) if kids.is_empty() => {
                Some("the file holds no key kube-apiserver would use".to_string())
            }
            _ => None,
        };
        if let Some(reason) = reason {
            out.push(Hazard::UnusableKeyFile {
                path: k.to_string(),
                reason,
            });
        }
    }
    out
}

/// The kubeadm `ClusterConfiguration` (v1beta4) snippet that records the current service-account
/// flags, since `kubeadm upgrade` regenerates the static-pod manifests from it. In v1beta4
/// `extraArgs` is a list of `name`/`value` pairs and a repeated flag is listed once per value.
pub fn kubeadm_extra_args_hint(
    apiserver: &Manifest,
    controller_manager: Option<&Manifest>,
) -> String {
    let mut s = String::new();
    s.push_str(
        "# kubeadm upgrade regenerates the static-pod manifests from its ClusterConfiguration:\n",
    );
    s.push_str(
        "# record these flags there (kubectl -n kube-system edit configmap kubeadm-config),\n",
    );
    s.push_str("# or the next upgrade puts the old keys back.\n");
    s.push_str("apiVersion: kubeadm.k8s.io/v1beta4\nkind: ClusterConfiguration\n");
    let mut section = |title: &str, m: &Manifest| {
        s.push_str(title);
        s.push_str(":\n  extraArgs:\n");
        for o in &m.flags {
            s.push_str(&format!(
                "  - name: {}\n    value: {}\n",
                o.flag.name(),
                yaml_string(&o.value)
            ));
        }
    };
    section("apiServer", apiserver);
    if let Some(cm) = controller_manager {
        section("controllerManager", cm);
    }
    s
}

/// A YAML scalar that reads back as the string `v`: double-quoted unless plainly safe.
fn yaml_string(v: &str) -> String {
    let plain = !v.is_empty()
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:,=+@".contains(c))
        && v.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/')
        && !v.contains(": ")
        && !v.ends_with(':')
        && !matches!(
            v,
            "y" | "Y"
                | "yes"
                | "Yes"
                | "YES"
                | "n"
                | "N"
                | "no"
                | "No"
                | "NO"
                | "on"
                | "On"
                | "ON"
                | "off"
                | "Off"
                | "OFF"
                | "true"
                | "True"
                | "TRUE"
                | "false"
                | "False"
                | "FALSE"
                | "null"
                | "Null"
                | "NULL"
        );
    if plain {
        v.to_string()
    } else {
        serde_json::to_string(v).unwrap_or_else(|_| format!("{v:?}"))
    }
}

/// One entry of a manifests directory, as [`stray_manifest_files`] needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    /// The file name (lossily decoded when it is not UTF-8).
    pub name: String,
    /// A directory, or a symbolic link to one: the kubelet does not recurse into it.
    pub is_dir: bool,
}

/// Names in a manifests directory that the kubelet would load (every file whose name does not
/// start with a dot; not directories, which it skips) and that look like backups, editor or
/// temporary files, or are not manifests at all.
pub fn stray_manifest_files(entries: &[DirEntry]) -> Vec<String> {
    const BACKUP_SUFFIXES: &[&str] = &[
        ".bak", ".orig", "~", ".swp", ".swo", ".tmp", ".old", ".save", ".rej",
    ];
    entries
        .iter()
        .filter(|e| !e.is_dir)
        .map(|e| &e.name)
        .filter(|n| !n.starts_with('.') && !n.is_empty())
        .filter(|n| {
            let lower = n.to_ascii_lowercase();
            BACKUP_SUFFIXES.iter().any(|s| lower.ends_with(s))
                || lower.contains(".dpkg-")
                || lower.contains(".rpmnew")
                || lower.contains(".rpmsave")
                || !(lower.ends_with(".yaml")
                    || lower.ends_with(".yml")
                    || lower.ends_with(".json"))
        })
        .cloned()
        .collect()
}

/// The annotation kubeadm puts on the kube-apiserver manifest it writes.
pub const KUBEADM_APISERVER_ANNOTATION: &str =
    "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint";

/// [`Hazard::OutsideKubeadmFiles`] for manifests kubeadm wrote (`kubeadm_made`): every key flag
/// that names another file than `<dir>/sa.pub` or `<dir>/sa.key`, where `dir` is the directory
/// of the signing key (else of the first key file; kubeadm keeps all its keys in one).
pub fn outside_kubeadm_files(
    kubeadm_made: bool,
    apiserver: &Manifest,
    controller_manager: Option<&Manifest>,
) -> Option<Hazard> {
    if !kubeadm_made || apiserver.signing_endpoint().is_some() {
        return None;
    }
    let anchor = apiserver
        .signing_key_file()
        .or_else(|| apiserver.key_files().first().copied())?;
    let dir = std::path::Path::new(anchor)
        .parent()?
        .to_string_lossy()
        .into_owned();
    let (pubf, keyf) = (format!("{dir}/sa.pub"), format!("{dir}/sa.key"));
    let mut flags = Vec::new();
    let key_files = apiserver.key_files();
    if key_files.len() != 1 || !same_path(key_files[0], &pubf) {
        for k in key_files {
            flags.push(format!("--{}={k}", SaFlag::ServiceAccountKeyFile.name()));
        }
    }
    for (m, flag, v) in [
        (
            Some(apiserver),
            SaFlag::ServiceAccountSigningKeyFile,
            apiserver.signing_key_file(),
        ),
        (
            controller_manager,
            SaFlag::ServiceAccountPrivateKeyFile,
            controller_manager.and_then(Manifest::private_key_file),
        ),
    ] {
        if m.is_some()
            && let Some(v) = v
            && !same_path(v, &keyf)
        {
            flags.push(format!("--{}={v}", flag.name()));
        }
    }
    (!flags.is_empty()).then_some(Hazard::OutsideKubeadmFiles { dir, flags })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_files() {
        let names: Vec<DirEntry> = [
            "kube-apiserver.yaml",
            "etcd.yml",
            "x.json",
            ".kube-apiserver.yaml.sakr-tmp-abc",
            ".hidden",
            "kube-apiserver.yaml.bak",
            "kube-apiserver.yaml~",
            ".kube-apiserver.yaml.swp",
            "kube-apiserver.yaml.swp",
            "a.orig",
            "a.tmp",
            "a.old",
            "a.save",
            "a.yaml.dpkg-old",
            "README",
            "kube-apiserver.yaml.20240101",
        ]
        .iter()
        .map(|s| DirEntry {
            name: s.to_string(),
            is_dir: false,
        })
        .collect();
        assert_eq!(
            stray_manifest_files(&names),
            vec![
                "kube-apiserver.yaml.bak",
                "kube-apiserver.yaml~",
                "kube-apiserver.yaml.swp",
                "a.orig",
                "a.tmp",
                "a.old",
                "a.save",
                "a.yaml.dpkg-old",
                "README",
                "kube-apiserver.yaml.20240101",
            ]
        );
    }

    #[test]
    fn directories_are_not_stray_files() {
        let entries = [
            DirEntry {
                name: "backup".into(),
                is_dir: true,
            },
            DirEntry {
                name: "old.bak".into(),
                is_dir: true,
            },
            DirEntry {
                name: "notes".into(),
                is_dir: false,
            },
        ];
        assert_eq!(stray_manifest_files(&entries), vec!["notes"]);
    }

    #[test]
    fn yaml_strings() {
        assert_eq!(
            yaml_string("/etc/kubernetes/pki/sa.pub"),
            "/etc/kubernetes/pki/sa.pub"
        );
        assert_eq!(
            yaml_string("https://kubernetes.default.svc.cluster.local"),
            "https://kubernetes.default.svc.cluster.local"
        );
        assert_eq!(yaml_string("true"), "\"true\"");
        assert_eq!(yaml_string("24h"), "\"24h\"");
        assert_eq!(yaml_string("a b"), "\"a b\"");
    }
}
