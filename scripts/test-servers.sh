#!/usr/bin/env bash
# Installs the local servers and relying-party tooling that the storage tests need
# (DESIGN §5: real servers on 127.0.0.1, not SDK mocks), all under ./.cache (git-ignored):
#   .cache/venv        moto's S3 server (`moto_server`), azure-storage-blob (mints Azurite SAS
#                      tokens in tests), PyJWT + cryptography (signs test tokens), jsonschema
#                      (checks every command's `-o json` against docs/json/*.schema.json)
#   .cache/node        Azurite 3 (`azurite-blob`)
#   tests/rp/node_modules  npm `jose` for the relying-party check (from the committed lock file)
#   softhsm2           Debian's SoftHSM2 (/usr/lib/softhsm/libsofthsm2.so, softhsm2-util): the
#                      PKCS#11 token of the `sakr signer` pkcs11 backend tests (apt-get, as root)
#
# Usage: scripts/test-servers.sh install   # idempotent; a second run takes well under a second
#        scripts/test-servers.sh env       # prints the paths the tests use
# The tests start and stop the servers themselves (tests/cli/servers/servers.rs).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="$root/.cache"
venv="$cache/venv"
node_prefix="$cache/node"
# Bump when the pinned set below changes, so that `install` re-runs the installers.
stamp_version="2"
python_pkgs=("moto[server]>=5.1,<6" "azure-storage-blob>=12.20,<13" "PyJWT>=2.8,<3" "cryptography>=42" "jsonschema>=4.20,<5")

log() { printf 'test-servers: %s\n' "$*" >&2; }

install_python() {
    local stamp="$venv/.sakr-installed-$stamp_version"
    if [[ -f "$stamp" && -x "$venv/bin/moto_server" ]]; then
        return
    fi
    local py
    py="$(command -v python3 || true)"
    [[ -n "$py" ]] || { log "python3 not found: install CPython >= 3.9"; exit 2; }
    log "creating $venv with $py"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${python_pkgs[@]}"
    touch "$stamp"
}

install_azurite() {
    local stamp="$node_prefix/.sakr-installed-$stamp_version"
    if [[ -f "$stamp" && -x "$node_prefix/node_modules/.bin/azurite-blob" ]]; then
        return
    fi
    command -v npm >/dev/null || { log "npm not found: install Node.js >= 18"; exit 2; }
    log "installing azurite@3 into $node_prefix"
    mkdir -p "$node_prefix"
    npm install --silent --no-audit --no-fund --prefix "$node_prefix" azurite@3 >/dev/null
    touch "$stamp"
}

install_rp() {
    local rp="$root/tests/rp"
    # npm ci wipes node_modules, so only run it when the lock file changed since the last run.
    local want
    want="$(sha256sum "$rp/package-lock.json" | cut -d' ' -f1)"
    if [[ -f "$rp/node_modules/.sakr-lock-sha256" && "$(cat "$rp/node_modules/.sakr-lock-sha256")" == "$want" ]]; then
        return
    fi
    log "installing tests/rp dependencies (npm ci)"
    (cd "$rp" && npm ci --silent --no-audit --no-fund >/dev/null)
    echo "$want" >"$rp/node_modules/.sakr-lock-sha256"
}

softhsm_module=/usr/lib/softhsm/libsofthsm2.so

# SoftHSM2 comes from the distribution (no daemon, no service: a library and a CLI). Each test
# makes its own token directory and SOFTHSM2_CONF, so the system-wide /etc/softhsm is unused.
install_softhsm() {
    if [[ -f $softhsm_module ]] && command -v softhsm2-util >/dev/null; then
        return
    fi
    [[ $(id -u) == 0 ]] || { log "need softhsm2: run as root (apt-get install softhsm2)"; exit 2; }
    log "installing softhsm2 (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
        install --no-install-recommends softhsm2)
    # As scripts/test-sshd.sh: `apt-get update` only without package lists or when the install
    # fails with the lists we have. softhsm2 starts no service, so no policy-rc.d is needed.
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt-get update -q
    fi
    if ! "${apt[@]}"; then
        log "apt-get install failed; refreshing the package lists and retrying"
        apt-get update -q
        "${apt[@]}"
    fi
    [[ -f $softhsm_module ]] || { log "$softhsm_module still missing after apt-get install softhsm2"; exit 2; }
}

case "${1:-install}" in
    install)
        install_python
        install_azurite
        install_rp
        install_softhsm
        log "ready: $venv/bin/moto_server, $node_prefix/node_modules/.bin/azurite-blob, tests/rp/node_modules, $softhsm_module"
        ;;
    env)
        echo "SAKR_TEST_VENV=$venv"
        echo "SAKR_TEST_AZURITE=$node_prefix/node_modules/.bin/azurite-blob"
        echo "SAKR_TEST_SOFTHSM=$softhsm_module"
        ;;
    *)
        echo "usage: $0 install|env" >&2
        exit 2
        ;;
esac
