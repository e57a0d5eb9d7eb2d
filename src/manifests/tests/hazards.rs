//! Hazard checks and the kubeadm hint over the fixtures.

use std::collections::BTreeMap;

use super::fixture;
use crate::manifests::edit::EditOutcome;
use crate::manifests::model::{Manifest, SaFlag};
use crate::manifests::{
    Hazard, KeyFacts, KeyFileFact, Role, hazards, kubeadm_extra_args_hint, set_private_key, trust,
};

fn apiserver(text: &str) -> Manifest {
    Manifest::parse(text, Role::ApiServer).unwrap()
}

fn cm(text: &str) -> Manifest {
    Manifest::parse(text, Role::ControllerManager).unwrap()
}

fn facts(kids: &[(&str, KeyFileFact)], signing: &str, cm_kid: &str) -> KeyFacts {
    KeyFacts {
        key_files: kids
            .iter()
            .map(|(p, f)| (p.to_string(), f.clone()))
            .collect::<BTreeMap<_, _>>(),
        signing_key_kid: Some(signing.into()),
        controller_manager_key_kid: Some(cm_kid.into()),
        ..KeyFacts::default()
    }
}

fn kids(k: &[&str]) -> KeyFileFact {
    KeyFileFact::Kids {
        kids: k.iter().map(|s| s.to_string()).collect(),
    }
}

fn changed(o: EditOutcome) -> String {
    match o {
        EditOutcome::Changed(t) => t,
        EditOutcome::Already => panic!("no change"),
    }
}

#[test]
fn a_kubeadm_cluster_is_clean() {
    let a = apiserver(&fixture("kube-apiserver.yaml"));
    let c = cm(&fixture("kube-controller-manager.yaml"));
    let f = facts(
        &[("/etc/kubernetes/pki/sa.pub", kids(&["kid-old"]))],
        "kid-old",
        "kid-old",
    );
    assert_eq!(hazards(&a, Some(&c), &f), vec![]);
    // Without key facts, the path comparison still finds nothing wrong.
    assert_eq!(hazards(&a, Some(&c), &KeyFacts::default()), vec![]);
}

#[test]
fn every_hazard_is_found() {
    let text = fixture("kube-apiserver.yaml");
    let text = changed(trust(&text, "/var/lib/sakr/outside.pub").unwrap());
    let a = apiserver(&text);
    let c = cm(&changed(
        set_private_key(
            &fixture("kube-controller-manager.yaml"),
            "/etc/kubernetes/pki/other.key",
        )
        .unwrap(),
    ));
    let f = facts(
        &[
            ("/etc/kubernetes/pki/sa.pub", kids(&["kid-old"])),
            ("/var/lib/sakr/outside.pub", KeyFileFact::Missing),
        ],
        "kid-new",
        "kid-other",
    );
    let h = hazards(&a, Some(&c), &f);
    assert_eq!(
        h,
        vec![
            Hazard::ControllerManagerKeyDiffers {
                apiserver_signing_key_file: Some("/etc/kubernetes/pki/sa.key".into()),
                controller_manager_private_key_file: Some("/etc/kubernetes/pki/other.key".into()),
            },
            Hazard::OutsideHostPath {
                flag: SaFlag::ServiceAccountKeyFile,
                path: "/var/lib/sakr/outside.pub".into()
            },
            Hazard::UnusableKeyFile {
                path: "/var/lib/sakr/outside.pub".into(),
                reason: "the file does not exist".into()
            },
        ]
    );
    // With every key file read, an untrusted signing key is reported.
    let f = facts(
        &[
            ("/etc/kubernetes/pki/sa.pub", kids(&["kid-old"])),
            ("/var/lib/sakr/outside.pub", kids(&[])),
        ],
        "kid-new",
        "kid-new",
    );
    let h = hazards(&a, Some(&c), &f);
    assert!(h.contains(&Hazard::SigningKeyNotTrusted {
        signing_key_file: "/etc/kubernetes/pki/sa.key".into(),
        kid: "kid-new".into()
    }));
    assert!(h.contains(&Hazard::UnusableKeyFile {
        path: "/var/lib/sakr/outside.pub".into(),
        reason: "the file holds no key kube-apiserver would use".into()
    }));
    // Same kid through different paths is not a difference.
    assert!(
        !h.iter()
            .any(|x| matches!(x, Hazard::ControllerManagerKeyDiffers { .. }))
    );
    for x in &h {
        assert!(!x.to_string().is_empty());
    }
    let json = serde_json::to_value(&h).unwrap();
    assert_eq!(json[0]["hazard"], "signing-key-not-trusted");
}

#[test]
fn external_signer_is_reported() {
    let a = apiserver(&fixture("variants/external-signer.yaml"));
    let h = hazards(&a, None, &KeyFacts::default());
    assert_eq!(
        h,
        vec![Hazard::ExternalSigning {
            endpoint: "/var/run/kubernetes/external-signer.sock".into()
        }]
    );
    assert!(h[0].to_string().contains("external signer"));
}

#[test]
fn kubeadm_hint_lists_every_value_once() {
    let text = changed(
        trust(
            &fixture("kube-apiserver.yaml"),
            "/etc/kubernetes/pki/sa-new.pub",
        )
        .unwrap(),
    );
    let a = apiserver(&text);
    let c = cm(&fixture("kube-controller-manager.yaml"));
    let hint = kubeadm_extra_args_hint(&a, Some(&c));
    let yaml: String = hint
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        yaml,
        "apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
apiServer:
  extraArgs:
  - name: service-account-issuer
    value: https://kubernetes.default.svc.cluster.local
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa.pub
  - name: service-account-key-file
    value: /etc/kubernetes/pki/sa-new.pub
  - name: service-account-signing-key-file
    value: /etc/kubernetes/pki/sa.key
controllerManager:
  extraArgs:
  - name: service-account-private-key-file
    value: /etc/kubernetes/pki/sa.key
"
    );
    assert!(hint.starts_with("# kubeadm upgrade"));
    // The hint is YAML that reads back as the same values.
    use saphyr::LoadableYamlNode;
    let docs = saphyr::Yaml::load_from_str(&hint).unwrap();
    assert_eq!(
        docs[0]["apiServer"]["extraArgs"][2]["value"].as_str(),
        Some("/etc/kubernetes/pki/sa-new.pub")
    );
}
