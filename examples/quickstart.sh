#!/usr/bin/env bash
# ocirun quick start, for a Debian 12 machine, as root:
#   1. installs the build dependencies that are missing (apt-get),
#   2. builds ocirun into build/,
#   3. makes a bundle from busybox-static in a work directory
#      (default /tmp/ocirun-quickstart; pass another as the only argument)
#      with examples/busybox-bundle.sh,
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
bash "$repo/tests/install-deps" build >&2 || die "the build dependencies are missing"

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
# The demo: the shell prints the hostname, `id` and `ps` (where it is PID 1).
# shellcheck disable=SC2016 # expanded by the container's shell, not here
bash "$repo/examples/busybox-bundle.sh" --hostname quickstart "$bundle" \
  /bin/sh -c 'echo "hostname: $(hostname)"; echo "id: $(id)"; ps -o pid,user,comm; exit 0'

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
