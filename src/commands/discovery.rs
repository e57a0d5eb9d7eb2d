//! `sakr discovery`: the OIDC discovery document (DESIGN §2.4).

use anyhow::Context as _;

use crate::cli::DiscoveryArgs;
use crate::jwks::discovery::Discovery;
use crate::output::Printer;

pub fn run(args: DiscoveryArgs, printer: &Printer) -> anyhow::Result<()> {
    let mut algs = Vec::new();
    if let Some(path) = &args.jwks {
        algs.extend(
            super::jwks::read_jwks(path, printer)?
                .iter()
                .map(|k| k.alg()),
        );
    }
    for (_, file) in super::read_key_files(&args.keys, printer)? {
        algs.extend(file.blocks.iter().map(|b| b.key.alg()));
    }
    let doc = Discovery::new(&args.issuer, args.jwks_uri.as_deref(), algs)
        .context("cannot build the discovery document")?;
    super::emit(args.out.as_deref(), &doc.to_json(), printer)
}
