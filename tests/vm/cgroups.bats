#!/usr/bin/env bats
# cgroup v2 limits, each shown enforced from inside a container (runs in the
# cgroup v2 VM: tests/vm/README.md). The container sees its own cgroup at
# /sys/fs/cgroup (a cgroup namespace and a cgroup2 mount).

load helpers

setup() {
	vm_setup || return
	own_cgroup_view
}
teardown() { vm_teardown; }

# stats_field FILE JQ: a field of a --stats-file report.
stats_field() {
	jq -r "$2" "$1"
}

@test "memory: a 16 MiB limit OOM-kills a process that allocates 100 MiB; the stats file says so" {
	set_resources '{"memory": {"limit": 16777216, "swap": 16777216}}'
	# dd is the container's init: the OOM kill ends the container
	set_args sh -c 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory.swap.max
		exec dd if=/dev/zero of=/dev/null bs=100M count=1'
	run_container -137 oom --stats-file "$TEST_DIR/stats.json"
	assert_line 16777216
	assert_line 0
	local s=$TEST_DIR/stats.json
	[[ $(stats_field "$s" .exit_code) == 137 ]] || fail "$(cat "$s")"
	[[ $(stats_field "$s" .oom_killed) == true ]] || fail "$(cat "$s")"
	(($(stats_field "$s" .oom_kill_count) >= 1)) || fail "$(cat "$s")"
	(($(stats_field "$s" .memory_peak_bytes) <= 16777216)) || fail "$(cat "$s")"
	(($(stats_field "$s" .memory_peak_bytes) > 1048576)) || fail "$(cat "$s")"
	[[ $(stats_field "$s" .wall_time_seconds) != 0 ]] || fail "$(cat "$s")"
}

@test "memory: without a limit the same allocation succeeds; the stats file reports no OOM" {
	set_args sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1 2>/dev/null; echo dd-survived'
	run_container -0 nooom --stats-file "$TEST_DIR/stats.json"
	assert_line dd-survived
	[[ $(stats_field "$TEST_DIR/stats.json" .oom_killed) == false ]]
	[[ $(stats_field "$TEST_DIR/stats.json" .exit_code) == 0 ]]
	(($(stats_field "$TEST_DIR/stats.json" .memory_peak_bytes) > 104857600)) ||
		fail "$(cat "$TEST_DIR/stats.json")"
}

@test "pids: pids.max 16 stops forks at the limit" {
	set_resources '{"pids": {"limit": 16}}'
	set_args sh -c 'cat /sys/fs/cgroup/pids.max
		i=0; while [ $i -lt 30 ]; do (sleep 100 &) 2>/dev/null || echo fork-failed; i=$((i + 1)); done
		echo current=$(cat /sys/fs/cgroup/pids.current)
		grep ^max /sys/fs/cgroup/pids.events'
	run_container -0 pids
	assert_line 16
	assert_line fork-failed
	assert_line current=16
	[[ $output =~ max\ [1-9] ]] || fail "pids.events: $output"
}

@test "cpu: cpu.max 20000/100000 throttles a busy loop; shares become cpu.weight" {
	set_resources '{"cpu": {"quota": 20000, "period": 100000, "shares": 1024}}'
	set_args sh -c 'cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight
		while :; do :; done & sleep 3; kill $!
		grep -E "^nr_(periods|throttled) " /sys/fs/cgroup/cpu.stat'
	run_container -0 cpu
	assert_line "20000 100000"
	assert_line 100
	local throttled
	throttled=$(awk '$1 == "nr_throttled" { print $2 }' <<<"$output")
	((throttled > 0)) || fail "not throttled:" "$output"
}

