//! Format-preserving edits of the service-account flags (DESIGN §3 `sakr manifest trust`,
//! `sign-with`, `retire`; issue 3).
//!
//! Every edit is one splice of the source text: new list items are inserted as whole lines (or
//! `, item` in a flow sequence) next to a neighbour whose indentation, line ending, form
//! (`--flag=value` or `--flag value`) and quoting they copy; removals take out the whole lines of
//! the item(s); value changes replace only the value. No other byte moves.
//!
//! Before any text is returned it is parsed again and checked twice: its service-account flags
//! must be exactly the old ones with the one intended change (same order), and the whole YAML
//! document must equal the old one with that one list change — so an edit can never break the
//! manifest or change another field, whatever the layout. A failed check returns
//! [`EditError::Verification`] and no text.
//!
//! Every edit is idempotent: when the manifest already says what was asked, the outcome is
//! [`EditOutcome::Already`] and no text.

use std::ops::Range;

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::Role;
use super::model::{
    ArgList, Doc, FlagForm, FlagOccurrence, ListKind, Manifest, ParseError, Quoting, SaFlag,
    same_path,
};
use super::source::{
    first_line_ending, line_content_end, line_end_inclusive, line_ending_at, line_start,
};

/// The result of an edit that did not fail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EditOutcome {
    /// The new text of the manifest (verified).
    Changed(String),
    /// The manifest already says what was asked; nothing to write.
    Already,
}

impl EditOutcome {
    /// The text after the edit: the new text, or `old` when nothing changed.
    pub fn text_or<'a>(&'a self, old: &'a str) -> &'a str {
        match self {
            EditOutcome::Changed(t) => t,
            EditOutcome::Already => old,
        }
    }
}

/// Why an edit was refused. Nothing is ever half-edited: on error there is no text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(
        "kube-apiserver signs tokens through an external signer (`--service-account-signing-endpoint={endpoint}`, line {line}); \
         its keys are managed by that signer, and the key-file flags are mutually exclusive with it, so sakr does not edit them"
    )]
    ExternalSigning { endpoint: String, line: usize },
    #[error(
        "`{path}` (line {line}) is the last --service-account-key-file: without it kube-apiserver accepts no token; trust another key first"
    )]
    LastKeyFile { path: String, line: usize },
    #[error(
        "`{path}` (line {line}) holds the public half of the current signing key `{signing_key_file}`: switch to a new signing key (sign-with) before retiring it"
    )]
    RetiresSigningKey {
        path: String,
        signing_key_file: String,
        line: usize,
    },
    #[error("`{path}` is not a usable container path: {reason}")]
    InvalidPath { path: String, reason: &'static str },
    #[error("line {line}: cannot edit this list layout safely: {reason}")]
    UnsupportedLayout { line: usize, reason: &'static str },
    #[error("the {role} container has no command or args list to add `--{flag}` to")]
    NoList { role: Role, flag: &'static str },
    #[error("the edited manifest no longer parses ({0}); nothing was written")]
    Reparse(ParseError),
    #[error(
        "the edited manifest does not hold exactly the intended flags ({detail}); nothing was written"
    )]
    Verification { detail: String },
}

/// Trusts `container_path` for verifying tokens: appends a `--service-account-key-file` entry
/// right after the last existing one (else after the last `--service-account-*` flag, else at
/// the end of the flags list). Refused when an external signer is configured.
pub fn trust(apiserver_text: &str, container_path: &str) -> Result<EditOutcome, EditError> {
    validate_path(container_path)?;
    let doc = Doc::load(apiserver_text)?;
    let m = Manifest::from_doc(&doc, Role::ApiServer)?;
    refuse_external(&m)?;
    if m.key_files().iter().any(|k| same_path(k, container_path)) {
        return Ok(EditOutcome::Already);
    }
    insert_flag(&doc, &m, SaFlag::ServiceAccountKeyFile, container_path)
}

/// Points kube-apiserver's `--service-account-signing-key-file` at `container_path` (replacing
/// only the value, or adding the flag when missing). Whether the key's public half is trusted is
/// the caller's check (it needs key material); see [`super::Manifest::key_files`].
pub fn set_signing_key(
    apiserver_text: &str,
    container_path: &str,
) -> Result<EditOutcome, EditError> {
    set_single(
        apiserver_text,
        Role::ApiServer,
        SaFlag::ServiceAccountSigningKeyFile,
        container_path,
    )
}

