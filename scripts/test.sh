#!/usr/bin/env bash
# Every test sakr has, on a fresh machine: installs what the tests need, then runs formatting,
# lints, the advisory audit and the whole test suite. This is the README's test command and what
# .ci/run calls.
#
# Installs (idempotently, outside the crate's sources):
#   - moto, Azurite, PyJWT and npm jose under .cache/ and tests/rp (scripts/test-servers.sh)
#   - cargo-audit into $SAKR_TOOLS (default ~/.cache/sakr/tools)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=${SAKR_TOOLS:-$HOME/.cache/sakr/tools}
step() { printf '\n== %s\n' "$*" >&2; }

step "test servers and relying parties (scripts/test-servers.sh install)"
# moto (S3) and Azurite (Azure Blob) on 127.0.0.1, PyJWT + cryptography in .cache/venv,
# npm jose in tests/rp: all installed under the clone, idempotently.
scripts/test-servers.sh install
export SAKR_TEST_PYTHON="$root/.cache/venv/bin/python"

step "OpenSSH server for the ssh node tests (scripts/test-sshd.sh install)"
# Debian's openssh-server (its system service is not started) and inotify-tools; the tests start
# their own sshd per node (tests/cli/servers/sshd.rs, docs/testing-nodes.md). Needs root.
scripts/test-sshd.sh install

step "openssl and ssh-keygen (independent checks)"
command -v openssl >/dev/null || { echo "openssl is required (apt-get install openssl)" >&2; exit 2; }
command -v ssh-keygen >/dev/null || { echo "ssh-keygen is required (apt-get install openssh-client)" >&2; exit 2; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings

step "cargo audit (offline advisory db)"
if [ ! -x "$tools/bin/cargo-audit" ]; then
    cargo install cargo-audit --locked --root "$tools"
fi
# The project's offline RustSec database lives beside the checkout (../shared/advisory-db). A
# clone made elsewhere (a CI checkout of this repository) finds it beside its origin instead.
db=${SAKR_ADVISORY_DB:-}
if [ -z "$db" ]; then
    for cand in "$root/../shared/advisory-db" \
        "$(git -C "$root" remote get-url origin 2>/dev/null || true)/../shared/advisory-db"; do
        if [ -d "$cand/crates" ]; then
            db=$cand
            break
        fi
    done
fi
[ -n "$db" ] || { echo "no advisory database: set SAKR_ADVISORY_DB (expected ../shared/advisory-db)" >&2; exit 2; }
"$tools/bin/cargo-audit" audit --db "$db" --no-fetch --stale

step "cargo test"
cargo test --locked --all-targets
# Doc tests are not part of --all-targets.
cargo test --locked --doc
