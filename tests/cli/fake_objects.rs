//! ConfigMaps and Leases in the fake kube-apiserver (issue 16's `--state k8s://NS/NAME`),
//! with kube-apiserver's optimistic concurrency: every object has a `resourceVersion`; a create
//! of an existing name is 409 `AlreadyExists`; an update (PUT) naming another resourceVersion
//! than the stored one is 409 `Conflict`, with kube-apiserver's message; an update of a missing
//! object is 404. A test can also plant an object (another runner's Lease) and make the next
//! update conflict (another runner wrote in between).

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use hyper::StatusCode;

use super::fake_node_pods::status_json;

#[derive(Default)]
pub struct Objects {
    /// `(resource, namespace, name)` → the object.
    store: Mutex<BTreeMap<(String, String, String), serde_json::Value>>,
    version: AtomicU64,
    /// Per resource: updates still to be answered 409 as if another writer got there first.
    conflicts: Mutex<BTreeMap<String, u32>>,
}

impl Objects {
    fn next_version(&self) -> String {
        (self.version.fetch_add(1, Ordering::SeqCst) + 100).to_string()
    }

    pub fn get(&self, res: &str, ns: &str, name: &str) -> Option<serde_json::Value> {
        self.store
            .lock()
            .unwrap()
            .get(&(res.into(), ns.into(), name.into()))
            .cloned()
    }

    /// Store `obj` as is (with a fresh resourceVersion): another client's write.
    pub fn plant(&self, res: &str, ns: &str, name: &str, mut obj: serde_json::Value) {
        obj["metadata"]["resourceVersion"] = self.next_version().into();
        obj["metadata"]["name"] = name.into();
        obj["metadata"]["namespace"] = ns.into();
        self.store
            .lock()
            .unwrap()
            .insert((res.into(), ns.into(), name.into()), obj);
    }

    /// Every object of `res`, in every namespace (key order).
    pub fn list(&self, res: &str) -> Vec<serde_json::Value> {
        self.store
            .lock()
            .unwrap()
            .iter()
            .filter(|((r, _, _), _)| r == res)
            .map(|(_, o)| o.clone())
            .collect()
    }

    pub fn conflict_next_updates(&self, res: &str, n: u32) {
        self.conflicts.lock().unwrap().insert(res.to_string(), n);
    }

    /// Answer one request on `res` (`configmaps`, `leases`): `name` None for a create.
    pub fn handle(
        &self,
        method: &str,
        res: &str,
        ns: &str,
        name: Option<&str>,
        body: &[u8],
    ) -> (StatusCode, serde_json::Value) {
        let kind_one = if res == "leases" {
            "leases.coordination.k8s.io"
        } else {
            res
        };
        let not_found = |n: &str| {
            (
                StatusCode::NOT_FOUND,
                status_json(404, "NotFound", &format!("{kind_one} \"{n}\" not found")),
            )
        };
        match (method, name) {
            ("GET", Some(n)) => match self.get(res, ns, n) {
                Some(o) => (StatusCode::OK, o),
                None => not_found(n),
            },
            ("POST", None) | ("PUT", Some(_)) => {
                let mut obj: serde_json::Value = match serde_json::from_slice(body) {
                    Ok(v) => v,
                    Err(e) => {
                        return (
                            StatusCode::BAD_REQUEST,
                            status_json(400, "BadRequest", &e.to_string()),
                        );
                    }
                };
                let n = obj["metadata"]["name"].as_str().unwrap_or("").to_string();
                if n.is_empty() || name.is_some_and(|u| u != n) {
                    return (
                        StatusCode::BAD_REQUEST,
                        status_json(
                            400,
                            "BadRequest",
                            "the name of the object does not match the URL",
                        ),
                    );
                }
                let key = (res.to_string(), ns.to_string(), n.clone());
                let mut store = self.store.lock().unwrap();
                if method == "POST" {
                    if store.contains_key(&key) {
                        return (
                            StatusCode::CONFLICT,
                            status_json(
                                409,
                                "AlreadyExists",
                                &format!("{kind_one} \"{n}\" already exists"),
                            ),
                        );
                    }
                } else {
                    let Some(cur) = store.get(&key) else {
                        return not_found(&n);
                    };
                    let want = obj["metadata"]["resourceVersion"].as_str().unwrap_or("");
                    let mut conflicts = self.conflicts.lock().unwrap();
                    let left = conflicts.entry(res.to_string()).or_insert(0);
                    let forced = *left > 0;
                    if forced {
                        *left -= 1;
                    }
                    if forced || (!want.is_empty() && want != cur["metadata"]["resourceVersion"]) {
                        return (
                            StatusCode::CONFLICT,
                            status_json(
                                409,
                                "Conflict",
                                &format!(
                                    "Operation cannot be fulfilled on {kind_one} \"{n}\": the object has been modified; please apply your changes to the latest version and try again"
                                ),
                            ),
                        );
                    }
                }
                obj["metadata"]["namespace"] = ns.into();
                obj["metadata"]["resourceVersion"] = self.next_version().into();
                store.insert(key, obj.clone());
                (
                    if method == "POST" {
                        StatusCode::CREATED
                    } else {
                        StatusCode::OK
                    },
                    obj,
                )
            }
            _ => (
                StatusCode::METHOD_NOT_ALLOWED,
                status_json(
                    405,
                    "MethodNotAllowed",
                    "the fake serves get, create and update",
                ),
            ),
        }
    }
}
