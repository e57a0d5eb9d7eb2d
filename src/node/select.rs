//! Node selection (issue 15, DESIGN §7): `--node NAME` (pod transport), `--node
//! NAME=ssh://[USER@]HOST[:PORT]`, `--node NAME=local:///ROOT`, and `--control-plane`. Pure:
//! parsing and checks only; turning a selection into connected [`super::Node`]s is the
//! commands' edge.

use std::path::PathBuf;

/// How one node is reached.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case", tag = "transport")]
pub enum Via {
    /// A short-lived pod on the node, through the Kubernetes API.
    Pod,
    /// The system ssh client; `host` may be an alias of the ssh config.
    Ssh {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        host: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        port: Option<u16>,
    },
    /// A node tree on this machine: the node's `/` is `root`.
    Local { root: PathBuf },
}

/// One selected node.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NodeSpec {
    pub name: String,
    #[serde(flatten)]
    pub via: Via,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SelectError {
    #[error(
        "--node {shown}: `{name}` is not a Kubernetes node name (lowercase letters, digits, '-' and '.')"
    )]
    BadName { shown: String, name: String },
    #[error(
        "--node {shown}: a password in the URL is not accepted (it would sit in shell history and process lists); use ssh keys and the agent"
    )]
    Password { shown: String },
    #[error("--node {shown}: {why}")]
    BadTarget { shown: String, why: String },
    #[error("--node {name} is given twice with different targets ({first} and {second})")]
    Conflict {
        name: String,
        first: String,
        second: String,
    },
}

impl std::fmt::Display for Via {
    /// The canonical form, as `--node NAME=…` takes it (credential-free by construction).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Via::Pod => f.write_str("pod"),
            Via::Ssh { user, host, port } => write!(
                f,
                "ssh://{}{host}{}",
                user.as_deref().map(|u| format!("{u}@")).unwrap_or_default(),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            ),
            Via::Local { root } => write!(f, "local://{}", root.display()),
        }
    }
}

/// The value of one `--node`, as shown in messages: a password replaced.
fn shown(arg: &str) -> String {
    let text = match url::Url::parse(arg.split_once('=').map_or(arg, |(_, t)| t)) {
        Ok(u) if u.password().is_some() => {
            let mut u = u.clone();
            let _ = u.set_password(Some("REDACTED"));
            match arg.split_once('=') {
                Some((n, _)) => format!("{n}={u}"),
                None => u.to_string(),
            }
        }
        _ => arg.to_string(),
    };
    crate::text::printable(&text).into_owned()
}