/// Points kube-controller-manager's `--service-account-private-key-file` at `container_path`.
pub fn set_private_key(cm_text: &str, container_path: &str) -> Result<EditOutcome, EditError> {
    set_single(
        cm_text,
        Role::ControllerManager,
        SaFlag::ServiceAccountPrivateKeyFile,
        container_path,
    )
}

/// Removes every `--service-account-key-file` entry naming `container_path` (whole lines, both
/// items of the `--flag value` form, or the element of a flow sequence).
///
/// Refuses to remove the last key file, and the public half of the current signing key: the
/// latter needs key material, so the caller passes `holds_signing_key(key_file,
/// signing_key_file)` (both container paths as written in the manifest), called at most once and
/// only when a signing key is configured; it returns `true` when `key_file` holds the public half
/// of the key in `signing_key_file`. Naming the signing key file itself is refused without asking.
pub fn retire<F>(
    apiserver_text: &str,
    container_path: &str,
    holds_signing_key: F,
) -> Result<EditOutcome, EditError>
where
    F: FnOnce(&str, &str) -> bool,
{
    validate_path(container_path)?;
    let doc = Doc::load(apiserver_text)?;
    let m = Manifest::from_doc(&doc, Role::ApiServer)?;
    refuse_external(&m)?;
    let matching: Vec<&FlagOccurrence> = m
        .occurrences(SaFlag::ServiceAccountKeyFile)
        .filter(|o| same_path(&o.value, container_path))
        .collect();
    let Some(first) = matching.first() else {
        return Ok(EditOutcome::Already);
    };
    if m.key_files().len() == matching.len() {
        return Err(EditError::LastKeyFile {
            path: first.value.clone(),
            line: first.line,
        });
    }
    if let Some(signing) = m.signing_key_file()
        && (same_path(signing, &first.value) || holds_signing_key(&first.value, signing))
    {
        return Err(EditError::RetiresSigningKey {
            path: first.value.clone(),
            signing_key_file: signing.to_string(),
            line: first.line,
        });
    }
    // One verified removal per occurrence (duplicates are rare; each step stands on its own).
    let position = |m: &Manifest| {
        m.flags
            .iter()
            .position(|o| {
                o.flag == SaFlag::ServiceAccountKeyFile && same_path(&o.value, container_path)
            })
            .ok_or_else(|| EditError::Verification {
                detail: "internal: an occurrence to remove disappeared".into(),
            })
    };
    let removals = matching.len();
    let mut text = remove_occurrence(&doc, &m, position(&m)?)?;
    for _ in 1..removals {
        let next = {
            let doc = Doc::load(&text).map_err(EditError::Reparse)?;
            let m = Manifest::from_doc(&doc, Role::ApiServer).map_err(EditError::Reparse)?;
            remove_occurrence(&doc, &m, position(&m)?)?
        };
        text = next;
    }
    Ok(EditOutcome::Changed(text))
}

/// Moves kube-apiserver to an external signer (issue 20, migration to `sakr signer`): adds
/// `--service-account-signing-endpoint=ENDPOINT` where the key flags are, then removes every
/// `--service-account-key-file` and `--service-account-signing-key-file` (kube-apiserver refuses
/// the endpoint together with them). Each step is verified like every other edit; a manifest
/// already on this endpoint without key flags is left alone.
pub fn to_signer(apiserver_text: &str, endpoint: &str) -> Result<EditOutcome, EditError> {
    validate_path(endpoint)?;
    let doc = Doc::load(apiserver_text)?;
    let m = Manifest::from_doc(&doc, Role::ApiServer)?;
    let is_key_flag = |f: SaFlag| {
        matches!(
            f,
            SaFlag::ServiceAccountKeyFile | SaFlag::ServiceAccountSigningKeyFile
        )
    };
    let mut text = match m.signing_endpoint() {
        Some(ep) if same_path(ep, endpoint) => {
            if !m.flags.iter().any(|o| is_key_flag(o.flag)) {
                return Ok(EditOutcome::Already);
            }
            apiserver_text.to_string()
        }
        // Another signer already: not this migration's to replace.
        Some(_) => return refuse_external(&m).map(|()| EditOutcome::Already),
        None => match insert_flag(&doc, &m, SaFlag::ServiceAccountSigningEndpoint, endpoint)? {
            EditOutcome::Changed(t) => t,
            EditOutcome::Already => apiserver_text.to_string(),
        },
    };
    loop {
        let next = {
            let doc = Doc::load(&text).map_err(EditError::Reparse)?;
            let m = Manifest::from_doc(&doc, Role::ApiServer).map_err(EditError::Reparse)?;
            match m.flags.iter().position(|o| is_key_flag(o.flag)) {
                Some(pos) => remove_occurrence(&doc, &m, pos)?,
                None => break,
            }
        };
        text = next;
    }
    Ok(EditOutcome::Changed(text))
}

