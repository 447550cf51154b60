#!/usr/bin/env bash
# Compares ocirun with crun and runc on one busybox bundle, like for like, and
# with a floor: bench/floor, a small static C program that does only the
# kernel work the bundle asks for. Measures, for each runtime:
#   run    `run` of the bundle, whose process is /bin/true (median, p10-p90,
#          mean CPU time, max RSS); floor rows: `floor` and `floor --minimal`
#   exec   `exec CONTAINER /bin/true` into a running container of the runtime;
#          floor rows: `floor --exec PID` (setns + fork + exec)
#   pss    the PSS of a created, not yet started container's init process
#          (/proc/PID/smaps_rollup), median over a few containers
#   many   wall time to create, start and delete 100 containers, 8 at a time
# and prints ratios to crun (and to the floor).
#
# Usage: bench/run-vs-crun-runc.sh [--runs N] [--batch K] [--warmup W]
#                                  [--rss-runs M] [--pss-runs P] [--many C]
#                                  [--jobs J] [--many-rounds R] [--ocirun PATH]
#                                  [--floor PATH] [--no-floor] [--only-others]
#                                  [--cgroups] [--systemd] [--rootless USER]
#                                  [--phases LIST]
#
# Runs as root. Needs hyperfine, jq, GNU time (/usr/bin/time, Debian package
# "time"), busybox-static, unshare (util-linux), crun and runc; a C compiler
# only when no built floor is found.
#
# How it measures (bench/README.md has the details)
#   * Timed runs are interleaved: the N runs of each row are split into rounds
#     of K; every round calls hyperfine once with all rows in a rotated order,
#     so each sees the machine in the same states. The median is taken over
#     all N samples of a row. The many rounds rotate the runtimes likewise.
#   * Everything happens inside a private mount namespace
#     (unshare -m --propagation private). The binaries are copied into a tmpfs
#     private to it, with the bundles and the state directories (--root):
#     nothing is left in /run or on disk, and a rebuild of the ocirun binary
#     during the benchmark does not change what is measured.
#   * cgroups, by default like for like: ocirun and crun run with
#     --cgroup-manager=disabled; runc has no such switch and makes its cgroups.
#     On a hybrid host (v1 controllers plus an empty cgroup2 at
#     /sys/fs/cgroup/unified) an empty tmpfs hides /sys/fs/cgroup/unified in
#     the namespace, because crun 1.8 refuses hybrid hosts. --cgroups (a pure
#     cgroup v2 host only; refused elsewhere): every runtime, and the floor,
#     makes its cgroup. --systemd (systemd as PID 1 on pure cgroup v2: the
#     VM of tests/vm/vmrun --systemd): every runtime uses its systemd driver
#     (a transient scope in ocibench.slice, over D-Bus); no floor rows.
#     --rootless USER: every runtime is run by USER, an unprivileged user
#     (setpriv: hyperfine and the rest are started as USER, so that nothing
#     but the runtime is timed), on the bundle in a user namespace mapping
#     root onto USER; no cgroups, no floor rows.
#   * Every container has an absolute linux.cgroupsPath under /ocibench, so no
#     runtime nests cgroups under the caller's; whatever is left of
#     /sys/fs/cgroup[/*]/ocibench afterwards is removed (rmdir only).
set -euo pipefail

script_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo_dir=$(dirname "$script_dir")
orig_args=("$@")

runs=50
batch=5
warmup=5
rss_runs=10
pss_runs=5
many=100
jobs=8
many_rounds=3
ocirun_bin=${OCIRUN:-$repo_dir/build/ocirun}
floor_bin=${OCIBENCH_FLOOR:-}
no_floor=0
only_others=0
cgroups_mode=0
systemd_mode=0
rootless_user=""
phases=run,exec,pss,many
cgroup_top=ocibench

# Goals for ocirun (bench/README.md).
goal_time_ratio=0.60
goal_rss_kib=2048
goal_pss_kib=410 # 0.4 MiB

