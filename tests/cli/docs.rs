//! The operator docs stay honest:
//!
//! - every `### `fragment`` heading of docs/troubleshooting.md is a piece of a string literal
//!   that sakr's source still contains (no entry for a message that no longer exists);
//! - every refusal, closed gate, failed check and warning the source can print is documented
//!   there (no message without an entry);
//! - every `sakr …` command line in the shell examples of README.md and docs/*.md parses with
//!   the real command-line definition.
//!
//! The source is read as text with a small Rust lexer (strings, raw strings, chars, comments),
//! enough to find call sites and the string literal each one prints; unit-test code is skipped.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use clap::Parser as _;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// A small Rust lexer: just enough to tell string literals, brackets and words apart.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    /// A string literal, escapes resolved (`\"`, `\n`, line continuations, …).
    Str(String),
    /// An identifier, keyword or number.
    Word(String),
    /// Any other single character (brackets, `.`, `!`, `#`, …).
    Punct(char),
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    /// Byte range in the source text.
    start: usize,
    end: usize,
    /// 1-based line of `start`.
    line: usize,
}

impl Token {
    fn is_punct(&self, c: char) -> bool {
        self.kind == Kind::Punct(c)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(&self.kind, Kind::Word(x) if x == w)
    }

    /// How a pattern element names this token: the word, or the punctuation character.
    fn text(&self) -> String {
        match &self.kind {
            Kind::Str(_) => "\"".into(),
            Kind::Word(w) => w.clone(),
            Kind::Punct(c) => c.to_string(),
        }
    }
}

/// Resolve the escapes of a (non-raw) Rust string literal body.
fn cook(body: &str) -> String {
    let mut out = String::new();
    let mut it = body.chars().peekable();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some('\'') => out.push('\''),
            Some('x') => {
                let hex: String = it.by_ref().take(2).collect();
                if let Ok(v) = u8::from_str_radix(&hex, 16) {
                    out.push(char::from(v));
                }
            }
            Some('u') => {
                let mut hex = String::new();
                for c in it.by_ref() {
                    match c {
                        '{' => {}
                        '}' => break,
                        c => hex.push(c),
                    }
                }
                if let Some(c) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(c);
                }
            }
            // A line continuation: the newline and the next line's leading whitespace vanish.
            Some('\n') => {
                while it.peek().is_some_and(|c| c.is_whitespace()) {
                    it.next();
                }
            }
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn lex(src: &str) -> Vec<Token> {
    let b = src.as_bytes();
    let mut line_starts = vec![0];
    line_starts.extend(
        b.iter()
            .enumerate()
            .filter(|(_, c)| **c == b'\n')
            .map(|(i, _)| i + 1),
    );
    let line_of = |pos: usize| line_starts.partition_point(|&s| s <= pos);
    let mut toks = Vec::new();
    let mut i = 0;
    let push = |toks: &mut Vec<Token>, kind, start, end| {
        toks.push(Token {
            kind,
            start,
            end,
            line: line_of(start),
        })
    };
    while i < b.len() {
        let c = b[i];
        // Comments (doc comments included: they are not output).
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == b'/' && b.get(i + 1) == Some(&b'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == b'*' && b.get(i + 1) == Some(&b'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        // Raw strings: r"…", r#"…"#, br"…", cr#"…"#.
        let prefix = match (c, b.get(i + 1)) {
            (b'b' | b'c', Some(b'r')) => 2,
            (b'r', _) => 1,
            _ => 0,
        };
        if prefix > 0 {
            let mut j = i + prefix;
            while b.get(j) == Some(&b'#') {
                j += 1;
            }
            let hashes = j - i - prefix;
            if b.get(j) == Some(&b'"') {
                let closing = format!("\"{}", "#".repeat(hashes));
                let body_start = j + 1;
                let rel = src[body_start..]
                    .find(&closing)
                    .expect("unterminated raw string");
                let end = body_start + rel + closing.len();
                push(
                    &mut toks,
                    Kind::Str(src[body_start..body_start + rel].to_string()),
                    i,
                    end,
                );
                i = end;
                continue;
            }
        }
        // Strings: "…", b"…", c"…".
        let quote = if c == b'"' {
            Some(i)
        } else if (c == b'b' || c == b'c') && b.get(i + 1) == Some(&b'"') {
            Some(i + 1)
        } else {
            None
        };
        if let Some(q) = quote {
            let mut j = q + 1;
            while j < b.len() && b[j] != b'"' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            push(&mut toks, Kind::Str(cook(&src[q + 1..j])), i, j + 1);
            i = j + 1;
            continue;
        }
        // Char literals ('x', '\n', '"') versus lifetimes ('a, 'static).
        if c == b'\'' {
            if b.get(i + 1) == Some(&b'\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != b'\'' {
                    j += 1;
                }
                push(&mut toks, Kind::Punct('\''), i, j + 1);
                i = j + 1;
                continue;
            }
            let ch = src[i + 1..].chars().next().unwrap_or(' ');
            let after = i + 1 + ch.len_utf8();
            if b.get(after) == Some(&b'\'') {
                push(&mut toks, Kind::Punct('\''), i, after + 1);
                i = after + 1;
                continue;
            }
            // A lifetime: the quote, then the word.
            push(&mut toks, Kind::Punct('\''), i, i + 1);
            i += 1;
            continue;
        }
        if c == b'_' || c.is_ascii_alphanumeric() {
            let mut j = i;
            while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                j += 1;
            }
            push(&mut toks, Kind::Word(src[i..j].to_string()), i, j);
            i = j;
            continue;
        }
        let ch = src[i..].chars().next().unwrap();
        push(&mut toks, Kind::Punct(ch), i, i + ch.len_utf8());
        i += ch.len_utf8();
    }
    toks
}

