//! The remote side of the `ssh` and `pod` transports: one POSIX `sh -s` per node, kept open for
//! the whole command, fed one small script per operation.
//!
//! One session per node and command (not one per file) is what keeps a manifest edit at a single
//! ssh process or exec call per node (issue 15's goal: at most two). Every operation is a
//! subshell `( … ) 2>&1` followed by a marker line carrying its exit status and a per-session
//! random nonce; file contents and file names travel base64-encoded (POSIX `base64`, in
//! coreutils and busybox), so no content can forge the marker or break the framing. Paths are
//! single-quoted shell words and are checked (absolute, clean, no control characters) before
//! they are quoted.
//!
//! Atomic writes follow the local writer step for step, with coreutils/busybox tools: `mktemp`
//! (0600) in the target's directory under a dot name, `base64 -d` into it, `chown`/`chmod`,
//! `sync FILE` (fsync), `mv -f` (rename(2)) or `ln` (a race-free no-clobber create), `sync DIR`.
//! A session that dies mid-write leaves at most the dot-prefixed temp file.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::{Entry, Kind, Meta, Node, NodeError, WriteOptions, check_path};

/// A byte pipe to a remote `sh -s`: what ssh's stdin/stdout (or an exec stream) provide.
pub trait Channel: Send {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// The next stdout line (without its `\n`), `Ok(None)` at end of stream, an error of kind
    /// `TimedOut` when nothing came before `deadline`.
    fn recv_line(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>>;
    /// Why the session ended, when it did (e.g. ssh's own stderr: "Connection refused").
    fn diagnostics(&mut self) -> String;
}

/// Opens a [`Channel`]; called once, on first use.
pub type Opener = Box<dyn FnMut() -> io::Result<Box<dyn Channel>> + Send>;

/// Lines read from a child's stdout by a thread, so reads can time out.
pub fn line_reader(mut r: impl io::Read + Send + 'static) -> mpsc::Receiver<io::Result<Vec<u8>>> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = LineSplitter::default();
        let mut chunk = [0u8; 16 * 1024];
        loop {
            match r.read(&mut chunk) {
                Ok(0) => {
                    lines.finish(&tx);
                    return;
                }
                Ok(n) => {
                    if !lines.push(&chunk[..n], &tx) {
                        return;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.send(Err(e));
                    return;
                }
            }
        }
    });
    rx
}

/// Cuts a byte stream into `\n`-terminated lines for a [`line_reader`]-style receiver.
#[derive(Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
}

impl LineSplitter {
    /// Add a chunk and send every complete line; false once the receiver is gone.
    pub fn push(&mut self, chunk: &[u8], tx: &mpsc::Sender<io::Result<Vec<u8>>>) -> bool {
        self.buf.extend_from_slice(chunk);
        while let Some(i) = self.buf.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=i).take(i).collect();
            if tx.send(Ok(line)).is_err() {
                return false;
            }
        }
        true
    }

    /// End of stream: send an unterminated last line, if any.
    pub fn finish(&mut self, tx: &mpsc::Sender<io::Result<Vec<u8>>>) {
        if !self.buf.is_empty() {
            let _ = tx.send(Ok(std::mem::take(&mut self.buf)));
        }
    }
}

/// Receive from a [`line_reader`] until `deadline`.
pub fn recv_until(
    rx: &mpsc::Receiver<io::Result<Vec<u8>>>,
    deadline: Instant,
) -> io::Result<Option<Vec<u8>>> {
    let wait = deadline.saturating_duration_since(Instant::now());
    match rx.recv_timeout(wait) {
        Ok(r) => r.map(Some),
        Err(mpsc::RecvTimeoutError::Timeout) => {
            Err(io::Error::new(io::ErrorKind::TimedOut, "no answer in time"))
        }
        Err(mpsc::RecvTimeoutError::Disconnected) => Ok(None),
    }
}

