//! What the running apiservers say, for the rotation's gates and rolling stages (issue 16).
//!
//! Each node's kube-apiserver is asked directly at the address it registers in the
//! `default/kubernetes` EndpointSlice, with the kubeconfig's credentials, CA and TLS server name
//! ([`crate::cluster::Cluster::at_endpoint`]). Three kinds of evidence:
//!
//! - it is up and ready (`/readyz`) and serves a kid at `/openid/v1/jwks`;
//! - it *verifies* with the new key: sakr mints a short-lived token for an existing
//!   ServiceAccount (`default/default`, with its UID) with the new private key and sends it to
//!   that apiserver as a TokenReview — the proof that the key is loaded, not only listed;
//! - it *signs* with a key: a TokenRequest sent to it returns a token whose kid is that key's
//!   and which verifies with it.
//!
//! A rolling stage waits after each node's edit until its apiserver shows the expected
//! evidence — which an apiserver still running on the previous manifest cannot show — polling
//! every half second, up to the rotation's `--node-timeout`.

use std::time::{Duration, Instant};

use super::run::{Result, RotateError, other};
use super::state::{ApiserverAddress, ClusterConfig};
use crate::cluster::{Cluster, ClusterError, ClusterOptions};
use crate::keys::PublicKey;
use crate::keys::secret::Secret;

/// Between two looks at a restarting apiserver: short against a restart (tens of seconds on
/// a real node), long enough that sakr's own work stays a small part of the wait.
const POLL: Duration = Duration::from_millis(500);

/// The ServiceAccount whose token proves that an apiserver verifies with the new key: present
/// in every cluster (the ServiceAccount controller creates it in every namespace).
const PROBE_NAMESPACE: &str = "default";
const PROBE_SERVICE_ACCOUNT: &str = "default";

/// A connection to the rotation's cluster, with its runtime (the command layer is synchronous).
pub struct Live {
    rt: tokio::runtime::Runtime,
    pub cluster: Cluster,
}

fn cluster_options(cfg: &ClusterConfig) -> ClusterOptions {
    ClusterOptions {
        kubeconfig: cfg.kubeconfig.clone(),
        context: cfg.context.clone(),
    }
}

/// What an apiserver must show after a node's edit.
#[derive(Debug, Clone)]
pub enum Expect {
    /// Ready, and `/openid/v1/jwks` lists the kid (after trust).
    Serves(String),
    /// Ready, and `/openid/v1/jwks` no longer lists the kid (after retire).
    NoLongerServes(String),
    /// Ready, and a TokenRequest returns a token signed by this key (after switch, abort).
    SignsWith(PublicKey),
}

impl Expect {
    pub fn describe(&self) -> String {
        match self {
            Expect::Serves(kid) => format!("ready and serving kid {kid}"),
            Expect::NoLongerServes(kid) => format!("ready and no longer serving kid {kid}"),
            Expect::SignsWith(k) => format!("ready and signing with kid {}", k.kid()),
        }
    }
}

/// One apiserver, dialled at its own address: one client for every question asked of it
/// (a probe, a TokenReview, the polls of a wait), so each is not a new TLS handshake.
pub struct Endpoint {
    pub place: String,
    client: Cluster,
}

/// One apiserver's evidence.
#[derive(Debug, Clone)]
pub struct Probe {
    pub place: String,
    pub ready: std::result::Result<(), String>,
    pub kids: Vec<String>,
}