/// Index of the bracket closing the one at `open`.
fn matching(toks: &[Token], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        match t.kind {
            Kind::Punct('(' | '[' | '{') => depth += 1,
            Kind::Punct(')' | ']' | '}') => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
    }
    panic!("unbalanced brackets from line {}", toks[open].line)
}

/// The tokens without `#[cfg(test)]` items (test modules, test-only functions).
fn without_test_code(toks: Vec<Token>) -> Vec<Token> {
    const ATTR: [&str; 7] = ["#", "[", "cfg", "(", "test", ")", "]"];
    let mut out = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let is_attr = toks.len() - i >= ATTR.len()
            && ATTR.iter().zip(&toks[i..]).all(|(p, t)| t.text() == *p);
        if !is_attr {
            out.push(toks[i].clone());
            i += 1;
            continue;
        }
        // Skip the item: up to its `;`, or through its `{ … }` body.
        let mut j = i + ATTR.len();
        while j < toks.len() && !toks[j].is_punct(';') && !toks[j].is_punct('{') {
            j += 1;
        }
        i = if j < toks.len() && toks[j].is_punct('{') {
            matching(&toks, j) + 1
        } else {
            j + 1
        };
    }
    out
}

struct SourceFile {
    /// Relative to the crate root, `/`-separated.
    rel: String,
    text: String,
    /// Non-test code only.
    toks: Vec<Token>,
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every `.rs` file under src/ except unit-test directories, lexed, test code removed.
fn sources() -> Vec<SourceFile> {
    let mut paths = Vec::new();
    rust_files(&root().join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| {
            let rel = p
                .strip_prefix(root())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            if rel.split('/').any(|part| part == "tests") {
                return None;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let toks = without_test_code(lex(&text));
            Some(SourceFile { rel, text, toks })
        })
        .collect()
}

fn source<'a>(files: &'a [SourceFile], rel: &str) -> &'a SourceFile {
    files
        .iter()
        .find(|f| f.rel == rel)
        .unwrap_or_else(|| panic!("{rel} is gone: update tests/cli/docs.rs"))
}

/// One call whose text sakr prints.
#[derive(Debug, Clone)]
struct Site {
    file: String,
    line: usize,
    /// The first string literal among the call's arguments.
    literal: Option<String>,
    /// The arguments' source text without any whitespace.
    args: String,
    /// The arguments are plain words (`Refused(m)`, `Refused(String)`, `GateClosed(_)`).
    words_only: bool,
}