/// A unified diff of `old` → `new`, labelled with `path_label` (`--dry-run` output).
pub fn unified_diff(old: &str, new: &str, path_label: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(path_label, path_label)
        .to_string()
}

// ---------------------------------------------------------------------------------------------

pub(crate) fn validate_path(path: &str) -> Result<(), EditError> {
    let reason = if path.is_empty() {
        Some("it is empty")
    } else if !path.starts_with('/') {
        Some("it must be absolute (a path inside the container)")
    } else if path
        .chars()
        .any(|c| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}'))
    {
        // YAML 1.2 keeps these inside a scalar, so the re-parse check passes; the kubelet's
        // YAML 1.1 reader breaks the line there, and the rest of the path becomes a new item.
        Some(
            "it contains a line break for YAML 1.1 readers such as the kubelet (U+0085, U+2028 or U+2029)",
        )
    } else if path.chars().any(crate::text::is_unsafe_char) {
        Some("it contains a control or invisible formatting character")
    } else if path.trim() != path {
        Some("it has leading or trailing white space")
    } else {
        None
    };
    match reason {
        Some(reason) => Err(EditError::InvalidPath {
            path: crate::text::printable(path).into_owned(),
            reason,
        }),
        None => Ok(()),
    }
}

fn refuse_external(m: &Manifest) -> Result<(), EditError> {
    match m.occurrences(SaFlag::ServiceAccountSigningEndpoint).next() {
        Some(o) => Err(EditError::ExternalSigning {
            endpoint: o.value.clone(),
            line: o.line,
        }),
        None => Ok(()),
    }
}

fn set_single(text: &str, role: Role, flag: SaFlag, path: &str) -> Result<EditOutcome, EditError> {
    validate_path(path)?;
    let doc = Doc::load(text)?;
    let m = Manifest::from_doc(&doc, role)?;
    refuse_external(&m)?;
    match m.flags.iter().position(|o| o.flag == flag) {
        Some(i) if same_path(&m.flags[i].value, path) => Ok(EditOutcome::Already),
        Some(i) => replace_value(&doc, &m, i, path).map(EditOutcome::Changed),
        None => insert_flag(&doc, &m, flag, path),
    }
}

/// The change an edit intends, at list-item level, for verification.
enum Op {
    Insert { after: usize, values: Vec<String> },
    Remove { first: usize, last: usize },
    Replace { item: usize, value: String },
}

struct Change {
    list: ListKind,
    op: Op,
    flags: Vec<(SaFlag, String)>,
}

/// Where a new occurrence of `flag` goes: the list, the item it follows, and the neighbour
/// occurrence (if any) whose form it copies.
fn insertion_point(
    m: &Manifest,
    flag: SaFlag,
) -> Result<(&ArgList, usize, Option<&FlagOccurrence>), EditError> {
    let no_list = || EditError::NoList {
        role: m.role,
        flag: flag.name(),
    };
    // After the last occurrence of the same flag.
    if let Some(o) = m.occurrences(flag).last() {
        let list = m.list(o.list).ok_or_else(no_list)?;
        return Ok((list, o.last_item(), Some(o)));
    }
    // After the last `--service-account-*` item (kubeadm sorts flags by name, so this keeps the
    // service-account group together).
    let lists = [m.command.as_ref(), m.args.as_ref()];
    let mut last_sa: Option<(&ArgList, usize)> = None;
    for list in lists.into_iter().flatten() {
        for (i, it) in list.items.iter().enumerate() {
            if it.value.starts_with("--service-account-") {
                last_sa = Some((list, i));
            }
        }
    }
    if let Some((list, i)) = last_sa {
        let owner = m.flags.iter().find(|o| o.list == list.kind && o.item == i);
        return Ok(match owner {
            Some(o) => (list, o.last_item(), Some(o)),
            None => (list, i, None),
        });
    }
    // At the end of the list that holds the flags: args when it has any `--` item or there is
    // no command, else command.
    let holds_flags = |l: &&ArgList| l.items.iter().any(|i| i.value.starts_with("--"));
    let list = m
        .args
        .as_ref()
        .filter(holds_flags)
        .or(m.command.as_ref())
        .or(m.args.as_ref())
        .ok_or_else(no_list)?;
    match list.items.len() {
        0 => Err(EditError::UnsupportedLayout {
            line: list.line,
            reason: "the list is empty",
        }),
        n => Ok((list, n - 1, None)),
    }
}

