//! Fuzz targets: one function per parser that reads untrusted input (issue 7) — PEM key files,
//! JWKS documents, static-pod manifests with their flag model and edits, JWTs, `--to` storage
//! URLs and the publish plan (discovery document → object key).
//!
//! Each target feeds arbitrary bytes to the parser and, when the parser accepts them, checks the
//! properties the rest of sakr relies on; a violated property panics, which is what a fuzzer
//! reports. Each returns whether the input got past the parser, so the tests can prove that
//! their seeds reach the checks. Two drivers run the same functions:
//! - `fuzz/` (cargo-fuzz + libFuzzer, coverage-guided, run for minutes by `scripts/fuzz.sh`);
//! - the tests at the bottom of this file (proptest, arbitrary and mutated-seed inputs with a
//!   fixed budget, in every `cargo test`), which also replay every input a fuzzer ever found
//!   (`fuzz/regressions/<target>/`).
//!
//! Nothing here does I/O; hidden from the docs because it is test surface, not API.

use crate::jwks::{self, Jwks};
use crate::keys::{self, PublicKey};
use crate::manifests::edit::{self, EditOutcome};
use crate::manifests::{Manifest, Role};
use crate::publish::orchestrate::Plan;
use crate::publish::target::Target;
use crate::token;

/// The members a JWK in sakr's output may have (DESIGN §2.3); anything else — above all a
/// private parameter — is a bug.
const PUBLIC_JWK_MEMBERS: [&str; 9] = ["use", "kty", "kid", "crv", "alg", "x", "y", "n", "e"];

/// The JSON of a JWKS sakr wrote holds public members only, in kube-apiserver's shape.
fn assert_public_only(json: &str) {
    let v: serde_json::Value = serde_json::from_str(json).expect("sakr wrote invalid JSON");
    let keys = v["keys"].as_array().expect("a JWKS has a keys array");
    for k in keys {
        for member in k.as_object().expect("a JWK is an object").keys() {
            assert!(
                PUBLIC_JWK_MEMBERS.contains(&member.as_str()),
                "JWKS output has member `{member}`"
            );
        }
    }
}

/// kid = base64url(SHA-256(SPKI DER)), unpadded: always 43 characters of the URL-safe alphabet.
fn assert_kid_shape(kid: &str) {
    assert_eq!(kid.len(), 43, "kid {kid:?}");
    assert!(
        kid.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "kid {kid:?}"
    );
}

/// PEM key files (every form of DESIGN §2.5).
pub fn pem(data: &[u8]) -> bool {
    let Ok(file) = keys::parse_pem_file(data) else {
        return false;
    };
    let public: Vec<PublicKey> = file.blocks.iter().map(|b| b.key.clone()).collect();
    for key in &public {
        let kid = key.kid();
        assert_kid_shape(&kid);
        // The public half sakr writes reads back as the same key.
        let again = keys::parse_pem_file(key.to_pem().as_bytes()).expect("sakr's own PEM parses");
        assert_eq!(again.blocks.len(), 1);
        assert_eq!(
            again.blocks[0].key.kid(),
            kid,
            "PEM round trip changed the kid"
        );
    }
    // Whatever the input held (private keys included), the JWKS holds public members only.
    let (set, _) = Jwks::from_keys(&public);
    assert_public_only(&set.to_json());
    true
}

/// JWKS documents sakr is given (`--jwks`, the published one it reads back).
pub fn jwks(data: &[u8]) -> bool {
    let Ok(entries) = jwks::parse(data) else {
        return false;
    };
    let keys: Vec<PublicKey> = entries.into_iter().map(|e| e.key).collect();
    let (set, _) = Jwks::from_keys(&keys);
    let out = set.to_json();
    assert_public_only(&out);
    assert_public_only(&set.to_json_pretty());
    for k in &set.keys {
        assert_kid_shape(&k.kid);
    }
    // sakr's output is a fixed point: parsing and re-emitting it changes no byte.
    let again = jwks::parse(out.as_bytes()).expect("sakr's own JWKS parses");
    let again_keys: Vec<PublicKey> = again.into_iter().map(|e| e.key).collect();
    assert_eq!(Jwks::from_keys(&again_keys).0.to_json(), out);
    true
}

