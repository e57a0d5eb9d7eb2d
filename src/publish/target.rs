//! The `--to` URL of `sakr publish` (DESIGN §3): parsed and validated without any I/O, so that a
//! typo exits 2 before a credential chain or a network call is even tried.

use std::fmt;
use std::path::PathBuf;

use super::redact::{REDACTED, url_for_display};

/// A SAS token (the query string of a SAS URL, without the `?`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SasToken(String);

impl SasToken {
    /// Accepts a token with or without its leading `?`; `None` when empty.
    pub fn new(token: &str) -> Option<SasToken> {
        let token = token.trim().trim_start_matches('?');
        (!token.is_empty()).then(|| SasToken(token.to_owned()))
    }

    /// The secret itself, for building the request URL only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SasToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SasToken({REDACTED})")
    }
}

/// Where `sakr publish` writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// `s3://bucket/prefix`
    S3 { bucket: String, prefix: String },
    /// `azblob://account/container/prefix` or `https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix[?SAS]`
    Azure {
        account: String,
        container: String,
        prefix: String,
        /// Host of an https URL (`ACCOUNT.blob.core.windows.net`, or a sovereign cloud's);
        /// `None` for `azblob://`, which means the public cloud.
        host: Option<String>,
        /// A SAS given as the query of the https URL.
        sas: Option<SasToken>,
    },
    /// `file:///abs/dir`: a local tree for a static web server, and for `sakr rehearse`.
    File { dir: PathBuf },
}

/// Why a `--to` URL was refused. The URL in messages has its query (a SAS) redacted.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum TargetError {
    #[error(
        "{url}: not a URL: {reason} (expected s3://BUCKET/PREFIX, azblob://ACCOUNT/CONTAINER/PREFIX, https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX or file:///DIR)"
    )]
    NotAUrl { url: String, reason: String },
    #[error(
        "{url}: unsupported scheme `{scheme}` (expected s3, azblob, https (Azure Blob) or file)"
    )]
    UnknownScheme { url: String, scheme: String },
    #[error("{url}: no bucket name (expected s3://BUCKET/PREFIX)")]
    MissingBucket { url: String },
    #[error("{url}: invalid bucket name `{bucket}`: {reason}")]
    InvalidBucket {
        url: String,
        bucket: String,
        reason: &'static str,
    },
    #[error("{url}: no storage account (expected azblob://ACCOUNT/CONTAINER/PREFIX)")]
    MissingAccount { url: String },
    #[error(
        "{url}: invalid storage account name `{account}`: 3 to 24 lowercase letters and digits"
    )]
    InvalidAccount { url: String, account: String },
    #[error("{url}: no container (expected …/CONTAINER/PREFIX)")]
    MissingContainer { url: String },
    #[error(
        "{url}: invalid container name `{container}`: 3 to 63 lowercase letters, digits and single hyphens, starting with a letter or digit"
    )]
    InvalidContainer { url: String, container: String },
    #[error(
        "{url}: an https target must be an Azure Blob URL (https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX); for S3 use s3://BUCKET/PREFIX and --endpoint"
    )]
    NotAzureBlobHost { url: String },
    #[error("{url}: the path has an empty, `.` or `..` segment")]
    BadPrefix { url: String },
    #[error(
        "{url}: the path holds {ch:?}, which an issuer URL path cannot hold as is; use letters, digits and - . _ ~"
    )]
    PrefixCharacter { url: String, ch: char },
    #[error("{url}: the path is not valid UTF-8 once percent-decoded")]
    NotUtf8 { url: String },
    #[error("{url}: a file target needs an absolute path: file:///absolute/dir")]
    RelativeFilePath { url: String },
    #[error("{url}: user, password, port, query or fragment are not allowed in this URL")]
    UnexpectedUrlPart { url: String },
}