fn insert_flag(
    doc: &Doc<'_>,
    m: &Manifest,
    flag: SaFlag,
    value: &str,
) -> Result<EditOutcome, EditError> {
    let text = doc.text;
    let (list, after, neighbour) = insertion_point(m, flag)?;
    let anchor = list.items.get(after).ok_or(EditError::UnsupportedLayout {
        line: list.line,
        reason: "no item to insert after",
    })?;
    let separate = neighbour.is_some_and(|o| o.form == FlagForm::Separate);
    let (name_q, value_q) = match neighbour {
        Some(o) if separate => (
            list.items.get(o.item).map_or(Quoting::Plain, |i| i.quoting),
            anchor.quoting,
        ),
        _ => (anchor.quoting, anchor.quoting),
    };
    let name = format!("--{}", flag.name());
    let (values, rendered) = if separate {
        (
            vec![name.clone(), value.to_string()],
            vec![
                render(&name, name_q, list.flow),
                render(value, value_q, list.flow),
            ],
        )
    } else {
        let item = format!("{name}={value}");
        let r = render(&item, name_q, list.flow);
        (vec![item], vec![r])
    };
    let own_line = if list.flow {
        let head = list.items.get(neighbour.map_or(after, |o| o.item));
        head.and_then(|h| flow_own_lines(text, h.span.start, anchor.span.end))
    } else {
        None
    };
    let (at, insert) = if let Some((indent, lines)) = own_line {
        // A multi-line flow sequence with one element per line: add lines the same way.
        let eol = line_ending_at(text, anchor.span.end).unwrap_or("\n");
        let s: String = rendered
            .iter()
            .map(|r| format!("{indent}{r},{eol}"))
            .collect();
        (lines.end, s)
    } else if list.flow {
        let s: String = rendered.iter().map(|r| format!(", {r}")).collect();
        (anchor.span.end, s)
    } else {
        let prefix = block_prefix(text, anchor.span.start, anchor.line)?;
        check_line_tail(text, anchor.span.end, anchor.line)?;
        match line_ending_at(text, anchor.span.end) {
            Some(eol) => (
                line_end_inclusive(text, anchor.span.end),
                rendered
                    .iter()
                    .map(|r| format!("{prefix}{r}{eol}"))
                    .collect(),
            ),
            // The anchor is on the last line and the file has no final newline: keep it so.
            None => {
                let eol = first_line_ending(text);
                (
                    text.len(),
                    rendered
                        .iter()
                        .map(|r| format!("{eol}{prefix}{r}"))
                        .collect(),
                )
            }
        }
    };
    let new_text = splice(text, at..at, &insert);
    // The new occurrence's place among the flags: after every flag that ends at or before the
    // anchor item.
    let rank = |k: ListKind| usize::from(k == ListKind::Args);
    let idx = m
        .flags
        .iter()
        .filter(|o| (rank(o.list), o.last_item()) <= (rank(list.kind), after))
        .count();
    let mut flags = m.flag_values();
    flags.insert(idx, (flag, value.to_string()));
    verify(
        doc,
        &new_text,
        m,
        &Change {
            list: list.kind,
            op: Op::Insert { after, values },
            flags,
        },
    )?;
    Ok(EditOutcome::Changed(new_text))
}

