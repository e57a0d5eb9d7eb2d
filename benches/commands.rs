//! Whole-process cost of sakr's commands (issue 7): wall time and peak RSS of the release binary
//! for the local commands, beside `true` (the cost of any process at all) in the same run; the
//! size of the stripped binary; and publish round trips against the local storage servers
//! (file://, moto's S3, Azurite). Prints markdown tables; `scripts/bench.sh` puts them in
//! docs/performance.md.
//!
//! Goals: every local command ≤ 5 ms wall (median) and ≤ 10 MiB peak RSS; binary ≤ 30 MiB.
//! Peak RSS is the kernel's `ru_maxrss` of the child (wait4). Linux carries a process's
//! high-water mark across exec, and a spawned child starts out sharing this benchmark's memory,
//! so every figure is at least this process's own RSS: the `true` row shows that floor, and a
//! command above it is measured exactly.
//!
//! `cargo bench --bench commands` measures; under `cargo test --all-targets` (a test-profile
//! build, where timings mean nothing) every scenario runs once as a smoke test that it works, and
//! no table or verdict is printed (no servers either).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/cli/servers/mod.rs"]
mod servers;

use sakr::keys::generate::{Algorithm, generate};

struct Sample {
    wall: Duration,
    rss_kib: u64,
}

/// Wall time and peak RSS of one run.
fn run_once(cmd: &mut Command) -> Sample {
    let (wall, rss_kib) = spawn_wait4(cmd);
    Sample { wall, rss_kib }
}

/// Spawn, wait with wait4 for the child's rusage, and check it succeeded. (clippy cannot see
/// that wait4 reaps the child; `Child::wait` would not give its rusage.)
#[allow(clippy::zombie_processes)]
fn spawn_wait4(cmd: &mut Command) -> (Duration, u64) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    // SAFETY: waiting for our own child, which std has not reaped (Child is not waited on).
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    assert_eq!(rc, pid, "wait4: {}", std::io::Error::last_os_error());
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let out = cmd.stderr(Stdio::piped()).output().unwrap();
        panic!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    (wall, usage.ru_maxrss as u64)
}

struct Stats {
    runs: usize,
    median: Duration,
    p90: Duration,
    peak_rss_kib: u64,
}

