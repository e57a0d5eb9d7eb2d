//! What `kubeadm upgrade` would write (issue 17, item 3): kubeadm regenerates the static-pod
//! manifests from the cluster's `ClusterConfiguration` (ConfigMap `kube-system/kubeadm-config`,
//! key `ClusterConfiguration`), its defaults overlaid by each component's `extraArgs`. A key
//! flag a rotation set in the manifests but not there is undone by the next upgrade.
//!
//! Follows kubeadm's `getAPIServerCommand` / `getControllerManagerCommand`
//! (`cmd/kubeadm/app/phases/controlplane/manifests.go`): the service-account defaults are
//! `--service-account-key-file=<certificatesDir>/sa.pub`,
//! `--service-account-signing-key-file=<certificatesDir>/sa.key`,
//! `--service-account-issuer=https://kubernetes.default.svc.<dnsDomain>` and, for
//! kube-controller-manager, `--service-account-private-key-file=<certificatesDir>/sa.key`
//! (`certificatesDir` defaults to `/etc/kubernetes/pki`, `networking.dnsDomain` to
//! `cluster.local`). An extra argument replaces every default of its name. `v1beta3` writes
//! `extraArgs` as a map (one value per flag: two `--service-account-key-file` cannot be said
//! there); `v1beta4` as a list of `{name, value}`, where a name may repeat. Pure.

use saphyr::{LoadableYamlNode as _, Yaml};
use serde::Serialize;

use super::model::{Manifest, SaFlag};

/// The flags of one component that kubeadm writes (service-account flags only), in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Regenerated {
    pub api_version: String,
    pub apiserver: Vec<(SaFlag, String)>,
    pub controller_manager: Vec<(SaFlag, String)>,
}

/// A service-account flag whose values the manifest and a kubeadm upgrade disagree on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpgradeDrift {
    /// `kube-apiserver` or `kube-controller-manager`.
    pub component: &'static str,
    pub flag: String,
    pub manifest: Vec<String>,
    pub kubeadm: Vec<String>,
    /// `v1beta3` cannot hold the manifest's values (a map holds one value per flag).
    pub inexpressible: bool,
}

impl std::fmt::Display for UpgradeDrift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::text::printable as p;
        let show = |v: &[String]| {
            if v.is_empty() {
                "nothing".to_string()
            } else {
                v.iter()
                    .map(|x| p(x).into_owned())
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        write!(
            f,
            "a kubeadm upgrade would regenerate {} with --{}={} where the manifest says {}",
            self.component,
            self.flag,
            show(&self.kubeadm),
            show(&self.manifest)
        )?;
        if self.inexpressible {
            f.write_str(
                ": the ClusterConfiguration is kubeadm.k8s.io/v1beta3, whose extraArgs map holds one value per flag; migrate it to v1beta4 (kubeadm config migrate) to record every value",
            )
        } else {
            f.write_str(": record the flags in the ClusterConfiguration (kubectl -n kube-system edit configmap kubeadm-config)")
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("kube-system/kubeadm-config ClusterConfiguration: {0}")]
pub struct KubeadmConfigError(pub String);

/// The value of `key` in a YAML mapping.
fn get<'a>(y: &Yaml<'a>, key: &str) -> Option<Yaml<'a>> {
    y.as_mapping()?
        .iter()
        .find(|(k, _)| k.as_str() == Some(key))
        .map(|(_, v)| v.clone())
}

