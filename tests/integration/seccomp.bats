#!/usr/bin/env bats
# linux.seccomp, seen from inside the container: errno actions, kills, argument
# rules, flags, docker's default profile, and user notification to an agent.

load helpers

setup() {
	common_setup
	AGENT=${BUILD_DIR:-$REPO/build}/tests/tools/seccomp-agent
	ATTACKER=${BUILD_DIR:-$REPO/build}/tests/tools/attacker
	DOCKER_PROFILE=$REPO/tests/vectors/seccomp/docker-default.json
}
teardown() { common_teardown; }

# set_seccomp JSON: .linux.seccomp = JSON
set_seccomp() {
	update_config '.linux.seccomp = $s' --argjson s "$1"
}

# set_docker_profile DROP [FILTER]: .linux.seccomp = docker's default profile
# (defaultAction SCMP_ACT_ERRNO, defaultErrnoRet 1, x86_64 x86 x32) less the
# syscall names of the JSON array DROP, then the jq FILTER applied to it.
set_docker_profile() {
	update_config ".linux.seccomp = (\$p[0] | .syscalls |= map(.names -= \$drop | select(.names != [])) | ${2:-.})" \
		--slurpfile p "$DOCKER_PROFILE" --argjson drop "$1"
}

# The static probe as /bin/attacker in the rootfs: `attacker syscall NR...`
# prints what each raw system call gives ("435: ENOSYS", "110: ok").
install_attacker() {
	[[ -x $ATTACKER ]] || fail "no $ATTACKER (build first)"
	cp "$ATTACKER" "$BUNDLE/rootfs/bin/attacker"
}

# The numbers below are x86_64's: getppid 110, mkdir 83, pidfd_open 434,
# clone3 435; 1000 is no syscall.
x86_64_only() {
	[[ $(uname -m) == x86_64 ]] || skip "x86_64 syscall numbers"
}

@test "seccomp: ERRNO denies mkdir with EPERM, or with the rule's errnoRet" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"},
		{"names": ["rmdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}'
	set_args sh -c 'mkdir /tmp/x; rmdir /tmp; echo done'
	run_container -0 errno
	assert_contains "mkdir: can't create directory '/tmp/x': Operation not permitted"
	assert_contains "rmdir: '/tmp': Function not implemented"
	assert_line done
}

@test "seccomp: defaultErrnoRet 38 under docker's profile gives ENOSYS; a busybox shell runs" {
	jq -e '.defaultAction == "SCMP_ACT_ERRNO" and (.syscalls | length) > 10' "$DOCKER_PROFILE" >/dev/null
	update_config '.linux.seccomp = ($p[0] + {defaultErrnoRet: 38})' --slurpfile p "$DOCKER_PROFILE"
	# mount is allowed only with CAP_SYS_ADMIN, which the container lacks
	set_args sh -c 'ls / >/dev/null && echo ls-ok; cat /proc/self/status | grep ^Seccomp:
		mount -t tmpfs none /mnt 2>&1; echo mount=$?'
	run_container -0 docker
	assert_line ls-ok
	assert_line $'Seccomp:\t2'
	assert_contains "Function not implemented"
	[[ $output != *mount=0* ]] || fail "mount succeeded: $output"
}

# runc (libcontainer/seccomp/patchbpf) puts a stub before the filter: per
# architecture, a syscall numbered above every one the profile names gets
# ENOSYS rather than the default action, so that a C library falls back from
# a syscall newer than the profile (clone3 -> clone). Not under an allowing
# default action (ALLOW, LOG, TRACE).
@test "seccomp: a syscall above the profile's newest gets ENOSYS, an unlisted one below the default errno; none with ALLOW" {
	x86_64_only
	install_attacker
	set_docker_profile '["getppid"]'
	set_args attacker syscall 1000 110
	run_container -0 enosys
	assert_line "1000: ENOSYS"
	assert_line "110: EPERM"

	# Allowed by default: getppid, above the only syscall named (mkdir), runs.
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64"],
		"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args attacker syscall 110 83
	run_container -0 allow
	assert_line "110: ok"
	assert_line "83: EPERM"
}

@test "seccomp: clone3 under a profile older than it gets ENOSYS; its newest syscall is still the profile's" {
	x86_64_only
	install_attacker
	# docker's profile without the syscalls numbered 435 (clone3) and up on
	# x86_64, as a profile written before Linux 5.3: its newest is pidfd_open.
	set_docker_profile '["clone3", "close_range", "openat2", "pidfd_getfd", "faccessat2",
		"process_madvise", "epoll_pwait2", "mount_setattr", "quotactl_fd",
		"landlock_create_ruleset", "landlock_add_rule", "landlock_restrict_self", "memfd_secret",
		"process_mrelease", "futex_waitv", "set_mempolicy_home_node", "cachestat", "fchmodat2",
		"map_shadow_stack", "futex_wake", "futex_wait", "futex_requeue", "statmount", "listmount",
		"lsm_get_self_attr", "lsm_set_self_attr", "lsm_list_modules", "mseal", "setxattrat",
		"getxattrat", "listxattrat", "removexattrat", "open_tree_attr", "file_getattr", "file_setattr"]'
	set_args attacker syscall 435 434
	run_container -0 clone3
	assert_line "435: ENOSYS"
	assert_line "434: EINVAL" # pidfd_open(0, 0): allowed; the kernel refuses pid 0
}

