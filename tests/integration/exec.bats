#!/usr/bin/env bats
# exec: a new process in a running container sees what the init sees (its
# namespaces, root, cgroup, seccomp filter), as the user, env, cwd, groups and
# capabilities asked for, with or without a terminal.

load helpers

setup() {
	common_setup
	RECVTTY=${BUILD_DIR:-$REPO/build}/tests/tools/recvtty
	set_args sleep 100
}
teardown() {
	local st=0
	common_teardown || st=$?
	[[ -z ${NETNS:-} ]] || ip netns delete "$NETNS" 2>/dev/null || true
	return $st
}

@test "exec: same hostname, root, namespaces and cgroup as the init; sees PID 1 and is not it" {
	update_config '.hostname = "exechost" | .linux.namespaces += [{type: "cgroup"}]'
	run_container_detached ex
	local pid ns
	pid=$(container_pid ex)
	run -0 ocirun exec ex sh -c 'hostname; echo pid=$$; tr "\0" " " </proc/1/cmdline; echo;
		grep ^0:: /proc/self/cgroup; ls /; awk "\$5 == \"/\"" /proc/self/mountinfo'
	assert_line exechost
	[[ ${lines[1]} != pid=1 ]] || fail "exec'd process is PID 1"
	assert_line "sleep 100 "
	assert_line "0::/"
	assert_line bin
	local root_mount
	root_mount=$(awk '$5 == "/"' "/proc/$pid/mountinfo")
	assert_line "$root_mount"
	for ns in mnt pid net uts ipc cgroup; do
		run -0 ocirun exec ex readlink /proc/self/ns/$ns
		[[ $output == "$(readlink "/proc/$pid/ns/$ns")" ]] || fail "$ns: $output"
	done
	# The init keeps running after each exec.
	[[ $(container_status ex) == running ]] || fail "status: $(container_status ex)"
	run -0 ocirun delete --force ex
}

@test "exec: env, cwd and user from the flags; exit codes; a missing binary" {
	run_container_detached ex
	run -0 ocirun exec -e FOO=bar -e PATH=/bin:/sbin --cwd /tmp -u 1000:1001 ex sh -c 'echo $FOO $PATH; pwd; id -u; id -g'
	assert_line "bar /bin:/sbin"
	assert_line /tmp
	assert_line 1000
	assert_line 1001
	# The container's own environment is kept.
	run -0 ocirun exec ex sh -c 'echo $OCIRUN_TEST_MARK'
	assert_line "$MARK"
	run -7 ocirun exec ex sh -c 'exit 7'
	run -137 ocirun exec ex sh -c 'kill -9 $$'
	run_detached ocirun exec ex nosuchcmd
	ocirun_only "message wording"
	EXPECT_STATUS=255 expect_error 'exec: "nosuchcmd": executable file not found in $PATH'
	run -0 ocirun delete --force ex
}

@test "exec --process FILE: args, env, capabilities and rlimits of a runtime-spec process" {
	run_container_detached ex
	cat >"$TEST_DIR/process.json" <<-'JSON'
		{"args": ["sh", "-c", "echo $ONLY; grep ^CapEff /proc/self/status; grep ^NoNewPrivs /proc/self/status; echo nofile=$(ulimit -n)"],
		 "cwd": "/", "env": ["ONLY=process-json", "PATH=/bin"], "user": {"uid": 0, "gid": 0},
		 "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 900, "hard": 1000}],
		 "capabilities": {"bounding": ["CAP_NET_ADMIN", "CAP_KILL"], "effective": ["CAP_NET_ADMIN", "CAP_KILL"],
		  "permitted": ["CAP_NET_ADMIN", "CAP_KILL"]}, "noNewPrivileges": true}
	JSON
	run -0 ocirun exec --process "$TEST_DIR/process.json" ex
	assert_line process-json
	# CAP_KILL (5) and CAP_NET_ADMIN (12): 0x1020
	assert_line $'CapEff:\t0000000000001020'
	assert_line $'NoNewPrivs:\t1'
	assert_line nofile=900
	run -0 ocirun delete --force ex
}

