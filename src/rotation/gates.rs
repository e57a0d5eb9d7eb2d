//! The switch gate's evidence (DESIGN §1; issue 16): before any node signs with the new key,
//! every apiserver that could receive such a token must verify it.
//!
//! - Nodes with a cluster ([`ha_gate`]): every node's manifests trust the new key; every
//!   control-plane Node is in the rotation; each node's apiserver and every endpoint of
//!   `default/kubernetes`, asked directly, is ready, serves the new kid and authenticates a
//!   token sakr minted with the new key (TokenReview).
//! - This machine with a kubeconfig ([`cluster_gate`]): every endpoint serves the new kid;
//!   with `--single-node` ([`live_apiserver_gate`]): the one apiserver behind the kubeconfig is
//!   back from its restart, ready, and serves it.
//! - Without a cluster: every node's manifests, and the operator's word where sakr cannot see.

use super::fleet::Fleet;
use super::live::{Live, list};
use super::run::{Result, RotateError, other};
use super::state::{ApiserverAddress, ClusterConfig, RotationState};
use crate::manifests::model::SaFlag;

/// Every node trusts the new kid: its manifests, or in the signer layout its signer's key set
/// (a node edited by hand since trust is refused).
pub fn nodes_trust(fleet: &mut Fleet, state: &RotationState) -> Result<()> {
    let kid = &state.new.kid;
    let Some(s) = &state.signer else {
        return manifests_trust(fleet, kid);
    };
    for m in fleet.members.iter_mut() {
        let root = m.host_root().to_path_buf();
        let set = crate::layout::signer::read_set_on(m.node.as_mut(), &root, &s.config)
            .map_err(|e| super::run::prefixed(&m.prefix(), e.into()))?;
        match set.find(kid) {
            Some(i) if !set.config.keys[i].exclude_from_discovery => {}
            _ => {
                return Err(RotateError::Refused(format!(
                    "{}{} does not list the new kid {kid} for discovery",
                    m.prefix(),
                    set.path.display()
                )));
            }
        }
    }
    Ok(())
}

/// Every node's manifests trust the new kid (a node edited by hand since trust is refused).
pub fn manifests_trust(fleet: &mut Fleet, kid: &str) -> Result<()> {
    for m in fleet.members.iter_mut() {
        let ms = m
            .load()
            .map_err(|e| super::run::prefixed(&m.prefix(), e.into()))?;
        if !ms.trusted_kids().iter().any(|k| k == kid) {
            return Err(RotateError::Refused(format!(
                "{}{} does not trust the new kid {kid}",
                m.prefix(),
                ms.apiserver.path.display()
            )));
        }
    }
    Ok(())
}

/// The HA switch gate (see the module header). Returns what it saw, for the report.
pub fn ha_gate(fleet: &mut Fleet, live: &Live, state: &RotationState) -> Result<Vec<String>> {
    let kid = &state.new.kid;
    nodes_trust(fleet, state)?;
    let outside = live.control_plane_outside(&fleet.names())?;
    if !outside.is_empty() {
        return Err(RotateError::Refused(format!(
            "control-plane Node(s) {} are not in this rotation: their kube-apiserver does not trust the new key and would reject every token it signs. Abort this rotation (`sakr rotate abort`) and start one that includes them (--control-plane, or --node for each)",
            outside.join(", ")
        )));
    }
    // The probe: a token signed with the new private key, read from the first node (it is the
    // same pair on every node), with the issuer and audiences of that node's apiserver.
    // In the signer layout the probe needs the new key as a file (an HSM or KMS key signs only
    // through the signer): without one, serving the kid is the evidence (kube-apiserver
    // publishes exactly the keys FetchKeys gives it to verify with).
    let m0 = &mut fleet.members[0];
    let ms = m0
        .load()
        .map_err(|e| super::run::prefixed(&m0.prefix(), e.into()))?;
    let host = match &state.signer {
        Some(s) if s.new_entry.backend == "file" => Some(m0.host_of(&state.new.private_key_host)),
        Some(_) => None,
        None => Some(
            ms.target
                .host_path(&ms.apiserver.manifest, &state.new.private_key)
                .unwrap_or_else(|| state.new.private_key_host.clone()),
        ),
    };
    let pem = match &host {
        Some(h) => Some(m0.secret(h).map_err(other)?),
        None => None,
    };
    let issuer = ms
        .apiserver
        .manifest
        .issuers()
        .first()
        .map(|s| s.to_string())
        .ok_or_else(|| {
            other(anyhow::anyhow!(
                "{}{} has no --service-account-issuer",
                m0.prefix(),
                ms.apiserver.path.display()
            ))
        })?;
    let mut audiences: Vec<String> = ms
        .apiserver
        .manifest
        .values(SaFlag::ApiAudiences)
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|a| !a.is_empty())
        .map(str::to_string)
        .collect();
    if audiences.is_empty() {
        // kube-apiserver's --api-audiences defaults to the issuers.
        audiences.push(issuer.clone());
    }
    let token = match &pem {
        Some(pem) => Some(live.mint_probe(pem, &issuer, &audiences)?),
        None => None,
    };

    // Each node's apiserver, then every registered endpoint not already asked.
    let mut places: Vec<(String, ApiserverAddress)> = fleet
        .members
        .iter()
        .filter_map(|m| {
            m.apiserver_at
                .clone()
                .map(|a| (format!("node {} ({})", m.name, a.place()), a))
        })
        .collect();
    for e in live.endpoints()? {
        if !places.iter().any(|(_, a)| *a == e) {
            places.push((format!("endpoint {}", e.place()), e));
        }
    }
    let mut lacking = Vec::new();
    let mut seen = Vec::new();
    for (what, addr) in &places {
        let at = live.endpoint(addr)?;
        let p = live.probe(&at);
        if let Err(e) = &p.ready {
            lacking.push(format!("{what} is not ready ({e})"));
            continue;
        }
        if !p.kids.iter().any(|k| k == kid) {
            lacking.push(format!(
                "{what} does not serve kid {kid} yet (it serves {})",
                list(&p.kids)
            ));
            continue;
        }
        if let Some(token) = &token
            && let Err(why) = live.review(&at, token)
        {
            lacking.push(format!("{what} {why}"));
            continue;
        }
        seen.push(what.clone());
    }
    if !lacking.is_empty() {
        return Err(RotateError::GateClosed(format!(
            "waiting until every kube-apiserver verifies with kid {kid}: {}; run `sakr rotate next` again in a minute",
            lacking.join("; ")
        )));
    }
    Ok(vec![if token.is_some() {
        format!(
            "every kube-apiserver is ready, serves kid {kid} and authenticated a token signed with the new key (TokenReview): {}",
            seen.join(", ")
        )
    } else {
        format!(
            "every kube-apiserver is ready and serves kid {kid}, which its signer's FetchKeys gave it to verify with (the new key signs only through the signer: no probe token): {}",
            seen.join(", ")
        )
    }])
}

