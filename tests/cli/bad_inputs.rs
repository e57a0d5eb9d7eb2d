//! The bad-input catalogue (issue 7): every case in `tests/bad_inputs/*.toml` runs the real
//! binary on a scratch node tree (kubeadm manifests, keys, a JWKS, a published file:// site, a
//! token) with one thing wrong, and must
//!
//! - exit 2 (usage, input or runtime error — DESIGN §3);
//! - say so on stderr, naming the file, field, flag or URL at fault (`expect` substrings) and
//!   nothing on stdout;
//! - leave every file of the tree as it was (bytes, modes, no new temp file) and, for the cases
//!   against a real S3 server (moto), every object in the bucket;
//! - never print a secret the case planted (`secret`).
//!
//! `docs/bad-inputs.md` is generated from the catalogue and the messages sakr actually printed;
//! a test fails when it is stale (`SAKR_REGENERATE=1 cargo test --test cli bad_inputs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::servers::procs;
use crate::support::*;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Catalogue {
    /// What this file covers (a heading in the docs).
    title: String,
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    /// What is wrong, for the docs table.
    what: String,
    /// sakr's arguments; `{root}` is the scratch tree, `{s3}` the moto endpoint.
    args: Vec<String>,
    /// Substrings stderr must contain (after substitution).
    expect: Vec<String>,
    /// Files to create or replace, relative to the root.
    #[serde(default)]
    files: BTreeMap<String, String>,
    /// Files of this many bytes (`A` repeated).
    #[serde(default)]
    sizes: BTreeMap<String, usize>,
    /// Symbolic links: path → target.
    #[serde(default)]
    links: BTreeMap<String, String>,
    /// Files of the tree to remove first.
    #[serde(default)]
    remove: Vec<String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    #[serde(default)]
    stdin: Option<String>,
    /// Must appear in neither stdout nor stderr.
    #[serde(default)]
    secret: Option<String>,
    /// Run against a real S3 server whose bucket must be unchanged afterwards.
    #[serde(default)]
    s3: bool,
}

const BUCKET: &str = "sakr-bad-inputs";
const ISSUER: &str = "https://issuer.example/cluster";
const REGENERATE: &str = "SAKR_REGENERATE=1 cargo test --test cli bad_inputs";

fn catalogue() -> Vec<(String, Catalogue)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bad_inputs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let c: Catalogue =
                toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.file_stem().unwrap().to_string_lossy().into_owned(), c)
        })
        .collect()
}

