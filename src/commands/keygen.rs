//! `sakr keygen`: a new key pair next to the old one (DESIGN §1 "generate").

use std::path::Path;

use anyhow::bail;
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
    crate::keys::name::validate(&args.name)?;
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

    fsutil::write_key_pair(
        (&key_path, generated.private_pem.expose()),
        (&pub_path, generated.public.to_pem().as_bytes()),
        args.force,
    )?;

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
