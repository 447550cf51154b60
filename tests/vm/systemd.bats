#!/usr/bin/env bats
# The systemd cgroup driver (--systemd-cgroup, --cgroup-manager=systemd) with
# systemd itself as PID 1: the VM booted with `vmrun --systemd`, where
# run-suite runs this file alone (tests/vm/README.md). Each container is a
# transient scope of systemd's; what systemd says of it (systemctl show) and
# what the kernel enforces are both checked.

load helpers

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
