//! A fake kube-apiserver for the cluster tests (DESIGN §5, issue 5): there is no real one on
//! these machines, so this is the one allowed substitute, and it answers exactly the calls
//! sakr makes, in kube-apiserver's wire format:
//!
//! - `POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token` — TokenRequest in and out,
//!   `status.token` signed with the configured signing key by sakr's `token::Signer` with the
//!   claims of kube's `claims.go` (iss, sub, aud, exp, iat, nbf, kubernetes.io{…}), 10-minute
//!   floor and 422 `Invalid` below it, 404 for an unknown ServiceAccount;
//! - `GET /openid/v1/jwks` — this apiserver's own `--service-account-key-file` list, compact,
//!   `Content-Type: application/jwk-set+json`;
//! - `GET /.well-known/openid-configuration` — the discovery document for the issuer;
//! - `GET /apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=…` and
//!   `GET /api/v1/namespaces/default/endpoints/kubernetes` — every fake apiserver;
//! - `GET /api/v1/namespaces/{ns}/serviceaccounts/{name}` — a ServiceAccount of the spec, its
//!   `metadata.uid` the one TokenRequest puts in `kubernetes.io.serviceaccount.uid`; 404 else;
//! - `POST /apis/authentication.k8s.io/v1/tokenreviews` — TokenReview (201, the spec echoed),
//!   judged as kube-apiserver's ServiceAccount token authenticator judges a bearer token, with
//!   *this* apiserver's keys and issuer: signature by a key of the token's kid (every key without
//!   a kid), `iss`, audiences (the requested ones, else the issuer as `--api-audiences`),
//!   `exp`/`nbf` with go-jose's minute of leeway, the ServiceAccount (and a pod ref) existing
//!   with the claimed UID; a refusal is `status.error`, `[invalid bearer token, REASON]`.
//!   Any other method on the collection is 405, as kube-apiserver only creates TokenReviews;
//! - `GET /api/v1/namespaces/{ns}/pods/{name}/exec?command=cat&command=PATH…` upgraded to a
//!   websocket with subprotocol `v5.channel.k8s.io` or `v4.channel.k8s.io`: stdout on channel 1,
//!   stderr on 2, the exit `Status` on 3;
//! - anything else: 404 with a `Status` object; no or a wrong bearer token: 401 `Status`.
//!
//! Each apiserver is a real HTTPS server (hyper 1 over tokio-rustls) on 127.0.0.1 with a free
//! port. Its certificate, from a CA minted per cluster with rcgen, names `localhost` and the
//! in-cluster service names but *not* 127.0.0.1, as on a real cluster whose certificates are
//! not issued for every node address: the kubeconfig says `https://localhost:PORT`, and the
//! EndpointSlice lists `127.0.0.1:PORT` per apiserver, so reading an endpoint only works when
//! the client keeps the TLS server name of the kubeconfig. Each apiserver is its own slice here
//! because the fakes cannot share a port on 127.0.0.1 (real ones share one slice and port).
//! With [`Spec::distinct_hosts`], apiserver `i` listens on 127.0.0.{i+1} instead (still its own
//! port and slice), as real apiservers each register their advertise address (the node's
//! InternalIP): a test can map a Node's InternalIP to its endpoint as on a real cluster.
//!
//! A published issuer (the blob-storage bucket) can be served under `/issuer/` on the first
//! apiserver, without auth. A kubeconfig with the CA, the bearer token and two contexts is
//! written to a temp directory so the real kube client code path runs. Everything stops on Drop.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use base64::Engine as _;
use bytes::Bytes;
use futures_util::SinkExt as _;
use http_body_util::{BodyExt as _, Full};
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use sakr::jwks::Jwks;
use sakr::jwks::discovery::Discovery;
use sakr::keys::PublicKey;
use sakr::keys::secret::Secret;
use sakr::token::{ClaimsSpec, Signer, kube_claims};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::Role;

/// What the fake cluster holds.
pub struct Spec {
    /// `--service-account-signing-key-file` (PEM): every token is signed with it.
    pub signing_key: Secret,
    /// One entry per apiserver: its `--service-account-key-file` keys, in flag order.
    pub apiserver_keys: Vec<Vec<PublicKey>>,
    /// The JWKS published under the issuer URL; `None`: the issuer is the first apiserver.
    pub published: Option<Vec<PublicKey>>,
    /// ServiceAccounts that exist, `(namespace, name)`.
    pub service_accounts: Vec<(String, String)>,
    pub pods: Vec<FakePod>,
    pub endpoints: EndpointsMode,
    /// Exec speaks only `v4.channel.k8s.io`, as kube-apiserver before 1.30 (no v5 close frame).
    pub exec_v4_only: bool,
    /// Apiserver `i` listens on 127.0.0.{i+1} (the first stays on 127.0.0.1, which the
    /// kubeconfig's `localhost` reaches), and the EndpointSlices and Endpoints say so.
    pub distinct_hosts: bool,
}

impl Spec {
    /// One apiserver signing with the PEM key at `key`, serving no key of its own (a test that
    /// watches a node's manifest gets them from there), with these ServiceAccounts.
    pub fn signing_with(key: &std::path::Path, service_accounts: &[(&str, &str)]) -> Spec {
        Spec {
            signing_key: Secret::new(std::fs::read(key).unwrap()),
            apiserver_keys: vec![vec![]],
            published: None,
            service_accounts: service_accounts
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            pods: vec![],
            endpoints: EndpointsMode::Slices,
            exec_v4_only: false,
            distinct_hosts: false,
        }
    }
}

