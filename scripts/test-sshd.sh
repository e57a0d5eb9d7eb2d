#!/usr/bin/env bash
# Real OpenSSH "nodes" on 127.0.0.1 for the ssh-transport tests (DESIGN §5, §7; issue 15):
# N sshd processes, each in its own mount namespace where /etc/kubernetes is a bind mount of
# DIR/nodeK/etc/kubernetes. So every node sees its own /etc/kubernetes (and the host's
# everything else), and a test seeds and inspects a node's files on the host under DIR/nodeK.
#
# Usage:
#   scripts/test-sshd.sh install          # Debian's openssh-server + inotify-tools (root, idempotent)
#   scripts/test-sshd.sh start DIR N      # N nodes under DIR; prints "nodeK PORT PID" lines
#   scripts/test-sshd.sh start-node DIR K # (re)start node K of DIR on its port, same host key
#   scripts/test-sshd.sh kill DIR K       # take node K down: SIGKILL its sshd and its sessions
#   scripts/test-sshd.sh stop DIR         # kill every node of DIR (idempotent)
# By hand:  scripts/test-sshd.sh start /tmp/n 3; ssh -F /tmp/n/ssh_config node1
#
# Layout of DIR (see docs/testing-nodes.md):
#   client_key, client_key.pub   the key the tests log in with (root, key only)
#   authorized_keys              client_key.pub; every node's AuthorizedKeysFile
#   known_hosts                  "[127.0.0.1]:PORT <host key>" of every node
#   ssh_config                   Host node1 … nodeN (+ Host * defaults): use `ssh -F DIR/ssh_config`
#   nodeK/etc/kubernetes         what node K sees as /etc/kubernetes
#   nodeK/sshd_config, nodeK/ssh_host_ed25519_key{,.pub}, nodeK/port
#   nodeK/sshd.pid               the listening sshd (written by sshd itself)
#   nodeK/sshd.log               its log (sshd -E)
#
# Needs root (mount namespaces, bind mounts, sshd as root). Requires /etc/kubernetes to exist on
# the host as a mount point: when it is missing, `start` creates it EMPTY and leaves it there
# (removing it later could race another test's node being started). An existing /etc/kubernetes
# is never written: the bind mounts live only in the nodes' private mount namespaces.
set -euo pipefail

sshd_bin=/usr/sbin/sshd
log() { printf 'test-sshd: %s\n' "$*" >&2; }
die() { log "$*"; exit 2; }

# ---------------------------------------------------------------------------------------------
# install
# ---------------------------------------------------------------------------------------------

