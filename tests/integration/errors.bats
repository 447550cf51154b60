#!/usr/bin/env bats
# Bad inputs.  Each: exit status 1, a one-line message on stderr naming the
# cause ("ocirun: ..."), and nothing left behind (no state dir entry, no
# mount, no process).

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "malformed config.json" {
	echo '{"ociVersion": "1.0.2", "process": {' >"$BUNDLE/config.json"
	run_detached ocirun create --bundle "$BUNDLE" bad
	expect_error "config.json" ""
	assert_nothing_left
	run --separate-stderr ocirun run --bundle "$BUNDLE" bad </dev/null
	expect_error "config.json"
	assert_nothing_left
}

@test "config.json that is not an object" {
	echo '[1, 2]' >"$BUNDLE/config.json"
	run --separate-stderr ocirun run --bundle "$BUNDLE" bad </dev/null
	expect_error "config.json"
	assert_nothing_left
}

@test "no config in the bundle" {
	rm "$BUNDLE/config.json"
	run --separate-stderr ocirun run --bundle "$BUNDLE" bad </dev/null
	expect_error "config" "config.json"
	assert_nothing_left
}

@test "relative mount destination names mounts[0].destination" {
	# runc 1.1 only warns and treats the path as relative to /.
	ocirun_only "relative mount destinations are an error"
	update_config '.mounts[0].destination = "proc"'
	run --separate-stderr ocirun run --bundle "$BUNDLE" rel </dev/null
	expect_error "mounts[0].destination: must be an absolute path"
	assert_nothing_left
}

@test "missing rootfs directory: the message names the path" {
	update_config '.root.path = "no-such-rootfs"'
	run --separate-stderr ocirun run --bundle "$BUNDLE" noroot </dev/null
	expect_error "no-such-rootfs" "$BUNDLE/no-such-rootfs"
	assert_nothing_left
	run_detached ocirun create --bundle "$BUNDLE" noroot
	expect_error "no-such-rootfs" "$BUNDLE/no-such-rootfs"
	assert_nothing_left
}

@test "unknown id: state, start, kill, delete" {
	local cmd
	for cmd in state start kill delete; do
		run --separate-stderr ocirun "$cmd" ghost
		expect_error 'container "ghost" does not exist' "container does not exist"
	done
	assert_nothing_left
}

@test "delete --force of an unknown id succeeds" {
	# runc: forced delete is idempotent
	run -0 ocirun delete --force ghost
	assert_nothing_left
}

@test "duplicate id on create: refused, the first container undisturbed" {
	set_args sleep 100
	create_container dup
	local pid
	pid=$(container_pid dup)

	run_detached ocirun create --bundle "$BUNDLE" dup
	expect_error 'container "dup" already exists' "already exists"
	[[ $(container_status dup) == created ]]
	[[ $(container_pid dup) == "$pid" ]]
	kill -0 "$pid"

	run --separate-stderr ocirun run --bundle "$BUNDLE" dup </dev/null
	expect_error 'container "dup" already exists' "already exists"
	[[ $(container_pid dup) == "$pid" ]]

	# and it still works
	run -0 ocirun start dup
	wait_for_status dup running
	[[ $(container_pid dup) == "$pid" ]]
	run -0 ocirun delete --force dup
}

@test "invalid container ids are refused before anything is written" {
	set_args true
	local id
	for id in '../x' 'a/b' '..' '.' '/abs' ''; do
		run_detached ocirun create --bundle "$BUNDLE" "$id"
		expect_error "invalid container ID" ""
		run --separate-stderr ocirun run --bundle "$BUNDLE" "$id" </dev/null
		expect_error "invalid container ID" ""
		[[ ! -e $TEST_DIR/x ]] || fail "created $TEST_DIR/x for id $id"
		[[ ! -e /x ]] || fail "created /x"
		assert_nothing_left
	done
	for id in '../x' 'a/b'; do
		run --separate-stderr ocirun state "$id"
		expect_error "invalid container ID" ""
	done
}

@test "bad flag" {
	run --separate-stderr ocirun --nope state x
	expect_error "--nope" "nope"
	run --separate-stderr ocirun state --nope x
	expect_error "--nope" "nope"
	set_args true
	run --separate-stderr ocirun run --nope --bundle "$BUNDLE" x </dev/null
	expect_error "--nope" "nope"
	assert_nothing_left
}

@test "unknown command" {
	run --separate-stderr ocirun frobnicate
	expect_error "frobnicate" "frobnicate"
}

@test "missing executable in the container: run" {
	set_args nope
	run --separate-stderr ocirun run --bundle "$BUNDLE" noexe </dev/null
	expect_error 'exec: "nope": executable file not found in $PATH' 'exec: "nope": executable file not found in $PATH'
	assert_nothing_left
}

@test "missing executable in the container: create fails, nothing left" {
	set_args nope
	run_detached ocirun create --bundle "$BUNDLE" noexe
	expect_error 'exec: "nope": executable file not found in $PATH' 'exec: "nope": executable file not found in $PATH'
	assert_nothing_left
}

@test "missing executable given by path" {
	set_args /bin/nope
	run --separate-stderr ocirun run --bundle "$BUNDLE" noexe </dev/null
	expect_error '/bin/nope' '/bin/nope'
	assert_nothing_left
}

