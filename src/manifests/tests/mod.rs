//! Tests of the manifests module against the fixtures in `tests/fixtures/manifests/`: the
//! kubeadm-rendered manifests, one variant per layout, and bad manifests.

mod bad;
mod golden;
mod hazards;
mod io;
mod model;
mod props;

use std::path::PathBuf;

pub(super) fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/manifests")
}

pub(super) fn fixture(name: &str) -> String {
    let path = fixture_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
