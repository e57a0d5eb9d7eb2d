//! The RBAC files of docs/rbac/ against the calls sakr made: every request the test
//! apiserver served maps to the attributes kube-apiserver's authorizer checks (verb, API
//! group, resource/subresource, namespace; or a non-resource URL), and some role bound in the
//! files must grant it. A call sakr makes that the documented RBAC does not allow fails here,
//! not on a user's cluster.

use crate::fake_apiserver::FakeCluster;

/// One rule of a role: API groups, resources, verbs, non-resource URLs.
struct Rule {
    groups: Vec<String>,
    resources: Vec<String>,
    verbs: Vec<String>,
    urls: Vec<String>,
}

/// What kube-apiserver's authorizer sees of a request: (verb, group, resource, namespace) or a
/// non-resource URL.
enum Attrs {
    Resource {
        verb: &'static str,
        group: String,
        resource: String,
        namespace: Option<String>,
    },
    Url(String),
}

/// Websocket exec (a GET) is authorized as `create` on 1.30+ and `get` before: both.
fn attributes(method: &str, path: &str) -> Vec<Attrs> {
    let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let (group, rest): (String, &[&str]) = match segs.as_slice() {
        ["api", "v1", rest @ ..] => (String::new(), rest),
        ["apis", group, "v1", rest @ ..] => (group.to_string(), rest),
        _ => return vec![Attrs::Url(path.to_string())],
    };
    let (namespace, rest) = match rest {
        ["namespaces", ns, rest @ ..] if !rest.is_empty() => (Some(ns.to_string()), rest),
        r => (None, r),
    };
    let verbs: Vec<(&'static str, String)> = match (method, rest) {
        ("GET", [res]) => vec![("list", res.to_string())],
        ("POST", [res]) => vec![("create", res.to_string())],
        ("GET", [res, _]) => vec![("get", res.to_string())],
        ("PUT", [res, _]) => vec![("update", res.to_string())],
        ("DELETE", [res, _]) => vec![("delete", res.to_string())],
        ("POST", [res, _, sub]) => vec![("create", format!("{res}/{sub}"))],
        ("GET", [res, _, "exec"]) => vec![
            ("create", format!("{res}/exec")),
            ("get", format!("{res}/exec")),
        ],
        _ => panic!("unexpected call {method} {path}: extend the check"),
    };
    verbs
        .into_iter()
        .map(|(verb, resource)| Attrs::Resource {
            verb,
            group: group.clone(),
            resource,
            namespace: namespace.clone(),
        })
        .collect()
}

/// Every request the test apiserver served for which `only(path)` holds is allowed by the RBAC
/// files `files` (under docs/rbac/) together: cluster-scoped and non-resource requests by a
/// ClusterRoleBinding's role, namespaced ones by a RoleBinding's role in their namespace.
pub fn assert_calls_inside_rbac(c: &FakeCluster, files: &[&str], only: impl Fn(&str) -> bool) {
    use saphyr::LoadableYamlNode;
    let text = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(crate::servers::procs::repo_root().join("docs/rbac").join(f))
                .unwrap()
        })
        .collect::<Vec<_>>()
        .join("\n---\n");
    let docs = saphyr::Yaml::load_from_str(&text).unwrap();
    // A rule's list, or none when the rule does not have that key.
    let strings = |rule: &saphyr::Yaml, key: &str| -> Vec<String> {
        rule.as_mapping()
            .and_then(|m| m.iter().find(|(k, _)| k.as_str() == Some(key)))
            .and_then(|(_, v)| v.as_vec())
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let rules_of = |name: &str| -> Vec<Rule> {
        let role = docs
            .iter()
            .find(|d| {
                d["kind"].as_str() == Some("ClusterRole")
                    && d["metadata"]["name"].as_str() == Some(name)
            })
            .unwrap_or_else(|| panic!("no ClusterRole {name}"));
        role["rules"]
            .as_vec()
            .unwrap()
            .iter()
            .map(|r| Rule {
                groups: strings(r, "apiGroups"),
                resources: strings(r, "resources"),
                verbs: strings(r, "verbs"),
                urls: strings(r, "nonResourceURLs"),
            })
            .collect()
    };
    let mut grants: Vec<(Option<String>, Vec<Rule>)> = Vec::new();
    for d in docs.iter() {
        match d["kind"].as_str() {
            Some("ClusterRoleBinding") => {
                grants.push((None, rules_of(d["roleRef"]["name"].as_str().unwrap())))
            }
            Some("RoleBinding") => grants.push((
                Some(d["metadata"]["namespace"].as_str().unwrap().to_string()),
                rules_of(d["roleRef"]["name"].as_str().unwrap()),
            )),
            _ => {}
        }
    }
    let mut checked = 0;
    for line in c.requests() {
        let mut parts = line.splitn(3, ' ');
        let (_, method, path) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        // The log also notes what an exec negotiated; only requests are authorized.
        if !["GET", "POST", "PUT", "DELETE", "PATCH"].contains(&method) || !only(path) {
            continue;
        }
        for attrs in attributes(method, path) {
            let allowed = match attrs {
                // Non-resource URLs: only through a ClusterRoleBinding, verb `get`.
                Attrs::Url(url) => grants.iter().any(|(scope, rules)| {
                    scope.is_none()
                        && rules
                            .iter()
                            .any(|r| r.urls.contains(&url) && r.verbs.iter().any(|v| v == "get"))
                }),
                Attrs::Resource {
                    verb,
                    group,
                    resource,
                    namespace,
                } => grants.iter().any(|(scope, rules)| {
                    (scope.is_none() || *scope == namespace)
                        && rules.iter().any(|r| {
                            r.groups.contains(&group)
                                && r.resources.contains(&resource)
                                && r.verbs.iter().any(|v| v == verb)
                        })
                }),
            };
            assert!(allowed, "{method} {path}: not granted by {files:?}");
            checked += 1;
        }
    }
    assert!(checked > 0, "no call was checked");
}
