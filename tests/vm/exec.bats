#!/usr/bin/env bats
# exec under cgroup v2 limits (runs in the cgroup v2 VM: tests/vm/README.md):
# the exec'd process is born in the container's cgroup and is held to its limits.

load helpers

setup() {
	vm_setup || return
	own_cgroup_view
}
teardown() { vm_teardown; }

@test "exec: the process is in the container's cgroup and held to its pids and memory limits" {
	set_resources '{"memory": {"limit": 16777216, "swap": 16777216}, "pids": {"limit": 6}}'
	set_args sleep 1000
	run_container_detached ex
	local cg
	cg=$(container_cgroup ex)
	run -0 ocirun exec ex sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/pids.max /sys/fs/cgroup/memory.max'
	assert_line "0::/"
	assert_line 6
	assert_line 16777216
	# A detached exec'd process is listed in the container's cgroup.procs.
	run_detached ocirun exec -d --pid-file "$TEST_DIR/exec.pid" ex sleep 1000
	[[ $status -eq 0 ]] || fail "exec -d: $stderr"
	grep -qx "$(cat "$TEST_DIR/exec.pid")" "$cg/cgroup.procs" || fail "not in $cg: $(cat "$cg/cgroup.procs")"
	# pids.max 6 counts the init, the sleep and the shell: forks fail at the limit.
	run -0 ocirun exec ex sh -c 'i=0; while [ $i -lt 10 ]; do (sleep 100 &) 2>/dev/null || echo fork-failed; i=$((i + 1)); done
		echo current=$(cat /sys/fs/cgroup/pids.current)'
	assert_line fork-failed
	[[ $output =~ current=([0-9]+) ]] && ((BASH_REMATCH[1] >= 3 && BASH_REMATCH[1] <= 6)) || fail "$output"
	run -0 ocirun exec ex sh -c 'pkill -f "sleep 100" || killall sleep 2>/dev/null; true'
	# memory.max 16 MiB: an exec'd allocation of 100 MiB is OOM-killed; the init lives on.
	run -137 ocirun exec ex dd if=/dev/zero of=/dev/null bs=100M count=1
	[[ $(container_status ex) == running ]] || fail "status: $(container_status ex)"
	grep -Eq '^oom_kill [1-9]' "$cg/memory.events" || fail "$(cat "$cg/memory.events")"
	run -0 ocirun delete --force ex
	[[ ! -d $cg ]] || fail "cgroup $cg left"
}
