#!/usr/bin/env bash
# Checks the release artifact (issue 19): builds it with scripts/release.sh into a scratch
# directory, then asserts that
#   - the .sha256 file verifies the tarball (`sha256sum -c`), and the tarball holds the binary,
#     the completions, the man pages and the licence;
#   - the binary's highest GLIBC_ symbol version is at most 2.17 (objdump -T), so it starts on
#     RHEL/Rocky/Alma 8, Ubuntu 20.04, Debian 11 and Amazon Linux 2;
#   - `sakr --version` names the version, this commit and the target;
#   - `sakr rehearse` (the whole rotation on a scratch copy) passes here;
#   - `sakr completions bash` prints the script the tarball holds.
#
# Usage: scripts/release-check.sh              the check (.ci/run runs it after scripts/test.sh)
#        scripts/release-check.sh --compare    also builds the default `cargo build --release`
#                                              and prints size and `rehearse` time of both
#                                              (the table in docs/performance.md);
#                                              SAKR_DEFAULT_BIN=PATH compares with that binary
#                                              instead of building one
#
# A separate script, not part of scripts/test.sh: the portable build is a second release build of
# every dependency (about 20 minutes on 2 cores the first time; a few minutes after that, with
# CARGO_TARGET_DIR kept, as .ci/run keeps it). Exits 1 when a check fails, 2 when it cannot run.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

max_glibc=2.17
triple=x86_64-unknown-linux-gnu
compare=false
case ${1:-} in
'') ;;
--compare) compare=true ;;
-h | --help)
    sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
    exit 0
    ;;
*)
    echo "release-check.sh: unknown argument '$1' (usage: scripts/release-check.sh [--compare])" >&2
    exit 2
    ;;
esac
for tool in objdump readelf sha256sum tar; do
    command -v "$tool" >/dev/null || {
        echo "release-check.sh: $tool is required (apt-get install binutils coreutils tar)" >&2
        exit 2
    }
done

start=$SECONDS
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
scripts/release.sh --out "$work/dist"
printf '\n== checking the release artifact\n' >&2

passed=0
failed=0
pass() {
    passed=$((passed + 1))
    printf 'ok: %s\n' "$*"
}
fail() {
    failed=$((failed + 1))
    printf 'FAILED: %s\n' "$*"
}

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
name=sakr-$version-$triple
tarball=$work/dist/$name.tar.gz
if (cd "$work/dist" && sha256sum -c --quiet "$name.tar.gz.sha256"); then
    pass "$name.tar.gz matches $name.tar.gz.sha256"
else
    fail "$name.tar.gz does not match $name.tar.gz.sha256"
