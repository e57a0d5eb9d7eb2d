//! Golden tests: for every fixture and every edit, the difference between input and output is
//! exactly the intended lines. The expectation is spelled out by hand per fixture (the exact
//! lines inserted, removed or changed) and checked line by line against the input: every other
//! line must be byte-identical, line endings included.

use super::fixture;
use crate::manifests::edit::{EditError, EditOutcome};
use crate::manifests::{Role, retire, set_private_key, set_signing_key, trust};

const NEW_PUB: &str = "/etc/kubernetes/pki/sa-new.pub";
const NEW_KEY: &str = "/etc/kubernetes/pki/sa-new.key";
const OLD_PUB: &str = "/etc/kubernetes/pki/sa.pub";

/// What the diff between input and output must be.
enum Want<'a> {
    /// These lines, and nothing else, are new (contiguous).
    Insert(&'a [&'a str]),
    /// These lines, and nothing else, are gone (contiguous).
    Remove(&'a [&'a str]),
    /// Exactly one line changed, and it is the old line with `from` replaced by `to` once.
    Edit { from: &'a str, to: &'a str },
}

/// Line contents without their line endings (a final `\n` leaves a last empty element).
fn lines(t: &str) -> Vec<&str> {
    t.split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect()
}

fn check(label: &str, old: &str, new: &str, want: &Want<'_>) {
    // Line endings: the output keeps the input's style and its (missing) final newline.
    let crlf = old.contains("\r\n");
    assert_eq!(
        new.matches("\r\n").count(),
        if crlf { new.matches('\n').count() } else { 0 },
        "{label}: line endings changed"
    );
    assert_eq!(
        old.ends_with('\n'),
        new.ends_with('\n'),
        "{label}: final newline"
    );
    let (a, b) = (lines(old), lines(new));
    let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let s = a[p..]
        .iter()
        .rev()
        .zip(b[p..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (a_mid, b_mid) = (&a[p..a.len() - s], &b[p..b.len() - s]);
    match want {
        // Repeated lines (`- --service-account-key-file` in the two-item form) make the place of
        // an insertion ambiguous, so look for any place where it fits exactly.
        Want::Insert(ins) => assert!(
            spliced_in(&a, &b, ins),
            "{label}: expected only {ins:?} inserted; diff {a_mid:?} -> {b_mid:?}"
        ),
        Want::Remove(rem) => assert!(
            spliced_in(&b, &a, rem),
            "{label}: expected only {rem:?} removed; diff {a_mid:?} -> {b_mid:?}"
        ),
        Want::Edit { from, to } => {
            assert_eq!(
                (a_mid.len(), b_mid.len()),
                (1, 1),
                "{label}: {a_mid:?} -> {b_mid:?}"
            );
            assert_eq!(
                a_mid[0].matches(from).count(),
                1,
                "{label}: `{from}` in {a_mid:?}"
            );
            assert_eq!(b_mid[0], a_mid[0].replacen(from, to, 1), "{label}");
        }
    }
}

/// Whether `long` is `short` with the lines `extra` inserted somewhere, as one block.
fn spliced_in(short: &[&str], long: &[&str], extra: &[&str]) -> bool {
    long.len() == short.len() + extra.len()
        && (0..=short.len()).any(|i| {
            long[i..i + extra.len()] == *extra
                && long[..i] == short[..i]
                && long[i + extra.len()..] == short[i..]
        })
}

fn changed(label: &str, r: Result<EditOutcome, EditError>) -> String {
    match r {
        Ok(EditOutcome::Changed(t)) => t,
        other => panic!("{label}: expected a change, got {other:?}"),
    }
}

struct Case<'a> {
    file: &'a str,
    trust: Want<'a>,
    sign: Want<'a>,
    /// Retiring the original key after trusting the new one.
    retire: Want<'a>,
}

fn run(case: &Case<'_>) {
    let old = fixture(case.file);
    let f = case.file;

    let trusted = changed(f, trust(&old, NEW_PUB));
    check(&format!("{f} trust"), &old, &trusted, &case.trust);
    assert_eq!(trust(&trusted, NEW_PUB), Ok(EditOutcome::Already), "{f}");
    // trust then retire of the same key gives back the original bytes.
    let back = changed(f, retire(&trusted, NEW_PUB, |_, _| false));
    assert_eq!(back, old, "{f}: trust+retire");

    let signed = changed(f, set_signing_key(&old, NEW_KEY));
    check(&format!("{f} sign"), &old, &signed, &case.sign);
    assert_eq!(set_signing_key(&signed, NEW_KEY), Ok(EditOutcome::Already));

    let retired = changed(f, retire(&trusted, OLD_PUB, |_, _| false));
    check(&format!("{f} retire"), &trusted, &retired, &case.retire);
    assert_eq!(
        retire(&retired, OLD_PUB, |_, _| false),
        Ok(EditOutcome::Already)
    );
}

const KUBEADM_TRUST: &[&str] = &["    - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub"];
const KUBEADM_RETIRE: &[&str] = &["    - --service-account-key-file=/etc/kubernetes/pki/sa.pub"];
const SIGN_EDIT: Want<'static> = Want::Edit {
    from: "pki/sa.key",
    to: "pki/sa-new.key",
};

