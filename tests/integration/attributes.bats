#!/usr/bin/env bats
# The process and kernel attributes: linux.sysctl, process.execCPUAffinity,
# process.scheduler, process.ioPriority, linux.personality, linux.timeOffsets.
# Checked from inside the container; refusals leave nothing behind.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

# stat_field LINE N: field N (1-based, as proc(5) counts) of a /proc/<pid>/stat line.
stat_field() {
	local rest=${1##*) }
	awk -v n=$(($2 - 2)) '{ print $n }' <<<"$rest"
}

# ---------------------------------------------------------------------------
# linux.sysctl

@test "sysctl: net.ipv4.ip_forward is set in the container's network namespace only" {
	local host
	host=$(cat /proc/sys/net/ipv4/ip_forward)
	local want=$((1 - host))
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": $v}' --arg v "$want"
	set_args cat /proc/sys/net/ipv4/ip_forward
	run_container -0 fwd
	[[ $output == "$want" ]] || fail "inside: $output, expected $want"
	[[ $(cat /proc/sys/net/ipv4/ip_forward) == "$host" ]] || fail "the host's ip_forward changed"
}

@test "sysctl: IPC and UTS parameters (kernel.shmmax, fs.mqueue.msg_max, kernel.domainname)" {
	local shmmax msg_max
	shmmax=$(cat /proc/sys/kernel/shmmax)
	msg_max=$(cat /proc/sys/fs/mqueue/msg_max)
	update_config '.linux.sysctl = {"kernel.shmmax": "123456789", "fs.mqueue.msg_max": "17",
		"kernel.domainname": "example.test"}'
	set_args cat /proc/sys/kernel/shmmax /proc/sys/fs/mqueue/msg_max /proc/sys/kernel/domainname
	run_container -0 ipc
	[[ $output == $'123456789\n17\nexample.test' ]] || fail "inside: $output"
	[[ $(cat /proc/sys/kernel/shmmax) == "$shmmax" ]] || fail "the host's shmmax changed"
	[[ $(cat /proc/sys/fs/mqueue/msg_max) == "$msg_max" ]] || fail "the host's msg_max changed"
}

@test "sysctl: set before /proc/sys is made read-only (readonlyPaths)" {
	update_config '.linux.sysctl = {"net.core.somaxconn": "321"}'
	set_args sh -c 'cat /proc/sys/net/core/somaxconn; echo 5 > /proc/sys/net/core/somaxconn && echo writable; true'
	run_container -0 ro
	[[ ${lines[0]} == 321 ]] || fail "inside: $output"
	[[ $output != *writable* ]] || fail "/proc/sys is writable in the container: $output"
}

@test "sysctl: vm.swappiness is refused at create, nothing left behind" {
	update_config '.linux.sysctl = {"vm.swappiness": "10"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" swap </dev/null
	expect_error 'linux.sysctl: "vm.swappiness" is not namespaced; refusing to set it in a container' \
		"vm.swappiness"
	assert_nothing_left
	run_detached ocirun create --bundle "$BUNDLE" swap
	expect_error '"vm.swappiness" is not namespaced' "vm.swappiness"
	assert_nothing_left
}

@test "sysctl: net.* without a network namespace is refused, nothing left behind" {
	update_config '.linux.namespaces -= [{"type": "network"}] | .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" nonet </dev/null
	expect_error 'linux.sysctl: "net.ipv4.ip_forward" needs a network namespace' "net.ipv4.ip_forward"
	assert_nothing_left
}

@test "sysctl: kernel.shmmax without an IPC namespace is refused" {
	update_config '.linux.namespaces -= [{"type": "ipc"}] | .linux.sysctl = {"kernel.shmmax": "1"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" noipc </dev/null
	expect_error 'linux.sysctl: "kernel.shmmax" needs an IPC namespace' "kernel.shmmax"
	assert_nothing_left
}

@test "sysctl: a name that does not exist fails in the init, naming it" {
	ocirun_only "message wording"
	update_config '.linux.sysctl = {"net.ipv4.no_such_knob": "1"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" nosuch </dev/null
	expect_error "setting sysctl net.ipv4.no_such_knob: open /proc/sys/net/ipv4/no_such_knob: No such file or directory"
	assert_nothing_left
}

# ---------------------------------------------------------------------------
# process.execCPUAffinity

@test "execCPUAffinity: final is the process's affinity" {
	update_config '.process.execCPUAffinity = {"initial": "0", "final": "1"}'
	set_args grep Cpus_allowed_list /proc/self/status
	run_container -0 final
	[[ $output == $'Cpus_allowed_list:\t1' ]] || fail "$output"
}

@test "execCPUAffinity: initial alone, and a range" {
	update_config '.process.execCPUAffinity = {"initial": "0"}'
	set_args grep Cpus_allowed_list /proc/self/status
	run_container -0 initial
	[[ $output == $'Cpus_allowed_list:\t0' ]] || fail "$output"

	update_config '.process.execCPUAffinity = {"final": "0-1"}'
	run_container -0 range
	[[ $output == $'Cpus_allowed_list:\t0-1' ]] || fail "$output"
}

@test "execCPUAffinity: a CPU the machine lacks fails the create, nothing left behind" {
	update_config '.process.execCPUAffinity = {"final": "4095"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" nocpu </dev/null
	expect_error 'setting process.execCPUAffinity "4095": sched_setaffinity: Invalid argument'
	assert_nothing_left
}

@test "execCPUAffinity: a reversed range is refused naming the field" {
	ocirun_only "message wording"
	update_config '.process.execCPUAffinity = {"final": "1-0"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" rev </dev/null
	expect_error 'process.execCPUAffinity.final: CPU range "1-0" is reversed'
	assert_nothing_left
}