@test "cwd that is a file" {
	set_args true
	update_config '.process.cwd = "/bin/busybox"'
	run --separate-stderr ocirun run --bundle "$BUNDLE" badcwd </dev/null
	expect_error "/bin/busybox" ""
	assert_nothing_left
}

@test "what features reports disabled is refused, not run without: linux.intelRdt, linux.netDevices" {
	ocirun_only "runc 1.1 ignores netDevices"
	run -0 ocirun features
	[[ $(jq -c '[.linux.intelRdt.enabled, .linux.netDevices.enabled]' <<<"$output") == "[false,false]" ]] ||
		fail "features: $(jq -c .linux <<<"$output")"
	set_args true
	update_config '.linux.intelRdt = {closID: "guaranteed"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" rdt </dev/null
	expect_error "linux.intelRdt: not implemented by ocirun"
	update_config 'del(.linux.intelRdt) | .linux.netDevices = {eth1: {name: "eth1"}}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" netdev </dev/null
	expect_error "linux.netDevices: not implemented by ocirun"
	assert_nothing_left
}

@test "unknown capability names the entry" {
	# runc 1.1 only warns ("ignoring unknown or unavailable capabilities").
	ocirun_only "unknown capabilities are an error"
	update_config '.process.capabilities.bounding += ["CAP_TEST"]'
	set_args true
	run --separate-stderr ocirun run --bundle "$BUNDLE" cap </dev/null
	expect_error "CAP_TEST"
	[[ $stderr == *"process.capabilities.bounding[3]"* ]] || fail "message does not name the entry: $stderr"
	assert_nothing_left
}

@test "unknown signal name for kill" {
	set_args sleep 100
	run_container_detached sig
	run --separate-stderr ocirun kill sig NOSUCHSIG
	expect_error "NOSUCHSIG" 'unknown signal "NOSUCHSIG"'
	[[ $(container_status sig) == running ]]
	run --separate-stderr ocirun kill sig 99999
	[[ $status -ne 0 ]]
	[[ $(container_status sig) == running ]]
	run -0 ocirun delete --force sig
}

@test "kill of a stopped container: 'container not running', the words containerd matches" {
	set_args true
	create_container gone
	run -0 ocirun start gone
	wait_for_status gone stopped
	run --separate-stderr ocirun kill gone KILL
	expect_error 'cannot signal container "gone": container not running' "container not running"
	run -0 ocirun delete gone
}

@test "two concurrent creates of the same id: exactly one succeeds" {
	set_args sleep 100
	local i pids=()
	# both runtimes configured before either starts (runc: cgroupsPath)
	if is_runc; then _runc_cgroups_path create --bundle "$BUNDLE" race; fi
	for i in 1 2; do
		(
			rc=0
			OCIRUN_TEST_MARK=$MARK "$OCIRUN" --root "$ROOT" create --bundle "$BUNDLE" race \
				</dev/null >"$TEST_DIR/race$i.out" 2>"$TEST_DIR/race$i.err" || rc=$?
			echo "$rc" >"$TEST_DIR/race$i.rc"
		) 3>&- &
		pids+=($!)
	done
	wait "${pids[@]}"
	local rc1 rc2
	rc1=$(cat "$TEST_DIR/race1.rc")
	rc2=$(cat "$TEST_DIR/race2.rc")
	if [[ $rc1 -eq 0 && $rc2 -ne 0 ]]; then
		status=$rc2 stderr=$(cat "$TEST_DIR/race2.err")
	elif [[ $rc2 -eq 0 && $rc1 -ne 0 ]]; then
		status=$rc1 stderr=$(cat "$TEST_DIR/race1.err")
	else
		fail "exit statuses $rc1 and $rc2" "$(cat "$TEST_DIR"/race*.err)"
	fi
	expect_error 'container "race" already exists' ""
	[[ $(container_status race) == created ]]
	[[ $(ls -A "$ROOT") == race ]]
	run -0 ocirun start race
	wait_for_status race running
	run -0 ocirun delete --force race
}

@test "many concurrent creates of one id: every loser says the container already exists" {
	ocirun_only "message wording"
	set_args sleep 100
	local round i pids out
	for round in $(seq 12); do
		pids=()
		for i in 1 2 3 4 5 6; do
			OCIRUN_TEST_MARK=$MARK "$OCIRUN" --root "$ROOT" create --bundle "$BUNDLE" crowd \
				</dev/null >/dev/null 2>"$TEST_DIR/crowd$i.err" 3>&- &
			pids+=($!)
		done
		wait "${pids[@]}" || true
		for i in 1 2 3 4 5 6; do
			out=$(cat "$TEST_DIR/crowd$i.err")
			[[ -z $out || $out == 'ocirun: container "crowd" already exists' ]] ||
				fail "round $round, create $i: $out"
		done
		[[ $(ls -A "$ROOT") == crowd ]] || fail "round $round: $(ls -A "$ROOT")"
		run -0 ocirun delete --force crowd
	done
}

@test "start of a stopped container fails" {
	set_args true
	create_container once
	run -0 ocirun start once
	wait_for_status once stopped
	run --separate-stderr ocirun start once
	expect_error "once" ""
	run -0 ocirun delete once
}