/// The scratch node every case starts from.
fn workspace(root: &Path) {
    let m = root.join("etc/kubernetes/manifests");
    let pki = root.join("etc/kubernetes/pki");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::create_dir_all(&pki).unwrap();
    for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
        std::fs::copy(fixture(&format!("manifests/{f}")), m.join(f)).unwrap();
    }
    for (from, to) in [
        ("rsa.key", "sa.key"),
        ("rsa.pub", "sa.pub"),
        ("ecdsa.key", "sa-new.key"),
        ("ecdsa.pub", "sa-new.pub"),
    ] {
        std::fs::copy(fixture(&format!("k8s/{from}")), pki.join(to)).unwrap();
    }
    std::fs::set_permissions(
        pki.join("sa.key"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let jwks = std::fs::read(fixture("k8s/expected-jwks.json")).unwrap();
    let discovery = std::fs::read(fixture("k8s/expected-discovery.json")).unwrap();
    std::fs::write(root.join("jwks.json"), &jwks).unwrap();
    std::fs::write(root.join("discovery.json"), &discovery).unwrap();
    let site = root.join("published");
    std::fs::create_dir_all(site.join("openid/v1")).unwrap();
    std::fs::create_dir_all(site.join(".well-known")).unwrap();
    std::fs::write(site.join("openid/v1/jwks"), &jwks).unwrap();
    std::fs::write(site.join(".well-known/openid-configuration"), &discovery).unwrap();
    std::fs::write(root.join("token"), crate::rotate::mint(&pki.join("sa.key"))).unwrap();
}

fn substitute(s: &str, root: &Path, s3: Option<&str>) -> String {
    let mut s = s.replace("{root}", &root.display().to_string());
    if let Some(s3) = s3 {
        s = s.replace("{s3}", s3);
    }
    s
}

/// Every object of the bucket with its ETag, size and time (via the boto3 that moto brings).
fn bucket_listing(endpoint: &str) -> String {
    let script = format!(
        "import boto3\n\
         s3 = boto3.client('s3', endpoint_url='{endpoint}', region_name='us-east-1',\n\
                           aws_access_key_id='testing', aws_secret_access_key='testing')\n\
         for o in s3.list_objects_v2(Bucket='{BUCKET}').get('Contents', []):\n\
         \x20   print(o['Key'], o['ETag'], o['Size'], o['LastModified'].isoformat())\n"
    );
    let out = std::process::Command::new(procs::venv_python())
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(out.status.success(), "listing: {}", stderr(&out));
    stdout(&out)
}

struct S3 {
    server: procs::Server,
}

impl S3 {
    /// moto with a bucket that already holds a published JWKS and discovery document.
    fn start() -> S3 {
        let server = procs::moto();
        let r =
            crate::servers::http::request("PUT", &format!("{}/{BUCKET}", server.base_url()), b"")
                .expect("create bucket");
        assert_eq!(r.status, 200, "create bucket: {r:?}");
        let dir = tempfile::tempdir().unwrap();
        let mut c = sakr();
        aws_env(&mut c);
        c.args(["publish", "--to", &format!("s3://{BUCKET}/cluster")])
            .args(["--issuer", ISSUER, "--endpoint", &server.base_url()])
            .arg("--key")
            .arg(fixture("k8s/rsa.pub"))
            .current_dir(dir.path())
            .assert()
            .success();
        let s3 = S3 { server };
        assert!(
            bucket_listing(&s3.endpoint()).contains("cluster/openid/v1/jwks"),
            "setup published nothing"
        );
        s3
    }

    fn endpoint(&self) -> String {
        self.server.base_url()
    }
}

/// The environment variables a developer's shell may hold that would change a case's outcome.
const HERMETIC: &[&str] = &[
    "KUBECONFIG",
    "AWS_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AZURE_STORAGE_SAS_TOKEN",
    "AZURE_STORAGE_KEY",
    "AZURE_STORAGE_ACCESS_KEY",
    "AZURE_STORAGE_CONNECTION_STRING",
    "AZURE_CLIENT_ID",
    "AZURE_TENANT_ID",
    "AZURE_FEDERATED_TOKEN_FILE",
    "NO_COLOR",
];

/// Runs one case; returns the first line sakr printed on stderr (with paths as `{root}`), or
/// what was wrong with the outcome.
fn run_case(file: &str, case: &Case, s3: Option<&S3>) -> Result<String, String> {
    let id = format!("{file}/{}", case.name);
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("node");
    std::fs::create_dir(&root).unwrap();
    workspace(&root);
    let endpoint = s3.map(S3::endpoint);
    let sub = |s: &str| substitute(s, &root, endpoint.as_deref());
    for rel in &case.remove {
        std::fs::remove_file(root.join(rel)).unwrap_or_else(|e| panic!("{id}: remove {rel}: {e}"));
    }
    for (rel, text) in &case.files {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, sub(text)).unwrap();
    }
    for (rel, size) in &case.sizes {
        std::fs::write(root.join(rel), vec![b'A'; *size]).unwrap();
    }
    for (rel, to) in &case.links {
        std::os::unix::fs::symlink(sub(to), root.join(rel)).unwrap();
    }
    let before = snapshot(tmp.path());
    let listing_before = endpoint.as_deref().map(bucket_listing);

    let mut c = sakr();
    for v in HERMETIC {
        c.env_remove(v);
    }
    c.env("HOME", tmp.path()).current_dir(&root);
    if case.s3 {
        aws_env(&mut c);
    }
    for (k, v) in &case.env {
        c.env(k, sub(v));
    }
    c.args(case.args.iter().map(|a| sub(a)));
    if let Some(input) = &case.stdin {
        c.write_stdin(input.as_bytes());
    }
    let out = c.output().unwrap();
    let err = stderr(&out);

    let mut wrong = Vec::new();
    if out.status.code() != Some(2) {
        wrong.push(format!("exit code {:?}, not 2", out.status.code()));
    }
    for want in &case.expect {
        let want = sub(want);
        if !err.contains(&want) {
            wrong.push(format!("stderr lacks {want:?}"));
        }
    }
    if !out.stdout.is_empty() {
        wrong.push(format!("printed data on a failure: {}", stdout(&out)));
    }
    if let Some(secret) = &case.secret
        && (err.contains(secret.as_str()) || stdout(&out).contains(secret.as_str()))
    {
        wrong.push("the secret reached the output".into());
    }
    let after = snapshot(tmp.path());
    if before != after {
        let changed: Vec<_> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(v))
            .map(|(k, _)| k)
            .chain(before.keys().filter(|k| !after.contains_key(*k)))
            .collect();
        wrong.push(format!("the tree changed: {changed:?}"));
    }
    if let (Some(ep), Some(listing)) = (endpoint.as_deref(), listing_before)
        && bucket_listing(ep) != listing
    {
        wrong.push("the bucket changed".into());
    }
    // The message as documented: the error line, and for usage errors the indented lines that
    // follow it (clap lists the missing arguments there).
    let mut lines = err
        .lines()
        .skip_while(|l| !(l.starts_with("sakr: ") || l.starts_with("error: ")));
    let line = lines.next().map(|first| {
        let mut msg = first.to_string();
        for more in lines.by_ref().take_while(|l| l.starts_with("  ")) {
            msg.push(' ');
            msg.push_str(more.trim());
        }
        msg
    });
    if line.is_none() {
        wrong.push("no error line on stderr".into());
    }
    if !wrong.is_empty() {
        return Err(format!("{id}: {}\n  stderr: {err}", wrong.join("; ")));
    }
    let line = line.unwrap_or_default();
    let mut line = line.replace(&root.display().to_string(), "{root}");
    if let Some(ep) = &endpoint {
        line = line.replace(ep.as_str(), "{s3}");
    }
    Ok(line)
}