# ---------------------------------------------------------------------------
# process.scheduler

@test "scheduler: SCHED_BATCH with a nice value" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 5}'
	set_args cat /proc/self/stat
	run_container -0 batch
	[[ $(stat_field "$output" 41) == 3 ]] || fail "policy: $(stat_field "$output" 41): $output"
	[[ $(stat_field "$output" 19) == 5 ]] || fail "nice: $(stat_field "$output" 19): $output"
}

@test "scheduler: SCHED_FIFO priority 10, reset on fork" {
	update_config '.process.scheduler = {"policy": "SCHED_FIFO", "priority": 10,
		"flags": ["SCHED_FLAG_RESET_ON_FORK"]}'
	# A forked child's stat, then the shell's own (busybox sh execs its last
	# command: that cat is the shell's process).
	set_args sh -c 'cat /proc/self/stat; cat /proc/$$/stat'
	run_container -0 fifo
	[[ $(stat_field "${lines[0]}" 41) == 0 ]] || fail "child's policy: ${lines[0]}"
	[[ $(stat_field "${lines[0]}" 40) == 0 ]] || fail "child's rt_priority: ${lines[0]}"
	[[ ${lines[1]%% *} == 1 ]] || fail "not pid 1: ${lines[1]}"
	[[ $(stat_field "${lines[1]}" 41) == 1 ]] || fail "policy: ${lines[1]}"
	[[ $(stat_field "${lines[1]}" 40) == 10 ]] || fail "rt_priority: ${lines[1]}"
}

@test "scheduler: SCHED_DEADLINE" {
	update_config '.process.scheduler = {"policy": "SCHED_DEADLINE", "runtime": 1000000,
		"deadline": 10000000, "period": 10000000}'
	set_args cat /proc/self/stat
	run_container -0 dl
	[[ $(stat_field "$output" 41) == 6 ]] || fail "policy: $output"
}

@test "scheduler: SCHED_FIFO without a priority is refused naming the field" {
	update_config '.process.scheduler = {"policy": "SCHED_FIFO"}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" nopri </dev/null
	expect_error "process.scheduler.priority: must be between 1 and 99 for SCHED_FIFO, got 0"
	assert_nothing_left
}

# ---------------------------------------------------------------------------
# process.ioPriority

@test "ioPriority: best-effort level 6, realtime, idle" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_args sh -c 'ionice -p $$'
	run_container -0 be
	[[ $output == "best-effort: prio 6" ]] || fail "$output"

	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_RT", "priority": 2}'
	run_container -0 rt
	[[ $output == "realtime: prio 2" ]] || fail "$output"

	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_IDLE"}'
	run_container -0 idle
	[[ $output == idle* ]] || fail "$output"
}

# ---------------------------------------------------------------------------
# linux.personality

@test "personality: LINUX32 shows a 32-bit machine, LINUX the native one" {
	[[ $(uname -m) == x86_64 ]] || skip "the 32-bit name of $(uname -m) is not checked"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run_container -0 p32
	[[ $output == i686 ]] || fail "uname -m: $output"

	update_config '.linux.personality = {"domain": "LINUX"}'
	run_container -0 p64
	[[ $output == x86_64 ]] || fail "uname -m: $output"
}

@test "personality: flags are ignored with a warning" {
	ocirun_only "warning wording"
	update_config '.linux.personality = {"domain": "LINUX32", "flags": ["ADDR_NO_RANDOMIZE"]}'
	set_args uname -m
	run --separate-stderr ocirun run --bundle "$BUNDLE" flags </dev/null
	[[ $status -eq 0 ]] || fail "status $status: $stderr"
	[[ $output == i686 ]] || fail "uname -m: $output"
	[[ $stderr == *"linux.personality.flags: not supported; ignored"* ]] || fail "stderr: $stderr"
}

# ---------------------------------------------------------------------------
# linux.timeOffsets

@test "timeOffsets: the container's clocks are offset, the process is in its time namespace" {
	update_config '.linux.namespaces += [{"type": "time"}] |
		.linux.timeOffsets = {"monotonic": {"secs": 172800, "nanosecs": 0},
			"boottime": {"secs": 604800, "nanosecs": 0}}'
	set_args sh -c 'cat /proc/self/timens_offsets; cat /proc/uptime;
		[ "$(readlink /proc/self/ns/time)" = "$(readlink /proc/self/ns/time_for_children)" ] && echo same-ns'
	local before after
	before=$(cut -d. -f1 /proc/uptime)
	run_container -0 timens
	after=$(cut -d. -f1 /proc/uptime)
	[[ $(tr -s ' ' <<<"${lines[0]}") == "monotonic 172800 0" ]] || fail "offsets: $output"
	[[ $(tr -s ' ' <<<"${lines[1]}") == "boottime 604800 0" ]] || fail "offsets: $output"
	local inside=${lines[2]%%.*}
	((inside >= before + 604800 && inside <= after + 604800 + 1)) ||
		fail "uptime inside $inside, host $before..$after"
	[[ ${lines[3]} == same-ns ]] || fail "the process is not in its time namespace: $output"
}

@test "timeOffsets without a time namespace is refused naming the field" {
	update_config '.linux.timeOffsets = {"monotonic": {"secs": 10, "nanosecs": 0}}'
	run --separate-stderr ocirun run --bundle "$BUNDLE" notime </dev/null
	expect_error "linux.timeOffsets: needs a time namespace"
	assert_nothing_left
}
