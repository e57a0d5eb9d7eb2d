//! Bad manifests: each is rejected with the right typed error and line, by the parser and by
//! every edit (which then returns no text).

use super::fixture;
use crate::manifests::model::Manifest;
use crate::manifests::{EditError, ParseError, Role, retire, set_signing_key, trust};

fn parse_err(file: &str) -> ParseError {
    let text = fixture(&format!("bad/{file}"));
    let err =
        Manifest::parse(&text, Role::ApiServer).expect_err(&format!("{file} should be rejected"));
    // Every edit refuses it with the same cause.
    for r in [
        trust(&text, "/etc/kubernetes/pki/new.pub"),
        set_signing_key(&text, "/etc/kubernetes/pki/new.key"),
        retire(&text, "/etc/kubernetes/pki/sa.pub", |_, _| false),
    ] {
        assert_eq!(r, Err(EditError::Parse(err.clone())), "{file}");
    }
    err
}

#[test]
fn bad_manifests_are_rejected_with_their_line() {
    use ParseError::*;
    type Check = Box<dyn Fn(&ParseError) -> bool>;
    let cases: Vec<(&str, Check)> = vec![
        (
            "not-yaml.yaml",
            Box::new(|e| matches!(e, Yaml { line: 5, .. })),
        ),
        (
            "tab-indent.yaml",
            Box::new(|e| matches!(e, Yaml { line: 4, .. })),
        ),
        (
            "duplicate-key.yaml",
            Box::new(|e| matches!(e, Yaml { line: 7, .. })),
        ),
        ("empty.yaml", Box::new(|e| matches!(e, Empty))),
        ("only-comment.yaml", Box::new(|e| matches!(e, Empty))),
        (
            "multi-doc.yaml",
            Box::new(|e| matches!(e, MultipleDocuments { count: 2, line: 11 })),
        ),
        (
            "not-a-pod.yaml",
            Box::new(|e| matches!(e, NotAPod { line: 2, found } if found.contains("Deployment"))),
        ),
        (
            "no-kind.yaml",
            Box::new(|e| matches!(e, NotAPod { line: 1, .. })),
        ),
        (
            "list-root.yaml",
            Box::new(|e| matches!(e, NotAPod { line: 1, .. })),
        ),
        (
            "no-containers.yaml",
            Box::new(|e| matches!(e, NoContainers { line: 6 })),
        ),
        (
            "empty-containers.yaml",
            Box::new(|e| matches!(e, NoContainers { line: 4 })),
        ),
        (
            "container-not-mapping.yaml",
            Box::new(|e| matches!(e, BadField { line: 5, .. })),
        ),
        (
            "no-apiserver.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    NoContainer {
                        role: Role::ApiServer
                    }
                )
            }),
        ),
        (
            "two-apiservers.yaml",
            Box::new(|e| matches!(e, MultipleContainers { lines, .. } if lines == &vec![5, 7])),
        ),
        (
            "command-not-list.yaml",
            Box::new(|e| matches!(e, BadField { line: 6, .. })),
        ),
        (
            "number-item.yaml",
            Box::new(|e| matches!(e, BadField { line: 11, .. })),
        ),
        (
            "flag-without-value-last.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    FlagWithoutValue {
                        flag: "service-account-key-file",
                        line: 11
                    }
                )
            }),
        ),
        (
            "flag-empty-value.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    FlagWithoutValue {
                        flag: "service-account-key-file",
                        line: 10
                    }
                )
            }),
        ),
        (
            "empty-bool.yaml",
            Box::new(|e| matches!(e, FlagWithoutValue { line: 10, .. })),
        ),
        (
            "duplicate-signing.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    DuplicateFlag {
                        flag: "service-account-signing-key-file",
                        line: 12,
                        first_line: 11
                    }
                )
            }),
        ),
        (
            "duplicate-signing-mixed-form.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    DuplicateFlag {
                        flag: "service-account-signing-key-file",
                        line: 12,
                        first_line: 10
                    }
                )
            }),
        ),
        (
            "duplicate-max-expiration.yaml",
            Box::new(|e| {
                matches!(
                    e,
                    DuplicateFlag {
                        line: 11,
                        first_line: 10,
                        ..
                    }
                )
            }),
        ),
        (
            "alias-args.yaml",
            Box::new(|e| matches!(e, Unsupported { .. })),
        ),
        (
            "alias-item.yaml",
            Box::new(|e| matches!(e, Unsupported { line: 9, .. })),
        ),
    ];
    for (file, ok) in &cases {
        let e = parse_err(file);
        assert!(ok(&e), "{file}: unexpected {e:?}");
        // The message names the line wherever there is one.
        let msg = e.to_string();
        if let Some(line) = error_line(&e) {
            assert!(msg.contains(&format!("line {line}")), "{file}: {msg}");
        }
    }
    assert!(cases.len() >= 15);
}

fn error_line(e: &ParseError) -> Option<usize> {
    use ParseError::*;
    match e {
        Yaml { line, .. }
        | MultipleDocuments { line, .. }
        | NotAPod { line, .. }
        | NoContainers { line }
        | BadField { line, .. }
        | FlagWithoutValue { line, .. }
        | DuplicateFlag { line, .. }
        | Unsupported { line, .. }
        | Span { line, .. } => Some(*line),
        _ => None,
    }
}

#[test]
fn oversized_input_is_rejected_before_parsing() {
    let big = "#".repeat(crate::manifests::MAX_MANIFEST_BYTES + 1);
    assert!(matches!(
        Manifest::parse(&big, Role::ApiServer),
        Err(ParseError::TooLarge { .. })
    ));
}

#[test]
fn controller_manager_role_is_checked_too() {
    let text = fixture("kube-apiserver.yaml");
    assert_eq!(
        crate::manifests::set_private_key(&text, "/etc/kubernetes/pki/new.key"),
        Err(EditError::Parse(ParseError::NoContainer {
            role: Role::ControllerManager
        }))
    );
}
