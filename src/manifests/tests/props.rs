//! Properties over generated manifests (indentation, CRLF, forms, quoting, comments, block and
//! flow sequences, command or args, final newline or not) and over arbitrary input.

use proptest::prelude::*;

use crate::manifests::edit::EditOutcome;
use crate::manifests::model::Manifest;
use crate::manifests::{Role, retire, set_private_key, set_signing_key, trust};

#[derive(Debug, Clone, Copy)]
enum Q {
    Plain,
    Single,
    Double,
}

fn quote(v: &str, q: Q) -> String {
    match q {
        // A plain `6443` or `true` would be a number or a boolean, which kube rejects.
        Q::Plain if v.parse::<f64>().is_ok() || v == "true" => format!("\"{v}\""),
        Q::Plain => v.to_string(),
        Q::Single => format!("'{}'", v.replace('\'', "''")),
        Q::Double => format!("\"{}\"", v.replace('\\', "\\\\").replace('"', "\\\"")),
    }
}

#[derive(Debug, Clone)]
struct Flag {
    name: &'static str,
    value: String,
    separate: bool,
    q: Q,
    comment_before: bool,
    trailing_comment: bool,
}

#[derive(Debug, Clone)]
struct Spec {
    crlf: bool,
    final_newline: bool,
    flow: bool,
    multiline_flow: bool,
    in_args: bool,
    extra_indent: usize,
    flags: Vec<Flag>,
}

impl Spec {
    fn key_files(&self) -> Vec<String> {
        self.flags
            .iter()
            .filter(|f| f.name == "service-account-key-file")
            .map(|f| f.value.clone())
            .collect()
    }

    fn render(&self) -> String {
        let eol = if self.crlf { "\r\n" } else { "\n" };
        let mut s = String::new();
        for l in [
            "apiVersion: v1",
            "kind: Pod # générée ✓",
            "metadata:",
            "  name: kube-apiserver",
            "spec:",
            "  volumes:",
            "  - name: k8s-certs",
            "    hostPath: {path: /etc/kubernetes/pki}",
            "  containers:",
            "  - name: kube-apiserver",
            "    volumeMounts:",
            "    - {mountPath: /etc/kubernetes/pki, name: k8s-certs}",
        ] {
            s.push_str(l);
            s.push_str(eol);
        }
        // Items as (scalar text, comment before, trailing comment).
        let mut items: Vec<(String, bool, bool)> = Vec::new();
        if !self.in_args {
            items.push(("kube-apiserver".into(), false, false));
        }
        for f in &self.flags {
            if f.separate {
                items.push((
                    quote(&format!("--{}", f.name), f.q),
                    f.comment_before,
                    false,
                ));
                items.push((quote(&f.value, f.q), false, f.trailing_comment));
            } else {
                items.push((
                    quote(&format!("--{}={}", f.name, f.value), f.q),
                    f.comment_before,
                    f.trailing_comment,
                ));
            }
        }
        if self.in_args {
            s.push_str(&format!("    command: [kube-apiserver]{eol}"));
        }
        let key = if self.in_args { "args" } else { "command" };
        let ind = " ".repeat(4 + self.extra_indent);
        if self.flow && self.multiline_flow {
            s.push_str(&format!("    {key}: [{eol}"));
            for (v, _, _) in &items {
                s.push_str(&format!("{ind}  {v},{eol}"));
            }
            s.push_str(&format!("{ind}  ]"));
        } else if self.flow {
            let joined: Vec<&str> = items.iter().map(|(v, _, _)| v.as_str()).collect();
            s.push_str(&format!("    {key}: [{}]", joined.join(", ")));
        } else {
            s.push_str(&format!("    {key}:"));
            for (v, before, after) in &items {
                s.push_str(eol);
                if *before {
                    s.push_str(&format!("{ind}# avant — ☃{eol}"));
                }
                s.push_str(&format!("{ind}- {v}"));
                if *after {
                    s.push_str("  # après 🔑");
                }
            }
        }
        if self.final_newline {
            s.push_str(eol);
        }
        s
    }
}

