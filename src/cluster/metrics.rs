//! The ServiceAccount token counters of an apiserver's `/metrics` (issue 18, item 3).
//!
//! kube-apiserver counts, per apiserver since its start, the tokens it authenticated
//! (`pkg/serviceaccount/metrics.go`): `serviceaccount_legacy_tokens_total` (Secret-based),
//! `serviceaccount_stale_tokens_total` (projected tokens used after their refresh time: a
//! client that does not re-read its token), `serviceaccount_valid_tokens_total`, and in newer
//! versions the `serviceaccount_legacy_*_token_uses_total` family. Every
//! `serviceaccount_*_total` family the running version exposes is read, its samples summed over
//! labels. `/metrics` of a real apiserver is megabytes of histograms: it is read as a stream,
//! bounded in size and time, keeping only those lines.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{Cluster, ClusterError};

/// The most of `/metrics` read (a large control plane's is tens of MiB at most).
const MAX_METRICS_BYTES: usize = 128 * 1024 * 1024;
const METRICS_TIMEOUT: Duration = Duration::from_secs(60);

/// `serviceaccount_*_total` counters of a Prometheus text exposition, summed over labels
/// (counters of token uses: whole numbers, kept as such).
pub fn serviceaccount_counters(text: &str) -> BTreeMap<String, u64> {
    let mut sums: BTreeMap<String, f64> = BTreeMap::new();
    for line in text.lines() {
        if let Some((name, value)) = sample(line) {
            *sums.entry(name.to_string()).or_insert(0.0) += value;
        }
    }
    sums.into_iter()
        .map(|(k, v)| (k, v.max(0.0).round() as u64))
        .collect()
}

/// One `serviceaccount_*_total` sample line (or `process_start_time_seconds`, which says when
/// the counters started): `name{labels} value [timestamp] [# exemplar]`.
fn sample(line: &str) -> Option<(&str, f64)> {
    if !(line.starts_with("serviceaccount_") || line.starts_with("process_start_time_seconds")) {
        return None;
    }
    let name_end = line.find(['{', ' ', '\t'])?;
    let name = &line[..name_end];
    if !(name.ends_with("_total") || name == "process_start_time_seconds") {
        return None;
    }
    let rest = match line[name_end..].strip_prefix('{') {
        // The label block ends at the first `}` outside a quoted value (`\"` escapes a quote).
        Some(labels) => {
            let (mut quoted, mut escaped) = (false, false);
            let mut end = None;
            for (i, c) in labels.char_indices() {
                match c {
                    _ if escaped => escaped = false,
                    '\\' if quoted => escaped = true,
                    '"' => quoted = !quoted,
                    '}' if !quoted => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            &labels[end? + 1..]
        }
        None => &line[name_end..],
    };
    let value: f64 = rest.split_whitespace().next()?.parse().ok()?;
    value.is_finite().then_some((name, value))
}

impl Cluster {
    /// The `serviceaccount_*_total` counters of the apiserver behind this client.
    pub async fn serviceaccount_metrics(&self) -> Result<BTreeMap<String, u64>, ClusterError> {
        use http_body_util::BodyExt as _;
        let url = self.url("/metrics");
        let req = http::Request::get("/metrics")
            .body(Vec::new())
            .expect("a static request");
        let exchange = async {
            let res = self
                .client
                .send(req.map(kube::client::Body::from))
                .await
                .map_err(|e| super::from_kube("GET", &url, e))?;
            let status = res.status();
            if !status.is_success() {
                return Err(ClusterError::Api {
                    method: "GET",
                    url: url.clone(),
                    code: status.as_u16(),
                    reason: status.canonical_reason().unwrap_or_default().to_string(),
                    message: String::new(),
                });
            }
            let mut body = res.into_body();
            let (mut seen, mut kept, mut partial) = (0usize, String::new(), Vec::<u8>::new());
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| super::from_kube("GET", &url, e))?;
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                seen += data.len();
                if seen > MAX_METRICS_BYTES {
                    return Err(ClusterError::BadResponse {
                        method: "GET",
                        url: url.clone(),
                        reason: format!("over {MAX_METRICS_BYTES} bytes; not read further"),
                    });
                }
                partial.extend_from_slice(&data);
                // Keep only whole lines of the families read; the rest is dropped as it comes.
                if let Some(end) = partial.iter().rposition(|b| *b == b'\n') {
                    for line in String::from_utf8_lossy(&partial[..end]).lines() {
                        if line.starts_with("serviceaccount_") {
                            kept.push_str(line);
                            kept.push('\n');
                        }
                    }
                    partial.drain(..=end);
                }
            }
            kept.push_str(&String::from_utf8_lossy(&partial));
            Ok(serviceaccount_counters(&kept))
        };
        match tokio::time::timeout(METRICS_TIMEOUT, exchange).await {
            Ok(r) => r,
            Err(_) => Err(ClusterError::Timeout {
                method: "GET",
                url,
                secs: METRICS_TIMEOUT.as_secs(),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_the_serviceaccount_counters_over_labels() {
        let text = "\
# HELP serviceaccount_legacy_tokens_total [ALPHA] Cumulative legacy service account tokens used
# TYPE serviceaccount_legacy_tokens_total counter
serviceaccount_legacy_tokens_total 3
serviceaccount_stale_tokens_total 0
serviceaccount_legacy_auto_token_uses_total{} 2
serviceaccount_legacy_manual_token_uses_total{x=\"a}b\"} 4 1700000000000
serviceaccount_legacy_manual_token_uses_total{x=\"c\"} 1
serviceaccount_stale_tokens_total{x=\"q\\\"}\"}\t2 # {trace_id=\"t\"} 9
process_start_time_seconds 1.7e9
serviceaccount_valid_tokens_total 1.5e+06
apiserver_request_total{verb=\"GET\"} 99
serviceaccount_other_gauge 7
";
        let c = serviceaccount_counters(text);
        assert_eq!(c["serviceaccount_legacy_tokens_total"], 3);
        assert_eq!(
            c["serviceaccount_stale_tokens_total"], 2,
            "exemplar and tab"
        );
        assert_eq!(c["process_start_time_seconds"], 1_700_000_000);
        assert_eq!(c["serviceaccount_legacy_auto_token_uses_total"], 2);
        assert_eq!(c["serviceaccount_legacy_manual_token_uses_total"], 5);
        assert_eq!(c["serviceaccount_valid_tokens_total"], 1_500_000);
        assert_eq!(c.len(), 6, "{c:?}");
    }
}
