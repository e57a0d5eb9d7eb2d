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
pub mod layout;
pub mod manifests;
pub mod node;
pub mod output;
pub mod publish;
pub mod rotation;
pub mod signer;
pub mod text;
pub mod token;

use std::process::ExitCode;

use clap::Parser as _;

/// Parse the command line, run the command, map the outcome to an exit code.
pub fn run() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        // clap's own message and exit code (2 for usage errors, 0 for --help and --version).
        Err(err) => suggest_subcommand(err, std::env::args_os()).exit(),
    };
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

/// clap suggests a subcommand only above a Jaro similarity of 0.7, which misses transpositions
/// of short names (`sakr kdi` → nothing). Add the subcommand one edit away (a transposition, a
/// typo, a missing or extra letter) as clap's own "a similar subcommand exists" tip, so the
/// message keeps clap's format and exit code.
fn suggest_subcommand(
    mut err: clap::Error,
    argv: impl Iterator<Item = std::ffi::OsString>,
) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::InvalidSubcommand
        || err.get(ContextKind::SuggestedSubcommand).is_some()
    {
        return err;
    }
    let Some(ContextValue::String(typed)) = err.get(ContextKind::InvalidSubcommand).cloned() else {
        return err;
    };
    // The command whose subcommand was mistyped: follow the valid names before it.
    let mut cmd = <cli::Cli as clap::CommandFactory>::command();
    for arg in argv.skip(1) {
        let Some(arg) = arg.to_str() else { continue };
        if arg == typed {
            break;
        }
        if let Some(sub) = cmd.find_subcommand(arg) {
            cmd = sub.clone();
        }
    }
    let near: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_string())
        .filter(|name| edit_distance(name, &typed) == 1)
        .collect();
    if !near.is_empty() {
        err.insert(
            ContextKind::SuggestedSubcommand,
            ContextValue::Strings(near),
        );
    }
    err
}

/// Optimal string alignment distance: insertions, deletions, substitutions and transpositions
/// of adjacent characters each cost 1.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::{edit_distance, suggest_subcommand};
    use clap::Parser as _;

    fn message(args: &[&str]) -> (String, i32) {
        let err = crate::cli::Cli::try_parse_from(args).unwrap_err();
        let err = suggest_subcommand(err, args.iter().map(Into::into));
        (err.to_string(), err.exit_code())
    }

    #[test]
    fn near_miss_subcommands_get_clap_s_tip() {
        let (msg, code) = message(&["sakr", "kdi"]);
        assert!(msg.contains("unrecognized subcommand 'kdi'"), "{msg}");
        assert!(msg.contains("a similar subcommand exists: 'kid'"), "{msg}");
        assert_eq!(code, 2);
        // Below the top level too, after global options.
        let (msg, _) = message(&["sakr", "-o", "json", "rotate", "stauts"]);
        assert!(msg.contains("'status'"), "{msg}");
        // Nothing made up for a word that is nothing like a subcommand.
        let (msg, code) = message(&["sakr", "xyzzy"]);
        assert!(!msg.contains("similar"), "{msg}");
        assert_eq!(code, 2);
    }

    #[test]
    fn edit_distance_counts_a_transposition_as_one() {
        assert_eq!(edit_distance("kdi", "kid"), 1);
        assert_eq!(edit_distance("jkws", "jwks"), 1);
        assert_eq!(edit_distance("kid", "kid"), 0);
        assert_eq!(edit_distance("kid", "ki"), 1);
        assert_eq!(edit_distance("kid", "jwks"), 4);
    }
}
