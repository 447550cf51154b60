#!/usr/bin/env bats
# Rootless mode with cgroup v2 controllers (the VM): a user who owns a
# delegated subtree (as systemd gives a user session one) gets its limits
# there; the same limit without one is refused, naming it.

load helpers
load ../integration/rootless-helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }
setup() {
	vm_setup || return
	rootless_setup
}
teardown() {
	local rc=0
	rootless_teardown || rc=1
	vm_teardown || rc=1
	return $rc
}

@test "rootless: memory and pids limits in a subtree delegated to the user; without one, the limit is refused" {
	# (no cgroup namespace: its /sys/fs/cgroup is its own cgroup, bound)
	rl_config '.linux.resources = {memory: {limit: 33554432}, pids: {limit: 20}}
		| .process.args = ["sh", "-c", "sed -n \"s/^0:://p\" /proc/self/cgroup; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max"]'
	run ! rl run --bundle "$BUNDLE" rlv </dev/null
	assert_contains "linux.resources.memory.limit: rootless, and no cgroup the caller may write to hold the limit"
	# The delegation: the subtree's directory and its interface files are the
	# user's, and the user's processes run in it (in a leaf of their own).
	RL_CGROUP=/sys/fs/cgroup/rl-deleg-$MARK
	mkdir "$RL_CGROUP" "$RL_CGROUP/session"
	chown "$RL_UID:$RL_GID" "$RL_CGROUP" "$RL_CGROUP"/cgroup.{procs,subtree_control,threads}
	chown -R "$RL_UID:$RL_GID" "$RL_CGROUP/session"
	rl_config '.linux.cgroupsPath = $p' --arg p "/rl-deleg-$MARK/c1"
	run sh -c 'echo $$ >"$1/session/cgroup.procs" && shift && exec "$@"' _ "$RL_CGROUP" \
		setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH="$PATH" XDG_RUNTIME_DIR="$XDG" OCIRUN_TEST_MARK="$MARK" \
		"$OCIRUN" run --bundle "$BUNDLE" rlv
	((status == 0)) || fail "status $status: $output"
	assert_line "/rl-deleg-$MARK/c1"
	assert_line 33554432
	assert_line 20
	[[ ! -e $RL_CGROUP/c1 ]] || fail "the container's cgroup is left"
}