usage() {
  sed -n '/^# Usage:/,/^# Runs as root/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'
  cat <<'EOF'
Options:
  --runs N         timed runs per row, run and exec (default 50)
  --batch K        runs per row in each interleaved round (default 5)
  --warmup W       untimed runs per row before the first round (default 5)
  --rss-runs M     runs under /usr/bin/time per row for the RSS figure (default 10)
  --pss-runs P     containers created per runtime for the init PSS (default 5)
  --many C         containers per round of the many phase (default 100)
  --jobs J         of them at a time (default 8)
  --many-rounds R  rounds of the many phase per runtime (default 3)
  --ocirun PATH    ocirun binary (default: build/ocirun, or $OCIRUN)
  --floor PATH     floor binary (default: bench/floor in ocirun's build dir,
                   or $OCIBENCH_FLOOR; else bench/floor.c compiled with cc)
  --no-floor       leave the floor rows out
  --only-others    leave ocirun out (also automatic when the binary is missing)
  --cgroups        every runtime makes its cgroup (pure cgroup v2 hosts only)
  --systemd        every runtime uses its systemd cgroup driver (systemd as
                   PID 1 on pure cgroup v2; crun needs the system bus too)
  --rootless USER  every runtime run by USER (not root), in a user namespace
  --phases LIST    comma-separated subset of run,exec,pss,many (default: all)
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
  --pss-runs) pss_runs=${2:?}; shift 2 ;;
  --pss-runs=*) pss_runs=${1#*=}; shift ;;
  --many) many=${2:?}; shift 2 ;;
  --many=*) many=${1#*=}; shift ;;
  --jobs) jobs=${2:?}; shift 2 ;;
  --jobs=*) jobs=${1#*=}; shift ;;
  --many-rounds) many_rounds=${2:?}; shift 2 ;;
  --many-rounds=*) many_rounds=${1#*=}; shift ;;
  --ocirun) ocirun_bin=${2:?}; shift 2 ;;
  --ocirun=*) ocirun_bin=${1#*=}; shift ;;
  --floor) floor_bin=${2:?}; shift 2 ;;
  --floor=*) floor_bin=${1#*=}; shift ;;
  --no-floor) no_floor=1; shift ;;
  --only-others) only_others=1; shift ;;
  --cgroups) cgroups_mode=1; shift ;;
  --systemd) systemd_mode=1 cgroups_mode=1 no_floor=1 cgroup_top=ocibench.slice; shift ;;
  --rootless) rootless_user=${2:?}; no_floor=1; shift 2 ;;
  --rootless=*) rootless_user=${1#*=}; no_floor=1; shift ;;
  --phases) phases=${2:?}; shift 2 ;;
  --phases=*) phases=${1#*=}; shift ;;
  -h | --help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
  esac
done

for n in "$runs" "$batch" "$warmup" "$rss_runs" "$pss_runs" "$many" "$jobs" "$many_rounds"; do
  [[ $n =~ ^[0-9]+$ ]] || die "not a number: $n"
done
((runs > 0 && batch > 0 && rss_runs > 0 && pss_runs > 0 && many > 0 && jobs > 0 && many_rounds > 0)) ||
  die "--runs, --batch, --rss-runs, --pss-runs, --many, --jobs and --many-rounds must be positive"
declare -A want=()
IFS=, read -ra phase_list <<<"$phases"
for p in "${phase_list[@]}"; do
  case $p in
  run | exec | pss | many) want[$p]=1 ;;
  *) die "--phases: unknown phase '$p' (run, exec, pss, many)" ;;
  esac
