//! A holder for secret bytes (private keys, tokens, storage credentials) whose `Debug` and
//! `Display` print `REDACTED`, so a stray `{:?}` in a log line or an error can never leak one.
//! The bytes are zeroed on drop.

use zeroize::Zeroizing;

#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Secret(Zeroizing::new(bytes.into()))
    }

    /// The secret itself: call only where it is written to its destination.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(REDACTED)")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("REDACTED")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_its_bytes() {
        let s = Secret::new(b"-----BEGIN RSA PRIVATE KEY-----MIIE".to_vec());
        assert_eq!(format!("{s}"), "REDACTED");
        assert_eq!(format!("{s:?}"), "Secret(REDACTED)");
        assert_eq!(
            format!("{:#?}", Some(&s)),
            "Some(\n    Secret(REDACTED),\n)"
        );
    }
}
