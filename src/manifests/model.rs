//! The model of one static-pod manifest's service-account flags (DESIGN §2.7, §3 `sakr manifest`).
//!
//! Parsing goes through saphyr's `MarkedYaml`, which carries a span for every node; this file
//! turns those spans into byte ranges of the source so that `edit.rs` can splice the text without
//! touching any other byte. Only the container of the requested [`Role`] is modelled: its
//! `command:`/`args:` lists item by item, the service-account flags found in them, its
//! `volumeMounts`, and the pod's `hostPath` volumes (to map a container path to a host path).
//!
//! Flag parsing follows pflag as kube-apiserver uses it: `--flag=value` or `--flag value` (two
//! list items) for value flags; a bare `--service-account-extend-token-expiration` means `true`
//! (booleans never consume the next item). Flags other than the service-account ones are kept as
//! opaque list items.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use saphyr::{MarkedYaml, Scalar, YamlData, YamlLoader};
use saphyr_parser::{Event, SpannedEventReceiver as _};
use serde::Serialize;

use super::source::CharIndex;
use super::{MAX_MANIFEST_BYTES, Role};

/// Why a manifest could not be modelled. Every variant that concerns a place in the text carries
/// its 1-based line number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the manifest is {size} bytes, over the {max}-byte limit")]
    TooLarge { size: usize, max: usize },
    #[error("not valid YAML at line {line}, column {column}: {message}")]
    Yaml {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("the manifest is empty")]
    Empty,
    #[error(
        "holds {count} YAML documents (the second starts at line {line}); the kubelet reads one Pod per file"
    )]
    MultipleDocuments { count: usize, line: usize },
    #[error("not a Pod: {found} (line {line})")]
    NotAPod { found: String, line: usize },
    #[error("line {line}: the Pod has no spec.containers list")]
    NoContainers { line: usize },
    #[error(
        "no {role} container (looked for a container named `{role}` or whose command starts with it)"
    )]
    NoContainer { role: Role },
    #[error(
        "{role} is run by more than one container (lines {lines:?}); refusing to guess which to edit"
    )]
    MultipleContainers { role: Role, lines: Vec<usize> },
    #[error("line {line}: `{field}` must be {expected}")]
    BadField {
        field: String,
        line: usize,
        expected: &'static str,
    },
    #[error("line {line}: `--{flag}` has no value")]
    FlagWithoutValue { flag: &'static str, line: usize },
    #[error(
        "line {line}: `--{flag}` is given again (first on line {first_line}); it takes a single value"
    )]
    DuplicateFlag {
        flag: &'static str,
        line: usize,
        first_line: usize,
    },
    #[error("line {line}: {what} is not supported in a container's command or args")]
    Unsupported { what: &'static str, line: usize },
    #[error("line {line}: could not locate this node in the source text ({detail})")]
    Span { line: usize, detail: &'static str },
    #[error(
        "line {line}: collections nested more than {max} deep; no Pod manifest comes close, and sakr does not build such a tree"
    )]
    TooDeep { line: usize, max: usize },
    #[error(
        "line {line}, column {column}: the character U+{code:04X} ({what}) is not allowed in a manifest: {why}"
    )]
    UnsafeCharacter {
        line: usize,
        column: usize,
        code: u32,
        what: &'static str,
        why: &'static str,
    },
    #[error("line {line}: volume `{volume}`: {field} `{value}` {reason}")]
    BadVolumePath {
        line: usize,
        volume: String,
        field: &'static str,
        /// Made printable: it comes from the file.
        value: String,
        reason: &'static str,
    },
}

/// The service-account flags sakr models. `name()` is the flag without its leading `--`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SaFlag {
    ServiceAccountIssuer,
    ServiceAccountKeyFile,
    ServiceAccountSigningKeyFile,
    ServiceAccountPrivateKeyFile,
    ServiceAccountMaxTokenExpiration,
    ServiceAccountExtendTokenExpiration,
    ServiceAccountSigningEndpoint,
    ServiceAccountJwksUri,
    ApiAudiences,
}