/// Calls matching `pattern` (token texts, ending in `(`), e.g. `[".", "warn", "("]`.
fn calls(file: &SourceFile, pattern: &[&str]) -> Vec<Site> {
    assert_eq!(pattern.last(), Some(&"("));
    let toks = &file.toks;
    let mut out = Vec::new();
    for i in 0..=toks.len().saturating_sub(pattern.len()) {
        if toks.len() - i < pattern.len()
            || !pattern.iter().zip(&toks[i..]).all(|(p, t)| t.text() == *p)
        {
            continue;
        }
        // A declaration (`pub struct Refused(pub String)`) is not a call.
        if i > 0
            && !pattern[0].starts_with(|c: char| c.is_ascii_punctuation())
            && matches!(toks[i - 1].kind, Kind::Word(_))
        {
            continue;
        }
        let open = i + pattern.len() - 1;
        let close = matching(toks, open);
        let inner = &toks[open + 1..close];
        let literal = inner.iter().find_map(|t| match &t.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => None,
        });
        let args: String = if inner.is_empty() {
            String::new()
        } else {
            file.text[inner[0].start..inner.last().unwrap().end]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect()
        };
        out.push(Site {
            file: file.rel.clone(),
            line: toks[i].line,
            literal,
            args,
            words_only: !inner.is_empty() && inner.iter().all(|t| matches!(t.kind, Kind::Word(_))),
        });
    }
    out
}

/// The string literals of `#[error("…")]` on these variants of an enum in `file`.
fn error_attrs(file: &SourceFile, variants: &[&str]) -> Vec<Site> {
    let toks = &file.toks;
    variants
        .iter()
        .map(|variant| {
            (0..toks.len())
                .find_map(|i| {
                    let is_attr = toks[i].is_punct('#')
                        && toks.get(i + 1).is_some_and(|t| t.is_punct('['))
                        && toks.get(i + 2).is_some_and(|t| t.is_word("error"));
                    if !is_attr {
                        return None;
                    }
                    let close = matching(toks, i + 1);
                    toks.get(close + 1)
                        .filter(|t| t.is_word(variant))
                        .map(|_| Site {
                            file: file.rel.clone(),
                            line: toks[i].line,
                            literal: toks[i..close].iter().find_map(|t| match &t.kind {
                                Kind::Str(s) => Some(s.clone()),
                                _ => None,
                            }),
                            args: String::new(),
                            words_only: false,
                        })
                })
                .unwrap_or_else(|| {
                    panic!(
                        "no #[error(\"…\")] on {variant} in {}: update tests/cli/docs.rs",
                        file.rel
                    )
                })
        })
        .collect()
}

/// Every string literal in the body of `fn name` in `file`.
fn fn_literals(file: &SourceFile, name: &str) -> Vec<Site> {
    let toks = &file.toks;
    let at = (0..toks.len().saturating_sub(1))
        .find(|&i| toks[i].is_word("fn") && toks[i + 1].is_word(name))
        .unwrap_or_else(|| panic!("no fn {name} in {}: update tests/cli/docs.rs", file.rel));
    let open = (at..toks.len()).find(|&i| toks[i].is_punct('{')).unwrap();
    let close = matching(toks, open);
    toks[open..close]
        .iter()
        .filter_map(|t| match &t.kind {
            Kind::Str(s) => Some(Site {
                file: file.rel.clone(),
                line: t.line,
                literal: Some(s.clone()),
                args: String::new(),
                words_only: false,
            }),
            _ => None,
        })
        .collect()
}

