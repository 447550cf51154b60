#!/usr/bin/env bats
# The VM plumbing: a pure cgroup v2 guest, ocirun runs containers in it, and the
# null_blk disk for io.max is there.

load helpers

setup() { vm_setup; }
teardown() { vm_teardown; }

@test "vm: /sys/fs/cgroup is cgroup2 with memory, pids, cpu, io enabled below the root" {
	[[ $(stat -fc %T /sys/fs/cgroup) == cgroup2fs ]]
	# no cgroup v1 hierarchy anywhere
	run -0 awk '$3 == "cgroup" { print $2 }' /proc/self/mounts
	[[ -z $output ]] || fail "cgroup v1 mounts: $output"
	local c ctl
	ctl=$(cat /sys/fs/cgroup/cgroup.subtree_control)
	for c in memory pids cpu io; do
		[[ " $ctl " == *" $c "* ]] || fail "$c not in the root's cgroup.subtree_control: $ctl"
	done
}

@test "vm: ocirun run of a busybox container without limits" {
	set_args sh -c 'echo hello from the vm; cat /proc/self/cgroup; exit 7'
	run_container -7 smoke
	assert_line "hello from the vm"
	# cgroup v2 only: /proc/self/cgroup is the one line "0::PATH"
	run -0 grep -E '^[0-9]+:' <<<"$output"
	[[ $output =~ ^0::/[^$'\n']*$ ]] || fail "/proc/self/cgroup in the container:" "$output"
}

@test "vm: run -d, state, delete --force" {
	set_args sleep 100
	run_container_detached bg
	[[ $(container_status bg) == running ]]
	local cg
	cg=$(container_cgroup bg)
	[[ -d $cg ]] || fail "no cgroup dir $cg"
	grep -qx "$(container_pid bg)" "$cg/cgroup.procs"
	run -0 ocirun delete --force bg
	run ! ocirun state bg
}

@test "vm: /dev/nullb0 exists (io.max tests)" {
	[[ -b /dev/nullb0 ]]
	[[ $(nullb0_dev) =~ ^[0-9]+:[0-9]+$ ]]
	[[ $(cat /sys/block/nullb0/size) -gt 0 ]]
}