impl SaFlag {
    pub const ALL: [SaFlag; 9] = [
        SaFlag::ServiceAccountIssuer,
        SaFlag::ServiceAccountKeyFile,
        SaFlag::ServiceAccountSigningKeyFile,
        SaFlag::ServiceAccountPrivateKeyFile,
        SaFlag::ServiceAccountMaxTokenExpiration,
        SaFlag::ServiceAccountExtendTokenExpiration,
        SaFlag::ServiceAccountSigningEndpoint,
        SaFlag::ServiceAccountJwksUri,
        SaFlag::ApiAudiences,
    ];

    /// The flag name without the leading `--`.
    pub fn name(self) -> &'static str {
        match self {
            SaFlag::ServiceAccountIssuer => "service-account-issuer",
            SaFlag::ServiceAccountKeyFile => "service-account-key-file",
            SaFlag::ServiceAccountSigningKeyFile => "service-account-signing-key-file",
            SaFlag::ServiceAccountPrivateKeyFile => "service-account-private-key-file",
            SaFlag::ServiceAccountMaxTokenExpiration => "service-account-max-token-expiration",
            SaFlag::ServiceAccountExtendTokenExpiration => {
                "service-account-extend-token-expiration"
            }
            SaFlag::ServiceAccountSigningEndpoint => "service-account-signing-endpoint",
            SaFlag::ServiceAccountJwksUri => "service-account-jwks-uri",
            SaFlag::ApiAudiences => "api-audiences",
        }
    }

    pub fn from_name(name: &str) -> Option<SaFlag> {
        SaFlag::ALL.into_iter().find(|f| f.name() == name)
    }

    /// Repeatable flags accumulate (pflag `StringArray`/`StringSlice`); the others take one value,
    /// and sakr rejects a manifest that gives them twice rather than guess which one wins.
    pub fn repeatable(self) -> bool {
        matches!(
            self,
            SaFlag::ServiceAccountIssuer | SaFlag::ServiceAccountKeyFile | SaFlag::ApiAudiences
        )
    }

    /// Boolean flags never consume the next list item (pflag `NoOptDefVal`).
    pub fn is_bool(self) -> bool {
        self == SaFlag::ServiceAccountExtendTokenExpiration
    }
}

/// How a flag occurrence is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagForm {
    /// `- --flag=value`: one list item.
    Equals,
    /// `- --flag` then `- value`: two list items.
    Separate,
    /// `- --bool-flag` alone (value `true`).
    Bare,
}

/// Which list of the container an item is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListKind {
    Command,
    Args,
}

impl ListKind {
    pub fn key(self) -> &'static str {
        match self {
            ListKind::Command => "command",
            ListKind::Args => "args",
        }
    }
}

/// How a scalar is written in the source; edits reuse a neighbour's style.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Quoting {
    Plain,
    Single,
    Double,
    /// Block scalars (`|`, `>`) and tagged scalars: never reused for new items.
    Other,
}

/// One scalar item of a `command:` or `args:` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Item {
    pub value: String,
    /// Byte range of the scalar in the source, quotes included.
    pub span: Range<usize>,
    pub line: usize,
    pub quoting: Quoting,
}

/// A container's `command:` or `args:` list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArgList {
    pub kind: ListKind,
    /// `[a, b]` rather than `- a` lines.
    pub flow: bool,
    pub line: usize,
    pub items: Vec<Item>,
}

/// One occurrence of a service-account flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlagOccurrence {
    pub flag: SaFlag,
    pub value: String,
    pub form: FlagForm,
    pub list: ListKind,
    /// Index in its list of the item holding the flag name.
    pub item: usize,
    /// Bytes of the whole occurrence: the flag item, through the value item for
    /// [`FlagForm::Separate`].
    pub span: Range<usize>,
    /// Bytes of the scalar that holds the value (the flag item itself for `Equals`/`Bare`).
    pub value_span: Range<usize>,
    pub line: usize,
}

