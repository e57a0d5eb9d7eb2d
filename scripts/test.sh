#!/usr/bin/env bash
# Every test sakr has, on a fresh machine: installs what the tests need, then runs formatting,
# lints, the advisory audit and the whole test suite. This is the README's test command and what
# .ci/run calls.
#
# Installs (idempotently, outside the crate's sources):
#   - a Python venv at .cache/venv with PyJWT + cryptography (relying-party checks)
#   - cargo-audit into $SAKR_TOOLS (default ~/.cache/sakr/tools)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=${SAKR_TOOLS:-$HOME/.cache/sakr/tools}
step() { printf '\n== %s\n' "$*" >&2; }

step "Python relying party (PyJWT) in .cache/venv"
if [ ! -x .cache/venv/bin/python ]; then
    python3 -m venv .cache/venv
fi
req_stamp=.cache/venv/.sakr-requirements
if ! cmp -s tests/rp-python/requirements.txt "$req_stamp" 2>/dev/null; then
    .cache/venv/bin/pip install --quiet --disable-pip-version-check -r tests/rp-python/requirements.txt
    cp tests/rp-python/requirements.txt "$req_stamp"
fi
export SAKR_TEST_PYTHON="$root/.cache/venv/bin/python"

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
db=${SAKR_ADVISORY_DB:-$root/../shared/advisory-db}
"$tools/bin/cargo-audit" audit --db "$db" --no-fetch --stale

step "cargo test"
cargo test --locked --all-targets
# Doc tests are not part of --all-targets.
cargo test --locked --doc