#[test]
fn every_bad_input_exits_2_names_the_cause_and_changes_nothing() {
    let cat = catalogue();
    let total: usize = cat.iter().map(|(_, c)| c.cases.len()).sum();
    assert!(
        total >= 40,
        "the catalogue has {total} cases; the issue asks for 40"
    );
    let mut names = std::collections::HashSet::new();
    for (file, c) in &cat {
        for case in &c.cases {
            assert!(
                names.insert(format!("{file}/{}", case.name)),
                "duplicate {}",
                case.name
            );
        }
    }
    let s3 = cat
        .iter()
        .any(|(_, c)| c.cases.iter().any(|k| k.s3))
        .then(S3::start);

    let mut doc = String::from(
        "# Bad inputs\n\n\
         Generated from `tests/bad_inputs/*.toml` by `tests/cli/bad_inputs.rs`, with the message \
         sakr printed in the test run (`{root}` is the scratch node tree, `{s3}` the local S3 \
         server). Every case exits 2, names its cause, prints nothing on stdout, and leaves \
         every file — and every object of the S3 bucket — as it was.\n\
         Regenerate with `",
    );
    doc.push_str(REGENERATE);
    doc.push_str("`.\n");
    let mut failures = Vec::new();
    for (file, c) in &cat {
        doc.push_str(&format!(
            "\n## {} (`tests/bad_inputs/{file}.toml`)\n\n| case | input | sakr says |\n|---|---|---|\n",
            c.title
        ));
        for case in &c.cases {
            let msg = match run_case(file, case, if case.s3 { s3.as_ref() } else { None }) {
                Ok(msg) => msg,
                Err(wrong) => {
                    failures.push(wrong);
                    continue;
                }
            };
            let cell = |s: &str| s.replace('|', "\\|");
            let code = if msg.contains('`') {
                format!("`` {msg} ``")
            } else {
                format!("`{msg}`")
            };
            doc.push_str(&format!(
                "| `{}` | {} | {} |\n",
                case.name,
                cell(&case.what),
                cell(&code)
            ));
        }
    }
    doc.push_str(&format!("\n{total} cases.\n"));
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );

    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/bad-inputs.md");
    if std::env::var_os("SAKR_REGENERATE").is_some() {
        std::fs::write(&path, &doc).unwrap();
    } else {
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == doc,
            "docs/bad-inputs.md is stale: run `{REGENERATE}` and commit it"
        );
    }
}
