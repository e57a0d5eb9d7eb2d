//! The apiservers' ServiceAccount token counters at switch and before retire (issue 18, item 3):
//! `serviceaccount_stale_tokens_total`, `serviceaccount_legacy_tokens_total` and the rest of the
//! `serviceaccount_*_total` families the running version exposes
//! ([`crate::cluster::metrics`]), read from each apiserver (each node's, asked directly, or the
//! one behind the kubeconfig), kept in the state, shown by `rotate status`, and compared in the
//! retire report: a counter that grew since switch means something still presents legacy or
//! stale tokens. Reading `/metrics` needs RBAC (`nonResourceURLs: ["/metrics"]`); without it
//! the snapshot says so and nothing is gated on it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::live::Live;
use super::run::Ctx;

/// One apiserver's counters at one moment (or why there are none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiserverMetrics {
    pub apiserver: String,
    pub at: jiff::Timestamp,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Read every apiserver the rotation can ask (none without a cluster).
pub(super) fn snapshot(ctx: &Ctx<'_>) -> Vec<ApiserverMetrics> {
    let now = jiff::Timestamp::now();
    let read = |place: String, got: Result<BTreeMap<String, u64>, String>| match got {
        Ok(counters) => ApiserverMetrics {
            apiserver: place,
            at: now,
            counters,
            error: None,
        },
        Err(e) => ApiserverMetrics {
            apiserver: place,
            at: now,
            counters: BTreeMap::new(),
            error: Some(e),
        },
    };
    if let Some(live) = &ctx.live {
        return ctx
            .fleet
            .members
            .iter()
            .filter_map(|m| m.apiserver_at.as_ref())
            .map(|addr| {
                let got = live
                    .endpoint(addr)
                    .map_err(|e| e.to_string())
                    .and_then(|at| live.metrics(&at).map_err(|e| e.to_string()));
                read(addr.place(), got)
            })
            .collect();
    }
    let cluster = ctx.cluster();
    let Some(cfg) = cluster else {
        return Vec::new();
    };
    match Live::connect(&cfg) {
        Ok(live) => {
            let got = live
                .block_on(live.cluster.serviceaccount_metrics())
                .map_err(|e| e.to_string());
            vec![read(live.cluster.server(), got)]
        }
        Err(e) => vec![read(
            "the kubeconfig's apiserver".into(),
            Err(e.to_string()),
        )],
    }
}

/// The start time of the apiserver process, read beside the counters.
const START: &str = "process_start_time_seconds";

/// One line per apiserver: its counters, or why there are none.
pub fn lines(snap: &[ApiserverMetrics]) -> Vec<String> {
    snap.iter()
        .map(|m| match &m.error {
            Some(e) => format!("{}: /metrics not read ({e})", m.apiserver),
            None if m.counters.is_empty() => {
                format!("{}: no serviceaccount_*_total counters", m.apiserver)
            }
            None => format!(
                "{}: {}",
                m.apiserver,
                m.counters
                    .iter()
                    .filter(|(k, _)| k.as_str() != START)
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        })
        .collect()
}

/// What grew between the switch snapshot and the one before retire, per apiserver: the notes of
/// the retire report. A counter that went down was reset (the apiserver restarted) and says
/// nothing.
pub fn growth(at_switch: &[ApiserverMetrics], before_retire: &[ApiserverMetrics]) -> Vec<String> {
    let mut out = Vec::new();
    for now in before_retire {
        let Some(then) = at_switch.iter().find(|m| m.apiserver == now.apiserver) else {
            continue;
        };
        // Restarted in between: its counters start again from zero.
        let started = |m: &ApiserverMetrics| m.counters.get(START).copied();
        if started(now) != started(then) {
            out.push(format!(
                "{} restarted since the counters were read after switch: what they count before retire is since that restart",
                now.apiserver
            ));
        }
        for (name, v) in &now.counters {
            if name == START {
                continue;
            }
            let Some(was) = then.counters.get(name) else {
                continue;
            };
            if v > was
                && started(now) == started(then)
                && (name.contains("legacy") || name.contains("stale"))
            {
                out.push(format!(
                    "{name} grew by {} on {} since the switch: some client still presents {} tokens (they may be signed with the old key)",
                    v - was,
                    now.apiserver,
                    if name.contains("stale") {
                        "stale projected"
                    } else {
                        "legacy"
                    }
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(place: &str, c: &[(&str, u64)]) -> ApiserverMetrics {
        ApiserverMetrics {
            apiserver: place.into(),
            at: jiff::Timestamp::UNIX_EPOCH,
            counters: c.iter().map(|(k, v)| (k.to_string(), *v)).collect(),
            error: None,
        }
    }

    #[test]
    fn growth_names_the_counter_and_the_apiserver() {
        let a = [m(
            "10.0.0.1:6443",
            &[
                ("serviceaccount_legacy_tokens_total", 3),
                ("serviceaccount_valid_tokens_total", 5),
            ],
        )];
        let b = [m(
            "10.0.0.1:6443",
            &[
                ("serviceaccount_legacy_tokens_total", 7),
                ("serviceaccount_valid_tokens_total", 50),
            ],
        )];
        let g = growth(&a, &b);
        assert_eq!(g.len(), 1, "{g:?}");
        assert!(g[0].starts_with("serviceaccount_legacy_tokens_total grew by 4 on 10.0.0.1:6443"));
        // A reset is not growth.
        assert!(growth(&b, &a).is_empty());
    }
}