impl Target {
    /// Parses a `--to` URL. Pure: no environment, file system or network access.
    pub fn parse(input: &str) -> Result<Target, TargetError> {
        let shown = url_for_display(input);
        let input = input.trim();
        // The URL parser silently drops tabs and line breaks anywhere in its input; a target
        // must be exactly what was typed.
        if input.chars().any(char::is_control) {
            return Err(TargetError::NotAUrl {
                url: shown.escape_debug().to_string(),
                reason: "it contains a control character".into(),
            });
        }
        // Schemes are case-insensitive (`FILE:` is `file:`), so compare in lower case.
        let lower = input.to_ascii_lowercase();
        // `file://dir` (two slashes) makes `dir` the host: say what was meant.
        if let Some(rest) = lower.strip_prefix("file://") {
            if !rest.starts_with('/') {
                return Err(TargetError::RelativeFilePath { url: shown });
            }
        } else if lower.starts_with("file:") || input.starts_with('/') || input.starts_with('.') {
            return Err(TargetError::RelativeFilePath { url: shown });
        }
        // The URL parser resolves `.`/`..` segments away; a prefix that needed them is a typo we
        // would rather report than silently publish elsewhere.
        if let Some((_, rest)) = input.split_once("://") {
            let path = rest.split(['?', '#']).next().unwrap_or_default();
            if path.split('/').skip(1).any(|seg| {
                let seg = seg.to_ascii_lowercase().replace("%2e", ".");
                seg == "." || seg == ".."
            }) {
                return Err(TargetError::BadPrefix { url: shown });
            }
        }
        let url = url::Url::parse(input).map_err(|e| TargetError::NotAUrl {
            url: shown.clone(),
            reason: e.to_string(),
        })?;
        match url.scheme() {
            "s3" => parse_s3(&url, shown),
            "azblob" => parse_azblob(&url, shown),
            "https" => parse_azure_https(&url, shown),
            "file" => parse_file(&url, shown),
            other => Err(TargetError::UnknownScheme {
                url: shown,
                scheme: other.to_owned(),
            }),
        }
    }
}

impl fmt::Display for Target {
    /// The canonical, credential-free form (what reports and messages show).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let slash = |p: &str| {
            if p.is_empty() {
                String::new()
            } else {
                format!("/{p}")
            }
        };
        match self {
            Target::S3 { bucket, prefix } => write!(f, "s3://{bucket}{}", slash(prefix)),
            Target::Azure {
                account,
                container,
                prefix,
                host: None,
                ..
            } => write!(f, "azblob://{account}/{container}{}", slash(prefix)),
            Target::Azure {
                container,
                prefix,
                host: Some(host),
                ..
            } => write!(f, "https://{host}/{container}{}", slash(prefix)),
            Target::File { dir } => write!(f, "file://{}", dir.display()),
        }
    }
}

fn no_extras(url: &url::Url, shown: &str, allow_query: bool) -> Result<(), TargetError> {
    if !url.username().is_empty()
        || url.password().is_some()
        || url.port().is_some()
        || url.fragment().is_some()
        || (!allow_query && url.query().is_some())
    {
        return Err(TargetError::UnexpectedUrlPart {
            url: shown.to_owned(),
        });
    }
    Ok(())
}

/// Splits a URL path into segments, refusing `.`/`..` and empty inner segments; a trailing `/`
/// is tolerated (`s3://b/prefix/`).
fn segments(path: &str, shown: &str) -> Result<Vec<String>, TargetError> {
    let trimmed = path.trim_start_matches('/').trim_end_matches('/');
    if trimmed.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for segment in trimmed.split('/') {
        let decoded = percent_decode(segment);
        if decoded.is_empty() || decoded == "." || decoded == ".." || decoded.contains('/') {
            return Err(TargetError::BadPrefix {
                url: shown.to_owned(),
            });
        }
        check_chars(&decoded, shown)?;
        out.push(decoded);
    }
    Ok(out)
}

