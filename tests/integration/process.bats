#!/usr/bin/env bats
# The container's process: pid, user, capabilities, limits, environment, file
# descriptors, exit status, signals.  Checked from inside the container.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "the container process is PID 1 of its own pid namespace" {
	set_args cat /proc/self/stat
	run_container -0 p1
	[[ ${output%% *} == 1 ]] || fail "stat: $output"

	set_args sh -c 'echo $$'
	run_container -0 p2
	[[ $output == 1 ]]
}

@test "ps inside shows only the container's processes" {
	set_args sh -c 'ps -o pid,comm; true'
	run_container -0 ps
	# header + sh (pid 1) + ps
	[[ $(wc -l <<<"$output") -eq 3 ]] || fail "ps output:" "$output"
	[[ $(sed -n 2p <<<"$output" | awk '{print $1, $2}') == "1 sh" ]] || fail "ps output:" "$output"
	[[ $(sed -n 3p <<<"$output" | awk '{print $2}') == ps ]] || fail "ps output:" "$output"
}

@test "exit status of run is the container's: 0" {
	set_args true
	run_container -0 e0
}

@test "exit status of run is the container's: 7" {
	set_args sh -c 'exit 7'
	run_container -7 e7
}

@test "exit status of run is 128+9 when the process kills itself with SIGKILL" {
	# Without a pid namespace: PID 1 of a namespace cannot SIGKILL itself.
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'kill -9 $$'
	run_container -137 e137
}

@test "run forwards SIGTERM to the container and returns its exit status" {
	mkdir "$TEST_DIR/out"
	add_bind "$TEST_DIR/out" /out
	set_args sh -c 'trap "echo term > /out/marker; exit 42" TERM; touch /out/ready; while :; do sleep 0.1; done'
	ocirun_bg run --bundle "$BUNDLE" sig
	local pid=$BG_PID
	wait_for_file "$TEST_DIR/out/ready"
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	[[ $rc -eq 42 ]] || fail "run exited $rc, expected 42; output: $(cat "$TEST_DIR/bg.out")"
	[[ $(cat "$TEST_DIR/out/marker") == term ]]
}

@test "user: uid, gid and additional gids" {
	update_config '.process.user = {uid: 1000, gid: 1000, additionalGids: [10, 20]}'
	set_args id
	run_container -0 ids
	[[ $output == "uid=1000(user) gid=1000(user) groups=10(wheel),20(users)" ]] || fail "id: $output"

	set_args sh -c 'grep -E "^(Uid|Gid|Groups):" /proc/self/status'
	run_container -0 status
	assert_line $'Uid:\t1000\t1000\t1000\t1000'
	assert_line $'Gid:\t1000\t1000\t1000\t1000'
	[[ $(grep '^Groups:' <<<"$output" | tr -s ' \t' ' ' | sed 's/ $//') == "Groups: 10 20" ]] || fail "$output"
}

@test "user: umask" {
	update_config '.process.user.umask = 23'
	set_args sh -c 'umask; touch /tmp/f; stat -c %a /tmp/f'
	run_container -0 umask
	[[ $output == $'0027\n640' ]] || fail "umask: $output"
}

@test "user: umask defaults to 0022" {
	set_args sh -c 'umask'
	run_container -0 umask
	[[ $output == 0022 ]] || fail "umask: $output"
}

@test "capabilities: the five sets are exactly the configured ones" {
	update_config '.process.capabilities = {
		bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	set_args grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
	run_container -0 caps
	local set
	for set in Inh Prm Eff Bnd Amb; do
		assert_line "Cap$set:	0000000000000420"
	done
}

@test "capabilities: only the bounding set, nothing effective" {
	update_config '.process.capabilities = {bounding: ["CAP_CHOWN"]}'
	set_args grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
	run_container -0 caps
	assert_line $'CapBnd:\t0000000000000001'
	assert_line $'CapEff:\t0000000000000000'
	assert_line $'CapPrm:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
}

@test "capabilities: a non-root user keeps its ambient capabilities" {
	update_config '.process.user = {uid: 1000, gid: 1000}
		| .process.capabilities = {
			bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			inheritable: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
			ambient: ["CAP_NET_BIND_SERVICE"]}'
	set_args grep -E '^Cap(Eff|Amb|Prm):' /proc/self/status
	run_container -0 caps
	assert_line $'CapEff:\t0000000000000400'
	assert_line $'CapPrm:\t0000000000000400'
	assert_line $'CapAmb:\t0000000000000400'
}

@test "capabilities: ambient ones missing from inheritable are dropped silently" {
	# This is what \`runc spec\` writes: ambient set, no inheritable set.  runc
	# runs it without a word on stderr and with an empty ambient set.
	update_config '.process.capabilities = {
		bounding: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		effective: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		permitted: ["CAP_KILL", "CAP_NET_BIND_SERVICE"],
		ambient: ["CAP_KILL", "CAP_NET_BIND_SERVICE"]}'
	set_args grep -E '^Cap(Inh|Eff|Amb):' /proc/self/status
	run_container -0 --separate-stderr caps
	assert_line $'CapEff:\t0000000000000420'
	assert_line $'CapInh:\t0000000000000000'
	assert_line $'CapAmb:\t0000000000000000'
	[[ -z $stderr ]] || fail "stderr: $stderr"
}

