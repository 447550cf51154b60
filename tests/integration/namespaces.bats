#!/usr/bin/env bats
# Namespaces as the config asks for them: a user namespace with its id maps,
# namespaces joined by path, and the pivot alternatives. Checked from inside.

load helpers

setup() { common_setup; }
teardown() {
	[[ -d ${TEST_DIR:-}/ns ]] && drop_persistent_namespaces
	common_teardown
}

# A user namespace whose root is host uid 100000. As with runc, that uid must be
# able to reach the rootfs: the test dir is made searchable.
userns_config() {
	chmod 755 "$TEST_DIR"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
}

@test "user namespace: root inside is host uid 100000, with the configured maps" {
	userns_config
	set_args sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
	run_container -0 un
	local -a l
	mapfile -t l <<<"$output"
	[[ ${l[0]} == 0 && ${l[1]} == 0 ]] || fail "ids: $output"
	[[ $(echo ${l[2]}) == "0 100000 65536" ]] || fail "uid_map: ${l[2]}"
	[[ $(echo ${l[3]}) == "0 100000 65536" ]] || fail "gid_map: ${l[3]}"
}

@test "user namespace: devices are the host's, bound (mknod is not allowed there)" {
	userns_config
	set_args sh -c 'echo x >/dev/null && stat -c "%t:%T" /dev/null /dev/zero /dev/urandom'
	run_container -0 und
	[[ $output == $'1:3\n1:5\n1:9' ]] || fail "devices: $output"
}

@test "user namespace: host root's files are not root's inside" {
	userns_config
	update_config '.root.readonly = false'
	set_args sh -c 'touch /owned-by-host-root 2>&1; echo rc=$?'
	run_container -0 unw
	assert_contains "rc=1"
	[[ ! -e $BUNDLE/rootfs/owned-by-host-root ]]
}

@test "namespaces by path: a second container joins the first one's UTS and network namespaces" {
	update_config '.hostname = "first"'
	set_args sleep 100
	create_container first
	local pid
	pid=$(container_pid first)
	update_config '.hostname = null
		| .linux.namespaces |= map(if .type == "uts" then .path = $uts
		                           elif .type == "network" then .path = $net else . end)' \
		--arg uts "/proc/$pid/ns/uts" --arg net "/proc/$pid/ns/net"
	set_args sh -c 'hostname; readlink /proc/self/ns/uts; readlink /proc/self/ns/net'
	run_container -0 second
	local -a l
	mapfile -t l <<<"$output"
	[[ ${l[0]} == first ]] || fail "hostname: $output"
	[[ ${l[1]} == "$(readlink /proc/$pid/ns/uts)" ]] || fail "uts: ${l[1]}"
	[[ ${l[2]} == "$(readlink /proc/$pid/ns/net)" ]] || fail "net: ${l[2]}"
	ocirun delete --force first
}

@test "namespaces by path: a path of another namespace type is refused, naming it" {
	ocirun_only "message wording"
	update_config '.linux.namespaces |= map(if .type == "uts" then .path = "/proc/self/ns/net" else . end)'
	run_detached ocirun create --bundle "$BUNDLE" wrongtype
	expect_error "linux.namespaces[2]: uts namespace /proc/self/ns/net: it is a network namespace, not a uts namespace"
	assert_nothing_left
}

@test "namespaces by path: a path that does not exist is refused, naming it" {
	ocirun_only "message wording"
	update_config '.linux.namespaces |= map(if .type == "ipc" then .path = "/nonexistent/ns" else . end)'
	run_detached ocirun create --bundle "$BUNDLE" nopath
	expect_error "linux.namespaces[1]: ipc namespace /nonexistent/ns: open: No such file or directory"
	assert_nothing_left
}

@test "no network namespace asked: the container shares the host's" {
	update_config '.linux.namespaces |= map(select(.type != "network"))'
	set_args readlink /proc/self/ns/net
	run_container -0 hostnet
	[[ $output == "$(readlink /proc/self/ns/net)" ]] || fail "net ns: $output"
}

@test "--no-pivot: the rootfs is / and the host's root is out of reach" {
	set_args sh -c "ls /; test -e '$BATS_TEST_DIRNAME' && echo host-visible; head -1 /proc/self/mountinfo"
	run_container -0 np --no-pivot
	assert_line "bin"
	[[ $output != *host-visible* ]] || fail "the host's files are reachable: $output"
	local first
	first=$(tail -1 <<<"$output")
	[[ $(awk '{print $5}' <<<"$first") == / ]] || fail "root mount: $first"
}