/// A node reached through a remote shell.
pub struct ShellNode {
    name: String,
    describe: String,
    open: Opener,
    chan: Option<Box<dyn Channel>>,
    /// Set once the session failed: later operations fail at once, naming the first failure.
    broken: Option<String>,
    sessions: u32,
    nonce: String,
    timeout: Duration,
    /// The only directory this transport can see (the pod transport: `/etc/kubernetes`).
    confine: Option<&'static str>,
}

/// Default bound on one operation (a write of a manifest takes milliseconds; ssh's own
/// connection set-up is bounded by its ConnectTimeout).
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(60);

/// Quote a word for sh: `'…'` with every `'` written as `'\''`.
pub fn quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', "'\\''"))
}

fn random_nonce() -> String {
    let mut b = [0u8; 12];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn kind_from_mode(raw: u32) -> Kind {
    match raw & 0o170000 {
        0o100000 => Kind::File,
        0o040000 => Kind::Dir,
        0o120000 => Kind::Symlink,
        _ => Kind::Other,
    }
}

impl ShellNode {
    pub fn new(name: impl Into<String>, describe: impl Into<String>, open: Opener) -> ShellNode {
        ShellNode {
            name: name.into(),
            describe: describe.into(),
            open,
            chan: None,
            broken: None,
            sessions: 0,
            nonce: random_nonce(),
            timeout: OPERATION_TIMEOUT,
            confine: None,
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> ShellNode {
        self.timeout = timeout;
        self
    }

    /// Only paths under `dir` are valid on this node (the pod transport mounts nothing else).
    pub fn confined_to(mut self, dir: &'static str) -> ShellNode {
        self.confine = Some(dir);
        self
    }

    fn check(&self, path: &Path) -> Result<(), NodeError> {
        check_path(&self.name, path)?;
        match self.confine {
            Some(dir) if !path.starts_with(dir) => Err(NodeError::BadPath {
                node: self.name.clone(),
                path: path.to_path_buf(),
                why: "outside /etc/kubernetes, the only host directory a node pod mounts (reach this node over ssh instead: --node NAME=ssh://HOST)",
            }),
            _ => Ok(()),
        }
    }

    fn unreachable(&self, detail: String) -> NodeError {
        NodeError::Unreachable {
            node: self.name.clone(),
            detail,
        }
    }

    /// Run `script` in a subshell; its exit status and its output lines (stdout and stderr).
    fn run(&mut self, script: &str) -> Result<(i32, Vec<String>), NodeError> {
        if let Some(why) = &self.broken {
            return Err(self.unreachable(why.clone()));
        }
        if self.chan.is_none() {
            self.sessions += 1;
            let chan = (self.open)().map_err(|e| self.unreachable(e.to_string()))?;
            self.chan = Some(chan);
            // The session's fixed environment: private files from creation, C locale for
            // parseable tool output, the usual sbin directories for `sudo`-less roots.
            let prelude = "umask 077; LC_ALL=C; export LC_ALL; PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH; export PATH\n";
            let chan = self.chan.as_mut().expect("just opened");
            if let Err(e) = chan.send(prelude.as_bytes()) {
                let d = chan.diagnostics();
                return Err(self.fail(format!(
                    "cannot send to the remote shell ({e}){}",
                    with_detail(&d)
                )));
            }
        }
        let marker = format!("__SAKR_{}_RC=", self.nonce);
        let request =
            format!("(\n{script}\n) 2>&1 </dev/null\nprintf '\\n%s%s\\n' '{marker}' \"$?\"\n");
        let deadline = Instant::now() + self.timeout;
        let chan = self.chan.as_mut().expect("opened above");
        if let Err(e) = chan.send(request.as_bytes()) {
            let d = chan.diagnostics();
            return Err(self.fail(format!("connection lost ({e}){}", with_detail(&d))));
        }
        let mut lines = Vec::new();
        loop {
            let chan = self.chan.as_mut().expect("opened above");
            match chan.recv_line(deadline) {
                Ok(Some(line)) => {
                    let text = String::from_utf8_lossy(&line).into_owned();
                    if let Some(rc) = text.strip_prefix(&marker) {
                        // The `\n` printed before the marker: drop the empty line it makes.
                        if lines.last().is_some_and(|l: &String| l.is_empty()) {
                            lines.pop();
                        }
                        let rc = rc.trim().parse().unwrap_or(-1);
                        return Ok((rc, lines));
                    }
                    lines.push(text);
                }
                Ok(None) => {
                    let d = chan.diagnostics();
                    return Err(self.fail(format!("connection closed{}", with_detail(&d))));
                }
                Err(e) => {
                    let d = chan.diagnostics();
                    return Err(self.fail(format!("{e}{}", with_detail(&d))));
                }
            }
        }
    }

    fn fail(&mut self, why: String) -> NodeError {
        self.broken = Some(why.clone());
        self.chan = None;
        self.unreachable(why)
    }

    fn failed(&self, path: &Path, what: &str, rc: i32, lines: &[String]) -> NodeError {
        let out = lines.join("; ");
        NodeError::Io {
            node: self.name.clone(),
            path: path.to_path_buf(),
            detail: format!(
                "{what} failed (exit {rc}){}",
                if out.is_empty() {
                    String::new()
                } else {
                    format!(": {}", crate::text::printable(&out))
                }
            ),
        }
    }
}

fn with_detail(d: &str) -> String {
    let d = d.trim();
    if d.is_empty() {
        String::new()
    } else {
        format!(": {}", crate::text::printable(d))
    }
}

fn path_str(path: &Path) -> &str {
    // check_path has made sure it is UTF-8.
    path.to_str().unwrap_or_default()
}

impl Node for ShellNode {
    fn name(&self) -> &str {
        &self.name
    }

    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn read(&mut self, path: &Path, max: u64) -> Result<Option<Vec<u8>>, NodeError> {
        self.check(path)?;
        let script = format!(
            "p={p}\n[ -e \"$p\" ] || {{ echo ABSENT; exit 0; }}\n[ -f \"$p\" ] || {{ echo NOTFILE; exit 0; }}\n\
             s=$(stat -L -c %s \"$p\") || exit 1\n[ \"$s\" -le {max} ] || {{ echo \"TOOLARGE $s\"; exit 0; }}\n\
             echo DATA\nhead -c {cap} \"$p\" | base64",
            p = quote(path_str(path)),
            cap = max + 1,
        );
        let (rc, lines) = self.run(&script)?;
        if rc != 0 {
            return Err(self.failed(path, "reading", rc, &lines));
        }
        match lines.first().map(String::as_str) {
            Some("ABSENT") => Ok(None),
            Some("NOTFILE") => Err(NodeError::NotAFile {
                node: self.name.clone(),
                path: path.to_path_buf(),
            }),
            Some(l) if l.starts_with("TOOLARGE ") => Err(NodeError::TooLarge {
                node: self.name.clone(),
                path: path.to_path_buf(),
                size: l[9..].trim().parse().unwrap_or(u64::MAX),
                max,
            }),
            Some("DATA") => {
                let b64: String = lines[1..].concat();
                let bytes = STANDARD
                    .decode(b64.trim())
                    .map_err(|e| self.failed(path, &format!("decoding ({e})"), rc, &[]))?;
                if bytes.len() as u64 > max {
                    return Err(NodeError::TooLarge {
                        node: self.name.clone(),
                        path: path.to_path_buf(),
                        size: bytes.len() as u64,
                        max,
                    });
                }
                Ok(Some(bytes))
            }
            _ => Err(self.failed(path, "reading", rc, &lines)),
        }
    }

    fn stat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError> {
        self.stat_with(path, true)
    }

    fn lstat(&mut self, path: &Path) -> Result<Option<Meta>, NodeError> {
        self.stat_with(path, false)
    }

    fn list(&mut self, dir: &Path) -> Result<Vec<Entry>, NodeError> {
        self.check(dir)?;
        let script = format!(
            "d={d}\n[ -d \"$d\" ] || {{ echo \"not a directory\"; exit 1; }}\n\
             for f in \"$d\"/* \"$d\"/.[!.]* \"$d\"/..?*; do\n\
             [ -e \"$f\" ] || [ -L \"$f\" ] || continue\n\
             if [ -L \"$f\" ]; then k=l; else k=x; fi\n\
             if [ -f \"$f\" ]; then t=f; elif [ -d \"$f\" ]; then t=d; elif [ -e \"$f\" ]; then t=o; else t=-; fi\n\
             printf '%s %s ' \"$k\" \"$t\"; printf '%s' \"${{f##*/}}\" | base64 | tr -d '\\n'; echo\n\
             done",
            d = quote(path_str(dir)),
        );
        let (rc, lines) = self.run(&script)?;
        if rc != 0 {
            return Err(self.failed(dir, "listing", rc, &lines));
        }
        let mut out = Vec::new();
        for l in &lines {
            let mut parts = l.splitn(3, ' ');
            let (Some(k), Some(t), Some(name)) = (parts.next(), parts.next(), parts.next()) else {
                return Err(self.failed(dir, "listing (unexpected output)", rc, &lines));
            };
            let raw = STANDARD
                .decode(name.trim())
                .map_err(|_| self.failed(dir, "listing (unexpected output)", rc, &lines))?;
            let name = String::from_utf8_lossy(&raw).into_owned();
            let os_name = std::os::unix::ffi::OsStringExt::from_vec(raw);
            let target = match t {
                "f" => Some(Kind::File),
                "d" => Some(Kind::Dir),
                "o" => Some(Kind::Other),
                _ => None,
            };
            let kind = if k == "l" {
                Kind::Symlink
            } else {
                target.unwrap_or(Kind::Other)
            };
            out.push(Entry {
                name,
                os_name,
                kind,
                target,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }

    fn write_atomic(
        &mut self,
        path: &Path,
        bytes: &[u8],
        opts: WriteOptions,
    ) -> Result<(), NodeError> {
        self.check(path)?;
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return Err(NodeError::BadPath {
                node: self.name.clone(),
                path: path.to_path_buf(),
                why: "has no directory or file name",
            });
        };
        let mut data = STANDARD.encode(bytes);
        // 76-column lines, as base64(1) writes them: no shell or heredoc has a line limit
        // issue, and the terminator below can never be mistaken for data.
        let mut wrapped = String::with_capacity(data.len() + data.len() / 76 + 1);
        while !data.is_empty() {
            let rest = data.split_off(data.len().min(76));
            wrapped.push_str(&data);
            wrapped.push('\n');
            data = rest;
        }
        let mode = format!("{:o}", opts.mode);
        let set_mode = if opts.keep_mode_and_owner {
            format!(
                "if [ -e \"$p\" ]; then chown \"$(stat -L -c %u:%g \"$p\")\" \"$t\" && chmod \"$(stat -L -c %a \"$p\")\" \"$t\" || exit 1; else chmod {mode} \"$t\" || exit 1; fi"
            )
        } else {
            format!("chmod {mode} \"$t\" || exit 1")
        };
        let commit = if opts.no_clobber {
            // `ln` creates the name only if it does not exist: the race-free no-clobber rename.
            "if ln \"$t\" \"$p\" 2>/dev/null; then rm -f \"$t\"; else if [ -e \"$p\" ] || [ -L \"$p\" ]; then echo EXISTS; exit 0; fi; echo \"cannot link the temporary file\"; exit 1; fi".to_string()
        } else {
            "mv -f \"$t\" \"$p\" || exit 1".to_string()
        };
        let script = format!(
            "p={p}\nd={d}\n[ -d \"$d\" ] || {{ echo \"no directory $d\"; exit 1; }}\n\
             t=$(mktemp \"$d/\".{n}.sakr-XXXXXX) || exit 1\ntrap 'rm -f \"$t\"' EXIT\n\
             base64 -d > \"$t\" <<'__SAKR_DATA_{nonce}'\n{wrapped}__SAKR_DATA_{nonce}\n\
             [ \"$?\" = 0 ] || exit 1\n{set_mode}\nsync \"$t\" || exit 1\n{commit}\nsync \"$d\" || exit 1\necho OK",
            p = quote(path_str(path)),
            d = quote(path_str(dir)),
            n = quote(&name.to_string_lossy()),
            nonce = self.nonce,
        );
        let (rc, lines) = self.run(&script)?;
        match (rc, lines.last().map(String::as_str)) {
            (0, Some("OK")) => Ok(()),
            (0, Some("EXISTS")) => Err(NodeError::Exists {
                node: self.name.clone(),
                path: path.to_path_buf(),
            }),
            _ => Err(self.failed(path, "writing", rc, &lines)),
        }
    }

    fn mkdir_all(&mut self, dir: &Path, mode: u32) -> Result<(), NodeError> {
        self.check(dir)?;
        let script = format!(
            "d={d}\n[ -d \"$d\" ] && exit 0\nmkdir -p \"$d\" && chmod {mode:o} \"$d\"",
            d = quote(path_str(dir))
        );
        let (rc, lines) = self.run(&script)?;
        if rc != 0 {
            return Err(self.failed(dir, "creating the directory", rc, &lines));
        }
        Ok(())
    }

    fn remove_file(&mut self, path: &Path) -> Result<(), NodeError> {
        self.check(path)?;
        let script = format!(
            "p={p}\nif [ -d \"$p\" ] && [ ! -L \"$p\" ]; then echo \"is a directory\"; exit 1; fi\n\
             [ -e \"$p\" ] || [ -L \"$p\" ] || exit 0\nrm -f \"$p\" && sync \"$(dirname \"$p\")\"",
            p = quote(path_str(path))
        );
        let (rc, lines) = self.run(&script)?;
        if rc != 0 {
            return Err(self.failed(path, "removing", rc, &lines));
        }
        Ok(())
    }

    fn canonical(&mut self, path: &Path) -> Result<PathBuf, NodeError> {
        self.check(path)?;
        // Walk up to the longest existing ancestor, resolve it (`readlink -f`: coreutils and
        // busybox), append the rest.
        let script = format!(
            "p={p}\nrest=\nwhile [ ! -e \"$p\" ] && [ \"$p\" != / ]; do rest=\"/${{p##*/}}$rest\"; p=${{p%/*}}; [ -n \"$p\" ] || p=/; done\n\
             r=$(readlink -f \"$p\") || exit 1\nprintf 'PATH %s%s\\n' \"${{r%/}}\" \"$rest\"",
            p = quote(path_str(path))
        );
        let (rc, lines) = self.run(&script)?;
        match lines.first().and_then(|l| l.strip_prefix("PATH ")) {
            Some(p) if rc == 0 => {
                let p = if p.is_empty() { "/" } else { p };
                Ok(PathBuf::from(p))
            }
            _ => Err(self.failed(path, "resolving", rc, &lines)),
        }
    }

    fn sessions(&self) -> u32 {
        self.sessions
    }
}

impl ShellNode {
    fn stat_with(&mut self, path: &Path, follow: bool) -> Result<Option<Meta>, NodeError> {
        self.check(path)?;
        let script = if follow {
            format!(
                "p={p}\n[ -e \"$p\" ] || {{ echo ABSENT; exit 0; }}\nstat -L -c '%f %u %g %s' \"$p\"",
                p = quote(path_str(path))
            )
        } else {
            format!(
                "p={p}\n[ -e \"$p\" ] || [ -L \"$p\" ] || {{ echo ABSENT; exit 0; }}\nstat -c '%f %u %g %s' \"$p\"",
                p = quote(path_str(path))
            )
        };
        let (rc, lines) = self.run(&script)?;
        if rc != 0 {
            return Err(self.failed(path, "stat", rc, &lines));
        }
        let line = lines.first().map(String::as_str).unwrap_or("");
        if line == "ABSENT" {
            return Ok(None);
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let parsed = (|| {
            let raw = u32::from_str_radix(f.first()?, 16).ok()?;
            Some(Meta {
                kind: kind_from_mode(raw),
                mode: raw & 0o7777,
                uid: f.get(1)?.parse().ok()?,
                gid: f.get(2)?.parse().ok()?,
                size: f.get(3)?.parse().ok()?,
            })
        })();
        parsed
            .map(Some)
            .ok_or_else(|| self.failed(path, "stat (unexpected output)", rc, &lines))
    }
}

/// A local `sh -s` as a [`Channel`]: the shell transport's own tests, and a remote shell
/// reached through any command (`--ssh-command` is one).
pub struct ProcessChannel {
    child: std::process::Child,
    stdin: Option<std::process::ChildStdin>,
    rx: mpsc::Receiver<io::Result<Vec<u8>>>,
    stderr: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stderr_done: std::thread::JoinHandle<()>,
}

/// Keep at most this much of the remote's stderr (ssh's diagnostics are a few lines).
const MAX_STDERR: usize = 16 * 1024;

impl ProcessChannel {
    pub fn spawn(mut cmd: std::process::Command) -> io::Result<ProcessChannel> {
        use std::process::Stdio;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let stdin = child.stdin.take();
        let rx = line_reader(child.stdout.take().expect("piped"));
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = stderr.clone();
        let mut err = child.stderr.take().expect("piped");
        let stderr_done = std::thread::spawn(move || {
            let mut chunk = [0u8; 4096];
            while let Ok(n) = io::Read::read(&mut err, &mut chunk) {
                if n == 0 {
                    break;
                }
                let mut s = sink.lock().unwrap_or_else(|p| p.into_inner());
                if s.len() < MAX_STDERR {
                    let take = n.min(MAX_STDERR - s.len());
                    s.extend_from_slice(&chunk[..take]);
                }
            }
        });
        Ok(ProcessChannel {
            child,
            stdin,
            rx,
            stderr,
            stderr_done,
        })
    }
}

impl Channel for ProcessChannel {
    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        use io::Write as _;
        let stdin = self
            .stdin
            .as_mut()
            .ok_or_else(|| io::Error::new(io::ErrorKind::BrokenPipe, "closed"))?;
        stdin.write_all(bytes)?;
        stdin.flush()
    }

    fn recv_line(&mut self, deadline: Instant) -> io::Result<Option<Vec<u8>>> {
        recv_until(&self.rx, deadline)
    }

    fn diagnostics(&mut self) -> String {
        // Give the process a moment to end, and its stderr to be read to the end.
        let until = Instant::now() + Duration::from_millis(1000);
        while Instant::now() < until {
            if matches!(self.child.try_wait(), Ok(Some(_))) && self.stderr_done.is_finished() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let s = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&s).into_owned()
    }
}

impl Drop for ProcessChannel {
    fn drop(&mut self) {
        // EOF on stdin ends `sh -s`, which ends ssh; give it a moment, then make sure.
        drop(self.stdin.take());
        let until = Instant::now() + Duration::from_secs(2);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};

    /// A "remote" shell that is a local `sh -s`: the protocol and the scripts are the same ones
    /// ssh and pod exec carry.
    fn local_shell(name: &str) -> ShellNode {
        ShellNode::new(
            name,
            "sh -s",
            Box::new(|| {
                let mut c = std::process::Command::new("sh");
                c.arg("-s");
                Ok(Box::new(ProcessChannel::spawn(c)?) as Box<dyn Channel>)
            }),
        )
    }

    #[test]
    fn reads_writes_lists_and_stats_through_one_session() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let mut n = local_shell("n1");
        let p = root.join("sub/it's a file.key");
        n.mkdir_all(&root.join("sub"), 0o700).unwrap();
        assert_eq!(n.read(&p, 100).unwrap(), None);
        // Every byte value, and a line that looks like a marker, survive the trip.
        let mut bytes: Vec<u8> = (0..=255u8).collect();
        bytes.extend_from_slice(b"\n__SAKR_x_RC=0\n");
        n.write_atomic(&p, &bytes, WriteOptions::mode(0o640).no_clobber(true))
            .unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), bytes);
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(n.read(&p, 1000).unwrap().unwrap(), bytes);
        assert!(matches!(n.read(&p, 10), Err(NodeError::TooLarge { .. })));
        assert!(matches!(
            n.write_atomic(&p, b"x", WriteOptions::mode(0o600).no_clobber(true)),
            Err(NodeError::Exists { .. })
        ));
        let m = n.stat(&p).unwrap().unwrap();
        assert_eq!(
            (m.kind, m.mode, m.size),
            (Kind::File, 0o640, bytes.len() as u64)
        );
        let names: Vec<String> = n
            .list(&root.join("sub"))
            .unwrap()
            .into_iter()
            .map(|e| e.name)
            .collect();
        assert_eq!(names, ["it's a file.key"]);
        n.remove_file(&p).unwrap();
        assert_eq!(n.stat(&p).unwrap(), None);
        assert_eq!(n.sessions(), 1, "one session for everything");
    }

    #[test]
    fn keep_mode_and_owner_and_no_stray_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("kube-apiserver.yaml");
        std::fs::write(&p, b"old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o604)).unwrap();
        std::os::unix::fs::chown(&p, Some(1234), Some(5678)).unwrap();
        let mut n = local_shell("n1");
        n.write_atomic(&p, b"new", WriteOptions::mode(0o600).keep_mode_and_owner())
            .unwrap();
        let m = std::fs::metadata(&p).unwrap();
        assert_eq!((m.mode() & 0o777, m.uid(), m.gid()), (0o604, 1234, 5678));
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, ["kube-apiserver.yaml"]);
    }

    #[test]
    fn a_fifo_is_refused_without_blocking_and_symlinks_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::os::unix::fs::symlink("nowhere", dir.path().join(".dangling")).unwrap();
        let mut n = local_shell("n1");
        assert!(matches!(n.read(&fifo, 10), Err(NodeError::NotAFile { .. })));
        let e = n.list(dir.path()).unwrap();
        let got: Vec<_> = e
            .iter()
            .map(|e| (e.name.as_str(), e.kind, e.target))
            .collect();
        assert_eq!(
            got,
            [
                (".dangling", Kind::Symlink, None),
                ("pipe", Kind::Other, Some(Kind::Other))
            ]
        );
    }

    #[test]
    fn a_dead_session_fails_every_later_operation_naming_the_node() {
        let mut n = ShellNode::new(
            "cp-2",
            "test",
            Box::new(|| {
                let mut c = std::process::Command::new("sh");
                c.args([
                    "-c",
                    "echo 'ssh: connect to host cp-2 port 22: Connection refused' >&2; exit 255",
                ]);
                Ok(Box::new(ProcessChannel::spawn(c)?) as Box<dyn Channel>)
            }),
        );
        let e = n.read(Path::new("/etc/kubernetes/x"), 10).unwrap_err();
        assert!(e.is_unreachable(), "{e}");
        let text = e.to_string();
        assert!(
            text.contains("cp-2") && text.contains("Connection refused"),
            "{text}"
        );
        assert!(n.stat(Path::new("/x")).unwrap_err().is_unreachable());
        assert_eq!(n.sessions(), 1);
    }
}
