//! Every command's `-o json` document against its entry in `docs/json/sakr-output.schema.json`
//! (issue 14.9), checked by an independent validator: the Python `jsonschema` package
//! (draft 2020-12) that the test command installs into `.cache/venv`. Each command runs on
//! fixtures, on the paths that print something different (a pass and a failure, a write and a
//! dry run), and stdout must be exactly one document that the schema accepts.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sakr::keys::secret::Secret;
use sakr::token::{ClaimsSpec, Signer, kube_claims};

use crate::fake_apiserver::{EndpointsMode, FakeCluster, Spec};
use crate::manifest::Node;
use crate::support::{python, sakr, stderr, stdout};

const SCHEMA: &str = "docs/json/sakr-output.schema.json";
const ISSUER: &str = "https://oidc.example.com/cluster-a";

/// Checks the schema itself, then that stdin is one JSON document valid against
/// `#/$defs/<def>`; prints one line per error and exits 10 when it is not.
const VALIDATE: &str = r##"
import json, sys
from jsonschema import Draft202012Validator
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
if sys.argv[2] not in schema["$defs"]:
    sys.exit("no $defs entry " + sys.argv[2])
try:
    doc = json.loads(sys.stdin.read())
except ValueError as e:
    print("stdout is not one JSON document: " + str(e))
    sys.exit(10)
one = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/" + sys.argv[2]}
errors = list(Draft202012Validator(one).iter_errors(doc))
for e in errors:
    print("/" + "/".join(map(str, e.absolute_path)) + ": " + e.message)
sys.exit(10 if errors else 0)
"##;

fn schema_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(SCHEMA)
}

/// Whether `doc` (one JSON document) matches `#/$defs/<def>`: `Err` holds the validator's errors.
fn check(def: &str, doc: &[u8]) -> Result<(), String> {
    let mut child = Command::new(python())
        .args(["-c", VALIDATE])
        .arg(schema_path())
        .arg(def)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running python");
    child.stdin.take().unwrap().write_all(doc).unwrap();
    let out = child.wait_with_output().unwrap();
    match out.status.code() {
        Some(0) => Ok(()),
        Some(10) => Err(String::from_utf8_lossy(&out.stdout).into_owned()),
        _ => panic!(
            "the validator failed (is jsonschema installed? run scripts/test.sh): {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// A command's output: the exit code it is expected to have, and stdout valid against `def`.
pub fn assert_valid(def: &str, out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{def}: {}\n{}",
        stdout(out),
        stderr(out)
    );
    if let Err(errors) = check(def, &out.stdout) {
        panic!(
            "`{def}` -o json output does not match {SCHEMA}:\n{errors}\noutput:\n{}",
            stdout(out)
        );
    }
}

fn mint(key: &Path, now: i64) -> String {
    let signer = Signer::from_pem(&Secret::new(std::fs::read(key).unwrap())).unwrap();
    let aud = [ISSUER.to_string()];
    signer
        .sign(&kube_claims(&ClaimsSpec {
            issuer: ISSUER,
            audiences: &aud,
            namespace: "apps",
            service_account: "web",
            service_account_uid: "uid-1",
            pod: Some(("web-0", "uid-2")),
            now,
            ttl_seconds: 3607,
        }))
        .unwrap()
}

fn keygen(dir: &Path, name: &str, alg: &str) -> Output {
    sakr()
        .args([
            "-o",
            "json",
            "keygen",
            "-a",
            alg,
            "--name",
            name,
            "--out-dir",
        ])
        .arg(dir)
        .output()
        .unwrap()
}

#[test]
fn keygen_kid_and_verify_match_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert_valid("keygen", &keygen(d, "old", "rsa-2048"), 0);
    assert_valid("keygen", &keygen(d, "new", "ecdsa-p384"), 0);

    // Every PEM form kube-apiserver knows, public and private.
    let k8s = crate::support::fixture("k8s");
    let out = sakr()
        .args(["kid", "-o", "json"])
        .arg(d.join("old.key"))
        .arg(d.join("new.pub"))
        .args(["rsa.pub", "rsa.key", "ecdsa.key", "ecdsa.pub"].map(|f| k8s.join(f)))
        .output()
        .unwrap();
    assert_valid("kid", &out, 0);

    let now = jiff::Timestamp::now().as_second();
    let good = d.join("good.jwt");
    std::fs::write(&good, mint(&d.join("new.key"), now)).unwrap();
    let expired = d.join("expired.jwt");
    std::fs::write(&expired, mint(&d.join("old.key"), now - 10 * 86_400)).unwrap();
    let verify = |token: &Path| {
        sakr()
            .args(["verify", "-o", "json", "--token-file"])
            .arg(token)
            .arg("--expect-key")
            .arg(d.join("new.pub"))
            .args(["--issuer", ISSUER])
            .output()
            .unwrap()
    };
    assert_valid("verify", &verify(&good), 0);
    // Wrong key and expired: the failing checks are in the same shape, with exit 1.
    assert_valid("verify", &verify(&expired), 1);
}

#[test]
fn publish_matches_the_schema_written_dry_run_and_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for name in ["a", "b"] {
        assert!(keygen(d, name, "ecdsa-p256").status.success());
    }
    let site = d.join("site");
    let publish = |keys: &[&str], extra: &[&str]| {
        let mut c = sakr();
        c.args(["publish", "-o", "json", "--issuer", ISSUER, "--to"])
            .arg(format!("file://{}", site.display()));
        for k in keys {
            c.arg("--key").arg(d.join(format!("{k}.pub")));
        }
        c.args(extra).output().unwrap()
    };
    assert_valid("publish", &publish(&["a"], &["--dry-run"]), 0);
    assert_valid("publish", &publish(&["a"], &[]), 0);
    assert_valid("publish", &publish(&["a"], &[]), 0);
    assert_valid("publish", &publish(&["a", "b"], &["--dry-run"]), 0);
    assert_valid("publish", &publish(&["b"], &["--allow-removal"]), 0);
}

