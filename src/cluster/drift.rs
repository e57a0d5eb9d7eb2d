//! Drift between the places a ServiceAccount key is known (DESIGN §1 `trust`/`switch` gates,
//! §3 `sakr drift`, issue 5): the kids each kube-apiserver serves at `/openid/v1/jwks`, the kids
//! published under the issuer URL, and the kids of the operator's local key files.
//!
//! Pure: the caller gathers the kid lists (see [`super::Cluster::jwks_per_apiserver`] and
//! [`super::fetch_issuer_jwks`]) and this module only compares them. That keeps every rule
//! below unit-testable without a cluster.
//!
//! What matters, and why:
//! - the current signing kid must be served by *every* apiserver (a token minted by one
//!   apiserver is checked by whichever apiserver the next request reaches) and published (or
//!   external relying parties reject every new token);
//! - a published kid that no apiserver trusts is stale or premature: relying parties accept
//!   tokens the cluster itself would refuse;
//! - an apiserver that could not be read counts as not confirming anything: a gate must not
//!   open on a guess.
//!
//! Other differences (a kid served by some apiservers only, served but unpublished, local
//! only) are reported but do not fail the check: they are the normal middle of a rotation.

use serde::Serialize;

/// The kids one place holds, or why they could not be read (the error already rendered,
/// naming the URL). Apiservers are named by `host:port` of their endpoint. JSON:
/// `{"place": …, "kids": […]}` or `{"place": …, "error": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceKids {
    pub place: String,
    pub kids: Result<Vec<String>, String>,
}

impl Serialize for PlaceKids {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("place", &self.place)?;
        match &self.kids {
            Ok(kids) => m.serialize_entry("kids", kids)?,
            Err(e) => m.serialize_entry("error", e)?,
        }
        m.end()
    }
}

impl PlaceKids {
    pub fn ok(place: impl Into<String>, kids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        PlaceKids {
            place: place.into(),
            kids: Ok(kids.into_iter().map(Into::into).collect()),
        }
    }

    pub fn err(place: impl Into<String>, error: impl Into<String>) -> Self {
        PlaceKids {
            place: place.into(),
            kids: Err(error.into()),
        }
    }

    fn holds(&self, kid: &str) -> Cell {
        match &self.kids {
            Ok(kids) if kids.iter().any(|k| k == kid) => Cell::Present,
            Ok(_) => Cell::Absent,
            Err(_) => Cell::Unknown,
        }
    }
}

