# Shared setup for the VM suite (tests/vm/*.bats), which runs inside the cgroup
# v2 VM (tests/vm/run-suite under tests/vm/vmrun). Every test file does
#
#     load helpers
#     setup()    { vm_setup; }
#     teardown() { vm_teardown; }
#
# and gets everything of the integration suite's helpers.bash (TEST_DIR,
# BUNDLE, ROOT, the ocirun wrapper, run_container, create_container,
# update_config, set_args, wait_for_status, expect_error, ...: read
# tests/integration/helpers.bash), with the same config template, plus:
#   - setup fails at once unless /sys/fs/cgroup is cgroup2 (i.e. on the host);
#   - teardown also fails the test when it left a cgroup behind (any cgroup
#     that was not there at setup, except an empty /ocirun or /ocirun-tests
#     parent: tests/vm/cgroup-lib.bash), and removes it (cgroup.kill, rmdir);
#   - set_args: the same, faster (one jq call);
#   - container_cgroup ID: the cgroup dir of the container's process
#     (/sys/fs/cgroup/...), from /proc/PID/cgroup;
#   - own_cgroup_view: a cgroup namespace, and cgroup2 mounted at /sys/fs/cgroup;
#   - set_resources JSON: sets .linux.resources of the config;
#   - nullb0_dev: "MAJOR:MINOR" of /dev/nullb0 (a null_blk disk for io.max).

# Not the integration suite's default (tests/vm/.work, not gitignored):
# run-suite always sets it (a tmpfs in the guest).
: "${OCIRUN_TEST_WORK:=${TMPDIR:-/tmp}/ocirun-vm-work}"

source "$BATS_TEST_DIRNAME/../integration/helpers.bash"
source "$BATS_TEST_DIRNAME/cgroup-lib.bash"

TEMPLATE=$REPO/tests/integration/config.template.json

in_cgroup2_vm() {
	# only the root of a cgroup2 mount has it (no fork: this runs per test)
	[[ -e /sys/fs/cgroup/cgroup.controllers ]]
}

vm_setup() {
	TEST_DIR=""
	VM_CGROUPS_TAKEN=""
	if ! in_cgroup2_vm; then
		fail "/sys/fs/cgroup is not cgroup2: the VM suite runs in the VM" \
			"(tests/vm/vmrun --timeout 600 -- tests/vm/run-suite)"
		return 1
	fi
	cgroup_dirs
	VM_CGROUPS_BEFORE=("${CGROUP_DIRS[@]}")
	VM_CGROUPS_TAKEN=1
	common_setup
}

vm_teardown() {
	local rc=0 i end=$((SECONDS + 2))
	# When setup failed before common_setup made TEST_DIR, there is nothing
	# of the test to clean, and common_teardown must not run: with an empty
	# TEST_DIR its mount check matches (and lazily unmounts) every mount.
	[[ -n ${TEST_DIR:-} ]] || return 0
	common_teardown || rc=1
	# The cgroup check needs the snapshot of setup, taken in the VM only.
	[[ -n ${VM_CGROUPS_TAKEN:-} ]] && in_cgroup2_vm || return $rc
	# A runtime removes its cgroup on delete; allow it a moment.
	while :; do
		cgroups_new "${VM_CGROUPS_BEFORE[@]}"
		((${#CGROUPS_NEW[@]} && SECONDS < end)) || break
		sleep 0.2
	done
	if ((${#CGROUPS_NEW[@]})); then
		printf 'LEAK: cgroup left: %s\n' "${CGROUPS_NEW[@]}" >&2
		for ((i = ${#CGROUPS_NEW[@]} - 1; i >= 0; i--)); do
			remove_cgroup "${CGROUPS_NEW[i]}" || true
		done
		rc=1
	fi
	return $rc
}

# set_args ARGS...: as the integration helper (process.args = the arguments),
# in one jq call instead of one per argument plus two (a jq start costs about
# half a second in the VM).
set_args() {
	local -a jargs=() refs=()
	local i=0 a
	for a in "$@"; do
		jargs+=(--arg "a$i" "$a")
		refs+=("\$a$i")
		i=$((i + 1))
	done
	local IFS=,
	update_config ".process.args = [${refs[*]}]" "${jargs[@]}"
}

# container_cgroup ID: /sys/fs/cgroup/<path> of the container's process.
container_cgroup() {
	local pid rel
	pid=$(container_pid "$1")
	[[ $pid =~ ^[0-9]+$ && $pid -gt 0 ]] || { fail "container $1 has no pid"; return 1; }
	rel=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
	[[ -n $rel ]] || { fail "no cgroup v2 line in /proc/$pid/cgroup"; return 1; }
	printf '/sys/fs/cgroup%s\n' "${rel%/}"
}

# own_cgroup_view: the container sees its own cgroup at /sys/fs/cgroup (a
# cgroup namespace and a cgroup2 mount).
own_cgroup_view() {
	update_config '.linux.namespaces += [{type: "cgroup"}]
		| .mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
			options: ["nosuid", "noexec", "nodev"]}]'
}

# set_resources JSON: .linux.resources = JSON (e.g. '{"pids": {"limit": 16}}').
set_resources() {
	update_config '.linux.resources = $r' --argjson r "$1"
}

nullb0_dev() {
	cat /sys/block/nullb0/dev
}
