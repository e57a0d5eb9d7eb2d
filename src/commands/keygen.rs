//! `sakr keygen`: a new key pair next to the old one (DESIGN §1 "generate").

use std::path::Path;

use anyhow::{Context as _, bail};
use serde::Serialize;

use crate::cli::KeygenArgs;
use crate::fsutil::{self, FsError};
use crate::keys::generate::{self, Algorithm};
use crate::output::Printer;

#[derive(Serialize)]
struct Report<'a> {
    kid: String,
    alg: &'static str,
    algorithm: Algorithm,
    private_key: &'a Path,
    public_key: &'a Path,
}

pub fn run(args: KeygenArgs, printer: &Printer) -> anyhow::Result<()> {
    validate_name(&args.name)?;
    let key_path = args.out_dir.join(format!("{}.key", args.name));
    let pub_path = args.out_dir.join(format!("{}.pub", args.name));
    if !args.out_dir.is_dir() {
        bail!(
            "--out-dir {}: not an existing directory",
            args.out_dir.display()
        );
    }
    if !args.force {
        // Checked again, race-free, at the rename; this early check saves generating a key.
        for p in [&key_path, &pub_path] {
            if p.exists() {
                return Err(FsError::Exists { path: p.clone() }.into());
            }
        }
    }

    let spinner = if args.algorithm.is_rsa() {
        printer.spinner(&format!("generating {} key", args.algorithm.name()))
    } else {
        indicatif::ProgressBar::hidden()
    };
    let generated = generate::generate(args.algorithm);
    spinner.finish_and_clear();
    let generated = generated?;

    // Stage both files before committing either, so a failure (disk full, permissions) leaves
    // neither behind. The private key's temp file is 0600 from creation.
    let key_tmp = fsutil::stage(&key_path, generated.private_pem.expose(), 0o600)?;
    let pub_tmp = fsutil::stage(&pub_path, generated.public.to_pem().as_bytes(), 0o644)?;
    fsutil::commit(key_tmp, &key_path, !args.force)?;
    if let Err(e) = fsutil::commit(pub_tmp, &pub_path, !args.force) {
        if !args.force {
            // We created the .key a moment ago; don't leave half a key pair.
            let _ = std::fs::remove_file(&key_path);
        }
        return Err(e).context("the private key was not kept either");
    }

    let kid = generated.public.kid();
    if printer.json() {
        printer.json_doc(&Report {
            kid,
            alg: generated.public.alg().as_str(),
            algorithm: args.algorithm,
            private_key: &key_path,
            public_key: &pub_path,
        });
    } else {
        printer.data(&kid);
        printer.note(&format!(
            "wrote {} (0600) and {} ({}, {})",
            key_path.display(),
            pub_path.display(),
            generated.public.describe(),
            generated.public.alg()
        ));
    }
    Ok(())
}

fn validate_name(name: &str) -> anyhow::Result<()> {
    if name.is_empty()
        || name.starts_with('.')
        || name.contains('/')
        || name.chars().any(char::is_control)
    {
        bail!("--name {name:?}: must be a plain file name that does not start with a dot");
    }
    Ok(())
}
