//! `sakr kid` against openssl for every key kind and PEM form (DESIGN §2.1, §2.5).

use crate::support::*;

struct Form {
    name: &'static str,
    /// Shell commands (in a temp dir) that create `key.pem`.
    make: &'static str,
    /// Shell command printing the public key as PEM, for openssl's kid.
    pubkey: &'static str,
    label: &'static str,
    alg: &'static str,
    kube_uses_as_key_file: bool,
}

const FORMS: &[Form] = &[
    Form {
        name: "rsa pkcs1 private",
        make: "openssl genrsa -traditional -out key.pem 2048",
        pubkey: "openssl pkey -in key.pem -pubout",
        label: "RSA PRIVATE KEY",
        alg: "RS256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "rsa pkcs8 private",
        make: "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out key.pem",
        pubkey: "openssl pkey -in key.pem -pubout",
        label: "PRIVATE KEY",
        alg: "RS256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "rsa spki public",
        make: "openssl genrsa -out k.pem 2048 && openssl pkey -in k.pem -pubout -out key.pem",
        pubkey: "cat key.pem",
        label: "PUBLIC KEY",
        alg: "RS256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "rsa pkcs1 public",
        make: "openssl genrsa -out k.pem 2048 && openssl rsa -in k.pem -RSAPublicKey_out -out key.pem",
        pubkey: "openssl rsa -RSAPublicKey_in -in key.pem -pubout",
        label: "RSA PUBLIC KEY",
        alg: "RS256",
        kube_uses_as_key_file: false,
    },
    Form {
        name: "rsa certificate",
        make: "openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -subj /CN=sa -days 1 -out key.pem",
        pubkey: "openssl x509 -in key.pem -pubkey -noout",
        label: "CERTIFICATE",
        alg: "RS256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "p256 sec1 private with EC PARAMETERS block",
        make: "openssl ecparam -name prime256v1 -genkey -out key.pem",
        pubkey: "openssl pkey -in key.pem -pubout",
        label: "EC PRIVATE KEY",
        alg: "ES256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "p384 sec1 private",
        make: "openssl ecparam -name secp384r1 -genkey -noout -out key.pem",
        pubkey: "openssl pkey -in key.pem -pubout",
        label: "EC PRIVATE KEY",
        alg: "ES384",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "p521 pkcs8 private",
        make: "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-521 -out key.pem",
        pubkey: "openssl pkey -in key.pem -pubout",
        label: "PRIVATE KEY",
        alg: "ES512",
        kube_uses_as_key_file: false,
    },
    Form {
        name: "p256 spki public",
        make: "openssl ecparam -name prime256v1 -genkey -noout -out k.pem && openssl pkey -in k.pem -pubout -out key.pem",
        pubkey: "cat key.pem",
        label: "PUBLIC KEY",
        alg: "ES256",
        kube_uses_as_key_file: true,
    },
    Form {
        name: "p384 certificate",
        make: "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout k.pem -subj /CN=sa -days 1 -out key.pem",
        pubkey: "openssl x509 -in key.pem -pubkey -noout",
        label: "CERTIFICATE",
        alg: "ES384",
        kube_uses_as_key_file: true,
    },
];

