//! The operator docs stay honest:
//!
//! - every `### `fragment`` heading of docs/troubleshooting.md is a piece of a string literal
//!   that sakr's source still contains (no entry for a message that no longer exists);
//! - every refusal, closed gate, failed check and warning the source can print is documented
//!   there (no message without an entry);
//! - every `sakr …` command line in the shell examples of README.md and docs/*.md parses with
//!   the real command-line definition.
//!
//! The source is parsed with `syn` (unit-test code skipped), the Markdown with `pulldown-cmark`
//! and the shell lines with `shlex`.

use std::collections::BTreeSet;
use std::path::Path;

use clap::Parser as _;
use proc_macro2::extra::DelimSpan;
use proc_macro2::{Span, TokenStream, TokenTree};
use pulldown_cmark::HeadingLevel::H3;
use pulldown_cmark::{CodeBlockKind, Event, Tag, TagEnd};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Token};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The `*.{ext}` files under `dir` outside `tests/` directories, relative to the crate root.
fn files(dir: &Path, ext: &str) -> Vec<String> {
    let mut out = Vec::new();
    for path in std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()) {
        if path.is_dir() && !path.ends_with("tests") {
            out.extend(files(&path, ext));
        } else if path.extension().is_some_and(|x| x == ext) {
            let rel = path.strip_prefix(root()).unwrap().to_string_lossy();
            out.push(rel.replace('\\', "/"));
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------------------------
// sakr's source

/// A call `f(…)`, method call `x.f(…)` or macro call `f!(…)`.
struct Call {
    /// `file:line`.
    at: String,
    /// The callee's source text without whitespace: `RotateError::Refused`, `printer.warn`,
    /// `write!`.
    name: String,
    /// The arguments' source text without whitespace.
    args: String,
    /// The first string literal among the arguments, macro arguments included.
    literal: Option<String>,
}

impl Call {
    /// `Refused` also names `RotateError::Refused(…)`, `.warn` any `x.warn(…)`, `notes.push`
    /// `self.notes.push(…)`.
    fn is(&self, name: &str) -> bool {
        let ends = |tail: String| self.name.ends_with(&tail);
        let method = name.trim_start_matches('.');
        self.name == name || ends(format!("::{name}")) || ends(format!(".{method}"))
    }
}

/// A string literal, escapes resolved.
struct Lit {
    at: String,
    value: String,
    /// The innermost `fn name` or enum `variant Name` it is in.
    owner: Option<String>,
}

/// One file of src/, `#[cfg(test)]` items left out.
#[derive(Default)]
struct Source {
    rel: String,
    calls: Vec<Call>,
    /// Every string literal but doc comments, in attributes and macro calls too.
    lits: Vec<Lit>,
    /// (file:line, identifier) in macro calls that are not a list of expressions (`json!`).
    opaque: Vec<(String, String)>,
    owners: Vec<String>,
}

fn text(node: &impl Spanned) -> String {
    let text = node.span().source_text().unwrap_or_default();
    text.split_whitespace().collect()
}

fn is_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg")
            && matches!(&a.meta, syn::Meta::List(l) if l.tokens.to_string() == "test")
    })
}

impl Source {
    fn at(&self, span: Span) -> String {
        format!("{}:{}", self.rel, span.start().line)
    }

    /// Visit a call's arguments, then record it with their first string literal.
    fn call(&mut self, name: String, parens: DelimSpan, args: &Punctuated<Expr, Token![,]>) {
        let first = self.lits.len();
        args.iter().for_each(|a| self.visit_expr(a));
        let literal = self.lits.get(first).map(|l| l.value.clone());
        let (at, args) = (self.at(parens.open()), text(args));
        self.calls.push(Call {
            at,
            name,
            args,
            literal,
        });
    }

    /// Tokens that are not Rust expressions: attribute arguments, macro calls of another shape.
    fn tokens(&mut self, tokens: TokenStream) {
        for token in tokens {
            match token {
                TokenTree::Group(g) => self.tokens(g.stream()),
                TokenTree::Ident(i) => self.opaque.push((self.at(i.span()), i.to_string())),
                TokenTree::Literal(l) => self.visit_lit(&syn::Lit::new(l)),
                TokenTree::Punct(_) => {}
            }
        }
    }

