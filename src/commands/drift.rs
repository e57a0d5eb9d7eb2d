//! `sakr drift`: the kids each apiserver serves, the kids relying parties get under the issuer
//! (over HTTPS, through any cache), the kids stored at the publish target (`--publish-to`), the
//! legacy token Secrets per kid, and the local key files, side by side, each difference with
//! whom it matters to (DESIGN §3; issues 5, 18). The comparison is
//! [`crate::cluster::drift::compare`]; this file only gathers and renders.

use serde::Serialize;

use crate::cli::DriftArgs;
use crate::cluster::drift::{self, Cell, DriftInput, DriftReport, PlaceKind};
use crate::cluster::{Cluster, ClusterOptions, PlaceKids};
use crate::exit::ChecksFailed;
use crate::output::Printer;
use crate::text::printable;

#[derive(Serialize)]
struct Out<'a> {
    #[serde(flatten)]
    report: &'a DriftReport,
    ok: bool,
}

pub fn run(args: DriftArgs, printer: &Printer) -> anyhow::Result<()> {
    crate::jwks::discovery::validate_https("--issuer", &args.issuer)?;
    let mut local = Vec::new();
    for (path, file) in super::read_key_files(&args.keys, printer)? {
        for block in &file.blocks {
            local.push((path.display().to_string(), block.key.kid()));
        }
    }
    // The signer's keys that kube-apiserver publishes: the ones it excludes from discovery are
    // verified but never served, so no place is expected to list them (a note says how many).
    if let Some(url) = &args.from_signer {
        for k in super::signer_keys(url, printer)?.keys {
            if !k.excluded {
                local.push((format!("signer {url}"), k.kid));
            }
        }
    }
    let runtime = crate::cluster::runtime()?;
    let (apiservers, published, signing_kid, legacy) = runtime.block_on(async {
        let cluster = Cluster::connect(&ClusterOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
        })
        .await?;
        let (apiservers, listing_error) = cluster.jwks_per_apiserver().await;
        if let Some(e) = listing_error {
            printer.warn(&printable(&format!(
                "cannot list the apiserver endpoints ({}); the table covers only {}",
                e.chain(),
                cluster.server()
            )));
        }
        let published =
            match crate::cluster::fetch_issuer_jwks(&args.issuer, args.ca.as_deref()).await {
                Ok(p) => p.place_kids(),
                Err(e) => PlaceKids::err(args.issuer.clone(), e.chain()),
            };
        // Legacy token Secrets by the kid of their token (issue 18); RBAC may forbid the list.
        let legacy = match cluster.legacy_tokens(None).await {
            Ok(tokens) => {
                let mut per_kid: Vec<(String, usize)> = Vec::new();
                for kid in tokens.iter().filter_map(|t| t.kid.clone()) {
                    match per_kid.iter_mut().find(|(k, _)| *k == kid) {
                        Some((_, n)) => *n += 1,
                        None => per_kid.push((kid, 1)),
                    }
                }
                Some(per_kid)
            }
            Err(e) => {
                printer.note(&printable(&format!(
                    "note: cannot list legacy token Secrets ({}); the legacy-token checks are skipped",
                    e.chain()
                )));
                None
            }
        };
        // The kid tokens are signed with now: from the header of a fresh token. Best effort.
        let signing_kid = match cluster.request_token("default", "default", &[], None).await {
            Ok(t) => std::str::from_utf8(t.token.expose())
                .ok()
                .and_then(|s| crate::token::decode(s).ok())
                .and_then(|d| d.kid().map(str::to_string)),
            Err(e) => {
                printer.note(&printable(&format!(
                    "note: cannot learn the signing kid from a fresh token ({}); \
                     the signing-kid checks are skipped",
                    e.chain()
                )));
                None
            }
        };
        Ok::<_, anyhow::Error>((apiservers, published, signing_kid, legacy))
    })?;
    // The storage, read as the publish stage reads it back (with the publish credentials).
    let stored = args.publish_to.as_ref().map(|to| {
        let cfg = crate::rotation::state::PublishConfig {
            to: to.clone(),
            issuer: args.issuer.clone(),
            jwks_uri: args.jwks_uri.clone(),
            endpoint: args.endpoint.clone(),
            cache_control: String::new(),
        };
        let place = crate::publish::redact::url_for_display(to);
        match crate::rotation::published::published_kids(&cfg) {
            Ok(kids) => PlaceKids::ok(place, kids),
            Err(e) => PlaceKids::err(place, e.to_string()),
        }
    });
    let report = drift::compare(&DriftInput {
        apiservers,
        published: Some(published),
        local,
        signing_kid,
        stored,
        legacy,
    });
    let ok = !report.has_blocking_difference();
    if printer.json() {
        printer.json_doc(&Out {
            report: &report,
            ok,
        });
    } else {
        printer.data(&table(&report));
        // A finding's Display escapes the kids, places and errors it quotes (issue 13).
        for f in &report.findings {
            if f.is_blocking() {
                printer.warn(&format!("{f} [matters to {}]", f.affects()));
            } else {
                printer.note(&format!("note: {f} [matters to {}]", f.affects()));
            }
        }
    }
    if !ok {
        let n = report.findings.iter().filter(|f| f.is_blocking()).count();
        return Err(ChecksFailed(format!(
            "drift: {n} difference(s) that break tokens (see the warnings above)"
        ))
        .into());
    }
    Ok(())
}

fn table(report: &DriftReport) -> String {
    let headers: Vec<String> = report
        .columns
        .iter()
        .map(|c| match c.kind {
            PlaceKind::Apiserver => format!("apiserver {}", printable(&c.place)),
            PlaceKind::Published => "public".to_string(),
            PlaceKind::Stored => "stored".to_string(),
            PlaceKind::Local => "local".to_string(),
        })
        .collect();
    let kids: Vec<String> = report
        .rows
        .iter()
        .map(|r| {
            let kid = printable(&r.kid);
            if r.signing {
                format!("{kid}*")
            } else {
                kid.into_owned()
            }
        })
        .collect();
    let kid_width = report
        .rows
        .iter()
        .map(|r| printable(&r.kid).chars().count() + 2)
        .max()
        .unwrap_or(3)
        .max(3);
    let mut out = format!("{:<kid_width$}", "kid");
    for h in &headers {
        out.push_str(&format!("  {h}"));
    }
    out.push('\n');
    for (row, kid) in report.rows.iter().zip(&kids) {
        out.push_str(&format!("{kid:<kid_width$}"));
        for (cell, h) in row.cells.iter().zip(&headers) {
            let mark = match cell {
                Cell::Present => "yes",
                Cell::Absent => "NO",
                Cell::Unknown => "?",
            };
            out.push_str(&format!("  {mark:<w$}", w = h.chars().count()));
        }
        out.truncate(out.trim_end().len());
        out.push('\n');
    }
    if report.signing_kid.is_some() {
        out.push_str("(* the signing kid)\n");
    }
    out
}