impl FlagOccurrence {
    /// Index of the last list item this occurrence uses.
    pub fn last_item(&self) -> usize {
        if self.form == FlagForm::Separate {
            self.item + 1
        } else {
            self.item
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    pub read_only: bool,
    pub sub_path: Option<String>,
    pub line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub name: String,
    /// `hostPath.path`, or `None` for any other volume type.
    pub host_path: Option<String>,
    pub line: usize,
}

/// The service-account view of one static-pod manifest, for one [`Role`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Manifest {
    pub role: Role,
    pub pod_name: Option<String>,
    pub container_name: Option<String>,
    /// Index of the container in `spec.containers`.
    pub container_index: usize,
    pub command: Option<ArgList>,
    pub args: Option<ArgList>,
    /// Every service-account flag occurrence, in command-then-args order.
    pub flags: Vec<FlagOccurrence>,
    pub volume_mounts: Vec<VolumeMount>,
    pub volumes: Vec<Volume>,
}

impl Manifest {
    /// Parses `text` (LF or CRLF) and models the container that runs `role`.
    pub fn parse(text: &str, role: Role) -> Result<Manifest, ParseError> {
        Manifest::from_doc(&Doc::load(text)?, role)
    }

    /// [`Manifest::parse`] of a document already loaded (parsing is most of what a local
    /// command costs: callers that hold the document do not parse it again).
    pub(crate) fn from_doc(doc: &Doc<'_>, role: Role) -> Result<Manifest, ParseError> {
        let pod = doc.pod()?;
        let mut found = Vec::new();
        for (i, c) in pod.containers.iter().enumerate() {
            if container_role_matches(c, role)? {
                found.push(i);
            }
        }
        match found.as_slice() {
            [] => Err(ParseError::NoContainer { role }),
            [one] => build(doc, &pod, *one, role),
            many => Err(ParseError::MultipleContainers {
                role,
                lines: many
                    .iter()
                    .filter_map(|i| pod.containers.get(*i))
                    .map(|c| doc.line(c))
                    .collect(),
            }),
        }
    }

    /// The roles whose containers this Pod runs, for locating manifests in a directory. Errors
    /// only when `text` is not a Pod manifest at all.
    pub fn roles_in(text: &str) -> Result<Vec<Role>, ParseError> {
        Manifest::roles_of(&Doc::load(text)?)
    }

    /// [`Manifest::roles_in`] of a document already loaded.
    pub(crate) fn roles_of(doc: &Doc<'_>) -> Result<Vec<Role>, ParseError> {
        let pod = doc.pod()?;
        let mut roles = Vec::new();
        for role in [Role::ApiServer, Role::ControllerManager] {
            for c in pod.containers {
                if container_role_matches(c, role)? && !roles.contains(&role) {
                    roles.push(role);
                }
            }
        }
        Ok(roles)
    }

    pub fn list(&self, kind: ListKind) -> Option<&ArgList> {
        match kind {
            ListKind::Command => self.command.as_ref(),
            ListKind::Args => self.args.as_ref(),
        }
    }

    pub fn occurrences(&self, flag: SaFlag) -> impl Iterator<Item = &FlagOccurrence> {
        self.flags.iter().filter(move |o| o.flag == flag)
    }

    pub fn values(&self, flag: SaFlag) -> Vec<&str> {
        self.occurrences(flag).map(|o| o.value.as_str()).collect()
    }

    /// The single value of a single-valued flag.
    pub fn value(&self, flag: SaFlag) -> Option<&str> {
        self.occurrences(flag).next().map(|o| o.value.as_str())
    }

    pub fn key_files(&self) -> Vec<&str> {
        self.values(SaFlag::ServiceAccountKeyFile)
    }

    pub fn issuers(&self) -> Vec<&str> {
        self.values(SaFlag::ServiceAccountIssuer)
    }

    pub fn signing_key_file(&self) -> Option<&str> {
        self.value(SaFlag::ServiceAccountSigningKeyFile)
    }

    pub fn private_key_file(&self) -> Option<&str> {
        self.value(SaFlag::ServiceAccountPrivateKeyFile)
    }

    pub fn signing_endpoint(&self) -> Option<&str> {
        self.value(SaFlag::ServiceAccountSigningEndpoint)
    }

