#!/usr/bin/env bats
# runc parity: behaviours runc's users and engines rely on. Each test passes
# against Debian's runc too (OCIRUN=/usr/sbin/runc); where runc cannot on this
# host, the test says why.

load helpers

setup() { common_setup; }
teardown() {
	if [[ -n ${HELPER_PID:-} ]]; then kill -KILL "$HELPER_PID" 2>/dev/null || true; fi
	common_teardown
	if [[ -n ${PRE_CGROUP:-} && -d $PRE_CGROUP ]]; then
		echo 0 >"$PRE_CGROUP/cgroup.freeze" 2>/dev/null || true
		rmdir "$PRE_CGROUP" 2>/dev/null || true
	fi
	rmdir "${CG2:-/nonexistent}/ocirun-tests" 2>/dev/null || true
}

@test "kill with signal 0: the liveness probe succeeds on a running container, fails on a stopped one" {
	set_args sleep 100
	run_container_detached k0
	run -0 ocirun kill k0 0
	run -0 ocirun kill --all k0 0
	[[ $(container_status k0) == running ]] || fail "status after signal 0: $(container_status k0)"
	run -0 ocirun kill k0 KILL
	wait_for_status k0 stopped
	run ! ocirun kill k0 0
	run -0 ocirun delete k0
}

@test "ps of a stopped container: an empty list and status 0" {
	set_args sleep 100
	run_container_detached psd
	run -0 ocirun kill psd KILL
	wait_for_status psd stopped
	run -0 ocirun ps psd
	[[ $(grep -c . <<<"$output") -le 1 ]] || fail "processes listed: $output"
	run -0 ocirun ps --format json psd
	[[ $output == "[]" || $output == null ]] || fail "json: $output"
	run -0 ocirun delete psd
}

@test "exec: a failure of the runtime before the process runs exits 255, not a process status" {
	set_args sleep 100
	run_container_detached ex255
	run --separate-stderr ocirun exec --pid-file "$TEST_DIR/no/such/dir/pid" ex255 true
	[[ $status -eq 255 ]] || fail "bad --pid-file directory: status $status: $stderr"
	run --separate-stderr ocirun exec ex255 /no/such/command
	[[ $status -eq 255 ]] || fail "missing command: status $status: $stderr"
	# the process's own status is still the process's
	run ocirun exec ex255 sh -c 'exit 1'
	[[ $status -eq 1 ]] || fail "exit 1: $status"
	run -0 ocirun delete --force ex255
}

# A cgroup made before the create, as engines do, in the cgroup v2 hierarchy:
# $PRE_CGROUP, at the container's linux.cgroupsPath /ocirun-tests/$MARK-ID
# (the path the suite gives runc's containers).
precreate_cgroup() {
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[[ -n $CG2 ]] || skip "no cgroup2 hierarchy mounted"
	PRE_CGROUP=$CG2/ocirun-tests/$MARK-$1
	mkdir -p "$PRE_CGROUP"
	update_config '.linux.cgroupsPath = $p' --arg p "/ocirun-tests/$MARK-$1"
	sleep 1000 &
	HELPER_PID=$!
	echo "$HELPER_PID" >"$PRE_CGROUP/cgroup.procs"
}

@test "a cgroup that already has a process: create warns and goes on (engines place helpers first)" {
	precreate_cgroup busy
	set_args sh -c 'cat /proc/self/cgroup'
	run --separate-stderr ocirun run --bundle "$BUNDLE" busy </dev/null
	[[ $status -eq 0 ]] || fail "status $status: $stderr"
	if ! is_runc; then
		[[ $stderr == *"cgroup $PRE_CGROUP is not empty"* ]] || fail "no warning: $stderr"
		[[ $output == *"/ocirun-tests/$MARK-busy"* ]] || fail "not in the cgroup: $output"
	fi
	kill -0 "$HELPER_PID" || fail "the helper was killed"
}

@test "a frozen cgroup that has a process is still refused" {
	ocirun_only "runc freezes with the v1 freezer on this hybrid host"
	precreate_cgroup frozen
	echo 1 >"$PRE_CGROUP/cgroup.freeze"
	set_args true
	run --separate-stderr ocirun run --bundle "$BUNDLE" frozen </dev/null
	expect_error "cgroup $PRE_CGROUP is frozen"
}
