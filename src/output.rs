//! Where things are printed (uv's `Printer` rule): data goes to stdout, everything else —
//! warnings, notes, progress — to stderr, so `sakr jwks > jwks.json` and `-o json | jq` always
//! see exactly one document.
//!
//! No write here can fail the command: a closed stdout or stderr (`sakr … 2>&1 | head -n 3`)
//! loses text, never the work. `eprintln!` panics on a broken pipe (exit 101), which once
//! stopped a publish between its two objects (issue 13.10), so nothing here uses it.

use std::io::{IsTerminal as _, Write as _};

use crate::cli::{GlobalArgs, OutputFormat};

#[derive(Debug, Clone)]
pub struct Printer {
    pub format: OutputFormat,
    quiet: bool,
    verbose: bool,
    color: bool,
    stderr_tty: bool,
}

impl Printer {
    pub fn new(global: &GlobalArgs) -> Printer {
        let stderr_tty = std::io::stderr().is_terminal();
        let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            format: global.output,
            quiet: global.quiet,
            verbose: global.verbose,
            color: stderr_tty && !global.no_color && !no_color_env,
            stderr_tty,
        }
    }

    pub fn json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Data for stdout. A closed pipe (`sakr kid … | head -1`) is not an error worth a message.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        if !text.ends_with('\n') {
            let _ = out.write_all(b"\n");
        }
        let _ = out.flush();
    }

    /// One JSON document on stdout.
    pub fn json_doc(&self, value: &impl serde::Serialize) {
        let text = serde_json::to_string_pretty(value).expect("serialising output");
        self.data(&text);
    }

    /// A warning: printed even with `-q`, because it is about a hazard.
    pub fn warn(&self, msg: &str) {
        stderr_line(&format!("{}: {msg}", self.paint("warning", "33")));
    }

    /// A note for people; suppressed by `-q`.
    pub fn note(&self, msg: &str) {
        if !self.quiet {
            stderr_line(msg);
        }
    }

    /// Detail for `-v`.
    pub fn info(&self, msg: &str) {
        if self.verbose {
            stderr_line(&self.paint(msg, "2"));
        }
    }

    /// The final error line of a failed command (`sakr: …`).
    /// The one error line of a failed command. Errors quote untrusted text (file names, URLs,
    /// values from documents), so the line is escaped for the terminal as a whole: one line,
    /// no control sequences (issue 13).
    pub fn error(&self, msg: &str) {
        stderr_line(&format!(
            "{}: {}",
            self.error_prefix(),
            crate::text::printable(msg)
        ));
    }

    pub fn error_prefix(&self) -> String {
        self.paint("sakr", "31")
    }

    fn paint(&self, text: &str, sgr: &str) -> String {
        if self.color {
            format!("\x1b[{sgr}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// A spinner on stderr, only when stderr is a terminal and not quiet; hidden otherwise so
    /// logs and CI output stay free of control sequences.
    pub fn spinner(&self, msg: &str) -> indicatif::ProgressBar {
        if !self.stderr_tty || self.quiet {
            return indicatif::ProgressBar::hidden();
        }
        let pb = indicatif::ProgressBar::new_spinner();
        pb.set_message(msg.to_string());
        pb.enable_steady_tick(std::time::Duration::from_millis(100));
        pb
    }
}

/// One line on stderr; a write error (closed pipe, full disk) is ignored, as for stdout.
pub fn stderr_line(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.write_all(b"\n");
    let _ = err.flush();
}
