#!/usr/bin/env bats
# exec: a new process in a running container sees what the init sees (its
# namespaces, root, cgroup, seccomp filter), as the user, env and cwd asked for.

load helpers

setup() {
	common_setup
	set_args sleep 100
}
teardown() { common_teardown; }

@test "exec: same hostname, root, pid namespace and cgroup as the init; not PID 1" {
	update_config '.hostname = "exechost" | .linux.namespaces += [{type: "cgroup"}]'
	run_container_detached ex
	local pid
	pid=$(container_pid ex)
	run -0 ocirun exec ex sh -c 'hostname; echo pid=$$; cat /proc/1/cmdline | tr "\0" " "; echo;
		readlink /proc/self/ns/mnt /proc/self/ns/pid; grep ^0:: /proc/self/cgroup; ls /'
	assert_line exechost
	[[ ${lines[1]} != pid=1 ]] || fail "exec'd process is PID 1"
	assert_line "sleep 100 "
	assert_line "$(readlink /proc/$pid/ns/mnt)"
	assert_line "$(readlink /proc/$pid/ns/pid)"
	assert_line "0::/"
	assert_line bin
	run -0 ocirun delete --force ex
}

@test "exec: env, cwd and user from the flags; exit codes; a missing binary" {
	run_container_detached ex
	run -0 ocirun exec -e FOO=bar --env PATH=/bin:/sbin --cwd /tmp -u 1000:1001 ex sh -c 'echo $FOO $PATH; pwd; id -u; id -g'
	assert_line "bar /bin:/sbin"
	assert_line /tmp
	assert_line 1000
	assert_line 1001
	run -7 ocirun exec ex sh -c 'exit 7'
	run -137 ocirun exec ex sh -c 'kill -9 $$'
	run_detached ocirun exec ex nosuchcmd
	ocirun_only "message wording"
	expect_error 'exec: "nosuchcmd"'
	run -0 ocirun delete --force ex
}

@test "exec --process FILE: args, env and capabilities of a runtime-spec process" {
	run_container_detached ex
	cat >"$TEST_DIR/process.json" <<-'JSON'
		{"args": ["sh", "-c", "echo $ONLY; grep ^CapEff /proc/self/status"], "cwd": "/",
		 "env": ["ONLY=process-json", "PATH=/bin"], "user": {"uid": 0, "gid": 0},
		 "capabilities": {"bounding": ["CAP_NET_ADMIN", "CAP_KILL"], "effective": ["CAP_NET_ADMIN", "CAP_KILL"],
		  "permitted": ["CAP_NET_ADMIN", "CAP_KILL"]}}
	JSON
	run -0 ocirun exec --process "$TEST_DIR/process.json" ex
	assert_line process-json
	# CAP_KILL (5) and CAP_NET_ADMIN (12): 0x1020
	assert_line $'CapEff:\t0000000000001020'
	run -0 ocirun delete --force ex
}

@test "exec --detach --pid-file: returns at once; the pid file names the running process" {
	run_container_detached ex
	run -0 ocirun exec -d --pid-file "$TEST_DIR/exec.pid" ex sleep 50
	local pid
	pid=$(cat "$TEST_DIR/exec.pid")
	[[ $(tail -c1 "$TEST_DIR/exec.pid" | od -An -c | tr -d ' ') != '\n' ]] || fail "trailing newline"
	[[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "sleep 50 " ]] || fail "pid $pid: $(cat /proc/$pid/cmdline)"
	[[ $(readlink /proc/$pid/ns/pid) == "$(readlink /proc/$(container_pid ex)/ns/pid)" ]]
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

@test "exec: a stopped or missing container is refused; a paused one unless --ignore-paused" {
	ocirun_only "message wording; runc pauses with the v1 freezer"
	run_detached ocirun exec nosuch true
	expect_error 'nosuch'
	run_container_detached ex
	run -0 ocirun pause ex
	run_detached ocirun exec ex true
	expect_error "paused"
	run -0 ocirun exec --ignore-paused -d ex true
	run -0 ocirun resume ex
	run -0 ocirun kill ex KILL
	wait_for_status ex stopped
	run_detached ocirun exec ex true
	expect_error "stopped"
	run -0 ocirun delete ex
	assert_nothing_left
}