    /// `(flag, value)` of every service-account flag, in order: what edits are verified against.
    pub fn flag_values(&self) -> Vec<(SaFlag, String)> {
        self.flags
            .iter()
            .map(|o| (o.flag, o.value.clone()))
            .collect()
    }

    /// Maps a path inside the container to the host path the kubelet mounts there: the
    /// volumeMount with the longest `mountPath` that is a prefix (by path component) wins, and
    /// its volume must be a `hostPath`. `None` when no mount covers the path, the volume is not a
    /// hostPath, or the path is not absolute.
    pub fn host_path_for(&self, container_path: &str) -> Option<PathBuf> {
        let path = Path::new(container_path);
        if !path.is_absolute() {
            return None;
        }
        let best = self
            .volume_mounts
            .iter()
            .filter(|m| path.starts_with(&m.mount_path))
            .max_by_key(|m| Path::new(&m.mount_path).components().count())?;
        let volume = self.volumes.iter().find(|v| v.name == best.name)?;
        let mut host = PathBuf::from(volume.host_path.as_deref()?);
        if let Some(sub) = &best.sub_path {
            host.push(sub);
        }
        let rest = path.strip_prefix(&best.mount_path).ok()?;
        // A `..` in the remainder could walk out of the mount; the kubelet does not resolve it
        // for us, so neither do we.
        if rest
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return None;
        }
        if !rest.as_os_str().is_empty() {
            host.push(rest);
        }
        Some(host)
    }
}

/// Compares two paths as kube-apiserver would open them: component-wise, so `//` and `/./`
/// don't make a different file.
pub fn same_path(a: &str, b: &str) -> bool {
    Path::new(a).components().eq(Path::new(b).components())
}

// ---------------------------------------------------------------------------------------------
// Loading

/// A loaded document plus what is needed to map its nodes back to the source.
pub(crate) struct Doc<'t> {
    pub(crate) text: &'t str,
    pub(crate) root: MarkedYaml<'t>,
    pub(crate) index: CharIndex,
}

pub(crate) struct Pod<'d, 't> {
    pub(crate) containers: &'d [MarkedYaml<'t>],
    pub(crate) spec: &'d MarkedYaml<'t>,
    pub(crate) root: &'d MarkedYaml<'t>,
}