done
((${#want[@]})) || die "--phases: no phase"
has() { [[ -n ${want[$1]:-} ]]; }

# ---------------------------------------------------------------------------
# Outer part, in the host's mount namespace: checks, then re-run inside a
# private mount namespace, then remove the cgroup directories left behind.
# ---------------------------------------------------------------------------
remove_bench_cgroups() {
  local d
  # The systemd driver's scopes are in a slice of systemd's: stopped there.
  ((systemd_mode)) && systemctl stop "$cgroup_top" 2>/dev/null
  for d in /sys/fs/cgroup/"$cgroup_top" /sys/fs/cgroup/*/"$cgroup_top"; do
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
  if [[ -n $rootless_user ]]; then
    [[ $(id -u "$rootless_user" 2>/dev/null || echo 0) != 0 ]] ||
      die "--rootless $rootless_user: not a user other than root"
    ((cgroups_mode == 0)) || die "--rootless: with no cgroups (--cgroups, --systemd are root's)"
    command -v setpriv >/dev/null || die "--rootless needs setpriv (util-linux)"
  fi
  if ((systemd_mode)) && [[ $(cat /proc/1/comm) != systemd ]]; then
    die "--systemd needs systemd as PID 1 (tests/vm/vmrun --systemd gives a VM with it)"
  fi
  if ((cgroups_mode)) && [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]]; then
    die "--cgroups needs a pure cgroup v2 hierarchy at /sys/fs/cgroup; this host has $(
      [[ -d /sys/fs/cgroup/unified ]] && echo "hybrid" || echo "v1") cgroups, where ocirun \
(cgroup v2 only) cannot make its cgroup. Run without --cgroups for the like-for-like comparison."
  fi
  if ((only_others == 0)) && [[ ! -x $ocirun_bin ]]; then
    echo "run-vs-crun-runc: $ocirun_bin not found; comparing crun and runc only" >&2
    only_others=1
  fi
  if ((no_floor == 0)) && [[ -z $floor_bin ]]; then
    # The floor of the same build as ocirun, else of the default build.
    for f in "$(dirname "$ocirun_bin")/bench/floor" "$repo_dir/build/bench/floor"; do
      [[ -x $f ]] && { floor_bin=$f; break; }
    done
  fi
  [[ -z $floor_bin || -x $floor_bin ]] || die "$floor_bin: not an executable"
  for d in /sys/fs/cgroup/"$cgroup_top" /sys/fs/cgroup/*/"$cgroup_top"; do
    [[ -d $d ]] && die "$d already exists; is another benchmark running?"
  done

  trap remove_bench_cgroups EXIT
  rc=0
  OCIBENCH_INSIDE=1 OCIBENCH_OCIRUN_BIN=$ocirun_bin OCIBENCH_FLOOR_BIN=$floor_bin \
    OCIBENCH_ONLY_OTHERS=$only_others \
    unshare --mount --propagation private -- "$BASH" "${BASH_SOURCE[0]}" "${orig_args[@]}" || rc=$?
  exit "$rc"
fi

# ---------------------------------------------------------------------------
# Inner part, in the private mount namespace.
# ---------------------------------------------------------------------------
ocirun_bin=$OCIBENCH_OCIRUN_BIN
floor_bin=$OCIBENCH_FLOOR_BIN
only_others=$OCIBENCH_ONLY_OTHERS

# crun 1.8 refuses a hybrid host; hide the (controller-less) cgroup2 mount.
if [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]]; then
  cgroup_note="cgroup v2"
elif [[ -d /sys/fs/cgroup/unified ]] &&
  [[ $(stat -f -c %T /sys/fs/cgroup/unified) == cgroup2fs ]]; then
  mount -n -t tmpfs -o size=64k,mode=755 ocibench-hide /sys/fs/cgroup/unified
  cgroup_note="hybrid cgroups (/sys/fs/cgroup/unified hidden)"
else
  cgroup_note="cgroup v1"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ocibench.XXXXXX")
# The tmpfs belongs to this namespace: it vanishes with it, whatever happens.
# U: what starts every runtime command: nothing, or setpriv to the user.
U=()
if [[ -n $rootless_user ]]; then
  rl_uid=$(id -u "$rootless_user")
  rl_gid=$(id -g "$rootless_user")
  U=(setpriv --reuid "$rl_uid" --regid "$rl_gid" --clear-groups)
  mount -n -t tmpfs -o "mode=755,uid=$rl_uid,gid=$rl_gid" ocibench "$work"
else
  mount -n -t tmpfs -o mode=700 ocibench "$work"
fi
mkdir "$work/bin"

runtimes=()
((only_others)) || runtimes+=(ocirun)
runtimes+=(crun runc)

declare -A bin=()
for rt in "${runtimes[@]}"; do
  case $rt in
  ocirun) src=$ocirun_bin ;;
  *) src=$(command -v "$rt") ;;
  esac
  cp -- "$src" "$work/bin/$rt"
  bin[$rt]=$work/bin/$rt
done

floors=()
floor_note=""
if ((no_floor == 0)); then
  if [[ -n $floor_bin ]]; then
    cp -- "$floor_bin" "$work/bin/floor"
    floor_note="floor: $floor_bin"
  elif "${CC:-cc}" -O2 -static -o "$work/bin/floor" "$script_dir/floor.c" 2>"$work/cc.err"; then
    floor_note="floor: bench/floor.c compiled with ${CC:-cc} -O2 -static"
  else
    cat "$work/cc.err" >&2
    echo "run-vs-crun-runc: no floor binary and bench/floor.c does not compile: no floor rows" >&2
  fi
  [[ -x $work/bin/floor ]] && floors=(floor floor-min)
fi
rows=("${runtimes[@]}" "${floors[@]}")

# Like for like by default: no runtime that can be told not to makes a cgroup.
# gflags: at most one word per runtime; flags_of RT sets the array g to it.
declare -A gflags=([ocirun]="" [crun]="" [runc]="")
flags_of() {
  g=()
  if [[ -n ${gflags[$1]} ]]; then g=("${gflags[$1]}"); fi
}
[[ -z $rootless_user ]] || cgroup_note+="; --rootless: run by $rootless_user, root mapped onto it"
if ((systemd_mode)); then
  cgroup_note+="; --systemd: every runtime's systemd driver, scopes in $cgroup_top"
  gflags[ocirun]=--systemd-cgroup
  gflags[crun]=--cgroup-manager=systemd
  gflags[runc]=--systemd-cgroup
elif ((cgroups_mode)); then
  cgroup_note+="; --cgroups: every runtime and the floor make their cgroups"
  mkdir -p "/sys/fs/cgroup/$cgroup_top"
else
  gflags[ocirun]=--cgroup-manager=disabled
  gflags[crun]=--cgroup-manager=disabled
  if [[ -n $rootless_user ]]; then
    cgroup_note+="; ocirun and crun --cgroup-manager=disabled, runc makes none (no cgroupsPath)"
  else
    cgroup_note+="; ocirun and crun --cgroup-manager=disabled, runc makes its cgroups"
  fi
fi

cleanup_inner() {
  local rt id g
  for rt in "${runtimes[@]}"; do
    # Whatever a failed phase left: list the state directory's containers.
    [[ -d $work/state-$rt ]] || continue
    flags_of "$rt"
    for id in $("${bin[$rt]}" --root "$work/state-$rt" list -q 2>/dev/null); do
      "${U[@]}" "${bin[$rt]}" "${g[@]}" --root "$work/state-$rt" delete --force "$id" >/dev/null 2>&1 || true
    done
  done
  umount -n "$work" 2>/dev/null || true
  rmdir "$work" 2>/dev/null || true
}
trap cleanup_inner EXIT

# --- bundles ------------------------------------------------------------------
# The busybox rootfs and config (examples/busybox-bundle.sh): /bin/true,
# pid/net/ipc/uts/mount namespaces, the usual /proc, /dev and /sys mounts,
# read-only rootfs. Every runtime gets its own bundles, each with its own
# absolute cgroupsPath, so that with --cgroups no two containers share one.
"$BASH" "$repo_dir/examples/busybox-bundle.sh" "$work/base" /bin/true
rootfs=$work/base/rootfs
# make_bundle DIR CGROUP ARG...: a bundle DIR on the shared rootfs. With
# --systemd the cgroup is the scope ocibench-CGROUP.scope (/ made -).
make_bundle() {
  local dir=$1 cg=/$cgroup_top/$2
  shift 2
  ((systemd_mode)) && cg=$cgroup_top:ocibench:${cg#/"$cgroup_top"/} && cg=${cg//\//-}
  mkdir -p "$dir"
  jq --arg r "$rootfs" --arg cg "$cg" '.root.path = $r | .linux.cgroupsPath = $cg
    | .process.args = $ARGS.positional' "$work/base/config.json" --args "$@" >"$dir/config.json"
  if [[ -n $rootless_user ]]; then
    # A user namespace mapping root onto the user; no uid=/gid= mount
    # options (their ids are not mapped), as `ocirun spec --rootless`.
    jq --argjson u "$rl_uid" --argjson g "$rl_gid" 'del(.linux.cgroupsPath) | .linux.namespaces += [{type: "user"}]
      | .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}]
      | .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}]
      | .mounts |= map(if .options then .options |= map(select(test("^[ug]id=") | not)) else . end)' \
      "$dir/config.json" >"$dir/config.json.new"
    mv "$dir/config.json.new" "$dir/config.json"
  fi
}
for rt in "${runtimes[@]}"; do
  mkdir -p "$work/state-$rt"
  [[ -z $rootless_user ]] || chown "$rl_uid:$rl_gid" "$work/state-$rt"
  make_bundle "$work/run-$rt" "run-$rt" /bin/true
  make_bundle "$work/target-$rt" "exec-$rt" sleep 1000000
  make_bundle "$work/pss-$rt" "pss-$rt" sleep 1000000