impl Live {
    pub fn connect(cfg: &ClusterConfig) -> Result<Live> {
        let rt = crate::cluster::runtime().map_err(other)?;
        let cluster = rt
            .block_on(Cluster::connect(&cluster_options(cfg)))
            .map_err(other)?;
        Ok(Live { rt, cluster })
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// The apiserver at `addr`, with the kubeconfig's credentials, CA and TLS server name.
    pub fn endpoint(&self, addr: &ApiserverAddress) -> Result<Endpoint> {
        // Building a kube client spawns its buffer task: inside the runtime.
        let _inside = self.rt.enter();
        Ok(Endpoint {
            place: addr.place(),
            client: self.cluster.at_endpoint(&addr.endpoint()).map_err(other)?,
        })
    }

    /// Every apiserver endpoint of `default/kubernetes`, as registered.
    pub fn endpoints(&self) -> Result<Vec<ApiserverAddress>> {
        let eps = self
            .rt
            .block_on(self.cluster.apiserver_endpoints())
            .map_err(|e| gate_if_unavailable(e, "the apiserver endpoints cannot be listed now"))?;
        Ok(eps
            .addresses
            .into_iter()
            .map(|a| ApiserverAddress {
                host: a.host,
                port: a.port,
            })
            .collect())
    }

    /// Control-plane Nodes whose names are not in `names`.
    pub fn control_plane_outside(&self, names: &[String]) -> Result<Vec<String>> {
        let found = self
            .rt
            .block_on(self.cluster.control_plane_nodes())
            .map_err(|e| gate_if_unavailable(e, "the control-plane Nodes cannot be listed now"))?;
        Ok(found
            .into_iter()
            .map(|n| n.name)
            .filter(|n| !names.contains(n))
            .collect())
    }

    /// Where Node `name`'s apiserver answers: the endpoint of `default/kubernetes` at its
    /// InternalIP (kube-apiserver registers its advertise address, by default the node's
    /// address). Errors name the node and how to say it with `--node-apiserver`.
    pub fn locate(&self, name: &str, endpoints: &[ApiserverAddress]) -> Result<ApiserverAddress> {
        let hint = format!(
            "give it with --node-apiserver {name}=HOST:PORT (its kube-apiserver --advertise-address and --secure-port)"
        );
        let ip = self
            .rt
            .block_on(self.cluster.node_internal_ip(name))
            .map_err(|e| other(anyhow::anyhow!("node {name}: {}; {hint}", e.chain())))?
            .ok_or_else(|| {
                other(anyhow::anyhow!(
                    "node {name}: the Node reports no InternalIP to find its apiserver by; {hint}"
                ))
            })?;
        let at: Vec<&ApiserverAddress> = endpoints.iter().filter(|e| e.host == ip).collect();
        match at.as_slice() {
            [one] => Ok((*one).clone()),
            [] => Err(other(anyhow::anyhow!(
                "node {name}: no apiserver endpoint of default/kubernetes is at its InternalIP {ip} (they are: {}); {hint}",
                list(endpoints.iter().map(ApiserverAddress::place))
            ))),
            many => Err(other(anyhow::anyhow!(
                "node {name}: several apiserver endpoints are at its InternalIP {ip} ({}); {hint}",
                list(many.iter().map(|e| e.place()))
            ))),
        }
    }

    /// A token for `default/default` signed by `key_pem`, as kube-apiserver would sign it
    /// (issuer and audiences of the node's manifest), valid ten minutes: the TokenReview probe.
    pub fn mint_probe(
        &self,
        key_pem: &Secret,
        issuer: &str,
        audiences: &[String],
    ) -> Result<Secret> {
        let uid = self
            .rt
            .block_on(
                self.cluster
                    .service_account_uid(PROBE_NAMESPACE, PROBE_SERVICE_ACCOUNT),
            )
            .map_err(|e| {
                if e.is_unavailable() {
                    return gate_if_unavailable(e, "the probe's ServiceAccount cannot be read now");
                }
                other(anyhow::anyhow!(
                    "the TokenReview probe needs ServiceAccount {PROBE_NAMESPACE}/{PROBE_SERVICE_ACCOUNT}: {}",
                    e.chain()
                ))
            })?;
        let signer = crate::token::Signer::from_pem(key_pem).map_err(other)?;
        let claims = crate::token::kube_claims(&crate::token::ClaimsSpec {
            issuer,
            audiences,
            namespace: PROBE_NAMESPACE,
            service_account: PROBE_SERVICE_ACCOUNT,
            service_account_uid: &uid,
            pod: None,
            now: jiff::Timestamp::now().as_second(),
            ttl_seconds: 600,
        });
        Ok(Secret::new(
            signer.sign(&claims).map_err(other)?.into_bytes(),
        ))
    }

    /// Ready and the kids served, of one apiserver.
    pub fn probe(&self, at: &Endpoint) -> Probe {
        let c = &at.client;
        self.rt.block_on(async {
            let ready = c.readyz().await.map_err(|e| e.chain());
            let kids = match &ready {
                Ok(()) => c.apiserver_jwks().await.unwrap_or_default(),
                Err(_) => Vec::new(),
            };
            Probe {
                place: at.place.clone(),
                ready,
                kids,
            }
        })
    }

    /// Does the apiserver authenticate `token` (TokenReview)? `Err` with what it said
    /// otherwise.
    pub fn review(&self, at: &Endpoint, token: &Secret) -> std::result::Result<(), String> {
        self.rt.block_on(async {
            match at.client.token_review(token, &[]).await {
                Ok(r) if r.authenticated => Ok(()),
                Ok(r) => Err(format!(
                    "does not authenticate a token signed with the new key ({})",
                    r.error.unwrap_or_else(|| "no reason given".into())
                )),
                Err(e) => Err(format!("TokenReview failed: {}", e.chain())),
            }
        })
    }

    /// The `serviceaccount_*_total` counters of the apiserver's `/metrics` (issue 18).
    pub fn metrics(
        &self,
        at: &Endpoint,
    ) -> std::result::Result<std::collections::BTreeMap<String, u64>, ClusterError> {
        self.rt.block_on(at.client.serviceaccount_metrics())
    }

    /// A fresh token from the apiserver (TokenRequest, `default/default`).
    pub fn token_from(&self, at: &Endpoint) -> std::result::Result<Secret, ClusterError> {
        self.rt.block_on(async {
            at.client
                .request_token(PROBE_NAMESPACE, PROBE_SERVICE_ACCOUNT, &[], None)
                .await
                .map(|t| t.token)
        })
    }

    /// Does the apiserver show `expect` now? `Err` says what it shows instead.
    pub fn shows(&self, at: &Endpoint, expect: &Expect) -> std::result::Result<(), String> {
        let p = self.probe(at);
        if let Err(e) = &p.ready {
            return Err(format!("not answering ready ({e})"));
        }
        match expect {
            Expect::Serves(kid) | Expect::NoLongerServes(kid) => {
                let wanted = matches!(expect, Expect::Serves(_));
                if p.kids.contains(kid) == wanted {
                    Ok(())
                } else {
                    Err(format!("serves {}", list(&p.kids)))
                }
            }
            Expect::SignsWith(key) => {
                let token = self
                    .token_from(at)
                    .map_err(|e| format!("TokenRequest: {}", e.chain()))?;
                let text = String::from_utf8_lossy(token.expose()).into_owned();
                let decoded = crate::token::decode(&text).map_err(|e| e.to_string())?;
                let kid = decoded.kid().unwrap_or("none").to_string();
                if kid == key.kid() && decoded.verify_with(key) {
                    Ok(())
                } else {
                    Err(format!("signs with kid {kid}"))
                }
            }
        }
    }

    /// Poll the apiserver at `addr` until it shows `expect`, up to `timeout`. Returns how long
    /// it took; `Err(last finding)` at the timeout.
    pub fn wait_for(
        &self,
        addr: &ApiserverAddress,
        expect: &Expect,
        timeout: Duration,
    ) -> std::result::Result<Duration, String> {
        let started = Instant::now();
        let at = self.endpoint(addr).map_err(|e| e.to_string())?;
        loop {
            let last = match self.shows(&at, expect) {
                Ok(()) => return Ok(started.elapsed()),
                Err(why) => why,
            };
            if started.elapsed() >= timeout {
                return Err(format!(
                    "not {} within {} (last: {last})",
                    expect.describe(),
                    crate::token::checks::human_duration(timeout.as_secs() as i64)
                ));
            }
            std::thread::sleep(POLL.min(timeout.saturating_sub(started.elapsed())));
        }
    }
}

/// The apiserver behind the kubeconfig not answering (restarting: with no load balancer in
/// front it is one of the nodes being rotated) is a closed gate, exit 3; anything else an error.
fn gate_if_unavailable(e: ClusterError, what: &str) -> RotateError {
    if e.is_unavailable() {
        RotateError::GateClosed(format!(
            "{what}: the apiserver behind the kubeconfig does not answer ({}); it is probably restarting (with no load balancer in front it is one of the nodes being rotated): run `sakr rotate next` again in a minute",
            e.chain()
        ))
    } else {
        other(e)
    }
}

/// `a, b, c`, or `none`.
pub(super) fn list<S: std::fmt::Display>(items: impl IntoIterator<Item = S>) -> String {
    let v: Vec<String> = items.into_iter().map(|x| x.to_string()).collect();
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
