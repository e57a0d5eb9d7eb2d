//! The base name of a key pair (`NAME.key`, `NAME.pub`), shared by `sakr keygen --name` and
//! `sakr rotate start --name` so both refuse the same names (issue 13, finding 9).
//!
//! The name ends up in a path on a control-plane node and, through the manifests, in a
//! kube-apiserver flag that the kubelet reads as YAML 1.1. So it is a plain file name of a
//! deliberately small alphabet: no directory part (`../manifests/evil` would put a private key
//! where the kubelet starts pods), no leading dot (a key the operator would not see), and no
//! character that a YAML reader, a shell or a terminal treats specially.

/// Longest accepted name: far below any file system's limit once `.key` is added.
pub const MAX_NAME_LEN: usize = 200;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "--name {shown}: must be a plain file name (letters, digits, '.', '_', '-'; at most {MAX_NAME_LEN}) that does not start with a dot"
)]
pub struct NameError {
    /// The name as given, quoted and escaped for a terminal.
    shown: String,
}

/// Check a key pair's base name.
pub fn validate(name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(())
    } else {
        Err(NameError {
            shown: format!("\"{}\"", crate::text::printable(name)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass() {
        for n in ["sa", "sa-20261129", "sa_2026.q4", "A1"] {
            validate(n).unwrap();
        }
    }

    #[test]
    fn paths_dots_and_odd_characters_are_refused() {
        let long = "a".repeat(MAX_NAME_LEN + 1);
        for n in [
            "",
            ".hidden",
            "../manifests/evil",
            "a/b",
            "a b",
            "x\u{2028}y",
            "x\ny",
            "é",
            "a:b",
            "a#b",
            long.as_str(),
        ] {
            assert!(validate(n).is_err(), "{n:?}");
        }
        let e = validate("../manifests/evil").unwrap_err().to_string();
        assert!(
            e.contains("\"../manifests/evil\"") && e.contains("plain file name"),
            "{e}"
        );
    }
}