/// Everything `sakr drift` compares.
#[derive(Debug, Clone, Default)]
pub struct DriftInput {
    /// One entry per kube-apiserver, in endpoint order.
    pub apiservers: Vec<PlaceKids>,
    /// The JWKS published under the issuer URL; `None` when the caller did not look.
    pub published: Option<PlaceKids>,
    /// Local key files: `(file, kid)`, one per key, in the order given.
    pub local: Vec<(String, String)>,
    /// The kid tokens are signed with now, when the caller knows it (a fresh token's header,
    /// or the signing key file).
    pub signing_kid: Option<String>,
    /// The JWKS as stored at the publish target (read through the storage API, `--publish-to`);
    /// `published` is then what relying parties get over HTTPS, through any cache (issue 18).
    pub stored: Option<PlaceKids>,
    /// Legacy token Secrets per kid of their token (`(kid, count)`); `None` when not listed.
    pub legacy: Option<Vec<(String, usize)>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlaceKind {
    Apiserver,
    /// Over HTTPS under the issuer, as relying parties fetch it.
    Published,
    /// At the publish target, through the storage API.
    Stored,
    Local,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Column {
    pub place: String,
    pub kind: PlaceKind,
    /// Why this place could not be read; its cells are then [`Cell::Unknown`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Whether a place holds a kid. Serialises as `true` / `false` / `null` (unknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    Present,
    Absent,
    Unknown,
}

impl Serialize for Cell {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Cell::Present => s.serialize_bool(true),
            Cell::Absent => s.serialize_bool(false),
            Cell::Unknown => s.serialize_none(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Row {
    pub kid: String,
    /// This is the kid tokens are signed with now.
    pub signing: bool,
    /// One cell per [`DriftReport::columns`] entry, same order.
    pub cells: Vec<Cell>,
}

/// One difference, with whether it fails the check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Finding {
    /// An apiserver does not serve the signing kid: tokens it is handed may be refused.
    SigningKidNotServed { kid: String, place: String },
    /// The signing kid is not in the published JWKS: external relying parties reject new tokens.
    SigningKidNotPublished { kid: String },
    /// A published kid that no apiserver serves.
    PublishedKidUntrusted { kid: String },
    /// A place could not be read, so nothing about it is confirmed.
    Unreadable { place: String, error: String },
    /// No apiserver was given: nothing confirms what the cluster trusts.
    NoApiserver,
    /// Some apiservers serve this kid and others do not (normal while `trust` is rolling out).
    ServedBySome {
        kid: String,
        missing_from: Vec<String>,
    },
    /// Every apiserver that could be read serves this kid, but it is not published: tokens it
    /// signed (still valid ones from before a switch) fail at external relying parties.
    ServedNotPublished { kid: String },
    /// A local key that is neither served nor published (e.g. just generated).
    LocalOnly { kid: String, file: String },
    /// The signing kid is stored at the publish target but relying parties do not see it yet
    /// (a cache or CDN serves the previous JWKS): new tokens fail outside the cluster meanwhile.
    SigningKidNotYetPublic { kid: String },
    /// The signing kid is served publicly (from a cache) but gone from the storage: relying
    /// parties lose it when their cache expires.
    SigningKidNotStored { kid: String },
    /// A kid stored at the publish target that relying parties do not see yet (cache lag).
    StoredNotYetPublic { kid: String },
    /// A kid relying parties still see that the storage no longer holds (cache lag after a
    /// retire).
    PublicNotStored { kid: String },
    /// Legacy token Secrets carry this kid, which some apiserver does not serve: those tokens
    /// are rejected there.
    LegacyTokensRejected {
        kid: String,
        count: usize,
        missing_from: Vec<String>,
    },
    /// Legacy token Secrets carry this old kid (served, not the signing kid): retiring it
    /// breaks them.
    LegacyTokensOnOldKid { kid: String, count: usize },
}

impl Finding {
    /// Who a difference matters to, for the report.
    pub fn affects(&self) -> &'static str {
        match self {
            Finding::SigningKidNotPublished { .. }
            | Finding::SigningKidNotYetPublic { .. }
            | Finding::SigningKidNotStored { .. }
            | Finding::ServedNotPublished { .. }
            | Finding::StoredNotYetPublic { .. }
            | Finding::PublicNotStored { .. }
            | Finding::PublishedKidUntrusted { .. } => "relying parties outside the cluster",
            Finding::LegacyTokensRejected { .. } | Finding::LegacyTokensOnOldKid { .. } => {
                "clients of legacy token Secrets"
            }
            Finding::LocalOnly { .. } => "nobody yet",
            _ => "the cluster",
        }
    }
}

impl Finding {
    pub fn is_blocking(&self) -> bool {
        matches!(
            self,
            Finding::SigningKidNotServed { .. }
                | Finding::SigningKidNotPublished { .. }
                | Finding::PublishedKidUntrusted { .. }
                | Finding::Unreadable { .. }
                | Finding::NoApiserver
                | Finding::SigningKidNotYetPublic { .. }
                | Finding::SigningKidNotStored { .. }
                | Finding::LegacyTokensRejected { .. }
        )
    }
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Kids, places, errors and file names come from apiservers, the published JWKS and
        // the operator's disk: escaped for the terminal (issue 13). JSON keeps them as they are.
        let p = |s: &str| crate::text::printable(s).into_owned();
        match self {
            Finding::SigningKidNotServed { kid, place } => write!(
                f,
                "apiserver {} does not serve the signing kid {}: tokens reaching it are rejected",
                p(place),
                p(kid)
            ),
            Finding::SigningKidNotPublished { kid } => write!(
                f,
                "the signing kid {} is not published: external relying parties reject new tokens",
                p(kid)
            ),
            Finding::PublishedKidUntrusted { kid } => write!(
                f,
                "published kid {} is trusted by no apiserver (stale, or published before `trust`)",
                p(kid)
            ),
            Finding::Unreadable { place, error } => {
                write!(f, "{} could not be read: {}", p(place), p(error))
            }
            Finding::NoApiserver => f.write_str("no apiserver JWKS was read"),
            Finding::ServedBySome { kid, missing_from } => write!(
                f,
                "kid {} is served by some apiservers but not by {}",
                p(kid),
                p(&missing_from.join(", "))
            ),
            Finding::ServedNotPublished { kid } => write!(
                f,
                "kid {} is trusted by the cluster but not published: tokens it signed fail outside the cluster",
                p(kid)
            ),
            Finding::LocalOnly { kid, file } => {
                write!(
                    f,
                    "local key {} (kid {}) is neither served nor published",
                    p(file),
                    p(kid)
                )
            }
            Finding::SigningKidNotYetPublic { kid } => write!(
                f,
                "the signing kid {} is in the storage but relying parties do not see it yet (a cache or CDN serves the previous JWKS): new tokens fail outside the cluster until it expires",
                p(kid)
            ),
            Finding::SigningKidNotStored { kid } => write!(
                f,
                "the signing kid {} is served to relying parties but gone from the storage: they lose it when their cache expires; publish it again",
                p(kid)
            ),
            Finding::StoredNotYetPublic { kid } => write!(
                f,
                "kid {} is in the storage but relying parties do not see it yet (cache lag): wait the max-age before switching to it",
                p(kid)
            ),
            Finding::PublicNotStored { kid } => write!(
                f,
                "relying parties still see kid {}, which the storage no longer holds (cache lag)",
                p(kid)
            ),
            Finding::LegacyTokensRejected {
                kid,
                count,
                missing_from,
            } => write!(
                f,
                "{count} legacy token Secret(s) carry kid {}, which {} no longer serve(s): those tokens are rejected there",
                p(kid),
                p(&missing_from.join(", "))
            ),
            Finding::LegacyTokensOnOldKid { kid, count } => write!(
                f,
                "{count} legacy token Secret(s) still carry the old kid {}: retiring it breaks them (`sakr rotate next --reissue-legacy-tokens` re-signs them)",
                p(kid)
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_kid: Option<String>,
}

impl DriftReport {
    /// True when a difference that breaks tokens now exists (see the module header); `sakr
    /// drift` exits 1 on it.
    pub fn has_blocking_difference(&self) -> bool {
        self.findings.iter().any(Finding::is_blocking)
    }

    /// The `switch` gate: every apiserver was read and serves `kid`.
    pub fn every_apiserver_trusts(&self, kid: &str) -> bool {
        let Some(row) = self.rows.iter().find(|r| r.kid == kid) else {
            return false;
        };
        let mut any = false;
        for (col, cell) in self.columns.iter().zip(&row.cells) {
            if col.kind == PlaceKind::Apiserver {
                any = true;
                if *cell != Cell::Present {
                    return false;
                }
            }
        }
        any
    }
}

/// The `switch` gate straight from the per-apiserver reads: at least one apiserver, every one
/// read successfully, every one serving `kid`.
pub fn every_apiserver_trusts(apiservers: &[PlaceKids], kid: &str) -> bool {
    !apiservers.is_empty() && apiservers.iter().all(|a| a.holds(kid) == Cell::Present)
}

/// Compare the places. Rows come in first-seen order: signing kid first, then apiservers in
/// endpoint order, then published, then local files; so the table reads the same every run.
pub fn compare(input: &DriftInput) -> DriftReport {
    let mut columns = Vec::new();
    let mut places: Vec<(&PlaceKids, PlaceKind)> = Vec::new();
    for a in &input.apiservers {
        places.push((a, PlaceKind::Apiserver));
    }
    if let Some(p) = &input.published {
        places.push((p, PlaceKind::Published));
    }
    if let Some(p) = &input.stored {
        places.push((p, PlaceKind::Stored));
    }
    for (place, kind) in &places {
        columns.push(Column {
            place: place.place.clone(),
            kind: *kind,
            error: place.kids.as_ref().err().cloned(),
        });
    }
    // Local files: one column for all of them (each key is a kid; the file is in the finding).
    let local_col = (!input.local.is_empty()).then(|| {
        columns.push(Column {
            place: "local".to_string(),
            kind: PlaceKind::Local,
            error: None,
        });
        columns.len() - 1
    });

    let mut kids: Vec<String> = Vec::new();
    let mut add = |k: &str| {
        if !kids.iter().any(|x| x == k) {
            kids.push(k.to_string());
        }
    };
    if let Some(s) = &input.signing_kid {
        add(s);
    }
    for (p, _) in &places {
        if let Ok(ks) = &p.kids {
            ks.iter().for_each(|k| add(k));
        }
    }
    input.local.iter().for_each(|(_, k)| add(k));

    let rows: Vec<Row> = kids
        .iter()
        .map(|kid| {
            let mut cells: Vec<Cell> = places.iter().map(|(p, _)| p.holds(kid)).collect();
            if local_col.is_some() {
                cells.push(if input.local.iter().any(|(_, k)| k == kid) {
                    Cell::Present
                } else {
                    Cell::Absent
                });
            }
            Row {
                kid: kid.clone(),
                signing: input.signing_kid.as_deref() == Some(kid.as_str()),
                cells,
            }
        })
        .collect();

    let mut findings = Vec::new();
    if input.apiservers.is_empty() {
        findings.push(Finding::NoApiserver);
    }
    for (p, _) in &places {
        if let Err(e) = &p.kids {
            findings.push(Finding::Unreadable {
                place: p.place.clone(),
                error: e.clone(),
            });
        }
    }
    if let Some(kid) = &input.signing_kid {
        for a in &input.apiservers {
            if a.holds(kid) == Cell::Absent {
                findings.push(Finding::SigningKidNotServed {
                    kid: kid.clone(),
                    place: a.place.clone(),
                });
            }
        }
        let public = input.published.as_ref().map(|p| p.holds(kid));
        let stored = input.stored.as_ref().map(|p| p.holds(kid));
        match (public, stored) {
            (Some(Cell::Absent), Some(Cell::Present)) => {
                findings.push(Finding::SigningKidNotYetPublic { kid: kid.clone() })
            }
            (Some(Cell::Absent), _) => {
                findings.push(Finding::SigningKidNotPublished { kid: kid.clone() })
            }
            (Some(Cell::Present), Some(Cell::Absent)) => {
                findings.push(Finding::SigningKidNotStored { kid: kid.clone() })
            }
            _ => {}
        }
    }
    let readable: Vec<&PlaceKids> = input.apiservers.iter().filter(|a| a.kids.is_ok()).collect();
    for kid in &kids {
        let is_signing = input.signing_kid.as_deref() == Some(kid.as_str());
        let served_by: Vec<&&PlaceKids> = readable
            .iter()
            .filter(|a| a.holds(kid) == Cell::Present)
            .collect();
        let published = input.published.as_ref().map(|p| p.holds(kid));
        // "Trusted by no apiserver" needs every apiserver read: an unreadable one might trust it
        // (the Unreadable finding already blocks).
        let all_read = readable.len() == input.apiservers.len() && !readable.is_empty();
        if published == Some(Cell::Present) && served_by.is_empty() && all_read {
            findings.push(Finding::PublishedKidUntrusted { kid: kid.clone() });
        }
        if !served_by.is_empty() && served_by.len() < readable.len() && !is_signing {
            findings.push(Finding::ServedBySome {
                kid: kid.clone(),
                missing_from: readable
                    .iter()
                    .filter(|a| a.holds(kid) == Cell::Absent)
                    .map(|a| a.place.clone())
                    .collect(),
            });
        }
        let stored = input.stored.as_ref().map(|p| p.holds(kid));
        if !served_by.is_empty()
            && published == Some(Cell::Absent)
            && stored != Some(Cell::Present)
            && !is_signing
        {
            findings.push(Finding::ServedNotPublished { kid: kid.clone() });
        }
        if !is_signing {
            match (published, stored) {
                (Some(Cell::Absent), Some(Cell::Present)) => {
                    findings.push(Finding::StoredNotYetPublic { kid: kid.clone() })
                }
                (Some(Cell::Present), Some(Cell::Absent)) => {
                    findings.push(Finding::PublicNotStored { kid: kid.clone() })
                }
                _ => {}
            }
        }
        if served_by.is_empty() && published != Some(Cell::Present) && !is_signing {
            for (file, k) in &input.local {
                if k == kid {
                    findings.push(Finding::LocalOnly {
                        kid: kid.clone(),
                        file: file.clone(),
                    });
                }
            }
        }
    }

    for (kid, count) in input.legacy.iter().flatten() {
        let missing_from: Vec<String> = readable
            .iter()
            .filter(|a| a.holds(kid) == Cell::Absent)
            .map(|a| a.place.clone())
            .collect();
        if !missing_from.is_empty() {
            findings.push(Finding::LegacyTokensRejected {
                kid: kid.clone(),
                count: *count,
                missing_from,
            });
        } else if input.signing_kid.as_deref().is_some_and(|s| s != kid) {
            findings.push(Finding::LegacyTokensOnOldKid {
                kid: kid.clone(),
                count: *count,
            });
        }
    }

    DriftReport {
        columns,
        rows,
        findings,
        signing_kid: input.signing_kid.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "old-kid";
    const NEW: &str = "new-kid";

    fn api(place: &str, kids: &[&str]) -> PlaceKids {
        PlaceKids::ok(place, kids.iter().copied())
    }

    fn input(
        apiservers: Vec<PlaceKids>,
        published: Option<&[&str]>,
        signing: Option<&str>,
    ) -> DriftInput {
        DriftInput {
            apiservers,
            published: published.map(|p| api("https://issuer.example/openid/v1/jwks", p)),
            local: vec![],
            signing_kid: signing.map(str::to_string),
            stored: None,
            legacy: None,
        }
    }

    fn kinds(r: &DriftReport) -> Vec<String> {
        r.findings
            .iter()
            .map(|f| {
                serde_json::to_value(f).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn steady_state_has_no_findings() {
        let r = compare(&input(
            vec![api("a:6443", &[OLD]), api("b:6443", &[OLD])],
            Some(&[OLD]),
            Some(OLD),
        ));
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert!(!r.has_blocking_difference());
        assert!(r.every_apiserver_trusts(OLD));
        assert!(!r.every_apiserver_trusts(NEW));
    }

    #[test]
    fn one_apiserver_of_two_lacking_the_new_kid_closes_the_gate_without_blocking() {
        // Mid-`trust`: a has the new key file, b not yet; still signing with old.
        let apis = vec![api("a:6443", &[OLD, NEW]), api("b:6443", &[OLD])];
        let r = compare(&input(apis.clone(), Some(&[OLD, NEW]), Some(OLD)));
        assert!(!r.every_apiserver_trusts(NEW));
        assert!(!every_apiserver_trusts(&apis, NEW));
        assert!(every_apiserver_trusts(&apis, OLD));
        assert_eq!(kinds(&r), ["served-by-some"]);
        assert_eq!(
            r.findings[0],
            Finding::ServedBySome {
                kid: NEW.into(),
                missing_from: vec!["b:6443".into()]
            }
        );
        assert!(!r.has_blocking_difference());
    }

    #[test]
    fn signing_kid_missing_on_one_apiserver_blocks() {
        // Switched too early: the HA failure sakr exists to prevent.
        let r = compare(&input(
            vec![api("a:6443", &[OLD, NEW]), api("b:6443", &[OLD])],
            Some(&[OLD, NEW]),
            Some(NEW),
        ));
        assert_eq!(
            r.findings,
            vec![Finding::SigningKidNotServed {
                kid: NEW.into(),
                place: "b:6443".into()
            }]
        );
        assert!(r.has_blocking_difference());
        assert!(r.findings[0].to_string().contains("b:6443"));
    }

    #[test]
    fn signing_kid_not_published_blocks() {
        let r = compare(&input(
            vec![api("a:6443", &[OLD, NEW])],
            Some(&[OLD]),
            Some(NEW),
        ));
        assert_eq!(kinds(&r), ["signing-kid-not-published"]);
        assert!(r.has_blocking_difference());
    }

    #[test]
    fn published_kid_no_apiserver_trusts_blocks() {
        let r = compare(&input(
            vec![api("a:6443", &[OLD]), api("b:6443", &[OLD])],
            Some(&[OLD, NEW]),
            Some(OLD),
        ));
        assert_eq!(
            r.findings,
            vec![Finding::PublishedKidUntrusted { kid: NEW.into() }]
        );
        assert!(r.has_blocking_difference());
    }

    #[test]
    fn served_but_unpublished_warns_only() {
        let r = compare(&input(
            vec![api("a:6443", &[OLD, NEW])],
            Some(&[NEW]),
            Some(NEW),
        ));
        assert_eq!(kinds(&r), ["served-not-published"]);
        assert!(!r.has_blocking_difference());
    }

    #[test]
    fn unreadable_apiserver_blocks_and_closes_the_gate() {
        let apis = vec![
            api("a:6443", &[OLD, NEW]),
            PlaceKids::err(
                "b:6443",
                "GET https://b:6443/openid/v1/jwks: connection refused",
            ),
        ];
        let r = compare(&input(apis.clone(), Some(&[OLD, NEW]), Some(OLD)));
        assert!(r.has_blocking_difference());
        assert!(!r.every_apiserver_trusts(NEW));
        assert!(!every_apiserver_trusts(&apis, NEW));
        assert_eq!(kinds(&r), ["unreadable"]);
        // Unknown cells, not "absent": a missing reading is not evidence of a missing key.
        let row = r.rows.iter().find(|r| r.kid == NEW).unwrap();
        assert_eq!(row.cells, [Cell::Present, Cell::Unknown, Cell::Present]);
        assert_eq!(
            r.columns[1].error.as_deref(),
            Some("GET https://b:6443/openid/v1/jwks: connection refused")
        );
    }

    #[test]
    fn no_apiserver_never_opens_the_gate() {
        let r = compare(&input(vec![], Some(&[OLD]), None));
        assert!(!r.every_apiserver_trusts(OLD));
        assert!(!every_apiserver_trusts(&[], OLD));
        assert!(r.has_blocking_difference());
        assert_eq!(kinds(&r), ["no-apiserver"]);
    }

    #[test]
    fn unknown_signing_kid_still_finds_stale_published_keys() {
        let r = compare(&input(vec![api("a:6443", &[NEW])], Some(&[OLD, NEW]), None));
        assert_eq!(
            r.findings,
            vec![Finding::PublishedKidUntrusted { kid: OLD.into() }]
        );
    }

    #[test]
    fn published_not_looked_at_is_not_a_difference() {
        let r = compare(&input(vec![api("a:6443", &[OLD])], None, Some(OLD)));
        assert!(r.findings.is_empty());
        assert_eq!(r.columns.len(), 1);
    }

    #[test]
    fn local_keys_get_a_column_and_local_only_is_reported() {
        let mut i = input(vec![api("a:6443", &[OLD])], Some(&[OLD]), Some(OLD));
        i.local = vec![
            ("old.pub".into(), OLD.into()),
            ("new.pub".into(), NEW.into()),
        ];
        let r = compare(&i);
        assert_eq!(
            r.columns.iter().map(|c| c.kind).collect::<Vec<_>>(),
            [PlaceKind::Apiserver, PlaceKind::Published, PlaceKind::Local]
        );
        assert_eq!(r.rows[0].kid, OLD);
        assert!(r.rows[0].signing);
        assert_eq!(r.rows[1].cells, [Cell::Absent, Cell::Absent, Cell::Present]);
        assert_eq!(
            r.findings,
            vec![Finding::LocalOnly {
                kid: NEW.into(),
                file: "new.pub".into()
            }]
        );
        assert!(!r.has_blocking_difference());
    }

    #[test]
    fn rows_are_in_first_seen_order_signing_first() {
        let r = compare(&input(
            vec![api("a:6443", &["k1", "k2"]), api("b:6443", &["k3", "k1"])],
            Some(&["k4", "k2", "k1", "k3"]),
            Some("k3"),
        ));
        let kids: Vec<&str> = r.rows.iter().map(|r| r.kid.as_str()).collect();
        assert_eq!(kids, ["k3", "k1", "k2", "k4"]);
    }

    #[test]
    fn json_shape_is_stable() {
        let r = compare(&input(
            vec![api("a:6443", &[OLD]), PlaceKids::err("b:6443", "refused")],
            Some(&[OLD]),
            Some(OLD),
        ));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({
                "columns": [
                    {"place": "a:6443", "kind": "apiserver"},
                    {"place": "b:6443", "kind": "apiserver", "error": "refused"},
                    {"place": "https://issuer.example/openid/v1/jwks", "kind": "published"},
                ],
                "rows": [{"kid": OLD, "signing": true, "cells": [true, null, true]}],
                "findings": [{"kind": "unreadable", "place": "b:6443", "error": "refused"}],
                "signing_kid": OLD,
            })
        );
    }

    #[test]
    fn place_kids_json() {
        assert_eq!(
            serde_json::to_value(api("a:6443", &[OLD])).unwrap(),
            serde_json::json!({"place": "a:6443", "kids": [OLD]})
        );
        assert_eq!(
            serde_json::to_value(PlaceKids::err("b:6443", "down")).unwrap(),
            serde_json::json!({"place": "b:6443", "error": "down"})
        );
    }

    #[test]
    fn gate_requires_presence_everywhere_for_any_number_of_apiservers() {
        // Exhaustive over 3 apiservers × {has, lacks, unreadable}.
        let states = ["has", "lacks", "err"];
        for a in states {
            for b in states {
                for c in states {
                    let apis: Vec<PlaceKids> = [a, b, c]
                        .iter()
                        .enumerate()
                        .map(|(i, s)| match *s {
                            "has" => api(&format!("{i}:6443"), &[OLD, NEW]),
                            "lacks" => api(&format!("{i}:6443"), &[OLD]),
                            _ => PlaceKids::err(format!("{i}:6443"), "down"),
                        })
                        .collect();
                    let want = [a, b, c].iter().all(|s| *s == "has");
                    assert_eq!(every_apiserver_trusts(&apis, NEW), want, "{a} {b} {c}");
                    let r = compare(&input(apis.clone(), Some(&[OLD, NEW]), Some(OLD)));
                    assert_eq!(r.every_apiserver_trusts(NEW), want, "{a} {b} {c}");
                    // Signing with the new key is free of blocking drift exactly when the
                    // gate was open.
                    let after = compare(&input(apis, Some(&[OLD, NEW]), Some(NEW)));
                    assert_eq!(after.has_blocking_difference(), !want, "{a} {b} {c}");
                }
            }
        }
    }

    /// Kids, places and errors come from apiservers and the published JWKS: their text form
    /// escapes control and layout characters (issue 13); the JSON form keeps them.
    #[test]
    fn findings_escape_untrusted_text() {
        let evil = "kid\u{1b}[2J\u{2028}x";
        let findings = [
            Finding::SigningKidNotServed {
                kid: evil.into(),
                place: "10.0.0.1:6443\u{1b}]0;t\u{7}".into(),
            },
            Finding::PublishedKidUntrusted { kid: evil.into() },
            Finding::Unreadable {
                place: "published".into(),
                error: "bad\njson".into(),
            },
            Finding::LocalOnly {
                kid: evil.into(),
                file: "a\u{202E}b.pub".into(),
            },
        ];
        for f in &findings {
            let text = f.to_string();
            assert!(!text.chars().any(crate::text::is_unsafe_char), "{text:?}");
        }
        assert!(findings[0].to_string().contains(r"kid\u{001B}[2J\u{2028}x"));
        assert!(
            findings[0]
                .to_string()
                .contains(r"6443\u{001B}]0;t\u{0007}")
        );
        assert!(findings[2].to_string().contains(r"bad\u{000A}json"));
        assert!(findings[3].to_string().contains(r"a\u{202E}b.pub"));
        let json = serde_json::to_value(&findings[1]).unwrap();
        assert_eq!(json["kid"], evil);
    }

    #[test]
    fn storage_against_public_and_legacy_tokens_say_who_is_affected() {
        // Just switched: the storage has the new kid, the CDN still serves the old JWKS.
        let mut i = input(
            vec![api("a:6443", &[OLD, NEW]), api("b:6443", &[OLD, NEW])],
            Some(&[OLD]),
            Some(NEW),
        );
        i.stored = Some(api("s3://bucket/c", &[OLD, NEW]));
        i.legacy = Some(vec![(OLD.into(), 3)]);
        let r = compare(&i);
        assert_eq!(
            kinds(&r),
            ["signing-kid-not-yet-public", "legacy-tokens-on-old-kid"]
        );
        assert!(r.has_blocking_difference());
        assert_eq!(
            r.findings[0].affects(),
            "relying parties outside the cluster"
        );
        assert_eq!(r.findings[1].affects(), "clients of legacy token Secrets");
        // After a retire that left legacy tokens behind: rejected by the apiservers.
        let mut i = input(
            vec![api("a:6443", &[NEW]), api("b:6443", &[NEW])],
            Some(&[OLD, NEW]),
            Some(NEW),
        );
        i.stored = Some(api("s3://bucket/c", &[NEW]));
        i.legacy = Some(vec![(OLD.into(), 2), (NEW.into(), 5)]);
        let r = compare(&i);
        assert!(
            kinds(&r).contains(&"public-not-stored".to_string()),
            "{:?}",
            kinds(&r)
        );
        assert!(r.findings.iter().any(|f| matches!(
            f,
            Finding::LegacyTokensRejected { kid, count: 2, missing_from } if kid == OLD && missing_from.len() == 2
        )));
        assert!(r.has_blocking_difference());
    }
}
