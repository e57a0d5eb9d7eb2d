//! `sakr signer` (issue 20; DESIGN §2.8, §7): an external token signer for kube-apiserver
//! (KEP-740, `--service-account-signing-endpoint`), so that the private key never sits in the
//! apiserver's files and a rotation needs no restart: the plugin lists old and new keys in
//! `FetchKeys`, then signs with the new one, then drops the old one.
//!
//! - [`config`]: the key set file (which keys, which backend, active, excluded);
//! - [`edit`]: add, activate, remove (shared by the commands and the rotation);
//! - [`keyset`]: the keys opened, their kids, `Sign`;
//! - [`backend`]: where each key lives and how it signs (file, pkcs11, awskms, public), and
//!   key generation inside a backend;
//! - [`server`]: the gRPC service (`v1` and `v1alpha1`) on a Unix socket, reloading on SIGHUP
//!   and on config changes;
//! - [`proto`]: the generated messages and stubs; [`client`]: a client over the socket.

pub mod backend;
pub mod client;
pub mod config;
pub mod edit;
pub mod keyset;
pub mod proto;
pub mod server;