@test "noNewPrivileges: true sets NoNewPrivs, false does not" {
	set_args grep NoNewPrivs /proc/self/status
	update_config '.process.noNewPrivileges = true'
	run_container -0 nnp1
	[[ $output == $'NoNewPrivs:\t1' ]] || fail "$output"

	update_config '.process.noNewPrivileges = false'
	run_container -0 nnp0
	[[ $output == $'NoNewPrivs:\t0' ]] || fail "$output"
}

@test "rlimits: RLIMIT_NOFILE soft 1000 hard 2000" {
	update_config '.process.rlimits = [{type: "RLIMIT_NOFILE", soft: 1000, hard: 2000}]'
	set_args sh -c 'ulimit -n; ulimit -Hn; grep "Max open files" /proc/self/limits'
	run_container -0 rl
	[[ $(sed -n 1p <<<"$output") == 1000 ]] || fail "$output"
	[[ $(sed -n 2p <<<"$output") == 2000 ]] || fail "$output"
	[[ $(sed -n 3p <<<"$output" | tr -s ' ') == "Max open files 1000 2000 files " ]] || fail "$output"
}

@test "env: the process sees exactly the configured environment" {
	update_config '.process.env += ["FOO=bar", "WITH_SPACE=a b  c", "EMPTY="]'
	set_args env
	run_container -0 env
	assert_line FOO=bar
	assert_line "WITH_SPACE=a b  c"
	assert_line EMPTY=
	assert_line PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	assert_line TERM=xterm
	# nothing from the caller's environment
	local n
	n=$(jq '.process.env | length' "$BUNDLE/config.json")
	# HOME may be added by the runtime when the config has none (runc does)
	local lines
	lines=$(grep -vc '^HOME=' <<<"$output")
	[[ $lines -eq $n ]] || fail "expected $n variables, got:" "$output"
}

@test "cwd: the process starts in the configured directory" {
	update_config '.process.cwd = "/tmp"'
	set_args pwd
	run_container -0 cwd
	[[ $output == /tmp ]]
}

@test "args: a bare command name is looked up in the container's PATH" {
	mkdir -p "$BUNDLE/rootfs/custom"
	printf '#!/bin/sh\necho found in custom\n' >"$BUNDLE/rootfs/custom/hello"
	chmod +x "$BUNDLE/rootfs/custom/hello"
	update_config '.process.env = (.process.env | map(select(startswith("PATH=") | not))) + ["PATH=/custom:/bin"]'
	set_args hello
	run_container -0 path
	[[ $output == "found in custom" ]]
}

@test "args: arguments reach the process verbatim" {
	set_args sh -c 'for a in "$@"; do echo "[$a]"; done' sh 'a b' '' '$HOME' '*'
	run_container -0 argv
	[[ $output == $'[a b]\n[]\n[$HOME]\n[*]' ]] || fail "$output"
}

@test "fds: only 0, 1 and 2 are open in the container" {
	exec 7</dev/null 8>"$TEST_DIR/fd8"
	set_args sh -c 'ls /proc/$$/fd; true'
	run_container -0 fds
	exec 7<&- 8>&-
	[[ $(echo $output) == "0 1 2" ]] || fail "fds: $output"
}

@test "fds: --preserve-fds 2 passes fds 3 and 4" {
	echo three >"$TEST_DIR/f3"
	echo four >"$TEST_DIR/f4"
	set_args sh -c 'ls /proc/$$/fd; cat <&3; cat <&4; echo "LISTEN_FDS=${LISTEN_FDS-unset}"'
	if is_runc; then _runc_cgroups_path run --bundle "$BUNDLE" pfds; fi
	run bash -c 'exec 3<"$1" 4<"$2" 5</dev/null; shift 2; exec "$@" </dev/null' _ \
		"$TEST_DIR/f3" "$TEST_DIR/f4" \
		env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run --preserve-fds 2 --bundle "$BUNDLE" pfds
	[[ $status -eq 0 ]] || fail "status $status: $output"
	[[ $(sed -n 1,5p <<<"$output" | tr '\n' ' ') == "0 1 2 3 4 " ]] || fail "$output"
	assert_line three
	assert_line four
	if ! is_runc; then
		# ocirun announces preserved fds the systemd way (runc does not).
		assert_line LISTEN_FDS=2
	fi
}

@test "stdio: stdin, stdout and stderr are the caller's" {
	set_args sh -c 'read line; echo "out:$line"; echo "err:$line" >&2'
	run --separate-stderr ocirun run --bundle "$BUNDLE" stdio <<<"hello"
	[[ $status -eq 0 ]]
	[[ $output == out:hello ]] || fail "stdout: $output"
	[[ $stderr == err:hello ]] || fail "stderr: $stderr"
}