/// The service-account flags `kubeadm upgrade` writes from this ClusterConfiguration.
pub fn regenerated(cluster_configuration: &str) -> Result<Regenerated, KubeadmConfigError> {
    let bad = |m: &str| KubeadmConfigError(m.to_string());
    let docs = Yaml::load_from_str(cluster_configuration)
        .map_err(|e| KubeadmConfigError(format!("not YAML: {e}")))?;
    let doc = docs.first().ok_or_else(|| bad("empty"))?;
    let api_version = get(doc, "apiVersion")
        .and_then(|v| v.as_str().map(str::to_string))
        .ok_or_else(|| bad("no apiVersion"))?;
    let v1beta3 = match api_version.as_str() {
        "kubeadm.k8s.io/v1beta3" => true,
        "kubeadm.k8s.io/v1beta4" => false,
        other => {
            return Err(KubeadmConfigError(format!(
                "apiVersion {} is not kubeadm.k8s.io/v1beta3 or v1beta4",
                crate::text::printable(other)
            )));
        }
    };
    let cert_dir = get(doc, "certificatesDir")
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "/etc/kubernetes/pki".into());
    let dns_domain = get(doc, "networking")
        .and_then(|n| get(&n, "dnsDomain"))
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| "cluster.local".into());
    let join = |f: &str| format!("{}/{f}", cert_dir.trim_end_matches('/'));
    let extra = |component: &str| -> Result<Vec<(String, String)>, KubeadmConfigError> {
        let Some(args) = get(doc, component).and_then(|c| get(&c, "extraArgs")) else {
            return Ok(Vec::new());
        };
        let scalar = |v: &Yaml| -> String {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_integer().map(|i| i.to_string()))
                .or_else(|| v.as_bool().map(|b| b.to_string()))
                .unwrap_or_default()
        };
        if v1beta3 {
            let map = args
                .as_mapping()
                .ok_or_else(|| bad(&format!("{component}.extraArgs is not a map (v1beta3)")))?;
            Ok(map
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), scalar(v)))
                .collect())
        } else {
            let list = args.as_vec().ok_or_else(|| {
                bad(&format!(
                    "{component}.extraArgs is not a list of name/value (v1beta4)"
                ))
            })?;
            Ok(list
                .iter()
                .map(|a| {
                    (
                        get(a, "name").map(|n| scalar(&n)).unwrap_or_default(),
                        get(a, "value").map(|v| scalar(&v)).unwrap_or_default(),
                    )
                })
                .collect())
        }
    };
    let build = |defaults: Vec<(SaFlag, String)>, extra: Vec<(String, String)>| {
        let mut out: Vec<(SaFlag, String)> = defaults
            .into_iter()
            .filter(|(f, _)| !extra.iter().any(|(n, _)| n == f.name()))
            .collect();
        out.extend(
            extra
                .into_iter()
                .filter_map(|(n, v)| SaFlag::from_name(&n).map(|f| (f, v))),
        );
        out
    };
    Ok(Regenerated {
        apiserver: build(
            vec![
                (SaFlag::ServiceAccountKeyFile, join("sa.pub")),
                (SaFlag::ServiceAccountSigningKeyFile, join("sa.key")),
                (
                    SaFlag::ServiceAccountIssuer,
                    format!("https://kubernetes.default.svc.{dns_domain}"),
                ),
            ],
            extra("apiServer")?,
        ),
        controller_manager: build(
            vec![(SaFlag::ServiceAccountPrivateKeyFile, join("sa.key"))],
            extra("controllerManager")?,
        ),
        api_version,
    })
}

