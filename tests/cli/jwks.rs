//! `sakr jwks` and `sakr discovery` against Kubernetes' own vectors and bad inputs.

use crate::support::*;

const RSA_KID: &str = "JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU";
const EC_KID: &str = "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc";

fn expected_jwks() -> Vec<u8> {
    std::fs::read(fixture("k8s/expected-jwks.json")).unwrap()
}

#[test]
fn byte_identical_to_kube_apiserver_from_public_and_private_inputs() {
    for (a, b) in [
        ("rsa.pub", "ecdsa.pub"),
        ("rsa.key", "ecdsa.key"),
        ("rsa.pub", "ecdsa.key"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out_file = dir.path().join("jwks.json");
        sakr()
            .arg("jwks")
            .arg("--key")
            .arg(fixture(&format!("k8s/{a}")))
            .arg("--key")
            .arg(fixture(&format!("k8s/{b}")))
            .arg("--out")
            .arg(&out_file)
            .assert()
            .success();
        assert_eq!(
            std::fs::read(&out_file).unwrap(),
            expected_jwks(),
            "{a} {b}"
        );
        // stdout: the same document plus a newline.
        let out = sakr()
            .arg("jwks")
            .arg("--key")
            .arg(fixture(&format!("k8s/{a}")))
            .arg("--key")
            .arg(fixture(&format!("k8s/{b}")))
            .output()
            .unwrap();
        let mut want = expected_jwks();
        want.push(b'\n');
        assert_eq!(out.stdout, want);
    }
}

#[test]
fn discovery_byte_identical_to_kube_apiserver() {
    for source in [
        vec![
            "--key".to_string(),
            fixture("k8s/rsa.pub").display().to_string(),
            "--key".into(),
            fixture("k8s/ecdsa.key").display().to_string(),
        ],
        vec![
            "--jwks".to_string(),
            fixture("k8s/expected-jwks.json").display().to_string(),
        ],
    ] {
        let out = sakr()
            .args(["discovery", "--issuer", "https://issuer.example.com"])
            .args(&source)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        let want = std::fs::read_to_string(fixture("k8s/expected-discovery.json")).unwrap();
        assert_eq!(stdout(&out), format!("{want}\n"));
    }
}

#[test]
fn discovery_jwks_uri_rules() {
    let out = sakr()
        .args([
            "discovery",
            "--issuer",
            "https://issuer.example.com/cluster-a/",
            "--key",
        ])
        .arg(fixture("k8s/rsa.pub"))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["jwks_uri"],
        "https://issuer.example.com/cluster-a/openid/v1/jwks"
    );
    assert_eq!(doc["issuer"], "https://issuer.example.com/cluster-a/");
    assert_eq!(
        doc["id_token_signing_alg_values_supported"],
        serde_json::json!(["RS256"])
    );

    for (issuer, jwks_uri, cause) in [
        ("http://issuer.example.com", None, "must use https"),
        ("https://issuer.example.com?x=1", None, "query or fragment"),
        ("https://issuer.example.com#f", None, "query or fragment"),
        ("issuer.example.com", None, "not a valid URL"),
        (
            "https://issuer.example.com",
            Some("http://issuer.example.com/jwks"),
            "jwks_uri",
        ),
    ] {
        let mut cmd = sakr();
        cmd.args(["discovery", "--issuer", issuer, "--key"])
            .arg(fixture("k8s/rsa.pub"));
        if let Some(u) = jwks_uri {
            cmd.args(["--jwks-uri", u]);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{issuer}");
        assert!(stderr(&out).contains(cause), "{issuer}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(jwks_uri.unwrap_or(issuer)),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn merge_keeps_existing_first_and_drops_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    sakr()
        .args([
            "keygen",
            "-q",
            "-a",
            "ecdsa-p384",
            "--name",
            "new",
            "--out-dir",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let new_kid = openssl_kid("cat new.pub", dir.path());
    let out = sakr()
        .arg("jwks")
        .arg("--jwks")
        .arg(fixture("k8s/expected-jwks.json"))
        .arg("--key")
        .arg(fixture("k8s/rsa.key"))
        .arg("--key")
        .arg(dir.path().join("new.pub"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let doc = json(&out);
    assert_eq!(jwks_kids(&doc), [RSA_KID, EC_KID, new_kid.as_str()]);
    assert!(stderr(&out).contains(&format!("kid {RSA_KID} appears more than once")));
    // P-384 coordinates are 48 bytes: 64 base64url characters.
    assert_eq!(doc["keys"][2]["x"].as_str().unwrap().len(), 64);
    assert_eq!(doc["keys"][2]["crv"], "P-384");

    let out = sakr()
        .arg("jwks")
        .arg("--jwks")
        .arg(fixture("k8s/expected-jwks.json"))
        .args(["--drop-kid", RSA_KID])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(jwks_kids(&json(&out)), [EC_KID]);
}

#[test]
fn bad_jwks_inputs_exit_2_naming_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let good = String::from_utf8(expected_jwks()).unwrap();
    let cases = [
        (
            "malformed.json",
            "{\"keys\":[".to_string(),
            "not valid JSON",
        ),
        ("notjwks.json", "{\"kids\":[]}".to_string(), "not a JWKS"),
        (
            "kty.json",
            r#"{"keys":[{"kty":"OKP","crv":"Ed25519","x":"AA","kid":"x"}]}"#.to_string(),
            "keys[0] (kid x): unsupported `kty`",
        ),
        (
            "missing.json",
            r#"{"keys":[{"kty":"RSA","kid":"x","n":"AQAB"}]}"#.to_string(),
            "keys[0] (kid x): missing `e`",
        ),
        (
            "lyingkid.json",
            good.replacen(EC_KID, "bogus", 1),
            "keys[1] (kid bogus): `kid` does not match",
        ),
        ("alg.json", good.replacen("ES256", "RS256", 1), "keys[1]"),
    ];
    for (name, body, cause) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &body).unwrap();
        let out_file = dir.path().join("out.json");
        let out = sakr()
            .arg("jwks")
            .arg("--jwks")
            .arg(&path)
            .arg("--out")
            .arg(&out_file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(err.contains(name), "{name}: {err}");
        assert!(err.contains(cause), "{name}: {err}");
        assert!(!out_file.exists(), "{name}: nothing written");
    }

    let out = sakr()
        .arg("jwks")
        .arg("--key")
        .arg(fixture("k8s/rsa.pub"))
        .args(["--drop-kid", "not-there"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--drop-kid not-there"));
}

#[test]
fn private_parameters_in_an_existing_jwks_never_come_out() {
    let dir = tempfile::tempdir().unwrap();
    let mut doc: serde_json::Value = serde_json::from_slice(&expected_jwks()).unwrap();
    for (k, v) in [
        ("d", "AQAB"),
        ("p", "AQAB"),
        ("q", "AQAB"),
        ("dp", "AQAB"),
        ("dq", "AQAB"),
        ("qi", "AQAB"),
    ] {
        doc["keys"][0][k] = serde_json::Value::String(v.into());
    }
    let path = dir.path().join("leaky.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = sakr()
        .arg("jwks")
        .arg("--jwks")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, [expected_jwks(), b"\n".to_vec()].concat());
    assert!(stderr(&out).contains("contains private key parameters"));
}

/// Many key files are read on several threads: the JWKS keeps argument order, and the error
/// names the first bad file in argument order, as for a few files.
#[test]
fn many_keys_keep_their_order_and_the_first_bad_file_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for i in 0..24 {
        let alg = if i % 2 == 0 {
            "ecdsa-p256"
        } else {
            "ecdsa-p384"
        };
        sakr()
            .args([
                "keygen",
                "-q",
                "-a",
                alg,
                "--name",
                &format!("k{i:02}"),
                "--out-dir",
            ])
            .arg(dir.path())
            .assert()
            .success();
        paths.push(dir.path().join(format!("k{i:02}.pub")));
    }
    // The kids one file at a time, in order: what the JWKS must list.
    let want: Vec<String> = paths
        .iter()
        .map(|p| {
            let out = sakr().args(["-o", "json", "kid"]).arg(p).output().unwrap();
            json(&out)[0]["kid"].as_str().unwrap().to_string()
        })
        .collect();
    let jwks_of_all = || {
        let mut c = sakr();
        c.arg("jwks");
        for p in &paths {
            c.arg("--key").arg(p);
        }
        c.output().unwrap()
    };
    let out = jwks_of_all();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(jwks_kids(&json(&out)), want);

    std::fs::write(&paths[5], "not a key\n").unwrap();
    std::fs::write(&paths[20], "").unwrap();
    let out = jwks_of_all();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("k05.pub") && !err.contains("k20.pub"), "{err}");
}