@test "seccomp: with defaultErrnoRet, ENOSYS above the profile's newest syscall, defaultErrnoRet below" {
	x86_64_only
	install_attacker
	set_docker_profile '["getppid"]' '.defaultErrnoRet = 13'
	set_args attacker syscall 1000 110
	run_container -0 errnoret
	assert_line "1000: ENOSYS"
	assert_line "110: EACCES"
}

@test "seccomp: a KILL_PROCESS default gives ENOSYS above the profile's newest syscall and kills below" {
	x86_64_only
	install_attacker
	set_docker_profile '["getppid"]' '.defaultAction = "SCMP_ACT_KILL_PROCESS" | del(.defaultErrnoRet)'
	set_args attacker syscall 1000 110
	run_container -159 kill
	assert_line "1000: ENOSYS"
	[[ $output != *"110:"* ]] || fail "getppid was not killed: $output"
}

@test "seccomp: KILL_PROCESS kills with SIGSYS (exit 159)" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_KILL_PROCESS"}]}'
	set_args sh -c 'exec mkdir /tmp/x'
	run_container -159 kill
}

@test "seccomp: an args rule denies one value and allows another; MASKED_EQ as docker uses it" {
	# kill(pid, SIGUSR1) denied; kill(pid, 0) allowed. personality(PER_LINUX32)
	# denied through a mask on the low 16 bits; personality(PER_LINUX) allowed.
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1,
		 "args": [{"index": 0, "value": 65535, "valueTwo": 8, "op": "SCMP_CMP_MASKED_EQ"}]}]}'
	set_args sh -c 'kill -0 $$ && echo sig0-ok; kill -USR1 $$ 2>&1; echo usr1=$?
		linux64 true && echo linux64-ok; linux32 true 2>&1; echo linux32=$?'
	run_container -0 args
	assert_line sig0-ok
	assert_line usr1=1
	assert_line linux64-ok
	assert_line linux32=1
}

@test "seccomp: flags are accepted; an unknown syscall name is skipped" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW",
		"flags": ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
		"syscalls": [{"names": ["no_such_syscall_ever", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args sh -c 'mkdir /tmp/x 2>&1; grep ^Seccomp: /proc/self/status'
	run_container -0 flags
	assert_contains "Operation not permitted"
	assert_line $'Seccomp:\t2'
}

@test "seccomp: NOTIFY hands the fd to the agent at listenerPath, which answers mkdir" {
	[[ -x $AGENT ]] || fail "no $AGENT (build first)"
	local sock=$TEST_DIR/agent.sock
	"$AGENT" "$sock" --state-out "$TEST_DIR/state.json" --mkdir-errno 17 >"$TEST_DIR/agent.out" 2>&1 &
	local agent=$!
	BG_PIDS+=("$agent")
	wait_for_file "$sock"
	set_seccomp "$(jq -n --arg s "$sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
		listenerMetadata: "meta-42",
		syscalls: [{names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_args sh -c 'mkdir /tmp/x 2>&1; ls -d /tmp/x 2>&1; echo end'
	run_container -0 notify
	assert_contains "mkdir: can't create directory '/tmp/x': File exists"
	assert_contains "No such file or directory"
	assert_line end
	jq -e '.metadata == "meta-42" and .fds == ["seccompFd"] and .pid > 0
		and .state.id == "notify" and .state.status == "creating"' "$TEST_DIR/state.json" >/dev/null ||
		fail "state: $(cat "$TEST_DIR/state.json")"
	kill "$agent" 2>/dev/null || true
	wait "$agent" 2>/dev/null || true
}

@test "seccomp: errors name the entry: bad action, NOTIFY without listener, a listener not there" {
	ocirun_only "message wording"
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_FOO"}]}'
	run_detached ocirun create --bundle "$BUNDLE" bad1
	expect_error "linux.seccomp.syscalls[0].action"
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}'
	run_detached ocirun create --bundle "$BUNDLE" bad2
	expect_error "linux.seccomp.listenerPath"
	set_seccomp "$(jq -n --arg s "$TEST_DIR/nobody.sock" '{defaultAction: "SCMP_ACT_ALLOW", listenerPath: $s,
		syscalls: [{names: ["mkdir"], action: "SCMP_ACT_NOTIFY"}]}')"
	set_args true
	run_detached ocirun create --bundle "$BUNDLE" bad3
	expect_error "linux.seccomp.listenerPath $TEST_DIR/nobody.sock: connect: No such file or directory"
	assert_nothing_left
}