#[derive(Clone)]
pub struct FakePod {
    pub namespace: String,
    pub name: String,
    pub containers: Vec<String>,
    pub service_account: String,
    /// Where the projected token is mounted (in every container).
    pub token_path: String,
}

/// How the apiservers are listed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum EndpointsMode {
    /// EndpointSlices (and Endpoints) list every apiserver.
    Slices,
    /// EndpointSlices are forbidden (RBAC); Endpoints lists every apiserver.
    EndpointsOnly,
    /// Both are forbidden.
    Forbidden,
    /// Slices list the apiservers plus an address where nothing listens.
    SlicesWithDeadEndpoint,
}

struct Shared {
    signer: Signer,
    issuer: String,
    jwks_uri: String,
    bearer: String,
    keys: Vec<Vec<PublicKey>>,
    published: Option<Vec<PublicKey>>,
    service_accounts: Vec<(String, String)>,
    pods: Vec<FakePod>,
    /// Minted at start: `(namespace, pod) → token`.
    pod_tokens: BTreeMap<(String, String), String>,
    endpoints: EndpointsMode,
    exec_v4_only: bool,
    ports: Mutex<Vec<u16>>,
    /// The address each apiserver listens on (and its slice lists).
    hosts: Vec<String>,
    /// `metadata.creationTimestamp` of the ServiceAccounts.
    created: String,
    dead_port: u16,
    log: Mutex<Vec<String>>,
    /// `GET /api/v1/nodes`: `(name, labels, InternalIP)`; set with [`FakeCluster::set_nodes`].
    nodes: Mutex<Vec<FakeNode>>,
    /// Pods on nodes and the shells in them (the pod node transport).
    node_pods: super::fake_node_pods::NodePods,
    /// ConfigMaps and Leases (a rotation's `k8s://` state and lock).
    objects: super::fake_objects::Objects,
    /// What `GET /metrics` answers (Prometheus text), set by a test.
    metrics: Mutex<String>,
    /// Per apiserver: the node manifest it restarts from, once watched.
    watched: Mutex<Vec<Option<super::fake_restarts::Watched>>>,
}

/// A Node of `GET /api/v1/nodes`: name, label keys, InternalIP.
type FakeNode = (String, Vec<String>, Option<String>);

pub struct FakeCluster {
    rt: Option<tokio::runtime::Runtime>,
    shared: Arc<Shared>,
    _dir: tempfile::TempDir,
    pub ports: Vec<u16>,
    /// The address apiserver `i` listens on: `127.0.0.{i+1}` with [`Spec::distinct_hosts`],
    /// else `127.0.0.1` for all.
    pub hosts: Vec<String>,
    pub kubeconfig: PathBuf,
    pub ca_file: PathBuf,
    pub issuer: String,
    pub bearer: String,
}

impl Drop for FakeCluster {
    fn drop(&mut self) {
        // Background shutdown: allowed inside an async test too, and it drops every listener.
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl FakeCluster {
    pub fn start(spec: Spec) -> FakeCluster {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();

        // CA and serving certificate. No IP SAN on purpose (see the module header).
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kubernetes");
        ca_params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
            rcgen::KeyUsagePurpose::DigitalSignature,
        ];
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
        let srv_key = rcgen::KeyPair::generate().unwrap();
        let mut srv_params = rcgen::CertificateParams::new(vec![
            "localhost".to_string(),
            "kubernetes".to_string(),
            "kubernetes.default.svc".to_string(),
        ])
        .unwrap();
        srv_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "kube-apiserver");
        srv_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let srv_cert = srv_params.signed_by(&srv_key, &ca).unwrap();
        let ca_pem = ca.pem();
        let ca_file = dir.path().join("ca.crt");
        std::fs::write(&ca_file, &ca_pem).unwrap();

        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut tls = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![srv_cert.der().clone(), ca.der().clone()],
                rustls::pki_types::PrivateKeyDer::Pkcs8(srv_key.serialize_der().into()),
            )
            .unwrap();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

        assert!(
            spec.apiserver_keys.len() < 255,
            "one loopback address per apiserver"
        );
        let hosts: Vec<String> = (0..spec.apiserver_keys.len())
            .map(|i| {
                if spec.distinct_hosts {
                    format!("127.0.0.{}", i + 1)
                } else {
                    "127.0.0.1".to_string()
                }
            })
            .collect();
        let listeners: Vec<std::net::TcpListener> = hosts
            .iter()
            .map(|host| {
                let l = std::net::TcpListener::bind((host.as_str(), 0)).unwrap();
                l.set_nonblocking(true).unwrap();
                l
            })
            .collect();
        let ports: Vec<u16> = listeners
            .iter()
            .map(|l| l.local_addr().unwrap().port())
            .collect();
        let base = format!("https://localhost:{}", ports[0]);
        let (issuer, jwks_uri) = match &spec.published {
            Some(_) => (
                format!("{base}/issuer"),
                format!("{base}/issuer/openid/v1/jwks"),
            ),
            None => (base.clone(), format!("{base}/openid/v1/jwks")),
        };
        let signer = Signer::from_pem(&spec.signing_key).unwrap();
        let bearer = format!("fake-bearer-{:016x}", rand_u64());

