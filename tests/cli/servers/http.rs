//! Minimal HTTP/1.1 pieces for the publish tests, on std only, loopback only:
//! - [`request`]: one raw request (checks the headers a relying party really gets);
//! - [`StaticServer`]: serves a `file://` publish directory the way nginx would be configured
//!   (`application/json`, `Cache-Control`), for the relying-party check;
//! - [`FaultProxy`]: forwards to a real server but answers 500 to the first N requests that
//!   match, proving the SDKs' retries (and, with a large N, a failure that outlasts them).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names lowercased.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
struct RawRequest {
    method: String,
    path: String,
    /// Head lines after the request line, as received.
    header_lines: Vec<String>,
    body: Vec<u8>,
}

/// Reads one request (head + Content-Length body); `None` at EOF.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<RawRequest> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut header_lines = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end_matches(['\r', '\n']).to_owned();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':')
            && k.trim().eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().ok()?;
        }
        header_lines.push(h);
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(RawRequest {
        method,
        path,
        header_lines,
        body,
    })
}

/// Reads a whole response from a `Connection: close` stream.
fn read_response(stream: &mut TcpStream) -> std::io::Result<Response> {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| std::io::Error::other("no header end"))?;
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::other("bad status line"))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect::<HashMap<_, _>>();
    let mut body = raw[split + 4..].to_vec();
    if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        body = dechunk(&body);
    }
    Ok(Response {
        status,
        headers,
        body,
    })
}

fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(pos) = data.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(
            String::from_utf8_lossy(&data[..pos])
                .split(';')
                .next()
                .unwrap()
                .trim(),
            16,
        )
        .unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = pos + 2;
        out.extend_from_slice(&data[start..start + size]);
        data = &data[start + size + 2..];
    }
    out
}

/// One request to a loopback URL `http://127.0.0.1:PORT/path?query`.
pub fn request(method: &str, url: &str, body: &[u8]) -> std::io::Result<Response> {
    request_with(method, url, &[], body)
}

/// [`request`] with extra header lines (`Name: value`).
pub fn request_with(
    method: &str,
    url: &str,
    headers: &[&str],
    body: &[u8],
) -> std::io::Result<Response> {
    let rest = url.strip_prefix("http://").expect("loopback http URL only");
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    assert!(
        authority.starts_with("127.0.0.1:") || authority.starts_with("localhost:"),
        "tests only talk to loopback: {authority}"
    );
    let path = if path.is_empty() { "/" } else { path };
    let mut stream = TcpStream::connect(authority)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nContent-Length: {}\r\nx-ms-version: 2021-12-02\r\n",
        body.len()
    )?;
    for h in headers {
        write!(stream, "{h}\r\n")?;
    }
    stream.write_all(b"\r\n")?;
    stream.write_all(body)?;
    read_response(&mut stream)
}

/// A thread accepting on 127.0.0.1, stopped and joined on drop.
struct Acceptor {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Acceptor {
    fn spawn(handle: impl Fn(TcpStream) + Send + Sync + 'static) -> Acceptor {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let handle = Arc::new(handle);
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let handle = handle.clone();
                std::thread::spawn(move || handle(stream));
            }
        });
        Acceptor {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Acceptor {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Serves files under `root` with `Content-Type: application/json` and a Cache-Control, as
/// the nginx location for an issuer would (the file backend cannot store either header).
pub struct StaticServer {
    acceptor: Acceptor,
}

impl StaticServer {
    pub fn start(root: PathBuf) -> StaticServer {
        let acceptor = Acceptor::spawn(move |stream| {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut stream = stream;
            while let Some(req) = read_request(&mut reader) {
                let path = req.path.split('?').next().unwrap_or("/");
                let safe = !path.split('/').any(|s| s == "..");
                let file = root.join(path.trim_start_matches('/'));
                let reply = match std::fs::read(&file) {
                    Ok(body) if safe && file.is_file() => format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nCache-Control: public, max-age=3600\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes()
                    .into_iter()
                    .chain(if req.method == "HEAD" { Vec::new() } else { body })
                    .collect::<Vec<u8>>(),
                    _ => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_vec(),
                };
                if stream.write_all(&reply).is_err() {
                    break;
                }
            }
        });
        StaticServer { acceptor }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.acceptor.port)
    }
}

/// One request the proxy saw, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub status: u16,
}

/// Forwards to `upstream_port` on 127.0.0.1, except that the first `failures` requests whose
/// method is `method` and whose path (query excluded) ends with `path_suffix` get a 500.
pub struct FaultProxy {
    acceptor: Acceptor,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FaultProxy {
    pub fn start(
        upstream_port: u16,
        method: &str,
        path_suffix: &str,
        failures: usize,
    ) -> FaultProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let seen2 = seen.clone();
        let remaining = Arc::new(Mutex::new(failures));
        let method = method.to_owned();
        let suffix = path_suffix.to_owned();
        let acceptor = Acceptor::spawn(move |stream| {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut client = stream;
            while let Some(req) = read_request(&mut reader) {
                let path_only = req.path.split('?').next().unwrap_or("").to_owned();
                let fail = req.method == method && path_only.ends_with(&suffix) && {
                    let mut r = remaining.lock().unwrap();
                    let fail = *r > 0;
                    *r = r.saturating_sub(1);
                    fail
                };
                let (status, bytes) = if fail {
                    let body = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>InternalError</Code><Message>injected by the test proxy</Message></Error>";
                    let mut out = format!(
                        "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    out.extend_from_slice(body);
                    (500, out)
                } else {
                    match forward(upstream_port, &req) {
                        Ok(pair) => pair,
                        Err(_) => break,
                    }
                };
                seen2.lock().unwrap().push(Seen {
                    method: req.method.clone(),
                    path: path_only,
                    status,
                });
                if client.write_all(&bytes).is_err() {
                    break;
                }
                if !fail {
                    // The forwarded response says `Connection: close`; honour it.
                    break;
                }
            }
        });
        FaultProxy { acceptor, seen }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.acceptor.port)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Sends `req` upstream with `Connection: close` and returns the raw response bytes, with its
/// connection header forced to `close` too.
fn forward(upstream_port: u16, req: &RawRequest) -> std::io::Result<(u16, Vec<u8>)> {
    let mut up = TcpStream::connect(("127.0.0.1", upstream_port))?;
    let mut head = format!("{} {} HTTP/1.1\r\n", req.method, req.path);
    for line in &req.header_lines {
        let name = line.split(':').next().unwrap_or("").trim();
        if name.eq_ignore_ascii_case("connection") || name.eq_ignore_ascii_case("keep-alive") {
            continue;
        }
        head.push_str(line);
        head.push_str("\r\n");
    }
    head.push_str("Connection: close\r\n\r\n");
    up.write_all(head.as_bytes())?;
    up.write_all(&req.body)?;
    let mut raw = Vec::new();
    up.read_to_end(&mut raw)?;
    let status = String::from_utf8_lossy(&raw[..raw.len().min(16)])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Make sure the client does not reuse this connection.
    let text_end = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
    let head = String::from_utf8_lossy(&raw[..text_end]).into_owned();
    let mut fixed = String::new();
    for (i, line) in head.split("\r\n").enumerate() {
        let name = line.split(':').next().unwrap_or("").trim();
        if i > 0 && name.eq_ignore_ascii_case("connection") {
            continue;
        }
        fixed.push_str(line);
        fixed.push_str("\r\n");
    }
    fixed.push_str("Connection: close\r\n\r\n");
    let mut out = fixed.into_bytes();
    out.extend_from_slice(&raw[text_end + 4..]);
    Ok((status, out))
}
