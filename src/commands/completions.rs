//! `sakr completions SHELL`.

use crate::cli::CompletionsArgs;

pub fn run(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    clap_complete::generate(args.shell, &mut crate::assets::command(), "sakr", &mut out);
    Ok(())
}