        let mut pod_tokens = BTreeMap::new();
        let now = jiff::Timestamp::now().as_second();
        for p in &spec.pods {
            let audiences = vec![issuer.clone()];
            let claims = kube_claims(&ClaimsSpec {
                issuer: &issuer,
                audiences: &audiences,
                namespace: &p.namespace,
                service_account: &p.service_account,
                service_account_uid: &uid(&p.service_account),
                pod: Some((&p.name, &uid(&p.name))),
                now,
                // --service-account-extend-token-expiration: a default projected token (3607 s
                // requested) gets a one-year `exp` (DESIGN §2.6).
                ttl_seconds: 365 * 24 * 3600,
            });
            pod_tokens.insert(
                (p.namespace.clone(), p.name.clone()),
                signer.sign(&claims).unwrap(),
            );
        }

        let shared = Arc::new(Shared {
            signer,
            issuer: issuer.clone(),
            jwks_uri,
            bearer: bearer.clone(),
            keys: spec.apiserver_keys.clone(),
            published: spec.published.clone(),
            service_accounts: spec.service_accounts.clone(),
            pods: spec.pods.clone(),
            pod_tokens,
            endpoints: spec.endpoints,
            exec_v4_only: spec.exec_v4_only,
            ports: Mutex::new(ports.clone()),
            hosts: hosts.clone(),
            created: jiff::Timestamp::from_second(now).unwrap().to_string(),
            dead_port: free_port(),
            log: Mutex::new(Vec::new()),
            nodes: Mutex::new(Vec::new()),
            node_pods: Default::default(),
            objects: Default::default(),
            metrics: Mutex::new(String::new()),
            watched: Mutex::new(spec.apiserver_keys.iter().map(|_| None).collect()),
        });

        for (index, listener) in listeners.into_iter().enumerate() {
            let shared = shared.clone();
            let acceptor = acceptor.clone();
            rt.spawn(async move {
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    // Restarting (tests/cli/fake_restarts.rs): nothing answers.
                    if shared.watched.lock().unwrap()[index]
                        .as_ref()
                        .is_some_and(|w| w.is_down())
                    {
                        drop(tcp);
                        continue;
                    }
                    let shared = shared.clone();
                    let acceptor = acceptor.clone();
                    tokio::spawn(async move {
                        // A client that rejects our certificate ends here, as it should.
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let svc = hyper::service::service_fn(move |req| {
                            let shared = shared.clone();
                            async move { Ok::<_, Infallible>(handle(&shared, index, req).await) }
                        });
                        let _ = hyper::server::conn::http1::Builder::new()
                            .serve_connection(TokioIo::new(tls), svc)
                            .with_upgrades()
                            .await;
                    });
                }
            });
        }

        let kubeconfig = dir.path().join("kubeconfig");
        let ca_b64 = base64::engine::general_purpose::STANDARD.encode(&ca_pem);
        std::fs::write(
            &kubeconfig,
            format!(
                "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {base}
    certificate-authority-data: {ca_b64}
- name: nowhere
  cluster:
    server: https://localhost:{dead}
    certificate-authority-data: {ca_b64}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
    namespace: default
- name: unreachable
  context:
    cluster: nowhere
    user: fake
current-context: fake
users:
- name: fake
  user:
    token: {bearer}
",
                dead = shared.dead_port
            ),
        )
        .unwrap();

        FakeCluster {
            rt: Some(rt),
            shared,
            _dir: dir,
            ports,
            hosts,
            kubeconfig,
            ca_file,
            issuer,
            bearer,
        }
    }

    /// The projected token mounted in a pod.
    pub fn pod_token(&self, namespace: &str, pod: &str) -> String {
        self.shared.pod_tokens[&(namespace.to_string(), pod.to_string())].clone()
    }

    /// `"{apiserver index} {METHOD} {path}"` of every request served, in order.
    /// The Nodes `GET /api/v1/nodes` lists: `(name, label keys, InternalIP)`.
    pub fn set_nodes(&self, nodes: &[(&str, &[&str], Option<&str>)]) {
        *self.shared.nodes.lock().unwrap() = nodes
            .iter()
            .map(|(n, l, ip)| {
                (
                    n.to_string(),
                    l.iter().map(|x| x.to_string()).collect(),
                    ip.map(str::to_string),
                )
            })
            .collect();
    }

    /// Node `name`'s files are under `root` (its `/etc/kubernetes` is `root/etc/kubernetes`):
    /// pods on it run, and a shell exec'ed in one sees them. The Node must also be listed by
    /// [`FakeCluster::set_nodes`] for `GET /api/v1/nodes/{name}`.
    pub fn set_node_tree(&self, name: &str, root: &std::path::Path) {
        self.shared.node_pods.set_tree(name, root);
    }

    /// Every pod created so far, as posted (plus metadata and the initial status).
    pub fn created_pods(&self) -> Vec<serde_json::Value> {
        self.shared.node_pods.created()
    }

    /// `namespace/name` of every pod deleted so far.
    pub fn deleted_pods(&self) -> Vec<String> {
        self.shared.node_pods.deleted()
    }

    /// `namespace/name` of the pods that exist now.
    pub fn live_pods(&self) -> Vec<String> {
        self.shared.node_pods.live()
    }

    /// Apiserver `index` runs from the kube-apiserver manifest at `manifest` of the node whose
    /// root is `host_root`, and restarts (down for `restart`) whenever it changes; see
    /// tests/cli/fake_restarts.rs.
    pub fn watch_manifest(
        &self,
        index: usize,
        manifest: &std::path::Path,
        host_root: &std::path::Path,
        restart: std::time::Duration,
    ) {
        self.shared.watched.lock().unwrap()[index] = Some(super::fake_restarts::Watched::new(
            manifest, host_root, restart,
        ));
        let shared = self.shared.clone();
        self.rt.as_ref().unwrap().spawn(async move {
            loop {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                if let Some(w) = shared.watched.lock().unwrap()[index].as_mut() {
                    w.tick();
                }
            }
        });
    }

    /// A ConfigMap (`configmaps`) or Lease (`leases`) as stored.
    pub fn object(&self, res: &str, ns: &str, name: &str) -> Option<serde_json::Value> {
        self.shared.objects.get(res, ns, name)
    }

    /// A legacy ServiceAccount token Secret, as kube-controller-manager's tokens controller
    /// made it: `token` signed by whatever key the test chooses.
    pub fn plant_legacy_token(&self, ns: &str, name: &str, sa: &str, token: &str) {
        self.plant_secret(ns, name, "kubernetes.io/service-account-token", sa, token);
    }

    /// A Secret of any type with a `token` data key.
    pub fn plant_secret(&self, ns: &str, name: &str, type_: &str, sa: &str, token: &str) {
        self.shared.objects.plant(
            "secrets",
            ns,
            name,
            serde_json::json!({
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {
                    "name": name,
                    "namespace": ns,
                    "annotations": {"kubernetes.io/service-account.name": sa},
                },
                "type": type_,
                "data": {"token": base64::engine::general_purpose::STANDARD.encode(token)},
            }),
        );
    }

    /// What `GET /metrics` answers from now on.
    pub fn set_metrics(&self, text: &str) {
        *self.shared.metrics.lock().unwrap() = text.to_string();
    }

    /// Store an object as another client would (a Lease held by another runner).
    pub fn plant_object(&self, res: &str, ns: &str, name: &str, obj: serde_json::Value) {
        self.shared.objects.plant(res, ns, name, obj);
    }

    /// The next `n` updates (PUT) of `res` conflict (409), as if another writer got there first.
    pub fn conflict_next_updates(&self, res: &str, n: u32) {
        self.shared.objects.conflict_next_updates(res, n);
    }

    /// Take watched apiserver `index` down now for its restart time.
    pub fn restart_now(&self, index: usize) {
        if let Some(w) = self.shared.watched.lock().unwrap()[index].as_mut() {
            w.restart_now();
        }
    }

    /// How many times apiserver `index` restarted from its watched manifest.
    pub fn restarts(&self, index: usize) -> u32 {
        self.shared.watched.lock().unwrap()[index]
            .as_ref()
            .map_or(0, |w| w.restarts)
    }

    /// When watched apiserver `index` came back from each restart, and the kid it signs with.
    pub fn came_back(&self, index: usize) -> Vec<(std::time::SystemTime, String)> {
        self.shared.watched.lock().unwrap()[index]
            .as_ref()
            .map_or_else(Vec::new, |w| w.came_back.clone())
    }

    /// The kid apiserver `index` signs tokens with now.
    pub fn signing_kid(&self, index: usize) -> String {
        match self.shared.watched.lock().unwrap()[index].as_ref() {
            Some(w) => w.live.signing_kid(),
            None => self.shared.signer.public_key().kid(),
        }
    }

    pub fn requests(&self) -> Vec<String> {
        self.shared.log.lock().unwrap().clone()
    }

    /// A port on 127.0.0.1 where nothing listens.
    pub fn dead_port(&self) -> u16 {
        self.shared.dead_port
    }
}