/// Switch gate with cluster access, this machine: every apiserver endpoint serves the new kid
/// (the drift check's `every_apiserver_trusts`). An unreadable endpoint keeps the gate closed.
pub fn cluster_gate(cfg: &ClusterConfig, kid: &str) -> Result<()> {
    let live = Live::connect(cfg)?;
    let (places, listing_error) = live.block_on(live.cluster.jwks_per_apiserver());
    if crate::cluster::every_apiserver_trusts(&places, kid) && listing_error.is_none() {
        return Ok(());
    }
    let lacking: Vec<String> = places
        .iter()
        .filter(|p| !matches!(&p.kids, Ok(k) if k.iter().any(|x| x == kid)))
        .map(|p| match &p.kids {
            Ok(_) => format!("{} lacks it", p.place),
            Err(e) => format!("{} unreadable: {e}", p.place),
        })
        .chain(listing_error.map(|e| format!("apiserver endpoints not listed: {}", e.chain())))
        .collect();
    Err(RotateError::GateClosed(format!(
        "waiting until every kube-apiserver serves kid {kid}: {}",
        lacking.join("; ")
    )))
}

/// A restarting apiserver is a closed gate (exit 3), not an error: said with what it was
/// asked and why it is probably down.
pub fn unavailable(server: &str, e: crate::cluster::ClusterError, after: &str) -> RotateError {
    if e.is_unavailable() {
        RotateError::GateClosed(format!(
            "kube-apiserver at {server} is not answering ({}): the kubelet is restarting it after the {after} edit; run `sakr rotate next` again in a minute",
            e.chain()
        ))
    } else {
        other(e)
    }
}

/// Switch gate of a single node with a kubeconfig: the running apiserver is ready and serves
/// the new kid (it restarted on the trusted manifest). Returns the server asked.
pub fn live_apiserver_gate(cfg: &ClusterConfig, kid: &str) -> Result<String> {
    let live = Live::connect(cfg)?;
    let cluster = &live.cluster;
    live.block_on(async {
        let server = cluster.server();
        cluster
            .readyz()
            .await
            .map_err(|e| unavailable(&server, e, "trust"))?;
        let kids = cluster
            .apiserver_jwks()
            .await
            .map_err(|e| unavailable(&server, e, "trust"))?;
        if !kids.iter().any(|k| k == kid) {
            return Err(RotateError::GateClosed(format!(
                "kube-apiserver at {server} is ready but does not serve kid {kid} yet (it serves {}): the kubelet has not restarted it on the trusted manifest; run `sakr rotate next` again in a minute",
                list(&kids)
            )));
        }
        Ok(server)
    })
}

/// A fresh token from the TokenRequest API (`default/default`), as `kubectl create token`.
pub fn cluster_token(cfg: &ClusterConfig) -> Result<crate::keys::secret::Secret> {
    let live = Live::connect(cfg)?;
    let cluster = &live.cluster;
    let server = cluster.server();
    let issued = live
        .block_on(cluster.request_token("default", "default", &[], None))
        .map_err(|e| unavailable(&server, e, "switch"))?;
    Ok(issued.token)
}
