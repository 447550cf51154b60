#!/usr/bin/env bash
# Times `ocirun run` against `crun run` and `runc run` on one busybox bundle
# whose process is /bin/true, and `exec` of /bin/true into a running container
# of each runtime (`ocirun exec`, `crun exec`, `runc exec`); reports median wall
# times, the ratios ocirun/crun and ocirun/runc, and each runtime's maximum
# resident set size.
#
# Usage: bench/run-vs-crun-runc.sh [--runs N] [--batch K] [--warmup W]
#                                  [--rss-runs M] [--ocirun PATH] [--only-others]
#
# Runs as root. Needs hyperfine, jq, GNU time (/usr/bin/time, Debian package
# "time"), busybox-static, unshare (util-linux), crun and runc.
#
# How it measures
#   * Timed runs are interleaved: the N runs of each runtime are split into
#     rounds of K; every round calls hyperfine once with the three commands in
#     a rotated order, so each runtime sees the machine in the same states.
#     The median is taken over all N samples of a runtime.
#   * Everything happens inside a private mount namespace
#     (unshare -m --propagation private). On a hybrid cgroup host (v1
#     controllers plus an empty cgroup2 at /sys/fs/cgroup/unified) an empty
#     tmpfs hides /sys/fs/cgroup/unified in that namespace, because crun 1.8
#     refuses hybrid hosts; the host's mounts are never changed.
#   * The bundles set an absolute linux.cgroupsPath (/ocibench/run, and
#     /ocibench/exec for the running container exec goes into) so runc and
#     crun do not create cgroups under the caller's own cgroup. Whatever of it
#     is left in /sys/fs/cgroup/*/ocibench afterwards is removed (rmdir only).
#   * State directories (--root), the bundle and the rootfs live on a tmpfs
#     private to the namespace: nothing is left in /run or on disk.
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")

runs=50
batch=5
warmup=5
rss_runs=10
ocirun_bin=${OCIRUN:-$repo_dir/build/ocirun}
only_others=0
cgroups_path=/ocibench/run

usage() {
  sed -n '/^# Usage:/,/^# Runs as root/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --runs N        timed runs per runtime (default 50)
  --batch K       runs per runtime in each interleaved round (default 5)
  --warmup W      untimed runs per runtime before the first round (default 5)
  --rss-runs M    runs under /usr/bin/time per runtime for the RSS figure (default 10)
  --ocirun PATH   ocirun binary (default: build/ocirun, or $OCIRUN)
  --only-others   leave ocirun out (also automatic when the binary is missing)
EOF
}

die() {
  echo "run-vs-crun-runc: $*" >&2
  exit 1
}

while (($#)); do
  case $1 in
  --runs) runs=${2:?}; shift 2 ;;
  --runs=*) runs=${1#*=}; shift ;;
  --batch) batch=${2:?}; shift 2 ;;
  --batch=*) batch=${1#*=}; shift ;;
  --warmup) warmup=${2:?}; shift 2 ;;
  --warmup=*) warmup=${1#*=}; shift ;;
  --rss-runs) rss_runs=${2:?}; shift 2 ;;
  --rss-runs=*) rss_runs=${1#*=}; shift ;;
  --ocirun) ocirun_bin=${2:?}; shift 2 ;;
  --ocirun=*) ocirun_bin=${1#*=}; shift ;;
  --only-others) only_others=1; shift ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
  esac
done

for n in "$runs" "$batch" "$warmup" "$rss_runs"; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
done
((runs > 0 && batch > 0 && rss_runs > 0)) || die "--runs, --batch and --rss-runs must be positive"

