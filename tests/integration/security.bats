#!/usr/bin/env bats
# Attacks on the runtime: one attacker scenario (at least) for each class of the
# threat model, ../shared/security.md (binary overwrite, fd leak into the
# container, mount target races, masking with a fake /dev/null, console and
# procfs write redirection, ptrace of the runtime, capabilities fail open,
# terminal injection), plus the host-side holes it names (the --root dir, the
# state files, pid and stats files in a directory another user owns, hook
# timeouts). The hostile part is the image, a container process (the static
# probe tests/tools/attacker, copied into the rootfs) or another local user;
# each test asserts that the attack did not work.

load helpers
load rootless-helpers

setup() {
	common_setup
	set_args sleep 100
}
teardown() {
	# a test that changed fs.suid_dumpable puts it back, whatever happened
	if [[ -n ${SUID_DUMPABLE_SAVED:-} ]]; then echo "$SUID_DUMPABLE_SAVED" >/proc/sys/fs/suid_dumpable; fi
	local rc=0
	# a rootless test's user, bundle and binary
	if [[ -n ${RL_DIR:-} ]]; then rootless_teardown || rc=1; fi
	if [[ -n ${RL_BIN:-} ]]; then rootless_teardown_file; fi
	common_teardown || rc=1
	return $rc
}

ATTACKER=${BUILD_DIR:-$REPO/build}/tests/tools/attacker

# Copies the static probe into the rootfs as /bin/attacker.
install_attacker() {
	[[ -x $ATTACKER ]] || fail "no $ATTACKER (meson compile -C build)"
	cp "$ATTACKER" "$BUNDLE/rootfs/bin/attacker"
}

# A private copy of the runtime ($TEST_DIR/ocirun-copy), which a successful
# attack may overwrite without harming the build; ocirun_copy runs it as the
# `ocirun` helper runs $OCIRUN. Its sha256 goes to $COPY_SUM.
copy_runtime() {
	cp "$OCIRUN" "$TEST_DIR/ocirun-copy"
	COPY_SUM=$(sha256sum <"$TEST_DIR/ocirun-copy")
}
ocirun_copy() {
	OCIRUN_TEST_MARK=$MARK "$TEST_DIR/ocirun-copy" --root "$ROOT" "$@"
}

# Grants CAP_SYS_PTRACE in every capability set (so that only a runtime that
# is out of reach, not merely non-dumpable, survives the attack).
grant_ptrace() {
	update_config '.process.capabilities |= with_entries(.value += ["CAP_SYS_PTRACE"])'
}

# wait_for_probe NAME [SECONDS]: waits for the probe's result file
# $BUNDLE/rootfs/NAME (written by a mv when the probe is done), into $probe.
wait_for_probe() {
	wait_for_file "$BUNDLE/rootfs/$1" "${2:-12}"
	probe=$(cat "$BUNDLE/rootfs/$1")
}

# Fails when any output of the last command shows the host: the marker file in
# $TEST_DIR, or the test's own directory listed in $WORK.
assert_no_host_view() {
	local all="$output"$'\n'"${stderr:-}"
	[[ $all != *host-marker* ]] || fail "the container listed a host directory:" "$all"
	! grep -qxF "entry: $MARK" <<<"$all" || fail "the container listed $WORK:" "$all"
}

# ---------------------------------------------------------------- binary overwrite

# overwrite_init_exe [WRAPPER...]: the CVE-2019-5736 scenario on the waiting
# init, with the runtime (the copy) run under WRAPPER. The waiting init must
# run from an unwritable file; its /proc/<pid>/exe link goes to $init_exe.
overwrite_init_exe() {
	install_attacker
	copy_runtime
	grant_ptrace
	run_detached "$@" env OCIRUN_TEST_MARK="$MARK" "$TEST_DIR/ocirun-copy" --root "$ROOT" create --bundle "$BUNDLE" ow
	[[ $status -eq 0 ]] || fail "create: $stderr"
	init_exe=$(readlink "/proc/$(container_pid ow)/exe")
	run_detached ocirun_copy exec -d ow sh -c 'attacker overwrite-exe 1 8 >/probe.tmp 2>&1; mv /probe.tmp /probe.out'
	[[ $status -eq 0 ]] || fail "exec -d: $stderr"
	sleep 0.5
	run_detached ocirun_copy start ow
	[[ $status -eq 0 ]] || fail "start: $stderr"
	wait_for_probe probe.out
	[[ $(sha256sum <"$TEST_DIR/ocirun-copy") == "$COPY_SUM" ]] || fail "the runtime was modified; probe: $probe"
	[[ $probe != *overwrote* ]] || fail "probe: $probe"
	# the real runtime: the copy may be broken
	run -0 ocirun delete --force ow
}