fn remove_occurrence(doc: &Doc<'_>, m: &Manifest, pos: usize) -> Result<String, EditError> {
    let text = doc.text;
    let o = m.flags.get(pos).ok_or(EditError::Verification {
        detail: "internal: no such flag occurrence".into(),
    })?;
    let list = m.list(o.list).ok_or(EditError::Verification {
        detail: "internal: no such list".into(),
    })?;
    let (first_i, last_i) = (o.item, o.last_item());
    let (Some(first), Some(last)) = (list.items.get(first_i), list.items.get(last_i)) else {
        return Err(EditError::Verification {
            detail: "internal: no such list item".into(),
        });
    };
    let range = if list.flow {
        let prev = first_i.checked_sub(1).and_then(|p| list.items.get(p));
        let next = list.items.get(last_i + 1);
        let no_comment = |r: Range<usize>| !text[r].contains('#');
        let one_line = |r: Range<usize>| !text[r.clone()].contains('#') && !text[r].contains('\n');
        // Prefer taking out whole lines, then a separator on the same line, so that a trust
        // followed by a retire gives back the original bytes and lines are not joined.
        if let Some((_, lines)) = flow_own_lines(text, first.span.start, last.span.end) {
            lines
        } else {
            match (prev, next) {
                (Some(p), _) if one_line(p.span.end..first.span.start) => p.span.end..last.span.end,
                (_, Some(n)) if one_line(last.span.end..n.span.start) => {
                    first.span.start..n.span.start
                }
                (Some(p), _) if no_comment(p.span.end..first.span.start) => {
                    p.span.end..last.span.end
                }
                (_, Some(n)) if no_comment(last.span.end..n.span.start) => {
                    first.span.start..n.span.start
                }
                (None, None) => first.span.start..last.span.end,
                _ => {
                    return Err(EditError::UnsupportedLayout {
                        line: o.line,
                        reason: "comments around a flow-sequence element",
                    });
                }
            }
        }
    } else {
        block_prefix(text, first.span.start, first.line)?;
        check_line_tail(text, last.span.end, last.line)?;
        let start = line_start(text, first.span.start);
        if line_ending_at(text, last.span.end).is_some() {
            start..line_end_inclusive(text, last.span.end)
        } else {
            // Last line without a final newline: take the line ending before it instead.
            let before = &text[..start];
            let eol = if before.ends_with("\r\n") {
                2
            } else if before.ends_with('\n') {
                1
            } else {
                return Err(EditError::UnsupportedLayout {
                    line: o.line,
                    reason: "the list item is the whole document",
                });
            };
            start - eol..text.len()
        }
    };
    let new_text = splice(text, range, "");
    let mut flags = m.flag_values();
    flags.remove(pos);
    verify(
        doc,
        &new_text,
        m,
        &Change {
            list: list.kind,
            op: Op::Remove {
                first: first_i,
                last: last_i,
            },
            flags,
        },
    )?;
    Ok(new_text)
}

fn replace_value(
    doc: &Doc<'_>,
    m: &Manifest,
    pos: usize,
    value: &str,
) -> Result<String, EditError> {
    let text = doc.text;
    let o = m.flags.get(pos).ok_or(EditError::Verification {
        detail: "internal: no such flag occurrence".into(),
    })?;
    let list = m.list(o.list).ok_or(EditError::Verification {
        detail: "internal: no such list".into(),
    })?;
    let item_i = o.last_item();
    let item = list.items.get(item_i).ok_or(EditError::Verification {
        detail: "internal: no such list item".into(),
    })?;
    let new_item_value = match o.form {
        FlagForm::Separate => value.to_string(),
        _ => format!("--{}={value}", o.flag.name()),
    };
    let raw = &text[item.span.clone()];
    // Replace just the value when the source spells it out verbatim after `--flag=`.
    let narrow = (o.form == FlagForm::Equals)
        .then(|| {
            let prefix = format!("--{}=", o.flag.name());
            let q = usize::from(matches!(item.quoting, Quoting::Single | Quoting::Double));
            let inner = raw.get(q..raw.len().checked_sub(q)?)?;
            let old_raw = inner.strip_prefix(&prefix)?;
            let verbatim = match item.quoting {
                Quoting::Plain => old_raw == o.value,
                Quoting::Single => old_raw.replace("''", "'") == o.value,
                Quoting::Double => !old_raw.contains('\\') && old_raw == o.value,
                Quoting::Other => false,
            };
            let encoded = match item.quoting {
                Quoting::Plain if plain_safe(&new_item_value, list.flow) => value.to_string(),
                Quoting::Single => value.replace('\'', "''"),
                Quoting::Double => double_escape(value),
                _ => return None,
            };
            let start = item.span.start + q + prefix.len();
            (verbatim && !raw.contains('\n')).then_some((start..start + old_raw.len(), encoded))
        })
        .flatten();
    let (range, insert) = narrow.unwrap_or_else(|| {
        (
            item.span.clone(),
            render(&new_item_value, item.quoting, list.flow),
        )
    });
    let new_text = splice(text, range, &insert);
    let mut flags = m.flag_values();
    if let Some(f) = flags.get_mut(pos) {
        f.1 = value.to_string();
    }
    verify(
        doc,
        &new_text,
        m,
        &Change {
            list: list.kind,
            op: Op::Replace {
                item: item_i,
                value: new_item_value,
            },
            flags,
        },
    )?;
    Ok(new_text)
}