#[test]
fn drift_matches_the_schema_in_agreement_and_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (name, alg) in [("old", "rsa-2048"), ("new", "ecdsa-p256")] {
        assert!(keygen(d, name, alg).status.success());
    }
    let public = |name: &str| {
        sakr::keys::parse_pem_file(&std::fs::read(d.join(format!("{name}.pub"))).unwrap())
            .unwrap()
            .blocks[0]
            .key
            .clone()
    };
    let (old, new) = (public("old"), public("new"));
    let spec = |apiservers: Vec<Vec<sakr::keys::PublicKey>>, published| Spec {
        signing_key: Secret::new(std::fs::read(d.join("new.key")).unwrap()),
        apiserver_keys: apiservers,
        published,
        service_accounts: vec![("default".into(), "default".into())],
        pods: vec![],
        endpoints: EndpointsMode::Slices,
        exec_v4_only: false,
        distinct_hosts: false,
    };
    let drift = |fake: &FakeCluster| {
        sakr()
            .args([
                "drift",
                "-o",
                "json",
                "--issuer",
                &fake.issuer,
                "--kubeconfig",
            ])
            .arg(&fake.kubeconfig)
            .arg("--ca")
            .arg(&fake.ca_file)
            .arg("--key")
            .arg(d.join("new.pub"))
            .output()
            .unwrap()
    };
    let fake = FakeCluster::start(spec(
        vec![
            vec![old.clone(), new.clone()],
            vec![old.clone(), new.clone()],
        ],
        Some(vec![old.clone(), new.clone()]),
    ));
    assert_valid("drift", &drift(&fake), 0);
    drop(fake);
    // The signing kid served by one apiserver of two and not published: findings, exit 1.
    let fake = FakeCluster::start(spec(
        vec![vec![old.clone(), new.clone()], vec![old.clone()]],
        Some(vec![old.clone()]),
    ));
    let out = drift(&fake);
    assert_valid("drift", &out, 1);
    assert!(stdout(&out).contains("signing-kid-not-published"));
}