@test "binary overwrite via /proc/<init>/exe: a process exec'd while the init waits for start cannot write the runtime" {
	# CVE-2019-5736: the waiting init is the runtime's binary; a container process
	# holding /proc/1/exe reopens it for writing once it is no longer busy.
	overwrite_init_exe
	[[ $init_exe != "$TEST_DIR/ocirun-copy" ]] || fail "the init runs the runtime's file itself"
}

@test "binary overwrite via /proc/<init>/exe, when the caller may not mount: a sealed memfd" {
	# A caller without CAP_SYS_ADMIN (fsopen fails, as for a rootless one)
	# gets no overlayfs view of the binary: the sealed memfd copy instead.
	ocirun_only "ocirun's fallback"
	overwrite_init_exe "${BUILD_DIR:-$REPO/build}/tests/tools/deny-syscalls" fsopen=EPERM
	[[ $init_exe == "/memfd:ocirun (deleted)" ]] || fail "the init runs $init_exe"
}

@test "binary overwrite via #!/proc/self/exe on exec: the runtime exec'd as an interpreter cannot be written" {
	# CVE-2019-5736, second way: a script whose interpreter is /proc/self/exe makes
	# `exec` run the runtime's binary inside the container, where a watcher opens it.
	install_attacker
	copy_runtime
	grant_ptrace
	run_detached ocirun_copy run -d --bundle "$BUNDLE" ows
	[[ $status -eq 0 ]] || fail "run -d: $stderr"
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil.sh"
	chmod 755 "$BUNDLE/rootfs/evil.sh"
	run_detached ocirun_copy exec -d ows sh -c 'attacker watch-exe 8 >/probe.tmp 2>&1; mv /probe.tmp /probe.out'
	[[ $status -eq 0 ]] || fail "exec -d: $stderr"
	sleep 0.3
	run_detached ocirun_copy exec ows /evil.sh
	wait_for_probe probe.out
	[[ $(sha256sum <"$TEST_DIR/ocirun-copy") == "$COPY_SUM" ]] || fail "the runtime was modified; probe: $probe"
	[[ $probe != *overwrote* ]] || fail "probe: $probe"
	run -0 ocirun delete --force ows
}

@test "binary overwrite via #!/proc/self/exe, rootless: the user's own binary runs from a sealed copy; root's, which no container of the user's may write, as it is" {
	# A rootless ocirun skips the copy (1.9 ms) only for a binary of root's
	# that only root may write: the container's processes have the user's
	# ids or its subordinate ones. One the user owns is copied, or the
	# container could overwrite the user's runtime.
	ocirun_only "ocirun's rootless mode"
	# The runtime runs in the busybox rootfs as an interpreter: a dynamic
	# build (the sanitizer lane's) finds no loader there and never runs, so
	# the watcher can find it only when the build is static.
	local static=1
	if ldd "$OCIRUN" >/dev/null 2>&1; then static=0; fi
	rootless_setup_file
	rootless_setup
	install_attacker
	rl_config '.root.readonly = false | .process.args = ["sleep", "300"]'
	printf '#!/proc/self/exe\n' >"$BUNDLE/rootfs/evil.sh"
	chmod 755 "$BUNDLE/rootfs/evil.sh"
	local owner sum
	for owner in "$RL_UID" 0; do
		chown "$owner" "$OCIRUN"
		sum=$(sha256sum <"$OCIRUN")
		rm -f "$BUNDLE/rootfs/probe.out"
		run_detached rl run -d --bundle "$BUNDLE" ows
		[[ $status -eq 0 ]] || fail "run -d: $stderr"
		run_detached rl exec -d ows sh -c 'attacker watch-exe 8 >/probe.tmp 2>&1; mv /probe.tmp /probe.out'
		[[ $status -eq 0 ]] || fail "exec -d: $stderr"
		sleep 0.3
		# (again and again: each lives a millisecond, the watcher must see one)
		for _ in $(seq 200); do
			[[ -e $BUNDLE/rootfs/probe.out ]] && break
			rl exec ows /evil.sh >/dev/null 2>&1 </dev/null || true
		done
		wait_for_probe probe.out
		[[ $(sha256sum <"$OCIRUN") == "$sum" ]] || fail "binary of uid $owner modified; probe: $probe"
		[[ $probe != *overwrote* ]] || fail "binary of uid $owner: probe: $probe"
		[[ $probe == found* ]] || ((!static)) || fail "binary of uid $owner: the watcher found no runtime: $probe"
		run -0 rl delete --force ows
	done
}

