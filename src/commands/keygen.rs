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
    if args.nodes.any() {
        return on_nodes(args, printer);
    }
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

/// `keygen --node …`: one pair generated in memory, the same bytes written to every node.
fn on_nodes(args: KeygenArgs, printer: &Printer) -> anyhow::Result<()> {
    if !args.out_dir.is_absolute() {
        bail!(
            "--out-dir {}: with --node, the absolute directory on the nodes (e.g. /etc/kubernetes/pki)",
            args.out_dir.display()
        );
    }
    if args.force {
        bail!(
            "--force is not taken with --node: sakr never replaces a key file on a node; choose another --name"
        );
    }
    let mut targets = super::keys::connect(&args.nodes)?;
    let generated = generate::generate(args.algorithm)?;
    let public = generated.public.to_pem();
    let key_name = format!("{}.key", args.name);
    let pub_name = format!("{}.pub", args.name);
    let report = super::keys::install(
        &mut targets,
        &args.out_dir,
        &[
            super::keys::PairFile {
                name: &key_name,
                bytes: generated.private_pem.expose(),
                mode: 0o600,
            },
            super::keys::PairFile {
                name: &pub_name,
                bytes: public.as_bytes(),
                mode: 0o644,
            },
        ],
    )?;
    super::keys::print(&generated.public.kid(), &args.out_dir, report, printer);
    Ok(())
}