impl<'t> Doc<'t> {
    pub(crate) fn load(text: &'t str) -> Result<Doc<'t>, ParseError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(ParseError::TooLarge {
                size: text.len(),
                max: MAX_MANIFEST_BYTES,
            });
        }
        check_characters(text)?;
        // `Parser::new_from_str` is saphyr's zero-copy `&str` input; `load_from_str` would wrap
        // the text in a char iterator behind a ring buffer, for the same events and spans.
        let mut parser = saphyr_parser::Parser::new_from_str(text);
        let yaml_error = |e: saphyr::ScanError| ParseError::Yaml {
            line: e.marker().line(),
            column: e.marker().col() + 1,
            message: e.info().to_string(),
        };
        // The events go to saphyr's loader one by one, through a depth count, rather than
        // through `Parser::load`: that walk recurses once per nesting level (as does the tree's
        // drop), which overflowed the stack on 40 KB of nested block sequences; the scanner
        // itself bounds only flow nesting. A too-deep collection stops the load before any of
        // it is built.
        let mut loader = YamlLoader::<MarkedYaml>::default();
        let mut depth = 0usize;
        for event in &mut parser {
            let (ev, span) = event.map_err(yaml_error)?;
            match ev {
                Event::SequenceStart(..) | Event::MappingStart(..) => {
                    depth += 1;
                    if depth > MAX_NESTING {
                        return Err(ParseError::TooDeep {
                            line: span.start.line(),
                            max: MAX_NESTING,
                        });
                    }
                }
                Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
                _ => {}
            }
            loader.on_event(ev, span);
        }
        if let Some(e) = loader.error() {
            return Err(yaml_error(e.clone()));
        }
        let docs = loader.into_documents();
        let mut docs = docs.into_iter();
        let root = docs.next().ok_or(ParseError::Empty)?;
        if let Some(second) = docs.next() {
            return Err(ParseError::MultipleDocuments {
                count: 2 + docs.count(),
                line: second.span.start.line(),
            });
        }
        if root.data.is_null() {
            return Err(ParseError::Empty);
        }
        Ok(Doc {
            text,
            root,
            index: CharIndex::new(text),
        })
    }

    pub(crate) fn line(&self, node: &MarkedYaml<'_>) -> usize {
        node.span.start.line()
    }

    fn pod(&self) -> Result<Pod<'_, 't>, ParseError> {
        let root = &self.root;
        let YamlData::Mapping(_) = &root.data else {
            return Err(ParseError::NotAPod {
                found: "the document is not a mapping".into(),
                line: self.line(root),
            });
        };
        match get(root, "kind").map(|k| (k, as_str(k))) {
            Some((_, Some("Pod"))) => {}
            Some((k, Some(other))) => {
                return Err(ParseError::NotAPod {
                    found: format!("kind is `{other}`"),
                    line: self.line(k),
                });
            }
            Some((k, None)) => {
                return Err(ParseError::NotAPod {
                    found: "kind is not a string".into(),
                    line: self.line(k),
                });
            }
            None => {
                return Err(ParseError::NotAPod {
                    found: "no `kind` field".into(),
                    line: self.line(root),
                });
            }
        }
        let spec = get(root, "spec").ok_or(ParseError::NoContainers {
            line: self.line(root),
        })?;
        let containers = get(spec, "containers")
            .and_then(|c| match &c.data {
                YamlData::Sequence(s) if !s.is_empty() => Some(s.as_slice()),
                _ => None,
            })
            .ok_or(ParseError::NoContainers {
                line: self.line(spec),
            })?;
        Ok(Pod {
            containers,
            spec,
            root,
        })
    }

    fn item(&self, node: &MarkedYaml<'_>, field: &str) -> Result<Item, ParseError> {
        let line = self.line(node);
        let value = as_str(node).ok_or_else(|| ParseError::BadField {
            field: field.to_string(),
            line,
            expected: "a list of strings (quote numbers and booleans)",
        })?;
        let span = self
            .index
            .range(node.span.start.index(), node.span.end.index())
            .ok_or(ParseError::Span {
                line,
                detail: "position past the end of the text",
            })?;
        let quoting = match self.text[span.clone()].chars().next() {
            // An alias carries the span of `*name` while its value lives elsewhere: an edit at
            // this span would change something else.
            Some('*') => {
                return Err(ParseError::Unsupported {
                    what: "a YAML alias",
                    line,
                });
            }
            Some('\'') => Quoting::Single,
            Some('"') => Quoting::Double,
            Some('|' | '>' | '!') => Quoting::Other,
            _ => Quoting::Plain,
        };
        // saphyr ends a quoted scalar's span after a comment that follows it on the same line;
        // find the closing quote ourselves.
        let span = match quoting {
            Quoting::Single | Quoting::Double => {
                let end = quoted_end(self.text, span.start).filter(|e| *e <= span.end);
                span.start..end.ok_or(ParseError::Span {
                    line,
                    detail: "no closing quote",
                })?
            }
            _ => span,
        };
        let raw = &self.text[span.clone()];
        // Cross-check the span arithmetic wherever the value is spelled out verbatim.
        let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
        let consistent = match quoting {
            Quoting::Plain if !raw.contains('\n') => raw == value,
            Quoting::Single if !raw.contains('\n') => inner.replace("''", "'") == value,
            Quoting::Double if !raw.contains('\n') && !raw.contains('\\') => inner == value,
            _ => true,
        };
        if !consistent {
            return Err(ParseError::Span {
                line,
                detail: "the scalar's source text does not match its value",
            });
        }
        Ok(Item {
            value: value.to_string(),
            span,
            line,
            quoting,
        })
    }

    fn list(
        &self,
        container: &MarkedYaml<'_>,
        kind: ListKind,
    ) -> Result<Option<ArgList>, ParseError> {
        let Some(node) = get(container, kind.key()) else {
            return Ok(None);
        };
        let line = self.line(node);
        let items = match &node.data {
            YamlData::Sequence(items) => items,
            YamlData::Value(Scalar::Null) => return Ok(None),
            _ => {
                return Err(ParseError::BadField {
                    field: kind.key().into(),
                    line,
                    expected: "a list of strings",
                });
            }
        };
        let start = self
            .index
            .byte(node.span.start.index())
            .ok_or(ParseError::Span {
                line,
                detail: "position past the end of the text",
            })?;
        let flow = match self.text[start..].chars().next() {
            Some('[') => true,
            Some('*') => {
                return Err(ParseError::Unsupported {
                    what: "a YAML alias",
                    line,
                });
            }
            _ => false,
        };
        let items = items
            .iter()
            .map(|n| self.item(n, kind.key()))
            .collect::<Result<Vec<_>, _>>()?;
        // Items must appear in source order and after the list's start; anything else means the
        // nodes came from an anchor elsewhere.
        let mut prev = start;
        for it in &items {
            if it.span.start < prev {
                return Err(ParseError::Unsupported {
                    what: "a YAML anchor or alias",
                    line: it.line,
                });
            }
            prev = it.span.end;
        }
        Ok(Some(ArgList {
            kind,
            flow,
            line,
            items,
        }))
    }
}