# ---------------------------------------------------------------------------
# Outer part, in the host's mount namespace: checks, then re-run inside a
# private mount namespace, then remove the cgroup directories runc/crun left.
# ---------------------------------------------------------------------------
remove_bench_cgroups() {
  local top=${cgroups_path#/}
  top=/${top%%/*}
  local d
  for d in /sys/fs/cgroup"$top" /sys/fs/cgroup/*"$top"; do
    [[ -d $d ]] || continue
    # Deepest first; rmdir fails (and we say so) if a cgroup still has tasks.
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null ||
      echo "run-vs-crun-runc: could not remove $d (still in use?)" >&2
  done
}

if [[ ${OCIBENCH_INSIDE:-} != 1 ]]; then
  ((EUID == 0)) || die "must run as root"
  missing=()
  for tool in hyperfine jq unshare crun runc; do
    command -v "$tool" >/dev/null || missing+=("$tool")
  done
  [[ -x /usr/bin/time ]] || missing+=("/usr/bin/time (Debian package: time)")
  command -v busybox >/dev/null || missing+=("busybox (Debian package: busybox-static)")
  ((${#missing[@]} == 0)) || die "missing: ${missing[*]}"
  if ((only_others == 0)) && [[ ! -x $ocirun_bin ]]; then
    echo "run-vs-crun-runc: $ocirun_bin not found; comparing crun and runc only" >&2
    only_others=1
  fi
  top=${cgroups_path#/}
  for d in /sys/fs/cgroup/"${top%%/*}" /sys/fs/cgroup/*/"${top%%/*}"; do
    [[ -d $d ]] && die "$d already exists; is another benchmark running?"
  done

  trap remove_bench_cgroups EXIT
  rc=0
  OCIBENCH_INSIDE=1 OCIBENCH_OCIRUN=$ocirun_bin OCIBENCH_ONLY_OTHERS=$only_others \
    unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" \
    --runs "$runs" --batch "$batch" --warmup "$warmup" --rss-runs "$rss_runs" || rc=$?
  exit "$rc"
fi

# ---------------------------------------------------------------------------
# Inner part, in the private mount namespace.
# ---------------------------------------------------------------------------
ocirun_bin=$OCIBENCH_OCIRUN
only_others=$OCIBENCH_ONLY_OTHERS

# crun 1.8 refuses a hybrid host; hide the (controller-less) cgroup2 mount.
if [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]] &&
  [[ -d /sys/fs/cgroup/unified ]] &&
  [[ $(stat -f -c %T /sys/fs/cgroup/unified) == cgroup2fs ]]; then
  mount -n -t tmpfs -o size=64k,mode=755 ocibench-hide /sys/fs/cgroup/unified
  cgroup_note="hybrid host: cgroup v1 controllers, /sys/fs/cgroup/unified hidden"
elif [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
  cgroup_note="cgroup v2 (unified)"
else
  cgroup_note="cgroup v1"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ocibench.XXXXXX")
# The tmpfs belongs to this namespace: it vanishes with it, whatever happens.
mount -n -t tmpfs -o mode=700 ocibench "$work"

runtimes=()
((only_others)) || runtimes+=(ocirun)
runtimes+=(crun runc)

declare -A bin=([ocirun]=$ocirun_bin [crun]=$(command -v crun) [runc]=$(command -v runc))
# Like for like: ocirun manages cgroup v2 only and makes no cgroup on a hybrid
# or v1 host, so there crun makes none either (--cgroup-manager=disabled).
# runc 1.1 has no such switch: it still makes its v1 cgroups.
declare -A gflags=([ocirun]="" [crun]="" [runc]="")
if [[ $cgroup_note != "cgroup v2 (unified)" ]]; then
  gflags[crun]=--cgroup-manager=disabled
  cgroup_note+="; crun --cgroup-manager=disabled"
fi

cleanup_inner() {
  local rt
  for rt in "${runtimes[@]}"; do
    "${bin[$rt]}" --root "$work/state-$rt" delete --force "bench-$rt" >/dev/null 2>&1 || true
    "${bin[$rt]}" --root "$work/state-$rt" delete --force "target-$rt" >/dev/null 2>&1 || true
  done
  umount -n "$work" 2>/dev/null || true
  rmdir "$work" 2>/dev/null || true
}
trap cleanup_inner EXIT

# --- bundle: busybox rootfs, /bin/true, the usual namespaces and mounts -----
bundle=$work/bundle
"$BASH" "$repo_dir/examples/busybox-bundle.sh" "$bundle" /bin/true
jq --arg p "$cgroups_path" '.linux.cgroupsPath = $p' "$bundle/config.json" >"$bundle/config.json.new"
mv "$bundle/config.json.new" "$bundle/config.json"

# The exec target: the same rootfs, a process that sleeps, its own cgroup.
exec_bundle=$work/exec-bundle
mkdir -p "$exec_bundle"
jq --arg r "$bundle/rootfs" '.root.path = $r | .process.args = ["sleep", "1000000"]
  | .linux.cgroupsPath = "/ocibench/exec"' "$bundle/config.json" >"$exec_bundle/config.json"

# Sets argv to the command of phase $1 (run or exec) with runtime $2. `run`
# deletes the container when it exits, so one id per runtime is reused run
# after run; `exec` runs /bin/true in the runtime's running container.
argv_for() {
  case $1 in
  run) argv=("${bin[$2]}" ${gflags[$2]} --root "$work/state-$2" run --bundle "$bundle" "bench-$2") ;;
  exec) argv=("${bin[$2]}" ${gflags[$2]} --root "$work/state-$2" exec "target-$2" /bin/true) ;;
  esac
}
# The same as one string, quoted for hyperfine (which splits it shell-style).
cmd_for() {
  local argv
  argv_for "$1" "$2"
  printf '%q ' "${argv[@]}"
}

# --- sanity: each runtime must run the bundle and exit 0 --------------------
for rt in "${runtimes[@]}"; do
  mkdir -p "$work/state-$rt"
  argv_for run "$rt"
  if ! out=$("${argv[@]}" </dev/null 2>&1); then
    echo "run-vs-crun-runc: $rt cannot run the bundle:" >&2
    printf '%s\n' "$out" >&2
    [[ $rt == ocirun ]] && echo "(use --only-others to compare crun and runc only)" >&2
    exit 1
  fi
  # The container keeps the stdio it is given: files, not a pipe to wait on.
  if ! "${bin[$rt]}" ${gflags[$rt]} --root "$work/state-$rt" run -d --bundle "$exec_bundle" "target-$rt" \
    </dev/null >/dev/null 2>"$work/target-$rt.err"; then
    echo "run-vs-crun-runc: $rt cannot start the exec target:" >&2
    cat "$work/target-$rt.err" >&2
    exit 1
  fi
  argv_for exec "$rt"
  if ! out=$("${argv[@]}" </dev/null 2>&1); then
    echo "run-vs-crun-runc: $rt cannot exec into its container:" >&2
    printf '%s\n' "$out" >&2
    exit 1
  fi
done

# --- timed runs, interleaved ------------------------------------------------
rounds=$(((runs + batch - 1) / batch))
for phase in run exec; do
  echo "ocibench: $phase: ${runtimes[*]}; $runs runs each in $rounds interleaved rounds, $warmup warm-up runs; $cgroup_note" >&2
  for ((r = 0; r < rounds; r++)); do
    n=$batch
    ((r == rounds - 1 && runs % batch)) && n=$((runs % batch))
    w=0
    ((r == 0)) && w=$warmup
    cmds=()
    for ((i = 0; i < ${#runtimes[@]}; i++)); do
      rt=${runtimes[$(((i + r) % ${#runtimes[@]}))]}
      cmds+=(--command-name "$rt" "$(cmd_for "$phase" "$rt")")
    done
    if ! hyperfine --shell=none --style none --warmup "$w" --runs "$n" \
      --export-json "$work/$phase-round-$r.json" "${cmds[@]}" >/dev/null 2>"$work/hyperfine.err"; then
      echo >&2
      cat "$work/hyperfine.err" >&2
      die "hyperfine failed in $phase round $((r + 1))"
    fi
    printf '\rocibench: %s round %d/%d' "$phase" $((r + 1)) "$rounds" >&2
  done
  echo >&2
done

# Pools the samples of runtime $2 in phase $1 (seconds), sorted, one per line.
samples() {
  jq -r --arg rt "$2" '.results[] | select(.command == $rt) | .times[]' "$work/$1"-round-*.json |
    sort -g
}
# Median (ms) of sorted values in seconds on stdin.
median_ms() {
  awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.2f\n", m * 1000 }'
}
# 10th and 90th percentile (ms, nearest rank) of sorted values on stdin.
p10_p90_ms() {
  awk '{ v[NR] = $1 } END {
    lo = int(NR * 0.1 + 0.999); if (lo < 1) lo = 1
    hi = int(NR * 0.9 + 0.999); if (hi < 1) hi = 1
    printf "%.2f-%.2f\n", v[lo] * 1000, v[hi] * 1000 }'
}

# --- max RSS: GNU time reports the largest ru_maxrss of the runtime's process
# tree (the runtime and every helper process it waits for), in KiB. ----------
rss_kib() {
  local i vals=() argv
  argv_for "$1" "$2"
  for ((i = 0; i < rss_runs; i++)); do
    vals+=("$(/usr/bin/time -f %M "${argv[@]}" 2>&1 >/dev/null </dev/null | tail -n1)")
  done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A med spread rss ver
for rt in "${runtimes[@]}"; do
  case $rt in
  ocirun) ver[$rt]=$("${bin[$rt]}" --version 2>/dev/null | head -n1 | grep -oE '[0-9]+(\.[0-9]+)+' | head -n1 || true) ;;
  # --root: crun creates its default state dir (/run/crun) even for --version.
  *) ver[$rt]=$("${bin[$rt]}" --root "$work/state-$rt" --version | head -n1 | awk '{ print $3 }') ;;
  esac
done
for phase in run exec; do
  for rt in "${runtimes[@]}"; do
    med[$phase.$rt]=$(samples "$phase" "$rt" | median_ms)
    spread[$phase.$rt]=$(samples "$phase" "$rt" | p10_p90_ms)
    rss[$phase.$rt]=$(rss_kib "$phase" "$rt")
  done
done

for phase in run exec; do
  echo
  echo "$phase of /bin/true:"
  printf '%-8s %-9s %12s %16s %14s\n' runtime version "median ms" "p10-p90 ms" "max RSS KiB"
  for rt in "${runtimes[@]}"; do
    printf '%-8s %-9s %12s %16s %14s\n' "$rt" "${ver[$rt]:-?}" "${med[$phase.$rt]}" \
      "${spread[$phase.$rt]}" "${rss[$phase.$rt]}"
  done
  if ((only_others == 0)); then
    for other in crun runc; do
      awk -v a="${med[$phase.ocirun]}" -v b="${med[$phase.$other]}" -v o="$other" -v p="$phase" \
        'BEGIN { printf "%s time ocirun/%s: %.2f\n", p, o, a / b }'
    done
    for other in crun runc; do
      awk -v a="${rss[$phase.ocirun]}" -v b="${rss[$phase.$other]}" -v o="$other" -v p="$phase" \
        'BEGIN { printf "%s RSS  ocirun/%s: %.2f\n", p, o, a / b }'
    done
  fi
done
echo
echo "($runs runs each; RSS: median over $rss_runs runs of /usr/bin/time %M)"
