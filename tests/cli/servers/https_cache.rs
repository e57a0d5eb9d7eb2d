//! An issuer as relying parties reach it (issue 18): a real HTTPS server on 127.0.0.1 with its
//! own CA (rcgen), serving a `file://` publish directory the way a bucket behind a CDN serves it,
//! with a caching layer in front of the origin that keeps serving what it fetched until that
//! response's `Cache-Control` max-age has passed, as a CDN or a relying party's cache does.
//!
//! - `GET /PATH`: the cache's copy while it is younger than its max-age (with an `Age` header),
//!   else the origin file (`application/json`, the configured `Cache-Control`), cached anew;
//! - the first request for the discovery document is answered `302` to the same document (with a
//!   query), so a client that does not follow redirects fails;
//! - [`CachedIssuer::stale_hits`] counts answers from the cache that differed from the origin
//!   at that moment: the evidence that a stale JWKS was really served.

use std::collections::HashMap;
use std::io::{BufRead as _, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct CachedIssuer {
    /// `https://localhost:PORT`: the issuer URL (the certificate names localhost).
    pub url: String,
    /// The CA that signed the server certificate (for `SSL_CERT_FILE`).
    pub ca_file: PathBuf,
    /// Another CA, which did not (a wrong `SSL_CERT_FILE`).
    pub other_ca_file: PathBuf,
    stale: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

fn ca_params(name: &str) -> rcgen::CertificateParams {
    let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    p.distinguished_name.push(rcgen::DnType::CommonName, name);
    p.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    p
}

struct Cached {
    body: Vec<u8>,
    fetched: Instant,
    max_age: Duration,
}

impl CachedIssuer {
    /// Serve `root` (a publish directory) with `cache_control` on every origin response.
    pub fn start(root: &Path, cache_control: &str) -> CachedIssuer {
        let dir = tempfile::tempdir().unwrap();
        let ca_issuer = rcgen::CertifiedIssuer::self_signed(
            ca_params("sakr test issuer CA"),
            rcgen::KeyPair::generate().unwrap(),
        )
        .unwrap();
        let ca_pem = ca_issuer.pem();
        let other_pem = rcgen::CertifiedIssuer::self_signed(
            ca_params("some other CA"),
            rcgen::KeyPair::generate().unwrap(),
        )
        .unwrap()
        .pem();
        let srv_key = rcgen::KeyPair::generate().unwrap();
        let mut sp = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        sp.distinguished_name
            .push(rcgen::DnType::CommonName, "issuer");
        sp.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let cert = sp.signed_by(&srv_key, &ca_issuer).unwrap();
        let ca_file = dir.path().join("ca.crt");
        let other_ca_file = dir.path().join("other-ca.crt");
        std::fs::write(&ca_file, ca_pem).unwrap();
        std::fs::write(&other_ca_file, other_pem).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let tls = Arc::new(
            rustls::ServerConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_no_client_auth()
                .with_single_cert(
                    vec![cert.der().clone()],
                    rustls::pki_types::PrivateKeyDer::Pkcs8(srv_key.serialize_der().into()),
                )
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let stale = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let cache_control = cache_control.to_string();
        let max_age = Duration::from_secs(
            cache_control
                .split(',')
                .find_map(|d| d.trim().strip_prefix("max-age="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
        );
        {
            let (stale, stop) = (stale.clone(), stop.clone());
            std::thread::spawn(move || {
                let cache: Mutex<HashMap<String, Cached>> = Mutex::new(HashMap::new());
                let redirected = AtomicBool::new(false);
                while !stop.load(Ordering::SeqCst) {
                    let Ok((sock, _)) = listener.accept() else {
                        std::thread::sleep(Duration::from_millis(10));
                        continue;
                    };
                    sock.set_nonblocking(false).unwrap();
                    sock.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let conn = rustls::ServerConnection::new(tls.clone()).unwrap();
                    let mut tls_stream = rustls::StreamOwned::new(conn, sock);
                    let mut line = String::new();
                    {
                        let mut reader = BufReader::new(&mut tls_stream);
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            continue;
                        }
                        loop {
                            let mut h = String::new();
                            if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                                break;
                            }
                        }
                    }
                    let target = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let path = target.split('?').next().unwrap_or("/").to_string();
                    let origin = std::fs::read(root.join(path.trim_start_matches('/'))).ok();
                    let mut head = String::new();
                    let body: Vec<u8>;
                    if path == "/.well-known/openid-configuration"
                        && !redirected.swap(true, Ordering::SeqCst)
                    {
                        head.push_str(&format!(
                            "HTTP/1.1 302 Found\r\nLocation: {path}?via=redirect\r\n"
                        ));
                        body = Vec::new();
                    } else {
                        let mut c = cache.lock().unwrap();
                        match c.get(&path) {
                            Some(hit) if hit.fetched.elapsed() < hit.max_age => {
                                if origin.as_deref() != Some(hit.body.as_slice()) {
                                    stale.fetch_add(1, Ordering::SeqCst);
                                }
                                head.push_str(&format!(
                                    "HTTP/1.1 200 OK\r\nAge: {}\r\n",
                                    hit.fetched.elapsed().as_secs()
                                ));
                                body = hit.body.clone();
                            }
                            _ => match origin {
                                Some(b) => {
                                    c.insert(
                                        path.clone(),
                                        Cached {
                                            body: b.clone(),
                                            fetched: Instant::now(),
                                            max_age,
                                        },
                                    );
                                    head.push_str("HTTP/1.1 200 OK\r\n");
                                    body = b;
                                }
                                None => {
                                    head.push_str("HTTP/1.1 404 Not Found\r\n");
                                    body = Vec::new();
                                }
                            },
                        }
                        head.push_str(&format!(
                            "Content-Type: application/json\r\nCache-Control: {cache_control}\r\n"
                        ));
                    }
                    head.push_str(&format!(
                        "Content-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    ));
                    let _ = tls_stream.write_all(head.as_bytes());
                    let _ = tls_stream.write_all(&body);
                    let _ = tls_stream.flush();
                    tls_stream.conn.send_close_notify();
                    let _ = tls_stream.flush();
                }
            });
        }
        CachedIssuer {
            url: format!("https://localhost:{port}"),
            ca_file,
            other_ca_file,
            stale,
            stop,
            _dir: dir,
        }
    }

    /// Answers from the cache that differed from the origin when they were served.
    pub fn stale_hits(&self) -> u64 {
        self.stale.load(Ordering::SeqCst)
    }
}

impl Drop for CachedIssuer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}