/// A v1 Node as list and get return it: name, labels, Hostname and InternalIP addresses.
fn node_object((name, labels, ip): &FakeNode) -> serde_json::Value {
    let labels: serde_json::Map<String, serde_json::Value> = labels
        .iter()
        .map(|l| (l.clone(), serde_json::Value::String(String::new())))
        .collect();
    let mut addresses = vec![serde_json::json!({"type": "Hostname", "address": name})];
    if let Some(ip) = ip {
        addresses.push(serde_json::json!({"type": "InternalIP", "address": ip}));
    }
    serde_json::json!({
        "kind": "Node",
        "apiVersion": "v1",
        "metadata": {"name": name, "labels": labels},
        "status": {"addresses": addresses}
    })
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    aws_lc_rs::rand::fill(&mut b).unwrap();
    u64::from_le_bytes(b)
}

/// A stable fake UID per name.
pub fn uid(name: &str) -> String {
    use sha2::Digest as _;
    let h = sha2::Sha256::digest(name.as_bytes());
    let x = hex(&h[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &x[..8],
        &x[8..12],
        &x[12..16],
        &x[16..20],
        &x[20..32]
    )
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

type Resp = Response<Full<Bytes>>;

fn json(code: StatusCode, content_type: &str, body: String) -> Resp {
    Response::builder()
        .status(code)
        .header("Content-Type", content_type)
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

/// A `metav1.Status` failure, as kube-apiserver writes it.
fn status(code: StatusCode, reason: &str, message: &str, details: serde_json::Value) -> Resp {
    let mut v = super::fake_node_pods::status_json(code.as_u16(), reason, message);
    if !details.is_null() {
        v["details"] = details;
    }
    json(code, "application/json", v.to_string())
}

fn pod_not_found(name: &str) -> Resp {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        &format!("pods \"{name}\" not found"),
        serde_json::json!({"name": name, "kind": "pods"}),
    )
}

fn not_found() -> Resp {
    status(
        StatusCode::NOT_FOUND,
        "NotFound",
        "the server could not find the requested resource",
        serde_json::json!({}),
    )
}

fn forbidden(resource: &str, group: &str) -> Resp {
    status(
        StatusCode::FORBIDDEN,
        "Forbidden",
        &format!(
            "{resource}{g} is forbidden: User \"sakr\" cannot list resource \"{resource}\" in API group \"{group}\" in the namespace \"default\"",
            g = if group.is_empty() {
                String::new()
            } else {
                format!(".{group}")
            }
        ),
        serde_json::json!({"group": group, "kind": resource}),
    )
}

async fn handle(shared: &Arc<Shared>, index: usize, req: Request<Incoming>) -> Resp {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let query = req.uri().query().unwrap_or("").to_string();
    shared
        .log
        .lock()
        .unwrap()
        .push(format!("{index} {method} {path}"));
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();

    // The published issuer (the bucket): public, first apiserver only.
    if index == 0
        && let Some(published) = &shared.published
        && segs.first() == Some(&"issuer")
    {
        return match (method.as_str(), &segs[1..]) {
            ("GET", [".well-known", "openid-configuration"]) => json(
                StatusCode::OK,
                "application/json",
                Discovery::new(
                    &shared.issuer,
                    Some(&shared.jwks_uri),
                    published.iter().map(PublicKey::alg),
                )
                .unwrap()
                .to_json(),
            ),
            ("GET", ["openid", "v1", "jwks"]) => json(
                StatusCode::OK,
                "application/json",
                Jwks::from_keys(published).0.to_json(),
            ),
            _ => json(StatusCode::NOT_FOUND, "text/plain", "NoSuchKey".into()),
        };
    }

    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {}", shared.bearer));
    if !authorized {
        return status(
            StatusCode::UNAUTHORIZED,
            "Unauthorized",
            "Unauthorized",
            serde_json::Value::Null,
        );
    }

    let live = shared.watched.lock().unwrap()[index]
        .as_ref()
        .map(|w| w.live.clone());
    let keys = live.as_ref().map_or(&shared.keys[index], |l| &l.keys);
    let verify_keys = live
        .as_ref()
        .map_or(&shared.keys[index], |l| &l.verify_keys);
    let issuer = live.as_ref().map_or(&shared.issuer, |l| &l.issuer);
    match (method.as_str(), segs.as_slice()) {
        ("GET", ["readyz"]) => json(StatusCode::OK, "text/plain", "ok".into()),
        // Legacy token Secrets (issue 18): list in all namespaces by type, get, update; an
        // update that leaves a ServiceAccount token Secret without a token has the "tokens
        // controller" issue a new one, signed with what this apiserver signs with now (the
        // rotation switches kube-controller-manager with it).
        ("GET", ["api", "v1", "secrets"]) => {
            let selector = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "fieldSelector")
                .map(|(_, v)| v.into_owned());
            let items: Vec<serde_json::Value> = shared
                .objects
                .list("secrets")
                .into_iter()
                .filter(|o| {
                    selector.as_deref().is_none_or(|sel| {
                        sel.strip_prefix("type=")
                            .is_some_and(|t| o["type"].as_str() == Some(t))
                    })
                })
                .collect();
            json(
                StatusCode::OK,
                "application/json",
                serde_json::json!({
                    "kind": "SecretList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": items
                })
                .to_string(),
            )
        }
        ("GET" | "PUT", ["api", "v1", "namespaces", ns, "secrets", name]) => {
            let (ns, name) = (ns.to_string(), name.to_string());
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let (code, obj) =
                shared
                    .objects
                    .handle(method.as_str(), "secrets", &ns, Some(&name), &body);
            if method == "PUT"
                && code == StatusCode::OK
                && obj["type"] == "kubernetes.io/service-account-token"
                && obj["data"]["token"].as_str().is_none_or(str::is_empty)
            {
                let sa = obj["metadata"]["annotations"]["kubernetes.io/service-account.name"]
                    .as_str()
                    .unwrap_or("default")
                    .to_string();
                let claims = legacy_claims(&ns, &name, &sa);
                let token = match &live {
                    Some(l) => l.sign(&claims).unwrap(),
                    None => shared.signer.sign(&claims).unwrap(),
                };
                let mut issued = obj.clone();
                issued["data"]["token"] = base64::engine::general_purpose::STANDARD
                    .encode(token)
                    .into();
                shared.objects.plant("secrets", &ns, &name, issued);
            }
            json(code, "application/json", obj.to_string())
        }
        ("GET", ["metrics"]) => json(
            StatusCode::OK,
            "text/plain; version=0.0.4",
            shared.metrics.lock().unwrap().clone(),
        ),
        (
            "GET" | "POST" | "PUT",
            ["api", "v1", "namespaces", ns, "configmaps", rest @ ..]
            | [
                "apis",
                "coordination.k8s.io",
                "v1",
                "namespaces",
                ns,
                "leases",
                rest @ ..,
            ],
        ) if rest.len() <= 1 => {
            let res = if segs[0] == "api" {
                "configmaps"
            } else {
                "leases"
            };
            let (ns, name) = (ns.to_string(), rest.first().map(|n| n.to_string()));
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let (code, obj) =
                shared
                    .objects
                    .handle(method.as_str(), res, &ns, name.as_deref(), &body);
            json(code, "application/json", obj.to_string())
        }
        ("GET", ["api", "v1", "nodes"]) => {
            // A label selector that names a key selects the Nodes carrying that label.
            let selector = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "labelSelector")
                .map(|(_, v)| v.into_owned());
            let items: Vec<serde_json::Value> = shared
                .nodes
                .lock()
                .unwrap()
                .iter()
                .filter(|(_, labels, _)| selector.as_ref().is_none_or(|s| labels.contains(s)))
                .map(node_object)
                .collect();
            json(
                StatusCode::OK,
                "application/json",
                serde_json::json!({
                    "kind": "NodeList",
                    "apiVersion": "v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": items
                })
                .to_string(),
            )
        }
        ("GET", ["openid", "v1", "jwks"]) => json(
            StatusCode::OK,
            "application/jwk-set+json",
            Jwks::from_keys(keys).0.to_json(),
        ),
        ("GET", [".well-known", "openid-configuration"]) => json(
            StatusCode::OK,
            "application/json",
            Discovery::new(
                issuer,
                Some(&shared.jwks_uri),
                keys.iter().map(PublicKey::alg),
            )
            .unwrap()
            .to_json(),
        ),
        (
            "POST",
            [
                "api",
                "v1",
                "namespaces",
                ns,
                "serviceaccounts",
                name,
                "token",
            ],
        ) => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            token_request(shared, live.as_ref(), ns, name, &body)
        }
        ("GET", ["api", "v1", "namespaces", ns, "serviceaccounts", name]) => {
            let (code, obj) = super::fake_review::service_account(
                &shared.service_accounts,
                &shared.created,
                ns,
                name,
            );
            json(code, "application/json", obj.to_string())
        }
        ("POST", ["apis", "authentication.k8s.io", "v1", "tokenreviews"]) => {
            let body = req.into_body().collect().await.unwrap().to_bytes();
            let authority = super::fake_review::Authority {
                keys: verify_keys,
                issuer,
                service_accounts: &shared.service_accounts,
                pods: &shared.pods,
            };
            let (code, obj) = super::fake_review::token_review(&authority, &body);
            json(code, "application/json", obj.to_string())
        }
        // kube-apiserver serves only `create` on TokenReviews.
        (_, ["apis", "authentication.k8s.io", "v1", "tokenreviews"]) => status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            serde_json::json!({}),
        ),
        (
            "GET",
            [
                "apis",
                "discovery.k8s.io",
                "v1",
                "namespaces",
                "default",
                "endpointslices",
            ],
        ) => {
            if matches!(
                shared.endpoints,
                EndpointsMode::EndpointsOnly | EndpointsMode::Forbidden
            ) {
                return forbidden("endpointslices", "discovery.k8s.io");
            }
            let selector = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "labelSelector")
                .map(|(_, v)| v.into_owned())
                .unwrap_or_default();
            let items = if selector == "kubernetes.io/service-name=kubernetes" {
                slices(shared)
            } else {
                vec![]
            };
            json(
                StatusCode::OK,
                "application/json",
                serde_json::json!({
                    "kind": "EndpointSliceList",
                    "apiVersion": "discovery.k8s.io/v1",
                    "metadata": {"resourceVersion": "1"},
                    "items": items,
                })
                .to_string(),
            )
        }
        (
            "GET",
            [
                "api",
                "v1",
                "namespaces",
                "default",
                "endpoints",
                "kubernetes",
            ],
        ) => {
            if shared.endpoints == EndpointsMode::Forbidden {
                return forbidden("endpoints", "");
            }
            let ports = shared.ports.lock().unwrap().clone();
            // One subset per distinct port (Endpoints groups addresses by port set).
            let subsets: Vec<serde_json::Value> = ports
                .iter()
                .zip(&shared.hosts)
                .map(|(p, host)| {
                    serde_json::json!({
                        "addresses": [{"ip": host}],
                        "ports": [{"name": "https", "port": p, "protocol": "TCP"}],
                    })
                })
                .collect();
            json(
                StatusCode::OK,
                "application/json",
                serde_json::json!({
                    "kind": "Endpoints",
                    "apiVersion": "v1",
                    "metadata": {"name": "kubernetes", "namespace": "default"},
                    "subsets": subsets,
                })
                .to_string(),
            )
        }
        ("GET", ["api", "v1", "nodes", name]) => {
            let nodes = shared.nodes.lock().unwrap();
            match nodes.iter().find(|(n, _, _)| n == name) {
                Some(node) => json(
                    StatusCode::OK,
                    "application/json",
                    node_object(node).to_string(),
                ),
                None => status(
                    StatusCode::NOT_FOUND,
                    "NotFound",
                    &format!("nodes \"{name}\" not found"),
                    serde_json::json!({"name": name, "kind": "nodes"}),
                ),
            }
        }
        ("POST", ["api", "v1", "namespaces", ns, "pods"]) => {
            let ns = ns.to_string();
            let Ok(body) = req.into_body().collect().await else {
                return not_found();
            };
            let (code, obj) = shared.node_pods.create(&ns, &body.to_bytes());
            json(code, "application/json", obj.to_string())
        }
        ("GET", ["api", "v1", "namespaces", ns, "pods", name]) => {
            match shared.node_pods.get(ns, name) {
                Some(obj) => json(StatusCode::OK, "application/json", obj.to_string()),
                None => pod_not_found(name),
            }
        }
        ("DELETE", ["api", "v1", "namespaces", ns, "pods", name]) => {
            match shared.node_pods.delete(ns, name) {
                Some(obj) => json(StatusCode::OK, "application/json", obj.to_string()),
                None => pod_not_found(name),
            }
        }
        ("GET" | "POST", ["api", "v1", "namespaces", ns, "pods", name, "exec"]) => {
            let (ns, name) = (ns.to_string(), name.to_string());
            exec(shared, &ns, &name, &query, req).await
        }
        _ => not_found(),
    }
}