done
if has many; then
  for ((i = 1; i <= many; i++)); do
    make_bundle "$work/many/$i" "many/$i" /bin/true
  done
fi

# argv_for PHASE ROW: sets argv to the command of PHASE (run or exec) for ROW.
# `run` deletes the container when it exits, so one id per runtime is reused
# run after run; `exec` runs /bin/true in the runtime's running container, and
# the floor's exec joins crun's.
argv_for() {
  local opts=() g
  [[ $2 == floor-min ]] && opts=(--minimal)
  case $1.$2 in
  run.floor | run.floor-min)
    ((cgroups_mode)) && opts+=(--cgroup "/sys/fs/cgroup/$cgroup_top/$2")
    argv=("$work/bin/floor" "${opts[@]}" "$rootfs" /bin/true)
    ;;
  exec.floor | exec.floor-min)
    ((cgroups_mode)) && opts+=(--cgroup "$exec_floor_cgroup")
    argv=("$work/bin/floor" --exec "$exec_floor_pid" "${opts[@]}" /bin/true)
    ;;
  run.*)
    flags_of "$2"
    argv=("${bin[$2]}" "${g[@]}" --root "$work/state-$2" run --bundle "$work/run-$2" "bench-$2")
    ;;
  exec.*)
    flags_of "$2"
    argv=("${bin[$2]}" "${g[@]}" --root "$work/state-$2" exec "target-$2" /bin/true)
    ;;
  esac
}
# The same as one string, quoted for hyperfine (which splits it shell-style).
cmd_for() {
  local argv
  argv_for "$1" "$2"
  printf '%q ' "${argv[@]}"
}

