//! Format-preserving edits of one `metadata.annotations` entry of a static-pod manifest (issue
//! 17, the kubeadm layout's restart annotation).
//!
//! The kubelet derives a static pod's identity from a hash of the whole pod object, annotations
//! included, so changing an annotation restarts exactly that pod, while its flags stay as kubeadm
//! wrote them. The edit is one splice like every edit of [`super::edit`]: a value replaced in
//! place, one `key: value` line added after the last annotation, or an `annotations:` block added
//! as the first key of `metadata` (where kubeadm, which sorts keys, puts it), copying the
//! neighbours' indentation and line endings. No other byte moves.
//!
//! The result is parsed again before it is returned: the annotation must read back as written,
//! the service-account flags must be unchanged, and the document with the annotation taken out
//! again must equal the old one.

use saphyr::{MarkedYaml, Scalar, YamlData};

use super::Role;
use super::edit::{EditError, EditOutcome};
use super::model::{Doc, Manifest};
use super::source::{first_line_ending, line_end_inclusive, line_ending_at, line_start};

/// The value of annotation `key` in `text`, if it has one (a non-string value reads as `None`).
pub fn annotation(text: &str, key: &str) -> Result<Option<String>, EditError> {
    let doc = Doc::load(text)?;
    Ok(read(&doc.root, key))
}

fn read(root: &MarkedYaml<'_>, key: &str) -> Option<String> {
    let v = root
        .data
        .as_mapping_get("metadata")?
        .data
        .as_mapping_get("annotations")?
        .data
        .as_mapping_get(key)?;
    match &v.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        _ => None,
    }
}

/// Sets annotation `key` to `value` on the Pod of `text` (which must run `role`'s container).
/// `key` and `value` are sakr's own: a plain YAML scalar each.
pub fn set_annotation(
    text: &str,
    role: Role,
    key: &str,
    value: &str,
) -> Result<EditOutcome, EditError> {
    let doc = Doc::load(text)?;
    let m = Manifest::from_doc(&doc, role)?;
    let had = read(&doc.root, key);
    if had.as_deref() == Some(value) {
        return Ok(EditOutcome::Already);
    }
    let unsupported =
        |line: usize, reason: &'static str| EditError::UnsupportedLayout { line, reason };
    let root_line = doc.line(&doc.root);
    let (meta_key, meta) = entry(&doc.root, "metadata")
        .ok_or(unsupported(root_line, "the Pod has no metadata mapping"))?;
    let YamlData::Mapping(meta_map) = &meta.data else {
        return Err(unsupported(doc.line(meta_key), "metadata is not a mapping"));
    };
    let annotations = entry(meta, "annotations");
    let new_text = match annotations {
        Some((_, ann)) if matches!(&ann.data, YamlData::Mapping(a) if !a.is_empty()) => {
            let YamlData::Mapping(a) = &ann.data else {
                unreachable!()
            };
            match a.iter().find(|(k, _)| key_is(k, key)) {
                // Replace only the value.
                Some((_, v)) => {
                    let mut r = span_bytes(&doc, v).ok_or(unsupported(doc.line(v), "no span"))?;
                    if !matches!(&v.data, YamlData::Value(_)) || r.is_empty() {
                        return Err(unsupported(
                            doc.line(v),
                            "the annotation's value is not a one-line scalar",
                        ));
                    }
                    // A quoted scalar's span runs to the end of its line: the value ends at its
                    // closing quote (a comment after it stays).
                    if matches!(text.as_bytes()[r.start], b'"' | b'\'') {
                        r.end = super::model::quoted_end(text, r.start)
                            .filter(|e| *e <= r.end)
                            .ok_or(unsupported(doc.line(v), "an unterminated quoted value"))?;
                    }
                    if text[r.clone()].contains('\n') {
                        return Err(unsupported(
                            doc.line(v),
                            "the annotation's value is not a one-line scalar",
                        ));
                    }
                    splice(text, r, value)
                }
                // One line after the last annotation, indented like the first.
                None => {
                    let (first_k, _) = a.iter().next().expect("non-empty");
                    let (_, last_v) = a.iter().next_back().expect("non-empty");
                    let indent = block_indent(&doc, first_k).ok_or(unsupported(
                        doc.line(first_k),
                        "annotations are not a block mapping",
                    ))?;
                    let end = span_bytes(&doc, last_v)
                        .ok_or(unsupported(doc.line(last_v), "no span"))?
                        .end;
                    if !matches!(&last_v.data, YamlData::Value(_))
                        || text[..end].ends_with('\n')
                        || !text[end..line_end_inclusive(text, end)].trim().is_empty()
                    {
                        return Err(unsupported(
                            doc.line(last_v),
                            "the last annotation's value is not a one-line scalar (or something follows it on its line)",
                        ));
                    }
                    let (at, insert) = line_after(text, end, &format!("{indent}{key}: {value}"));
                    splice(text, at..at, &insert)
                }
            }
        }
        Some((k, _)) => {
            return Err(unsupported(
                doc.line(k),
                "metadata.annotations is empty or not a block mapping; write it as `annotations:` with one `key: value` per line",
            ));
        }
        // `annotations:` as the first key of metadata.
        None => {
            let (first_k, _) = meta_map
                .iter()
                .next()
                .ok_or(unsupported(doc.line(meta_key), "metadata is empty"))?;
            let indent = block_indent(&doc, first_k).ok_or(unsupported(
                doc.line(first_k),
                "metadata is not a block mapping",
            ))?;
            let outer = block_indent(&doc, meta_key).unwrap_or_default();
            let step = indent.len().saturating_sub(outer.len()).max(2);
            let at = line_start(text, span_bytes(&doc, first_k).map_or(0, |r| r.start));
            let eol = line_ending_at(text, at).unwrap_or_else(|| first_line_ending(text));
            let insert = format!(
                "{indent}annotations:{eol}{indent}{}{key}: {value}{eol}",
                " ".repeat(step)
            );
            splice(text, at..at, &insert)
        }
    };
    verify(&doc, &m, &new_text, key, value, annotations.is_some())?;
    Ok(EditOutcome::Changed(new_text))
}