@test "user namespace by path: a second container joins the first one's, with new namespaces of its own" {
	userns_config
	set_args sleep 100
	create_container owner
	local pid
	pid=$(container_pid owner)
	update_config '.linux.namespaces |= map(if .type == "user" then .path = $u else . end)
		| del(.linux.uidMappings) | del(.linux.gidMappings)' --arg u "/proc/$pid/ns/user"
	set_args sh -c 'echo $$; id -u; readlink /proc/self/ns/user; cat /proc/self/uid_map; exit 7'
	run_container joiner
	[[ $status -eq 7 ]] || fail "exit status $status: $output"
	[[ ${lines[0]} == 1 ]] || fail "not PID 1 of its own pid namespace: $output"
	[[ ${lines[1]} == 0 ]] || fail "not root of the joined user namespace: $output"
	[[ ${lines[2]} == "$(readlink /proc/$pid/ns/user)" ]] || fail "user ns: $output"
	[[ $(echo ${lines[3]}) == "0 100000 65536" ]] || fail "uid_map: $output"
	# create + start work the same way (the init is re-parented to the runtime)
	set_args sleep 100
	create_container joiner2
	ocirun start joiner2
	wait_for_status joiner2 running
	ocirun delete --force joiner2
	ocirun delete --force owner
}

# A mount namespace of its own that outlives its process: bound on a file in
# $TEST_DIR/ns (a private mount, as unshare(1) requires).
persistent_namespace() {
	local kind=$1
	mkdir -p "$TEST_DIR/ns"
	if ! mountpoint -q "$TEST_DIR/ns"; then
		mount --bind "$TEST_DIR/ns" "$TEST_DIR/ns"
		mount --make-private "$TEST_DIR/ns"
	fi
	touch "$TEST_DIR/ns/$kind"
	unshare "--$kind=$TEST_DIR/ns/$kind" "${@:2}" true
}

