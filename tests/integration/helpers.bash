# Shared setup for the integration suite (bats 1.8).  Every test file does
#
#     load helpers
#     setup()    { common_setup; }
#     teardown() { common_teardown; }
#
# and gets, per test:
#   TEST_DIR  a fresh directory under $WORK (removed by teardown)
#   BUNDLE    $TEST_DIR/bundle: rootfs/ (busybox) + config.json from
#             config.template.json, edited with `update_config JQ_FILTER`
#   ROOT      $TEST_DIR/state: the --root state dir of every ocirun call
#   ocirun    a function: "$OCIRUN" --root "$ROOT" "$@"
#
# Teardown force-deletes whatever the test left and fails the test when anything
# is left behind: a state dir entry, a mount naming $TEST_DIR, a process of the
# test (found by the marker OCIRUN_TEST_MARK=<mark> that the config's env and
# every ocirun call carry).
#
# OCIRUN picks the binary under test (default: build/ocirun).  Pointing it at
# runc (OCIRUN=/usr/sbin/runc) validates the suite against runc; checks of
# ocirun's own conventions (message wording, config.yaml, ...) are then skipped.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${OCIRUN:=$REPO/build/ocirun}"
# Absolute, so that tests may cd anywhere.
case $OCIRUN in /*) ;; *) OCIRUN=$(command -v "$OCIRUN" || echo "$PWD/$OCIRUN") ;; esac
: "${OCIRUN_TEST_WORK:=$BATS_TEST_DIRNAME/.work}"
WORK=$OCIRUN_TEST_WORK
TEMPLATE=$BATS_TEST_DIRNAME/config.template.json

if [[ -z ${OCIRUN_IS_RUNC:-} ]]; then
	if "$OCIRUN" --version 2>/dev/null | grep -q '^runc version'; then
		OCIRUN_IS_RUNC=1
	else
		OCIRUN_IS_RUNC=0
	fi
	export OCIRUN_IS_RUNC
fi

is_runc() { [[ $OCIRUN_IS_RUNC == 1 ]]; }

# Skips a check that encodes an ocirun convention runc does not share.
ocirun_only() {
	if is_runc; then skip "ocirun-specific: $*"; fi
}

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# --------------------------------------------------------------------------
# rootfs: built once per run (the first test that needs it), shared read-only
# as the source of each bundle's copy.

ensure_rootfs() {
	local rootfs=$WORK/rootfs
	[[ -e $rootfs/.complete ]] && return 0
	mkdir -p "$WORK"
	(
		flock 9
		[[ -e $rootfs/.complete ]] && exit 0
		# Builds $WORK/rootfs (in $WORK/rootfs.tmp, renamed when complete,
		# with .complete written last); root and user (1000), home/user.
		bash "$REPO/examples/busybox-bundle.sh" --rootfs-only "$WORK" 9>&-
	) 9>"$WORK/.rootfs.lock"
}

# --------------------------------------------------------------------------
# per-test setup / teardown

common_setup() {
	ensure_rootfs
	local name
	name=$(basename "$BATS_TEST_FILENAME" .bats)
	TEST_DIR=$(mktemp -d "$WORK/t.$name.$BATS_TEST_NUMBER.XXXXXX")
	BUNDLE=$TEST_DIR/bundle
	ROOT=$TEST_DIR/state
	MARK=${TEST_DIR##*/}
	BG_PIDS=()
	IO_N=0
	mkdir -p "$BUNDLE"
	cp -a "$WORK/rootfs" "$BUNDLE/rootfs"
	rm -f "$BUNDLE/rootfs/.complete"
	jq --arg m "OCIRUN_TEST_MARK=$MARK" '.process.env += [$m]' "$TEMPLATE" >"$BUNDLE/config.json"
	cd "$TEST_DIR"
}