@test "io: io.max on /dev/nullb0 slows direct reads to the rate" {
	local dev maj min
	dev=$(nullb0_dev)
	maj=${dev%:*} min=${dev#*:}
	update_config '.linux.devices += [{path: "/dev/nullb0", type: "b", major: $maj, minor: $min}]
		| .linux.resources = {devices: [{allow: true, type: "b", major: $maj, minor: $min, access: "rw"}],
			blockIO: {throttleReadBpsDevice: [{major: $maj, minor: $min, rate: 1048576}]}}' \
		--argjson maj "$maj" --argjson min "$min"
	# 3 MiB at 1 MiB/s: at least 2 s (the throttle lets a first slice through).
	set_args sh -c 'cat /sys/fs/cgroup/io.max
		s=$(cut -d" " -f1 /proc/uptime)
		dd if=/dev/nullb0 of=/dev/null bs=64k count=48 iflag=direct 2>/dev/null || echo dd-failed
		e=$(cut -d" " -f1 /proc/uptime)
		echo elapsed=$(awk -v s=$s -v e=$e "BEGIN { printf \"%d\", (e - s) * 10 }")'
	run_container -0 io
	assert_contains "$dev rbps=1048576"
	[[ $output != *dd-failed* ]] || fail "$output"
	local tenths
	tenths=$(sed -n 's/^elapsed=//p' <<<"$output")
	((tenths >= 18)) || fail "3 MiB read in ${tenths}/10 s at 1 MiB/s:" "$output"
}

@test "devices: a denied device gives EPERM on open, allowed access passes, per access bit" {
	# char 60 and 61 have no driver: an open the rules allow fails with ENXIO
	# ("No such device or address") instead of EPERM.
	update_config '.linux.resources = {devices: [{allow: false, access: "rwm"},
		{allow: true, type: "c", major: 60, minor: 0, access: "r"}]}
		| .process.capabilities |= with_entries(.value += ["CAP_MKNOD"])'
	set_args sh -c 'mknod /tmp/denied c 61 0 && mknod /tmp/readable c 60 0 || echo mknod-failed
		head -c1 /tmp/denied 2>&1; echo denied=$?
		head -c1 /tmp/readable 2>&1; echo readable=$?
		(echo x >/tmp/readable) 2>&1; echo write=$?
		echo >/dev/null && echo null-ok'
	run_container -0 devices
	[[ $output != *mknod-failed* ]] || fail "$output"
	assert_line "head: /tmp/denied: Operation not permitted"
	assert_line "head: /tmp/readable: No such device or address"
	assert_line "sh: can't create /tmp/readable: Operation not permitted"
	assert_line null-ok
}

@test "pause freezes the container (no progress), resume thaws it; state says paused" {
	# rename: a reader never sees the file empty, between truncation and write
	set_args sh -c 'i=0; while :; do i=$((i + 1)); echo $i >/tmp/n.new; mv /tmp/n.new /tmp/n; sleep 0.1; done'
	run_container_detached frz
	local cg n1 n2 n3 root=$BUNDLE/rootfs
	cg=$(container_cgroup frz)
	wait_for_file "$root/tmp/n"
	run -0 ocirun pause frz
	[[ -z $output ]]
	[[ $(container_status frz) == paused ]] || fail "status: $(container_status frz)"
	grep -qx "frozen 1" "$cg/cgroup.events"
	n1=$(cat "$root/tmp/n")
	sleep 1.5
	n2=$(cat "$root/tmp/n")
	[[ $n1 == "$n2" ]] || fail "progress while paused: $n1 -> $n2"
	run ! ocirun pause frz
	run -0 ocirun resume frz
	[[ $(container_status frz) == running ]]
	sleep 1.5
	n3=$(cat "$root/tmp/n")
	((n3 > n2)) || fail "no progress after resume: $n2 -> $n3"
	run ! ocirun resume frz
	assert_contains "not paused"
	run -0 ocirun delete --force frz
	[[ ! -d $cg ]] || fail "cgroup $cg left"
}