/// The text before a block-sequence item on its line (`    - `), which a new sibling copies.
fn block_prefix(text: &str, item_start: usize, line: usize) -> Result<&str, EditError> {
    let prefix = &text[line_start(text, item_start)..item_start];
    let rest = prefix.trim_start_matches(' ');
    let ok = rest
        .strip_prefix('-')
        .is_some_and(|r| !r.is_empty() && r.chars().all(|c| c == ' ' || c == '\t'));
    if ok {
        Ok(prefix)
    } else {
        Err(EditError::UnsupportedLayout {
            line,
            reason: "the list item does not start its own `- ` line",
        })
    }
}

/// When the flow-sequence elements `start..end` sit alone on their lines (`  elem,  # c`), the
/// indentation and the byte range of those whole lines. Requires the separating comma, so that
/// removing the lines never leaves a trailing comma (which JSON manifests could not take).
fn flow_own_lines(text: &str, start: usize, end: usize) -> Option<(&str, Range<usize>)> {
    let ls = line_start(text, start);
    let indent = &text[ls..start];
    if !indent.chars().all(|c| c == ' ' || c == '\t') {
        return None;
    }
    let tail = text[end..line_content_end(text, end)].trim_start();
    let after_comma = tail.strip_prefix(',')?.trim_start();
    if !(after_comma.is_empty() || after_comma.starts_with('#')) {
        return None;
    }
    line_ending_at(text, end)?;
    Some((indent, ls..line_end_inclusive(text, end)))
}

/// After an item, its line may hold only white space and a comment.
fn check_line_tail(text: &str, item_end: usize, line: usize) -> Result<(), EditError> {
    let tail = text[item_end..line_content_end(text, item_end)].trim_start();
    if tail.is_empty() || tail.starts_with('#') {
        Ok(())
    } else {
        Err(EditError::UnsupportedLayout {
            line,
            reason: "something else follows the list item on its line",
        })
    }
}

fn splice(text: &str, range: Range<usize>, insert: &str) -> String {
    let mut s = String::with_capacity(text.len() + insert.len());
    s.push_str(&text[..range.start]);
    s.push_str(insert);
    s.push_str(&text[range.end..]);
    s
}

/// Renders `value` as a YAML scalar in the neighbour's quoting style; plain only when YAML (1.2,
/// and the 1.1 the kubelet's decoder speaks) reads it back as the same string.
fn render(value: &str, like: Quoting, flow: bool) -> String {
    match like {
        Quoting::Double => format!("\"{}\"", double_escape(value)),
        Quoting::Plain if plain_safe(value, flow) => value.to_string(),
        _ => format!("'{}'", value.replace('\'', "''")),
    }
}

fn double_escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

fn plain_safe(v: &str, flow: bool) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    let second = v.chars().nth(1);
    if v.trim() != v || v.chars().any(char::is_control) {
        return false;
    }
    let indicator_ok = match first {
        '-' | '?' | ':' => second.is_some_and(|c| c != ' ' && !(flow && ",[]{}".contains(c))),
        c => !"-?:,[]{}#&*!|>'\"%@`".contains(c),
    };
    if !indicator_ok || v.contains(": ") || v.contains(" #") || v.ends_with(':') {
        return false;
    }
    if flow && v.contains([',', '[', ']', '{', '}']) {
        return false;
    }
    // Anything that resolves to a non-string (numbers, booleans, null) in YAML 1.2 or 1.1.
    const YAML11: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "on", "On", "ON", "off", "Off",
        "OFF", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    let numeric_start = first.is_ascii_digit()
        || (matches!(first, '+' | '-' | '.')
            && second.is_some_and(|c| c.is_ascii_digit() || c == '.'));
    !YAML11.contains(&v)
        && !numeric_start
        && matches!(
            Scalar::parse_from_cow(v.to_string().into()),
            Scalar::String(_)
        )
}

