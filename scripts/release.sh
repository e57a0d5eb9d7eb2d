#!/usr/bin/env bash
# The release artifact (issue 19): a Linux x86_64 sakr that starts on glibc 2.17 or newer (RHEL/
# Rocky/Alma 8, Ubuntu 20.04, Debian 11, Amazon Linux 2 and every newer control-plane OS), packed
# with its completions, man pages and licence, plus a SHA-256 file:
#
#   DIR/sakr-VERSION-x86_64-unknown-linux-gnu.tar.gz
#   DIR/sakr-VERSION-x86_64-unknown-linux-gnu.tar.gz.sha256   (sha256sum format: `sha256sum -c`)
#
# Usage: scripts/release.sh [--out DIR]        (DIR defaults to dist/, which git ignores)
#        scripts/release.sh --tools-only       install zig and cargo-zigbuild, build nothing
#
# The binary is built by `cargo zigbuild --release --target x86_64-unknown-linux-gnu.2.17`: zig
# links against glibc 2.17's symbol versions, so the binary asks the loader for nothing newer. Same
# rustc, same release profile as `cargo build --release` (docs/performance.md compares the two).
#
# Installs (idempotently, pinned, once per version pair) into $SAKR_TOOLS (default
# ~/.cache/sakr/tools), never into the crate's sources:
#   - cargo-zigbuild, the prebuilt wheel from PyPI (fallback: `cargo install` from crates.io)
#   - zig, PyPI's `ziglang` wheel
# both in one Python venv; zig's and cargo-zigbuild's caches live beside it. docs/dependencies.md
# says why.
#
# The build uses CARGO_TARGET_DIR when set (CI's persistent cache), else target/. The commit in
# `sakr --version` is passed to build.rs as SAKR_BUILD_COMMIT, with `-dirty` when tracked files
# differ from HEAD. scripts/release-check.sh builds this and checks the artifact.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

zigbuild_version=0.24.1
zig_version=0.15.2
triple=x86_64-unknown-linux-gnu
glibc=2.17

die() {
    printf 'release.sh: %s\n' "$*" >&2
    exit 2
}
step() { printf '\n== %s\n' "$*" >&2; }

out=$root/dist
tools_only=false
while [ $# -gt 0 ]; do
    case $1 in
    --out)
        [ $# -ge 2 ] || die "--out needs a directory"
        out=$2
        shift 2
        ;;
    --out=*)
        out=${1#--out=}
        shift
        ;;
    --tools-only)
        tools_only=true
        shift
        ;;
    -h | --help)
        sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
        exit 0
        ;;
    *) die "unknown argument '$1' (usage: scripts/release.sh [--out DIR] [--tools-only])" ;;
    esac
done

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
    die "builds the $triple binary on a Linux x86_64 machine only (this is $(uname -s) $(uname -m))"
command -v cargo >/dev/null || die "cargo is required (rustup's toolchain)"
command -v python3 >/dev/null || die "python3 (with venv and pip) is required to install zig and cargo-zigbuild"

tools=${SAKR_TOOLS:-$HOME/.cache/sakr/tools}
venv=$tools/zigbuild-$zigbuild_version-zig-$zig_version
zig=$venv/zig-path

# The zig binary the ziglang wheel ships, and cargo-zigbuild: both answer their version, or the
# venv is (re)made. A half-finished install (interrupted pip) is thrown away, not trusted.
tools_ok() {
    [ -x "$venv/bin/cargo-zigbuild" ] && [ -s "$zig" ] &&
        [ "$("$venv/bin/cargo-zigbuild" --version 2>/dev/null)" = "cargo-zigbuild $zigbuild_version" ] &&
        [ "$("$(cat "$zig")" version 2>/dev/null)" = "$zig_version" ]
}
install_tools() {
    if tools_ok; then
        return
    fi
    step "installing zig $zig_version and cargo-zigbuild $zigbuild_version into $venv (once: two wheels from PyPI, 95 MB to fetch, 380 MB installed)"
    rm -rf "$venv"
    mkdir -p "$tools"
    python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install python3-venv)"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "ziglang==$zig_version" ||
        die "could not install ziglang==$zig_version from PyPI"
    if ! "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
        "cargo-zigbuild==$zigbuild_version"; then
        step "no cargo-zigbuild wheel: building it from crates.io into $venv (once: a few minutes)"
        cargo install cargo-zigbuild --version "$zigbuild_version" --locked --root "$venv" ||
            die "could not install cargo-zigbuild $zigbuild_version (neither PyPI's wheel nor crates.io)"
    fi
    "$venv/bin/python" -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))' \
        >"$zig.tmp"
    mv "$zig.tmp" "$zig"
    tools_ok || die "zig $zig_version or cargo-zigbuild $zigbuild_version in $venv does not run"
}

install_tools
if $tools_only; then
    echo "zig $zig_version: $(cat "$zig")"
    echo "cargo-zigbuild $zigbuild_version: $venv/bin/cargo-zigbuild"
    exit 0
fi

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ -n "$version" ] || die "no version in Cargo.toml"
if commit=$(git rev-parse --short=10 HEAD 2>/dev/null); then
    if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
        echo "release.sh: warning: tracked files differ from HEAD; the binary says commit $commit-dirty" >&2
        commit=$commit-dirty
    fi
else
    commit=${SAKR_BUILD_COMMIT:-unknown}
fi
target_dir=${CARGO_TARGET_DIR:-$root/target}
name=sakr-$version-$triple

step "cargo zigbuild --release --target $triple.$glibc (sakr $version, commit $commit; target dir $target_dir)"
export CARGO_ZIGBUILD_ZIG_PATH
CARGO_ZIGBUILD_ZIG_PATH=$(cat "$zig")
export CARGO_ZIGBUILD_CACHE_DIR=$tools/cargo-zigbuild-cache
export ZIG_GLOBAL_CACHE_DIR=$tools/zig-cache
SAKR_BUILD_COMMIT=$commit CARGO_TARGET_DIR=$target_dir \
    "$venv/bin/cargo-zigbuild" zigbuild --release --locked --target "$triple.$glibc"
bin=$target_dir/$triple/release/sakr
[ -x "$bin" ] || die "cargo zigbuild finished but there is no $bin"

step "packing $out/$name.tar.gz"
mkdir -p "$out"
out=$(cd "$out" && pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
pkg=$stage/$name
mkdir -p "$pkg/completions" "$pkg/man/man1"
install -m 0755 "$bin" "$pkg/sakr"
# The committed completions and man pages: a test keeps them identical to what the CLI renders.
install -m 0644 completions/* "$pkg/completions/"
install -m 0644 docs/man/*.1 "$pkg/man/man1/"
install -m 0644 LICENSE README.md "$pkg/"
# Reproducible: sorted names, no owners, every mtime the commit's time, gzip without a timestamp.
mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
tar -C "$stage" --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$mtime" \
    -cf - "$name" | gzip -9n >"$out/$name.tar.gz.tmp"
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
echo "$out/$name.tar.gz.sha256"