# --- sanity: each row must run the bundle and exit 0 ---------------------------
for rt in "${runtimes[@]}"; do
  if has run; then
    argv_for run "$rt"
    if ! out=$("${U[@]}" "${argv[@]}" </dev/null 2>&1); then
      echo "run-vs-crun-runc: $rt cannot run the bundle:" >&2
      printf '%s\n' "$out" >&2
      [[ $rt == ocirun ]] && echo "(use --only-others to compare crun and runc only)" >&2
      exit 1
    fi
  fi
  if has exec; then
    # The container keeps the stdio it is given: files, not a pipe to wait on.
    flags_of "$rt"
    if ! "${U[@]}" "${bin[$rt]}" "${g[@]}" --root "$work/state-$rt" run -d --bundle "$work/target-$rt" \
      "target-$rt" </dev/null >/dev/null 2>"$work/target-$rt.err"; then
      echo "run-vs-crun-runc: $rt cannot start the exec target:" >&2
      cat "$work/target-$rt.err" >&2
      exit 1
    fi
    argv_for exec "$rt"
    if ! out=$("${U[@]}" "${argv[@]}" </dev/null 2>&1); then
      echo "run-vs-crun-runc: $rt cannot exec into its container:" >&2
      printf '%s\n' "$out" >&2
      exit 1
    fi
  fi
done
if ((${#floors[@]})) && has exec; then
  exec_floor_pid=$("${bin[crun]}" --root "$work/state-crun" state target-crun | jq -r .pid)
  exec_floor_cgroup=/sys/fs/cgroup$(sed -n 's/^0:://p' "/proc/$exec_floor_pid/cgroup")
fi
for fl in "${floors[@]}"; do
  for phase in run exec; do
    has "$phase" || continue
    argv_for "$phase" "$fl"
    if ! out=$("${U[@]}" "${argv[@]}" </dev/null 2>&1); then
      echo "run-vs-crun-runc: $fl ($phase) fails:" >&2
      printf '%s\n' "$out" >&2
      exit 1
    fi
  done
done

# --- helpers for the figures -------------------------------------------------
# Median of sorted numbers on stdin, scaled by $1, printed with format $2.
median() {
  awk -v k="$1" -v f="$2" '{ v[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf f "\n", m * k }'
}
# 10th and 90th percentile (nearest rank) of sorted numbers on stdin, scaled
# by $1, printed with format $2.
p10_p90() {
  awk -v k="$1" -v f="$2" '{ v[NR] = $1 } END {
    lo = int(NR * 0.1 + 0.999); if (lo < 1) lo = 1
    hi = int(NR * 0.9 + 0.999); if (hi < 1) hi = 1
    printf f "-" f "\n", v[lo] * k, v[hi] * k }'
}
# ratio A B: A/B with two decimals, or "-" when either is missing.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN {
    if (a == "" || b == "" || a == "nan" || b == "nan" || b + 0 == 0) print "-"
    else printf "%.2f\n", a / b }'
}
# verdict VALUE GOAL: "met" or "not met" (VALUE <= GOAL).
verdict() {
  awk -v a="$1" -v g="$2" 'BEGIN { print (a != "-" && a + 0 <= g + 0) ? "met" : "not met" }'
}