cmd_install() {
    local need=()
    [[ -x $sshd_bin ]] || need+=(openssh-server)
    command -v inotifywait >/dev/null || need+=(inotify-tools)
    command -v ssh-keygen >/dev/null || need+=(openssh-client)
    command -v unshare >/dev/null || need+=(util-linux)
    [[ -x /bin/busybox ]] || need+=(busybox-static)
    if ((${#need[@]} == 0)); then
        return
    fi
    [[ $(id -u) == 0 ]] || die "need ${need[*]}: run as root (apt-get install ${need[*]})"
    log "installing ${need[*]} (apt-get)"
    # Debian's openssh-server starts the system sshd on port 22 from its postinst
    # (invoke-rc.d / deb-systemd-invoke). Both ask /usr/sbin/policy-rc.d first: while we install,
    # a policy-rc.d that answers 101 ("action forbidden") keeps the service from starting. An
    # existing policy-rc.d (Docker images ship one that says 101) is left as it is. On a systemd
    # machine the unit is still *enabled* by the package (it would start at the next boot); the
    # tests never use port 22 or /etc/ssh, so that is harmless.
    local own_policy=
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        own_policy=1
        printf '#!/bin/sh\n# written by sakr scripts/test-sshd.sh during apt-get install\nexit 101\n' \
            >/usr/sbin/policy-rc.d
        chmod 0755 /usr/sbin/policy-rc.d
        trap 'rm -f /usr/sbin/policy-rc.d' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold
        install --no-install-recommends "${need[@]}")
    # `apt-get update` only when needed: no package lists at all, or the install fails with the
    # lists we have (a fresh image, or stale lists pointing at removed versions).
    if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
        apt-get update -q
    fi
    if ! "${apt[@]}"; then
        log "apt-get install failed; refreshing the package lists and retrying"
        apt-get update -q
        "${apt[@]}"
    fi
    if [[ -n $own_policy ]]; then
        rm -f /usr/sbin/policy-rc.d
        trap - EXIT
    fi
    [[ -x $sshd_bin ]] || die "$sshd_bin still missing after apt-get install openssh-server"
    if port_listening 22 any; then
        log "note: something listens on port 22 (a system sshd?); the test nodes do not use it"
    fi
}

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------

# port_listening PORT [any]: a TCP socket in LISTEN state on 127.0.0.1:PORT (or any address
# with "any"). Prints its socket inode. Reads /proc/net/tcp: no ss/netstat needed.
port_listening() {
    local hex
    hex=$(printf '%04X' "$1")
    awk -v p=":$hex" -v any="${2:-}" '
        $4 == "0A" && ((any != "" && substr($2, length($2) - 4) == p) || $2 == "0100007F" p) {
            print $10; found = 1
        }
        END { exit !found }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# owns_socket PID INODE: PID holds the socket INODE (so the listener on the port is ours).
owns_socket() {
    local fd
    for fd in /proc/"$1"/fd/*; do
        [[ $(readlink "$fd" 2>/dev/null) == "socket:[$2]" ]] && return 0
    done
    return 1
}

# A port that nothing listens on now, below the kernel's ephemeral range (where ssh clients and
# the other test servers' port-0 binds take theirs). sshd may still lose it to another process
# before it binds: start_node then retries with another one.
pick_port() {
    local low port
    low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
    ((low > 12000)) || low=32768
    for _ in $(seq 1 200); do
        port=$((10000 + RANDOM % (low - 10000)))
        port_listening "$port" any >/dev/null || { echo "$port"; return; }
    done
    die "no free port found"
}

# node_pids DIR K: every process living in node K's mount namespace (the listening sshd, the
# per-connection sshds, the shells and commands of open sessions). Identified by the mount
# namespace recorded at start AND by the bind mount itself in the process's mountinfo, so a
# namespace id reused by the kernel after the node died never matches someone else's process.
node_pids() {
    local node=$1/node$2 ns src
    [[ -f $node/mntns ]] || return 0
    ns=$(cat "$node/mntns")
    src=$(realpath "$node/etc/kubernetes" 2>/dev/null) || return 0
    # One find (readlink per process in a loop costs a fork each). "mnt:[N]" → pattern
    # "mnt:?N?" because brackets are glob characters in -lname. Zombies have no ns link.
    # mountinfo: ID PARENT MAJ:MIN ROOT MOUNTPOINT ...; ROOT is the bind source relative to its
    # filesystem's root, hence a suffix of the source's real path.
    find /proc/[0-9]*/ns/mnt -maxdepth 0 -lname "mnt:?${ns//[^0-9]/}?" 2>/dev/null |
        sed 's|/ns/mnt$|/mountinfo|' |
        xargs -r awk -v src="$src" '
            $5 == "/etc/kubernetes" && $4 != "/" &&
            substr(src, length(src) - length($4) + 1) == $4 {
                split(FILENAME, f, "/"); print f[3]; nextfile
            }' 2>/dev/null || true
}

write_sshd_config() {
    local dir=$1 k=$2 port=$3 node=$1/node$2
    cat >"$node/sshd_config" <<EOF
# node$k of $dir (scripts/test-sshd.sh); runs in its own mount namespace
Port $port
ListenAddress 127.0.0.1
AddressFamily inet
HostKey $node/ssh_host_ed25519_key
PidFile $node/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
# root by key only
PermitRootLogin prohibit-password
AllowUsers root
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitEmptyPasswords no
# No PAM: no pam_systemd/pam_loginuid surprises in containers, no password stack at all.
UsePAM no
# The key files sit under a temp dir below world-writable /tmp, which StrictModes' path walk
# rejects; the dir itself is 0700 root.
StrictModes no
# Tests open many sessions at once (one per command, several nodes in parallel).
MaxStartups 200
MaxSessions 50
LoginGraceTime 30
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
PermitTunnel no
PermitUserEnvironment no
Subsystem sftp internal-sftp
# Plain X25519 key exchange: OpenSSH 9's default hybrid (sntrup761x25519) costs CPU on every
# session, and these tests open many sessions on busy 2-core machines. Nothing tested depends
# on the kex.
KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org
LogLevel VERBOSE
EOF
}

# start_node DIR K: start (or restart) node K. Reuses nodeK/port when it exists, else picks one.
start_node() {
    local dir=$1 k=$2 node=$1/node$2 port pid inode attempt
    [[ -x $sshd_bin ]] || die "$sshd_bin not found: run scripts/test-sshd.sh install (as root)"
    [[ $(id -u) == 0 ]] || die "must run as root (mount namespaces, sshd)"
    kill_node "$dir" "$k"
    for attempt in 1 2 3 4 5; do
        if [[ -s $node/port ]]; then
            port=$(cat "$node/port")
        else
            port=$(pick_port)
        fi
        write_sshd_config "$dir" "$k" "$port"
        "$sshd_bin" -t -f "$node/sshd_config" || die "node$k: sshd -t rejects $node/sshd_config"
        rm -f "$node/sshd.pid"
        local log_from
        log_from=$(($(stat -c %s "$node/sshd.log" 2>/dev/null || echo 0) + 1))
        # unshare execs sh, sh execs sshd: $! is the listening sshd. -D: stay in the foreground
        # (no daemon), -E: log to the node's file. --propagation private: the bind mount stays in
        # this namespace. setsid + nohup: not tied to the caller's terminal or process group.
        setsid nohup unshare --mount --propagation private \
            sh -c 'mount --bind "$1" /etc/kubernetes && exec "$2" -D -E "$3" -f "$4"' \
            node-mount "$node/etc/kubernetes" "$sshd_bin" "$node/sshd.log" "$node/sshd_config" \
            </dev/null >>"$node/sshd.log" 2>&1 &
        pid=$!
        echo "$pid" >"$node/launcher.pid"
        # Ready when *our* process holds the listening socket on the port (up to 10 s).
        for _ in $(seq 1 200); do
            # Exited (a zombie until `wait`: kill -0 would still succeed on it).
            if ! grep -q '^State:[[:space:]]*[^Z[:space:]]' "/proc/$pid/status" 2>/dev/null; then
                break
            fi
            if inode=$(port_listening "$port") && owns_socket "$pid" "$inode"; then
                readlink "/proc/$pid/ns/mnt" >"$node/mntns"
                echo "$port" >"$node/port"
                echo "node$k $port $pid"
                return 0
            fi
            sleep 0.05
        done
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        # Only this attempt's part of the log decides (it is appended to across restarts).
        if tail -c "+$log_from" "$node/sshd.log" 2>/dev/null |
            grep -q 'Address already in use\|Cannot bind any address' &&
            [[ -z ${SAKR_SSHD_KEEP_PORT:-} ]]; then
            log "node$k: port $port taken, trying another (attempt $attempt)"
            rm -f "$node/port"
            continue
        fi
        die "node$k did not start; last lines of $node/sshd.log:
$(tail -c "+$log_from" "$node/sshd.log" 2>/dev/null | tail -n 20)"
    done
    die "node$k: no port after 5 attempts"
}

kill_node() {
    local dir=$1 k=$2 node=$1/node$2 pid pids
    # The listener first (no new sessions), then everything else in the node's namespace.
    if [[ -s $node/launcher.pid ]]; then
        pid=$(cat "$node/launcher.pid")
        if [[ -n $(node_pids "$dir" "$k" | grep -x "$pid" || true) ]]; then
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    pids=$(node_pids "$dir" "$k")
    if [[ -n $pids ]]; then
        # shellcheck disable=SC2086
        kill -9 $pids 2>/dev/null || true
    fi
    # SIGKILL is asynchronous: wait (≤ 2 s) until none is left, so a restart can bind the port.
    for _ in $(seq 1 40); do
        [[ -z $(node_pids "$dir" "$k") ]] && break
        sleep 0.05
    done
    rm -f "$node/sshd.pid"
}

# ---------------------------------------------------------------------------------------------
# start / stop
# ---------------------------------------------------------------------------------------------

cmd_start() {
    local dir=$1 n=$2 k
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number, got '$n'"
    [[ $(id -u) == 0 ]] || die "must run as root (mount namespaces, sshd)"
    [[ -x $sshd_bin ]] || die "$sshd_bin not found: run scripts/test-sshd.sh install (as root)"
    mkdir -p "$dir"
    chmod 0700 "$dir"
    dir=$(cd "$dir" && pwd -P)
    # The mount point for the per-node bind mounts. Created empty when missing; never removed.
    if [[ ! -e /etc/kubernetes ]]; then
        log "creating the empty mount point /etc/kubernetes (the host had none)"
        mkdir -p /etc/kubernetes
    fi
    [[ -d /etc/kubernetes ]] || die "/etc/kubernetes exists and is not a directory"
    # sshd's privilege-separation directory (normally made by the service unit).
    mkdir -p /run/sshd
    chmod 0755 /run/sshd
    # Idempotent: a second start of the same DIR restarts its nodes with the same keys.
    [[ -f $dir/client_key ]] ||
        ssh-keygen -q -t ed25519 -N '' -C "sakr-tests@$dir" -f "$dir/client_key"
    cp "$dir/client_key.pub" "$dir/authorized_keys"
    chmod 0600 "$dir/authorized_keys"
    for k in $(seq 1 "$n"); do
        mkdir -p "$dir/node$k/etc/kubernetes"
        [[ -f $dir/node$k/ssh_host_ed25519_key ]] ||
            ssh-keygen -q -t ed25519 -N '' -C "node$k" -f "$dir/node$k/ssh_host_ed25519_key"
    done
    for k in $(seq 1 "$n"); do
        start_node "$dir" "$k"
    done
    write_client_config "$dir" "$n"
    start_watcher "$dir"
}

# With SAKR_SSHD_WATCH_PID set (the Rust harness sets its own pid), a small watcher stops DIR's
# nodes once that process is gone, so a test binary killed before its Drop ran (SIGKILL, a
# timeout) leaves no sshd behind. It also ends by itself when DIR is removed.
start_watcher() {
    local dir=$1 owner=${SAKR_SSHD_WATCH_PID:-}
    [[ -n $owner ]] || return 0
    [[ $owner =~ ^[0-9]+$ ]] || die "SAKR_SSHD_WATCH_PID must be a pid, got '$owner'"
    if [[ -s $dir/watcher.pid ]] && kill -0 "$(cat "$dir/watcher.pid")" 2>/dev/null; then
        return 0
    fi
    setsid nohup bash -c 'while kill -0 "$1" 2>/dev/null && [[ -d $2 ]]; do sleep 1; done
        [[ -d $2 ]] && exec "$3" stop "$2"' \
        sakr-sshd-watcher "$owner" "$dir" "$(realpath "${BASH_SOURCE[0]}")" \
        </dev/null >/dev/null 2>&1 &
    echo $! >"$dir/watcher.pid"
}

write_client_config() {
    local dir=$1 n=$2 k port
    : >"$dir/known_hosts.tmp"
    {
        echo "# scripts/test-sshd.sh: ssh -F $dir/ssh_config nodeK"
        for k in $(seq 1 "$n"); do
            port=$(cat "$dir/node$k/port")
            printf '[127.0.0.1]:%s %s\n' "$port" \
                "$(cut -d' ' -f1,2 "$dir/node$k/ssh_host_ed25519_key.pub")" >>"$dir/known_hosts.tmp"
            printf 'Host node%s\n    HostName 127.0.0.1\n    Port %s\n' "$k" "$port"
        done
        # Defaults for every host, also for `ssh -F … -p PORT root@127.0.0.1` (ssh:// URLs).
        cat <<EOF
Host *
    User root
    IdentityFile $dir/client_key
    IdentitiesOnly yes
    IdentityAgent none
    UserKnownHostsFile $dir/known_hosts
    GlobalKnownHostsFile /dev/null
    StrictHostKeyChecking yes
    CheckHostIP no
    UpdateHostKeys no
    BatchMode yes
    ConnectTimeout 5
    ControlMaster no
    ControlPath none
    LogLevel ERROR
EOF
    } >"$dir/ssh_config.tmp"
    mv -f "$dir/known_hosts.tmp" "$dir/known_hosts"
    mv -f "$dir/ssh_config.tmp" "$dir/ssh_config"
}

cmd_stop() {
    local dir=$1 node k
    [[ -d $dir ]] || return 0
    dir=$(cd "$dir" && pwd -P)
    for node in "$dir"/node*; do
        [[ -d $node ]] || continue
        k=${node##*/node}
        [[ $k =~ ^[0-9]+$ ]] || continue
        kill_node "$dir" "$k"
    done
}

main() {
    local cmd=${1:-}
    case $cmd in
    install) cmd_install ;;
    start)
        (($# == 3)) || die "usage: $0 start DIR N"
        cmd_start "$2" "$3"
        ;;
    start-node)
        (($# == 3)) || die "usage: $0 start-node DIR K"
        local dir
        dir=$(cd "$2" && pwd -P)
        [[ -f $dir/node$3/sshd_config ]] || die "no node$3 under $dir (run start first)"
        SAKR_SSHD_KEEP_PORT=1 start_node "$dir" "$3"
        ;;
    kill)
        (($# == 3)) || die "usage: $0 kill DIR K"
        kill_node "$(cd "$2" && pwd -P)" "$3"
        ;;
    stop)
        (($# == 2)) || die "usage: $0 stop DIR"
        cmd_stop "$2"
        ;;
    *) die "usage: $0 install | start DIR N | start-node DIR K | kill DIR K | stop DIR" ;;
    esac
}

main "$@"