fn measure(runs: usize, mut make: impl FnMut() -> Command) -> Stats {
    // One warm-up run: page cache, not the command, is what a first run measures.
    run_once(&mut make());
    let mut samples: Vec<Sample> = (0..runs).map(|_| run_once(&mut make())).collect();
    samples.sort_by_key(|s| s.wall);
    Stats {
        runs,
        median: samples[runs / 2].wall,
        p90: samples[(runs * 9 / 10).min(runs - 1)].wall,
        peak_rss_kib: samples.iter().map(|s| s.rss_kib).max().unwrap(),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn write_key(dir: &Path, name: &str, alg: Algorithm) -> PathBuf {
    let k = generate(alg).unwrap();
    let p = dir.join(format!("{name}.pub"));
    std::fs::write(&p, k.public.to_pem()).unwrap();
    std::fs::write(dir.join(format!("{name}.key")), k.private_pem.expose()).unwrap();
    p
}

/// A scratch control-plane node: the kubeadm fixture manifests and their service-account keys.
fn node(root: &Path) -> PathBuf {
    let m = root.join("etc/kubernetes/manifests");
    let pki = root.join("etc/kubernetes/pki");
    std::fs::create_dir_all(&m).unwrap();
    std::fs::create_dir_all(&pki).unwrap();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests");
    for f in ["kube-apiserver.yaml", "kube-controller-manager.yaml"] {
        std::fs::copy(fixtures.join(f), m.join(f)).unwrap();
    }
    write_key(&pki, "sa", Algorithm::Rsa2048);
    write_key(&pki, "sa-new", Algorithm::EcdsaP256);
    m
}

/// `cargo bench` runs a `harness = false` bench binary with `--bench`; `cargo test` (which
/// builds it with the test profile) passes no such flag.
fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

fn main() {
    let sakr = env!("CARGO_BIN_EXE_sakr");
    let measure_it = measuring();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // 100 keys, every algorithm sakr can generate, as a real multi-cluster JWKS might hold.
    let keys: Vec<PathBuf> = (0..100)
        .map(|i| {
            let alg = Algorithm::ALL[[0, 3, 4, 5][i % 4]];
            write_key(d, &format!("k{i:03}"), alg)
        })
        .collect();
    let manifests = node(&d.join("node"));
    let host_root = d.join("node");

    let sakr_cmd = |args: &[&str]| {
        let mut c = Command::new(sakr);
        c.args(args).current_dir(d);
        c
    };
    let with_keys = |sub: &[&str], n: usize| {
        let mut c = sakr_cmd(sub);
        for k in &keys[..n] {
            c.arg("--key").arg(k);
        }
        c
    };
    let manifest = |args: &[&str]| {
        let mut c = sakr_cmd(&["manifest"]);
        c.args(args)
            .arg("--manifests-dir")
            .arg(&manifests)
            .arg("--host-root")
            .arg(&host_root);
        // `show` takes no backup directory (it changes nothing).
        if args.first() != Some(&"show") {
            c.arg("--backup-dir").arg(d.join("backups"));
        }
        c
    };

    type Make<'a> = Box<dyn FnMut() -> Command + 'a>;
    let local: Vec<(&str, Make)> = vec![
        ("`true` (any process)", Box::new(|| Command::new("true"))),
        ("`sakr --version`", Box::new(|| sakr_cmd(&["--version"]))),
        (
            "`sakr kid` (1 RSA key)",
            Box::new(|| {
                let mut c = sakr_cmd(&["kid"]);
                c.arg(&keys[0]);
                c
            }),
        ),
        ("`sakr jwks` (1 key)", Box::new(|| with_keys(&["jwks"], 1))),
        ("`sakr jwks` (3 keys)", Box::new(|| with_keys(&["jwks"], 3))),
        (
            "`sakr jwks` (100 keys)",
            Box::new(|| with_keys(&["jwks"], 100)),
        ),
        (
            "`sakr discovery` (3 keys)",
            Box::new(|| with_keys(&["discovery", "--issuer", "https://issuer.example"], 3)),
        ),
        ("`sakr manifest show`", Box::new(|| manifest(&["show"]))),
        (
            "`sakr manifest trust --dry-run`",
            Box::new(|| manifest(&["trust", "/etc/kubernetes/pki/sa-new.pub", "--dry-run"])),
        ),
    ];

    if !measure_it {
        // Smoke check: each measured command once (run_once asserts it succeeded), the
        // rehearsal, and a file:// publish; no timings, so no table and no verdict.
        let n = local.len() + 1;
        for (_, mut make) in local {
            run_once(&mut make());
        }
        run_once(&mut sakr_cmd(&["rehearse", "-q"]));
        publish_round_trips(sakr, d, &keys, false);
        println!(
            "benches/commands: smoke check passed ({n} commands and a file:// publish ran once \
             each); `cargo bench --bench commands` measures"
        );
        return;
    }

    println!("| command | runs | median ms | p90 ms | peak RSS MiB | goal (≤ 5 ms, ≤ 10 MiB) |");
    println!("|---|---:|---:|---:|---:|---|");
    for (name, mut make) in local {
        let s = measure(50, &mut make);
        let goal = if name.starts_with("`true`") {
            "baseline".to_string()
        } else if s.median <= Duration::from_millis(5) && s.peak_rss_kib <= 10 * 1024 {
            "met".to_string()
        } else {
            "**missed**".to_string()
        };
        println!(
            "| {name} | {} | {} | {} | {} | {goal} |",
            s.runs,
            ms(s.median),
            ms(s.p90),
            mib(s.peak_rss_kib)
        );
    }

    let size = std::fs::metadata(sakr).unwrap().len();
    println!();
    println!(
        "Binary: {} MiB (release profile, stripped; goal ≤ 30 MiB, {}).",
        format_args!("{:.1}", size as f64 / (1024.0 * 1024.0)),
        if size <= 30 * 1024 * 1024 {
            "met"
        } else {
            "**missed**"
        }
    );

    // The whole rotation, rehearsed (keygen, publish, four manifest edits, token checks).
    let s = measure(10, || sakr_cmd(&["rehearse", "-q"]));
    println!(
        "`sakr rehearse` (whole rotation, ecdsa-p256): median {} ms, peak RSS {} MiB.",
        ms(s.median),
        mib(s.peak_rss_kib)
    );

    publish_round_trips(sakr, d, &keys, true);
}

/// `sakr publish` end to end: read both objects, diff, conditional write, read back. "changed"
/// alternates between two key sets so that every run writes both documents; "unchanged" reads
/// and compares only. Without `measure_it` (the smoke check): the file:// target only, each
/// publish once, nothing printed.
fn publish_round_trips(sakr: &str, d: &Path, keys: &[PathBuf], measure_it: bool) {
    use servers::procs;
    if measure_it {
        println!();
        println!(
            "| publish target | runs | unchanged: median ms | changed: median ms | peak RSS MiB |"
        );
        println!("|---|---:|---:|---:|---:|");
    }
    let have_servers = measure_it
        && procs::cache_dir().join("venv/bin/moto_server").exists()
        && procs::cache_dir()
            .join("node/node_modules/.bin/azurite-blob")
            .exists();

    /// A publish target: its name in the table, `--to`, extra flags (`env:VAR` sets a variable),
    /// and the server that must outlive the measurement.
    struct Target {
        name: String,
        to: String,
        extra: Vec<(&'static str, String)>,
        _server: Option<procs::Server>,
    }
    let site = d.join("site");
    let mut targets = vec![Target {
        name: "file:// (local directory)".into(),
        to: format!("file://{}", site.display()),
        extra: vec![],
        _server: None,
    }];
    if have_servers {
        let moto = procs::moto();
        let r = servers::http::request("PUT", &format!("{}/bench", moto.base_url()), b"")
            .expect("create bucket");
        assert_eq!(r.status, 200);
        targets.push(Target {
            name: "S3 (moto on 127.0.0.1)".into(),
            to: "s3://bench/cluster".into(),
            extra: vec![
                ("--endpoint", moto.base_url()),
                ("env:AWS_ACCESS_KEY_ID", "testing".into()),
                ("env:AWS_SECRET_ACCESS_KEY", "testing".into()),
                ("env:AWS_REGION", "us-east-1".into()),
                ("env:AWS_EC2_METADATA_DISABLED", "true".into()),
                ("env:AWS_CONFIG_FILE", "/nonexistent".into()),
                ("env:AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".into()),
            ],
            _server: Some(moto),
        });
        let azurite = procs::azurite();
        let sas = azurite.azurite_container_sas("bench");
        targets.push(Target {
            name: "Azure Blob (Azurite on 127.0.0.1)".into(),
            to: format!("azblob://{}/bench/cluster", procs::AZURITE_ACCOUNT),
            extra: vec![
                ("--endpoint", azurite.azurite_endpoint()),
                ("env:AZURE_STORAGE_SAS_TOKEN", sas),
            ],
            _server: Some(azurite),
        });
    }
    for Target {
        name, to, extra, ..
    } in &targets
    {
        let publish = |set: &[PathBuf]| {
            let mut c = Command::new(sakr);
            c.args(["publish", "-q", "--allow-removal", "--to", to])
                .args(["--issuer", "https://issuer.example/cluster"])
                .current_dir(d);
            for k in set {
                c.arg("--key").arg(k);
            }
            for (flag, value) in extra {
                match flag.strip_prefix("env:") {
                    Some(var) => {
                        c.env(var, value);
                    }
                    None => {
                        c.args([*flag, value.as_str()]);
                    }
                }
            }
            c
        };
        let (a, b) = (&keys[0..2], &keys[1..3]);
        if !measure_it {
            run_once(&mut publish(a));
            run_once(&mut publish(b));
            continue;
        }
        let unchanged = measure(15, || publish(a));
        let mut flip = false;
        let changed = measure(15, || {
            flip = !flip;
            publish(if flip { b } else { a })
        });
        println!(
            "| {name} | 15 | {} | {} | {} |",
            ms(unchanged.median),
            ms(changed.median),
            mib(unchanged.peak_rss_kib.max(changed.peak_rss_kib))
        );
    }
    if measure_it && !have_servers {
        println!(
            "\nS3 and Azure rows skipped: run `scripts/test-servers.sh install` to install moto and Azurite."
        );
    }
}
