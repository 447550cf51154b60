#!/usr/bin/env bats
# create / start / state / kill / delete / run -d / run --keep / list

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "lifecycle: create, start, kill, delete walk through the states" {
	set_args sleep 100
	create_container lc --pid-file "$TEST_DIR/pid"

	run -0 ocirun state lc
	local pid
	[[ $(jq -r .status <<<"$output") == created ]] || fail "$output"
	[[ $(jq -r .id <<<"$output") == lc ]] || fail "$output"
	[[ $(jq -r .bundle <<<"$output") == "$BUNDLE" ]] || fail "$output"
	[[ -n $(jq -r .ociVersion <<<"$output") ]] || fail "$output"
	pid=$(jq -r .pid <<<"$output")
	[[ $pid -gt 1 ]] || fail "pid: $pid"
	kill -0 "$pid"
	# pid file: the decimal pid, no newline
	[[ $(cat "$TEST_DIR/pid") == "$pid" ]] || fail "pid file: $(cat "$TEST_DIR/pid")"
	printf '%s' "$pid" | cmp - "$TEST_DIR/pid"

	run -0 ocirun start lc
	wait_for_status lc running
	[[ $(container_pid lc) == "$pid" ]]
	# the process is the configured one now
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "sleep 100 " ]]

	run -0 ocirun kill lc KILL
	wait_for_status lc stopped

	run -0 ocirun delete lc
	run ! ocirun state lc
	[[ -z $(ls -A "$ROOT") ]]
}

@test "lifecycle: the process runs only after start" {
	mkdir "$TEST_DIR/out"
	add_bind "$TEST_DIR/out" /out
	set_args sh -c 'echo written > /out/file'
	create_container wr
	sleep 0.5
	[[ ! -e $TEST_DIR/out/file ]] || fail "the process ran before start"
	[[ $(container_status wr) == created ]]

	run -0 ocirun start wr
	wait_for_status wr stopped
	[[ $(cat "$TEST_DIR/out/file") == written ]]
	run -0 ocirun delete wr
}

@test "lifecycle: start of a running container fails" {
	set_args sleep 100
	create_container twice
	run -0 ocirun start twice
	wait_for_status twice running
	run ! ocirun start twice
	[[ $(container_status twice) == running ]]
	run -0 ocirun delete --force twice
}

@test "run -d returns at once with the container running" {
	set_args sleep 100
	local t0=$SECONDS
	run_container_detached bg
	((SECONDS - t0 < 5)) || fail "run -d took $((SECONDS - t0)) s"
	[[ $(container_status bg) == running ]]
	local pid
	pid=$(container_pid bg)
	kill -0 "$pid"
	run -0 ocirun delete --force bg
	! kill -0 "$pid" 2>/dev/null || [[ $(awk '{print $3}' "/proc/$pid/stat") == Z ]]
}

@test "run --keep leaves a stopped container that delete removes" {
	set_args sh -c 'exit 3'
	run_container -3 kept --keep
	run -0 ocirun state kept
	[[ $(jq -r .status <<<"$output") == stopped ]] || fail "$output"
	run -0 ocirun delete kept
	run ! ocirun state kept
}

@test "run without --keep removes the container when it exits" {
	set_args true
	run_container -0 gone
	run ! ocirun state gone
	[[ -z $(ls -A "$ROOT") ]]
}

@test "delete of a running container fails without --force" {
	set_args sleep 100
	run_container_detached busy
	local pid
	pid=$(container_pid busy)
	run --separate-stderr ocirun delete busy
	expect_error 'cannot delete container "busy" that is not stopped' "cannot delete container busy that is not stopped"
	[[ $(container_status busy) == running ]]
	kill -0 "$pid"

	run -0 ocirun delete --force busy
	run ! ocirun state busy
	for _ in $(seq 50); do
		[[ -z $(test_pids "$MARK") ]] && break
		sleep 0.1
	done
	[[ -z $(test_pids "$MARK") ]] || fail "container processes still alive"
}

@test "delete --force of a created container" {
	set_args sleep 100
	create_container cr
	run -0 ocirun delete --force cr
	run ! ocirun state cr
}

@test "delete of a created container (never started) removes it without --force" {
	# runc: a created container is killed and removed by a plain delete.
	set_args sleep 100
	create_container cr
	local pid
	pid=$(container_pid cr)
	run -0 ocirun delete cr
	run ! ocirun state cr
	for _ in $(seq 50); do
		[[ -z $(test_pids "$MARK") ]] && break
		sleep 0.1
	done
	[[ -z $(test_pids "$MARK") ]] || fail "container processes still alive"
}