/// Static-pod manifests: the flag model, and every edit on whatever parses. An edit either
/// refuses, or returns text that parses again, holds the change, and is a fixed point (the same
/// edit again changes nothing).
pub fn manifest(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    let _ = Manifest::roles_in(text);
    let mut accepted = false;
    if let Ok(cm) = Manifest::parse(text, Role::ControllerManager) {
        accepted = true;
        let _ = cm.flag_values();
        check_edit(
            text,
            Role::ControllerManager,
            edit::set_private_key(text, "/etc/kubernetes/pki/sa-fuzz.key"),
            |m| m.private_key_file() == Some("/etc/kubernetes/pki/sa-fuzz.key"),
            |t| edit::set_private_key(t, "/etc/kubernetes/pki/sa-fuzz.key"),
        );
    }
    let Ok(m) = Manifest::parse(text, Role::ApiServer) else {
        return accepted;
    };
    let _ = (m.flag_values(), m.issuers(), m.signing_endpoint());
    for kf in m.key_files() {
        let _ = m.host_path_for(kf);
    }
    let new_pub = "/etc/kubernetes/pki/sa-fuzz.pub";
    check_edit(
        text,
        Role::ApiServer,
        edit::trust(text, new_pub),
        |m| m.key_files().contains(&new_pub),
        |t| edit::trust(t, new_pub),
    );
    let new_key = "/etc/kubernetes/pki/sa-fuzz.key";
    check_edit(
        text,
        Role::ApiServer,
        edit::set_signing_key(text, new_key),
        |m| m.signing_key_file() == Some(new_key),
        |t| edit::set_signing_key(t, new_key),
    );
    if let Some(first) = m.key_files().first().map(|s| s.to_string()) {
        check_edit(
            text,
            Role::ApiServer,
            edit::retire(text, &first, |_, _| false),
            |m| !m.key_files().contains(&first.as_str()),
            |t| edit::retire(t, &first, |_, _| false),
        );
    }
    true
}

fn check_edit(
    old: &str,
    role: Role,
    outcome: Result<EditOutcome, edit::EditError>,
    holds: impl Fn(&Manifest) -> bool,
    again: impl Fn(&str) -> Result<EditOutcome, edit::EditError>,
) {
    let new = match outcome {
        Ok(EditOutcome::Changed(new)) => new,
        Ok(EditOutcome::Already) => {
            let m = Manifest::parse(old, role).expect("it parsed a moment ago");
            assert!(
                holds(&m),
                "edit said `already` but the manifest does not hold it"
            );
            return;
        }
        Err(_) => return,
    };
    let m = Manifest::parse(&new, role).expect("an edit returned text that does not parse");
    assert!(holds(&m), "an edit returned text without its change");
    assert_eq!(
        again(&new),
        Ok(EditOutcome::Already),
        "an edit is not idempotent"
    );
    let _ = edit::unified_diff(old, &new, "manifest");
}

/// JWTs (`--token-file`, tokens from the cluster): decoding, and every check `verify` prints.
pub fn token(data: &[u8]) -> bool {
    let text = String::from_utf8_lossy(data);
    let Ok(t) = token::decode(&text) else {
        return false;
    };
    let _ = (t.kid(), token::checks::claims_of_interest(&t));
    let want = token::checks::Expectations {
        kid: Some("fuzz"),
        issuer: Some("https://issuer.example"),
        audience: Some("sts.amazonaws.com"),
        ..Default::default()
    };
    let checks = token::checks::run(&t, &want, 1_700_000_000);
    assert!(!checks.is_empty());
    // The kid of the input is data; no expected kid may pass unless it equals it.
    let kid_check = checks.iter().find(|c| c.name == "kid").expect("kid check");
    assert_eq!(kid_check.ok, t.kid() == Some("fuzz"));
    true
}

/// `--to` URLs, and the discovery-document → object-key derivation of a publish. Input: a URL,
/// optionally followed by a NUL byte and a discovery document.
pub fn storage_url(data: &[u8]) -> bool {
    let mut accepted = false;
    let (url, discovery) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], Some(&data[i + 1..])),
        None => (data, None),
    };
    if let Ok(url) = std::str::from_utf8(url)
        && let Ok(target) = Target::parse(url)
    {
        accepted = true;
        // Credentials never show: not in Display (what messages print), not in Debug. (Unless
        // the "SAS" is text the URL also holds before its query, as a fuzzer found:
        // `…blob.core.windows…?.core.wi` — then finding it proves nothing.)
        let before_query = url.split('?').next().unwrap_or_default();
        if let Target::Azure { sas: Some(sas), .. } = &target
            && sas.expose().len() >= 8
            && !before_query.contains(sas.expose())
        {
            assert!(!target.to_string().contains(sas.expose()), "SAS in Display");
            assert!(
                !format!("{target:?}").contains(sas.expose()),
                "SAS in Debug"
            );
        }
        // The canonical form names the same place.
        let shown = target.to_string();
        let again = Target::parse(&shown)
            .unwrap_or_else(|e| panic!("{url:?} → {shown:?} does not parse again: {e}"));
        assert_eq!(
            without_sas(again),
            without_sas(target),
            "{url:?} → {shown:?}"
        );
    }
    if let Some(doc) = discovery
        && let Ok(plan) = Plan::new(b"{\"keys\":[]}".to_vec(), doc.to_vec())
    {
        crate::publish::check_key(&plan.jwks_key)
            .unwrap_or_else(|e| panic!("the plan's JWKS key escapes the prefix: {e}"));
    } else if discovery.is_some() {
        accepted = false;
    }
    accepted
}