fn slices(shared: &Shared) -> Vec<serde_json::Value> {
    let ports = shared.ports.lock().unwrap().clone();
    let mut listed: Vec<(&str, u16)> = shared.hosts.iter().map(String::as_str).zip(ports).collect();
    if shared.endpoints == EndpointsMode::SlicesWithDeadEndpoint {
        listed.push(("127.0.0.1", shared.dead_port));
    }
    listed
        .iter()
        .enumerate()
        .map(|(i, (host, p))| {
            serde_json::json!({
                "kind": "EndpointSlice",
                "apiVersion": "discovery.k8s.io/v1",
                "metadata": {
                    "name": if i == 0 { "kubernetes".to_string() } else { format!("kubernetes-{i}") },
                    "namespace": "default",
                    "labels": {"kubernetes.io/service-name": "kubernetes"},
                },
                "addressType": "IPv4",
                "endpoints": [{"addresses": [host], "conditions": {"ready": true}}],
                "ports": [{"name": "https", "port": p, "protocol": "TCP"}],
            })
        })
        .collect()
}

/// The claims kube-controller-manager's tokens controller puts in a legacy token
/// (`pkg/serviceaccount/legacy.go`, `LegacyClaims`).
pub fn legacy_claims(ns: &str, secret: &str, sa: &str) -> serde_json::Value {
    serde_json::json!({
        "iss": "kubernetes/serviceaccount",
        "kubernetes.io/serviceaccount/namespace": ns,
        "kubernetes.io/serviceaccount/secret.name": secret,
        "kubernetes.io/serviceaccount/service-account.name": sa,
        "kubernetes.io/serviceaccount/service-account.uid": uid(sa),
        "sub": format!("system:serviceaccount:{ns}:{sa}"),
    })
}