drop_persistent_namespaces() {
	local f
	for f in "$TEST_DIR"/ns/*; do umount "$f" 2>/dev/null || true; done
	umount "$TEST_DIR/ns" 2>/dev/null || true
	rm -rf "$TEST_DIR/ns"
}

@test "namespaces by path: a mount namespace is joined and the rootfs is set up in it, not in the host's" {
	persistent_namespace mount
	touch "$BUNDLE/rootfs/$MARK"
	local ns_ino
	ns_ino=$(stat -L -c %i "$TEST_DIR/ns/mount")
	update_config '.linux.namespaces |= map(if .type == "mount" then .path = $m else . end)' \
		--arg m "$TEST_DIR/ns/mount"
	set_args sleep 100
	create_container joinmnt
	[[ $(readlink /proc/$(container_pid joinmnt)/ns/mnt) == "mnt:[$ns_ino]" ]] ||
		fail "the init is not in the joined mount namespace"
	# exec joins the same mount namespace, and finds the container's root there
	run -0 ocirun exec joinmnt sh -c 'readlink /proc/self/ns/mnt; ls /'
	[[ ${lines[0]} == "mnt:[$ns_ino]" ]] || fail "exec: $output"
	assert_line "$MARK"
	assert_line bin
	# The host's mount table got nothing of the container's; the joined
	# namespace's root is now the container's.
	[[ -z $(mounts_under "$BUNDLE") ]] || fail "the host has the container's mounts: $(mounts_under "$BUNDLE")"
	nsenter "--mount=$TEST_DIR/ns/mount" test -e "/$MARK" ||
		fail "the joined namespace's root is not the container's"
	ocirun delete --force joinmnt
	drop_persistent_namespaces
}

@test "namespaces by path: the runtime's own mount namespace is refused (its root would be replaced)" {
	ocirun_only "runc pivots the host's own mount namespace"
	update_config '.linux.namespaces |= map(if .type == "mount" then .path = "/proc/self/ns/mnt" else . end)'
	run_detached ocirun create --bundle "$BUNDLE" ownmnt
	expect_error "linux.namespaces[3]: mount namespace /proc/self/ns/mnt: it is the runtime's own mount namespace"
	assert_nothing_left
}

@test "namespaces by path: every type but mount, joined together; exec joins the same ones" {
	update_config '.linux.namespaces += [{type: "cgroup"}, {type: "time"}]'
	update_config '.linux.timeOffsets = {boottime: {secs: 86400000, nanosecs: 0}}'
	set_args sleep 100
	run_container_detached sandbox # started: its init is in the new time namespace
	local pid
	pid=$(container_pid sandbox)
	update_config 'del(.linux.timeOffsets)
		| .linux.namespaces |= map(if .type != "mount" then .path = "/proc/\($p)/ns/" +
		    ({pid: "pid", network: "net", ipc: "ipc", uts: "uts", cgroup: "cgroup", time: "time"}[.type]) else . end)' \
		--arg p "$pid"
	set_args sh -c 'for n in pid net ipc uts cgroup time; do readlink /proc/self/ns/$n; done; cut -d. -f1 /proc/uptime; ps -o pid,args | grep -c "sleep 100"; sleep 100'
	run_container_detached member
	local mpid
	mpid=$(container_pid member)
	local n
	for n in pid net ipc uts cgroup time; do
		[[ $(readlink /proc/$mpid/ns/$n) == "$(readlink /proc/$pid/ns/$n)" ]] ||
			fail "$n: $(readlink /proc/$mpid/ns/$n), the sandbox's $(readlink /proc/$pid/ns/$n)"
	done
	[[ $(readlink /proc/$mpid/ns/mnt) != "$(readlink /proc/$pid/ns/mnt)" ]] || fail "mount namespace shared"
	# exec into the member: the same namespaces, the sandbox's clocks and processes
	run -0 ocirun exec member sh -c 'for n in pid net ipc uts cgroup time; do readlink /proc/self/ns/$n; done; cut -d. -f1 /proc/uptime; ps -o args'
	local i=0
	for n in pid net ipc uts cgroup time; do
		[[ ${lines[i]} == "$(readlink /proc/$pid/ns/$n)" ]] || fail "exec $n: ${lines[i]}"
		i=$((i + 1))
	done
	((${lines[6]} >= 86400000)) || fail "uptime without the sandbox's boottime offset: ${lines[6]}"
	assert_line "sleep 100"
	ocirun delete --force member
	ocirun delete --force sandbox
}

@test "namespaces by path: a new network namespace has its loopback up; a member reaches the sandbox's server" {
	set_args nc -ll -p 7777 -e echo pong
	run_container_detached server
	local pid
	pid=$(container_pid server)
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $n else . end)' \
		--arg n "/proc/$pid/ns/net"
	set_args sh -c 'ip link show lo | head -1; for i in 1 2 3 4 5 6 7 8 9 10; do echo ping | nc 127.0.0.1 7777 && break; sleep 0.2; done'
	run_container -0 client
	assert_contains "UP"
	assert_line pong
	ocirun delete --force server
}

@test "namespaces by path: a sandbox that is gone fails the create naming the path; nothing is left" {
	ocirun_only "message wording"
	set_args sleep 100
	create_container gone
	local pid
	pid=$(container_pid gone)
	ocirun delete --force gone
	update_config '.linux.namespaces |= map(if .type == "network" then .path = $n else . end)' \
		--arg n "/proc/$pid/ns/net"
	run_detached ocirun create --bundle "$BUNDLE" orphan
	expect_error "linux.namespaces[4]: network namespace /proc/$pid/ns/net: open: No such file or directory"
	assert_nothing_left
}

@test "namespaces by path: a pid namespace whose init has exited fails the create naming it; nothing is left" {
	ocirun_only "message wording"
	persistent_namespace pid --fork
	update_config '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
		--arg p "$TEST_DIR/ns/pid"
	run_detached ocirun create --bundle "$BUNDLE" deadpid
	expect_error "linux.namespaces[0]: pid namespace $TEST_DIR/ns/pid: its init has exited"
	drop_persistent_namespaces
	assert_nothing_left
}

@test "namespaces by path: kill --all of a member that joined a pid namespace spares the sandbox (no cgroup)" {
	ocirun_only "--cgroup-manager=disabled"
	# The sandbox's init handles TERM: a signal that reached it would end it.
	set_args sh -c 'trap "exit 9" TERM; while :; do sleep 0.1; done'
	run_detached ocirun --cgroup-manager=disabled run -d --bundle "$BUNDLE" podsandbox
	[[ $status -eq 0 ]] || fail "sandbox: $stderr"
	local pid
	pid=$(container_pid podsandbox)
	update_config '.linux.namespaces |= map(if .type == "pid" then .path = $p else . end)' \
		--arg p "/proc/$pid/ns/pid"
	set_args sleep 200
	run_detached ocirun --cgroup-manager=disabled run -d --bundle "$BUNDLE" podmember
	[[ $status -eq 0 ]] || fail "member: $stderr"
	ocirun kill --all podmember TERM
	wait_for_status podmember stopped
	sleep 1.5 # a TERM that reached the sandbox's init would have ended it by now
	[[ $(container_status podsandbox) == running ]] || fail "sandbox: $(container_status podsandbox)"
	ocirun delete podmember
	ocirun delete --force podsandbox
}