fi
tar -C "$work" -xzf "$tarball"
pkg=$work/$name
bin=$pkg/sakr
missing=
for f in sakr LICENSE README.md completions/sakr.bash completions/_sakr completions/sakr.fish \
    man/man1/sakr.1 man/man1/sakr-rehearse.1; do
    [ -e "$pkg/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then
    pass "the tarball holds sakr, LICENSE, README.md, $(find "$pkg/completions" -type f | wc -l) completion scripts and $(find "$pkg/man/man1" -name '*.1' | wc -l) man pages"
else
    fail "the tarball lacks:$missing"
fi

# Every dynamic symbol's version: `objdump -T` prints it in parentheses, e.g.
# `0000000000000000      DF *UND*  0000000000000000 (GLIBC_2.2.5) memcpy`.
versions=$(objdump -T "$bin" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\(?GLIBC_/) { v = $i; gsub(/[()]/, "", v); print v, $NF } }')
highest=$(printf '%s\n' "$versions" | awk '{ print $1 }' | sed -n 's/^GLIBC_\([0-9][0-9.]*\)$/\1/p' | sort -uV | tail -n1)
private=$(printf '%s\n' "$versions" | awk '$1 !~ /^GLIBC_[0-9][0-9.]*$/ { print $2 "@" $1 }' | sort -u | tr '\n' ' ')
if [ -z "$highest" ]; then
    fail "objdump -T found no GLIBC_ symbol versions in $bin (not a glibc binary?)"
elif [ "$(printf '%s\n%s\n' "$highest" "$max_glibc" | sort -V | tail -n1)" != "$max_glibc" ]; then
    too_new=$(printf '%s\n' "$versions" | awk -v max="$max_glibc" '
        function newer(a, b,   x, y, n, i) {
            n = split(a, x, "."); split(b, y, ".")
            for (i = 1; i <= (n > length(y) ? n : length(y)); i++) {
                if (x[i] + 0 > y[i] + 0) return 1
                if (x[i] + 0 < y[i] + 0) return 0
            }
            return 0
        }
        { v = $1; sub(/^GLIBC_/, "", v); if (v ~ /^[0-9.]+$/ && newer(v, max)) print $2 "@GLIBC_" v }' |
        sort -u | tr '\n' ' ')
    fail "the binary needs glibc $highest, newer than $max_glibc: $too_new"
else
    pass "highest GLIBC_ symbol version: $highest (at most $max_glibc)"
fi
if [ -n "$private" ]; then
    fail "the binary uses glibc-internal symbol versions, which no other glibc provides: $private"
fi
interp=$(readelf -l "$bin" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
if [ "$interp" = /lib64/ld-linux-x86-64.so.2 ]; then
    pass "interpreter $interp; needs ${needed% }"
else
    fail "the binary asks for the interpreter '$interp', not /lib64/ld-linux-x86-64.so.2"
fi

commit=$(git rev-parse --short=10 HEAD 2>/dev/null || echo unknown)
if got=$("$bin" --version 2>&1) && [[ $got == "sakr $version (commit $commit"*", $triple)" ]]; then
    pass "sakr --version: $got"
else
    fail "sakr --version printed '$got', not 'sakr $version (commit $commit…, $triple)'"
fi

if "$bin" rehearse >"$work/rehearse.log" 2>&1; then
    pass "sakr rehearse: $(grep -c . "$work/rehearse.log") lines, exit 0"
else
    fail "sakr rehearse failed (exit $?); its last lines:"
    tail -n 20 "$work/rehearse.log"
fi

if "$bin" completions bash | cmp -s - "$pkg/completions/sakr.bash"; then
    pass "sakr completions bash matches the tarball's completions/sakr.bash"
else
    fail "sakr completions bash differs from the tarball's completions/sakr.bash"
fi

if $compare; then
    default=${SAKR_DEFAULT_BIN:-}
    if [ -z "$default" ]; then
        printf '\n== cargo build --release (the default build, for comparison)\n' >&2
        cargo build --release --locked
        default=${CARGO_TARGET_DIR:-$root/target}/release/sakr
    fi
    runs=21
    # Interleaved, so that load on the machine hits both builds alike; wall time per run.
    time_rehearse() {
        local t0 t1
        t0=$EPOCHREALTIME
        "$1" rehearse >/dev/null 2>&1
        t1=$EPOCHREALTIME
        echo "$t0 $t1" | awk '{ printf "%.2f\n", ($2 - $1) * 1000 }'
    }
    "$default" rehearse >/dev/null 2>&1
    "$bin" rehearse >/dev/null 2>&1
    : >"$work/default.ms"
    : >"$work/portable.ms"
    for _ in $(seq "$runs"); do
        time_rehearse "$default" >>"$work/default.ms"
        time_rehearse "$bin" >>"$work/portable.ms"
    done
    median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
    dsize=$(stat -c %s "$default")
    psize=$(stat -c %s "$bin")
    dms=$(median "$work/default.ms")
    pms=$(median "$work/portable.ms")
    dglibc=$(objdump -T "$default" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1)
    echo
    echo "| build | highest GLIBC_ | size (bytes) | size vs default | \`rehearse\` median ms ($runs runs) | time vs default |"
    echo "|---|---|---:|---:|---:|---:|"
    echo "| \`cargo build --release\` (default) | $dglibc | $dsize | 1.00× | $dms | 1.00× |"
    awk -v ps="$psize" -v ds="$dsize" -v pm="$pms" -v dm="$dms" -v g="$highest" -v t="$triple.$max_glibc" \
        'BEGIN { printf "| `cargo zigbuild --release --target %s` (portable) | %s | %d | %.3f× | %s | %.3f× |\n", t, g, ps, ps / ds, pm, pm / dm }'
fi

echo
echo "release-check took $((SECONDS - start)) s"
echo "release-check: $passed passed, $failed failed"
[ "$failed" -eq 0 ] || exit 1
