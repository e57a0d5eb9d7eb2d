//! The `public` backend: a verification-only key, from a `PUBLIC KEY` PEM file (PKIX, as
//! `--service-account-key-file` takes it). FetchKeys lists it, Sign never uses it, and the
//! config check refuses it as the active key. This is the migration path from key files: the
//! old verification keys stay in the set (usually excluded from discovery) until retired.

use std::path::Path;

use super::{Backend, BackendError, Opened};
use crate::keys::BlockForm;

pub fn open(path: &Path) -> Result<Opened, BackendError> {
    let key = |m: String| BackendError::Key(format!("{}: {m}", path.display()));
    let bytes = crate::fsutil::read_capped(path, crate::fsutil::MAX_INPUT_BYTES)
        .map_err(|e| BackendError::Key(e.to_string()))?;
    let file = crate::keys::parse_pem_file(&bytes).map_err(|e| key(e.to_string()))?;
    let block = match file.blocks.as_slice() {
        [one] => one,
        [] => return Err(key("holds no public key".into())),
        more => {
            return Err(key(format!(
                "holds {} keys; give each its own entry",
                more.len()
            )));
        }
    };
    if block.is_private() {
        return Err(key(
            "holds a private key: a public entry takes the PUBLIC KEY (openssl pkey -pubout), or use the file backend"
                .into(),
        ));
    }
    if block.form != BlockForm::PublicKey {
        return Err(key(format!(
            "holds a {} block; a public entry takes a PUBLIC KEY (PKIX) block",
            block.label
        )));
    }
    Ok(Opened {
        public: block.key.clone(),
        backend: Backend::Public,
        source: format!("public {}", path.display()),
    })
}
