//! `sakr publish`: upload the JWKS and the discovery document (DESIGN §3, issue 4).

use std::sync::Mutex;

use anyhow::{Context as _, bail};

use crate::cli::PublishArgs;
use crate::exit::Refused;
use crate::fsutil;
use crate::jwks::Jwks;
use crate::jwks::discovery::Discovery;
use crate::keys::PublicKey;
use crate::output::Printer;
use crate::publish::orchestrate::{self, Action, Event, Plan, PlanError, Report};
use crate::publish::target::Target;
use crate::publish::{self, StoreOptions};
use crate::text::printable;

/// The longest `--timeout` accepted, in seconds.
const MAX_TIMEOUT_SECS: i64 = 24 * 3600;

pub fn run(args: PublishArgs, printer: &Printer) -> anyhow::Result<()> {
    // Everything local is checked before any network call.
    let target = Target::parse(&args.to).context("--to")?;
    // Never echoes a user, password or SAS in the URL, even when refusing it.
    let endpoint = args
        .endpoint
        .as_deref()
        .map(publish::parse_endpoint)
        .transpose()?;
    let timeout = super::rotate::parse_duration("--timeout", &args.timeout)?;
    if timeout == 0 {
        bail!("--timeout {}: must be more than zero", args.timeout);
    }
    // The deadline is now + timeout, which must stay within what the clock can represent (an
    // overflow there panics mid-publish). A day is far more than two small uploads can need.
    if timeout > MAX_TIMEOUT_SECS {
        bail!(
            "--timeout {:?}: more than the maximum of {}h",
            args.timeout,
            MAX_TIMEOUT_SECS / 3600
        );
    }
    let timeout = std::time::Duration::from_secs(timeout as u64);
    let (jwks, discovery) = documents(&args, printer)?;
    let mut plan = Plan::new(jwks, discovery).map_err(|e| {
        let named = matches!(e, PlanError::InvalidDiscovery(_));
        match &args.discovery {
            // A prebuilt discovery document: name the file it came from.
            Some(path) if named => anyhow::Error::new(e).context(path.display().to_string()),
            _ => anyhow::Error::new(e).context("cannot publish these documents"),
        }
    })?;
    plan.cache_control = args.cache_control.clone();
    plan.allow_removal = args.allow_removal;
    plan.dry_run = args.dry_run;
    plan.timeout = timeout;

    let options = StoreOptions {
        endpoint,
        // Half the deadline: the other half is for the writes and read-backs that follow the
        // lock, and giving up first lets the error say that a lock was the wait.
        lock_wait: Some(timeout / 2),
        ..Default::default()
    };
    let runtime = crate::cluster::runtime()?;
    let bar = Mutex::new(None::<indicatif::ProgressBar>);
    let progress = |event: Event| {
        let mut bar = bar.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            // URLs are built from the --to path and object keys, ETags come from the server:
            // both printed through `printable`.
            Event::Reading { url } => {
                printer.info(&format!("reading {}", printable(&url)));
            }
            Event::Writing { url, bytes } => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                let url = printable(&url);
                printer.info(&format!("writing {url} ({bytes} bytes)"));
                *bar = Some(printer.spinner(&format!("writing {url}")));
            }
            Event::Verified { url, etag } => {
                if let Some(b) = bar.take() {
                    b.finish_and_clear();
                }
                printer.info(&format!(
                    "verified {} (ETag {})",
                    printable(&url),
                    printable(&etag.0)
                ));
            }
            Event::Unchanged { url } => {
                printer.info(&format!("{} already holds these bytes", printable(&url)));
            }
        }
    };
    let result = runtime.block_on(async {
        let store = publish::open(&target, &options).await.context("--to")?;
        orchestrate::publish(store.as_ref(), &plan, &progress)
            .await
            .map_err(|e| {
                if e.exit_code() == 1 {
                    anyhow::Error::new(Refused(e.to_string()))
                } else {
                    anyhow::Error::new(e)
                }
            })
    });
    if let Some(b) = bar.lock().unwrap_or_else(|e| e.into_inner()).take() {
        b.finish_and_clear();
    }
    let report = result?;
    render(&report, printer);
    Ok(())
}

