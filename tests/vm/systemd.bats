#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup, --cgroup-manager=systemd) with
# systemd itself as PID 1: the VM booted with `vmrun --systemd`, where
# run-suite runs this file alone (tests/vm/README.md). Each container is a
# transient scope of systemd's; what systemd says of it (systemctl show) and
# what the kernel enforces are both checked.

load helpers
load ../engines/podman-config

setup() {
	vm_setup || return
	[[ $(cat /proc/1/comm) == systemd ]] || {
		fail "PID 1 is not systemd: run me with tests/vm/vmrun --systemd"
		return 1
	}
}
teardown() {
	# the slices systemd made for test 1, once its container is gone
	ocirun delete --force sd1 >/dev/null 2>&1 || true
	systemctl stop ocirunt.slice >/dev/null 2>&1 || true
	# what the podman test left, when it failed half way
	if [[ -n ${CONTAINERS_CONF:-} ]]; then
		pm rm -af -t 0 >/dev/null 2>&1 || true
		pm system reset -f >/dev/null 2>&1 || true
		systemctl stop machine.slice >/dev/null 2>&1 || true
	fi
	vm_teardown
}


# show UNIT PROPERTY...: systemctl show's NAME=VALUE lines.
show() {
	local unit=$1
	shift
	systemctl show "$unit" "${@/#/-p}"
}

@test "systemd: the container is a delegated scope in its slice with the limits as properties; they hold across daemon-reload; update goes through systemd; delete removes the scope" {
	# a nested slice: ocirunt-sd.slice is ocirunt.slice/ocirunt-sd.slice
	update_config '.linux.cgroupsPath = "ocirunt-sd.slice:ocirun:sd1"
		| .linux.resources = {memory: {limit: 33554432}, pids: {limit: 12},
			cpu: {quota: 25000, period: 100000}}
		| .annotations = {"org.systemd.property.TimeoutStopUSec": "uint64 5000000"}'
	set_args sleep 300
	# (stdio to files: the init inherits it and would hold `run`'s pipe open)
	run_detached ocirun --systemd-cgroup run -d --bundle "$BUNDLE" sd1
	((status == 0)) || fail "run -d: $stderr"
	local unit=ocirun-sd1.scope cg=/sys/fs/cgroup/ocirunt.slice/ocirunt-sd.slice/ocirun-sd1.scope
	run -0 show $unit ActiveState Slice Delegate ControlGroup MemoryMax TasksMax \
		CPUQuotaPerSecUSec TimeoutStopUSec DevicePolicy
	assert_line ActiveState=active
	assert_line Slice=ocirunt-sd.slice
	assert_line Delegate=yes
	assert_line ControlGroup=/ocirunt.slice/ocirunt-sd.slice/ocirun-sd1.scope
	assert_line MemoryMax=33554432
	assert_line TasksMax=12
	assert_line CPUQuotaPerSecUSec=250ms
	assert_line TimeoutStopUSec=5s
	assert_line DevicePolicy=strict
	# The init is in the scope; the kernel has the limits.
	[[ $(container_cgroup sd1) == "$cg" ]] || fail "init in $(container_cgroup sd1)"
	[[ $(cat $cg/memory.max) == 33554432 && $(cat $cg/pids.max) == 12 ]] || fail "$(cat $cg/memory.max $cg/pids.max)"
	[[ $(cat $cg/cpu.max) == "25000 100000" ]] || fail "cpu.max: $(cat $cg/cpu.max)"
	# systemd rewrites the unit's cgroup from its properties on reload: the
	# limits are its own, so they stay.
	systemctl daemon-reload
	[[ $(cat $cg/memory.max) == 33554432 && $(cat $cg/pids.max) == 12 ]] ||
		fail "after daemon-reload: $(cat $cg/memory.max $cg/pids.max)"
	# pids: the 12th task is refused, from inside (the sleeps hold no pipe).
	run -0 ocirun exec sd1 sh -c 'i=0; while [ $i -lt 20 ]; do (sleep 60 >/dev/null 2>&1 &) 2>/dev/null || echo fork-failed; i=$((i + 1)); done; echo done'
	assert_line fork-failed
	# update: through systemd, so that a reload keeps it too.
	run -0 ocirun update --memory 67108864 --pids-limit 40 sd1
	run -0 show $unit MemoryMax TasksMax
	assert_line MemoryMax=67108864
	assert_line TasksMax=40
	systemctl daemon-reload
	[[ $(cat $cg/memory.max) == 67108864 && $(cat $cg/pids.max) == 40 ]] ||
		fail "after update and reload: $(cat $cg/memory.max $cg/pids.max)"
	# delete: the processes, then the unit, then its cgroup.
	run -0 ocirun delete --force sd1
	run systemctl is-active $unit
	[[ $output == inactive || $output == unknown ]] || fail "after delete: $output"
	[[ ! -e $cg ]] || fail "$cg left"
	run -0 ocirun list -q
	[[ $output != *sd1* ]] || fail "still listed: $output"
}