@test "update: memory.max, pids.max and cpu.max change on a running container" {
	set_resources '{"memory": {"limit": 67108864}}'
	set_args sleep 100
	run_container_detached upd
	local cg
	cg=$(container_cgroup upd)
	[[ $(cat "$cg/memory.max") == 67108864 ]]
	run -0 ocirun update --memory 32m --pids-limit 20 upd
	[[ -z $output ]] || fail "update printed: $output"
	[[ $(cat "$cg/memory.max") == 33554432 ]] || fail "memory.max $(cat "$cg/memory.max")"
	[[ $(cat "$cg/pids.max") == 20 ]]
	echo '{"cpu": {"quota": 50000, "period": 100000}}' >"$TEST_DIR/r.json"
	run -0 ocirun update --resources "$TEST_DIR/r.json" upd
	[[ $(cat "$cg/cpu.max") == "50000 100000" ]]
	run -0 ocirun update --resources - upd <<<'{"memory": {"limit": 50331648}}'
	[[ $(cat "$cg/memory.max") == 50331648 ]]
	# a limit below the usage with checkBeforeUpdate is refused, the old one stays
	run ! ocirun update --resources - upd <<<'{"memory": {"limit": 4096, "checkBeforeUpdate": true}}'
	assert_contains "memory.limit"
	[[ $(cat "$cg/memory.max") == 50331648 ]]
	run ! ocirun update --memory lots upd
	assert_contains "--memory"
	run -0 ocirun delete --force upd
}

@test "kill --all kills every process of a container without its own pid namespace" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c 'sleep 100 & sleep 100 & sleep 100'
	run_container_detached ka
	local cg pids p
	cg=$(container_cgroup ka)
	for _ in $(seq 50); do
		[[ $(wc -l <"$cg/cgroup.procs") -ge 3 ]] && break
		sleep 0.1
	done
	pids=$(cat "$cg/cgroup.procs")
	[[ $(wc -l <<<"$pids") -ge 3 ]] || fail "procs: $pids"
	run -0 ocirun ps --format json ka
	for p in $pids; do jq -e --argjson p "$p" 'index($p) != null' <<<"$output" >/dev/null || fail "ps json lacks $p: $output"; done
	run -0 ocirun kill --all ka KILL
	for _ in $(seq 50); do
		[[ -z $(cat "$cg/cgroup.procs") ]] && break
		sleep 0.1
	done
	[[ -z $(cat "$cg/cgroup.procs") ]] || fail "left: $(cat "$cg/cgroup.procs")"
	for p in $pids; do [[ ! -e /proc/$p ]] || [[ $(awk '{print $3}' /proc/$p/stat) == Z ]] || fail "$p alive"; done
	wait_for_status ka stopped
	run -0 ocirun delete ka
	[[ ! -d $cg ]] || fail "cgroup $cg left after delete"
}

@test "events --stats: runc's stats event with memory, cpu and pids" {
	set_resources '{"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
	set_args sleep 100
	run_container_detached ev
	run -0 ocirun events --stats ev
	jq -e '.type == "stats" and .id == "ev"' <<<"$output" >/dev/null || fail "$output"
	jq -e '.data.memory.usage.limit == 67108864 and .data.memory.usage.usage > 0' <<<"$output" >/dev/null || fail "$output"
	jq -e '.data.pids.current >= 1 and .data.pids.limit == 50' <<<"$output" >/dev/null || fail "$output"
	jq -e '.data.cpu.usage.total > 0' <<<"$output" >/dev/null || fail "$output"
	run -0 ocirun delete --force ev
}

@test "events: an oom event when the OOM killer fires, and the stream ends with the container" {
	set_resources '{"memory": {"limit": 16777216, "swap": 16777216}}'
	set_args sh -c 'sleep 2; dd if=/dev/zero of=/dev/null bs=100M count=1; sleep 2'
	run_container_detached evoom
	timeout 60 "$OCIRUN" --root "$ROOT" events --interval 1s evoom >"$TEST_DIR/events" 2>&1 || true
	grep -q '"type":"oom"' "$TEST_DIR/events" || fail "no oom event: $(cat "$TEST_DIR/events")"
	grep -q '"type":"stats"' "$TEST_DIR/events" || fail "no stats event"
	run -0 ocirun delete --force evoom
}

@test "a value the kernel refuses: one line naming the field and the file; nothing left" {
	set_resources '{"cpu": {"cpus": "0-63"}}'
	set_args true
	run_detached ocirun run --bundle "$BUNDLE" badcpus
	expect_error "linux.resources.cpu.cpus"
	[[ $stderr == *cpuset.cpus* ]] || fail "$stderr"
	assert_nothing_left
}