fn token_request(
    shared: &Shared,
    live: Option<&super::fake_restarts::Live>,
    ns: &str,
    name: &str,
    body: &[u8],
) -> Resp {
    let issuer = live.map_or(&shared.issuer, |l| &l.issuer);
    if !shared
        .service_accounts
        .iter()
        .any(|(n, s)| n == ns && s == name)
    {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("serviceaccounts \"{name}\" not found"),
            serde_json::json!({"name": name, "kind": "serviceaccounts"}),
        );
    }
    let Ok(tr) = serde_json::from_slice::<serde_json::Value>(body) else {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "the body of the request was in an unknown format",
            serde_json::Value::Null,
        );
    };
    if tr["kind"] != "TokenRequest" || tr["apiVersion"] != "authentication.k8s.io/v1" {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "expected an authentication.k8s.io/v1 TokenRequest",
            serde_json::Value::Null,
        );
    }
    let spec = &tr["spec"];
    let seconds = spec["expirationSeconds"].as_i64().unwrap_or(3600);
    if seconds < 600 {
        return status(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Invalid",
            &format!(
                "TokenRequest.authentication.k8s.io \"{name}\" is invalid: spec.expirationSeconds: Invalid value: {seconds}: may not specify a duration less than 10 minutes"
            ),
            serde_json::Value::Null,
        );
    }
    let audiences: Vec<String> = match spec["audiences"].as_array() {
        Some(a) if !a.is_empty() => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        // --api-audiences defaults to the issuer.
        _ => vec![issuer.clone()],
    };
    let now = jiff::Timestamp::now().as_second();
    let claims = kube_claims(&ClaimsSpec {
        issuer,
        audiences: &audiences,
        namespace: ns,
        service_account: name,
        service_account_uid: &uid(name),
        pod: None,
        now,
        ttl_seconds: seconds,
    });
    let token = match live {
        Some(l) => match l.sign(&claims) {
            Ok(t) => t,
            // kube-apiserver answers 500 when its external signer fails.
            Err(e) => {
                return status(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "InternalError",
                    &format!("failed to sign the token: {e}"),
                    serde_json::Value::Null,
                );
            }
        },
        None => shared.signer.sign(&claims).unwrap(),
    };
    let created = jiff::Timestamp::from_second(now).unwrap().to_string();
    let expires = jiff::Timestamp::from_second(now + seconds)
        .unwrap()
        .to_string();
    json(
        StatusCode::CREATED,
        "application/json",
        serde_json::json!({
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": ns, "creationTimestamp": created},
            "spec": {"audiences": audiences, "expirationSeconds": seconds, "boundObjectRef": null},
            "status": {"token": token, "expirationTimestamp": expires},
        })
        .to_string(),
    )
}