@test "systemd: memory is enforced in the scope (OOM kill); a unit that exists already is named in the error" {
	update_config '.linux.cgroupsPath = ":ocirun:sd2" | .linux.resources = {memory: {limit: 16777216, swap: 16777216}}'
	# dd is the init: the OOM kill ends the container
	set_args sh -c 'exec dd if=/dev/zero of=/dev/null bs=100M count=1'
	run -137 ocirun --cgroup-manager=systemd run --bundle "$BUNDLE" sd2 </dev/null
	# The same unit twice: systemd's error, naming the unit.
	update_config '.linux.cgroupsPath = ":ocirun:sd3" | .process.args = ["sleep", "300"]'
	run_detached ocirun --systemd-cgroup run -d --bundle "$BUNDLE" sd3
	((status == 0)) || fail "run -d: $stderr"
	run_detached ocirun --systemd-cgroup run --bundle "$BUNDLE" other
	expect_error "systemd: starting unit ocirun-sd3.scope: org.freedesktop.systemd1.UnitExists"
	# ... and the failed create left sd3's unit and container alone.
	run -0 systemctl is-active ocirun-sd3.scope
	[[ $(container_status sd3) == running ]] || fail "sd3 is $(container_status sd3)"
	run -0 ocirun delete --force sd3
	run systemctl is-active ocirun-sd3.scope ocirun-sd2.scope ocirun-other.scope
	! grep -qxF active <<<"$output" || fail "a unit is left: $output"
}

@test "systemd: a create SIGKILLed after the unit started leaves nothing after delete --force" {
	# A createRuntime hook holds the create once the unit has the init.
	update_config '.linux.cgroupsPath = ":ocirun:sd4"
		| .hooks.createRuntime = [{path: "/bin/sh", args: ["sh", "-c", "touch '"$TEST_DIR"'/hook; sleep 100"]}]'
	set_args sleep 300
	ocirun_bg --systemd-cgroup create --bundle "$BUNDLE" sd4
	for _ in $(seq 300); do [[ -e $TEST_DIR/hook ]] && break; sleep 0.1; done
	[[ -e $TEST_DIR/hook ]] || fail "the hook did not run: $(cat "$TEST_DIR/bg.out")"
	run -0 systemctl is-active ocirun-sd4.scope
	kill -KILL "$BG_PID"
	wait "$BG_PID" || true
	pkill -KILL -f 'sleep 100' || true
	run -0 ocirun delete --force sd4
	run systemctl is-active ocirun-sd4.scope
	[[ $output != active ]] || fail "the unit outlived delete --force"
	[[ ! -e /sys/fs/cgroup/system.slice/ocirun-sd4.scope ]] || fail "its cgroup is left"
}

@test "systemd: pause/resume, ps, events --stats and run --stats-file work on the scope; its cgroup namespace is rooted at the scope" {
	update_config '.linux.cgroupsPath = ":ocirun:sd5" | .linux.resources = {memory: {limit: 67108864}, pids: {limit: 50}}'
	own_cgroup_view
	set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.1; done'
	run_detached ocirun --systemd-cgroup run -d --bundle "$BUNDLE" sd5
	((status == 0)) || fail "run -d: $stderr"
	local cg=/sys/fs/cgroup/system.slice/ocirun-sd5.scope root=$BUNDLE/rootfs n1 n2 n3
	wait_for_file "$root/tmp/n"
	# pause freezes the scope's cgroup; systemd still has the unit active.
	run -0 ocirun pause sd5
	[[ $(container_status sd5) == paused ]] || fail "status: $(container_status sd5)"
	grep -qx "frozen 1" "$cg/cgroup.events" || fail "$(cat "$cg/cgroup.events")"
	n1=$(cat "$root/tmp/n")
	sleep 1.5
	n2=$(cat "$root/tmp/n")
	[[ $n1 == "$n2" ]] || fail "progress while paused: $n1 -> $n2"
	run -0 ocirun resume sd5
	sleep 1.5
	n3=$(cat "$root/tmp/n")
	((n3 > n2)) || fail "no progress after resume: $n2 -> $n3"
	# ps lists the scope's processes, events --stats reads its files.
	run -0 ocirun ps --format json sd5
	jq -e --argjson p "$(container_pid sd5)" 'index($p) != null' <<<"$output" >/dev/null || fail "ps: $output"
	run -0 ocirun events --stats sd5
	jq -e '.data.memory.usage.limit == 67108864 and .data.pids.limit == 50 and .data.pids.current >= 1' \
		<<<"$output" >/dev/null || fail "$output"
	# The init was moved into the scope after its clone: its cgroup
	# namespace, made after the move, has the scope as its root (made before,
	# it would show the caller's cgroup, and that cgroup's files).
	run -0 ocirun exec sd5 sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max'
	assert_line 0::/
	assert_line 67108864
	run -0 ocirun delete --force sd5
	[[ ! -e $cg ]] || fail "$cg left"
	# The same with a user namespace: unshared once the init is its root.
	chmod 755 "$TEST_DIR"
	update_config '.linux.cgroupsPath = ":ocirun:sd7"
		| .linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	set_args sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/memory.max'
	run -0 ocirun --systemd-cgroup run --bundle "$BUNDLE" sd7 </dev/null
	assert_line 0::/
	assert_line 67108864
	# run --stats-file: the scope's figures, read while ocirun's holder keeps
	# its cgroup (systemd removes an empty scope's); the unit is gone after.
	update_config '.linux.cgroupsPath = ":ocirun:sd6" | del(.linux.namespaces[] | select(.type == "user"))
		| del(.linux.uidMappings, .linux.gidMappings)'
	set_args sh -c 'dd if=/dev/zero of=/dev/null bs=8M count=1 2>/dev/null; exit 3'
	run -3 ocirun --systemd-cgroup run --stats-file "$TEST_DIR/stats.json" --bundle "$BUNDLE" sd6 </dev/null
	jq -e '.exit_code == 3 and .oom_killed == false and .memory_peak_bytes > 8388608
		and .cpu_usage_usec > 0 and (.pids_peak == null or .pids_peak == 2)' \
		"$TEST_DIR/stats.json" >/dev/null || fail "$(cat "$TEST_DIR/stats.json")"
	run systemctl is-active ocirun-sd6.scope
	[[ $output != active ]] || fail "the unit outlived the run"
}