fn q() -> impl Strategy<Value = Q> {
    prop_oneof![Just(Q::Plain), Just(Q::Single), Just(Q::Double)]
}

fn flag(name: &'static str, value: impl Strategy<Value = String>) -> impl Strategy<Value = Flag> {
    (value, any::<bool>(), q(), any::<bool>(), any::<bool>()).prop_map(
        move |(value, separate, q, comment_before, trailing_comment)| Flag {
            name,
            value,
            separate,
            q,
            comment_before,
            trailing_comment,
        },
    )
}

fn key_path() -> impl Strategy<Value = String> {
    (0..5u8, prop_oneof![Just("k"), Just("clé"), Just("sa")])
        .prop_map(|(n, stem)| format!("/etc/kubernetes/pki/{stem}{n}.pub"))
}

fn spec() -> impl Strategy<Value = Spec> {
    let other = prop_oneof![
        flag("secure-port", Just("6443".to_string())),
        flag(
            "tls-cert-file",
            Just("/etc/kubernetes/pki/apiserver.crt".to_string())
        ),
        flag("service-account-lookup", Just("true".to_string())),
    ];
    (
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            0..4usize,
        ),
        flag(
            "service-account-issuer",
            Just("https://kubernetes.default.svc".to_string()),
        ),
        proptest::collection::vec(flag("service-account-key-file", key_path()), 1..4),
        proptest::option::of(flag(
            "service-account-signing-key-file",
            Just("/etc/kubernetes/pki/sa.key".to_string()),
        )),
        proptest::collection::vec(other, 0..3),
        0..4usize,
    )
        .prop_map(
            |(
                (crlf, final_newline, flow, multiline_flow, in_args, extra),
                issuer,
                keys,
                signing,
                others,
                split,
            )| {
                let mut keys = keys;
                keys.dedup_by(|a, b| a.value == b.value);
                let mut flags = vec![issuer];
                flags.extend(keys);
                if let Some(s) = signing {
                    flags.push(s);
                }
                let split = split.min(others.len());
                let mut all: Vec<Flag> = others[..split].to_vec();
                all.extend(flags);
                all.extend(others[split..].iter().cloned());
                Spec {
                    crlf,
                    final_newline,
                    flow,
                    multiline_flow,
                    in_args,
                    extra_indent: extra,
                    flags: all,
                }
            },
        )
}

fn text_of(o: EditOutcome, old: &str) -> String {
    o.text_or(old).to_string()
}