@test "exec --cap, --additional-gids, --no-new-privs" {
	update_config '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
		| .process.noNewPrivileges = false'
	run_container_detached ex
	run -0 ocirun exec ex sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Groups)" /proc/self/status'
	assert_line $'CapEff:\t0000000000000020'
	assert_line $'NoNewPrivs:\t0'
	# CAP_CHOWN (0) and CAP_SYS_ADMIN (21) added to the container's CAP_KILL (5).
	run -0 ocirun exec --cap CAP_CHOWN --cap CAP_SYS_ADMIN -g 10 -g 20 --no-new-privs ex \
		sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Groups)" /proc/self/status'
	assert_line $'CapEff:\t0000000000200021'
	assert_line $'CapBnd:\t0000000000200021'
	assert_line $'NoNewPrivs:\t1'
	[[ $output =~ Groups:[[:space:]]+10\ 20 ]] || fail "$output"
	if ! is_runc; then # runc ignores an unknown capability
		run_detached ocirun exec --cap CAP_NOPE ex true
		EXPECT_STATUS=255 expect_error 'flag --cap: unknown capability "CAP_NOPE"'
	fi
	run -0 ocirun delete --force ex
}

@test "exec --detach --pid-file: returns at once; the pid file names the running process" {
	run_container_detached ex
	run_detached ocirun exec -d --pid-file "$TEST_DIR/exec.pid" ex sleep 50
	[[ $status -eq 0 ]] || fail "exec -d: $stderr"
	local pid
	pid=$(cat "$TEST_DIR/exec.pid")
	[[ $(tail -c1 "$TEST_DIR/exec.pid" | od -An -c | tr -d ' ') != '\n' ]] || fail "trailing newline"
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "sleep 50 " ]] || fail "pid $pid: $(cat /proc/$pid/cmdline)"
	[[ $(readlink /proc/$pid/ns/pid) == "$(readlink /proc/$(container_pid ex)/ns/pid)" ]]
	# Reparented away from the exited runtime; ocirun left no process behind.
	[[ $(ps -o ppid= -p "$pid" | tr -d ' ') != "$(container_pid ex)" ]]
	[[ -z $(pgrep -f "ocirun .*exec -d") ]] || fail "an ocirun exec is still running"
	# Under an engine's monitor (a child subreaper), the detached process becomes
	# its child, which reaps it with its exit status.
	run -0 "${BUILD_DIR:-$REPO/build}/tests/tools/subreaper" env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" \
		--root "$ROOT" exec -d --pid-file "$TEST_DIR/reaped.pid" ex sh -c 'sleep 0.3; exit 5'
	[[ ${lines[0]} == *" exited 0" ]] || fail "$output"
	assert_line "$(cat "$TEST_DIR/reaped.pid") exited 5"
	# A foreground exec writes the pid file too.
	run -0 ocirun exec --pid-file "$TEST_DIR/fg.pid" ex true
	[[ $(cat "$TEST_DIR/fg.pid") =~ ^[0-9]+$ ]]
	run -0 ocirun delete --force ex
	run -1 kill -0 "$pid"
}

@test "exec: signals to the runtime reach the process; --preserve-fds passes fds" {
	run_container_detached ex
	ocirun_bg exec ex sh -c 'trap "echo got-term; exit 3" TERM; echo ready; while :; do sleep 0.1; done'
	for _ in $(seq 50); do grep -q ready "$TEST_DIR/bg.out" && break; sleep 0.1; done
	kill -TERM "$BG_PID"
	local st=0
	wait "$BG_PID" || st=$?
	[[ $st -eq 3 ]] || fail "exit status $st: $(cat "$TEST_DIR/bg.out")"
	grep -q got-term "$TEST_DIR/bg.out"
	echo preserved-data >"$TEST_DIR/data"
	run -0 ocirun exec --preserve-fds 1 ex sh -c 'cat /proc/self/fd/3; [ -e /proc/self/fd/4 ] && echo fd4-open; true' 3<"$TEST_DIR/data" 4<"$TEST_DIR/data"
	assert_line preserved-data
	[[ $output != *fd4-open* ]] || fail "fd 4 leaked: $output"
	run -0 ocirun delete --force ex
}