# assert_init_out_of_reach ID UID: a process exec'd as UID (and the
# container's capabilities, no CAP_SYS_PTRACE) into created container ID
# cannot read the waiting init's /proc/1/exe nor any of its fd links.
assert_init_out_of_reach() {
	# (root in the container may list /proc/1/fd, whose owner is root: the
	# links themselves are what ptrace access guards)
	run -0 ocirun exec -u "$2:$2" "$1" sh -c 'readlink /proc/1/exe || echo readlink-denied
		for f in /proc/1/fd/*; do readlink "$f" || echo fd-denied; done'
	assert_line readlink-denied
	assert_line fd-denied
	# nothing the init holds is named: no path, pipe, socket or anon inode
	! grep -E '^(/|pipe:|socket:|anon_inode:)' <<<"$output" || fail "the init's fds are readable: $output"
}

@test "ptrace of the runtime: the init waiting for start is non-dumpable (its exe and fds are out of reach)" {
	# CVE-2016-9962: without CAP_SYS_PTRACE, a process exec'd into a created
	# container must not read the waiting init's /proc/1/exe nor its fds.
	create_container nd
	assert_init_out_of_reach nd 0
	run -0 ocirun delete --force nd
}

@test "ptrace of the runtime: still non-dumpable on a host with fs.suid_dumpable=1, for a non-root process" {
	# A change of ids resets a process's dumpability to fs.suid_dumpable: on a
	# host that sets it to 1, an init that became uid 1000 would be dumpable again.
	SUID_DUMPABLE_SAVED=$(cat /proc/sys/fs/suid_dumpable)
	echo 1 >/proc/sys/fs/suid_dumpable
	update_config '.process.user = {uid: 1000, gid: 1000}'
	create_container nd1
	# the same uid and capabilities as the init: only dumpability stands between them
	assert_init_out_of_reach nd1 1000
	run -0 ocirun delete --force nd1
}

# ---------------------------------------------------------------- fd leak into the container

@test "fd leak: process.cwd /proc/self/fd/N cannot reach host directories (run)" {
	# CVE-2024-21626: an fd of a host directory open at chdir makes the cwd a
	# host directory; the probe lists ../../.., ../.., .. and . from there.
	install_attacker
	touch "$TEST_DIR/host-marker-$MARK"
	local n
	for n in 3 4 5 6 7 8 9; do
		update_config '.process.cwd = $c' --arg c "/proc/self/fd/$n"
		set_args attacker cwd-escape
		run_container --separate-stderr c$n
		assert_no_host_view
		if [[ $status -ne 0 ]]; then expect_error process.cwd; fi
		# the same with fds of the caller open on a host directory
		run_container --separate-stderr l$n 5<"$TEST_DIR" 6<"$TEST_DIR" 7<"$TEST_DIR" 8<"$TEST_DIR" 9<"$TEST_DIR"
		assert_no_host_view
		if [[ $status -ne 0 ]]; then expect_error process.cwd; fi
	done
}

@test "fd leak: exec --cwd /proc/self/fd/N cannot reach host directories" {
	# CVE-2024-21626 through exec: the runtime's own fds (state dir, cgroup, pidfd)
	# and the caller's (5-9, open on a host directory) are all candidates.
	install_attacker
	touch "$TEST_DIR/host-marker-$MARK"
	run_container_detached fx
	local n
	for n in 3 4 5 6 7 8 9 10 11 12; do
		run --separate-stderr ocirun exec --cwd "/proc/self/fd/$n" fx attacker cwd-escape \
			</dev/null 5<"$TEST_DIR" 6<"$TEST_DIR" 7<"$TEST_DIR" 8<"$TEST_DIR" 9<"$TEST_DIR"
		assert_no_host_view
		if [[ $status -ne 0 ]]; then EXPECT_STATUS=255 expect_error cwd; fi
	done
	run -0 ocirun delete --force fx
}

# ---------------------------------------------------------------- mount target races

@test "mount targets: a symlinked /proc in the image is refused" {
	# CVE-2019-19921: /proc as a symlink sends the procfs mount (and the masks
	# and read-only paths under it) somewhere the image chose.
	rm -rf "$BUNDLE/rootfs/proc"
	mkdir "$BUNDLE/rootfs/fakeproc"
	ln -s /fakeproc "$BUNDLE/rootfs/proc"
	set_args sh -c 'cat /proc/keys /proc/timer_list 2>&1 | head -3; echo done'
	run_detached ocirun create --bundle "$BUNDLE" sp
	expect_error /proc
	assert_nothing_left
}

@test "mount targets: a symlinked /sys in the image is refused" {
	# The same for sysfs: its mount and masks (/sys/firmware) must not follow a link.
	rm -rf "$BUNDLE/rootfs/sys"
	mkdir "$BUNDLE/rootfs/fakesys"
	ln -s /fakesys "$BUNDLE/rootfs/sys"
	set_args sh -c 'ls /sys/firmware; echo done'
	run_detached ocirun create --bundle "$BUNDLE" ss
	expect_error /sys
	assert_nothing_left
}

@test "--no-pivot: a nested user namespace cannot mount a fresh procfs past the masks" {
	# With --no-pivot the host's mounts stay in the container's mount namespace,
	# under the moved root. While a full procfs is among them, the kernel lets
	# a process in a user namespace of its own mount a new procfs, with
	# nothing masked (/proc/keys, /proc/timer_list...).
	# (A procfs may only be mounted by the owner of its pid namespace: the
	# process makes one of those too; mapping root takes CAP_SETUID, SETGID
	# and SETFCAP.)
	update_config '.process.capabilities = {bounding: $c, effective: $c, permitted: $c}' \
		--argjson c '["CAP_SETUID", "CAP_SETGID", "CAP_SETFCAP"]'
	set_args sh -c 'unshare -Urmpf sh -c "mount -t proc none /proc && echo mounted && head -1 /proc/keys" 2>&1; echo rc=$?'
	run_container -0 nopivotproc --no-pivot
	[[ $output != *mounted* ]] || fail "a fresh procfs was mounted:" "$output"
	assert_contains "rc=1"
}

@test "namespaces: a pid namespace joined by path shows that namespace's processes" {
	# The /proc of a container that joins another's pid namespace must be that
	# namespace's: its pid 1 is the other container's init, not the host's.
	run_container_detached pa
	local pid
	pid=$(container_pid pa)
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then {type: "pid", path: $p} else . end]' \
		--arg p "/proc/$pid/ns/pid"
	set_args sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; ls /proc | grep -c "^[0-9]"'
	run_container -0 pb
	[[ ${lines[0]} == "sleep 100 " ]] || fail "pid 1 is not pa's init:" "$output"
	[[ ${lines[1]:-} =~ ^[0-9]+$ ]] && ((lines[1] < 10)) || fail "sees ${lines[1]:-no} processes (the host's?)"
	run -0 ocirun delete --force pa
}

# ---------------------------------------------------------------- capabilities fail open

@test "capabilities: absent process.capabilities means no capabilities" {
	# An absent field grants nothing (security.md, guarantee 4).
	update_config 'del(.process.capabilities)'
	set_args grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status
	run_container -0 nocaps
	local set
	for set in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_line "$set:"$'\t'"0000000000000000"
	done
}

@test "capabilities: exec --process without capabilities, NNP or labels inherits the container's" {
	# A process JSON that leaves these out must not run with more than the init.
	update_config '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
		| .process.noNewPrivileges = true'
	run_container_detached pc
	cat >"$TEST_DIR/process.json" <<-'JSON'
		{"args": ["sh", "-c", "grep -E \"^(CapEff|CapBnd|NoNewPrivs)\" /proc/self/status"],
		 "cwd": "/", "env": ["PATH=/bin:/sbin"], "user": {"uid": 0, "gid": 0}}
	JSON
	run -0 ocirun exec --process "$TEST_DIR/process.json" pc
	assert_line $'CapEff:\t0000000000000020'
	assert_line $'CapBnd:\t0000000000000020'
	assert_line $'NoNewPrivs:\t1'
	run -0 ocirun delete --force pc
}

@test "seccomp: a filter without noNewPrivileges and without close_range still starts the container" {
	# Docker's default profile less close_range, loaded before the runtime's last
	# steps: they must not need what the filter refuses (nor skip what it refuses).
	local profile
	profile=$(jq -c '.syscalls |= map(.names -= ["close_range"])' "$REPO/tests/vectors/seccomp/docker-default.json")
	update_config '.linux.seccomp = $s | .process.noNewPrivileges = false' --argjson s "$profile"
	set_args echo ok
	run_container --separate-stderr sc
	[[ $status -eq 0 ]] || fail "run failed ($status): $stderr"
	[[ $output == ok ]] || fail "$output"
}

# ---------------------------------------------------------------- host-side files

@test "--root owned by another user, group/world-writable, or a symlink is refused" {
	# Another local user who owns (or can write) the state dir could swap a
	# container's state under root's runtime.
	set_args true
	local r
	mkdir "$TEST_DIR/other"
	chown 1000 "$TEST_DIR/other"
	mkdir -m 0777 "$TEST_DIR/open"
	mkdir -m 0700 "$TEST_DIR/good"
	ln -s "$TEST_DIR/good" "$TEST_DIR/link"
	for r in other open link; do
		run --separate-stderr env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$TEST_DIR/$r" \
			run --bundle "$BUNDLE" rt </dev/null
		expect_error --root
		[[ -z $(ls -A "$TEST_DIR/$r/") ]] || fail "--root $r: $(ls -A "$TEST_DIR/$r/")"
	done
}

@test "state.json is private (mode 600)" {
	# It holds the bundle path, the config's annotations and the process's pid.
	run_container_detached st
	run -0 stat -c %a "$ROOT/st/state.json"
	[[ $output == 600 ]] || fail "state.json mode $output"
	run -0 ocirun delete --force st
}

@test "pid file through a symlink another user planted at the temp name is not followed" {
	# A local user owning the pid file's directory plants a symlink at the temp
	# name the runtime writes first (.pid.tmp), pointing at a file of root's.
	mkdir -m 0755 "$TEST_DIR/pub"
	chown 1000 "$TEST_DIR/pub"
	echo precious >"$TEST_DIR/victim"
	ln -s "$TEST_DIR/victim" "$TEST_DIR/pub/.pid.tmp"
	chown -h 1000 "$TEST_DIR/pub/.pid.tmp"
	run_detached ocirun run -d --bundle "$BUNDLE" --pid-file "$TEST_DIR/pub/pid" pf
	[[ $status -eq 0 ]] || fail "run -d: $stderr"
	local pid
	pid=$(container_pid pf)
	run -0 ocirun delete --force pf
	[[ $(cat "$TEST_DIR/victim") == precious ]] || fail "victim: $(cat "$TEST_DIR/victim")"
	[[ -f $TEST_DIR/pub/pid && ! -L $TEST_DIR/pub/pid ]] || fail "pid file: $(ls -l "$TEST_DIR/pub")"
	[[ $(cat "$TEST_DIR/pub/pid") == "$pid" ]] || fail "pid file: $(cat "$TEST_DIR/pub/pid"), pid $pid"
}

@test "stats file through a symlink another user planted at its name is not followed" {
	# The same user plants a symlink at the --stats-file path itself.
	mkdir -m 0755 "$TEST_DIR/pub"
	chown 1000 "$TEST_DIR/pub"
	echo precious >"$TEST_DIR/victim"
	ln -s "$TEST_DIR/victim" "$TEST_DIR/pub/stats"
	chown -h 1000 "$TEST_DIR/pub/stats"
	set_args true
	run_container --separate-stderr sf --stats-file "$TEST_DIR/pub/stats"
	[[ $(cat "$TEST_DIR/victim") == precious ]] || fail "victim: $(cat "$TEST_DIR/victim")"
	[[ -f $TEST_DIR/pub/stats && ! -L $TEST_DIR/pub/stats ]] || fail "stats file: $(ls -l "$TEST_DIR/pub")"
}

# ---------------------------------------------------------------- terminal injection

@test "terminal injection: the container cannot push input into the caller's terminal" {
	# TIOCSTI: without process.terminal the container's stdio is the caller's tty;
	# in a session of its own that tty is not its controlling terminal.
	install_attacker
	set_args attacker tiocsti
	local cmd
	printf -v cmd 'env OCIRUN_TEST_MARK=%q %q --root %q run --bundle %q ti' "$MARK" "$OCIRUN" "$ROOT" "$BUNDLE"
	run bash -c 'script -qec "$1" /dev/null </dev/null' _ "$cmd"
	output=${output//$'\r'/}
	[[ $status -eq 0 ]] || fail "status $status: $output"
	assert_contains "tiocsti:"
	[[ $output != *"tiocsti: ok"* ]] || fail "$output"
	[[ $output =~ sid=([0-9]+)\ pid=([0-9]+)\ tty_nr=([0-9]+) ]] || fail "$output"
	[[ ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] || fail "not a session leader: $output"
	[[ ${BASH_REMATCH[3]} == 0 ]] || fail "has a controlling terminal: $output"
}

# ---------------------------------------------------------------- hooks

@test "a hook timeout does not overflow" {
	# 4294968 s is 4294968000 ms: 704 ms in 32 bits, which would kill a 1 s hook.
	update_config '.hooks.prestart = [{path: "/bin/sh", args: ["sh", "-c", "sleep 1"], timeout: 4294968}]'
	set_args true
	run_container --separate-stderr ho
	[[ $status -eq 0 ]] || fail "run failed ($status): $stderr"
}

# ---------------------------------------------------------------- procfs write redirection

@test "procfs write redirection: sysctl writes go to the real procfs, not to the image" {
	# CVE-2025-52881: without a /proc mount, /proc/sys/... is the image's file;
	# the write must reach the container's network namespace. (No masked or
	# read-only paths: those are under /proc and /sys.)
	update_config 'del(.mounts[] | select(.destination == "/proc"))
		| .linux.maskedPaths = [] | .linux.readonlyPaths = []
		| .linux.sysctl = {"net.ipv4.ip_forward": "1"}'
	mkdir -p "$BUNDLE/rootfs/proc/sys/net/ipv4"
	echo 0 >"$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward"
	create_container sy
	local pid
	pid=$(container_pid sy)
	[[ $(cat "$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward") == 0 ]] ||
		fail "the image's file was written: $(cat "$BUNDLE/rootfs/proc/sys/net/ipv4/ip_forward")"
	run -0 nsenter --net="/proc/$pid/ns/net" cat /proc/sys/net/ipv4/ip_forward
	[[ $output == 1 ]] || fail "ip_forward in the container's netns: $output"
	run -0 ocirun delete --force sy
}

# ---------------------------------------------------------------- masking with a fake /dev/null

@test "masking with a fake /dev/null: a masked file does not become what the image's /dev/null points at" {
	# CVE-2025-31133: /dev is the image's (a bind mount, so no devices are made)
	# and its null is a symlink to /proc/sys/kernel/core_pattern; the masks must
	# use the real 1:3 device or fail.
	mkdir "$BUNDLE/rootfs/fakedev"
	ln -s /proc/sys/kernel/core_pattern "$BUNDLE/rootfs/fakedev/null"
	update_config 'del(.mounts[] | select(.destination | startswith("/dev")))
		| .mounts += [{destination: "/dev", type: "bind", source: $s, options: ["rbind", "rw"]}]
		| .linux.maskedPaths = ["/proc/timer_list"]' --arg s "$BUNDLE/rootfs/fakedev"
	set_args cat /proc/timer_list
	local core
	core=$(cat /proc/sys/kernel/core_pattern)
	run_container --separate-stderr mk
	if [[ $status -ne 0 ]]; then
		expect_error /dev/null
		return 0
	fi
	[[ $output != *"$core"* ]] || fail "/proc/timer_list shows the host's core_pattern: $output"
	[[ -z $output ]] || fail "/proc/timer_list is not masked: $(head -3 <<<"$output")"
}
