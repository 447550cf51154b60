#!/usr/bin/env bats
# Config fields not covered elsewhere, each seen from inside the container:
# linux.devices, oomScoreAdj, capabilities the host cannot grant, the cgroup
# namespace, annotations.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "linux.devices: type, numbers, mode (type bits in fileMode, as engines send them), owner" {
	# 8630 = 0o20666: S_IFCHR | 0666, as podman writes it.
	update_config '.linux.devices = [
		{path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 8630, uid: 1000, gid: 1000},
		{path: "/dev/loop-test/x", type: "b", major: 7, minor: 200, fileMode: 432}]'
	set_args sh -c 'stat -c "%F %t:%T %a %u:%g" /dev/fuse /dev/loop-test/x'
	run_container -0 dev
	[[ ${lines[0]} == "character special file a:e5 666 1000:1000" ]] || fail "fuse: $output"
	[[ ${lines[1]} == "block special file 7:c8 660 0:0" ]] || fail "block: $output"
}

@test "process.oomScoreAdj is set when present, inherited when absent" {
	update_config '.process.oomScoreAdj = 500'
	set_args cat /proc/self/oom_score_adj
	run_container -0 oom
	[[ $output == 500 ]] || fail "oom_score_adj: $output"
	update_config 'del(.process.oomScoreAdj)'
	run_container -0 oom2
	[[ $output == "$(cat /proc/self/oom_score_adj)" ]] || fail "inherited: $output"
}

@test "a capability the host cannot grant is a warning, not a failure" {
	ocirun_only "runc's warning differs"
	# This host's bounding set lacks CAP_SYS_RESOURCE.
	local bnd
	bnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
	if (((0x$bnd >> 24) & 1)); then skip "the host grants CAP_SYS_RESOURCE (24)"; fi
	update_config '.process.capabilities.bounding += ["CAP_SYS_RESOURCE"] | .process.capabilities.effective += ["CAP_SYS_RESOURCE"] | .process.capabilities.permitted += ["CAP_SYS_RESOURCE"]'
	set_args sh -c 'grep CapEff /proc/self/status'
	run_container --separate-stderr -0 capwarn
	[[ $stderr == *"capability CAP_SYS_RESOURCE is not available to the runtime; not granted"* ]] || fail "stderr: $stderr"
	[[ $output == *"0000000000000420"* || $output == *"0000000020000420"* ]] || fail "CapEff: $output"
}

@test "cgroup namespace: the container sees its cgroup as the root" {
	update_config '.linux.namespaces += [{type: "cgroup"}]'
	set_args sh -c 'grep "^0::" /proc/self/cgroup; readlink /proc/self/ns/cgroup'
	run_container -0 cgns
	[[ ${lines[0]} == "0::/" ]] || fail "cgroup: $output"
	[[ ${lines[1]} != "$(readlink /proc/self/ns/cgroup)" ]] || fail "same cgroup namespace as the host"
}

@test "annotations are kept and shown by state" {
	update_config '.annotations = {"org.example.key": "value 1", "b": "2"}'
	set_args sleep 100
	create_container ann
	run ocirun state ann
	[[ $(jq -r '.annotations["org.example.key"]' <<<"$output") == "value 1" ]] || fail "$output"
	[[ $(jq -r '.annotations.b' <<<"$output") == 2 ]] || fail "$output"
	ocirun delete --force ann
}

@test "a cgroup mount is read-only unless the config says rw" {
	update_config '.linux.namespaces += [{type: "cgroup"}]
		| .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid"]}]'
	set_args sh -c 'awk "\$5 == \"/sys/fs/cgroup\" {print \$6}" /proc/self/mountinfo; mkdir /sys/fs/cgroup/x 2>&1; echo rc=$?'
	run_container -0 cgro
	[[ ${lines[0]} == ro,* ]] || fail "mount flags: $output"
	assert_contains "rc=1"
}