#[test]
fn kid_equals_openssl_for_every_key_kind_and_pem_form() {
    for form in FORMS {
        let dir = tempfile::tempdir().unwrap();
        sh(form.make, dir.path());
        let want = openssl_kid(form.pubkey, dir.path());
        let out = sakr()
            .args(["-o", "json", "kid", "key.pem"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}: {}", form.name, stderr(&out));
        let rows = json(&out);
        let row = &rows[0];
        assert_eq!(rows.as_array().unwrap().len(), 1, "{}", form.name);
        assert_eq!(row["kid"], want.as_str(), "{}", form.name);
        assert_eq!(row["type"], form.label, "{}", form.name);
        assert_eq!(row["alg"], form.alg, "{}", form.name);
        assert_eq!(
            row["key_file_usable"], form.kube_uses_as_key_file,
            "{}",
            form.name
        );
        // The warning names the file and the block exactly when kube-apiserver would skip it.
        let warned = stderr(&out).contains("key.pem: block ");
        assert_eq!(
            warned,
            !form.kube_uses_as_key_file,
            "{}: {}",
            form.name,
            stderr(&out)
        );
    }
}

#[test]
fn text_output_lists_every_block_of_every_file() {
    let dir = tempfile::tempdir().unwrap();
    sh(
        "openssl genrsa -traditional -out a.pem 2048 && openssl pkey -in a.pem -pubout > both.pem \
         && openssl ecparam -name prime256v1 -genkey -noout -out e.pem && openssl pkey -in e.pem -pubout >> both.pem",
        dir.path(),
    );
    let kid_a = openssl_kid("openssl pkey -in a.pem -pubout", dir.path());
    let kid_e = openssl_kid("openssl pkey -in e.pem -pubout", dir.path());
    let out = sakr()
        .args(["kid", "both.pem", "a.pem"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let lines: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
    // One row per key under a header, each column padded to its widest cell plus two spaces
    // (FILE 8: "both.pem"; BLOCK 5; TYPE 15: "RSA PRIVATE KEY"; KEY 8; ALG 5), the kid last.
    assert_eq!(
        lines,
        vec![
            "FILE      BLOCK  TYPE             KEY       ALG    KID".to_string(),
            format!("both.pem  1      PUBLIC KEY       RSA 2048  RS256  {kid_a}"),
            format!("both.pem  2      PUBLIC KEY       EC P-256  ES256  {kid_e}"),
            format!("a.pem     1      RSA PRIVATE KEY  RSA 2048  RS256  {kid_a}"),
        ]
    );
}

/// File names and PEM labels come from the operator's disk: an ESC sequence or a line
/// separator in them is printed escaped, in the table and in the warnings (issue 13).
#[test]
fn file_names_and_pem_labels_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    sh(
        "openssl ecparam -name prime256v1 -genkey -noout -out e.pem && openssl pkey -in e.pem -pubout > pub.pem",
        dir.path(),
    );
    let name = "k\u{1b}[31m\u{2028}.pem";
    let mut text = std::fs::read_to_string(dir.path().join("pub.pem")).unwrap();
    text.push_str("-----BEGIN X\u{1b}]0;t\u{7}-----\nAAAA\n-----END X\u{1b}]0;t\u{7}-----\n");
    std::fs::write(dir.path().join(name), text).unwrap();
    let out = sakr()
        .args(["kid", name])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let (o, e) = (stdout(&out), stderr(&out));
    for t in [&o, &e] {
        assert!(
            !t.contains('\u{1b}') && !t.contains('\u{2028}') && !t.contains('\u{7}'),
            "raw control characters reached the terminal: {t:?}"
        );
    }
    assert!(o.contains(r"k\u{001B}[31m\u{2028}.pem  1"), "{o}");
    assert!(
        e.contains(r"block 2 (X\u{001B}]0;t\u{0007}) is not a key"),
        "{e}"
    );
}

#[test]
fn kubernetes_vectors() {
    // keyid_test.go / openidmetadata_test.go, pinned in tests/fixtures/k8s.
    let out = sakr()
        .args(["-o", "json", "kid"])
        .arg(fixture("k8s/rsa.pub"))
        .arg(fixture("k8s/rsa.key"))
        .arg(fixture("k8s/ecdsa.pub"))
        .arg(fixture("k8s/ecdsa.key"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let kids: Vec<String> = json(&out)
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kid"].as_str().unwrap().to_string())
        .collect();
    let rsa = "JHJehTTTZlsspKHT-GaJxK7Kd1NQgZJu3fyK6K_QDYU";
    let ec = "SoABiieYuNx4UdqYvZRVeuC6SihxgLrhLy9peHMHpTc";
    assert_eq!(kids, [rsa, rsa, ec, ec]);
}

/// Inputs kube-apiserver cannot use at all: exit 2, a message naming the file and the cause.
#[test]
fn unusable_files_exit_2_naming_file_and_cause() {
    let dir = tempfile::tempdir().unwrap();
    sh(
        "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -aes256 -pass pass:x -out enc8.pem \
         && openssl genrsa -out plain.pem 2048 \
         && openssl rsa -in plain.pem -traditional -aes128 -passout pass:x -out enclegacy.pem \
         && openssl genpkey -algorithm ed25519 -out ed.pem \
         && openssl pkey -in ed.pem -pubout -out edpub.pem \
         && ssh-keygen -q -t ed25519 -N '' -f sshkey \
         && openssl pkey -in plain.pem -pubout -outform DER -out key.der \
         && : > empty.pem \
         && head -c 300 plain.pem > truncated.pem \
         && echo 'hello' > text.pem \
         && printf -- '-----BEGIN PUBLIC KEY-----\\nAAAA\\n-----END PUBLIC KEY-----\\n' > garbage.pem",
        dir.path(),
    );
    let cases = [
        ("enc8.pem", "encrypted"),
        ("enclegacy.pem", "encrypted"),
        ("ed.pem", "Ed25519"),
        ("edpub.pem", "Ed25519"),
        ("sshkey", "OpenSSH"),
        ("sshkey.pub", "OpenSSH"),
        ("key.der", "DER"),
        ("empty.pem", "empty"),
        ("truncated.pem", "truncated"),
        ("text.pem", "no PEM block"),
        ("garbage.pem", "malformed"),
        ("missing.pem", "cannot read"),
        (".", "not a regular file"),
    ];
    for (file, cause) in cases {
        let out = sakr()
            .args(["kid", file])
            .current_dir(dir.path())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{file}: {err}");
        assert!(err.starts_with("sakr: "), "{file}: {err}");
        assert!(
            err.contains(file),
            "{file}: error does not name the file: {err}"
        );
        assert!(
            err.contains(cause),
            "{file}: error does not say {cause:?}: {err}"
        );
        assert_eq!(err.lines().count(), 1, "{file}: one line: {err}");
        assert!(out.stdout.is_empty(), "{file}: nothing on stdout");
    }
}

#[test]
fn one_bad_file_prints_no_partial_listing() {
    let out = sakr()
        .arg("kid")
        .arg(fixture("k8s/rsa.pub"))
        .arg("/nonexistent/x.pem")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
}
