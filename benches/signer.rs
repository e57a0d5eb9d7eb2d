//! `sakr signer serve` (issue 20): Sign latency as kube-apiserver sees it (a gRPC call over the
//! Unix socket, one after the other, from a client on the same machine) and the signer's
//! resident memory, per key type of the file backend. Goal: p99 ≤ 1 ms and ≤ 15 MiB resident.
//! Run with `cargo bench --bench signer`; prints a markdown table. Under `cargo test
//! --all-targets` (no `--bench`) it makes a few calls per key type as a smoke check and prints
//! nothing.

use std::process::{Command, Stdio};
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

fn main() {
    let sakr = env!("CARGO_BIN_EXE_sakr");
    let quick = !std::env::args().any(|a| a == "--bench");
    let calls = if quick { 5 } else { 5000 };
    if !quick {
        println!(
            "| key (file backend) | Sign calls | p50 ms | p99 ms | max ms | RSS idle MiB | RSS after MiB | goal (p99 ≤ 1 ms, ≤ 15 MiB) |"
        );
        println!("|---|---:|---:|---:|---:|---:|---:|---|");
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    for alg in ["ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-2048"] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("signer.json");
        let st = Command::new(sakr)
            .args(["-q", "signer", "init", "--config"])
            .arg(&config)
            .args(["--generate", alg, "--key-dir"])
            .arg(dir.path().join("keys"))
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(st.success());
        let socket = dir.path().join("run/signer.sock");
        let mut child = Command::new(sakr)
            .args(["signer", "serve", "--config"])
            .arg(&config)
            .arg("--socket")
            .arg(&socket)
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
            for _ in 0..if quick { 1 } else { 200 } {
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
            "| {alg} | {calls} | {} | {} | {} | {} | {} | {} |",
            ms(percentile(&lat, 0.5)),
            ms(p99),
            ms(*lat.last().unwrap()),
            mib(idle),
            mib(after),
            if met { "met" } else { "missed" }
        );
    }
    if quick {
        eprintln!(
            "benches/signer: smoke check passed (a few Sign calls per key type); `cargo bench --bench signer` measures"
        );
    }
}
