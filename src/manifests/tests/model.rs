//! The model as parsed from the kubeadm fixtures and the layout variants.

use std::path::PathBuf;

use super::fixture;
use crate::manifests::model::{FlagForm, ListKind, Manifest, Quoting, SaFlag};
use crate::manifests::{ParseError, Role};

#[test]
fn kubeadm_apiserver() {
    let text = fixture("kube-apiserver.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    assert_eq!(m.container_name.as_deref(), Some("kube-apiserver"));
    assert_eq!(m.pod_name.as_deref(), Some("kube-apiserver"));
    assert_eq!(
        m.issuers(),
        vec!["https://kubernetes.default.svc.cluster.local"]
    );
    assert_eq!(m.key_files(), vec!["/etc/kubernetes/pki/sa.pub"]);
    assert_eq!(m.signing_key_file(), Some("/etc/kubernetes/pki/sa.key"));
    assert_eq!(m.signing_endpoint(), None);
    assert_eq!(m.flags.len(), 3);
    let kf = m.occurrences(SaFlag::ServiceAccountKeyFile).next().unwrap();
    assert_eq!(kf.form, FlagForm::Equals);
    assert_eq!(kf.list, ListKind::Command);
    assert_eq!(
        &text[kf.span.clone()],
        "--service-account-key-file=/etc/kubernetes/pki/sa.pub"
    );
    assert_eq!(kf.line, 38);
    assert_eq!(
        text.lines().nth(37).unwrap().trim(),
        format!("- {}", &text[kf.span.clone()])
    );
    assert_eq!(m.volume_mounts.len(), 5);
    assert!(m.volume_mounts.iter().all(|v| v.read_only));
    assert_eq!(
        m.host_path_for("/etc/kubernetes/pki/sa-new.pub"),
        Some(PathBuf::from("/etc/kubernetes/pki/sa-new.pub"))
    );
    assert_eq!(m.host_path_for("/var/lib/sa.pub"), None);
    assert_eq!(m.host_path_for("relative/sa.pub"), None);
    assert_eq!(m.host_path_for("/etc/kubernetes/pki/../admin.conf"), None);
    // The apiserver manifest runs no controller-manager.
    assert_eq!(
        Manifest::parse(&text, Role::ControllerManager),
        Err(ParseError::NoContainer {
            role: Role::ControllerManager
        })
    );
    assert_eq!(Manifest::roles_in(&text), Ok(vec![Role::ApiServer]));
}

#[test]
fn kubeadm_controller_manager() {
    let text = fixture("kube-controller-manager.yaml");
    let m = Manifest::parse(&text, Role::ControllerManager).unwrap();
    assert_eq!(m.private_key_file(), Some("/etc/kubernetes/pki/sa.key"));
    assert_eq!(m.flags.len(), 1);
    assert_eq!(
        m.host_path_for("/etc/kubernetes/controller-manager.conf"),
        Some(PathBuf::from("/etc/kubernetes/controller-manager.conf"))
    );
    assert_eq!(Manifest::roles_in(&text), Ok(vec![Role::ControllerManager]));
}

/// Every apiserver variant holds the same three flags, whatever the layout.
#[test]
fn variants_model_the_same_flags() {
    for name in [
        "args-form.yaml",
        "separate-form.yaml",
        "flow.yaml",
        "flow-multiline.yaml",
        "quoted-single.yaml",
        "quoted-double.yaml",
        "comments.yaml",
        "indent4.yaml",
        "indent0.yaml",
        "indent2.yaml",
        "crlf.yaml",
        "no-final-newline.yaml",
        "json.json",
        "sidecar-full-path.yaml",
    ] {
        let text = fixture(&format!("variants/{name}"));
        let m = Manifest::parse(&text, Role::ApiServer).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(m.key_files(), vec!["/etc/kubernetes/pki/sa.pub"], "{name}");
        assert_eq!(
            m.signing_key_file(),
            Some("/etc/kubernetes/pki/sa.key"),
            "{name}"
        );
        assert_eq!(m.issuers().len(), 1, "{name}");
        for o in &m.flags {
            // The span holds the flag name and the value, quotes included.
            let raw = &text[o.span.clone()];
            assert!(raw.contains(o.flag.name()), "{name}: {raw}");
            assert!(raw.contains(&o.value), "{name}: {raw}");
            assert!(text[o.value_span.clone()].contains(&o.value), "{name}");
            assert_eq!(
                super::super::source::line_of(&text, o.span.start),
                o.line,
                "{name}"
            );
        }
    }
}

#[test]
fn forms_and_quoting_are_recorded() {
    let text = fixture("variants/separate-form.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    let kf = m.occurrences(SaFlag::ServiceAccountKeyFile).next().unwrap();
    assert_eq!(kf.form, FlagForm::Separate);
    assert_eq!(&text[kf.value_span.clone()], "/etc/kubernetes/pki/sa.pub");

    let text = fixture("variants/quoted-single.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    let kf = m.occurrences(SaFlag::ServiceAccountKeyFile).next().unwrap();
    assert_eq!(
        &text[kf.span.clone()],
        "'--service-account-key-file=/etc/kubernetes/pki/sa.pub'"
    );
    let list = m.list(ListKind::Command).unwrap();
    assert!(list.items.iter().all(|i| i.quoting == Quoting::Single));

    let text = fixture("variants/flow.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    assert!(m.command.as_ref().unwrap().flow);
}

#[test]
fn multibyte_comments_do_not_shift_spans() {
    let text = fixture("variants/comments.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    let sk = m
        .occurrences(SaFlag::ServiceAccountSigningKeyFile)
        .next()
        .unwrap();
    assert_eq!(
        &text[sk.span.clone()],
        "--service-account-signing-key-file=/etc/kubernetes/pki/sa.key"
    );
    // A scalar after multi-byte characters on the same line.
    let text = "apiVersion: v1\nkind: Pod # ☃☃☃\nspec: {containers: [{name: kube-apiserver, command: ['é', \"--service-account-key-file=/k/é.pub\"]}]}\n";
    let m = Manifest::parse(text, Role::ApiServer).unwrap();
    let kf = &m.flags[0];
    assert_eq!(
        &text[kf.span.clone()],
        "\"--service-account-key-file=/k/é.pub\""
    );
    assert_eq!(kf.value, "/k/é.pub");
}

#[test]
fn multi_keys_and_other_flags() {
    let text = fixture("variants/multi-keys.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    assert_eq!(
        m.key_files(),
        vec![
            "/etc/kubernetes/pki/sa.pub",
            "/etc/kubernetes/pki/sa-2024.pub",
            "/etc/kubernetes/pki/sa-2025.pub"
        ]
    );
    assert_eq!(m.issuers().len(), 2);
    assert_eq!(
        m.value(SaFlag::ServiceAccountMaxTokenExpiration),
        Some("48h")
    );
    assert_eq!(
        m.value(SaFlag::ApiAudiences),
        Some("https://kubernetes.default.svc.cluster.local,sts.amazonaws.com")
    );
}

#[test]
fn sidecar_and_full_path_binary() {
    let text = fixture("variants/sidecar-full-path.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    assert_eq!(m.container_index, 1);
    assert_eq!(m.container_name.as_deref(), Some("apiserver"));
    // The longest mountPath wins.
    assert_eq!(
        m.host_path_for("/etc/kubernetes/pki/sa/new.pub"),
        Some(PathBuf::from("/srv/sa-keys/new.pub"))
    );
    assert_eq!(
        m.host_path_for("/etc/kubernetes/pki/sa.pub"),
        Some(PathBuf::from("/etc/kubernetes/pki/sa.pub"))
    );
}

#[test]
fn bare_bool_flag() {
    let text = "kind: Pod\nspec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --service-account-extend-token-expiration\n    - --service-account-key-file=/a.pub\n";
    let m = Manifest::parse(text, Role::ApiServer).unwrap();
    assert_eq!(m.flags[0].form, FlagForm::Bare);
    assert_eq!(m.flags[0].value, "true");
    assert_eq!(m.key_files(), vec!["/a.pub"]);
}

#[test]
fn external_signer() {
    let text = fixture("variants/external-signer.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    assert_eq!(
        m.signing_endpoint(),
        Some("/var/run/kubernetes/external-signer.sock")
    );
    assert!(m.key_files().is_empty());
}

#[test]
fn model_serializes_for_json_output() {
    let text = fixture("kube-apiserver.yaml");
    let m = Manifest::parse(&text, Role::ApiServer).unwrap();
    let v = serde_json::to_value(&m).unwrap();
    assert_eq!(v["role"], "api-server");
    assert_eq!(v["flags"][1]["flag"], "service-account-key-file");
    assert_eq!(v["flags"][1]["form"], "equals");
}

#[test]
fn byte_order_mark_and_flags_in_both_lists() {
    let text = "\u{feff}kind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --service-account-key-file=/a.pub\n    args:\n    - --service-account-key-file=/b.pub\n    - --service-account-signing-key-file=/a.key\n";
    let m = Manifest::parse(text, Role::ApiServer).unwrap();
    assert_eq!(m.key_files(), vec!["/a.pub", "/b.pub"]);
    assert_eq!(
        &text[m.flags[0].span.clone()],
        "--service-account-key-file=/a.pub"
    );
    // A new key goes after the last key file, in args.
    let t = match crate::manifests::trust(text, "/c.pub").unwrap() {
        crate::manifests::EditOutcome::Changed(t) => t,
        o => panic!("{o:?}"),
    };
    assert!(t.ends_with("    - --service-account-key-file=/b.pub\n    - --service-account-key-file=/c.pub\n    - --service-account-signing-key-file=/a.key\n"), "{t}");
    assert!(t.starts_with('\u{feff}'));
}

/// Issue 13.3: 40 KB of nested block collections overflowed the stack (abort, exit 134). Now an
/// error with the line, for sequences, mappings and flow collections alike.
#[test]
fn deeply_nested_collections_are_refused_not_a_stack_overflow() {
    let sequences = format!("{}x\n", "- ".repeat(20_000));
    let mut mappings = String::new();
    let mut depth = 0;
    while mappings.len() < 40_000 {
        mappings.push_str(&format!("{}k{depth}:\n", "  ".repeat(depth)));
        depth += 1;
    }
    mappings.push_str(&format!("{}leaf\n", "  ".repeat(depth)));
    let flow = format!("{}{}\n", "[".repeat(250), "]".repeat(250));
    let mixed = format!("{}{}", "- ".repeat(60), flow);
    for (what, text) in [
        ("sequences", &sequences),
        ("mappings", &mappings),
        ("flow", &flow),
        ("mixed", &mixed),
    ] {
        assert!(text.len() < crate::manifests::MAX_MANIFEST_BYTES);
        for r in [
            Manifest::roles_in(text).map(|_| ()),
            Manifest::parse(text, Role::ApiServer).map(|_| ()),
        ] {
            assert!(
                matches!(
                    r,
                    Err(ParseError::TooDeep {
                        line: 1..,
                        max: 100
                    })
                ),
                "{what}: {r:?}"
            );
        }
    }
    // The first too-deep collection of the mappings opens on line 101.
    assert_eq!(
        Manifest::roles_in(&mappings).unwrap_err(),
        ParseError::TooDeep {
            line: 101,
            max: 100
        }
    );
    // Nesting up to the limit is fine (not a Pod, but parsed).
    let ok = format!("{}x\n", "- ".repeat(100));
    assert!(matches!(
        Manifest::roles_in(&ok),
        Err(ParseError::NotAPod { .. })
    ));
}

/// Issue 13.4: characters a YAML 1.1 reader (the kubelet's) breaks lines at, and other control
/// characters, anywhere in a manifest: refused with their line and column.
#[test]
fn line_breaks_for_yaml_1_1_and_control_characters_are_refused() {
    let text = fixture("kube-apiserver.yaml");
    let line = 38;
    let at = |c: char| {
        text.lines()
            .enumerate()
            .map(|(i, l)| {
                if i + 1 == line {
                    format!("{l}{c}- --anonymous-auth=true\n")
                } else {
                    format!("{l}\n")
                }
            })
            .collect::<String>()
    };
    let col = text.lines().nth(line - 1).unwrap().chars().count() + 1;
    for c in [
        '\u{2028}', '\u{2029}', '\u{85}', '\u{1b}', '\u{7f}', '\u{202E}', '\u{0}',
    ] {
        let bad = at(c);
        let e = Manifest::parse(&bad, Role::ApiServer).unwrap_err();
        assert!(
            matches!(e, ParseError::UnsafeCharacter { line: 38, column, code, .. } if column == col && code == c as u32),
            "{:04X}: {e:?}",
            c as u32
        );
        assert!(
            e.to_string().contains(&format!("U+{:04X}", c as u32)),
            "{e}"
        );
    }
    // A byte-order mark is fine at the start, not in the middle.
    assert!(Manifest::parse(&format!("\u{feff}{text}"), Role::ApiServer).is_ok());
    assert!(Manifest::parse(&at('\u{feff}'), Role::ApiServer).is_err());
}

/// Issue 13.1: hostPath paths must be absolute and clean, subPaths relative without `..`, as
/// Kubernetes validates them; the error names the volume.
#[test]
fn host_paths_and_sub_paths_must_be_clean() {
    let text = fixture("kube-apiserver.yaml");
    let with_host = |p: &str| text.replace("path: /etc/kubernetes/pki\n", &format!("path: {p}\n"));
    for bad in [
        "/../../../../tmp/v",
        "/etc/kubernetes/../../tmp",
        "/etc/./kubernetes/pki",
        "/etc//kubernetes/pki",
        "etc/kubernetes/pki",
        "..",
        "\"/etc/kubernetes/pki\\u2028x\"",
    ] {
        let t = with_host(bad);
        assert_ne!(t, text);
        let e = Manifest::parse(&t, Role::ApiServer).unwrap_err();
        assert!(
            matches!(&e, ParseError::BadVolumePath { volume, field: "hostPath.path", .. } if volume == "k8s-certs"),
            "{bad}: {e:?}"
        );
        assert!(e.to_string().contains("k8s-certs"), "{e}");
    }
    for good in ["/etc/kubernetes/pki/", "/"] {
        assert!(
            Manifest::parse(&with_host(good), Role::ApiServer).is_ok(),
            "{good}"
        );
    }
    let with_sub = |p: &str| {
        text.replace(
            "    - mountPath: /etc/kubernetes/pki\n      name: k8s-certs\n",
            &format!(
                "    - mountPath: /etc/kubernetes/pki\n      name: k8s-certs\n      subPath: {p}\n"
            ),
        )
    };
    for bad in ["../../../tmp", "a/../../b", "/etc", ".."] {
        let t = with_sub(bad);
        assert_ne!(t, text);
        let e = Manifest::parse(&t, Role::ApiServer).unwrap_err();
        assert!(
            matches!(&e, ParseError::BadVolumePath { volume, field: "volumeMounts[].subPath", .. } if volume == "k8s-certs"),
            "{bad}: {e:?}"
        );
    }
    let m = Manifest::parse(&with_sub("pki/sub"), Role::ApiServer).unwrap();
    assert_eq!(
        m.host_path_for("/etc/kubernetes/pki/sa.pub"),
        Some(PathBuf::from("/etc/kubernetes/pki/pki/sub/sa.pub"))
    );
}