#[test]
fn kubeadm_apiserver() {
    run(&Case {
        file: "kube-apiserver.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn crlf() {
    run(&Case {
        file: "variants/crlf.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn args_form() {
    run(&Case {
        file: "variants/args-form.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn indent0() {
    run(&Case {
        file: "variants/indent0.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn indent2() {
    run(&Case {
        file: "variants/indent2.yaml",
        trust: Want::Insert(&[
            "        - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub",
        ]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&["        - --service-account-key-file=/etc/kubernetes/pki/sa.pub"]),
    });
}

#[test]
fn indent4() {
    run(&Case {
        file: "variants/indent4.yaml",
        trust: Want::Insert(&[
            "                -   --service-account-key-file=/etc/kubernetes/pki/sa-new.pub",
        ]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&[
            "                -   --service-account-key-file=/etc/kubernetes/pki/sa.pub",
        ]),
    });
}

#[test]
fn separate_form() {
    run(&Case {
        file: "variants/separate-form.yaml",
        trust: Want::Insert(&[
            "    - --service-account-key-file",
            "    - /etc/kubernetes/pki/sa-new.pub",
        ]),
        sign: Want::Edit {
            from: "    - /etc/kubernetes/pki/sa.key",
            to: "    - /etc/kubernetes/pki/sa-new.key",
        },
        retire: Want::Remove(&[
            "    - --service-account-key-file",
            "    - /etc/kubernetes/pki/sa.pub",
        ]),
    });
}

#[test]
fn flow() {
    run(&Case {
        file: "variants/flow.yaml",
        trust: Want::Edit {
            from: "sa.pub, ",
            to: "sa.pub, --service-account-key-file=/etc/kubernetes/pki/sa-new.pub, ",
        },
        sign: SIGN_EDIT,
        retire: Want::Edit {
            from: ", --service-account-key-file=/etc/kubernetes/pki/sa.pub,",
            to: ",",
        },
    });
}

#[test]
fn flow_multiline() {
    run(&Case {
        file: "variants/flow-multiline.yaml",
        trust: Want::Insert(&["      --service-account-key-file=/etc/kubernetes/pki/sa-new.pub,"]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&["      --service-account-key-file=/etc/kubernetes/pki/sa.pub,"]),
    });
}

#[test]
fn json() {
    run(&Case {
        file: "variants/json.json",
        trust: Want::Insert(&[
            "          \"--service-account-key-file=/etc/kubernetes/pki/sa-new.pub\",",
        ]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&[
            "          \"--service-account-key-file=/etc/kubernetes/pki/sa.pub\",",
        ]),
    });
    // The output stays JSON.
    let old = fixture("variants/json.json");
    let t = changed("json", trust(&old, NEW_PUB));
    let v: serde_json::Value = serde_json::from_str(&t).unwrap();
    assert_eq!(
        v["spec"]["containers"][0]["command"][4],
        "--service-account-key-file=/etc/kubernetes/pki/sa-new.pub"
    );
}

#[test]
fn quoted_single() {
    run(&Case {
        file: "variants/quoted-single.yaml",
        trust: Want::Insert(&["    - '--service-account-key-file=/etc/kubernetes/pki/sa-new.pub'"]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&["    - '--service-account-key-file=/etc/kubernetes/pki/sa.pub'"]),
    });
}

#[test]
fn quoted_double() {
    run(&Case {
        file: "variants/quoted-double.yaml",
        trust: Want::Insert(&[
            "    - \"--service-account-key-file=/etc/kubernetes/pki/sa-new.pub\"",
        ]),
        sign: SIGN_EDIT,
        retire: Want::Remove(&["    - \"--service-account-key-file=/etc/kubernetes/pki/sa.pub\""]),
    });
}

#[test]
fn comments() {
    run(&Case {
        file: "variants/comments.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: Want::Edit {
            from: "sa.key # 🔑",
            to: "sa-new.key # 🔑",
        },
        retire: Want::Remove(&[
            "    - --service-account-key-file=/etc/kubernetes/pki/sa.pub  # current key ✓",
        ]),
    });
}

#[test]
fn no_final_newline() {
    run(&Case {
        file: "variants/no-final-newline.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn sidecar_full_path() {
    run(&Case {
        file: "variants/sidecar-full-path.yaml",
        trust: Want::Insert(KUBEADM_TRUST),
        sign: SIGN_EDIT,
        retire: Want::Remove(KUBEADM_RETIRE),
    });
}

#[test]
fn multi_keys_appends_after_the_last_key_file() {
    let old = fixture("variants/multi-keys.yaml");
    let t = changed("multi", trust(&old, NEW_PUB));
    check("multi trust", &old, &t, &Want::Insert(KUBEADM_TRUST));
    let pos_new = t.find("sa-new.pub").unwrap();
    assert!(t.find("sa-2025.pub").unwrap() < pos_new);
    assert!(pos_new < t.find("sa-2025.key").unwrap());
    // Retiring a middle key file removes just its line.
    let r = changed(
        "multi",
        retire(&old, "/etc/kubernetes/pki/sa-2024.pub", |_, _| false),
    );
    check(
        "multi retire",
        &old,
        &r,
        &Want::Remove(&["    - --service-account-key-file=/etc/kubernetes/pki/sa-2024.pub"]),
    );
}

#[test]
fn controller_manager_private_key() {
    for (file, want) in [
        (
            "kube-controller-manager.yaml",
            Want::Edit {
                from: "pki/sa.key",
                to: "pki/sa-new.key",
            },
        ),
        (
            "variants/cm-args.yaml",
            Want::Edit {
                from: "      - \"--service-account-private-key-file=/etc/kubernetes/pki/sa.key\"",
                to: "      - \"--service-account-private-key-file=/etc/kubernetes/pki/sa-new.key\"",
            },
        ),
        (
            "variants/cm-separate.yaml",
            Want::Edit {
                from: "    - '/etc/kubernetes/pki/sa.key'",
                to: "    - '/etc/kubernetes/pki/sa-new.key'",
            },
        ),
        (
            "variants/cm-no-private-key.yaml",
            Want::Insert(&[
                "    - --service-account-private-key-file=/etc/kubernetes/pki/sa-new.key",
            ]),
        ),
    ] {
        let old = fixture(file);
        let new = changed(file, set_private_key(&old, NEW_KEY));
        check(file, &old, &new, &want);
        assert_eq!(set_private_key(&new, NEW_KEY), Ok(EditOutcome::Already));
        // The controller-manager has no apiserver to edit.
        assert!(trust(&old, NEW_PUB).is_err());
    }
}

#[test]
fn signing_key_is_added_when_missing() {
    let old = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --service-account-issuer=https://kubernetes.default.svc\n    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n";
    let new = changed("missing", set_signing_key(old, NEW_KEY));
    check(
        "missing",
        old,
        &new,
        &Want::Insert(&["    - --service-account-signing-key-file=/etc/kubernetes/pki/sa-new.key"]),
    );
    let lines: Vec<&str> = new.lines().collect();
    assert!(lines[8].ends_with("sa.pub") && lines[9].ends_with("sa-new.key"));
}

#[test]
fn external_signer_refuses_key_edits() {
    let old = fixture("variants/external-signer.yaml");
    let refused = |r: Result<EditOutcome, EditError>| {
        assert!(
            matches!(r, Err(EditError::ExternalSigning { ref endpoint, line: 12 }) if endpoint == "/var/run/kubernetes/external-signer.sock"),
            "{r:?}"
        );
    };
    refused(trust(&old, NEW_PUB));
    refused(set_signing_key(&old, NEW_KEY));
    refused(retire(&old, OLD_PUB, |_, _| false));
    let msg = trust(&old, NEW_PUB).unwrap_err().to_string();
    assert!(
        msg.contains("external signer") && msg.contains("line 12"),
        "{msg}"
    );
}

#[test]
fn retire_refusals() {
    let old = fixture("kube-apiserver.yaml");
    assert_eq!(
        retire(&old, OLD_PUB, |_, _| false),
        Err(EditError::LastKeyFile {
            path: OLD_PUB.into(),
            line: 38
        })
    );
    let trusted = changed("k", trust(&old, NEW_PUB));
    let mut asked = None;
    let r = retire(&trusted, OLD_PUB, |k, s| {
        asked = Some((k.to_string(), s.to_string()));
        true
    });
    assert_eq!(
        r,
        Err(EditError::RetiresSigningKey {
            path: OLD_PUB.into(),
            signing_key_file: "/etc/kubernetes/pki/sa.key".into(),
            line: 38
        })
    );
    assert_eq!(
        asked,
        Some((
            OLD_PUB.to_string(),
            "/etc/kubernetes/pki/sa.key".to_string()
        ))
    );
    // A key file that *is* the signing key file is refused without asking.
    let both = changed("k", trust(&old, "/etc/kubernetes/pki/sa.key"));
    assert!(matches!(
        retire(&both, "/etc/kubernetes/pki/sa.key", |_, _| false),
        Err(EditError::RetiresSigningKey { .. })
    ));
    // Not trusted: nothing to do.
    assert_eq!(
        retire(&old, "/etc/kubernetes/pki/other.pub", |_, _| panic!(
            "not asked"
        )),
        Ok(EditOutcome::Already)
    );
}

#[test]
fn already_outcomes_compare_paths_by_component() {
    let old = fixture("kube-apiserver.yaml");
    assert_eq!(
        trust(&old, "/etc/kubernetes//pki/./sa.pub"),
        Ok(EditOutcome::Already)
    );
    assert_eq!(
        set_signing_key(&old, "/etc/kubernetes/pki/sa.key"),
        Ok(EditOutcome::Already)
    );
}

#[test]
fn invalid_paths_are_refused() {
    let old = fixture("kube-apiserver.yaml");
    for p in [
        "",
        "relative/sa.pub",
        "/a\nb",
        " /a",
        // Line breaks for the kubelet's YAML 1.1 reader, kept in the scalar by YAML 1.2
        // (issue 13.4): each would add a flag of the path's choosing.
        "/a\u{2028}- --anonymous-auth=true",
        "/a\u{2029}- --anonymous-auth=true",
        "/a\u{85}- --anonymous-auth=true",
        "/a\u{1b}[2J",
        "/a\u{202E}b",
    ] {
        assert!(
            matches!(trust(&old, p), Err(EditError::InvalidPath { .. })),
            "{p:?}"
        );
    }
}

#[test]
fn awkward_values_are_quoted() {
    let old = fixture("kube-apiserver.yaml");
    let t = changed("q", trust(&old, "/etc/kubernetes/pki/a: b #c.pub"));
    assert!(
        t.contains("    - '--service-account-key-file=/etc/kubernetes/pki/a: b #c.pub'\n"),
        "{t}"
    );
    let flow = fixture("variants/flow.yaml");
    let t = changed("q", trust(&flow, "/k/a,b.pub"));
    assert!(
        t.contains(", '--service-account-key-file=/k/a,b.pub'"),
        "{t}"
    );
    let dq = fixture("variants/quoted-double.yaml");
    let t = changed("q", set_signing_key(&dq, "/k/a\"b\\c.key"));
    assert!(
        t.contains(r#"    - "--service-account-signing-key-file=/k/a\"b\\c.key""#),
        "{t}"
    );
}

#[test]
fn unified_diff_shows_the_change() {
    let old = fixture("kube-apiserver.yaml");
    let new = changed("d", trust(&old, NEW_PUB));
    let d =
        crate::manifests::unified_diff(&old, &new, "/etc/kubernetes/manifests/kube-apiserver.yaml");
    assert!(d.starts_with("--- /etc/kubernetes/manifests/kube-apiserver.yaml\n+++ /etc/kubernetes/manifests/kube-apiserver.yaml\n@@ -36,6 +36,7 @@\n"), "{d}");
    let plus: Vec<&str> = d
        .lines()
        .filter(|l| l.starts_with('+') && !l.starts_with("+++"))
        .collect();
    assert_eq!(
        plus,
        vec!["+    - --service-account-key-file=/etc/kubernetes/pki/sa-new.pub"]
    );
    assert!(
        !d.lines()
            .any(|l| l.starts_with('-') && !l.starts_with("---"))
    );
    let _ = Role::ApiServer;
}

/// saphyr ends a quoted scalar's span after a comment on the same line; the edits must not.
#[test]
fn quoted_scalars_followed_by_comments() {
    run(&Case {
        file: "variants/quoted-comments.yaml",
        trust: Want::Insert(&["    - '--service-account-key-file=/etc/kubernetes/pki/sa-new.pub'"]),
        sign: Want::Edit {
            from: "sa.key\"  # \"signing\" 🔑",
            to: "sa-new.key\"  # \"signing\" 🔑",
        },
        retire: Want::Remove(&[
            "    - '--service-account-key-file=/etc/kubernetes/pki/sa.pub'  # 'current' — ✓",
        ]),
    });
}