/// Parse one `--node` value.
pub fn parse(arg: &str) -> Result<NodeSpec, SelectError> {
    let shown = shown(arg);
    let (name, target) = match arg.split_once('=') {
        Some((n, t)) => (n, Some(t)),
        None => (arg, None),
    };
    // RFC 1123 subdomain, as Kubernetes requires of node names.
    if crate::cluster::check_subdomain("node name", name).is_err() {
        return Err(SelectError::BadName {
            shown: shown.clone(),
            name: crate::text::printable(name).into_owned(),
        });
    }
    let bad = |why: &str| SelectError::BadTarget {
        shown: shown.clone(),
        why: why.to_string(),
    };
    let via = match target {
        None => Via::Pod,
        Some(t) => {
            let url = url::Url::parse(t).map_err(|e| {
                bad(&format!(
                    "not a URL ({e}); expected ssh://[USER@]HOST[:PORT] or local:///ROOT"
                ))
            })?;
            if url.password().is_some() {
                return Err(SelectError::Password { shown });
            }
            if url.query().is_some() || url.fragment().is_some() {
                return Err(bad("a query or fragment is not accepted"));
            }
            match url.scheme() {
                "ssh" => {
                    let host = url
                        .host_str()
                        .filter(|h| !h.is_empty())
                        .ok_or_else(|| bad("no host (expected ssh://[USER@]HOST[:PORT])"))?;
                    if !matches!(url.path(), "" | "/") {
                        return Err(bad("an ssh URL has no path (ssh://[USER@]HOST[:PORT])"));
                    }
                    if host.starts_with('-') {
                        return Err(bad("a host cannot start with '-'"));
                    }
                    let user = (!url.username().is_empty()).then(|| url.username().to_string());
                    Via::Ssh {
                        user,
                        host: host
                            .trim_start_matches('[')
                            .trim_end_matches(']')
                            .to_string(),
                        port: url.port(),
                    }
                }
                "local" => {
                    // The text as given: the URL parser resolves `..` away.
                    let raw = t.get("local://".len()..).unwrap_or_default();
                    if !raw.starts_with('/') || url.host_str().is_some_and(|h| !h.is_empty()) {
                        return Err(bad(
                            "expected local:///ROOT (three slashes, an absolute path)",
                        ));
                    }
                    if raw.split('/').any(|seg| seg == "." || seg == "..") {
                        return Err(bad("the root must be an absolute, clean path"));
                    }
                    Via::Local {
                        root: PathBuf::from(raw),
                    }
                }
                other => {
                    return Err(bad(&format!(
                        "unsupported scheme `{other}` (ssh:// or local:///; a bare NAME uses a pod)"
                    )));
                }
            }
        }
    };
    Ok(NodeSpec {
        name: name.to_string(),
        via,
    })
}

/// Parse every `--node`, in order: a node named twice with the same target once, with two
/// different targets an error.
pub fn parse_all(args: &[String]) -> Result<Vec<NodeSpec>, SelectError> {
    let mut out: Vec<NodeSpec> = Vec::new();
    for a in args {
        let spec = parse(a)?;
        match out.iter().find(|s| s.name == spec.name) {
            Some(prev) if prev.via == spec.via => {}
            Some(prev) => {
                return Err(SelectError::Conflict {
                    name: spec.name,
                    first: prev.via.to_string(),
                    second: spec.via.to_string(),
                });
            }
            None => out.push(spec),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_spellings() {
        assert_eq!(parse("cp-1").unwrap().via, Via::Pod);
        assert_eq!(
            parse("cp-2=ssh://admin@10.0.0.2:2222").unwrap().via,
            Via::Ssh {
                user: Some("admin".into()),
                host: "10.0.0.2".into(),
                port: Some(2222)
            }
        );
        assert_eq!(
            parse("cp-3=ssh://cp3-alias").unwrap().via,
            Via::Ssh {
                user: None,
                host: "cp3-alias".into(),
                port: None
            }
        );
        assert_eq!(
            parse("n1=local:///tmp/n1").unwrap().via,
            Via::Local {
                root: "/tmp/n1".into()
            }
        );
    }

    #[test]
    fn bad_values_name_the_node_and_never_echo_a_password() {
        let e = parse("cp-1=ssh://root:hunter2@cp1").unwrap_err();
        assert!(matches!(e, SelectError::Password { .. }));
        assert!(!e.to_string().contains("hunter2"), "{e}");
        assert!(e.to_string().contains("cp-1"), "{e}");
        for bad in [
            "CP_1",
            "cp-1=ftp://x",
            "cp-1=ssh://",
            "cp-1=ssh://h/path",
            "cp-1=local://host/x",
            "cp-1=local:///a/../b",
            "cp-1=ssh://-oProxyCommand=x",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_node_twice_with_different_targets_is_refused() {
        let same = parse_all(&["a".into(), "a".into(), "b=ssh://b".into()]).unwrap();
        assert_eq!(same.len(), 2);
        let e = parse_all(&["a=ssh://x".into(), "a=ssh://y".into()]).unwrap_err();
        assert!(
            e.to_string().contains("ssh://x") && e.to_string().contains("ssh://y"),
            "{e}"
        );
    }
}
