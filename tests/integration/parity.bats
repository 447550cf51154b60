#!/usr/bin/env bats
# runc parity: behaviours runc's users and engines rely on. Each test passes
# against Debian's runc too (OCIRUN=/usr/sbin/runc); where runc cannot on this
# host, the test says why.

load helpers

setup() { common_setup; }
teardown() {
	if [[ -n ${HELPER_PID:-} ]]; then kill -KILL "$HELPER_PID" 2>/dev/null || true; fi
	common_teardown
	if [[ -n ${PRE_CGROUP:-} && -d $PRE_CGROUP ]]; then
		echo 0 >"$PRE_CGROUP/cgroup.freeze" 2>/dev/null || true
		rmdir "$PRE_CGROUP" 2>/dev/null || true
	fi
	rmdir "${CG2:-/nonexistent}/ocirun-tests" 2>/dev/null || true
}

@test "kill with signal 0: the liveness probe succeeds on a running container, fails on a stopped one" {
	set_args sleep 100
	run_container_detached k0
	run -0 ocirun kill k0 0
	run -0 ocirun kill --all k0 0
	[[ $(container_status k0) == running ]] || fail "status after signal 0: $(container_status k0)"
	run -0 ocirun kill k0 KILL
	wait_for_status k0 stopped
	run ! ocirun kill k0 0
	run -0 ocirun delete k0
}

@test "ps of a stopped container: an empty list and status 0" {
	set_args sleep 100
	run_container_detached psd
	run -0 ocirun kill psd KILL
	wait_for_status psd stopped
	run -0 ocirun ps psd
	[[ $(grep -c . <<<"$output") -le 1 ]] || fail "processes listed: $output"
	run -0 ocirun ps --format json psd
	[[ $output == "[]" || $output == null ]] || fail "json: $output"
	run -0 ocirun delete psd
}

@test "exec: a failure of the runtime before the process runs exits 255, not a process status" {
	set_args sleep 100
	run_container_detached ex255
	run --separate-stderr ocirun exec --pid-file "$TEST_DIR/no/such/dir/pid" ex255 true
	[[ $status -eq 255 ]] || fail "bad --pid-file directory: status $status: $stderr"
	run --separate-stderr ocirun exec ex255 /no/such/command
	[[ $status -eq 255 ]] || fail "missing command: status $status: $stderr"
	# the process's own status is still the process's
	run ocirun exec ex255 sh -c 'exit 1'
	[[ $status -eq 1 ]] || fail "exit 1: $status"
	run -0 ocirun delete --force ex255
}

# A cgroup made before the create, as engines do, in the cgroup v2 hierarchy:
# $PRE_CGROUP, at the container's linux.cgroupsPath /ocirun-tests/$MARK-ID
# (the path the suite gives runc's containers).
precreate_cgroup() {
	CG2=$(awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo)
	[[ -n $CG2 ]] || skip "no cgroup2 hierarchy mounted"
	PRE_CGROUP=$CG2/ocirun-tests/$MARK-$1
	mkdir -p "$PRE_CGROUP"
	update_config '.linux.cgroupsPath = $p' --arg p "/ocirun-tests/$MARK-$1"
	sleep 1000 &
	HELPER_PID=$!
	echo "$HELPER_PID" >"$PRE_CGROUP/cgroup.procs"
}

@test "a cgroup that already has a process: create warns and goes on (engines place helpers first)" {
	precreate_cgroup busy
	set_args sh -c 'cat /proc/self/cgroup'
	run --separate-stderr ocirun run --bundle "$BUNDLE" busy </dev/null
	[[ $status -eq 0 ]] || fail "status $status: $stderr"
	if ! is_runc; then
		[[ $stderr == *"cgroup $PRE_CGROUP is not empty"* ]] || fail "no warning: $stderr"
		[[ $output == *"/ocirun-tests/$MARK-busy"* ]] || fail "not in the cgroup: $output"
	fi
	kill -0 "$HELPER_PID" || fail "the helper was killed"
}

@test "a frozen cgroup that has a process is still refused" {
	ocirun_only "runc freezes with the v1 freezer on this hybrid host"
	precreate_cgroup frozen
	echo 1 >"$PRE_CGROUP/cgroup.freeze"
	set_args true
	run --separate-stderr ocirun run --bundle "$BUNDLE" frozen </dev/null
	expect_error "cgroup $PRE_CGROUP is frozen"
}

@test "createContainer hooks run in the container's root: a relative path in a hook is the image's" {
	echo image-file >"$BUNDLE/rootfs/hook-probe"
	update_config '.hooks.createContainer = [{path: "/bin/sh",
		args: ["sh", "-c", "pwd >\"$0\"/cwd; cat hook-probe >\"$0\"/probe", $d]}]' --arg d "$TEST_DIR"
	set_args true
	run_container -0 hookcwd
	[[ $(cat "$TEST_DIR/cwd") == "$BUNDLE/rootfs" ]] || fail "hook cwd: $(cat "$TEST_DIR/cwd")"
	[[ $(cat "$TEST_DIR/probe") == image-file ]] || fail "relative path: $(cat "$TEST_DIR/probe" 2>&1)"
}

@test "process.cwd that only root may enter: entered before the switch to the process's user" {
	mkdir -p "$BUNDLE/rootfs/private"
	chown 0:0 "$BUNDLE/rootfs/private"
	chmod 700 "$BUNDLE/rootfs/private"
	update_config '.process.cwd = "/private" | .process.user = {uid: 1000, gid: 1000}'
	set_args sh -c 'pwd; id -u; ls >/dev/null 2>&1 || echo listing-denied'
	run_container -0 rootcwd
	assert_line /private
	assert_line 1000
	assert_line listing-denied # the process is uid 1000 in there, not root
}

@test "a read-only /dev: its submounts and devices are made first, read-only last" {
	update_config '(.mounts[] | select(.destination == "/dev") | .options) += ["ro"]'
	set_args sh -c 'echo ok >/dev/null && echo null-ok; test -c /dev/zero && echo zero-ok
		grep -q " /dev/pts " /proc/self/mountinfo && echo pts-ok
		touch /dev/new 2>&1 || echo create-refused
		awk "\$5 == \"/dev\" { print \$6 }" /proc/self/mountinfo'
	run_container -0 rodev
	assert_line null-ok
	assert_line zero-ok
	assert_line pts-ok
	assert_line create-refused
	[[ $(tail -1 <<<"$output") == ro,* ]] || fail "/dev mount options: $(tail -1 <<<"$output")"
}

@test "bind sources the container's root cannot reach are opened by the runtime (new user namespace)" {
	# The container's root is host uid 100000; the source lies in a 0700
	# directory of host root's. The runtime opens it before the id switch.
	chmod 755 "$TEST_DIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	mkdir -p "$TEST_DIR/private/data"
	chmod 700 "$TEST_DIR/private"
	echo host-data >"$TEST_DIR/private/data/file"
	echo host-file >"$TEST_DIR/private/single"
	# the targets exist: the rootfs is host root's, not the container's root's
	mkdir "$BUNDLE/rootfs/data"
	touch "$BUNDLE/rootfs/single"
	add_bind "$TEST_DIR/private/data" /data '["rbind", "ro"]'
	add_bind "$TEST_DIR/private/single" /single '["bind", "ro"]'
	set_args sh -c 'cat /data/file /single; touch /data/x 2>&1 || echo write-refused'
	run_container -0 usernsbind
	assert_line host-data
	assert_line host-file
	assert_line write-refused
}
