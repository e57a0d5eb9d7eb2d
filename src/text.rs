//! Text from untrusted input (tokens, JWKS, PEM files, manifests, object names, URLs) made safe
//! to print on an operator's terminal or in a log line (issue 13, "classes to sweep").
//!
//! A terminal interprets control characters: an ESC sequence in a kid, an issuer or a file name
//! can move the cursor, rewrite earlier lines or set the window title, and a line break or a
//! Unicode line/paragraph separator can forge a whole line of sakr's output. Bidirectional
//! overrides reorder what is shown. Every such character is printed as a visible `\u{…}` escape
//! instead; everything else (ordinary Unicode included) is printed as is.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as is.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{2028}' | '\u{2029}' // line / paragraph separator
                | '\u{200E}' | '\u{200F}' // LRM, RLM
                | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
                | '\u{2066}'..='\u{2069}' // bidi isolates
                | '\u{FEFF}' // BOM / zero-width no-break space
        )
}

/// `s` with every [`is_unsafe_char`] written as `\u{XXXX}` (and a backslash doubled only when
/// something was escaped, so ordinary text is borrowed unchanged).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{{{:04X}}}", c as u32));
        } else if c == '\\' {
            out.push_str("\\\\");
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A time for people: UTC to the second, `2026-11-30 11:39:44Z` (JSON output keeps RFC 3339
/// with its full precision; this is for text).
pub fn time(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

/// [`time`] and how far away it is from `now`: `2026-11-30 11:39:44Z (in 23h 59m)`, or
/// `(… ago)` for a time past.
pub fn time_from(t: jiff::Timestamp, now: jiff::Timestamp) -> String {
    let secs = (t - now).get_seconds();
    let d = crate::token::checks::human_duration(secs.abs());
    if secs >= 0 {
        format!("{} (in {d})", time(t))
    } else {
        format!("{} ({d} ago)", time(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_to_the_second_with_the_distance() {
        let t: jiff::Timestamp = "2026-11-30T11:39:44.987654321Z".parse().unwrap();
        assert_eq!(time(t), "2026-11-30 11:39:44Z");
        let now: jiff::Timestamp = "2026-11-29T11:39:44Z".parse().unwrap();
        let later = time_from(t, now);
        assert!(later.starts_with("2026-11-30 11:39:44Z (in "), "{later}");
        assert!(time_from(now, t).ends_with(" ago)"));
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in ["kid-AbC_09", "héllo → 世界", "C:\\path", ""] {
            assert!(matches!(printable(s), Cow::Borrowed(b) if b == s));
        }
    }

    #[test]
    fn control_and_layout_characters_are_escaped() {
        assert_eq!(printable("a\x1b[2Jb"), "a\\u{001B}[2Jb");
        assert_eq!(printable("x\ny"), "x\\u{000A}y");
        assert_eq!(printable("p\u{2028}q"), "p\\u{2028}q");
        assert_eq!(printable("\u{202E}evil"), "\\u{202E}evil");
        assert_eq!(printable("a\u{85}b"), "a\\u{0085}b");
        // A backslash next to an escape stays distinguishable from one.
        assert_eq!(printable("\\\x07"), "\\\\\\u{0007}");
    }
}
