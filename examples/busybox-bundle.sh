#!/usr/bin/env bash
# Makes an OCI bundle from the host's busybox (Debian package busybox-static).
#
# Usage: examples/busybox-bundle.sh [--rootfs-only] [--hostname NAME] DIR [ARG...]
#
#   DIR/rootfs       busybox, copied, plus one relative symlink per applet of
#                    `busybox --list`; the dirs bin proc sys dev etc tmp (1777)
#                    root home/user (owned by 1000 when run as root); an
#                    /etc/passwd and /etc/group with root (0) and user (1000).
#                    An existing complete rootfs (one holding the marker
#                    .complete) is reused as it is. A new one is built in
#                    DIR/rootfs.tmp and renamed into place with .complete
#                    already written, so a half-built rootfs is never used.
#   DIR/config.json  unless --rootfs-only: a config like `runc spec` makes:
#                    terminal false, process.args ARG... (default: sh),
#                    pid/network/ipc/uts/mount namespaces, the usual mounts,
#                    read-only rootfs, hostname NAME (default: ocirun).
#                    Always rewritten.
#
# Needs bash, coreutils and flock (util-linux); not jq or python. Never reads
# stdin. Several runs on the same DIR at once are safe (they lock DIR).
set -euo pipefail
exec </dev/null
umask 022

prog=busybox-bundle
die() {
  echo "$prog: $*" >&2
  exit 1
}
usage() {
  sed -n 's/^# \{0,1\}//; /^Usage:/,/^$/p' "${BASH_SOURCE[0]}"
}

rootfs_only=0
hostname=ocirun
while (($#)); do
  case $1 in
  --rootfs-only) rootfs_only=1; shift ;;
  --hostname) (($# >= 2)) || die "--hostname needs a value"; hostname=$2; shift 2 ;;
  --hostname=*) hostname=${1#*=}; shift ;;
  -h | --help) usage; exit 0 ;;
  --) shift; break ;;
  -*) usage >&2; exit 2 ;;
  *) break ;;
  esac
done
(($#)) || { usage >&2; exit 2; }
dir=$1
shift
[[ -n $dir ]] || die "the bundle directory is an empty string"
args=("$@")
((${#args[@]})) || args=(sh)

# JSON string literal of $1 (quotes included): escapes " and \ and the control
# characters. Bytes are handled one by one (C locale); non-ASCII text passes
# through unchanged.
json_string() {
  local LC_ALL=C
  local s=$1 bs="\\\\" dq="\\\"" c oct esc n
  s=${s//\\/"$bs"}
  s=${s//\"/"$dq"}
  if [[ $s == *[[:cntrl:]]* ]]; then
    s=${s//$'\n'/'\n'}
    s=${s//$'\t'/'\t'}
    s=${s//$'\r'/'\r'}
    for ((n = 1; n < 32; n++)); do
      printf -v oct '%03o' "$n"
      printf -v c '%b' "\\0$oct"
      [[ $s == *"$c"* ]] || continue
      printf -v esc '\\u%04x' "$n"
      s=${s//"$c"/"$esc"}
    done
  fi
  printf '"%s"' "$s"
}

# JSON array of the arguments, on one line.
json_array() {
  local out="" a
  for a in "$@"; do
    out+="${out:+, }$(json_string "$a")"
  done
  printf '[%s]' "$out"
}

mkdir -p -- "$dir"
rootfs=$dir/rootfs
tmp=$dir/rootfs.tmp
cfg_tmp=$dir/config.json.tmp

# One builder at a time per DIR: a lock on the directory itself (no lock file).
exec {lock_fd}<"$dir"
flock "$lock_fd"
# Whatever a failed run leaves half-written (both are ours while we hold the lock).
trap 'rm -rf -- "$tmp" "$cfg_tmp"' EXIT

# --- rootfs ------------------------------------------------------------------
build_rootfs() {
  local bb applets a
  bb=$(command -v busybox) || die "busybox not found (Debian package busybox-static)"
  rm -rf -- "$tmp"
  mkdir -p -- "$tmp"/{bin,proc,sys,dev,etc,tmp,root,home/user}
  chmod 1777 "$tmp/tmp"
  # cp follows a symbolic link to the binary; the copy gets the usual mode.
  cp -- "$bb" "$tmp/bin/busybox"
  chmod 0755 "$tmp/bin/busybox"
  applets=$("$bb" --list) || die "$bb --list failed"
  # One relative symlink per applet, as `busybox --install -s` would make.
  while IFS= read -r a; do
    [[ -z $a || $a == */* || $a == busybox || -e $tmp/bin/$a || -L $tmp/bin/$a ]] ||
      ln -s busybox "$tmp/bin/$a"
  done <<<"$applets"
  cat >"$tmp/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
EOF
  cat >"$tmp/etc/group" <<'EOF'
root:x:0:
wheel:x:10:
users:x:20:
user:x:1000:
EOF
  if ((EUID == 0)); then
    chown 1000:1000 "$tmp/home/user"
  fi
  touch "$tmp/.complete"
  rm -rf -- "$rootfs" # an incomplete one, left by an interrupted build
  mv -T -- "$tmp" "$rootfs"
}

[[ -e $rootfs/.complete ]] || build_rootfs
((rootfs_only)) && exit 0

# --- config.json ---------------------------------------------------------------
args_json=$(json_array "${args[@]}")
hostname_json=$(json_string "$hostname")
caps='"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
cat >"$cfg_tmp" <<EOF
{
  "ociVersion": "1.0.2",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": $args_json,
    "env": ["PATH=/bin", "HOME=/root", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": [$caps],
      "effective": [$caps],
      "permitted": [$caps]
    },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }],
    "noNewPrivileges": true
  },
  "root": { "path": "rootfs", "readonly": true },
  "hostname": $hostname_json,
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { "destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
      "options": ["nosuid", "noexec", "nodev"] },
    { "destination": "/sys", "type": "sysfs", "source": "sysfs",
      "options": ["nosuid", "noexec", "nodev", "ro"] }
  ],
  "linux": {
    "namespaces": [
      { "type": "pid" }, { "type": "network" }, { "type": "ipc" },
      { "type": "uts" }, { "type": "mount" }
    ],
    "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list", "/sys/firmware"],
    "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
  }
}
EOF
mv -f -- "$cfg_tmp" "$dir/config.json"