    fn owned(&mut self, owner: String, visit: impl FnOnce(&mut Self)) {
        self.owners.push(owner);
        visit(self);
        self.owners.pop();
    }
}

/// Visitors that skip a `#[cfg(test)]` node (elsewhere the attribute fails the scan).
macro_rules! skip_test_code {
    ($($method:ident($ty:ident)),*) => {$(
        fn $method(&mut self, node: &'ast syn::$ty) {
            if !is_test(&node.attrs) {
                visit::$method(self, node);
            }
        }
    )*};
}

impl<'ast> Visit<'ast> for Source {
    skip_test_code!(visit_item_mod(ItemMod), visit_item_impl(ItemImpl));
    skip_test_code!(visit_item_use(ItemUse), visit_item_const(ItemConst));
    skip_test_code!(visit_item_struct(ItemStruct), visit_item_enum(ItemEnum));
    skip_test_code!(visit_item_static(ItemStatic), visit_local(Local));

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        let owner = format!("fn {}", f.sig.ident);
        if !is_test(&f.attrs) {
            self.owned(owner, |s| visit::visit_item_fn(s, f));
        }
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        let owner = format!("fn {}", f.sig.ident);
        if !is_test(&f.attrs) {
            self.owned(owner, |s| visit::visit_impl_item_fn(s, f));
        }
    }

    fn visit_variant(&mut self, v: &'ast syn::Variant) {
        let owner = format!("variant {}", v.ident);
        self.owned(owner, |s| visit::visit_variant(s, v));
    }

    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if is_test(std::slice::from_ref(a)) {
            panic!(
                "{}: #[cfg(test)] on a node this scan does not skip: add it to skip_test_code!",
                self.at(a.span())
            );
        }
        match &a.meta {
            _ if a.path().is_ident("doc") => {}
            syn::Meta::List(l) => self.tokens(l.tokens.clone()),
            _ => visit::visit_attribute(self, a),
        }
    }

    fn visit_lit_str(&mut self, s: &'ast syn::LitStr) {
        let (at, value, owner) = (self.at(s.span()), s.value(), self.owners.last().cloned());
        self.lits.push(Lit { at, value, owner });
    }

    fn visit_expr_call(&mut self, c: &'ast syn::ExprCall) {
        self.visit_expr(&c.func);
        self.call(text(&c.func), c.paren_token.span, &c.args);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.visit_expr(&m.receiver);
        let name = format!("{}.{}", text(&m.receiver), m.method);
        self.call(name, m.paren_token.span, &m.args);
    }

    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        let name = format!("{}!", text(&m.path));
        match m.parse_body_with(Punctuated::parse_terminated) {
            Ok(args) => self.call(name, *m.delimiter.span(), &args),
            Err(_) => self.tokens(m.tokens.clone()),
        }
    }
}

/// Every `.rs` file under src/ but unit-test directories, parsed.
fn sources() -> Vec<Source> {
    let parse = |rel: String| {
        let file = syn::parse_file(&read(&rel));
        let mut source = Source {
            rel,
            ..Source::default()
        };
        let file = file.unwrap_or_else(|e| panic!("{}: {e}", source.at(e.span())));
        source.visit_file(&file);
        source
    };
    files(&root().join("src"), "rs")
        .into_iter()
        .map(parse)
        .collect()
}

/// A frame only arranges text produced elsewhere (`"{}: {reason}"`, `"{:#}"`): fewer than two
/// words of its own outside `{…}` placeholders.
fn is_frame(literal: &str) -> bool {
    let (mut own, mut in_placeholder) = (String::new(), false);
    for c in literal.replace("{{", "").replace("}}", "").chars() {
        match c {
            '{' => in_placeholder = true,
            '}' => (in_placeholder, own) = (false, own + " "),
            c if !in_placeholder => own.push(c),
            _ => {}
        }
    }
    let words = own.split_whitespace();
    words.filter(|w| w.chars().any(char::is_alphabetic)).count() < 2
}

// ---------------------------------------------------------------------------------------------
// docs/troubleshooting.md

const TROUBLESHOOTING: &str = "docs/troubleshooting.md";

fn line_at(text: &str, offset: usize) -> usize {
    text[..offset].matches('\n').count() + 1
}