/// The literal's text outside `{…}` placeholders.
fn without_placeholders(s: &str) -> String {
    let mut out = String::new();
    let mut it = s.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '{' if it.peek() == Some(&'{') => {
                it.next();
                out.push('{');
            }
            '}' if it.peek() == Some(&'}') => {
                it.next();
                out.push('}');
            }
            '{' => {
                for c in it.by_ref() {
                    if c == '}' {
                        break;
                    }
                }
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

/// A frame only arranges text produced elsewhere (`"{}: {reason}"`, `"{:#}"`): fewer than two
/// words of its own.
fn is_frame(literal: &str) -> bool {
    without_placeholders(literal)
        .split_whitespace()
        .filter(|w| w.chars().any(|c| c.is_alphabetic()))
        .count()
        < 2
}

// ---------------------------------------------------------------------------------------------
// docs/troubleshooting.md

const TROUBLESHOOTING: &str = "docs/troubleshooting.md";

/// The `### `fragment`` headings: (line, fragment).
fn documented_fragments() -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(root().join(TROUBLESHOOTING)).unwrap();
    let mut out = Vec::new();
    let mut in_fence = false;
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        let Some(heading) = line.strip_prefix("### ").filter(|_| !in_fence) else {
            continue;
        };
        let ticks = heading.chars().take_while(|c| *c == '`').count();
        let fence = "`".repeat(ticks);
        let fragment = (ticks > 0)
            .then(|| heading[ticks..].strip_suffix(fence.as_str()))
            .flatten()
            .filter(|f| !f.contains(fence.as_str()))
            .unwrap_or_else(|| {
                panic!(
                    "{TROUBLESHOOTING}:{}: a level-3 heading must be exactly one code span \
                     holding a message fragment: {line}",
                    n + 1
                )
            });
        // CommonMark: one space is stripped from each side when both are there.
        let fragment = match fragment.strip_prefix(' ').and_then(|f| f.strip_suffix(' ')) {
            Some(inner) if !inner.trim().is_empty() => inner,
            _ => fragment,
        };
        out.push((n + 1, fragment.to_string()));
    }
    assert!(!out.is_empty(), "no entries in {TROUBLESHOOTING}");
    out
}