fn key_is(k: &MarkedYaml<'_>, key: &str) -> bool {
    matches!(&k.data, YamlData::Value(Scalar::String(s)) if s == key)
}

/// The key and value nodes of `key` in mapping `node`.
fn entry<'a, 't>(
    node: &'a MarkedYaml<'t>,
    key: &str,
) -> Option<(&'a MarkedYaml<'t>, &'a MarkedYaml<'t>)> {
    match &node.data {
        YamlData::Mapping(m) => m.iter().find(|(k, _)| key_is(k, key)),
        _ => None,
    }
}

fn span_bytes(doc: &Doc<'_>, n: &MarkedYaml<'_>) -> Option<std::ops::Range<usize>> {
    doc.index.range(n.span.start.index(), n.span.end.index())
}

/// The white space before a block mapping key that begins its own line.
fn block_indent(doc: &Doc<'_>, key: &MarkedYaml<'_>) -> Option<String> {
    let start = span_bytes(doc, key)?.start;
    let before = &doc.text[line_start(doc.text, start)..start];
    (before.chars().all(|c| c == ' ')).then(|| before.to_string())
}

/// Where and what to insert to put `line` on a line of its own after the line holding `end`.
fn line_after(text: &str, end: usize, line: &str) -> (usize, String) {
    match line_ending_at(text, end) {
        Some(eol) => (line_end_inclusive(text, end), format!("{line}{eol}")),
        None => (text.len(), format!("{}{line}", first_line_ending(text))),
    }
}

fn splice(text: &str, range: std::ops::Range<usize>, insert: &str) -> String {
    let mut s = String::with_capacity(text.len() + insert.len());
    s.push_str(&text[..range.start]);
    s.push_str(insert);
    s.push_str(&text[range.end..]);
    s
}