#[test]
fn rotate_start_next_status_and_abort_match_the_schema() {
    let node = Node::new();
    let state = node.root.path().join("rotation.json");
    let published = node.root.path().join("published");
    std::fs::create_dir_all(&published).unwrap();
    let out = sakr()
        .args(["rotate", "start", "-o", "json", "--single-node"])
        .args(["--name", "sa-next", "-a", "ecdsa-p256", "--state"])
        .arg(&state)
        .arg("--no-public-check")
        .args(["--cache-control", "public, max-age=0"])
        .arg("--publish-to")
        .arg(format!("file://{}", published.display()))
        .args(["--issuer", ISSUER])
        .arg("--manifests-dir")
        .arg(node.manifests())
        .arg("--host-root")
        .arg(node.root.path())
        .arg("--backup-dir")
        .arg(node.backup_dir())
        .output()
        .unwrap();
    assert_valid("rotate_start", &out, 0);
    let rotate = |args: &[&str]| {
        sakr()
            .arg("rotate")
            .args(args)
            .args(["-o", "json", "--state"])
            .arg(&state)
            .output()
            .unwrap()
    };
    assert_valid("rotate_status", &rotate(&["status"]), 0);
    assert_valid("rotate_next", &rotate(&["next", "--dry-run"]), 0);
    // publish (with its publish report), trust, switch (with manifest diffs).
    for _ in 0..3 {
        assert_valid("rotate_next", &rotate(&["next"]), 0);
    }
    assert_valid("rotate_status", &rotate(&["status"]), 0);
    assert_valid("rotate_abort", &rotate(&["abort", "--dry-run"]), 0);
    assert_valid("rotate_abort", &rotate(&["abort"]), 0);
    assert_valid("rotate_status", &rotate(&["status"]), 0);
}

#[test]
fn rehearse_matches_the_schema() {
    let out = sakr().args(["rehearse", "-o", "json"]).output().unwrap();
    assert_valid("rehearse", &out, 0);
    let out = sakr()
        .args(["rehearse", "-o", "json", "--nodes", "2", "-a", "ecdsa-p256"])
        .output()
        .unwrap();
    assert_valid("rehearse", &out, 0);
}

/// The validator is not a rubber stamp: the schema refuses a document with a field renamed, one
/// missing, and one of the wrong type.
#[test]
fn the_schema_rejects_documents_that_drift_from_it() {
    let kid = "a".repeat(43);
    let good = serde_json::json!({"kid": kid, "alg": "ES256", "algorithm": "ecdsa-p256",
        "private_key": "k.key", "public_key": "k.pub"});
    check("keygen", good.to_string().as_bytes()).unwrap();
    let mut renamed = good.clone();
    renamed["privateKey"] = renamed["private_key"].take();
    renamed.as_object_mut().unwrap().remove("private_key");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("kid");
    let mut wrong = good.clone();
    wrong["alg"] = serde_json::json!("HS256");
    for (what, doc) in [("renamed", renamed), ("missing", missing), ("wrong", wrong)] {
        assert!(
            check("keygen", doc.to_string().as_bytes()).is_err(),
            "{what}: {doc}"
        );
    }
    // Two documents on stdout are not one document.
    assert!(check("keygen", format!("{good}\n{good}").as_bytes()).is_err());
}

/// Commands whose output is not a report: the document itself (jwks, discovery), a script
/// (completions), or a schema kept in its own file.
const NOT_HERE: &[(&str, &str)] = &[
    ("jwks", "prints the JWKS itself, whatever -o says"),
    ("discovery", "prints the discovery document itself"),
    ("completions", "prints a shell script"),
    (
        "signer serve",
        "a long-running server: log lines on stderr, no document",
    ),
    (
        "manifest show",
        "docs/json/manifest-show.schema.json (being redesigned, issue 14.9)",
    ),
];

