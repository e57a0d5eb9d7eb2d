//! `sakr signer serve` (issue 20): Sign latency as kube-apiserver sees it (a gRPC call over the
//! Unix socket, one after the other, from a client on the same machine) and the signer's
//! resident memory, per key type of the file backend (goal: p99 ≤ 1 ms and ≤ 15 MiB resident),
//! and per backend: `pkcs11` on a SoftHSM2 token, `awskms` on moto's KMS on 127.0.0.1 (both
//! installed by `scripts/test-servers.sh install`; rows are skipped when they are missing).
//! Run with `cargo bench --bench signer`; prints a markdown table. Under `cargo test
//! --all-targets` (no `--bench`) it makes a few calls per key as a smoke check and prints
//! nothing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sakr::signer::proto::v1;

/// `VmRSS` of a process, in KiB.
fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const PIN: &str = "bench-pin-1234";

/// A key set to measure: how `init` makes it and the environment `serve` needs.
struct Case {
    backend: &'static str,
    alg: &'static str,
    init: Vec<String>,
    env: Vec<(String, String)>,
    calls: usize,
}

/// moto's server on a free port of 127.0.0.1 (killed on drop).
struct Moto(Child, u16);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto() -> Option<Moto> {
    let program = Path::new(env!("CARGO_MANIFEST_DIR")).join(".cache/venv/bin/moto_server");
    if !program.exists() {
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(program)
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if t.elapsed() > Duration::from_secs(60) {
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(Moto(child, port))
}

/// A SoftHSM2 token of its own in `dir` (SOFTHSM2_CONF), or `None` without SoftHSM2.
fn softhsm(dir: &Path) -> Option<(Vec<(String, String)>, PathBuf)> {
    if !Path::new(SOFTHSM).exists() {
        return None;
    }
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.display()
        ),
    )
    .unwrap();
    let env = vec![("SOFTHSM2_CONF".to_string(), conf.display().to_string())];
    let st = Command::new("softhsm2-util")
        .args([
            "--init-token",
            "--free",
            "--label",
            "bench",
            "--pin",
            PIN,
            "--so-pin",
            "12345678",
        ])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdout(Stdio::null())
        .status()
        .ok()?;
    assert!(st.success());
    let pin = dir.join("pin");
    std::fs::write(&pin, PIN).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&pin, std::fs::Permissions::from_mode(0o600)).unwrap();
    Some((env, pin))
}

