#!/usr/bin/env bash
# ocirun quick start, for a Debian 12 machine, as root:
#   1. installs the build dependencies that are missing (apt-get),
#   2. builds ocirun into build/,
#   3. makes a bundle from busybox-static in a work directory
#      (default /tmp/ocirun-quickstart; pass another as the only argument),
#   4. runs it with `ocirun run`. The container prints its hostname, `id` and
#      `ps` (where its shell is PID 1). `run` deletes the container on exit.
# You can run the script again: it rebuilds only what changed and recreates the
# bundle. It never reads stdin.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${1:-/tmp/ocirun-quickstart}
id="ocirun-quickstart"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() {
  echo "quickstart: $*" >&2
  exit 1
}

((EUID == 0)) || die "run me as root (containers need it): sudo bash $0"
[[ $work == /* ]] || work=$PWD/$work

# 1. Dependencies --------------------------------------------------------------
packages=(meson ninja-build pkg-config g++ libseccomp-dev libcap-dev libyaml-cpp-dev
  nlohmann-json3-dev catch2 bats busybox-static)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
    missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update </dev/null
  apt-get install -y --no-install-recommends "${missing[@]}" </dev/null
fi

# 2. Build ---------------------------------------------------------------------
cd "$repo"
if [[ ! -f build/build.ninja ]]; then
  say "meson setup build"
  meson setup build </dev/null
fi
say "meson compile -C build"
meson compile -C build </dev/null
ocirun=$repo/build/ocirun

# 3. Bundle --------------------------------------------------------------------
bundle=$work/bundle
say "creating the bundle in $bundle"
[[ -L $work ]] && die "$work is a symbolic link; refusing to use it"
rm -rf "$bundle"
mkdir -p "$bundle"/rootfs/{bin,proc,sys,dev,etc,tmp}
busybox=$(command -v busybox) || die "busybox not found (package busybox-static)"
cp "$busybox" "$bundle/rootfs/bin/busybox"
# One relative symlink per applet, as `busybox --install -s` would make.
for applet in $("$busybox" --list); do
  [[ -e $bundle/rootfs/bin/$applet ]] || ln -s busybox "$bundle/rootfs/bin/$applet"
done
cat >"$bundle/rootfs/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$bundle/rootfs/etc/group" <<'EOF'
root:x:0:
nogroup:x:65534:
EOF

cat >"$bundle/config.json" <<'EOF'
{
  "ociVersion": "1.0.2",
  "root": { "path": "rootfs", "readonly": true },
  "hostname": "quickstart",
  "process": {
    "terminal": false,
    "user": { "uid": 0, "gid": 0 },
    "args": ["/bin/sh", "-c", "echo \"hostname: $(hostname)\"; echo \"id: $(id)\"; ps -o pid,user,comm; exit 0"],
    "env": ["PATH=/bin", "HOME=/root", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
      "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    },
    "rlimits": [{ "type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024 }],
    "noNewPrivileges": true
  },
  "mounts": [
    { "destination": "/proc", "type": "proc", "source": "proc" },
    { "destination": "/dev", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "strictatime", "mode=755", "size=65536k"] },
    { "destination": "/dev/pts", "type": "devpts", "source": "devpts",
      "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"] },
    { "destination": "/dev/shm", "type": "tmpfs", "source": "shm",
      "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
    { "destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
      "options": ["nosuid", "nodev", "mode=1777"] },
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

# 4. Run -----------------------------------------------------------------------
# A container left over by an interrupted earlier run would block the id.
"$ocirun" delete --force "$id" >/dev/null 2>&1 || true
say "ocirun run --bundle $bundle $id"
rc=0
"$ocirun" run --bundle "$bundle" "$id" </dev/null || rc=$?
if ((rc == 0)); then
  say "done. The bundle stays in $bundle: edit its config.json and run it again with"
  say "  $ocirun run --bundle $bundle NAME"
else
  say "ocirun run exited with status $rc"
fi
exit "$rc"
