#!/usr/bin/env bats
# A runtime killed half-way leaves nothing that `delete --force` cannot take
# away, and errors in the container's setup come back with their cause.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "SIGKILL at any moment of create, then delete --force: nothing is left" {
	set_args sleep 100
	local i delay
	for i in $(seq 1 30); do
		# 0 to 29 ms: from before the state dir exists to after the init is ready.
		delay=$(printf '0.%03d' "$i")
		# The binary itself, not the `ocirun` function: $! must be the runtime's pid.
		if is_runc; then _runc_cgroups_path create --bundle "$BUNDLE" "k$i"; fi
		OCIRUN_TEST_MARK=$MARK "$OCIRUN" --root "$ROOT" create --bundle "$BUNDLE" "k$i" </dev/null >/dev/null 2>&1 &
		local pid=$!
		sleep "$delay"
		kill -9 "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		run ocirun delete --force "k$i"
		[[ $status -eq 0 ]] || fail "delete --force k$i after a kill at ${delay}s: $output"
	done
	assert_nothing_left
}

@test "an error in the container's setup reaches the caller with its cause" {
	ocirun_only "message wording"
	update_config '.mounts += [{destination: "/weird", type: "nosuchfs", source: "none"}]'
	local n
	n=$(jq '.mounts | length - 1' "$BUNDLE/config.json")
	run_detached ocirun run --bundle "$BUNDLE" setuperr
	expect_error "mounts[$n]: mount none on /weird: No such device"
	assert_nothing_left
}

@test "a bind mount whose source is missing names the source" {
	ocirun_only "message wording"
	add_bind "$TEST_DIR/missing" /data
	run_detached ocirun create --bundle "$BUNDLE" nosrc
	expect_error "source $TEST_DIR/missing: No such file or directory"
	assert_nothing_left
}

@test "--pid-file of run -d holds the init's pid, no trailing newline" {
	set_args sleep 100
	run_container_detached rd --pid-file "$TEST_DIR/pid"
	local content
	content=$(cat "$TEST_DIR/pid"; echo x)
	[[ $content =~ ^[0-9]+x$ ]] || fail "pid file: '$content'"
	[[ ${content%x} == "$(container_pid rd)" ]]
	ocirun delete --force rd
}

@test "a damaged state.json: state says so, delete --force still kills the container and removes everything" {
	ocirun_only "runc cannot remove such a container either"
	set_args sh -c 'sleep 1000 & exec sleep 1000'
	run_container_detached torn
	local pid size
	pid=$(container_pid torn)
	# Half the file, as a full disk or a crash of the machine can leave it.
	size=$(stat -c %s "$ROOT/torn/state.json")
	truncate -s $((size / 2)) "$ROOT/torn/state.json"
	run --separate-stderr ocirun state torn
	expect_error "state.json is damaged"
	run --separate-stderr ocirun delete --force torn
	[[ $status -eq 0 ]] || fail "delete --force: $status $stderr"
	[[ $stderr == *"state.json is damaged"* ]] || fail "no warning: $stderr"
	local state
	state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) || true
	[[ -z $state || $state == Z ]] || fail "the init still runs ($state)"
	assert_nothing_left
}
