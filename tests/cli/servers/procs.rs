//! Real storage servers for the publish tests (DESIGN §5: "Storage tests run against real
//! servers on 127.0.0.1, started by the test command ... Not mocks of the SDK").
//!
//! - moto's S3 server (`moto_server`, PyPI `moto[server]`), which honours PutObject
//!   If-Match / If-None-Match;
//! - Azurite's blob service (`azurite-blob`, npm `azurite@3`), in memory, with
//!   `--skipApiVersionCheck` because `azure_storage_blob` 1.x sends a newer API version.
//!
//! Both are installed by `scripts/test-servers.sh install` into `./.cache`. A missing install is
//! a test FAILURE naming that command, never a silent skip. Each [`Server`] is started on a free
//! 127.0.0.1 port, waited for, and killed when dropped — also when the test panics (Drop runs
//! during unwinding) and, on Linux, when the test process itself dies (PR_SET_PDEATHSIG).

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The well-known Azurite development account and key (public, documented by Microsoft).
pub const AZURITE_ACCOUNT: &str = "devstoreaccount1";
pub const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

const INSTALL_HINT: &str = "run `scripts/test-servers.sh install` (from the repository root) first";

/// Repository root (where `.cache` lives).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn cache_dir() -> PathBuf {
    repo_root().join(".cache")
}

/// Python of the test venv (moto, azure-storage-blob, PyJWT, cryptography).
pub fn venv_python() -> PathBuf {
    require(cache_dir().join("venv/bin/python"))
}

fn require(path: PathBuf) -> PathBuf {
    assert!(
        path.exists(),
        "{} is not installed: {INSTALL_HINT}",
        path.display()
    );
    path
}

/// A free port on 127.0.0.1. The OS could hand it to someone else before the server binds it;
/// [`Server::start`] retries with a new port if the server dies at startup.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("bind 127.0.0.1:0")
}

/// A child server process, killed and reaped on drop.
pub struct Server {
    name: &'static str,
    child: Child,
    pub port: u16,
    log: PathBuf,
    _workdir: tempfile::TempDir,
}

impl Server {
    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Starts `program` with `args(port)` and waits until the port accepts connections.
    fn start(
        name: &'static str,
        program: &Path,
        args: impl Fn(u16, &Path) -> Vec<String>,
    ) -> Server {
        let mut last_log = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let workdir = tempfile::tempdir().expect("tempdir");
            let log = workdir.path().join(format!("{name}.log"));
            let log_file = std::fs::File::create(&log).expect("log file");
            let mut cmd = Command::new(program);
            cmd.args(args(port, workdir.path()))
                .current_dir(workdir.path())
                .stdin(Stdio::null())
                .stdout(log_file.try_clone().expect("dup log"))
                .stderr(log_file);
            kill_with_parent(&mut cmd);
            let child = cmd
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}: {INSTALL_HINT}", program.display()));
            let mut server = Server {
                name,
                child,
                port,
                log,
                _workdir: workdir,
            };
            match server.wait_ready(Duration::from_secs(60)) {
                Ok(()) => return server,
                Err(why) => {
                    last_log = format!("{why}\n{}", server.log_text());
                    // Dropping kills it; try another port.
                }
            }
        }
        panic!("{name} did not start on 127.0.0.1: {last_log}");
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_ready(&mut self, limit: Duration) -> Result<(), String> {
        let start = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return Err(format!("{} exited at startup ({status})", self.name));
            }
            if let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
                // Accepting is not enough for werkzeug/node: make one HTTP round trip.
                use std::io::Write;
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let req = format!(
                    "GET / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
                    self.port
                );
                if stream.write_all(req.as_bytes()).is_ok() {
                    let mut buf = [0u8; 12];
                    if stream.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") {
                        return Ok(());
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!("{} not ready after {limit:?}", self.name))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// On Linux, have the kernel SIGKILL the server if the thread that spawned it dies, so a test
/// binary killed mid-run (Ctrl-C, timeout) leaves no server behind. Servers are per test and
/// spawned from the test's own thread, which outlives them.
fn kill_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec here.
        unsafe {
            cmd.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}

/// moto's S3-compatible server.
pub fn moto() -> Server {
    let program = require(cache_dir().join("venv/bin/moto_server"));
    Server::start("moto_server", &program, |port, _| {
        vec![
            "-H".into(),
            "127.0.0.1".into(),
            "-p".into(),
            port.to_string(),
        ]
    })
}

/// Azurite's blob service, in memory.
pub fn azurite() -> Server {
    let program = require(cache_dir().join("node/node_modules/.bin/azurite-blob"));
    // cwd is a per-server temp dir: whatever Azurite writes there goes with it.
    Server::start("azurite-blob", &program, |port, _| {
        vec![
            "--blobHost".into(),
            "127.0.0.1".into(),
            "--blobPort".into(),
            port.to_string(),
            "--skipApiVersionCheck".into(),
            "--inMemoryPersistence".into(),
            "--disableTelemetry".into(),
            "--silent".into(),
        ]
    })
}

impl Server {
    /// Azurite's blob service URL for the SDK (`--endpoint`).
    pub fn azurite_endpoint(&self) -> String {
        format!("{}/{AZURITE_ACCOUNT}", self.base_url())
    }

    /// Creates `container` in Azurite and returns a container SAS (read, add, create, write,
    /// delete, list; one day), minted by the Python SDK with the well-known development key.
    pub fn azurite_container_sas(&self, container: &str) -> String {
        let script = repo_root().join("tests/cli/servers/azurite_sas.py");
        let out = Command::new(venv_python())
            .arg(&script)
            .arg(self.azurite_endpoint())
            .arg(container)
            .env("AZURITE_ACCOUNT", AZURITE_ACCOUNT)
            .env("AZURITE_KEY", AZURITE_KEY)
            .output()
            .expect("run azurite_sas.py");
        assert!(
            out.status.success(),
            "azurite_sas.py failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

/// Whether a process id is still alive (for the "no process left behind" check).
pub fn pid_alive(pid: u32) -> bool {
    // A reaped child has no /proc entry; a zombie would still show, but Drop waits for it.
    Path::new(&format!("/proc/{pid}")).exists()
}