/// The deepest nesting of collections (block or flow, counted together) a manifest may have. A
/// kubeadm Pod manifest nests about 8 deep; saphyr's scanner caps flow nesting alone at 255.
pub const MAX_NESTING: usize = 100;

/// Refuses characters a YAML 1.1 reader (the kubelet's) treats as a line break while YAML 1.2
/// (saphyr, and so sakr's re-parse check) keeps them inside a scalar — NEL U+0085, LINE
/// SEPARATOR U+2028, PARAGRAPH SEPARATOR U+2029 — and every other control or layout character
/// of [`crate::text::is_unsafe_char`] (tab, LF and CR excepted, and a byte-order mark at the
/// very start). Through such a character one `--flag=value` item can read as two lines, and so
/// add any flag the kubelet passes on.
fn check_characters(text: &str) -> Result<(), ParseError> {
    let (mut line, mut column) = (1, 1);
    for (i, c) in text.char_indices() {
        let allowed = matches!(c, '\t' | '\n' | '\r') || (c == '\u{FEFF}' && i == 0);
        if !allowed && crate::text::is_unsafe_char(c) {
            let (what, why) = match c {
                '\u{85}' | '\u{2028}' | '\u{2029}' => (
                    match c {
                        '\u{85}' => "NEXT LINE",
                        '\u{2028}' => "LINE SEPARATOR",
                        _ => "PARAGRAPH SEPARATOR",
                    },
                    "the kubelet's YAML 1.1 reader breaks the line there, so the file does not say what sakr reads",
                ),
                c if c.is_control() => (
                    "a control character",
                    "YAML forbids it, and it would reach the terminal as is",
                ),
                _ => (
                    "a bidirectional or invisible formatting character",
                    "it makes the text show differently from what the kubelet reads",
                ),
            };
            return Err(ParseError::UnsafeCharacter {
                line,
                column,
                code: c as u32,
                what,
                why,
            });
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    Ok(())
}

/// Why a hostPath `path` is refused: it must be absolute and clean (no `.`, `..` or empty
/// component; one trailing `/` is allowed), so that the host file sakr resolves is the one the
/// kubelet mounts and never outside the host root.
pub(crate) fn host_path_problem(path: &str) -> Option<&'static str> {
    if path.chars().any(crate::text::is_unsafe_char) {
        return Some("contains a control or line-break character");
    }
    let Some(rest) = path.strip_prefix('/') else {
        return Some("is not an absolute path");
    };
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.is_empty() {
        return None;
    }
    rest.split('/').find_map(|c| match c {
        "" => Some("has an empty path component (`//`)"),
        "." => Some("has a `.` component"),
        ".." => Some("has a `..` component (Kubernetes rejects it too)"),
        _ => None,
    })
}

/// Why a volumeMount `subPath` is refused, as Kubernetes validates it: relative, and no `..`.
pub(crate) fn sub_path_problem(path: &str) -> Option<&'static str> {
    if path.chars().any(crate::text::is_unsafe_char) {
        Some("contains a control or line-break character")
    } else if path.starts_with('/') {
        Some("must be a relative path (Kubernetes rejects an absolute one)")
    } else if path.split('/').any(|c| c == "..") {
        Some("has a `..` component (Kubernetes rejects it too)")
    } else {
        None
    }
}