@test "systemd: reached through the system bus (dbus-daemon) where its private socket is not there" {
	# dbus alone: its requirements (sysinit.target: journald, mounts, ...)
	# would take minutes under TCG and leave their cgroups.
	systemctl start --job-mode=ignore-requirements dbus.socket dbus.service
	update_config '.linux.cgroupsPath = ":ocirun:sd8" | .linux.resources = {pids: {limit: 20}}'
	set_args sleep 300
	# The private socket hidden in a mount namespace of the runtime's own;
	# every wait for systemd has a 30 s limit, so a lost JobRemoved fails.
	run_detached unshare -m bash -c 'mount --bind /dev/null /run/systemd/private &&
		OCIRUN_TEST_MARK=$3 timeout 25 "$1" --root "$2" --systemd-cgroup run -d --bundle "$4" sd8 &&
		systemctl show -p ActiveState -p TasksMax ocirun-sd8.scope &&
		"$1" --root "$2" update --pids-limit 30 sd8 && systemctl show -p TasksMax ocirun-sd8.scope &&
		timeout 25 "$1" --root "$2" delete --force sd8' _ "$OCIRUN" "$ROOT" "$MARK" "$BUNDLE"
	((status == 0)) || fail "status $status: $stderr" "$output"
	assert_line ActiveState=active
	assert_line TasksMax=20
	assert_line TasksMax=30
	run systemctl is-active ocirun-sd8.scope
	[[ $output != active ]] || fail "the unit outlived delete"
	systemctl stop dbus.socket dbus.service
}

# pm ARGS...: podman with the configuration the podman test writes.
pm() { timeout 300 podman "$@"; }

@test "systemd: podman with cgroup_manager systemd runs its container on ocirun as a scope; --memory and podman update reach systemd and the kernel" {
	command -v podman >/dev/null || skip "podman is not installed"
	ensure_rootfs
	local P=$TEST_DIR/podman
	# podman's own choices on a systemd host (cgroup_manager systemd, a conmon
	# scope, machine.slice); only storage, logs and events are kept in the test.
	podman_config "$P" systemd
	bash "$REPO/tests/engines/make-image.sh" --rootfs "$WORK/rootfs" "$P/image.tar"
	run -0 pm load -q -i "$P/image.tar"
	local image=ocirun-test/busybox:latest id unit
	run -0 pm run --rm "$image" echo hi-from-podman
	assert_line hi-from-podman
	run -0 pm run -d --name pm1 --memory 64m "$image" sleep 300
	id=$(pm inspect --format '{{.Id}}' pm1)
	unit=libpod-$id.scope
	run -0 show "$unit" ActiveState Slice Delegate MemoryMax
	assert_line ActiveState=active
	assert_line Slice=machine.slice
	assert_line Delegate=yes
	assert_line MemoryMax=67108864
	run -0 pm exec pm1 cat /sys/fs/cgroup/memory.max
	assert_line 67108864
	run -0 pm update --memory 128m pm1
	run -0 show "$unit" MemoryMax
	assert_line MemoryMax=134217728
	run -0 pm exec pm1 cat /sys/fs/cgroup/memory.max
	assert_line 134217728
	run -0 pm rm -f -t 0 pm1
	run systemctl is-active "$unit"
	[[ $output != active ]] || fail "$unit outlived podman rm"
}
