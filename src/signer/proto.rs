//! The `ExternalJWTSigner` messages and service stubs, generated at build time (build.rs) from
//! the vendored `proto/externaljwt/{v1,v1alpha1}/api.proto`: kube-apiserver 1.36+ speaks `v1`,
//! 1.32 to 1.35 `v1alpha1`, with the same messages and field numbers.

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1 {
    tonic::include_proto!("v1");
}

#[allow(clippy::all, clippy::pedantic, missing_docs)]
pub mod v1alpha1 {
    tonic::include_proto!("v1alpha1");
}