common_teardown() {
	# A setup that failed before making the test's dir has nothing to clean up
	# (and an empty TEST_DIR would match every mount below).
	[[ -n ${TEST_DIR:-} ]] || return 0
	cd "$WORK"
	local leaks=() id i

	# Background ocirun processes of the test (e.g. a foreground `run` sent to
	# the background): they should be gone; if not, end them.
	for i in "${BG_PIDS[@]}"; do
		if kill -0 "$i" 2>/dev/null; then
			leaks+=("ocirun process $i still running")
			kill -KILL "$i" 2>/dev/null || true
		fi
		wait "$i" 2>/dev/null || true
	done

	# Whatever the test left in its state dir: force-delete it.
	if [[ -d $ROOT ]]; then
		for id in $(ls -A "$ROOT"); do
			"$OCIRUN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1 || true
		done
	fi

	# Processes of the test (container processes, ocirun processes).
	local pids
	for i in $(seq 50); do
		pids=$(test_pids "$MARK")
		[[ -z $pids ]] && break
		sleep 0.1
	done
	if [[ -n $pids ]]; then
		leaks+=("processes left: $(ps -o pid=,args= -p "${pids//$'\n'/,}" 2>/dev/null | tr '\n' ';')")
		kill -KILL $pids 2>/dev/null || true
	fi

	if [[ -d $ROOT ]] && [[ -n $(ls -A "$ROOT") ]]; then
		leaks+=("state dir not empty: $(ls -A "$ROOT" | tr '\n' ' ')")
	fi

	local mnts
	mnts=$(mounts_under "$TEST_DIR")
	if [[ -n $mnts ]]; then
		leaks+=("mounts left: $(tr '\n' ' ' <<<"$mnts")")
		# Our own mounts only (under TEST_DIR), deepest first.
		local m
		for m in $(sort -r <<<"$mnts"); do umount -l "$m" 2>/dev/null || true; done
	fi

	if is_runc; then
		cleanup_runc_cgroups "$MARK" || leaks+=("cgroups left under /sys/fs/cgroup/*/ocirun-tests/$MARK-*")
	fi

	if [[ -z $(mounts_under "$TEST_DIR") ]]; then
		rm -rf "$TEST_DIR"
	fi

	if ((${#leaks[@]})); then
		printf 'LEAK: %s\n' "${leaks[@]}" >&2
		return 1
	fi
}

# Pids of processes whose environment holds OCIRUN_TEST_MARK=$1 (container
# processes get it from the config, ocirun processes from the wrapper).
test_pids() {
	local f pid out=()
	for f in $(grep -lzsxF "OCIRUN_TEST_MARK=$1" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/environ}
		[[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
		# zombies are gone as far as the test is concerned
		[[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && continue
		out+=("$pid")
	done
	((${#out[@]})) && printf '%s\n' "${out[@]}"
	return 0
}

# Mount points (host view) at or under $1.
mounts_under() {
	awk -v d="$1" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo
}

# runc only: remove (rmdir, nothing else) the cgroups it made for this test.
cleanup_runc_cgroups() {
	local mark=$1 ok=0 d
	for d in /sys/fs/cgroup/*/ocirun-tests/"$mark"-*; do
		[[ -d $d ]] || continue
		# deepest first
		while read -r sub; do
			rmdir "$sub" 2>/dev/null || { sleep 0.2; rmdir "$sub" 2>/dev/null; } || ok=1
		done < <(find "$d" -depth -type d)
	done
	rmdir /sys/fs/cgroup/*/ocirun-tests 2>/dev/null || true
	return $ok
}

# Asserts nothing of the test is around right now (used by the error tests
# right after a failed command).
assert_nothing_left() {
	if [[ -d $ROOT ]] && [[ -n $(ls -A "$ROOT") ]]; then
		fail "state dir not empty: $(ls -A "$ROOT")"
	fi
	local m
	m=$(mounts_under "$TEST_DIR")
	[[ -z $m ]] || fail "mounts left: $m"
	local p
	for _ in $(seq 20); do
		p=$(test_pids "$MARK")
		[[ -z $p ]] && break
		sleep 0.1
	done
	[[ -z $p ]] || fail "processes left: $(ps -o pid=,args= -p "${p//$'\n'/,}")"
	# cgroups ocirun made (default path /ocirun/<id>) since the test began
	if ! is_runc; then
		local cg2 left
		cg2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
		if [[ -n $cg2 && -d $cg2/ocirun ]]; then
			left=$(find "$cg2/ocirun" -mindepth 1 -maxdepth 1 -type d -newer "$TEST_DIR")
			[[ -z $left ]] || fail "cgroups left: $left"
		fi
	fi
}

# --------------------------------------------------------------------------
# the runtime under test

# runc needs an absolute cgroupsPath on this host (see tests/README or the
# suite's notes): give each container its own, under /ocirun-tests.
_runc_cgroups_path() {
	local cmd="" bundle=$PWD id="" a
	local -a args=("$@")
	local n=${#args[@]} i=0
	while ((i < n)); do
		a=${args[i]}
		if [[ -z $cmd ]]; then
			case $a in
			--log | --log-format | --root | --criu | --rootless) ((i += 2)); continue ;;
			-*) ((i += 1)); continue ;;
			*) cmd=$a ;;
			esac
		else
			case $a in
			-b | --bundle) bundle=${args[i + 1]}; ((i += 2)); continue ;;
			--bundle=*) bundle=${a#--bundle=} ;;
			--pid-file | --console-socket | --preserve-fds) ((i += 2)); continue ;;
			esac
		fi
		((i += 1))
	done
	[[ $cmd == create || $cmd == run ]] || return 0
	id=${args[n - 1]}
	[[ $id =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ && $id != *..* ]] || return 0
	local cfg=$bundle/config.json
	[[ -f $cfg ]] || return 0
	local tmp=$cfg.cg.$BASHPID
	jq --arg p "/ocirun-tests/$MARK-$id" '.linux.cgroupsPath = $p' "$cfg" >"$tmp" 2>/dev/null &&
		mv "$tmp" "$cfg" || rm -f "$tmp"
	return 0
}

ocirun() {
	if is_runc; then _runc_cgroups_path "$@"; fi
	OCIRUN_TEST_MARK=$MARK "$OCIRUN" --root "$ROOT" "$@"
}

# Like bats' `run`, for commands that leave a container behind (create,
# run -d): a container inherits the runtime's stdio, so stdio goes to files
# and the container cannot hold bats' pipes open.  Sets status, output
# (stdout) and stderr.
run_detached() {
	IO_N=$((IO_N + 1))
	local o=$TEST_DIR/io.$IO_N
	status=0
	"$@" </dev/null >"$o.out" 2>"$o.err" || status=$?
	output=$(cat "$o.out")
	stderr=$(cat "$o.err")
}

# create_container ID [create flags...]: creates from $BUNDLE; fails the test
# on error.
create_container() {
	local id=$1
	shift
	run_detached ocirun create --bundle "$BUNDLE" "$@" "$id"
	[[ $status -eq 0 ]] || fail "create $id failed ($status): $stderr"
}

# run_container_detached ID [run flags...]: `run -d` from $BUNDLE.
run_container_detached() {
	local id=$1
	shift
	run_detached ocirun run -d --bundle "$BUNDLE" "$@" "$id"
	[[ $status -eq 0 ]] || fail "run -d $id failed ($status): $stderr"
}

# update_config FILTER [JQ ARGS...]: applies a jq filter to $BUNDLE/config.json
# (extra arguments go to jq, e.g. --arg name value).
update_config() {
	local cfg=$BUNDLE/config.json filter=$1
	shift
	jq "$@" "$filter" "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
}

# Sets process.args to the arguments.
set_args() {
	local json
	local a
	json=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -cs .)
	update_config '.process.args = $a' --argjson a "$json"
}

# Adds a bind mount of host dir $1 at $2 with options $3 (JSON array).
add_bind() {
	local opts=${3:-'["rbind","rw"]'}
	update_config '.mounts += [{destination: $d, type: "bind", source: $s, options: $o}]' --arg s "$1" --arg d "$2" --argjson o "$opts"
}

# Runs the container in the foreground (bats `run`), from $BUNDLE, stdin
# /dev/null.
# Usage: run_container [-N | ! | --separate-stderr] ID [ocirun run flags...]
run_container() {
	local -a flags=()
	while [[ $1 =~ ^-[0-9]+$ || $1 == '!' || $1 == --separate-stderr || $1 == --keep-empty-lines ]]; do
		flags+=("$1")
		shift
	done
	local id=$1
	shift
	run "${flags[@]}" ocirun run --bundle "$BUNDLE" "$@" "$id" </dev/null
}

container_status() {
	ocirun state "$1" 2>/dev/null | jq -r .status
}

container_pid() {
	ocirun state "$1" 2>/dev/null | jq -r .pid
}

# wait_for_status ID STATUS [SECONDS]
wait_for_status() {
	local id=$1 want=$2 secs=${3:-10} s
	for _ in $(seq $((secs * 10))); do
		s=$(container_status "$id")
		[[ $s == "$want" ]] && return 0
		sleep 0.1
	done
	fail "container $id: status '$s', expected '$want'"
}

# wait_for_file PATH [SECONDS]
wait_for_file() {
	local secs=${2:-10}
	for _ in $(seq $((secs * 10))); do
		[[ -e $1 ]] && return 0
		sleep 0.1
	done
	fail "timed out waiting for $1"
}

# expect_error PHRASE [RUNC_PHRASE]: the last `run --separate-stderr` (or
# run_detached) failed with exit status 1 (EXPECT_STATUS, e.g. 255 for exec) and a one-line message on stderr
# naming PHRASE ("ocirun: ..." ).  Against runc: non-zero status and
# RUNC_PHRASE (if given) somewhere in stderr.
expect_error() {
	local phrase=$1 runc_phrase=${2:-}
	if is_runc; then
		[[ $status -ne 0 ]] || fail "expected failure, got status 0; stdout: $output"
		[[ -n $stderr ]] || fail "no message on stderr"
		if [[ -n $runc_phrase ]]; then
			# runc's logrus quotes the message: unescape \"
			local unq=${stderr//'\"'/'"'}
			[[ $unq == *"$runc_phrase"* ]] || fail "stderr lacks '$runc_phrase': $stderr"
		fi
		return 0
	fi
	local want=${EXPECT_STATUS:-1} # exec's runtime errors: 255, as runc
	[[ $status -eq $want ]] || fail "expected exit status $want, got $status; stderr: $stderr"
	local lines
	lines=$(printf '%s\n' "$stderr" | grep -c .)
	[[ $lines -eq 1 ]] || fail "expected a one-line message, got $lines lines:" "$stderr"
	[[ $stderr == "ocirun: "* ]] || fail "message does not start with 'ocirun: ': $stderr"
	[[ $stderr == *"$phrase"* ]] || fail "message lacks '$phrase': $stderr"
}

# assert_line_in_output LINE: exact line match in $output.
assert_line() {
	grep -qxF -- "$1" <<<"$output" || fail "no line '$1' in output:" "$output"
}

assert_contains() {
	[[ $output == *"$1"* ]] || fail "output lacks '$1':" "$output"
}

# ocirun_bg ARGS...: starts the runtime in the background, as a direct child
# (so that $BG_PID is the runtime itself, for signals).  Its output goes to
# $TEST_DIR/bg.out.  Teardown ends it if the test did not.
ocirun_bg() {
	if is_runc; then _runc_cgroups_path "$@"; fi
	OCIRUN_TEST_MARK=$MARK "$OCIRUN" --root "$ROOT" "$@" </dev/null >"$TEST_DIR/bg.out" 2>&1 3>&- &
	BG_PID=$!
	BG_PIDS+=("$BG_PID")
}