declare -A ver
for rt in "${runtimes[@]}"; do
  case $rt in
  ocirun) ver[$rt]=$("${bin[$rt]}" --version 2>/dev/null | head -n1 | grep -oE '[0-9]+(\.[0-9]+)+' | head -n1 || true) ;;
  # --root: crun creates its default state dir (/run/crun) even for --version.
  *) ver[$rt]=$("${bin[$rt]}" --root "$work/state-$rt" --version | head -n1 | awk '{ print $3 }') ;;
  esac
done
ver[floor]=-
ver[floor-min]=-

echo "ocibench: $cgroup_note${floor_note:+; $floor_note}" >&2
report=$work/report
: >"$report"

# --- run and exec: timed runs, interleaved -------------------------------------
rounds=$(((runs + batch - 1) / batch))
for phase in run exec; do
  has "$phase" || continue
  echo "ocibench: $phase: ${rows[*]}; $runs runs each in $rounds interleaved rounds, $warmup warm-up runs" >&2
  for ((r = 0; r < rounds; r++)); do
    n=$batch
    ((r == rounds - 1 && runs % batch)) && n=$((runs % batch))
    w=0
    ((r == 0)) && w=$warmup
    cmds=()
    for ((i = 0; i < ${#rows[@]}; i++)); do
      row=${rows[$(((i + r) % ${#rows[@]}))]}
      cmds+=(--command-name "$row" "$(cmd_for "$phase" "$row")")
    done
    if ! "${U[@]}" hyperfine --shell=none --style none --warmup "$w" --runs "$n" \
      --export-json "$work/$phase-round-$r.json" "${cmds[@]}" >/dev/null 2>"$work/hyperfine.err"; then
      echo >&2
      cat "$work/hyperfine.err" >&2
      die "hyperfine failed in $phase round $((r + 1))"
    fi
    printf '\rocibench: %s round %d/%d' "$phase" $((r + 1)) "$rounds" >&2
  done
  echo >&2
done

# Pools the samples of row $2 in phase $1 (seconds), sorted, one per line.
samples() {
  jq -r --arg row "$2" '.results[] | select(.command == $row) | .times[]' "$work/$1"-round-*.json |
    sort -g
}

# Mean CPU time (ms, user + system) of row $2 in phase $1 over all its runs:
# hyperfine's per-round means, weighted by the round's number of runs. It is
# the rusage of the row's process tree (what the command waits for), so it
# moves less with the machine's load than the wall time; kernel work done
# elsewhere (a network namespace is torn down by a kernel worker) is not in it.
cpu_ms() {
  jq -rs --arg row "$2" '[.[].results[] | select(.command == $row)
    | {n: (.times | length), c: (.user + .system)}]
    | (map(.n * .c) | add) / (map(.n) | add) * 1000 | . * 100 | round / 100' \
    "$work/$1"-round-*.json
}

# Max RSS: GNU time reports the largest ru_maxrss of the row's process tree
# (the runtime and every process it waits for, the container's included), KiB.
rss_kib() {
  local i vals=() argv
  argv_for "$1" "$2"
  for ((i = 0; i < rss_runs; i++)); do
    vals+=("$("${U[@]}" /usr/bin/time -f %M "${argv[@]}" 2>&1 >/dev/null </dev/null | tail -n1)")
  done
  printf '%s\n' "${vals[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

declare -A med spread cpu rss
for phase in run exec; do
  has "$phase" || continue
  echo "ocibench: $phase: max RSS, $rss_runs runs per row" >&2
  for row in "${rows[@]}"; do
    med[$phase.$row]=$(samples "$phase" "$row" | median 1000 %.2f)
    spread[$phase.$row]=$(samples "$phase" "$row" | p10_p90 1000 %.2f)
    cpu[$phase.$row]=$(printf '%.2f' "$(cpu_ms "$phase" "$row")")
    rss[$phase.$row]=$(rss_kib "$phase" "$row")
  done
  {
    echo
    echo "$phase of /bin/true ($runs runs each; CPU: mean user+system; x crun, x floor: ratios of the medians):"
    printf '%-9s %-9s %10s %14s %8s %12s %8s %8s\n' row version "median ms" "p10-p90 ms" "CPU ms" \
      "max RSS KiB" "x crun" "x floor"
    for row in "${rows[@]}"; do
      printf '%-9s %-9s %10s %14s %8s %12s %8s %8s\n' "$row" "${ver[$row]:-?}" "${med[$phase.$row]}" \
        "${spread[$phase.$row]}" "${cpu[$phase.$row]}" "${rss[$phase.$row]}" \
        "$(ratio "${med[$phase.$row]}" "${med[$phase.crun]}")" \
        "$(ratio "${med[$phase.$row]}" "${med[$phase.floor]:-}")"
    done
    if ((only_others == 0)); then
      t=$(ratio "${med[$phase.ocirun]}" "${med[$phase.crun]}")
      echo "$phase time ocirun/crun: $t (goal <= $goal_time_ratio: $(verdict "$t" "$goal_time_ratio"))"
      echo "$phase time ocirun/runc: $(ratio "${med[$phase.ocirun]}" "${med[$phase.runc]}")"
      echo "$phase CPU  ocirun/crun: $(ratio "${cpu[$phase.ocirun]}" "${cpu[$phase.crun]}")" \
        "(ocirun/floor: $(ratio "${cpu[$phase.ocirun]}" "${cpu[$phase.floor]:-}"))"
      echo "$phase RSS  ocirun/crun: $(ratio "${rss[$phase.ocirun]}" "${rss[$phase.crun]}"); ocirun" \
        "${rss[$phase.ocirun]} KiB (goal <= $goal_rss_kib KiB: $(verdict "${rss[$phase.ocirun]}" "$goal_rss_kib"))"
    fi
  } >>"$report"
done

# --- pss: a created, not started container's init ------------------------------
# create (process `sleep`, never started), read the init's Pss and Rss from
# /proc/PID/smaps_rollup, delete; one container at a time, the runtimes in
# turn, so no two inits of one runtime share pages with each other.
if has pss; then
  echo "ocibench: pss: ${runtimes[*]}; $pss_runs containers each" >&2
  declare -A pss_vals rss_vals
  for ((i = 0; i < pss_runs; i++)); do
    for ((j = 0; j < ${#runtimes[@]}; j++)); do
      rt=${runtimes[$(((i + j) % ${#runtimes[@]}))]}
      flags_of "$rt"
      rm -f "$work/pss.pid"
      if ! "${U[@]}" "${bin[$rt]}" "${g[@]}" --root "$work/state-$rt" create --bundle "$work/pss-$rt" \
        --pid-file "$work/pss.pid" "pss-$rt" </dev/null >/dev/null 2>"$work/pss.err"; then
        cat "$work/pss.err" >&2
        die "$rt cannot create a container"
      fi
      pid=$(<"$work/pss.pid")
      read -r p s < <(awk '/^Pss:/ { p = $2 } /^Rss:/ { r = $2 } END { print p, r }' \
        "/proc/$pid/smaps_rollup")
      pss_vals[$rt]+=$p$'\n'
      rss_vals[$rt]+=$s$'\n'
      "${U[@]}" "${bin[$rt]}" "${g[@]}" --root "$work/state-$rt" delete --force "pss-$rt" >/dev/null
    done
  done
  declare -A pss_med
  {
    echo
    echo "init of a created container, not started (median of $pss_runs containers, KiB):"
    printf '%-9s %-9s %8s %12s %8s %8s\n' runtime version PSS "PSS range" RSS "x crun"
    for rt in "${runtimes[@]}"; do
      pss_med[$rt]=$(printf '%s' "${pss_vals[$rt]}" | sort -n | median 1 %.0f)
    done
    for rt in "${runtimes[@]}"; do
      sorted=$(printf '%s' "${pss_vals[$rt]}" | sort -n)
      printf '%-9s %-9s %8s %12s %8s %8s\n' "$rt" "${ver[$rt]:-?}" "${pss_med[$rt]}" \
        "$(head -n1 <<<"$sorted")-$(tail -n1 <<<"$sorted")" \
        "$(printf '%s' "${rss_vals[$rt]}" | sort -n | median 1 %.0f)" \
        "$(ratio "${pss_med[$rt]}" "${pss_med[crun]}")"
    done
    if ((only_others == 0)); then
      echo "init PSS ocirun: ${pss_med[ocirun]} KiB (goal <= $goal_pss_kib KiB: $(verdict \
        "${pss_med[ocirun]}" "$goal_pss_kib")); ocirun/crun $(ratio "${pss_med[ocirun]}" "${pss_med[crun]}")"
    fi
  } >>"$report"
fi

# --- many: create, start and delete C containers, J at a time --------------------
# One job per container, run by `xargs -P J` with dash: create, start, delete
# --force (the process, /bin/true, may not have exited yet when delete comes;
# --force kills it then). The wall time covers the whole xargs, which gives
# each job /dev/null as stdin. OCIBENCH_FLAGS is split on purpose.
# shellcheck disable=SC2016 # expanded by the job's shell, not here
many_job='set -e
"$OCIBENCH_BIN" $OCIBENCH_FLAGS --root "$OCIBENCH_STATE" create --bundle "$OCIBENCH_BUNDLES/$1" "many-$1"
"$OCIBENCH_BIN" $OCIBENCH_FLAGS --root "$OCIBENCH_STATE" start "many-$1"
"$OCIBENCH_BIN" $OCIBENCH_FLAGS --root "$OCIBENCH_STATE" delete --force "many-$1"'
# many_round RT: prints the wall time in seconds; fails if any job failed.
many_round() {
  local rt=$1 t0 t1
  t0=$EPOCHREALTIME
  seq 1 "$many" | OCIBENCH_BIN=${bin[$rt]} OCIBENCH_FLAGS=${gflags[$rt]} \
    OCIBENCH_STATE=$work/state-$rt OCIBENCH_BUNDLES=$work/many \
    "${U[@]}" xargs -P "$jobs" -n 1 sh -c "$many_job" sh >/dev/null 2>>"$work/many-$rt.err" || return 1
  t1=$EPOCHREALTIME
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", b - a }'
}
if has many; then
  echo "ocibench: many: ${runtimes[*]}; $many containers, $jobs at a time, $many_rounds rounds each" >&2
  declare -A many_vals
  for ((r = 0; r < many_rounds; r++)); do
    for ((j = 0; j < ${#runtimes[@]}; j++)); do
      rt=${runtimes[$(((r + j) % ${#runtimes[@]}))]}
      if ! t=$(many_round "$rt"); then
        cat "$work/many-$rt.err" >&2
        die "$rt: a container of the many phase failed"
      fi
      many_vals[$rt]+=$t$'\n'
    done
    printf '\rocibench: many round %d/%d' $((r + 1)) "$many_rounds" >&2
  done
  echo >&2
  declare -A many_med
  {
    echo
    echo "create+start+delete of $many containers, $jobs at a time (/bin/true; median of $many_rounds rounds):"
    printf '%-9s %-9s %8s %16s %14s %8s\n' runtime version "median s" "range s" "containers/s" "x crun"
    for rt in "${runtimes[@]}"; do
      many_med[$rt]=$(printf '%s' "${many_vals[$rt]}" | sort -g | median 1 %.2f)
    done
    for rt in "${runtimes[@]}"; do
      sorted=$(printf '%s' "${many_vals[$rt]}" | sort -g)
      printf '%-9s %-9s %8s %16s %14s %8s\n' "$rt" "${ver[$rt]:-?}" "${many_med[$rt]}" \
        "$(head -n1 <<<"$sorted")-$(tail -n1 <<<"$sorted")" \
        "$(awk -v n="$many" -v t="${many_med[$rt]}" 'BEGIN { printf "%.0f\n", n / t }')" \
        "$(ratio "${many_med[$rt]}" "${many_med[crun]}")"
    done
    if ((only_others == 0)); then
      echo "many time ocirun/crun: $(ratio "${many_med[ocirun]}" "${many_med[crun]}")"
    fi
  } >>"$report"
fi

echo
echo "($cgroup_note${floor_note:+; $floor_note})"
cat "$report"
