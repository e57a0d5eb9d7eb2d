//! sakr: ServiceAccount key rotation for Kubernetes. See DESIGN.md for the contract; `main.rs`
//! only calls [`run`].

pub mod assets;
pub mod cli;
pub mod cluster;
pub mod commands;
pub mod exit;
pub mod fsutil;
#[doc(hidden)]
pub mod fuzz;
pub mod jwks;
pub mod keys;
pub mod manifests;
pub mod output;
pub mod publish;
pub mod rotation;
pub mod text;
pub mod token;

use std::process::ExitCode;

use clap::Parser as _;

/// Parse the command line, run the command, map the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = cli::Cli::parse();
    let printer = output::Printer::new(&cli.global);
    match commands::dispatch(cli.command, &printer) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` prints the whole context chain on one line: `sakr: a.pem: PEM block 2 …`.
            // Through the printer, which ignores a closed stderr instead of panicking.
            printer.error(&format!("{err:#}"));
            exit::code_for(&err)
        }
    }
}