@test "kill accepts KILL, SIGKILL and 9" {
	set_args sleep 100
	local sig
	for sig in KILL SIGKILL 9; do
		run_container_detached "k-$sig"
		run -0 ocirun kill "k-$sig" "$sig"
		wait_for_status "k-$sig" stopped
		run -0 ocirun delete "k-$sig"
	done
}

@test "kill sends SIGTERM by default" {
	mkdir "$TEST_DIR/out"
	add_bind "$TEST_DIR/out" /out
	set_args sh -c 'trap "echo term > /out/got; exit 0" TERM; touch /out/ready; while :; do sleep 0.1; done'
	run_container_detached term
	wait_for_file "$TEST_DIR/out/ready"
	run -0 ocirun kill term
	wait_for_status term stopped
	[[ $(cat "$TEST_DIR/out/got") == term ]]
	run -0 ocirun delete term
}

@test "kill of a created container delivers the signal" {
	set_args sleep 100
	create_container kc
	run -0 ocirun kill kc KILL
	wait_for_status kc stopped
	run -0 ocirun delete kc
}

@test "kill --all signals every process of the container" {
	mkdir "$TEST_DIR/out"
	add_bind "$TEST_DIR/out" /out
	# PID 1 ignores SIGTERM (no handler); its children do not.
	set_args sh -c 'sleep 1001 & sleep 1002 & touch /out/ready; while :; do sleep 0.2; done'
	run_container_detached all
	wait_for_file "$TEST_DIR/out/ready"
	local p n
	count_sleepers() {
		n=0
		for p in $(test_pids "$MARK"); do
			[[ $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null) == "sleep 100"[12]" " ]] && n=$((n + 1))
		done
		echo "$n"
	}
	[[ $(count_sleepers) -eq 2 ]] || fail "expected 2 sleepers"
	run -0 ocirun kill --all all TERM
	for _ in $(seq 50); do
		[[ $(count_sleepers) -eq 0 ]] && break
		sleep 0.1
	done
	[[ $(count_sleepers) -eq 0 ]] || fail "sleepers survived kill --all TERM"
	[[ $(container_status all) == running ]] || fail "PID 1 should ignore TERM"
	run -0 ocirun kill --all all KILL
	wait_for_status all stopped
	run -0 ocirun delete all
}

@test "list: table, json and quiet formats" {
	set_args sleep 100
	run_container_detached l-run
	create_container l-created

	run -0 ocirun list
	[[ $(head -1 <<<"$output") =~ ^ID\ +PID\ +STATUS\ +BUNDLE\ +CREATED\ +OWNER\ *$ ]] || fail "$output"
	[[ $(wc -l <<<"$output") -eq 3 ]] || fail "$output"
	grep -Eq "^l-run +[0-9]+ +running +$BUNDLE " <<<"$output" || fail "$output"
	grep -Eq "^l-created +[0-9]+ +created +$BUNDLE " <<<"$output" || fail "$output"

	run -0 ocirun list --format json
	[[ $(jq -r '[.[].id] | sort | join(",")' <<<"$output") == l-created,l-run ]] || fail "$output"
	[[ $(jq -r '.[] | select(.id == "l-run") | .status' <<<"$output") == running ]] || fail "$output"
	[[ $(jq -r '.[] | select(.id == "l-created") | .status' <<<"$output") == created ]] || fail "$output"
	[[ $(jq -r '.[] | select(.id == "l-run") | .bundle' <<<"$output") == "$BUNDLE" ]] || fail "$output"
	[[ $(jq -r '.[] | select(.id == "l-run") | .pid' <<<"$output") == "$(container_pid l-run)" ]] || fail "$output"

	run -0 ocirun list -q
	[[ $(sort <<<"$output" | tr '\n' ' ') == "l-created l-run " ]] || fail "$output"

	run -0 ocirun delete --force l-run
	run -0 ocirun delete --force l-created
}

@test "list: no containers" {
	run -0 ocirun list -q
	[[ -z $output ]]
	run -0 ocirun list --format json
	[[ $(jq length <<<"$output") -eq 0 ]] || fail "$output"
}

@test "state: a stopped container reports no running pid" {
	set_args true
	create_container st
	run -0 ocirun start st
	wait_for_status st stopped
	run -0 ocirun state st
	[[ $(jq -r .pid <<<"$output") == 0 ]] || fail "$output"
	run -0 ocirun delete st
}
