//! Generated files that live in the repository: shell completions (`completions/`), man pages
//! (`docs/man/`) and the command reference (`docs/reference.md`). A test renders them afresh and fails when the committed copies are stale
//! (just's approach), so help text, completions and man pages never drift apart.

use clap::CommandFactory as _;

/// The clap command tree.
pub fn command() -> clap::Command {
    crate::cli::Cli::command()
}

/// Every generated file: (path relative to the repository root, contents).
pub fn render_all() -> Vec<(String, Vec<u8>)> {
    use clap_complete::Shell;
    let mut files = Vec::new();
    for (shell, name) in [
        (Shell::Bash, "sakr.bash"),
        (Shell::Zsh, "_sakr"),
        (Shell::Fish, "sakr.fish"),
        (Shell::PowerShell, "_sakr.ps1"),
        (Shell::Elvish, "sakr.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut command(), "sakr", &mut buf);
        files.push((format!("completions/{name}"), buf));
    }
    // Man pages carry the bare version: `--version`'s commit and target (build.rs) would make the
    // committed pages stale after every commit.
    let mut cmd = command().version(env!("CARGO_PKG_VERSION"));
    cmd.build();
    man_pages(&cmd, "sakr", &mut files);
    let reference = clap_markdown::help_markdown_command_custom(
        &command(),
        &clap_markdown::MarkdownOptions::new()
            .title("sakr command reference".to_string())
            .show_footer(false),
    );
    files.push(("docs/reference.md".to_string(), reference.into_bytes()));
    files
}

fn man_pages(cmd: &clap::Command, name: &str, files: &mut Vec<(String, Vec<u8>)>) {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone().name(name.to_string()))
        .render(&mut buf)
        .expect("rendering a man page into memory");
    files.push((format!("docs/man/{name}.1"), buf));
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        man_pages(sub, &format!("{name}-{}", sub.get_name()), files);
    }
}