/// Byte offset just past the closing quote of the quoted scalar starting at `start`.
pub(crate) fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            // `''` is an escaped quote inside a single-quoted scalar.
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\\' if quote == b'"' => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn get<'a, 't>(node: &'a MarkedYaml<'t>, key: &str) -> Option<&'a MarkedYaml<'t>> {
    match &node.data {
        YamlData::Mapping(_) => node.data.as_mapping_get(key),
        _ => None,
    }
}

fn as_str<'a>(node: &'a MarkedYaml<'_>) -> Option<&'a str> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.as_ref()),
        _ => None,
    }
}

fn container_role_matches(c: &MarkedYaml<'_>, role: Role) -> Result<bool, ParseError> {
    if !matches!(c.data, YamlData::Mapping(_)) {
        return Err(ParseError::BadField {
            field: "spec.containers[]".into(),
            line: c.span.start.line(),
            expected: "a mapping",
        });
    }
    if get(c, "name").and_then(as_str) == Some(role.binary()) {
        return Ok(true);
    }
    let first = get(c, "command").and_then(|cmd| match &cmd.data {
        YamlData::Sequence(s) => s.first().and_then(as_str),
        _ => None,
    });
    Ok(first
        .is_some_and(|f| Path::new(f).file_name().and_then(|n| n.to_str()) == Some(role.binary())))
}

fn build(
    doc: &Doc<'_>,
    pod: &Pod<'_, '_>,
    index: usize,
    role: Role,
) -> Result<Manifest, ParseError> {
    let container = pod
        .containers
        .get(index)
        .ok_or(ParseError::NoContainer { role })?;
    let command = doc.list(container, ListKind::Command)?;
    let args = doc.list(container, ListKind::Args)?;
    let mut flags = Vec::new();
    // The first element of `command` is the binary, never a flag.
    if let Some(c) = &command {
        parse_flags(c, 1, &mut flags)?;
    }
    if let Some(a) = &args {
        parse_flags(a, 0, &mut flags)?;
    }
    check_duplicates(&flags)?;
    Ok(Manifest {
        role,
        pod_name: get(pod.root, "metadata")
            .and_then(|m| get(m, "name"))
            .and_then(as_str)
            .map(str::to_string),
        container_name: get(container, "name").and_then(as_str).map(str::to_string),
        container_index: index,
        command,
        args,
        flags,
        volume_mounts: volume_mounts(doc, container)?,
        volumes: volumes(doc, pod.spec)?,
    })
}

fn parse_flags(
    list: &ArgList,
    skip: usize,
    out: &mut Vec<FlagOccurrence>,
) -> Result<(), ParseError> {
    let mut i = skip;
    while let Some(item) = list.items.get(i) {
        let Some(body) = item.value.strip_prefix("--") else {
            i += 1;
            continue;
        };
        let (name, inline) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        let Some(flag) = SaFlag::from_name(name) else {
            i += 1;
            continue;
        };
        let (value, form, value_item) = match inline {
            Some("") => {
                return Err(ParseError::FlagWithoutValue {
                    flag: flag.name(),
                    line: item.line,
                });
            }
            Some(v) => (v.to_string(), FlagForm::Equals, item),
            None if flag.is_bool() => ("true".to_string(), FlagForm::Bare, item),
            None => match list.items.get(i + 1) {
                // pflag would take a following `--other-flag` as the value; that is never what
                // the author meant, so it counts as a missing value.
                Some(next) if !next.value.is_empty() && !next.value.starts_with("--") => {
                    (next.value.clone(), FlagForm::Separate, next)
                }
                _ => {
                    return Err(ParseError::FlagWithoutValue {
                        flag: flag.name(),
                        line: item.line,
                    });
                }
            },
        };
        out.push(FlagOccurrence {
            flag,
            value,
            form,
            list: list.kind,
            item: i,
            span: item.span.start..value_item.span.end,
            value_span: value_item.span.clone(),
            line: item.line,
        });
        i += if form == FlagForm::Separate { 2 } else { 1 };
    }
    Ok(())
}