@test "exec --tty: a pty of the container through --console-socket; in the foreground through the caller's terminal" {
	run_container_detached ex
	"$RECVTTY" "$TEST_DIR/console.sock" "$TEST_DIR/console.name" >"$TEST_DIR/console.out" 2>&1 &
	local recv=$!
	for _ in $(seq 50); do [[ -S $TEST_DIR/console.sock ]] && break; sleep 0.1; done
	run_detached ocirun exec -t -d --console-socket "$TEST_DIR/console.sock" ex sh -c 'tty; echo from-exec-tty; readlink /proc/self/fd/1'
	[[ $status -eq 0 ]] || fail "exec -t -d: $stderr"
	wait "$recv"
	# runc sends "/dev/ptmx" as the name; ocirun the slave's path, as for create.
	[[ $(cat "$TEST_DIR/console.name") == /dev/pts/* ]] || is_runc || fail "name: $(cat "$TEST_DIR/console.name")"
	run cat "$TEST_DIR/console.out"
	assert_contains "from-exec-tty"
	[[ $(grep -c '^/dev/pts/' <<<"${output//$'\r'/}") -eq 2 ]] || fail "$output"
	# Foreground: script(1) gives the runtime a terminal.
	local cmd
	printf -v cmd '%q ' env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" exec -t ex sh -c 'tty; stty size; exit 4'
	run bash -c 'script -qec "$1" /dev/null </dev/null' _ "$cmd"
	[[ $status -eq 4 ]] || fail "status $status: $output"
	assert_contains "/dev/pts/"
	# Detached with a terminal needs a socket; a socket needs a terminal.
	run_detached ocirun exec -t -d ex true
	EXPECT_STATUS=255 expect_error "--console-socket"
	run_detached ocirun exec --console-socket "$TEST_DIR/console.sock" -d ex true
	ocirun_only "runc ignores it"
	EXPECT_STATUS=255 expect_error "--console-socket: given, but the process has no terminal"
	run -0 ocirun delete --force ex
}

@test "exec: into a container with a user namespace; under its seccomp filter" {
	chmod 755 "$TEST_DIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW",
			syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO"}]}'
	run_container_detached ex
	run -0 ocirun exec ex sh -c 'id -u; cat /proc/self/uid_map; mkdir /tmp/x 2>&1; grep ^Seccomp: /proc/self/status'
	assert_line 0
	[[ $output =~ 0[[:space:]]+100000[[:space:]]+65536 ]] || fail "$output"
	assert_contains "Operation not permitted"
	assert_line $'Seccomp:\t2'
	run -0 ocirun delete --force ex
}

@test "exec: a seccomp NOTIFY filter's fd for the exec'd process reaches the listener too" {
	local agent_bin=${BUILD_DIR:-$REPO/build}/tests/tools/seccomp-agent sock=$TEST_DIR/agent.sock
	"$agent_bin" "$sock" --state-out "$TEST_DIR/state.json" --mkdir-errno 17 >"$TEST_DIR/agent.out" 2>&1 &
	local agent=$!
	BG_PIDS+=("$agent")
	wait_for_file "$sock"
	update_config '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}' --arg s "$sock"
	run_container_detached ex
	run -0 ocirun exec ex sh -c 'mkdir /tmp/y 2>&1; echo end'
	assert_contains "File exists"
	assert_line end
	jq -e '.state.status == "running" and .state.id == "ex" and .pid != .state.pid' "$TEST_DIR/state.json" >/dev/null ||
		fail "state: $(cat "$TEST_DIR/state.json")"
	run -0 ocirun delete --force ex
	kill "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
}

@test "exec: a user namespace and a network namespace joined by path: exec joins both" {
	ocirun_only "runc 1.1.5 fails to mount sysfs in such a container"
	chmod 755 "$TEST_DIR"
	NETNS=ocirun-exec-$MARK
	ip netns add "$NETNS"
	local inode
	inode=$(stat -L -c %i "/var/run/netns/$NETNS")
	update_config '.linux.namespaces |= map(select(.type != "network"))
		| .linux.namespaces += [{type: "user"}, {type: "network", path: $p}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]' --arg p "/var/run/netns/$NETNS"
	run_container_detached ex
	run -0 ocirun exec ex sh -c 'cat /proc/self/uid_map; readlink /proc/self/ns/net'
	[[ $output =~ 0[[:space:]]+100000[[:space:]]+65536 ]] || fail "$output"
	assert_line "net:[$inode]"
	run -0 ocirun delete --force ex
}

@test "exec --cgroup: into a sub-cgroup of the container's" {
	ocirun_only "runc uses the v1 hierarchies here"
	update_config '.linux.namespaces += [{type: "cgroup"}]'
	run_container_detached ex
	local cgpath base
	cgpath=$(awk -F: '$1 == 0 {print $3}' "/proc/$(container_pid ex)/cgroup")
	base=$(findmnt -t cgroup2 -no TARGET | head -1)
	mkdir "$base$cgpath/sub"
	run -0 ocirun exec --cgroup sub ex cat /proc/self/cgroup
	assert_line "0::/sub"
	run_detached ocirun exec --cgroup nosuch ex true
	EXPECT_STATUS=255 expect_error "nosuch"
	run_detached ocirun exec --cgroup ../escape ex true
	EXPECT_STATUS=255 expect_error 'flag --cgroup: "../escape" must name a cgroup below the container'"'"'s'
	run -0 ocirun delete --force ex
}

@test "exec --apparmor and --process-label: refused where the host lacks the LSM" {
	ocirun_only "message wording"
	[[ ! -e /sys/fs/selinux/enforce ]] || skip "SELinux is enabled here"
	grep -qs Y /sys/module/apparmor/parameters/enabled && skip "AppArmor is enabled here"
	run_container_detached ex
	run_detached ocirun exec --apparmor myprofile ex true
	EXPECT_STATUS=255 expect_error 'process.apparmorProfile "myprofile": AppArmor is not enabled on this host'
	run_detached ocirun exec --process-label system_u:system_r:container_t:s0 ex true
	EXPECT_STATUS=255 expect_error 'SELinux is not enabled on this host'
	run -0 ocirun delete --force ex
	update_config '.process.apparmorProfile = "myprofile"'
	run_detached ocirun create --bundle "$BUNDLE" aa
	expect_error 'process.apparmorProfile "myprofile": AppArmor is not enabled'
	assert_nothing_left
}

@test "exec into a paused container: refused, or with --ignore-paused it waits for resume" {
	ocirun_only "message wording; runc pauses with the v1 freezer"
	run_container_detached ex
	run -0 ocirun pause ex
	run_detached ocirun exec ex true
	EXPECT_STATUS=255 expect_error "paused"
	ocirun_bg exec --ignore-paused ex echo after-resume
	sleep 0.5
	kill -0 "$BG_PID" || fail "exec returned while paused: $(cat "$TEST_DIR/bg.out")"
	run -0 ocirun resume ex
	wait "$BG_PID"
	grep -qx after-resume "$TEST_DIR/bg.out"
	run -0 ocirun delete --force ex
}

@test "exec: into a created container; a stopped or missing one is refused" {
	ocirun_only "message wording"
	run_detached ocirun exec nosuch true
	EXPECT_STATUS=255 expect_error 'nosuch'
	create_container cr
	run -0 ocirun exec cr echo in-created
	assert_line in-created
	[[ $(container_status cr) == created ]]
	run -0 ocirun delete --force cr
	run_container_detached ex
	run -0 ocirun kill ex KILL
	wait_for_status ex stopped
	run_detached ocirun exec ex true
	EXPECT_STATUS=255 expect_error "stopped"
	run -0 ocirun delete ex
	assert_nothing_left
}
