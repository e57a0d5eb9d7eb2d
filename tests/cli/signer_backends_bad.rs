//! Bad backend entries (issue 20's must-show): each is refused by `signer status` with exit 2
//! and a message naming the file and the entry (never the PIN), and a running signer that is
//! sent the same file with SIGHUP keeps serving the set it had. Real SoftHSM2 tokens and moto's
//! KMS, as in `signer_backends.rs`.

use std::path::Path;
use std::time::{Duration, Instant};

use crate::servers::procs;
use crate::signer_backends::{
    Keys, PIN, SoftHsm, fetch, kms_env, module, ok, play, run, serve_with,
};
use crate::support::*;

/// A KMS key that cannot sign (ENCRYPT_DECRYPT), made with boto3 from the test venv.
fn encrypt_only_key(moto: &procs::Server) -> String {
    let out = std::process::Command::new(procs::venv_python())
        .arg("-c")
        .arg(format!(
            "import boto3; c = boto3.client('kms', endpoint_url='{}', region_name='us-east-1', \
             aws_access_key_id='testing', aws_secret_access_key='testing'); \
             print(c.create_key(KeySpec='RSA_2048', KeyUsage='ENCRYPT_DECRYPT')['KeyMetadata']['Arn'])",
            moto.base_url()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out).trim().to_string()
}

fn failed_reloads(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("failed, the running key set stays")
        .count()
}

#[test]
fn bad_backend_entries_exit_2_naming_the_entry_and_the_running_set_stays() {
    let module = module();
    let hsm = SoftHsm::new();
    hsm.init_token("good", PIN);
    hsm.init_token("other", "other-pin-0000");
    let pin_file = hsm.pin_file("pin", PIN);
    let wrong_pin = hsm.pin_file("wrong", "not-the-pin");
    let moto = procs::moto();
    let mut env = kms_env(&moto);
    env.extend(hsm.env());
    let work = tempfile::tempdir().unwrap();
    let w = work.path();
    let config = w.join("signer.json");
    let cfg = config.to_str().unwrap();
    ok(
        &[
            "signer",
            "init",
            "--config",
            cfg,
            "--generate",
            "ecdsa-p256",
            "--key-dir",
            w.join("keys").to_str().unwrap(),
        ],
        &env,
    );
    ok(
        &[
            "signer",
            "add",
            "--config",
            cfg,
            "--name",
            "hsm",
            "--pkcs11",
            &module,
            "--token-label",
            "good",
            "--key-label",
            "hsm-1",
            "--pin-file",
            pin_file.to_str().unwrap(),
            "--generate",
            "ecdsa-p256",
        ],
        &env,
    );
    keygen(w, "old", "ecdsa-p256");
    let good: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    let s = serve_with(&config, &env);
    let log = s._dir.path().join("serve.log");
    let before: Keys = fetch(&s.socket);
    assert_eq!(before.len(), 2);

    let pkcs11 = |token: &str, label: &str, pin: serde_json::Value| {
        let mut e = serde_json::json!({
            "name": "bad", "backend": "pkcs11", "module": module,
            "token_label": token, "key_label": label,
        });
        e.as_object_mut()
            .unwrap()
            .extend(pin.as_object().unwrap().clone());
        e
    };
    let missing_pin = w.join("no-such.pin");
    let cases: Vec<(&str, serde_json::Value, &str)> = vec![
        (
            "unreadable PIN file",
            pkcs11(
                "good",
                "hsm-1",
                serde_json::json!({"pin_file": missing_pin}),
            ),
            "no-such.pin",
        ),
        (
            "PIN variable not set",
            pkcs11(
                "good",
                "hsm-1",
                serde_json::json!({"pin_env": "SAKR_TEST_NO_SUCH_PIN"}),
            ),
            "pin_env SAKR_TEST_NO_SUCH_PIN: the variable is not set",
        ),
        (
            "wrong PIN (a token the signer is not logged in to)",
            pkcs11("other", "hsm-1", serde_json::json!({"pin_file": wrong_pin})),
            "PIN",
        ),
        (
            "wrong PIN (the token the running set is logged in to)",
            pkcs11("good", "hsm-1", serde_json::json!({"pin_file": wrong_pin})),
            "PIN",
        ),
        (
            "no such key label on the token",
            pkcs11("good", "nope", serde_json::json!({"pin_file": pin_file})),
            "no private key labelled \"nope\"",
        ),
        (
            "no such token",
            pkcs11("absent", "hsm-1", serde_json::json!({"pin_file": pin_file})),
            "no token labelled \"absent\"",
        ),
        (
            "KMS key that does not exist",
            serde_json::json!({"name": "bad", "backend": "awskms",
                "key_id": "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000"}),
            "NotFoundException",
        ),
        (
            "KMS key for ENCRYPT_DECRYPT",
            serde_json::json!({"name": "bad", "backend": "awskms", "key_id": encrypt_only_key(&moto)}),
            "key usage ENCRYPT_DECRYPT, not SIGN_VERIFY",
        ),
        (
            "public key marked active",
            serde_json::json!({"name": "bad", "backend": "public", "path": w.join("old.pub"), "active": true}),
            "a public key cannot be active",
        ),
        (
            "pkcs11 without module",
            serde_json::json!({"name": "bad", "backend": "pkcs11", "token_label": "good",
                "key_label": "hsm-1", "pin_file": pin_file}),
            "needs an absolute `module`",
        ),
        (
            "both pin_file and pin_env",
            pkcs11(
                "good",
                "hsm-1",
                serde_json::json!({"pin_file": pin_file, "pin_env": "X"}),
            ),
            "not both",
        ),
        (
            "awskms without key_id",
            serde_json::json!({"name": "bad", "backend": "awskms", "region": "us-east-1"}),
            "needs `key_id`",
        ),
    ];
    let mut rows = Vec::new();
    for (what, entry, expect) in cases {
        let mut bad = good.clone();
        let active = entry["active"].as_bool() == Some(true);
        if active {
            bad["keys"][0]["active"] = false.into();
        }
        bad["keys"].as_array_mut().unwrap().push(entry);
        std::fs::write(&config, bad.to_string()).unwrap();
        let out = run(&["signer", "status", "--config", cfg], &env);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(cfg), "{what}: names the file: {err}");
        assert!(
            err.contains("key \"bad\""),
            "{what}: names the entry: {err}"
        );
        assert!(err.contains(expect), "{what}: {err}");
        assert!(
            !err.contains(PIN) && !err.contains("not-the-pin"),
            "{what}: a PIN leaked"
        );
        // The running signer is told to reload the same file: it refuses and keeps its set.
        let n = failed_reloads(&log);
        assert!(
            std::process::Command::new("kill")
                .args(["-HUP", &s.child.id().to_string()])
                .status()
                .unwrap()
                .success()
        );
        let t = Instant::now();
        while failed_reloads(&log) == n {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "{what}: no reload logged"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(fetch(&s.socket), before, "{what}: the running set changed");
        rows.push(format!("{what}: exit 2, {}", err.trim()));
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        !text.contains(PIN) && !text.contains("not-the-pin"),
        "a PIN reached the log"
    );
    assert!(
        text.contains("the PIN differs from the one this process logged in with"),
        "a wrong PIN for a token the signer is logged in to is caught: {text}"
    );
    // Still signing with the set it had.
    let (keys, token) = play(&s.socket);
    assert_eq!(keys, before);
    token.expect("Sign still works");
    eprintln!("{}", rows.join("\n"));

    // Usage errors: wrong flag combinations exit 2 before anything happens.
    for args in [
        vec![
            "--pkcs11",
            module.as_str(),
            "--token-label",
            "t",
            "--key-label",
            "k",
        ],
        vec!["--key", "/x.pem", "--awskms", "alias/x"],
        vec!["--generate", "rsa-2048"],
        vec!["--awskms", "alias/x", "--pin-file", "/p"],
    ] {
        let mut full = vec!["signer", "init", "--config", "/nonexistent/new.json"];
        full.extend(args.iter().copied());
        let out = run(&full, &env);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
}