fn without_sas(t: Target) -> Target {
    match t {
        Target::Azure {
            account,
            container,
            prefix,
            host,
            ..
        } => Target::Azure {
            account,
            container,
            prefix,
            host,
            sas: None,
        },
        t => t,
    }
}

/// A fuzz target: `true` when the input got past the parser into the checks.
pub type FuzzTarget = fn(&[u8]) -> bool;

/// The targets by name, as `fuzz/fuzz_targets/` and the regression replay know them.
pub const TARGETS: [(&str, FuzzTarget); 5] = [
    ("pem", pem),
    ("jwks", jwks),
    ("manifest", manifest),
    ("token", token),
    ("storage_url", storage_url),
];

#[cfg(test)]
mod tests {
    //! The in-suite fuzzing budget: per target, arbitrary inputs and mutations of real seeds
    //! (the fixtures), then every committed regression input.

    use std::path::{Path, PathBuf};

    use proptest::prelude::*;

    use super::*;

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn files_in(dir: &Path) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.is_file())
                    .collect()
            })
            .unwrap_or_default();
        v.sort();
        v
    }

    /// Seeds: the fixtures each parser is meant for (the same files seed `fuzz/corpus`).
    fn seeds(target: &str) -> Vec<Vec<u8>> {
        let fx = root().join("tests/fixtures");
        let read = |p: PathBuf| std::fs::read(p).unwrap();
        let mut v: Vec<Vec<u8>> = match target {
            "pem" => files_in(&fx.join("k8s"))
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "key" || e == "pub"))
                .map(read)
                .collect(),
            "jwks" => vec![read(fx.join("k8s/expected-jwks.json"))],
            "manifest" => [fx.join("manifests"), fx.join("manifests/variants")]
                .iter()
                .flat_map(|d| files_in(d))
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
                .map(read)
                .collect(),
            "token" => ["ecdsa.key", "rsa.key"]
                .iter()
                .map(|k| sample_token(&fx.join("k8s").join(k)).into_bytes())
                .collect(),
            "storage_url" => [
                "s3://oidc-bucket/cluster-a",
                "azblob://acct123/oidc/cluster-a",
                "https://acct123.blob.core.windows.net/oidc/a?sv=2024&sig=abcdefgh",
                "file:///srv/oidc",
            ]
            .iter()
            .map(|s| {
                let mut b = s.as_bytes().to_vec();
                b.push(0);
                b.extend_from_slice(&read(fx.join("k8s/expected-discovery.json")));
                b
            })
            .collect(),
            other => panic!("no seeds for {other}"),
        };
        assert!(!v.is_empty(), "{target}: no seeds");
        v.dedup();
        v
    }

    /// A ServiceAccount token as kube-apiserver signs it, with a fixture key.
    fn sample_token(key: &Path) -> String {
        let pem = crate::keys::secret::Secret::new(std::fs::read(key).unwrap());
        let signer = crate::token::Signer::from_pem(&pem).unwrap();
        let aud = ["https://kubernetes.default.svc".to_string()];
        signer
            .sign(&crate::token::kube_claims(&crate::token::ClaimsSpec {
                issuer: "https://issuer.example",
                audiences: &aud,
                namespace: "default",
                service_account: "default",
                service_account_uid: "0a0b0c0d",
                pod: Some(("app-0", "1a1b1c1d")),
                now: 1_700_000_000,
                ttl_seconds: 3607,
            }))
            .unwrap()
    }

    #[derive(Debug, Clone)]
    enum Mutation {
        Flip(usize, u8),
        Insert(usize, Vec<u8>),
        Delete(usize, usize),
        Duplicate(usize, usize),
        Truncate(usize),
    }

    fn mutation() -> impl Strategy<Value = Mutation> {
        // Bytes that matter to the grammars: PEM armour, JSON and YAML punctuation, quotes,
        // line endings, base64 padding, multi-byte UTF-8.
        let token = prop_oneof![
            Just(b"-----".to_vec()),
            Just(b"\n".to_vec()),
            Just(b"\r\n".to_vec()),
            Just(b"\"".to_vec()),
            Just(b"'".to_vec()),
            Just(b": ".to_vec()),
            Just(b"- ".to_vec()),
            Just(b"[".to_vec()),
            Just(b"{".to_vec()),
            Just(b"}".to_vec()),
            Just(b",".to_vec()),
            Just(b"#".to_vec()),
            Just(b"=".to_vec()),
            Just(b".".to_vec()),
            Just(b"%2e%2e/".to_vec()),
            Just(b"&a ".to_vec()),
            Just(b"*a".to_vec()),
            Just("\u{2192}".as_bytes().to_vec()),
            Just(b"--service-account-key-file=".to_vec()),
            Just(b"\"d\":\"AQAB\",".to_vec()),
            proptest::collection::vec(any::<u8>(), 1..8),
        ];
        prop_oneof![
            (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
            (any::<usize>(), token).prop_map(|(i, t)| Mutation::Insert(i, t)),
            (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Delete(i, n)),
            (any::<usize>(), 1usize..64).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
            any::<usize>().prop_map(Mutation::Truncate),
        ]
    }

    fn mutate(seed: &[u8], ms: &[Mutation]) -> Vec<u8> {
        let mut v = seed.to_vec();
        for m in ms {
            let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
            match m {
                Mutation::Flip(i, b) if !v.is_empty() => {
                    let i = i % v.len();
                    v[i] ^= b | 1;
                }
                Mutation::Flip(..) => {}
                Mutation::Insert(i, t) => {
                    let i = at(*i, v.len());
                    v.splice(i..i, t.iter().copied());
                }
                Mutation::Delete(i, n) => {
                    let i = at(*i, v.len());
                    let end = (i + n).min(v.len());
                    v.drain(i..end);
                }
                Mutation::Duplicate(i, n) => {
                    let i = at(*i, v.len());
                    let end = (i + n).min(v.len());
                    let piece: Vec<u8> = v[i..end].to_vec();
                    v.splice(i..i, piece);
                }
                Mutation::Truncate(i) => {
                    let i = at(*i, v.len());
                    v.truncate(i);
                }
            }
        }
        v
    }

    fn target(name: &str) -> super::FuzzTarget {
        TARGETS.iter().find(|(n, _)| *n == name).unwrap().1
    }

    /// The fixed budget: cases per target and input kind. cargo-fuzz runs go much further.
    const CASES: u32 = 1500;

    macro_rules! fuzz_budget {
        ($($name:ident),*) => {$(
            mod $name {
                use super::*;

                /// This target's seeds, built once: proptest runs the case body `CASES` times,
                /// and the token seeds are signed with RSA and ECDSA keys.
                fn cached_seeds() -> &'static [Vec<u8>] {
                    static SEEDS: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
                    SEEDS.get_or_init(|| seeds(stringify!($name)))
                }

                proptest! {
                    #![proptest_config(ProptestConfig { cases: CASES, ..ProptestConfig::default() })]

                    #[test]
                    fn arbitrary_bytes(data in proptest::collection::vec(any::<u8>(), 0..1024)) {
                        let _ = target(stringify!($name))(&data);
                    }

                    #[test]
                    fn mutated_seeds(
                        pick in any::<usize>(),
                        ms in proptest::collection::vec(mutation(), 1..6),
                    ) {
                        let seeds = cached_seeds();
                        let input = mutate(&seeds[pick % seeds.len()], &ms);
                        let _ = target(stringify!($name))(&input);
                    }
                }

                /// The seeds reach the checks (a target whose seeds all bounce off the parser
                /// would fuzz nothing but the parser's error paths).
                #[test]
                fn seeds_get_past_the_parser() {
                    for (i, s) in cached_seeds().iter().enumerate() {
                        assert!(target(stringify!($name))(s), "seed {i} was rejected");
                    }
                }
            }
        )*};
    }

    fuzz_budget!(pem, jwks, manifest, token, storage_url);

    /// Every input a fuzzer found is kept in `fuzz/regressions/<target>/` and replayed here.
    #[test]
    fn regressions_replay() {
        // The directory is committed with a README; it must be where this test looks.
        assert!(
            root().join("fuzz/regressions/README.md").is_file(),
            "fuzz/regressions/README.md is missing"
        );
        for (name, f) in TARGETS {
            for p in files_in(&root().join("fuzz/regressions").join(name)) {
                let _ = f(&std::fs::read(&p).unwrap());
            }
        }
    }
}