/// The JWKS and discovery bytes: built from --key and --issuer, or read from the files given.
fn documents(args: &PublishArgs, printer: &Printer) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let (jwks, keys): (Vec<u8>, Vec<PublicKey>) = match &args.jwks {
        Some(path) => {
            // Published as is, so it must hold nothing private: refuse rather than upload `d`.
            let bytes = fsutil::read_capped(path, fsutil::MAX_INPUT_BYTES)?;
            let entries =
                crate::jwks::parse(&bytes).with_context(|| format!("{}", path.display()))?;
            if let Some((i, e)) = entries
                .iter()
                .enumerate()
                .find(|(_, e)| e.had_private_params)
            {
                bail!(
                    "{}: keys[{i}] (kid {}) contains private key parameters; refusing to publish \
                     it (build the JWKS with `sakr jwks`, and rotate that key: whoever could \
                     read this file has it)",
                    path.display(),
                    e.key.kid()
                );
            }
            (bytes, entries.into_iter().map(|e| e.key).collect())
        }
        None if args.from_signer.is_some() => {
            let url = args.from_signer.as_deref().unwrap_or_default();
            let fetched = super::signer_keys(url, printer)?;
            // The publish is read back and checked kid by kid against the key material, as
            // relying parties' libraries do: a signer naming its keys otherwise is refused
            // here rather than half-published.
            if let Some(k) = fetched.keys.iter().find(|k| k.kid != k.key.kid()) {
                bail!(
                    "--from-signer {url}: key {:?} is not named by its kid ({}); sakr publishes only kids computed as kube-apiserver computes them. Build the JWKS with `sakr jwks --from-signer {url}` and publish it with --jwks if relying parties accept such kids",
                    crate::text::printable(&k.kid),
                    k.key.kid()
                );
            }
            let keys = fetched.discoverable();
            let (set, _) = Jwks::from_keys(&keys);
            (set.to_json().into_bytes(), keys)
        }
        None => {
            let keys: Vec<PublicKey> = super::read_key_files(&args.keys, printer)?
                .into_iter()
                .flat_map(|(_, f)| f.blocks.into_iter().map(|b| b.key))
                .collect();
            let (set, dups) = Jwks::from_keys(&keys);
            for kid in dups {
                printer.note(&format!(
                    "note: kid {kid} appears more than once; keeping the first"
                ));
            }
            (set.to_json().into_bytes(), keys)
        }
    };
    if keys.is_empty() {
        bail!("no keys: a JWKS without keys would make every token unverifiable");
    }
    let discovery = match (&args.discovery, &args.issuer) {
        (Some(path), _) => fsutil::read_capped(path, fsutil::MAX_INPUT_BYTES)?,
        (None, Some(issuer)) => Discovery::new(
            issuer,
            args.jwks_uri.as_deref(),
            keys.iter().map(|k| k.alg()),
        )
        .context("cannot build the discovery document")?
        .to_json()
        .into_bytes(),
        (None, None) => {
            bail!("--jwks without --discovery needs --issuer to build the discovery document")
        }
    };
    Ok((jwks, discovery))
}

fn render(report: &Report, printer: &Printer) {
    if printer.json() {
        printer.json_doc(report);
        return;
    }
    let mut out = String::new();
    let k = &report.kids;
    for (label, kids) in [
        ("added", &k.added),
        ("kept", &k.kept),
        ("removed", &k.removed),
    ] {
        for kid in kids {
            out.push_str(&format!("{label:<8} {}\n", printable(kid)));
        }
    }
    for o in &report.objects {
        let action = match o.action {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Unchanged => "unchanged",
            Action::WouldCreate => "would create",
            Action::WouldUpdate => "would update",
        };
        let etag = o
            .etag
            .as_ref()
            .map(|e| format!(" (ETag {})", printable(&e.0)))
            .unwrap_or_default();
        out.push_str(&format!("{action:<12} {}{etag}\n", printable(&o.url)));
    }
    printer.data(&out);
    if report.dry_run {
        printer.note("dry run: nothing was written");
    }
}