/// Every subcommand that prints JSON has its `$defs` entry (named with `_` for spaces), and
/// every command entry is a real command: a new command fails here until its JSON is described.
#[test]
fn every_command_with_json_output_has_a_schema_entry() {
    fn leaves(cmd: &clap::Command, prefix: &str, out: &mut Vec<String>) {
        for sub in cmd.get_subcommands() {
            let name = format!("{prefix}{}", sub.get_name()).trim().to_string();
            if sub.has_subcommands() {
                leaves(sub, &format!("{name} "), out);
            } else {
                out.push(name);
            }
        }
    }
    let mut commands = Vec::new();
    leaves(
        &<sakr::cli::Cli as clap::CommandFactory>::command(),
        "",
        &mut commands,
    );
    let schema: serde_json::Value =
        serde_json::from_slice(&std::fs::read(schema_path()).unwrap()).unwrap();
    let defs = schema["$defs"].as_object().unwrap();
    let mut missing = Vec::new();
    for c in &commands {
        let key = c.replace(' ', "_");
        let elsewhere = NOT_HERE.iter().any(|(n, _)| n == c);
        if !elsewhere && !defs.contains_key(&key) {
            missing.push(c.clone());
        }
        assert!(
            !(elsewhere && defs.contains_key(&key)),
            "{c} is both in NOT_HERE and in {SCHEMA}"
        );
    }
    assert!(
        missing.is_empty(),
        "commands without a $defs entry in {SCHEMA}: {missing:?} (describe their -o json \
         output there, or list them in NOT_HERE with the reason)"
    );
    for (n, _) in NOT_HERE {
        assert!(
            commands.contains(&n.to_string()),
            "NOT_HERE names {n}: no such command"
        );
    }
    // Each command's own entry says which command it describes.
    for c in commands
        .iter()
        .filter(|c| defs.contains_key(&c.replace(' ', "_")))
    {
        let description = defs[&c.replace(' ', "_")]["description"]
            .as_str()
            .unwrap_or_default();
        assert!(
            description.contains(&format!("`sakr {c} -o json`")),
            "$defs/{}: its description should name `sakr {c} -o json`",
            c.replace(' ', "_")
        );
    }
}

#[test]
fn manifest_edits_match_the_schema() {
    // The node tree already holds sa-new.key / sa-new.pub beside sa.key / sa.pub.
    let node = crate::manifest::Node::new();
    let run = |args: &[&str]| {
        sakr()
            .args(["-o", "json", "manifest"])
            .args(crate::support::flags_layout(args))
            .arg("--manifests-dir")
            .arg(node.manifests())
            .arg("--host-root")
            .arg(node.root.path())
            .output()
            .unwrap()
    };
    let trust = ["trust", "/etc/kubernetes/pki/sa-new.pub"];
    let dry: Vec<&str> = trust.iter().copied().chain(["--dry-run"]).collect();
    assert_valid("manifest_trust", &run(&dry), 0);
    let backup = node.backup_dir();
    let b = backup.to_str().unwrap();
    let applied: Vec<&str> = trust.iter().copied().chain(["--backup-dir", b]).collect();
    let out = run(&applied);
    assert_valid("manifest_trust", &out, 0);
    assert_eq!(
        crate::support::json(&out)["changes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let again = run(&applied);
    assert_valid("manifest_trust", &again, 0);
    assert_eq!(crate::support::json(&again)["already"], true);
    let sign = [
        "sign-with",
        "/etc/kubernetes/pki/sa-new.key",
        "--backup-dir",
        b,
    ];
    assert_valid("manifest_sign-with", &run(&sign), 0);
    let retire = [
        "retire",
        "/etc/kubernetes/pki/sa.pub",
        "--backup-dir",
        b,
        "--dry-run",
    ];
    assert_valid("manifest_retire", &run(&retire), 0);
}
