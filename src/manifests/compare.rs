//! Differences between the control-plane nodes' manifests (issue 15, `manifest show --node …`).
//! Pure: the facts each node's [`super::ops::State`] holds in, the differences out.
//!
//! Every kube-apiserver must accept the tokens every other one signs: that needs each node's
//! signing kid among every node's trusted kids, and each node's signing issuer (its first
//! `--service-account-issuer`) among every node's issuers. Those differences reject tokens (exit
//! 1); others (a kid trusted on some nodes only, different signing keys while all trust both —
//! the middle of a rotation —, a stray file on one node) are reported for the operator.

use serde::Serialize;

/// What one node's manifests say, as far as the comparison goes.
#[derive(Debug, Clone)]
pub struct NodeFacts {
    pub node: String,
    pub trusted_kids: Vec<String>,
    pub signing_kid: Option<String>,
    pub issuers: Vec<String>,
    pub stray: Vec<String>,
}

impl NodeFacts {
    pub fn of(node: &str, s: &super::ops::State) -> NodeFacts {
        NodeFacts {
            node: node.to_string(),
            trusted_kids: s.trusted_kids(),
            signing_kid: s.facts.signing_key_kid.clone(),
            issuers: s
                .apiserver
                .manifest
                .issuers()
                .into_iter()
                .map(str::to_string)
                .collect(),
            stray: s.stray.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Difference {
    /// A node signs with a key some other node does not trust: its tokens are rejected there.
    SigningKidNotTrusted {
        signer: String,
        kid: String,
        rejected_by: Vec<String>,
    },
    /// A node signs with an issuer some other node does not accept.
    IssuerNotAccepted {
        signer: String,
        issuer: String,
        rejected_by: Vec<String>,
    },
    /// A kid trusted by some nodes only (nobody signs with it).
    KidTrustedBySome {
        kid: String,
        trusted_by: Vec<String>,
        not_by: Vec<String>,
    },
    /// The nodes sign with different keys (each trusted everywhere: a rotation's switch in
    /// progress).
    DifferentSigningKeys {
        by_node: Vec<(String, Option<String>)>,
    },
    /// A file only one node's kubelet would start beside the manifests.
    StrayFile { node: String, name: String },
}

impl Difference {
    /// Tokens signed on one node are rejected on another.
    pub fn rejects_tokens(&self) -> bool {
        matches!(
            self,
            Difference::SigningKidNotTrusted { .. } | Difference::IssuerNotAccepted { .. }
        )
    }
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = |s: &str| crate::text::printable(s).into_owned();
        match self {
            Difference::SigningKidNotTrusted {
                signer,
                kid,
                rejected_by,
            } => write!(
                f,
                "{signer} signs with kid {kid}, which {} does not trust: tokens from {signer}'s apiserver are rejected there",
                rejected_by.join(", ")
            ),
            Difference::IssuerNotAccepted {
                signer,
                issuer,
                rejected_by,
            } => write!(
                f,
                "{signer} signs with issuer {}, which {} does not accept",
                p(issuer),
                rejected_by.join(", ")
            ),
            Difference::KidTrustedBySome {
                kid,
                trusted_by,
                not_by,
            } => write!(
                f,
                "kid {kid} is trusted by {} but not by {}",
                trusted_by.join(", "),
                not_by.join(", ")
            ),
            Difference::DifferentSigningKeys { by_node } => write!(
                f,
                "the nodes sign with different keys ({}); all trust each other's, as in the middle of a switch",
                by_node
                    .iter()
                    .map(|(n, k)| format!("{n}: {}", k.as_deref().unwrap_or("none")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Difference::StrayFile { node, name } => write!(
                f,
                "{node} has {} beside its manifests (the kubelet starts it too); the other nodes do not",
                p(name)
            ),
        }
    }
}

/// Every difference between the nodes, in a stable order.
pub fn compare(nodes: &[NodeFacts]) -> Vec<Difference> {
    let mut out = Vec::new();
    if nodes.len() < 2 {
        return out;
    }
    for n in nodes {
        if let Some(kid) = &n.signing_kid {
            let rejected_by: Vec<String> = nodes
                .iter()
                .filter(|o| !o.trusted_kids.contains(kid))
                .map(|o| o.node.clone())
                .collect();
            if !rejected_by.is_empty() {
                out.push(Difference::SigningKidNotTrusted {
                    signer: n.node.clone(),
                    kid: kid.clone(),
                    rejected_by,
                });
            }
        }
        if let Some(iss) = n.issuers.first() {
            let rejected_by: Vec<String> = nodes
                .iter()
                .filter(|o| !o.issuers.contains(iss))
                .map(|o| o.node.clone())
                .collect();
            if !rejected_by.is_empty() {
                out.push(Difference::IssuerNotAccepted {
                    signer: n.node.clone(),
                    issuer: iss.clone(),
                    rejected_by,
                });
            }
        }
    }
    let signing: Vec<&String> = nodes
        .iter()
        .filter_map(|n| n.signing_kid.as_ref())
        .collect();
    let mut all_kids: Vec<&String> = nodes.iter().flat_map(|n| &n.trusted_kids).collect();
    all_kids.sort();
    all_kids.dedup();
    for kid in all_kids {
        let (trusted, not): (Vec<&NodeFacts>, Vec<&NodeFacts>) =
            nodes.iter().partition(|n| n.trusted_kids.contains(kid));
        if !not.is_empty() && !signing.contains(&kid) {
            out.push(Difference::KidTrustedBySome {
                kid: kid.clone(),
                trusted_by: trusted.iter().map(|n| n.node.clone()).collect(),
                not_by: not.iter().map(|n| n.node.clone()).collect(),
            });
        }
    }
    let mut kids: Vec<&Option<String>> = nodes.iter().map(|n| &n.signing_kid).collect();
    kids.dedup();
    if kids.len() > 1 {
        out.push(Difference::DifferentSigningKeys {
            by_node: nodes
                .iter()
                .map(|n| (n.node.clone(), n.signing_kid.clone()))
                .collect(),
        });
    }
    for n in nodes {
        for name in &n.stray {
            if nodes.iter().any(|o| !o.stray.contains(name)) {
                out.push(Difference::StrayFile {
                    node: n.node.clone(),
                    name: name.clone(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(node: &str, trusted: &[&str], signing: Option<&str>, iss: &[&str]) -> NodeFacts {
        NodeFacts {
            node: node.into(),
            trusted_kids: trusted.iter().map(|s| s.to_string()).collect(),
            signing_kid: signing.map(str::to_string),
            issuers: iss.iter().map(|s| s.to_string()).collect(),
            stray: vec![],
        }
    }

    #[test]
    fn same_nodes_have_no_differences() {
        let a = n("a", &["k1"], Some("k1"), &["https://i"]);
        let b = n("b", &["k1"], Some("k1"), &["https://i"]);
        assert!(compare(&[a, b]).is_empty());
    }

    #[test]
    fn a_switch_before_every_node_trusts_rejects_tokens() {
        // b switched to k2 while c does not trust k2 yet.
        let nodes = [
            n("a", &["k1", "k2"], Some("k1"), &["https://i"]),
            n("b", &["k1", "k2"], Some("k2"), &["https://i"]),
            n("c", &["k1"], Some("k1"), &["https://i"]),
        ];
        let d = compare(&nodes);
        assert_eq!(
            d[0],
            Difference::SigningKidNotTrusted {
                signer: "b".into(),
                kid: "k2".into(),
                rejected_by: vec!["c".into()]
            }
        );
        assert!(d[0].rejects_tokens());
        assert!(
            d.iter()
                .any(|x| matches!(x, Difference::DifferentSigningKeys { .. }))
        );
    }

    #[test]
    fn mid_rotation_differences_do_not_reject_tokens() {
        let nodes = [
            n("a", &["k1", "k2"], Some("k2"), &["https://i"]),
            n("b", &["k1", "k2"], Some("k1"), &["https://i"]),
            n(
                "c",
                &["k1", "k2", "k3"],
                Some("k1"),
                &["https://i", "https://old"],
            ),
        ];
        let d = compare(&nodes);
        assert!(!d.iter().any(Difference::rejects_tokens), "{d:?}");
        assert!(
            d.iter()
                .any(|x| matches!(x, Difference::KidTrustedBySome { kid, .. } if kid == "k3"))
        );
    }

    #[test]
    fn a_different_signing_issuer_rejects_tokens() {
        let nodes = [
            n("a", &["k1"], Some("k1"), &["https://new", "https://i"]),
            n("b", &["k1"], Some("k1"), &["https://i"]),
        ];
        let d = compare(&nodes);
        assert!(matches!(&d[0], Difference::IssuerNotAccepted { signer, .. } if signer == "a"));
    }
}
