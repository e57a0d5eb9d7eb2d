//! Key generation speed, sakr beside openssl, measured in the same run (issue #2 goal: RSA
//! median ≤ 0.5× openssl at every size). Run with `cargo bench --bench keygen`; prints a
//! markdown table. Both sides are timed as whole processes writing key files to a temp dir, so
//! process start-up and file writes count on both sides; sakr's in-process time is shown too.
//! RSA generation time varies a lot from key to key (prime search), hence medians over many runs.

use std::process::Command;
use std::time::{Duration, Instant};

use sakr::keys::generate::{Algorithm, generate};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_process(runs: usize, mut make: impl FnMut() -> Command) -> Duration {
    median(
        (0..runs)
            .map(|_| {
                let mut cmd = make();
                let t = Instant::now();
                let st = cmd.output().expect("spawning");
                let d = t.elapsed();
                assert!(
                    st.status.success(),
                    "{cmd:?}: {}",
                    String::from_utf8_lossy(&st.stderr)
                );
                d
            })
            .collect(),
    )
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0)
}

fn main() {
    let sakr = env!("CARGO_BIN_EXE_sakr");
    let dir = tempfile::tempdir().unwrap();
    // `cargo bench` runs this `harness = false` binary with --bench; `cargo test --all-targets`
    // runs it without, from a test-profile build whose timings mean nothing: there every
    // algorithm runs once on each side as a smoke check, and no table is printed.
    let quick = !std::env::args().any(|a| a == "--bench");
    if !quick {
        println!(
            "| algorithm | runs | sakr keygen (process) ms | sakr in-process ms | openssl ms | sakr / openssl |"
        );
        println!("|---|---:|---:|---:|---:|---:|");
    }
    for alg in Algorithm::ALL {
        let runs = match (alg, quick) {
            (_, true) => 1,
            (Algorithm::Rsa4096, _) => 9,
            (Algorithm::Rsa3072, _) => 15,
            _ => 31,
        };
        let openssl_args: Vec<String> = match alg {
            Algorithm::Rsa2048 => "genrsa -traditional -out o.key 2048",
            Algorithm::Rsa3072 => "genrsa -traditional -out o.key 3072",
            Algorithm::Rsa4096 => "genrsa -traditional -out o.key 4096",
            Algorithm::EcdsaP256 => "ecparam -genkey -noout -name prime256v1 -out o.key",
            Algorithm::EcdsaP384 => "ecparam -genkey -noout -name secp384r1 -out o.key",
            Algorithm::EcdsaP521 => "ecparam -genkey -noout -name secp521r1 -out o.key",
        }
        .split(' ')
        .map(str::to_string)
        .collect();
        let sakr_t = time_process(runs, || {
            let mut c = Command::new(sakr);
            c.args(["keygen", "--force", "-q", "-a", alg.name(), "--name", "s"])
                .current_dir(dir.path());
            c
        });
        let openssl_t = time_process(runs, || {
            let mut c = Command::new("openssl");
            c.args(&openssl_args).current_dir(dir.path());
            c
        });
        let inproc = median(
            (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    std::hint::black_box(generate(alg).unwrap());
                    t.elapsed()
                })
                .collect(),
        );
        if quick {
            continue;
        }
        println!(
            "| {} | {runs} | {} | {} | {} | {:.2}× |",
            alg.name(),
            ms(sakr_t),
            ms(inproc),
            ms(openssl_t),
            sakr_t.as_secs_f64() / openssl_t.as_secs_f64()
        );
    }
    if quick {
        println!(
            "benches/keygen: smoke check passed (every algorithm generated once by sakr, in \
             process and by openssl); `cargo bench --bench keygen` measures"
        );
    }
}