fn verify(
    old: &Doc<'_>,
    m: &Manifest,
    new_text: &str,
    key: &str,
    value: &str,
    had_annotations: bool,
) -> Result<(), EditError> {
    let failed = |detail: &str| EditError::Verification {
        detail: detail.to_string(),
    };
    let new_doc = Doc::load(new_text).map_err(EditError::Reparse)?;
    let new_m = Manifest::from_doc(&new_doc, m.role).map_err(EditError::Reparse)?;
    if new_m.flag_values() != m.flag_values() || new_m.container_index != m.container_index {
        return Err(failed("the annotation edit changed the container's flags"));
    }
    if read(&new_doc.root, key).as_deref() != Some(value) {
        return Err(failed("the annotation does not read back as written"));
    }
    // Take the annotation out again: what remains must be the old document.
    let mut back = new_doc.root.clone();
    let key_node = |k: &str| MarkedYaml {
        span: Default::default(),
        data: YamlData::Value(Scalar::String(k.to_string().into())),
    };
    let meta = back
        .data
        .as_mapping_get_mut("metadata")
        .ok_or(failed("metadata is gone"))?;
    let YamlData::Mapping(meta_map) = &mut meta.data else {
        return Err(failed("metadata is no longer a mapping"));
    };
    if had_annotations {
        let ann = meta_map
            .get_mut(&key_node("annotations"))
            .ok_or(failed("annotations are gone"))?;
        let YamlData::Mapping(a) = &mut ann.data else {
            return Err(failed("annotations are no longer a mapping"));
        };
        let had_key = read(&old.root, key).is_some();
        if had_key {
            // The old value goes back in its place.
            let old_v = old
                .root
                .data
                .as_mapping_get("metadata")
                .and_then(|m| m.data.as_mapping_get("annotations"))
                .and_then(|a| a.data.as_mapping_get(key))
                .cloned()
                .ok_or(failed("internal: the old annotation is gone"))?;
            *a.get_mut(&key_node(key))
                .ok_or(failed("the annotation is gone"))? = old_v;
        } else {
            a.remove(&key_node(key));
        }
    } else {
        meta_map.remove(&key_node("annotations"));
    }
    if back != old.root {
        return Err(failed(
            "the YAML document changed beyond the intended annotation",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "sakr.io/service-account-keys";

    fn apiserver(metadata: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n{metadata}spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n    name: kube-apiserver\n"
        )
    }

    fn set(text: &str, v: &str) -> String {
        match set_annotation(text, Role::ApiServer, KEY, v).unwrap() {
            EditOutcome::Changed(t) => t,
            EditOutcome::Already => panic!("expected a change"),
        }
    }

    #[test]
    fn adds_an_annotations_block_as_the_first_metadata_key() {
        let old = apiserver("  creationTimestamp: null\n  name: kube-apiserver\n");
        let new = set(&old, "sha256:ab");
        assert_eq!(
            new,
            apiserver(
                "  annotations:\n    sakr.io/service-account-keys: sha256:ab\n  creationTimestamp: null\n  name: kube-apiserver\n"
            )
        );
        assert_eq!(annotation(&new, KEY).unwrap().as_deref(), Some("sha256:ab"));
        // Idempotent.
        assert_eq!(
            set_annotation(&new, Role::ApiServer, KEY, "sha256:ab").unwrap(),
            EditOutcome::Already
        );
    }

    #[test]
    fn appends_after_kubeadms_annotation_and_replaces_in_place() {
        let old = apiserver(
            "  annotations:\n    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.1:6443\n  name: kube-apiserver\n",
        );
        let new = set(&old, "sha256:ab");
        assert_eq!(
            new,
            apiserver(
                "  annotations:\n    kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint: 10.0.0.1:6443\n    sakr.io/service-account-keys: sha256:ab\n  name: kube-apiserver\n"
            )
        );
        let newer = set(&new, "sha256:cd");
        assert_eq!(newer, new.replace("sha256:ab", "sha256:cd"));
    }

    #[test]
    fn a_quoted_value_is_replaced_up_to_its_quote_and_a_comment_stays() {
        let old = apiserver(
            "  annotations:\n    sakr.io/service-account-keys: \"sha256:00\" # keep\n  name: x\n",
        );
        let new = set(&old, "sha256:ab");
        assert!(
            new.contains("    sakr.io/service-account-keys: sha256:ab # keep\n"),
            "{new}"
        );
    }

    #[test]
    fn keeps_crlf_and_four_space_indentation() {
        let old = apiserver("    name: kube-apiserver\n").replace('\n', "\r\n");
        let new = set(&old, "sha256:ab");
        assert!(
            new.contains("metadata:\r\n    annotations:\r\n        sakr.io/service-account-keys: sha256:ab\r\n    name:"),
            "{new:?}"
        );
    }

    #[test]
    fn refuses_flow_metadata_and_empty_annotations() {
        let empty = apiserver("  annotations: {}\n  name: x\n");
        let e = set_annotation(&empty, Role::ApiServer, KEY, "v").unwrap_err();
        assert!(matches!(e, EditError::UnsupportedLayout { .. }), "{e}");
        let flow = "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec:\n  containers:\n  - command: [kube-apiserver]\n    name: kube-apiserver\n";
        let e = set_annotation(flow, Role::ApiServer, KEY, "v").unwrap_err();
        assert!(matches!(e, EditError::UnsupportedLayout { .. }), "{e}");
    }
}