proptest! {
    // Failures print their minimal case; nothing is written outside the test (the regression
    // files would land in the source tree).
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_manifests_parse(spec in spec()) {
        let text = spec.render();
        let m = Manifest::parse(&text, Role::ApiServer).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        let want = spec.key_files();
        prop_assert_eq!(m.key_files(), want.iter().map(String::as_str).collect::<Vec<_>>());
    }

    #[test]
    fn trust_is_idempotent_and_retire_undoes_it(spec in spec(), path in key_path()) {
        let old = spec.render();
        let once = text_of(trust(&old, &path).map_err(|e| TestCaseError::fail(format!("{e}\n{old}")))?, &old);
        let twice = text_of(trust(&once, &path).unwrap(), &once);
        prop_assert_eq!(&once, &twice);
        let m = Manifest::parse(&once, Role::ApiServer).unwrap();
        prop_assert!(m.key_files().contains(&path.as_str()));
        if !spec.key_files().contains(&path) {
            // A new key: trust appended it after the existing ones; retire gives back the bytes.
            let mut want = spec.key_files();
            want.push(path.clone());
            prop_assert_eq!(m.key_files(), want.iter().map(String::as_str).collect::<Vec<_>>());
            let back = text_of(retire(&once, &path, |_, _| false).unwrap(), &once);
            prop_assert_eq!(&back, &old);
        }
    }

    #[test]
    fn retire_is_idempotent(spec in spec(), pick in 0..4usize) {
        let old = spec.render();
        let keys = spec.key_files();
        let path = keys[pick % keys.len()].clone();
        match retire(&old, &path, |_, _| false) {
            Ok(o) => {
                prop_assert!(keys.len() > 1);
                let once = text_of(o, &old);
                let m = Manifest::parse(&once, Role::ApiServer).unwrap();
                let want: Vec<&str> = keys.iter().filter(|k| **k != path).map(String::as_str).collect();
                prop_assert_eq!(m.key_files(), want);
                prop_assert_eq!(retire(&once, &path, |_, _| false).unwrap(), EditOutcome::Already);
            }
            Err(crate::manifests::EditError::LastKeyFile { .. }) => prop_assert_eq!(keys.len(), 1),
            Err(e) => return Err(TestCaseError::fail(format!("{e}\n{old}"))),
        }
    }

    #[test]
    fn set_signing_key_is_idempotent(spec in spec(), n in 0..3u8) {
        let old = spec.render();
        let path = format!("/etc/kubernetes/pki/signé{n}.key");
        let once = text_of(set_signing_key(&old, &path).map_err(|e| TestCaseError::fail(format!("{e}\n{old}")))?, &old);
        prop_assert_eq!(set_signing_key(&once, &path).unwrap(), EditOutcome::Already);
        let m = Manifest::parse(&once, Role::ApiServer).unwrap();
        prop_assert_eq!(m.signing_key_file(), Some(path.as_str()));
        let k_old = Manifest::parse(&old, Role::ApiServer).unwrap();
        prop_assert_eq!(m.key_files(), k_old.key_files());
    }

    #[test]
    fn set_private_key_is_idempotent(spec in spec(), n in 0..3u8) {
        // Reuse the generator with the controller-manager's binary and flag.
        let old = spec
            .render()
            .replace("kube-apiserver", "kube-controller-manager")
            .replace("service-account-signing-key-file", "service-account-private-key-file");
        let path = format!("/etc/kubernetes/pki/privé{n}.key");
        let once = text_of(set_private_key(&old, &path).map_err(|e| TestCaseError::fail(format!("{e}\n{old}")))?, &old);
        prop_assert_eq!(set_private_key(&once, &path).unwrap(), EditOutcome::Already);
        let m = Manifest::parse(&once, Role::ControllerManager).unwrap();
        prop_assert_eq!(m.private_key_file(), Some(path.as_str()));
    }

    /// No input makes the parser or an edit panic.
    #[test]
    fn arbitrary_input_never_panics(s in "\\PC*") {
        let _ = Manifest::parse(&s, Role::ApiServer);
        let _ = Manifest::roles_in(&s);
        let _ = trust(&s, "/a.pub");
        let _ = retire(&s, "/a.pub", |_, _| false);
    }

    /// Nor does any mangled version of a real manifest.
    #[test]
    fn mangled_manifests_never_panic(cut in 0..4000usize, insert in "[ \\-\\[\\]:,'\"#\r\n\ta-z→]{0,6}") {
        let base = super::fixture("kube-apiserver.yaml");
        let mut at = cut.min(base.len());
        while !base.is_char_boundary(at) {
            at -= 1;
        }
        let s = format!("{}{}{}", &base[..at], insert, &base[at..]);
        let _ = Manifest::parse(&s, Role::ApiServer);
        if let Ok(EditOutcome::Changed(t)) = trust(&s, "/etc/kubernetes/pki/n.pub") {
            // Whatever the layout, an accepted edit parses and trusts the key.
            let m = Manifest::parse(&t, Role::ApiServer).unwrap();
            prop_assert!(m.key_files().contains(&"/etc/kubernetes/pki/n.pub"));
        }
        let _ = set_signing_key(&s, "/etc/kubernetes/pki/n.key");
        let _ = retire(&s, "/etc/kubernetes/pki/sa.pub", |_, _| false);
    }
}