/// The websocket upgrade of an exec: the subprotocol chosen and the client's key, or the
/// `Status` kube-apiserver answers a request it cannot upgrade.
fn ws_handshake(
    shared: &Shared,
    req: &Request<Incoming>,
) -> Result<(&'static str, hyper::header::HeaderValue), Box<Resp>> {
    let is_upgrade = req
        .headers()
        .get("upgrade")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let offered: Vec<String> = req
        .headers()
        .get_all("sec-websocket-protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(',').map(|s| s.trim().to_string()))
        .collect();
    let supported: &[&str] = if shared.exec_v4_only {
        &["v4.channel.k8s.io"]
    } else {
        &["v5.channel.k8s.io", "v4.channel.k8s.io"]
    };
    let Some(protocol) = supported
        .iter()
        .copied()
        .find(|p| offered.iter().any(|o| o == p))
    else {
        return Err(Box::new(status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Upgrade request required (websocket with a v4/v5.channel.k8s.io subprotocol)",
            serde_json::Value::Null,
        )));
    };
    let Some(key) = req.headers().get("sec-websocket-key").cloned() else {
        return Err(Box::new(status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "missing Sec-WebSocket-Key",
            serde_json::Value::Null,
        )));
    };
    if !is_upgrade {
        return Err(Box::new(status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            "Upgrade request required",
            serde_json::Value::Null,
        )));
    }

    Ok((protocol, key))
}

