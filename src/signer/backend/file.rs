//! The `file` backend: a PEM private key (RSA or ECDSA P-256/384/521) that only its owner can
//! read, signing in process with aws-lc-rs ([`crate::token::Signer`]).

use std::path::Path;

use super::{Backend, BackendError, Opened};
use crate::keys::secret::Secret;

pub fn open(path: &Path) -> Result<Opened, BackendError> {
    use std::os::unix::fs::PermissionsExt as _;
    let key = |m: String| BackendError::Key(m);
    let bytes = crate::fsutil::read_capped(path, crate::fsutil::MAX_INPUT_BYTES)
        .map_err(|e| key(e.to_string()))?;
    let pem = Secret::new(bytes);
    let file = crate::keys::parse_pem_file(pem.expose())
        .map_err(|e| key(format!("{}: {e}", path.display())))?;
    if file.signing_key().is_none() {
        return Err(key(format!(
            "{}: holds no private key (RSA PRIVATE KEY, EC PRIVATE KEY or PRIVATE KEY)",
            path.display()
        )));
    }
    let meta = std::fs::metadata(path).map_err(|e| key(format!("{}: {e}", path.display())))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(key(format!(
            "{}: a private key readable by others (mode {:o}); chmod 600",
            path.display(),
            meta.permissions().mode() & 0o7777
        )));
    }
    let signer = crate::token::Signer::from_pem(&pem)
        .map_err(|e| key(format!("{}: {e}", path.display())))?;
    Ok(Opened {
        public: signer.public_key().clone(),
        backend: Backend::File(signer),
        source: format!("file {}", path.display()),
    })
}