/// Characters a path under an issuer URL cannot carry unencoded: controls, and what URLs
/// reserve or forbid. Refused instead of encoded because the published path must be the issuer
/// URL's path byte for byte, and because such a prefix is a paste error, not a choice (a
/// fuzzer found that a control character made the canonical form name another prefix).
fn check_chars(decoded: &str, shown: &str) -> Result<(), TargetError> {
    // The decoders replace invalid UTF-8 with U+FFFD: a prefix that holds it was not what the
    // operator typed (a fuzzer found `%ac` turning into it).
    if decoded.contains('\u{FFFD}') {
        return Err(TargetError::NotUtf8 {
            url: shown.to_owned(),
        });
    }
    match decoded
        .chars()
        .find(|c| c.is_control() || " \"#%<>?\\^`{|}".contains(*c))
    {
        Some(ch) => Err(TargetError::PrefixCharacter {
            url: shown.to_owned(),
            ch,
        }),
        None => Ok(()),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

fn parse_s3(url: &url::Url, shown: String) -> Result<Target, TargetError> {
    no_extras(url, &shown, false)?;
    let bucket = url.host_str().unwrap_or_default().to_owned();
    if bucket.is_empty() {
        return Err(TargetError::MissingBucket { url: shown });
    }
    if let Err(reason) = check_bucket(&bucket) {
        return Err(TargetError::InvalidBucket {
            url: shown,
            bucket,
            reason,
        });
    }
    let prefix = segments(url.path(), &shown)?.join("/");
    Ok(Target::S3 { bucket, prefix })
}

/// The S3 bucket naming rules that matter for a URL: 3–63 characters of `a-z 0-9 . -`,
/// starting and ending with a letter or digit.
fn check_bucket(bucket: &str) -> Result<(), &'static str> {
    if !(3..=63).contains(&bucket.len()) {
        return Err("3 to 63 characters");
    }
    if !bucket
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-')
    {
        return Err("only lowercase letters, digits, `.` and `-`");
    }
    let edge = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !edge(bucket.as_bytes()[0]) || !edge(bucket.as_bytes()[bucket.len() - 1]) {
        return Err("must start and end with a letter or digit");
    }
    Ok(())
}

fn check_account(account: &str) -> bool {
    (3..=24).contains(&account.len())
        && account
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

fn check_container(container: &str) -> bool {
    // `$web` is the static-website container, the usual home of a self-hosted issuer on Azure.
    if container == "$web" {
        return true;
    }
    let b = container.as_bytes();
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !container.contains("--")
}

fn azure_target(
    account: String,
    mut segs: Vec<String>,
    host: Option<String>,
    sas: Option<SasToken>,
    shown: String,
) -> Result<Target, TargetError> {
    if !check_account(&account) {
        return Err(TargetError::InvalidAccount {
            url: shown,
            account,
        });
    }
    if segs.is_empty() {
        return Err(TargetError::MissingContainer { url: shown });
    }
    let container = segs.remove(0);
    if !check_container(&container) {
        return Err(TargetError::InvalidContainer {
            url: shown,
            container,
        });
    }
    Ok(Target::Azure {
        account,
        container,
        prefix: segs.join("/"),
        host,
        sas,
    })
}

fn parse_azblob(url: &url::Url, shown: String) -> Result<Target, TargetError> {
    no_extras(url, &shown, false)?;
    let account = url.host_str().unwrap_or_default().to_owned();
    if account.is_empty() {
        return Err(TargetError::MissingAccount { url: shown });
    }
    let segs = segments(url.path(), &shown)?;
    azure_target(account, segs, None, None, shown)
}

fn parse_azure_https(url: &url::Url, shown: String) -> Result<Target, TargetError> {
    no_extras(url, &shown, true)?;
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    // Public cloud `ACCOUNT.blob.core.windows.net`, and the sovereign clouds'
    // `ACCOUNT.blob.core.chinacloudapi.cn` / `.usgovcloudapi.net`: always `ACCOUNT.blob.core.*`.
    let Some((account, rest)) = host.split_once('.') else {
        return Err(TargetError::NotAzureBlobHost { url: shown });
    };
    if !rest.starts_with("blob.core.") {
        return Err(TargetError::NotAzureBlobHost { url: shown });
    }
    let sas = url.query().and_then(SasToken::new);
    let segs = segments(url.path(), &shown)?;
    azure_target(account.to_owned(), segs, Some(host.clone()), sas, shown)
}

fn parse_file(url: &url::Url, shown: String) -> Result<Target, TargetError> {
    no_extras(url, &shown, false)?;
    if url
        .host_str()
        .is_some_and(|h| !h.is_empty() && h != "localhost")
    {
        return Err(TargetError::RelativeFilePath { url: shown });
    }
    let dir = url
        .to_file_path()
        .map_err(|()| TargetError::RelativeFilePath { url: shown.clone() })?;
    if !dir.is_absolute() {
        return Err(TargetError::RelativeFilePath { url: shown });
    }
    // `..` would make the published tree depend on symlinks and cwd: refuse it like in prefixes.
    if dir
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(TargetError::BadPrefix { url: shown });
    }
    let Some(text) = dir.to_str() else {
        return Err(TargetError::NotUtf8 { url: shown });
    };
    check_chars(text, &shown)?;
    Ok(Target::File { dir })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3(bucket: &str, prefix: &str) -> Target {
        Target::S3 {
            bucket: bucket.into(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn parses_every_scheme() {
        assert_eq!(
            Target::parse("s3://my-bucket").unwrap(),
            s3("my-bucket", "")
        );
        assert_eq!(
            Target::parse("s3://my-bucket/oidc/prod/").unwrap(),
            s3("my-bucket", "oidc/prod")
        );
        assert_eq!(
            Target::parse("azblob://acct1/web/oidc").unwrap(),
            Target::Azure {
                account: "acct1".into(),
                container: "web".into(),
                prefix: "oidc".into(),
                host: None,
                sas: None
            }
        );
        // `$web` (static website container) is the one container name with a `$`.
        assert!(matches!(
            Target::parse("https://acct1.blob.core.windows.net/$web/x"),
            Ok(Target::Azure { container, .. }) if container == "$web"
        ));
        assert!(matches!(
            Target::parse("azblob://acct1/$logs/x"),
            Err(TargetError::InvalidContainer { .. })
        ));
        let t = Target::parse(
            "https://acct1.blob.core.windows.net/web/x/y?sv=2024-08-04&sp=rcw&sig=abc%2Bdef",
        )
        .unwrap();
        let Target::Azure {
            account,
            container,
            prefix,
            host,
            sas,
        } = &t
        else {
            panic!("{t:?}")
        };
        assert_eq!(
            (account.as_str(), container.as_str(), prefix.as_str()),
            ("acct1", "web", "x/y")
        );
        assert_eq!(host.as_deref(), Some("acct1.blob.core.windows.net"));
        assert_eq!(
            sas.as_ref().unwrap().expose(),
            "sv=2024-08-04&sp=rcw&sig=abc%2Bdef"
        );
        assert_eq!(t.to_string(), "https://acct1.blob.core.windows.net/web/x/y");
        assert_eq!(
            Target::parse("file:///srv/www/oidc").unwrap(),
            Target::File {
                dir: "/srv/www/oidc".into()
            }
        );
        assert_eq!(
            Target::parse("file:///srv/www/oidc").unwrap().to_string(),
            "file:///srv/www/oidc"
        );
    }

    #[test]
    fn refuses_bad_urls_with_typed_errors() {
        use TargetError as E;
        type Check = fn(&TargetError) -> bool;
        let cases: &[(&str, Check)] = &[
            (
                "gs://bucket/x",
                |e| matches!(e, E::UnknownScheme { scheme, .. } if scheme == "gs"),
            ),
            ("http://acct.blob.core.windows.net/c", |e| {
                matches!(e, E::UnknownScheme { .. })
            }),
            ("s3:///prefix", |e| matches!(e, E::MissingBucket { .. })),
            ("s3://", |e| matches!(e, E::MissingBucket { .. })),
            ("s3://My_Bucket/x", |e| matches!(e, E::InvalidBucket { .. })),
            ("s3://bucket/a/../b", |e| matches!(e, E::BadPrefix { .. })),
            ("s3://bucket/a//b", |e| matches!(e, E::BadPrefix { .. })),
            ("s3://bucket:9000/x", |e| {
                matches!(e, E::UnexpectedUrlPart { .. })
            }),
            ("s3://bucket/x?y=1", |e| {
                matches!(e, E::UnexpectedUrlPart { .. })
            }),
            ("azblob://acct", |e| matches!(e, E::MissingContainer { .. })),
            ("azblob:///c/x", |e| matches!(e, E::MissingAccount { .. })),
            ("azblob://Acct/c/x", |e| {
                matches!(e, E::InvalidAccount { .. })
            }),
            ("https://example.com/c/x", |e| {
                matches!(e, E::NotAzureBlobHost { .. })
            }),
            ("https://acct.blob.core.windows.net/", |e| {
                matches!(e, E::MissingContainer { .. })
            }),
            ("file://relative/dir", |e| {
                matches!(e, E::RelativeFilePath { .. })
            }),
            ("file:relative", |e| matches!(e, E::RelativeFilePath { .. })),
            ("/abs/dir", |e| matches!(e, E::RelativeFilePath { .. })),
            ("./dir", |e| matches!(e, E::RelativeFilePath { .. })),
            ("not a url", |e| matches!(e, E::NotAUrl { .. })),
            // Found by fuzzing: a control character survived decoding, and the canonical form
            // (which the URL parser trims) named another prefix.
            ("https://acct.blob.core.windows.net/c/oi0%14", |e| {
                matches!(e, E::PrefixCharacter { ch: '\u{14}', .. })
            }),
            ("s3://bucket/a%23b", |e| {
                matches!(e, E::PrefixCharacter { ch: '#', .. })
            }),
            ("s3://bucket/a%20b", |e| {
                matches!(e, E::PrefixCharacter { ch: ' ', .. })
            }),
            ("file:///srv/oidc%3Fx", |e| {
                matches!(e, E::PrefixCharacter { ch: '?', .. })
            }),
            ("file:///srv/o%ac", |e| matches!(e, E::NotUtf8 { .. })),
            // Found by fuzzing: `filE:` escaped the `file:` checks, and the URL parser read
            // `E:` as a Windows drive and dropped the line breaks.
            ("filE:E:.", |e| matches!(e, E::RelativeFilePath { .. })),
            ("FILE://srv/oidc", |e| {
                matches!(e, E::RelativeFilePath { .. })
            }),
            ("s3://buck\net/x", |e| matches!(e, E::NotAUrl { .. })),
            ("s3://bucket/o%ac", |e| matches!(e, E::NotUtf8 { .. })),
        ];
        for (input, ok) in cases {
            let err = Target::parse(input).unwrap_err();
            assert!(ok(&err), "{input}: {err:?}");
            // The message names the URL as typed (control characters escaped, a SAS redacted).
            let named = input.trim_end_matches('/').escape_debug().to_string();
            assert!(
                err.to_string().contains(&named) || input.contains('?'),
                "{err}"
            );
        }
    }

    #[test]
    fn sas_never_printed() {
        let secret = "sig=TOPSECRETSIGNATURE";
        let url = format!("https://acct1.blob.core.windows.net/web/x?sv=1&{secret}");
        let t = Target::parse(&url).unwrap();
        assert!(!format!("{t:?}").contains("TOPSECRET"), "{t:?}");
        assert!(format!("{t:?}").contains(REDACTED));
        assert!(!t.to_string().contains("TOPSECRET"));
        // An error about a URL with a SAS must not echo it either.
        let err = Target::parse(&format!(
            "https://acct1.blob.core.windows.net/?sv=1&{secret}"
        ))
        .unwrap_err();
        assert!(!err.to_string().contains("TOPSECRET"), "{err}");
        assert!(!format!("{err:?}").contains("TOPSECRET"), "{err:?}");
    }
}