/// Every string literal of non-test code under src/.
fn all_literals(files: &[SourceFile]) -> Vec<String> {
    files
        .iter()
        .flat_map(|f| f.toks.iter())
        .filter_map(|t| match &t.kind {
            Kind::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

#[test]
fn troubleshooting_fragments_exist_in_the_source() {
    let files = sources();
    let literals = all_literals(&files);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, fragment) in documented_fragments() {
        let at = format!("{TROUBLESHOOTING}:{line}: `{fragment}`");
        if fragment.contains('{') || fragment.contains('}') {
            problems.push(format!("{at}: contains a {{…}} placeholder"));
        } else if fragment.chars().count() < 10 {
            problems.push(format!(
                "{at}: too short to be distinctive (10 characters or more)"
            ));
        } else if !seen.insert(fragment.clone()) {
            problems.push(format!("{at}: documented twice"));
        } else if !literals.iter().any(|l| l.contains(&fragment)) {
            problems.push(format!(
                "{at}: no string literal under src/ contains it (message changed or removed?)"
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{} troubleshooting entr(y/ies) out of step with the source:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Calls that print a message built elsewhere, and where that text comes from. Each must still
/// exist (a stale entry fails the test), and each source named here is scanned below.
const INDIRECT: &[(&str, &str, &str)] = &[
    (
        "src/commands/manifest.rs",
        "&h.to_string()",
        "Hazard's Display (src/manifests/hazards.rs)",
    ),
    (
        "src/commands/manifest.rs",
        "n",
        "plan notes (notes.push in src/manifests/ops.rs)",
    ),
    (
        "src/commands/manifest.rs",
        "{:#}",
        "OpsError refusals: OpsError::Refused and EditError's refusal variants",
    ),
    (
        "src/rotation/run.rs",
        "{:#}",
        "OpsError refusals: OpsError::Refused and EditError's refusal variants",
    ),
    (
        "src/commands/drift.rs",
        "&f.to_string()",
        "Finding's Display (src/cluster/drift.rs)",
    ),
    (
        "src/commands/publish.rs",
        "e.to_string()",
        "PublishError variants with exit code 1 (src/publish/orchestrate.rs)",
    ),
    (
        "src/rotation/run.rs",
        "e.to_string()",
        "PublishError variants with exit code 1 (src/publish/orchestrate.rs)",
    ),
    (
        "src/commands/mod.rs",
        "{}: block {} ({}): {problem}",
        "Block::key_file_problem (src/keys/parse.rs)",
    ),
];

fn indirect_entry(site: &Site) -> Option<usize> {
    INDIRECT.iter().position(|(file, key, _)| {
        site.file == *file && (site.args == *key || site.literal.as_deref() == Some(*key))
    })
}

#[test]
fn every_refusal_and_warning_is_documented() {
    let files = sources();
    let fragments: Vec<String> = documented_fragments().into_iter().map(|(_, f)| f).collect();
    let documented = |literal: &str| fragments.iter().any(|f| literal.contains(f.as_str()));

    // 1. The call sites that print refusals (exit 1), closed gates (exit 3), failed checks and
    //    warnings.
    const MARKERS: &[&[&str]] = &[
        &["Refused", "("],
        &["GateClosed", "("],
        &["ChecksFailed", "("],
        &[".", "warn", "("],
    ];
    let mut required: Vec<(Site, &str)> = Vec::new();
    let mut undocumented = Vec::new();
    let mut used = vec![false; INDIRECT.len()];
    let mut sites = 0;
    for file in &files {
        for pattern in MARKERS {
            for site in calls(file, pattern) {
                // `Refused(m)` passes on a message made at another (scanned) site;
                // `Refused(String)` and `GateClosed(_)` are declarations and patterns.
                if pattern[0] != "." && site.words_only {
                    continue;
                }
                sites += 1;
                if let Some(k) = indirect_entry(&site) {
                    used[k] = true;
                    continue;
                }
                match &site.literal {
                    Some(l) if !is_frame(l) => required.push((site, "call site")),
                    _ => undocumented.push(format!(
                        "{}:{}: prints a message built elsewhere ({}): add its source to \
                         INDIRECT in tests/cli/docs.rs and scan it",
                        site.file,
                        site.line,
                        if site.args.is_empty() {
                            "no arguments"
                        } else {
                            &site.args
                        }
                    )),
                }
            }
        }
    }
    assert!(
        sites > 20,
        "found only {sites} call sites: is the scan broken?"
    );
    for (k, (file, key, from)) in INDIRECT.iter().enumerate() {
        if !used[k] {
            undocumented.push(format!(
                "INDIRECT entry ({file}, {key:?}, text from {from}) matches no call site any \
                 more: update it"
            ));
        }
    }

    // 2. Where the indirect messages come from.
    let hazards = source(&files, "src/manifests/hazards.rs");
    let drift = source(&files, "src/cluster/drift.rs");
    let groups: Vec<(&str, Vec<Site>)> = vec![
        (
            "hazard",
            [
                calls(hazards, &["write", "!", "("]),
                calls(hazards, &["write_str", "("]),
                calls(hazards, &["Some", "("]),
            ]
            .concat(),
        ),
        (
            "drift finding",
            [
                calls(drift, &["write", "!", "("]),
                calls(drift, &["write_str", "("]),
            ]
            .concat(),
        ),
        (
            "manifest plan note",
            calls(
                source(&files, "src/manifests/ops.rs"),
                &["notes", ".", "push", "("],
            ),
        ),
        (
            "key_file_problem",
            fn_literals(source(&files, "src/keys/parse.rs"), "key_file_problem"),
        ),
        (
            "manifest edit refusal",
            error_attrs(
                source(&files, "src/manifests/edit.rs"),
                &["ExternalSigning", "LastKeyFile", "RetiresSigningKey"],
            ),
        ),
        (
            "publish refusal",
            error_attrs(
                source(&files, "src/publish/orchestrate.rs"),
                &["RemovalRefused", "PublishedJwksUnreadable", "Partial"],
            ),
        ),
        (
            "publish lost race",
            error_attrs(
                source(&files, "src/publish/mod.rs"),
                &["PreconditionFailed"],
            ),
        ),
        (
            "Azure credential refusal",
            calls(
                source(&files, "src/publish/azure.rs"),
                &["return", "Err", "("],
            ),
        ),
    ];
    for (kind, found) in groups {
        let before = required.len();
        for site in found {
            if site.literal.as_deref().is_some_and(|l| !is_frame(l)) {
                required.push((site, kind));
            }
        }
        assert!(
            required.len() > before,
            "no {kind} message found in the source: is the scan broken?"
        );
    }

    for (site, kind) in &required {
        let literal = site.literal.as_deref().unwrap();
        if !documented(literal) {
            undocumented.push(format!("{}:{}: {kind}: {literal:?}", site.file, site.line));
        }
    }
    assert!(
        undocumented.is_empty(),
        "{} message(s) sakr can print have no entry in {TROUBLESHOOTING} (add a `### `fragment`` \
         heading whose fragment is a piece of the message, and explain the hazard):\n{}",
        undocumented.len(),
        undocumented.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Command lines in the docs

/// Cut a shell line at the first of `seps` outside quotes.
fn cut_outside_quotes(line: &str, seps: &[&str]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    let mut i = 0;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    while i < chars.len() {
        let (pos, c) = chars[i];
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"'), '\\') => i += 1,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => i += 1,
            (None, _) => {
                if let Some(sep) = seps.iter().find(|s| line[pos..].starts_with(**s)) {
                    parts.push(line[start..pos].to_string());
                    if *sep == " #" {
                        return parts;
                    }
                    start = pos + sep.len();
                    i = line[..start].chars().count();
                    continue;
                }
            }
        }
        i += 1;
    }
    parts.push(line[start..].to_string());
    parts
}

/// `(file, line, command)` for every `sakr …` command in the ```sh blocks of README.md and
/// docs/*.md: continuations joined, comments dropped, and each command of a pipeline or `&&`
/// list that starts with `sakr ` (redirections cut off).
fn doc_commands() -> Vec<(String, usize, String)> {
    let mut docs = vec![root().join("README.md")];
    let mut more: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    more.sort();
    docs.extend(more);
    let mut out = Vec::new();
    for doc in docs {
        let rel = doc.strip_prefix(root()).unwrap().display().to_string();
        let text = std::fs::read_to_string(&doc).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut in_sh = false;
        let mut i = 0;
        while i < lines.len() {
            let line = lines[i];
            let fence = line.trim_start();
            if let Some(info) = fence.strip_prefix("```") {
                in_sh = !in_sh && matches!(info.trim(), "sh" | "bash" | "shell");
                i += 1;
                continue;
            }
            let first = i + 1;
            let mut logical = line.to_string();
            while logical.ends_with(" \\") && i + 1 < lines.len() {
                logical.truncate(logical.len() - 2);
                i += 1;
                logical.push(' ');
                logical.push_str(lines[i].trim_start());
            }
            i += 1;
            if !in_sh {
                continue;
            }
            let before_comment = cut_outside_quotes(logical.trim(), &[" #"]).remove(0);
            for command in cut_outside_quotes(&before_comment, &[" | ", " && ", " || ", "; "]) {
                let command =
                    cut_outside_quotes(command.trim(), &[" > ", " 2>", " >> ", " < "]).remove(0);
                if command.starts_with("sakr ") {
                    out.push((rel.clone(), first, command));
                }
            }
        }
    }
    out
}

#[test]
fn doc_command_lines_parse() {
    let commands = doc_commands();
    assert!(
        commands.len() > 20,
        "found only {} sakr command lines in the docs: is the scan broken?",
        commands.len()
    );
    let mut failures = Vec::new();
    for (file, line, command) in &commands {
        let Some(words) = shlex::split(command) else {
            failures.push(format!("{file}:{line}: unbalanced quotes: {command}"));
            continue;
        };
        if let Err(e) = sakr::cli::Cli::try_parse_from(&words) {
            use clap::error::ErrorKind;
            if !matches!(e.kind(), ErrorKind::DisplayHelp | ErrorKind::DisplayVersion) {
                let first = e.to_string();
                let first = first.lines().next().unwrap_or_default().to_string();
                failures.push(format!("{file}:{line}: {command}\n    {first}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} documented command line(s) do not parse with sakr's CLI:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
