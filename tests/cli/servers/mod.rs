//! Shared helpers of the integration tests: real servers and small loopback HTTP pieces.
#![allow(dead_code)]

pub mod http;
pub mod https_cache;
pub mod procs;
pub mod sshd;
