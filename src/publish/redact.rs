//! Keeps credentials out of every message this module produces (DESIGN §3: credentials "never
//! appear in output or logs"). SDK error texts can embed the request URL, and an Azure request URL
//! carries the SAS signature in its query, so every SDK-derived text goes through [`scrub`].

/// What is printed in place of a secret.
pub const REDACTED: &str = "REDACTED";

/// Parameters whose value is a secret wherever they appear: SAS `sig`, a connection string's
/// `AccountKey` / `SharedAccessSignature`, a presigned S3 URL's signature and session token.
const SECRET_PARAMS: &[&str] = &[
    "sig=",
    "accountkey=",
    "sharedaccesssignature=",
    "x-amz-signature=",
    "x-amz-security-token=",
];

/// Replaces the value of every secret parameter in `text` with `REDACTED`. A value ends at `&`,
/// `;`, whitespace, a quote or a closing bracket (URL query, connection string, quoted in a
/// Debug string).
pub fn scrub(text: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    'outer: while i < text.len() {
        for param in SECRET_PARAMS {
            // Only at a parameter boundary, so `xsig=` or `mysig=` are left alone.
            let at_boundary = i == 0
                || matches!(
                    text.as_bytes()[i - 1],
                    b'?' | b'&' | b';' | b' ' | b'"' | b'\'' | b'(' | b'\n'
                );
            if at_boundary && lower[i..].starts_with(param) {
                out.push_str(&text[i..i + param.len()]);
                out.push_str(REDACTED);
                i += param.len();
                while i < text.len() {
                    let b = text.as_bytes()[i];
                    if matches!(b, b'&' | b';' | b'"' | b'\'' | b')' | b']' | b'>')
                        || b.is_ascii_whitespace()
                    {
                        break;
                    }
                    i += 1;
                }
                continue 'outer;
            }
        }
        let ch = text[i..].chars().next().expect("i is on a char boundary");
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// An error and its sources on one line, scrubbed: SDK error texts can embed the request URL,
/// and an Azure request URL carries the SAS signature in its query. Sources already contained
/// in the text so far are not repeated (many errors print their source themselves). The text can
/// quote what a server answered, so it is also made terminal-safe ([`untrusted`]).
pub fn error_text(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    untrusted(&text)
}

/// Text from a store or an SDK, fit for a message: secrets scrubbed, and control characters
/// (an escape sequence in a server's error message) escaped with [`crate::text::printable`].
pub fn untrusted(text: &str) -> String {
    crate::text::printable(&scrub(text)).into_owned()
}

/// A URL fit for messages: the whole query string is replaced, since a query on a storage URL
/// is almost always a SAS, and so is a `user:password@` before the host (`--to` and
/// `--endpoint` refuse both, but the refusal itself must not echo them). Works on text that is
/// not a valid URL too, which is exactly when it is printed in an error.
pub fn url_for_display(url: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, _)) => (base, Some(REDACTED)),
        None => (url, None),
    };
    // The authority runs from `://` to the next `/` (or `#`); its user info ends at its last `@`.
    let base = match base.split_once("://") {
        Some((scheme, rest)) => {
            let end = rest.find(['/', '#']).unwrap_or(rest.len());
            match rest[..end].rfind('@') {
                Some(at) => format!("{scheme}://{REDACTED}@{}", &rest[at + 1..]),
                None => base.to_owned(),
            }
        }
        None => base.to_owned(),
    };
    match query {
        Some(q) => format!("{base}?{q}"),
        None => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrubs_sas_signature_everywhere() {
        let sig = "s3cr3tSig%2Fabc%3D";
        let texts = [
            format!(
                "error sending request for url (https://a.blob.core.windows.net/c/x?sv=2024-08-04&sp=rw&sig={sig})"
            ),
            format!("https://a/c?sig={sig}&se=2030"),
            format!("BlobEndpoint=https://a;SharedAccessSignature=sv=1&sig={sig};"),
            format!("DefaultEndpointsProtocol=https;AccountName=a;AccountKey={sig};"),
            format!("\"sig={sig}\""),
        ];
        for text in texts {
            let scrubbed = scrub(&text);
            assert!(!scrubbed.contains(sig), "{scrubbed}");
            assert!(scrubbed.contains(REDACTED), "{scrubbed}");
        }
        assert_eq!(scrub("design=ok&x=1"), "design=ok&x=1");
        assert_eq!(scrub("naïve ünïcode"), "naïve ünïcode");
        assert_eq!(
            untrusted("denied\x1b[2J&sig=abc"),
            "denied\\u{001B}[2J&sig=REDACTED"
        );
    }

    #[test]
    fn display_url_drops_query() {
        assert_eq!(
            url_for_display("https://a.blob.core.windows.net/c/p?sv=1&sig=x"),
            "https://a.blob.core.windows.net/c/p?REDACTED"
        );
        assert_eq!(url_for_display("s3://b/p"), "s3://b/p");
        // A password before the host is as secret as a SAS, valid URL or not.
        assert_eq!(
            url_for_display("http://admin:hunter2@127.0.0.1:9000/x"),
            "http://REDACTED@127.0.0.1:9000/x"
        );
        assert_eq!(
            url_for_display("s3://key:se@cret@bucket/p?x"),
            "s3://REDACTED@bucket/p?REDACTED"
        );
        assert_eq!(url_for_display("http://h/a@b"), "http://h/a@b");
    }
}
