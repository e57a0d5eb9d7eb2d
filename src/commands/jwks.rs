//! `sakr jwks`: the JWKS kube-apiserver would serve for these keys (DESIGN §2.3).

use anyhow::{Context as _, bail};

use crate::cli::JwksArgs;
use crate::fsutil;
use crate::jwks::{self, Jwks};
use crate::keys::PublicKey;
use crate::output::Printer;

pub fn run(args: JwksArgs, printer: &Printer) -> anyhow::Result<()> {
    // Each key with its kid: computed as kube-apiserver does, except the kids an external
    // signer gives (kube-apiserver publishes those as given).
    let mut keys: Vec<(String, PublicKey)> = Vec::new();
    if let Some(path) = &args.jwks {
        keys.extend(read_jwks(path, printer)?.into_iter().map(|k| (k.kid(), k)));
    }
    if let Some(url) = &args.from_signer {
        let fetched = super::signer_keys(url, printer)?;
        keys.extend(
            fetched
                .keys
                .into_iter()
                .filter(|k| !k.excluded)
                .map(|k| (k.kid, k.key)),
        );
    }
    for (_, file) in super::read_key_files(&args.keys, printer)? {
        keys.extend(file.blocks.into_iter().map(|b| (b.key.kid(), b.key)));
    }
    for kid in &args.drop_kid {
        let before = keys.len();
        keys.retain(|(k, _)| k != kid);
        if keys.len() == before {
            bail!("--drop-kid {kid}: no key with this kid among the inputs");
        }
    }
    if keys.is_empty() {
        bail!("no keys left: a JWKS without keys would make every token unverifiable");
    }
    let mut seen: Vec<&str> = Vec::new();
    for (kid, _) in &keys {
        if seen.contains(&kid.as_str()) {
            printer.note(&format!(
                "note: kid {kid} appears more than once; keeping the first"
            ));
        }
        seen.push(kid);
    }
    let set = Jwks::from_named(keys.iter().map(|(kid, k)| (kid.as_str(), k)));
    let doc = if args.pretty {
        set.to_json_pretty()
    } else {
        set.to_json()
    };
    super::emit(args.out.as_deref(), &doc, printer)
}

/// Read and validate an existing JWKS file, returning its keys in order.
pub(crate) fn read_jwks(
    path: &std::path::Path,
    printer: &Printer,
) -> anyhow::Result<Vec<PublicKey>> {
    let bytes = fsutil::read_capped(path, fsutil::MAX_INPUT_BYTES)?;
    let entries = jwks::parse(&bytes).with_context(|| format!("{}", path.display()))?;
    Ok(entries
        .into_iter()
        .enumerate()
        .map(|(i, e)| {
            if e.had_private_params {
                printer.warn(&format!(
                    "{}: keys[{i}] (kid {}) contains private key parameters; they are dropped, \
                     but whoever could read this file has the private key: rotate it",
                    path.display(),
                    e.key.kid()
                ));
            }
            e.key
        })
        .collect())
}
