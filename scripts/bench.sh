#!/usr/bin/env bash
# Runs every benchmark and writes docs/performance.md (issue 7): key generation beside openssl,
# whole-process wall time and peak RSS of the local commands beside `true`, the stripped binary's
# size, and publish round trips against the local servers (installed by scripts/test-servers.sh).
# Benchmarks are measurements, never test assertions: goals are marked met/missed in the tables.
#
# Usage: scripts/bench.sh            (takes a few minutes; run on an otherwise idle machine)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/test-servers.sh install
out=$(mktemp)
{
    echo "# Performance"
    echo
    echo "Measured by \`scripts/bench.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores," \
        "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(uname -sr)," \
        "$(openssl version | cut -d' ' -f1-2), load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo
    echo "## Key generation (\`cargo bench --bench keygen\`)"
    echo
    echo "Medians, whole processes writing key files, sakr and openssl alternating in the same run."
    echo "Goal: RSA ≤ 0.5× openssl."
    echo
    cargo bench --locked --bench keygen 2>/dev/null
    echo
    echo "## Commands (\`cargo bench --bench commands\`)"
    echo
    echo "Release binary as a whole process (exec, dynamic loading, parsing, output), wall time and"
    echo "peak RSS (\`ru_maxrss\`), 50 runs after one warm-up."
    echo
    cargo bench --locked --bench commands 2>/dev/null
} >"$out"
mv "$out" docs/performance.md
cat docs/performance.md