/// The service-account flags whose values differ between the manifests and what kubeadm would
/// regenerate (values compared as sets per flag, in the manifest's order for the report).
pub fn drift(
    regenerated: &Regenerated,
    apiserver: &Manifest,
    controller_manager: Option<&Manifest>,
) -> Vec<UpgradeDrift> {
    let v1beta3 = regenerated.api_version.ends_with("/v1beta3");
    let mut out = Vec::new();
    let mut compare = |component: &'static str, m: &Manifest, kubeadm: &[(SaFlag, String)]| {
        let mut flags: Vec<SaFlag> = m.flag_values().into_iter().map(|(f, _)| f).collect();
        flags.extend(kubeadm.iter().map(|(f, _)| *f));
        flags.dedup();
        let mut seen = Vec::new();
        for flag in flags {
            if seen.contains(&flag) {
                continue;
            }
            seen.push(flag);
            let mine: Vec<String> = m.values(flag).into_iter().map(str::to_string).collect();
            let theirs: Vec<String> = kubeadm
                .iter()
                .filter(|(f, _)| *f == flag)
                .map(|(_, v)| v.clone())
                .collect();
            let same = mine.len() == theirs.len() && mine.iter().all(|v| theirs.contains(v));
            if !same {
                out.push(UpgradeDrift {
                    component,
                    flag: flag.name().to_string(),
                    inexpressible: v1beta3 && mine.len() > 1,
                    manifest: mine,
                    kubeadm: theirs,
                });
            }
        }
    };
    compare("kube-apiserver", apiserver, &regenerated.apiserver);
    if let Some(cm) = controller_manager {
        compare(
            "kube-controller-manager",
            cm,
            &regenerated.controller_manager,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifests::Role;

    const APISERVER: &str = include_str!("../../tests/fixtures/manifests/kube-apiserver.yaml");
    const CM: &str = include_str!("../../tests/fixtures/manifests/kube-controller-manager.yaml");

    fn manifests(api: &str, cm: &str) -> (Manifest, Manifest) {
        (
            Manifest::parse(api, Role::ApiServer).unwrap(),
            Manifest::parse(cm, Role::ControllerManager).unwrap(),
        )
    }

    /// kubeadm's own manifests agree with a ClusterConfiguration that sets nothing.
    #[test]
    fn kubeadm_defaults_match_kubeadm_manifests() {
        for v in ["v1beta3", "v1beta4"] {
            let r = regenerated(&format!(
                "apiVersion: kubeadm.k8s.io/{v}\nkind: ClusterConfiguration\n"
            ))
            .unwrap();
            let (api, cm) = manifests(APISERVER, CM);
            assert_eq!(drift(&r, &api, Some(&cm)), Vec::new(), "{v}");
        }
    }

    /// After a rotation's trust and switch in the manifests only, an upgrade undoes both; the
    /// v1beta4 list can record them (two key files), the v1beta3 map cannot.
    #[test]
    fn a_rotation_recorded_nowhere_is_undone_by_an_upgrade() {
        let api = APISERVER
            .replace(
                "    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n",
                "    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n    - --service-account-key-file=/etc/kubernetes/pki/sa-q4.pub\n",
            )
            .replace(
                "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key",
                "--service-account-signing-key-file=/etc/kubernetes/pki/sa-q4.key",
            );
        assert_ne!(api, APISERVER, "the fixture has kubeadm's flags");
        let (api, cm) = manifests(&api, CM);
        let r = regenerated("apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\n")
            .unwrap();
        let d = drift(&r, &api, Some(&cm));
        let flags: Vec<(&str, &str, bool)> = d
            .iter()
            .map(|x| (x.component, x.flag.as_str(), x.inexpressible))
            .collect();
        assert_eq!(
            flags,
            [
                ("kube-apiserver", "service-account-key-file", true),
                ("kube-apiserver", "service-account-signing-key-file", false),
            ]
        );
        assert_eq!(d[0].kubeadm, ["/etc/kubernetes/pki/sa.pub"]);
        assert!(d[0].to_string().contains("v1beta3"), "{}", d[0]);

        // Recorded in v1beta4 (repeated names), nothing drifts.
        let recorded = regenerated(
            "apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa.pub
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa-q4.pub
  - name: service-account-signing-key-file
    value: /etc/kubernetes/pki/sa-q4.key
  - name: authorization-mode
    value: Node,RBAC
",
        )
        .unwrap();
        assert_eq!(drift(&recorded, &api, Some(&cm)), Vec::new());
    }

    #[test]
    fn certificates_dir_dns_domain_and_v1beta3_maps() {
        let r = regenerated(
            "apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
certificatesDir: /srv/pki/
networking:
  dnsDomain: corp.internal
controllerManager:
  extraArgs:
    service-account-private-key-file: /srv/pki/other.key
    bind-address: 0.0.0.0
",
        )
        .unwrap();
        assert_eq!(
            r.apiserver,
            [
                (SaFlag::ServiceAccountKeyFile, "/srv/pki/sa.pub".to_string()),
                (
                    SaFlag::ServiceAccountSigningKeyFile,
                    "/srv/pki/sa.key".to_string()
                ),
                (
                    SaFlag::ServiceAccountIssuer,
                    "https://kubernetes.default.svc.corp.internal".to_string()
                ),
            ]
        );
        assert_eq!(
            r.controller_manager,
            [(
                SaFlag::ServiceAccountPrivateKeyFile,
                "/srv/pki/other.key".to_string()
            )]
        );
    }

    #[test]
    fn what_is_not_a_cluster_configuration_is_refused() {
        for (text, expect) in [
            ("apiVersion: kubeadm.k8s.io/v1beta2\n", "v1beta2"),
            ("kind: ClusterConfiguration\n", "no apiVersion"),
            (
                "apiVersion: kubeadm.k8s.io/v1beta4\napiServer:\n  extraArgs:\n    a: b\n",
                "not a list",
            ),
            (
                "apiVersion: kubeadm.k8s.io/v1beta3\napiServer:\n  extraArgs:\n  - name: a\n",
                "not a map",
            ),
        ] {
            let e = regenerated(text).unwrap_err().to_string();
            assert!(e.contains(expect), "{text:?}: {e}");
        }
    }
}