/// Re-parses `new_text` and checks it is `old_text` with exactly `change` applied.
fn verify(old: &Doc<'_>, new_text: &str, m: &Manifest, change: &Change) -> Result<(), EditError> {
    let new_doc = Doc::load(new_text).map_err(EditError::Reparse)?;
    let new_m = Manifest::from_doc(&new_doc, m.role).map_err(EditError::Reparse)?;
    let got = new_m.flag_values();
    if got != change.flags {
        return Err(EditError::Verification {
            detail: format!(
                "expected {}; found {}",
                describe(&change.flags),
                describe(&got)
            ),
        });
    }
    if new_m.container_index != m.container_index {
        return Err(EditError::Verification {
            detail: "the edit moved the container".into(),
        });
    }
    // Whole-document check: the old document with the intended list change must equal the new
    // one (saphyr's node equality ignores positions, and compares mappings in order).
    let mut expected = old.root.clone();
    let seq = list_node_mut(&mut expected, m.container_index, change.list).ok_or(
        EditError::Verification {
            detail: "internal: the edited list is not in the old document".into(),
        },
    )?;
    let ok = match &change.op {
        Op::Insert { after, values } if *after < seq.len() => {
            for (k, v) in values.iter().enumerate() {
                seq.insert(after + 1 + k, string_node(v));
            }
            true
        }
        Op::Remove { first, last } if *first <= *last && *last < seq.len() => {
            seq.drain(*first..=*last);
            true
        }
        Op::Replace { item, value } if *item < seq.len() => {
            seq[*item] = string_node(value);
            true
        }
        _ => false,
    };
    if !ok || expected != new_doc.root {
        return Err(EditError::Verification {
            detail: "the YAML document changed beyond the intended list item".into(),
        });
    }
    Ok(())
}

fn describe(flags: &[(SaFlag, String)]) -> String {
    let parts: Vec<String> = flags
        .iter()
        .map(|(f, v)| format!("--{}={v}", f.name()))
        .collect();
    format!("[{}]", parts.join(" "))
}

fn string_node<'a>(v: &str) -> MarkedYaml<'a> {
    MarkedYaml {
        span: Default::default(),
        data: YamlData::Value(Scalar::String(v.to_string().into())),
    }
}

fn list_node_mut<'a, 'b>(
    root: &'a mut MarkedYaml<'b>,
    container: usize,
    list: ListKind,
) -> Option<&'a mut Vec<MarkedYaml<'b>>> {
    let node = root
        .data
        .as_mapping_get_mut("spec")?
        .data
        .as_mapping_get_mut("containers")?
        .data
        .as_sequence_get_mut(container)?
        .data
        .as_mapping_get_mut(list.key())?;
    match &mut node.data {
        YamlData::Sequence(s) => Some(s),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_safety() {
        assert!(plain_safe(
            "--service-account-key-file=/etc/kubernetes/pki/sa.pub",
            false
        ));
        assert!(plain_safe("/etc/kubernetes/pki/sa.pub", true));
        assert!(!plain_safe("/a,b", true));
        assert!(plain_safe("/a,b", false));
        assert!(!plain_safe("yes", false));
        assert!(!plain_safe("123", false));
        assert!(!plain_safe("-1", false));
        assert!(!plain_safe("a: b", false));
        assert!(!plain_safe("a #b", false));
        assert!(!plain_safe("'a", false));
        assert!(!plain_safe("", false));
        assert!(!plain_safe(" a", false));
    }

    #[test]
    fn rendering_follows_the_neighbour() {
        assert_eq!(render("/a", Quoting::Plain, false), "/a");
        assert_eq!(render("/a'b", Quoting::Single, false), "'/a''b'");
        assert_eq!(render("/a\"b\\", Quoting::Double, false), "\"/a\\\"b\\\\\"");
        assert_eq!(render("/a,b", Quoting::Plain, true), "'/a,b'");
        assert_eq!(render("/a", Quoting::Other, false), "'/a'");
    }
}
