//! Build information for `sakr --version`: `sakr 0.1.0 (commit abcdef1234, x86_64-unknown-linux-gnu)`,
//! and the gRPC code of `sakr signer` (issue 20), generated from the vendored
//! `proto/externaljwt/{v1,v1alpha1}/api.proto` by protox (a protobuf compiler in Rust, so no
//! `protoc` is needed on a fresh machine) and tonic-prost-build, into `OUT_DIR`.
//!
//! The commit is `SAKR_BUILD_COMMIT` when set (scripts/release.sh sets it, so a release artifact
//! always names the commit it was built from), else `git rev-parse` of the checkout, else
//! `unknown` (a source tarball, no git). The target is the triple cargo gives build scripts.
//!
//! This script reruns only when it changes or `SAKR_BUILD_COMMIT` changes, never because of a new
//! commit: watching `.git` would recompile the whole crate after every commit, even one that only
//! touches docs. So an incremental development build keeps the commit of the build that last ran
//! this script (a fresh clone or `cargo install` runs it afresh); release builds are exact.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=proto");
    let fds = protox::compile(
        [
            "proto/externaljwt/v1/api.proto",
            "proto/externaljwt/v1alpha1/api.proto",
        ],
        ["proto"],
    )
    .expect("the vendored externaljwt .proto files compile");
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .compile_fds(fds)
        .expect("generating the externaljwt gRPC code");

    println!("cargo:rerun-if-env-changed=SAKR_BUILD_COMMIT");

    let commit = std::env::var("SAKR_BUILD_COMMIT")
        .ok()
        .map(|c| c.trim().to_string())
        .filter(|c| !c.is_empty())
        .or_else(git_commit)
        .unwrap_or_else(|| "unknown".to_string());
    // One line, printable: it ends up in `--version` and in every bug report.
    let commit: String = commit
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect();
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown-target".to_string());
    let version = std::env::var("CARGO_PKG_VERSION").expect("cargo sets CARGO_PKG_VERSION");
    println!("cargo:rustc-env=SAKR_LONG_VERSION={version} (commit {commit}, {target})");
}

/// The checkout's commit, or None when there is no git or no repository (a source tarball).
fn git_commit() -> Option<String> {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")?;
    let out = Command::new("git")
        .args(["rev-parse", "--show-toplevel", "--short=10", "HEAD"])
        .current_dir(&dir)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let out = String::from_utf8(out.stdout).ok()?;
    let mut lines = out.lines();
    let toplevel = std::fs::canonicalize(lines.next()?).ok()?;
    // Sources unpacked inside some other repository are not that repository's commit.
    if toplevel != std::fs::canonicalize(&dir).ok()? {
        return None;
    }
    let commit = lines.next()?.trim().to_string();
    (!commit.is_empty()).then_some(commit)
}
