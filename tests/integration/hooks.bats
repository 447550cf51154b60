#!/usr/bin/env bats
# Hooks run at the moments runtime.md gives, with the state of that moment on
# stdin; the failures that must stop a container stop it, the others warn.

load helpers

setup() {
	common_setup
	LOG=$TEST_DIR/log
	mkdir -p "$LOG"
	chmod 777 "$LOG"
	add_bind "$LOG" /log
}
teardown() { common_teardown; }

# hook KIND LOGFILE: a hook appending "KIND STATUS" to LOGFILE (a path in the
# namespace the hook's path resolves in).
hook() {
	local kind=$1 file=$2
	jq -n --arg k "$kind" --arg f "$file" '{path: "/bin/sh",
		args: ["sh", "-c", "s=$(sed -n \"s/.*\\\"status\\\":\\\"\\([a-z]*\\)\\\".*/\\1/p\"); echo \"$0 $s\" >>\"$1\"", $k, $f],
		env: ["PATH=/usr/bin:/bin"]}'
}

@test "every hook runs once, in order, with the status of its moment on stdin" {
	local h
	for k in prestart createRuntime createContainer poststart poststop; do
		h=$(hook "$k" "$LOG/order")
		update_config ".hooks.$k = [\$h]" --argjson h "$h"
	done
	# startContainer runs after the pivot: its path and file are the container's.
	h=$(hook startContainer /log/order)
	update_config '.hooks.startContainer = [$h]' --argjson h "$h"
	set_args true
	create_container hk
	ocirun start hk
	wait_for_status hk stopped
	ocirun delete hk
	run cat "$LOG/order"
	[[ $output == $'prestart creating\ncreateRuntime creating\ncreateContainer creating\nstartContainer created\npoststart running\npoststop stopped' ]] ||
		fail "order:" "$output"
}

@test "run: hooks of every kind run too, poststop after the container is gone" {
	local h
	for k in createRuntime poststart poststop; do
		h=$(hook "$k" "$LOG/order")
		update_config ".hooks.$k = [\$h]" --argjson h "$h"
	done
	set_args true
	run_container -0 hr
	run cat "$LOG/order"
	[[ $output == $'createRuntime creating\npoststart running\npoststop stopped' ]] || fail "$output"
}

@test "a failing createRuntime hook fails create and leaves nothing behind" {
	update_config '.hooks.createRuntime = [{path: "/bin/false"}]'
	run_detached ocirun create --bundle "$BUNDLE" hf
	expect_error "createRuntime hook /bin/false: exited with status 1"
	assert_nothing_left
}

@test "a prestart hook that does not exist fails create, naming it" {
	update_config '.hooks.prestart = [{path: "/nonexistent/hook"}]'
	run_detached ocirun create --bundle "$BUNDLE" hn
	expect_error "prestart hook /nonexistent/hook"
	assert_nothing_left
}

@test "a hook past its timeout is killed and fails the create" {
	update_config '.hooks.createContainer = [{path: "/bin/sleep", args: ["sleep", "30"], timeout: 1}]'
	local t0=$SECONDS
	run_detached ocirun create --bundle "$BUNDLE" ht
	expect_error "createContainer hook /bin/sleep: timed out after 1s"
	((SECONDS - t0 < 10)) || fail "took $((SECONDS - t0))s"
	assert_nothing_left
}

@test "a failing startContainer hook fails start; the container stops" {
	update_config '.hooks.startContainer = [{path: "/bin/false"}]'
	set_args sleep 100
	create_container hs
	run_detached ocirun start hs
	expect_error "startContainer hook /bin/false: exited with status 1"
	wait_for_status hs stopped
	ocirun delete hs
}

@test "failing poststart and poststop hooks warn; the others still run" {
	local h
	h=$(hook poststop "$LOG/order")
	update_config '.hooks.poststart = [{path: "/bin/false"}] | .hooks.poststop = [{path: "/bin/false"}, $h]' --argjson h "$h"
	set_args sh -c 'exit 0'
	run_container --separate-stderr -0 hw
	[[ $stderr == *"warning: poststart hook /bin/false: exited with status 1"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"warning: poststop hook /bin/false: exited with status 1"* ]] || fail "stderr: $stderr"
	run cat "$LOG/order"
	[[ $output == "poststop stopped" ]] || fail "$output"
}

@test "hooks get exactly their env and args, and only fds 0-2" {
	update_config '.hooks.createRuntime = [{path: "/bin/sh",
		args: ["sh", "-c", "env | sort >\"$1\"; ls /proc/self/fd >\"$1.fd\"; echo \"$0\" >\"$1.arg0\"", "zero", $f],
		env: ["A=1", "B=two"]}]' --arg f "$LOG/env"
	exec 7</dev/null
	set_args true
	run_container -0 he
	exec 7<&-
	run cat "$LOG/env"
	[[ $output == *"A=1"* && $output == *"B=two"* ]] || fail "env: $output"
	! grep -q OCIRUN_TEST_MARK "$LOG/env" || fail "the runtime's env leaked: $output"
	[[ $(cat "$LOG/env.arg0") == zero ]]
	run cat "$LOG/env.fd"
	[[ $(echo $output) == "0 1 2 3" ]] || fail "fds: $output"
}
