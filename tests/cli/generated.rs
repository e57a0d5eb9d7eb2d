//! Committed completions (completions/) and man pages (docs/man/) must match what the current
//! command tree renders; help text is snapshotted.

use crate::support::*;

const REGENERATE: &str = "SAKR_REGENERATE=1 cargo test --test cli generated";

#[test]
fn completions_and_man_pages_are_fresh() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let regenerate = std::env::var_os("SAKR_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (rel, want) in sakr::assets::render_all() {
        let path = root.join(&rel);
        if regenerate {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &want).unwrap();
        } else if std::fs::read(&path).ok().as_deref() != Some(&want[..]) {
            stale.push(rel);
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}: run `{REGENERATE}` and commit them"
    );
}

#[test]
fn completions_command_prints_the_committed_script() {
    let rendered = sakr::assets::render_all();
    for (shell, file, marker) in [
        ("bash", "completions/sakr.bash", "_sakr()"),
        ("zsh", "completions/_sakr", "#compdef sakr"),
        ("fish", "completions/sakr.fish", "complete -c sakr"),
        (
            "powershell",
            "completions/_sakr.ps1",
            "Register-ArgumentCompleter",
        ),
        (
            "elvish",
            "completions/sakr.elv",
            "edit:completion:arg-completer[sakr]",
        ),
    ] {
        let out = sakr().args(["completions", shell]).output().unwrap();
        assert!(out.status.success());
        assert!(stdout(&out).contains(marker), "{shell}");
        let (_, committed) = rendered.iter().find(|(p, _)| p == file).unwrap();
        assert_eq!(&out.stdout, committed, "{shell}");
    }
}

#[test]
fn help_text() {
    for sub in [
        "keygen",
        "kid",
        "jwks",
        "discovery",
        "publish",
        "verify",
        "drift",
        "manifest",
        "completions",
    ] {
        let out = sakr().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success());
        insta::assert_snapshot!(format!("help_{sub}"), stdout(&out));
    }
    let out = sakr().arg("--help").output().unwrap();
    insta::assert_snapshot!("help", stdout(&out));
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["frobnicate"],
        vec!["kid"],
        vec!["jwks"],
        vec!["discovery", "--issuer", "https://x"],
        vec!["-o", "yaml", "kid", "x"],
    ] {
        let out = sakr().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}

/// clap's own tip misses transpositions of short names; sakr adds the one-edit-away subcommand
/// in clap's format, with clap's exit code.
#[test]
fn near_miss_subcommand_gets_a_suggestion() {
    let out = sakr().arg("kdi").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("unrecognized subcommand 'kdi'")
            && err.contains("a similar subcommand exists: 'kid'"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

/// Every subcommand's help sets the global options apart under their own heading.
#[test]
fn global_options_have_their_own_heading() {
    for sub in ["keygen", "rotate start", "manifest trust"] {
        let out = sakr().args(sub.split(' ')).arg("--help").output().unwrap();
        let help = stdout(&out);
        let (own, global) = help
            .split_once("Global options:")
            .unwrap_or_else(|| panic!("{sub} --help has no Global options heading:\n{help}"));
        for flag in ["--output", "--quiet", "--verbose", "--no-color"] {
            assert!(global.contains(flag), "{sub}: {flag} not under the heading");
            assert!(
                !own.contains(flag),
                "{sub}: {flag} listed before the heading"
            );
        }
    }
}
