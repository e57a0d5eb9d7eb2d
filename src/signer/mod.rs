//! `sakr signer` (issue 20; DESIGN §2.8, §7): an external token signer for kube-apiserver
//! (KEP-740, `--service-account-signing-endpoint`), so that the private key never sits in the
//! apiserver's files and a rotation needs no restart: the plugin lists old and new keys in
//! `FetchKeys`, then signs with the new one, then drops the old one.
//!
//! - [`config`]: the key set file (which keys, which backend, active, excluded);
//! - [`edit`]: add, activate, remove (shared by the commands and the rotation);
//! - [`keyset`]: the keys opened, their kids, `Sign`;
//! - [`server`]: the gRPC service (`v1` and `v1alpha1`) on a Unix socket, reloading on SIGHUP
//!   and on config changes;
//! - [`proto`]: the generated messages and stubs; [`client`]: a client over the socket.

pub mod client;
pub mod config;
pub mod edit;
pub mod keyset;
pub mod proto;
pub mod server;

/// The public key of an entry kept in an HSM or a KMS, asked of its backend from where sakr
/// runs.
pub fn backend_public_key(
    e: &config::KeyEntry,
) -> Result<crate::keys::PublicKey, String> {
    Err(format!(
        "backend {:?}: this sakr reads the public key of file and public entries only",
        e.backend
    ))
}

/// A new key in the backend of `template` (an HSM's token, a KMS), named `name`.
pub fn generate_like(
    template: &config::KeyEntry,
    _alg: crate::keys::generate::Algorithm,
    _name: &str,
) -> Result<config::KeyEntry, String> {
    Err(format!(
        "backend {:?}: this sakr makes new keys as files only",
        template.backend
    ))
}
