#!/usr/bin/env bats
# Namespaces as the config asks for them: a user namespace with its id maps,
# namespaces joined by path, and the pivot alternatives. Checked from inside.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

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
	expect_error "joining uts namespace /proc/self/ns/net: it is not a uts namespace"
	assert_nothing_left
}

@test "namespaces by path: a path that does not exist is refused, naming it" {
	ocirun_only "message wording"
	update_config '.linux.namespaces |= map(if .type == "ipc" then .path = "/nonexistent/ns" else . end)'
	run_detached ocirun create --bundle "$BUNDLE" nopath
	expect_error "/nonexistent/ns: No such file or directory"
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
