#!/usr/bin/env bash
# Coverage-guided fuzzing of sakr's parsers with cargo-fuzz (libFuzzer). The targets are the
# functions of src/fuzz.rs; `cargo test` runs the same functions with a fixed proptest budget,
# this runs them for as long as you give it.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60, every target)
#
# Installs cargo-fuzz into $SAKR_TOOLS (default ~/.cache/sakr/tools). Works on the stable
# toolchain: `--sanitizer none` needs no -Z flag (sakr's parsers are safe Rust; libFuzzer's
# coverage instrumentation is what matters). Seeds the corpus from tests/fixtures, prints a
# table of executions per target, and copies every crash input to fuzz/regressions/<target>/,
# where `cargo test` replays it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
tools=${SAKR_TOOLS:-$HOME/.cache/sakr/tools}
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(pem jwks manifest token storage_url)

if [ ! -x "$tools/bin/cargo-fuzz" ]; then
    cargo install cargo-fuzz --locked --root "$tools"
fi
export PATH="$tools/bin:$PATH"
# Fuzz the dependency versions sakr ships with: start from its own lock file (cargo adds the
# fuzzing crates and drops what the harness does not use).
cp Cargo.lock fuzz/Cargo.lock
export CARGO_TARGET_DIR=${SAKR_FUZZ_TARGET_DIR:-$HOME/.cache/sakr/fuzz-target}

seed() {
    local t=$1 dir=fuzz/corpus/$1
    mkdir -p "$dir"
    case $t in
        pem) cp tests/fixtures/k8s/*.key tests/fixtures/k8s/*.pub "$dir"/ ;;
        jwks) cp tests/fixtures/k8s/expected-jwks.json "$dir"/ ;;
        manifest) cp tests/fixtures/manifests/*.yaml tests/fixtures/manifests/variants/*.yaml tests/fixtures/manifests/variants/*.json "$dir"/ ;;
        token) printf 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImFiYyJ9.eyJpc3MiOiJodHRwczovL3giLCJleHAiOjF9.c2ln' >"$dir/seed" ;;
        storage_url)
            for u in s3://oidc-bucket/cluster-a azblob://acct123/oidc/a file:///srv/oidc \
                'https://acct123.blob.core.windows.net/oidc/a?sv=2024&sig=abcdefgh'; do
                { printf '%s\0' "$u"; cat tests/fixtures/k8s/expected-discovery.json; } \
                    >"$dir/$(printf '%s' "$u" | sha256sum | cut -c1-16)"
            done
            ;;
    esac
}

printf '| target | seconds | executions | exec/s | corpus | crashes |\n|---|---:|---:|---:|---:|---:|\n' >fuzz/last-run.md
status=0
for t in "${targets[@]}"; do
    seed "$t"
    log=$(mktemp)
    # -rss_limit_mb: a parser that balloons is a finding too. -timeout: a hang is one.
    if ! cargo fuzz run --sanitizer none --release "$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb=1024 -timeout=10 -max_len=65536 \
        -print_final_stats=1 >"$log" 2>&1; then
        status=1
        echo "fuzz: $t found a crash; see $log" >&2
    fi
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
    corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
    crashes=0
    mkdir -p "fuzz/regressions/$t"
    for a in fuzz/artifacts/"$t"/*; do
        [ -e "$a" ] || continue
        mv "$a" "fuzz/regressions/$t/"
        crashes=$((crashes + 1))
    done
    printf '| %s | %s | %s | %s | %s | %s |\n' "$t" "$secs" "${runs:-?}" "${rate:-?}" "$corpus" "$crashes" |
        tee -a fuzz/last-run.md
done
cat fuzz/last-run.md
exit $status