/// Pod exec over the websocket remotecommand protocol.
async fn exec(
    shared: &Arc<Shared>,
    ns: &str,
    name: &str,
    query: &str,
    req: Request<Incoming>,
) -> Resp {
    let mut command = Vec::new();
    let mut container = None;
    for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
        match &*k {
            "command" => command.push(v.into_owned()),
            "container" => container = Some(v.into_owned()),
            _ => {}
        }
    }
    if shared.node_pods.exists(ns, name) {
        return node_exec(shared, ns, name, &command, container, req).await;
    }
    let Some(pod) = shared
        .pods
        .iter()
        .find(|p| p.namespace == ns && p.name == name)
    else {
        return status(
            StatusCode::NOT_FOUND,
            "NotFound",
            &format!("pods \"{name}\" not found"),
            serde_json::json!({"name": name, "kind": "pods"}),
        );
    };
    // Which container is only checked: every container mounts the same token.
    match container {
        Some(c) if pod.containers.contains(&c) => {}
        Some(c) => {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!("container {c} is not valid for pod {name}"),
                serde_json::Value::Null,
            );
        }
        None if pod.containers.len() == 1 => {}
        None => {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                &format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    pod.containers.join(" ")
                ),
                serde_json::Value::Null,
            );
        }
    }
    let (protocol, key) = match ws_handshake(shared, &req) {
        Ok(h) => h,
        Err(resp) => return *resp,
    };
    // What the container's `cat` prints.
    let (stdout, stderr, exit) = match command.as_slice() {
        [cat, path] if cat == "cat" => {
            if *path == pod.token_path {
                (
                    shared.pod_tokens[&(ns.to_string(), name.to_string())].clone(),
                    String::new(),
                    0,
                )
            } else {
                (
                    String::new(),
                    format!("cat: {path}: No such file or directory\n"),
                    1,
                )
            }
        }
        [cmd, ..] => (
            String::new(),
            format!("exec: \"{cmd}\": executable file not found in $PATH\n"),
            126,
        ),
        [] => (
            String::new(),
            "you must specify at least one command\n".into(),
            1,
        ),
    };
    let status_json = if exit == 0 {
        serde_json::json!({"metadata": {}, "status": "Success"})
    } else {
        serde_json::json!({
            "metadata": {},
            "status": "Failure",
            "message": format!("command terminated with non-zero exit code: error executing command [{}], exit code {exit}", command.join(" ")),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": exit.to_string()}]},
        })
    };

    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    shared
        .log
        .lock()
        .unwrap()
        .push(format!("exec subprotocol {protocol}"));
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let mut ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            Role::Server,
            None,
        )
        .await;
        let frame = |channel: u8, data: &[u8]| {
            let mut v = vec![channel];
            v.extend_from_slice(data);
            Message::Binary(v.into())
        };
        if !stdout.is_empty() {
            let _ = ws.send(frame(1, stdout.as_bytes())).await;
        }
        if !stderr.is_empty() {
            let _ = ws.send(frame(2, stderr.as_bytes())).await;
        }
        let _ = ws.send(frame(3, status_json.to_string().as_bytes())).await;
        let _ = ws.close(None).await;
    });
    switching_protocols(&accept, protocol)
}

/// Exec in a node pod: `sh -s` against the node's files (see fake_node_pods.rs).
async fn node_exec(
    shared: &Arc<Shared>,
    ns: &str,
    name: &str,
    command: &[String],
    container: Option<String>,
    req: Request<Incoming>,
) -> Resp {
    if container.as_deref().is_some_and(|c| c != "sakr") {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!(
                "container {} is not valid for pod {name}",
                container.unwrap_or_default()
            ),
            serde_json::Value::Null,
        );
    }
    if command != ["sh", "-s"] {
        return status(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            &format!("this fake node pod runs only `sh -s`, not {command:?}"),
            serde_json::Value::Null,
        );
    }
    let (protocol, key) = match ws_handshake(shared, &req) {
        Ok(h) => h,
        Err(resp) => return *resp,
    };
    let Some(tree) = shared.node_pods.tree_of(ns, name) else {
        return pod_not_found(name);
    };
    let child = match super::fake_node_pods::spawn_shell(&tree) {
        Ok(c) => c,
        Err(e) => {
            return status(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                &format!("fake node pod: {e}"),
                serde_json::Value::Null,
            );
        }
    };
    shared
        .log
        .lock()
        .unwrap()
        .push(format!("exec subprotocol {protocol}"));
    let accept = tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes());
    let (shared, ns, name) = (shared.clone(), ns.to_string(), name.to_string());
    tokio::spawn(async move {
        let Ok(upgraded) = hyper::upgrade::on(req).await else {
            return;
        };
        let ws = tokio_tungstenite::WebSocketStream::from_raw_socket(
            TokioIo::new(upgraded),
            Role::Server,
            None,
        )
        .await;
        super::fake_node_pods::session(&shared.node_pods, &ns, &name, ws, child).await;
    });
    switching_protocols(&accept, protocol)
}

/// The 101 answer that upgrades an exec request to the websocket.
fn switching_protocols(accept: &str, protocol: &str) -> Resp {
    Response::builder()
        .status(StatusCode::SWITCHING_PROTOCOLS)
        .header("Upgrade", "websocket")
        .header("Connection", "Upgrade")
        .header("Sec-WebSocket-Accept", accept)
        .header("Sec-WebSocket-Protocol", protocol)
        .body(Full::new(Bytes::new()))
        .unwrap()
}
