//! The retire gate's waiting time (DESIGN §2.6). Pure.
//!
//! After the switch, tokens signed with the old key are still out there. The kubelet refreshes
//! a projected token at 80% of its TTL or after 24 h, whichever comes first, plus up to 10 s of
//! jitter, so after 24 h + 10 s every projected token has been re-signed with the new key.
//! Relying parties may still hold the old JWKS for the cache max-age. So the old key may go
//! only after max(24 h + 10 s, the operator's overlap) + the JWKS cache max-age, counted from
//! the switch. Legacy secret-based tokens never expire and are never re-signed: they stop
//! working at retire whatever the wait, which sakr says when it retires.

/// 24 h + 10 s.
pub const KUBELET_REFRESH_SECONDS: i64 = 24 * 3600 + 10;
/// kube-apiserver serves its JWKS with `Cache-Control: public, max-age=3600`; the default
/// when nothing else is known.
pub const DEFAULT_CACHE_MAX_AGE: i64 = 3600;

/// `max-age` (or `s-maxage`, whichever is larger) of a Cache-Control value.
pub fn max_age(cache_control: &str) -> Option<i64> {
    cache_control
        .split(',')
        .filter_map(|d| {
            let (k, v) = d.trim().split_once('=')?;
            matches!(
                k.trim().to_ascii_lowercase().as_str(),
                "max-age" | "s-maxage"
            )
            .then(|| v.trim().trim_matches('"').parse::<i64>().ok())
            .flatten()
        })
        .max()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Window {
    pub refresh_seconds: i64,
    pub overlap_seconds: i64,
    pub cache_max_age_seconds: i64,
    /// What the gate waits, from the switch.
    pub total_seconds: i64,
}

pub fn retire_window(overlap_seconds: i64, cache_max_age: Option<i64>) -> Window {
    let cache = cache_max_age.unwrap_or(DEFAULT_CACHE_MAX_AGE).max(0);
    let base = KUBELET_REFRESH_SECONDS.max(overlap_seconds);
    Window {
        refresh_seconds: KUBELET_REFRESH_SECONDS,
        overlap_seconds,
        cache_max_age_seconds: cache,
        // Saturating: both come from flags or a state file (input).
        total_seconds: base.saturating_add(cache),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_a_day_ten_seconds_and_an_hour() {
        assert_eq!(retire_window(0, None).total_seconds, 86_400 + 10 + 3600);
        assert_eq!(
            retire_window(0, max_age("public, max-age=3600")).total_seconds,
            90_010
        );
    }

    #[test]
    fn a_longer_overlap_or_cache_wins() {
        assert_eq!(
            retire_window(7 * 86_400, Some(60)).total_seconds,
            7 * 86_400 + 60
        );
        assert_eq!(
            retire_window(3600, Some(86_400)).total_seconds,
            86_410 + 86_400
        );
    }

    #[test]
    fn cache_control_parsing() {
        assert_eq!(max_age("public, max-age=300"), Some(300));
        assert_eq!(max_age("max-age=60, s-maxage=600"), Some(600));
        assert_eq!(max_age("no-store"), None);
        assert_eq!(max_age("max-age=abc"), None);
    }
}