fn main() {
    let sakr = env!("CARGO_BIN_EXE_sakr");
    let quick = !std::env::args().any(|a| a == "--bench");
    if !quick {
        println!(
            "| backend | key | Sign calls | p50 ms | p99 ms | max ms | RSS idle MiB | RSS after MiB | goal (file: p99 ≤ 1 ms, ≤ 15 MiB) |"
        );
        println!("|---|---|---:|---:|---:|---:|---:|---:|---|");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hsm_dir = tempfile::tempdir().unwrap();
    let hsm = softhsm(hsm_dir.path());
    let kms = moto();
    let mut cases = Vec::new();
    for alg in ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048"] {
        cases.push(Case {
            backend: "file",
            alg,
            init: vec![
                "--generate".into(),
                alg.into(),
                "--key-dir".into(),
                "KEYS".into(),
            ],
            env: Vec::new(),
            calls: if quick { 5 } else { 5000 },
        });
    }
    for alg in ["ecdsa-p256", "rsa-2048"] {
        if let Some((env, pin)) = &hsm {
            cases.push(Case {
                backend: "pkcs11 (SoftHSM2)",
                alg,
                init: [
                    "--pkcs11",
                    SOFTHSM,
                    "--token-label",
                    "bench",
                    "--key-label",
                    alg,
                    "--pin-file",
                    &pin.display().to_string(),
                    "--generate",
                    alg,
                ]
                .map(String::from)
                .to_vec(),
                env: env.clone(),
                calls: if quick { 5 } else { 2000 },
            });
        }
        if let Some(Moto(_, port)) = &kms {
            cases.push(Case {
                backend: "awskms (moto, 127.0.0.1)",
                alg,
                init: vec!["--awskms-generate".into(), alg.into()],
                env: [
                    ("AWS_ACCESS_KEY_ID", "testing"),
                    ("AWS_SECRET_ACCESS_KEY", "testing"),
                    ("AWS_REGION", "us-east-1"),
                    ("AWS_EC2_METADATA_DISABLED", "true"),
                    ("AWS_CONFIG_FILE", "/nonexistent"),
                    ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
                    // moto ignores MessageType DIGEST (see src/signer/backend/awskms.rs).
                    ("SAKR_AWSKMS_MESSAGE_TYPE", "raw"),
                ]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into_iter()
                .chain([(
                    "AWS_ENDPOINT_URL".into(),
                    format!("http://127.0.0.1:{port}"),
                )])
                .collect(),
                calls: if quick { 5 } else { 500 },
            });
        }
    }
    for case in &cases {
        let alg = case.alg;
        let calls = case.calls;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("signer.json");
        let keys = dir.path().join("keys").display().to_string();
        let st = Command::new(sakr)
            .args(["-q", "signer", "init", "--config"])
            .arg(&config)
            .args(
                case.init
                    .iter()
                    .map(|a| if a == "KEYS" { &keys } else { a }),
            )
            .envs(case.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success(), "{} {alg}: init failed", case.backend);
        let socket = dir.path().join("run/signer.sock");
        let mut child = Command::new(sakr)
            .args(["signer", "serve", "--config"])
            .arg(&config)
            .arg("--socket")
            .arg(&socket)
            .envs(case.env.iter().map(|(k, v)| (k, v)))
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let t = Instant::now();
        while !socket.exists() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "the signer never listened"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(200));
        let idle = rss_kib(child.id());
        let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            r#"{"iss":"https://kubernetes.default.svc.cluster.local","sub":"system:serviceaccount:default:default","exp":4102444800}"#,
        );
        let mut lat: Vec<Duration> = rt.block_on(async {
            let ch = sakr::signer::client::channel(&socket).await.unwrap();
            let mut c = v1::external_jwt_signer_client::ExternalJwtSignerClient::new(ch);
            // Warm-up: the connection, the allocator, the branch predictors.
            for _ in 0..if quick { 1 } else { (calls / 25).max(20) } {
                c.sign(v1::SignJwtRequest {
                    claims: claims.clone(),
                })
                .await
                .unwrap();
            }
            let mut lat = Vec::with_capacity(calls);
            for _ in 0..calls {
                let t = Instant::now();
                c.sign(v1::SignJwtRequest {
                    claims: claims.clone(),
                })
                .await
                .unwrap();
                lat.push(t.elapsed());
            }
            lat
        });
        let after = rss_kib(child.id());
        let _ = child.kill();
        let _ = child.wait();
        if quick {
            continue;
        }
        lat.sort();
        let ms = |d: Duration| format!("{:.3}", d.as_secs_f64() * 1000.0);
        let mib = |k: u64| format!("{:.1}", k as f64 / 1024.0);
        let p99 = percentile(&lat, 0.99);
        let met = p99 <= Duration::from_millis(1) && after <= 15 * 1024;
        println!(
            "| {} | {alg} | {calls} | {} | {} | {} | {} | {} | {} |",
            case.backend,
            ms(percentile(&lat, 0.5)),
            ms(p99),
            ms(*lat.last().unwrap()),
            mib(idle),
            mib(after),
            match (case.backend, met) {
                ("file", true) => "met",
                ("file", false) => "missed",
                _ => "—",
            }
        );
    }
    if quick {
        eprintln!(
            "benches/signer: smoke check passed (a few Sign calls per key, {} cases); `cargo bench --bench signer` measures",
            cases.len()
        );
    }
}
