#!/usr/bin/env bats
# cgroups on this kind of host: hybrid, the cgroup2 hierarchy (at
# /sys/fs/cgroup/unified) has no resource controllers. A container still gets
# a cgroup there (its core files freeze, kill and list it; device rules are
# eBPF), a limit that needs a controller fails with a clear error, and v1 is
# never touched. Limits themselves are tested in the cgroup v2 VM (tests/vm).

load helpers

setup() {
	common_setup
	ocirun_only "runc puts containers in the v1 hierarchies"
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[[ -n $CG2 ]] || skip "no cgroup2 hierarchy mounted"
}
teardown() {
	common_teardown
	local d
	# parents these tests asked for
	for d in "$CG2"/ocirun-test-abs/* "$CG2"/ocirun-test-abs "$CG2"/ocirun.slice/ocirun-test.slice \
		"$CG2"/ocirun.slice; do
		[[ -d $d ]] && rmdir "$d" 2>/dev/null
	done
	return 0
}

# The cgroup line of the container's /proc/self/cgroup.
cgroup_of_run() {
	set_args sh -c 'grep "^0::" /proc/self/cgroup'
	run_container -0 "$@"
}

@test "a container without limits gets the cgroup /ocirun/<id>, removed when it ends" {
	cgroup_of_run plain
	[[ $output == "0::/ocirun/plain" ]] || fail "$output"
	[[ ! -e $CG2/ocirun/plain ]] || fail "cgroup left"
	assert_nothing_left
}

@test "linux.cgroupsPath: absolute, relative (under ours); --systemd-cgroup without systemd is an error" {
	update_config '.linux.cgroupsPath = $p' --arg p "/ocirun-test-abs/$MARK"
	cgroup_of_run abs
	[[ $output == "0::/ocirun-test-abs/$MARK" ]] || fail "$output"
	[[ ! -e $CG2/ocirun-test-abs/$MARK ]] || fail "cgroup left"

	local own
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	update_config '.linux.cgroupsPath = $p' --arg p "ocirun-test-abs/rel-$MARK"
	cgroup_of_run rel
	[[ $output == "0::${own%/}/ocirun-test-abs/rel-$MARK" ]] || fail "$output (own cgroup $own)"

	# --systemd-cgroup is the systemd driver (tests/vm/systemd.bats): where no
	# systemd runs, as here, it says so and names the flag; no fall back to
	# cgroupfs, nothing made.
	if [[ ! -S /run/systemd/private && ! -S /run/dbus/system_bus_socket ]]; then
		update_config '.linux.cgroupsPath = "ocirun-test.slice:ocirun:sd1"'
		run_detached ocirun --systemd-cgroup run --bundle "$BUNDLE" sd1
		expect_error "--systemd-cgroup: systemd is not reachable (/run/systemd/private: connect: No such file or directory"
		[[ ! -e $CG2/ocirun.slice ]] || fail "a cgroup was made without systemd"
		run_detached ocirun --cgroup-manager=systemd run --bundle "$BUNDLE" sd2
		expect_error "--cgroup-manager=systemd: systemd is not reachable"
	fi

	update_config '.linux.cgroupsPath = "/a/../../etc"'
	run_detached ocirun run --bundle "$BUNDLE" dots
	expect_error 'linux.cgroupsPath: "/a/../../etc"'
	assert_nothing_left
}

@test "a limit whose controller the hierarchy lacks: one line naming field, controller and hierarchy" {
	update_config '.linux.resources = {memory: {limit: 16777216}}'
	set_args true
	run_detached ocirun run --bundle "$BUNDLE" nomem
	expect_error "linux.resources.memory.limit: cgroup v2 controller \"memory\" is not available in $CG2"
	[[ ! -e $CG2/ocirun/nomem ]] || fail "cgroup left"
	assert_nothing_left
	update_config '.linux.resources = {pids: {limit: 10}}'
	run_detached ocirun create --bundle "$BUNDLE" nopids
	expect_error "linux.resources.pids.limit: cgroup v2 controller \"pids\""
	assert_nothing_left
}

@test "zero values engines send for unset need no controller; --cgroup-manager=disabled ignores limits" {
	update_config '.linux.resources = {memory: {reservation: 0}, cpu: {shares: 0}, blockIO: {weight: 0}}'
	cgroup_of_run zeros
	[[ $output == "0::/ocirun/zeros" ]] || fail "$output"
	update_config '.linux.resources = {memory: {limit: 16777216}}'
	local own
	own=$(sed -n 's/^0:://p' /proc/self/cgroup)
	set_args sh -c 'grep "^0::" /proc/self/cgroup'
	run -0 ocirun --cgroup-manager=disabled run --bundle "$BUNDLE" nocg </dev/null
	[[ $output == "0::$own" ]] || fail "$output"
	run ! ocirun --cgroup-manager=bogus run --bundle "$BUNDLE" bogus
	assert_contains "--cgroup-manager"
	assert_nothing_left
}

@test "device rules (eBPF): a denied device gives EPERM on open; an allowed one passes the check" {
	# char 60 and 61 have no driver: an open the rules allow fails with ENXIO.
	update_config '.linux.resources = {devices: [{allow: false, access: "rwm"},
		{allow: true, type: "c", major: 60, minor: 0, access: "rw"}]}
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	set_args sh -c 'mknod /tmp/denied c 61 0 && mknod /tmp/allowed c 60 0 || echo mknod-failed
		head -c1 /tmp/denied 2>&1
		head -c1 /tmp/allowed 2>&1
		head -c1 /dev/zero >/dev/null && echo zero-ok'
	run_container -0 dev
	[[ $output != *mknod-failed* ]] || fail "$output"
	assert_line "head: /tmp/denied: Operation not permitted"
	assert_line "head: /tmp/allowed: No such device or address"
	assert_line zero-ok
}

@test "pause/resume through cgroup.freeze; state says paused; ps lists the processes" {
	set_args sh -c 'while :; do date +%s%N >/tmp/t; sleep 0.1; done'
	run_container_detached pz
	wait_for_file "$BUNDLE/rootfs/tmp/t"
	run -0 ocirun pause pz
	[[ -z $output ]]
	[[ $(container_status pz) == paused ]] || fail "$(container_status pz)"
	[[ $(cat "$CG2/ocirun/pz/cgroup.freeze") == 1 ]]
	local t1
	t1=$(cat "$BUNDLE/rootfs/tmp/t")
	sleep 0.5
	[[ $(cat "$BUNDLE/rootfs/tmp/t") == "$t1" ]] || fail "progress while paused"
	run ! ocirun pause pz
	run ! ocirun start pz
	run -0 ocirun resume pz
	[[ $(container_status pz) == running ]]
	run ! ocirun resume pz
	assert_contains "not paused"

	local pid
	pid=$(container_pid pz)
	run -0 ocirun ps --format json pz
	jq -e --argjson p "$pid" 'type == "array" and index($p) != null' <<<"$output" >/dev/null || fail "$output"
	run -0 ocirun ps pz
	[[ ${lines[0]} == *PID* ]] || fail "no header: $output"
	assert_contains " $pid "
	run -0 ocirun ps pz -o pid,comm
	[[ ${lines[0]} == *PID*COMMAND* ]] || fail "$output"
	run ! ocirun ps nosuch
	run -0 ocirun delete --force pz
	[[ ! -e $CG2/ocirun/pz ]] || fail "cgroup left"
	run ! ocirun pause pz
	assert_nothing_left
}

@test "kill --all signals every process of the cgroup; a paused container can be deleted with --force" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	# the shell handles USR1 (and lives on), the sleeps die of it
	set_args sh -c 'trap "echo usr1" USR1; sleep 100 & sleep 100 & while :; do sleep 0.2; done'
	run_container_detached ka
	local cg=$CG2/ocirun/ka
	sleepers() {
		local p
		for p in $(cat "$cg/cgroup.procs"); do
			[[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == "sleep 100 " ]] && echo "$p"
		done
		return 0
	}
	for _ in $(seq 50); do
		[[ $(sleepers | wc -l) -eq 2 ]] && break
		sleep 0.1
	done
	[[ $(sleepers | wc -l) -eq 2 ]] || fail "procs: $(cat "$cg/cgroup.procs")"
	run -0 ocirun kill --all ka USR1
	for _ in $(seq 50); do
		[[ -z $(sleepers) ]] && break
		sleep 0.1
	done
	[[ -z $(sleepers) ]] || fail "left: $(sleepers)"
	[[ $(container_status ka) == running ]]
	run -0 ocirun pause ka
	run ! ocirun delete ka
	run -0 ocirun delete --force ka
	[[ ! -e $cg ]] || fail "cgroup left"
	assert_nothing_left
}

@test "update and events on this host: a limit without its controller is refused; stats come from core files" {
	set_args sleep 100
	run_container_detached up
	run_detached ocirun update --memory 64m up
	expect_error "linux.resources.memory.limit: cgroup v2 controller \"memory\" is not available in $CG2"
	run ! ocirun update --memory 12q up
	assert_contains "--memory"
	run -0 ocirun events --stats up
	jq -e '.type == "stats" and .id == "up" and (.data | type == "object")' <<<"$output" >/dev/null || fail "$output"
	run -0 ocirun delete --force up
	run ! ocirun events --stats up
	assert_nothing_left
}

@test "run --stats-file: exit code, signal and wall time of the run" {
	set_args sh -c 'sleep 0.3; exit 3'
	run_container -3 st --stats-file "$TEST_DIR/stats.json"
	jq -e '.exit_code == 3 and .signal == 0 and .oom_killed == false and .wall_time_seconds >= 0.3' \
		"$TEST_DIR/stats.json" >/dev/null || fail "$(cat "$TEST_DIR/stats.json")"
	# not the init of a pid namespace, which cannot be killed from inside
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c 'kill -9 $$'
	run_container -137 st2 --stats-file "$TEST_DIR/stats2.json"
	jq -e '.exit_code == 137 and .signal == 9' "$TEST_DIR/stats2.json" >/dev/null ||
		fail "$(cat "$TEST_DIR/stats2.json")"
	run ! ocirun run -d --stats-file "$TEST_DIR/x.json" --bundle "$BUNDLE" st3
	assert_contains "--stats-file"
	assert_nothing_left
}

@test "without clone3 (kernels before 5.3): the init and exec'd processes are still born in the container's cgroup" {
	ocirun_only "ocirun's fallback; runc uses the v1 hierarchies here"
	local pid nc=(${BUILD_DIR:-$REPO/build}/tests/tools/deny-syscalls clone3=ENOSYS)
	set_args sleep 100
	run_detached "${nc[@]}" env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run -d --bundle "$BUNDLE" nc
	[[ $status -eq 0 ]] || fail "run -d: $stderr"
	pid=$(container_pid nc)
	# The filter is there (inherited), so clone3 really failed.
	grep -q $'^Seccomp:\t2' "/proc/$pid/status" || fail "no seccomp filter on the init"
	[[ $(sed -n 's/^0:://p' "/proc/$pid/cgroup") == /ocirun/nc ]] || fail "init in: $(cat "/proc/$pid/cgroup")"
	# An exec'd process and what it starts at once are in the cgroup too.
	run -0 "${nc[@]}" env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" exec nc \
		sh -c 'sleep 1 & grep ^0:: /proc/$$/cgroup /proc/$!/cgroup | cut -d: -f2-; kill $!'
	[[ ${#lines[@]} -eq 2 && ${lines[0]} == "0::/ocirun/nc" && ${lines[1]} == "0::/ocirun/nc" ]] || fail "$output"
	run -0 ocirun delete --force nc
	assert_nothing_left
}