/// The `### `fragment`` headings: (line, fragment).
fn documented_fragments() -> Vec<(usize, String)> {
    let text = read(TROUBLESHOOTING);
    let (mut out, mut heading) = (Vec::new(), None);
    for (event, range) in pulldown_cmark::Parser::new(&text).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level: H3, .. }) => heading = Some(vec![]),
            Event::End(TagEnd::Heading(H3)) => {
                let line = line_at(&text, range.start);
                let inner: Vec<Event> = heading.take().unwrap_or_default();
                let [Event::Code(fragment)] = inner.as_slice() else {
                    panic!(
                        "{TROUBLESHOOTING}:{line}: a level-3 heading must be exactly one code span \
                         holding a message fragment: {}",
                        text[range].trim()
                    )
                };
                out.push((line, fragment.to_string()));
            }
            event => heading.iter_mut().for_each(|h| h.push(event.clone())),
        }
    }
    assert!(!out.is_empty(), "no entries in {TROUBLESHOOTING}");
    out
}

#[test]
fn troubleshooting_fragments_exist_in_the_source() {
    let files = sources();
    let literals = files.iter().flat_map(|f| &f.lits).map(|l| &l.value);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for (line, fragment) in documented_fragments() {
        let problem = if fragment.contains(['{', '}']) {
            "contains a {…} placeholder"
        } else if fragment.chars().count() < 10 {
            "too short to be distinctive (10 characters or more)"
        } else if !seen.insert(fragment.clone()) {
            "documented twice"
        } else if !literals.clone().any(|l| l.contains(&fragment)) {
            "no string literal under src/ contains it (message changed or removed?)"
        } else {
            continue;
        };
        problems.push(format!("{TROUBLESHOOTING}:{line}: `{fragment}`: {problem}"));
    }
    assert!(
        problems.is_empty(),
        "{} troubleshooting entr(y/ies) out of step with the source:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Calls that print a message built elsewhere: (file, the call's arguments or first literal,
/// where the text comes from). Each must still match a call site (a stale entry fails the
/// test), and each source named here is scanned through SOURCES.
#[rustfmt::skip]
const INDIRECT: &[(&str, &str, &str)] = &[
    ("src/commands/manifest.rs", "&h.to_string()", "hazard"),
    ("src/commands/manifest_nodes.rs", "node {}: {h}", "hazard"),
    ("src/commands/manifest.rs", "&d.to_string()", "kubeadm upgrade drift"),
    ("src/commands/manifest_nodes.rs", "node {}: {d}", "kubeadm upgrade drift"),
    ("src/commands/manifest.rs", "n", "manifest plan note"),
    ("src/commands/manifest.rs", "{:#}", "OpsError::Refused, manifest edit refusal"),
    ("src/rotation/run.rs", "{:#}", "OpsError::Refused, manifest edit refusal"),
    ("src/commands/drift.rs", "{f} [matters to {}]", "drift finding"),
    ("src/commands/publish.rs", "e.to_string()", "publish refusal, lost race, Azure"),
    ("src/rotation/published.rs", "e.to_string()", "publish refusal, lost race, Azure"),
    ("src/rotation/run.rs", "{prefix}{s}", "rotation message, prefixed with its node"),
    ("src/rotation/run.rs", "e.to_string()", "the cluster lock"),
    ("src/commands/mod.rs", "{}: block {} ({}): {problem}", "key_file_problem"),
    ("src/commands/signer.rs", "{}: {e}", "signer key set edit refusal"),
    ("src/layout/signer.rs", "{}: {why}", "signer layout refusal"),
];

/// Where the indirect messages come from: (kind, file, the calls whose first literal is one,
/// or the `fn name` / enum `variant Name` (its `#[error("…")]`) whose literals are). Each must
/// still yield a message.
#[rustfmt::skip]
const SOURCES: &[(&str, &str, &str)] = &[
    ("hazard", "src/manifests/hazards.rs", "write!"),
    ("hazard", "src/manifests/hazards.rs", ".write_str"),
    ("hazard", "src/manifests/hazards.rs", "Some"),
    ("drift finding", "src/cluster/drift.rs", "write!"),
    ("kubeadm upgrade drift", "src/manifests/kubeadm.rs", "write!"),
    ("drift finding", "src/cluster/drift.rs", ".write_str"),
    ("manifest plan note", "src/manifests/ops.rs", "notes.push"),
    ("key_file_problem", "src/keys/parse.rs", "fn key_file_problem"),
    ("manifest edit refusal", "src/manifests/edit.rs", "variant ExternalSigning"),
    ("manifest edit refusal", "src/manifests/edit.rs", "variant LastKeyFile"),
    ("manifest edit refusal", "src/manifests/edit.rs", "variant RetiresSigningKey"),
    ("publish refusal", "src/publish/orchestrate.rs", "variant RemovalRefused"),
    ("publish refusal", "src/publish/orchestrate.rs", "variant PublishedJwksUnreadable"),
    ("publish refusal", "src/publish/orchestrate.rs", "variant Partial"),
    ("publish lost race", "src/publish/mod.rs", "variant PreconditionFailed"),
    ("Azure credential refusal", "src/publish/azure.rs", "Err"),
    ("rotation message", "src/rotation/stages.rs", "RotateError::Refused"),
    ("the cluster lock", "src/rotation/store.rs", "variant Held"),
    ("rotation message", "src/rotation/gates.rs", "RotateError::GateClosed"),
    ("signer key set edit refusal", "src/signer/edit.rs", "variant PublicOnly"),
    ("signer key set edit refusal", "src/signer/edit.rs", "variant Active"),
    ("signer key set edit refusal", "src/signer/edit.rs", "variant NameTaken"),
    ("signer key set edit refusal", "src/signer/edit.rs", "variant NoSuchKey"),
    ("signer layout refusal", "src/layout/signer.rs", "refuse"),
];

#[test]
fn every_refusal_and_warning_is_documented() {
    let files = sources();
    let fragments: Vec<String> = documented_fragments().into_iter().map(|(_, f)| f).collect();
    // (file:line, kind, literal) of every message that needs an entry.
    let mut required: Vec<(String, &str, String)> = Vec::new();
    let mut problems = Vec::new();

    // 1. The call sites that print refusals (exit 1), closed gates (exit 3), failed checks and
    //    warnings. `Refused(m)` passes on a message made at another site; `Refused(_)` is a
    //    pattern (in `matches!`).
    const MARKERS: [&str; 4] = ["Refused", "GateClosed", "ChecksFailed", ".warn"];
    let mut used = [false; INDIRECT.len()];
    let mut sites = 0;
    for file in &files {
        for c in &file.calls {
            let bare = c.args.chars().all(|ch| ch.is_alphanumeric() || ch == '_');
            if !MARKERS.iter().any(|m| c.is(m))
                || bare && !c.args.is_empty() && !c.name.contains('.')
            {
                continue;
            }
            sites += 1;
            let indirect = INDIRECT.iter().position(|(f, key, _)| {
                file.rel == *f && (c.args == *key || c.literal.as_deref() == Some(*key))
            });
            if let Some(k) = indirect {
                used[k] = true;
            } else if let Some(literal) = c.literal.clone().filter(|l| !is_frame(l)) {
                required.push((c.at.clone(), "call site", literal));
            } else {
                problems.push(format!(
                    "{}: `{}({})` prints a message built elsewhere: add its source to INDIRECT \
                     and SOURCES in tests/cli/docs.rs",
                    c.at, c.name, c.args
                ));
            }
        }
        for (at, ident) in &file.opaque {
            if MARKERS.contains(&&**ident) || ident == "warn" {
                problems.push(format!(
                    "{at}: `{ident}` in a macro call this test cannot parse"
                ));
            }
        }
    }
    assert!(sites > 20, "{sites} call sites found: is the scan broken?");
    for ((file, key, from), _) in INDIRECT.iter().zip(used).filter(|(_, used)| !used) {
        problems.push(format!(
            "INDIRECT entry ({file}, {key:?}, text from {from}) matches no call site any more: \
             update it"
        ));
    }

    // 2. The sources of the indirect messages.
    for (kind, rel, name) in SOURCES {
        let file = files.iter().find(|f| f.rel == *rel);
        let file = file.unwrap_or_else(|| panic!("{rel} is gone: update tests/cli/docs.rs"));
        let lits = file
            .lits
            .iter()
            .filter(|l| l.owner.as_deref() == Some(name));
        let lits = lits.map(|l| (&l.at, Some(&l.value)));
        let calls = file.calls.iter().filter(|c| c.is(name));
        let before = required.len();
        for (at, literal) in lits.chain(calls.map(|c| (&c.at, c.literal.as_ref()))) {
            if let Some(literal) = literal.filter(|l| !is_frame(l)) {
                required.push((at.clone(), *kind, literal.clone()));
            }
        }
        if required.len() == before {
            problems.push(format!(
                "SOURCES entry ({kind}, {rel}, {name}) finds no message: update it"
            ));
        }
    }

    for (at, kind, literal) in &required {
        if !fragments.iter().any(|f| literal.contains(f.as_str())) {
            problems.push(format!("{at}: {kind}: {literal:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{} message(s) sakr can print have no entry in {TROUBLESHOOTING} (add a `### `fragment`` \
         heading whose fragment is a piece of the message, and explain the hazard):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Command lines in the docs

/// (file:line, line) for the lines of the ```sh/```bash/```shell blocks of README.md and
/// docs/*.md, ` \` continuations joined.
fn doc_shell_lines() -> Vec<(String, String)> {
    let docs = std::iter::once("README.md".into()).chain(files(&root().join("docs"), "md"));
    let mut out = Vec::new();
    for rel in docs {
        let text = read(&rel);
        let mut block: Option<(usize, String)> = None;
        for (event, range) in pulldown_cmark::Parser::new(&text).into_offset_iter() {
            match event {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    let shell = ["sh", "bash", "shell"].contains(&info.split(' ').next().unwrap());
                    block = shell.then(|| (line_at(&text, range.start) + 1, String::new()));
                }
                Event::Text(code) => block.iter_mut().for_each(|(_, b)| b.push_str(&code)),
                Event::End(TagEnd::CodeBlock) if block.is_some() => {
                    let (first, code) = block.take().unwrap();
                    let mut lines = code.lines().enumerate();
                    while let Some((n, line)) = lines.next() {
                        let mut line = line.to_string();
                        while line.ends_with(" \\") {
                            let Some((_, next)) = lines.next() else { break };
                            line.pop();
                            line.push_str(next.trim_start());
                        }
                        out.push((format!("{rel}:{}", first + n), line));
                    }
                }
                _ => {}
            }
        }
    }
    out
}

#[test]
fn doc_command_lines_parse() {
    use clap::error::ErrorKind::{DisplayHelp, DisplayVersion};
    let (mut commands, mut failures) = (0, Vec::new());
    for (at, line) in doc_shell_lines() {
        // shlex drops comments; `|`, `&&`, `||` and `;` end a command, a redirection its words.
        let Some(words) = shlex::split(&line) else {
            if line.split_whitespace().any(|w| w == "sakr") {
                failures.push(format!("{at}: unbalanced quotes: {line}"));
            }
            continue;
        };
        let words: Vec<&str> = words
            .iter()
            .flat_map(|w| match w.strip_suffix(';') {
                Some(w) if !w.is_empty() => vec![w, ";"],
                _ => vec![w.as_str()],
            })
            .collect();
        for command in words.split(|w| ["|", "||", "&&", ";"].contains(w)) {
            let redirect = |w: &&str| {
                w.trim_start_matches(['1', '2', '&'])
                    .starts_with(['>', '<'])
            };
            let command = &command[..command.iter().position(redirect).unwrap_or(command.len())];
            if command.first() != Some(&"sakr") {
                continue;
            }
            commands += 1;
            if let Err(e) = sakr::cli::Cli::try_parse_from(command)
                && !matches!(e.kind(), DisplayHelp | DisplayVersion)
            {
                let error = e.to_string();
                let first = error.lines().next().unwrap_or_default();
                let command = shlex::try_join(command.iter().copied()).unwrap_or_default();
                failures.push(format!("{at}: {command}\n    {first}"));
            }
        }
    }
    assert!(
        commands > 20,
        "{commands} sakr command lines found: is the scan broken?"
    );
    assert!(
        failures.is_empty(),
        "{} documented command line(s) do not parse with sakr's CLI:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
