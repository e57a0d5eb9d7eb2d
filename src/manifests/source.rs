//! Byte-level view of a manifest's source text.
//!
//! saphyr reports node positions as *character* indices (and quoted scalars' spans include their
//! quotes); every edit in this module splices *bytes*. This file owns that conversion and the
//! small line helpers the edits need, so no other file does index arithmetic on the text.

use std::ops::Range;

/// Maps saphyr's character indices to byte offsets in the source text.
pub(crate) struct CharIndex {
    /// `offsets[i]` is the byte offset of character `i`; one extra entry holds `text.len()`.
    offsets: Vec<usize>,
}

impl CharIndex {
    pub(crate) fn new(text: &str) -> Self {
        let mut offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        offsets.push(text.len());
        CharIndex { offsets }
    }

    /// Byte offset of character index `ci`, or `None` when saphyr reports a position past the end
    /// (never expected, but input-derived, so not unwrapped).
    pub(crate) fn byte(&self, ci: usize) -> Option<usize> {
        self.offsets.get(ci).copied()
    }

    pub(crate) fn range(&self, start: usize, end: usize) -> Option<Range<usize>> {
        let (s, e) = (self.byte(start)?, self.byte(end)?);
        (s <= e).then_some(s..e)
    }
}

/// Start of the line holding byte `pos`.
pub(crate) fn line_start(text: &str, pos: usize) -> usize {
    text[..pos].rfind('\n').map_or(0, |i| i + 1)
}

/// End of the line holding byte `pos`, *excluding* its line ending (`\n` or `\r\n`).
pub(crate) fn line_content_end(text: &str, pos: usize) -> usize {
    match text[pos..].find('\n') {
        None => text.len(),
        Some(i) => {
            let nl = pos + i;
            if nl > pos && text.as_bytes()[nl - 1] == b'\r' {
                nl - 1
            } else {
                nl
            }
        }
    }
}

/// End of the line holding byte `pos`, *including* its line ending (or the end of the text).
pub(crate) fn line_end_inclusive(text: &str, pos: usize) -> usize {
    text[pos..].find('\n').map_or(text.len(), |i| pos + i + 1)
}

/// The line ending that terminates the line holding `pos`, if any.
pub(crate) fn line_ending_at(text: &str, pos: usize) -> Option<&'static str> {
    let nl = pos + text[pos..].find('\n')?;
    if nl > 0 && text.as_bytes().get(nl - 1) == Some(&b'\r') {
        Some("\r\n")
    } else {
        Some("\n")
    }
}

/// The text's dominant line ending: CRLF if its first line ending is CRLF, else LF.
pub(crate) fn first_line_ending(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// 1-based line number of byte `pos`.
#[cfg(test)]
pub(crate) fn line_of(text: &str, pos: usize) -> usize {
    text[..pos.min(text.len())].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn char_index_maps_multibyte_text() {
        let t = "a→b\r\n😀c";
        let ix = CharIndex::new(t);
        assert_eq!(ix.byte(0), Some(0));
        assert_eq!(ix.byte(1), Some(1)); // '→' is 3 bytes
        assert_eq!(ix.byte(2), Some(4));
        assert_eq!(ix.byte(5), Some(7)); // '😀' is 4 bytes
        assert_eq!(ix.byte(6), Some(11));
        assert_eq!(ix.byte(7), Some(12)); // end
        assert_eq!(ix.byte(8), None);
    }

    #[test]
    fn line_helpers() {
        let t = "ab\r\ncd\nef";
        assert_eq!(line_start(t, 5), 4);
        assert_eq!(line_content_end(t, 0), 2);
        assert_eq!(line_content_end(t, 4), 6);
        assert_eq!(line_content_end(t, 8), 9);
        assert_eq!(line_end_inclusive(t, 0), 4);
        assert_eq!(line_end_inclusive(t, 8), 9);
        assert_eq!(line_ending_at(t, 0), Some("\r\n"));
        assert_eq!(line_ending_at(t, 4), Some("\n"));
        assert_eq!(line_ending_at(t, 8), None);
        assert_eq!(first_line_ending(t), "\r\n");
        assert_eq!(line_of(t, 5), 2);
    }
}