fn check_duplicates(flags: &[FlagOccurrence]) -> Result<(), ParseError> {
    for (n, o) in flags.iter().enumerate() {
        if o.flag.repeatable() {
            continue;
        }
        if let Some(first) = flags[..n].iter().find(|p| p.flag == o.flag) {
            return Err(ParseError::DuplicateFlag {
                flag: o.flag.name(),
                line: o.line,
                first_line: first.line,
            });
        }
    }
    Ok(())
}

fn string_field(
    doc: &Doc<'_>,
    node: &MarkedYaml<'_>,
    key: &str,
    what: &str,
) -> Result<String, ParseError> {
    get(node, key)
        .and_then(as_str)
        .map(str::to_string)
        .ok_or_else(|| ParseError::BadField {
            field: format!("{what}.{key}"),
            line: doc.line(node),
            expected: "a string",
        })
}

fn volume_mounts(
    doc: &Doc<'_>,
    container: &MarkedYaml<'_>,
) -> Result<Vec<VolumeMount>, ParseError> {
    let Some(node) = get(container, "volumeMounts") else {
        return Ok(Vec::new());
    };
    let YamlData::Sequence(items) = &node.data else {
        return Err(ParseError::BadField {
            field: "volumeMounts".into(),
            line: doc.line(node),
            expected: "a list",
        });
    };
    items
        .iter()
        .map(|m| {
            let name = string_field(doc, m, "name", "volumeMounts[]")?;
            let sub_path = get(m, "subPath")
                .and_then(as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            if let Some(reason) = sub_path.as_deref().and_then(sub_path_problem) {
                return Err(ParseError::BadVolumePath {
                    line: doc.line(m),
                    volume: crate::text::printable(&name).into_owned(),
                    field: "volumeMounts[].subPath",
                    value: crate::text::printable(sub_path.as_deref().unwrap_or("")).into_owned(),
                    reason,
                });
            }
            Ok(VolumeMount {
                name,
                mount_path: string_field(doc, m, "mountPath", "volumeMounts[]")?,
                read_only: matches!(
                    get(m, "readOnly").map(|r| &r.data),
                    Some(YamlData::Value(Scalar::Boolean(true)))
                ),
                sub_path,
                line: doc.line(m),
            })
        })
        .collect()
}

fn volumes(doc: &Doc<'_>, spec: &MarkedYaml<'_>) -> Result<Vec<Volume>, ParseError> {
    let Some(node) = get(spec, "volumes") else {
        return Ok(Vec::new());
    };
    let YamlData::Sequence(items) = &node.data else {
        return Err(ParseError::BadField {
            field: "spec.volumes".into(),
            line: doc.line(node),
            expected: "a list",
        });
    };
    items
        .iter()
        .map(|v| {
            let name = string_field(doc, v, "name", "volumes[]")?;
            let host_path = get(v, "hostPath")
                .and_then(|h| get(h, "path"))
                .and_then(as_str)
                .map(str::to_string);
            if let Some(reason) = host_path.as_deref().and_then(host_path_problem) {
                return Err(ParseError::BadVolumePath {
                    line: doc.line(v),
                    volume: crate::text::printable(&name).into_owned(),
                    field: "hostPath.path",
                    value: crate::text::printable(host_path.as_deref().unwrap_or("")).into_owned(),
                    reason,
                });
            }
            Ok(Volume {
                name,
                host_path,
                line: doc.line(v),
            })
        })
        .collect()
}
