#!/usr/bin/env bats
# Rootless mode (--rootless, runtime/cli/rootless.hpp): a real unprivileged
# user (tests/tools/rootless-user.sh) runs ocirun with the config of `ocirun
# spec --rootless`: root in the container is the user outside, the state is
# in $XDG_RUNTIME_DIR/ocirun, cgroups are used only where the user may make
# them, and what the user may not do is an error that says why.

load helpers
load rootless-helpers

setup_file() { rootless_setup_file; }
teardown_file() { rootless_teardown_file; }
setup() {
	common_setup
	ocirun_only "rootless mode of ocirun's own"
	rootless_setup
}
teardown() {
	local rc=0
	rootless_teardown || rc=1
	common_teardown || rc=1
	return $rc
}

# The cgroup2 mount (/sys/fs/cgroup, or /sys/fs/cgroup/unified on a hybrid host).
cgroup2_mount() {
	awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

@test "rootless: a user runs a container; root inside is the user outside; the state is in \$XDG_RUNTIME_DIR/ocirun and nothing is left" {
	rl_config '.root.readonly = false
		| .process.args = ["sh", "-c", "id -u; cat /proc/self/uid_map; echo written >/tmp/f && cat /tmp/f; echo x >/dev/null && echo dev-ok"]'
	run -0 rl run --bundle "$BUNDLE" rl1 </dev/null
	assert_line 0
	[[ $output =~ (^|$'\n')[[:space:]]*0[[:space:]]+$RL_UID[[:space:]]+1($'\n'|$) ]] || fail "uid_map: $output"
	assert_line written
	assert_line dev-ok
	# ocirun made its state dir in XDG_RUNTIME_DIR, the user's and private.
	[[ $(stat -c '%u %a' "$ROOT") == "$RL_UID 700" ]] || fail "$(stat -c '%u %a' "$ROOT")"
	[[ -z $(ls -A "$ROOT") ]] || fail "left in $ROOT: $(ls -A "$ROOT")"
}

@test "rootless: run -d, exec, list, kill, state and delete as the user" {
	rl_config '.process.args = ["sleep", "300"]'
	run_detached rl run -d --bundle "$BUNDLE" rl2
	((status == 0)) || fail "run -d: $stderr"
	run -0 rl list -q
	assert_line rl2
	run -0 rl exec rl2 sh -c 'id -u; cat /proc/1/cmdline | tr "\0" " "'
	assert_line 0
	assert_contains "sleep 300"
	# No cgroup (none the user may make): ps says why.
	run ! rl ps rl2
	assert_contains "has no cgroup (created with --cgroup-manager=disabled, rootless with no cgroup the caller may make"
	run -0 rl kill rl2 KILL
	for _ in $(seq 50); do
		[[ $(rl state rl2 | jq -r .status) == stopped ]] && break
		sleep 0.1
	done
	run -0 rl state rl2
	[[ $(jq -r .status <<<"$output") == stopped ]] || fail "$output"
	run -0 rl delete rl2
	[[ -z $(ls -A "$ROOT") ]] || fail "left in $ROOT: $(ls -A "$ROOT")"
}

@test "rootless: --rootless is honoured; without XDG_RUNTIME_DIR or --root the error says what to give" {
	run ! as_user env -u XDG_RUNTIME_DIR "$OCIRUN" run --bundle "$BUNDLE" rl3
	assert_contains "XDG_RUNTIME_DIR is not set"
	assert_contains "--root"
	# --root still works, anywhere the user owns.
	as_user mkdir "$XDG/mine"
	run -0 as_user env -u XDG_RUNTIME_DIR "$OCIRUN" --root "$XDG/mine" run --bundle "$BUNDLE" rl3 </dev/null
	assert_line 0
	# --rootless false: the root's default state dir, which the user may not use.
	run ! rl --rootless false run --bundle "$BUNDLE" rl3 </dev/null
	assert_contains "/run/ocirun"
	run ! rl --rootless maybe list
	assert_contains '--rootless: must be true, false or auto, got "maybe"'
	# root with --rootless true: the rootless defaults (the state in XDG_RUNTIME_DIR).
	mkdir -p "$RL_DIR/rootxdg"
	run -0 env XDG_RUNTIME_DIR="$RL_DIR/rootxdg" OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --rootless true \
		run --bundle "$BUNDLE" rl3 </dev/null
	[[ -d $RL_DIR/rootxdg/ocirun ]] || fail "no state dir in XDG_RUNTIME_DIR: $(ls -A "$RL_DIR/rootxdg")"
}

@test "rootless: no cgroup where the user may make none, unless a limit needs one (then an error naming it); a subtree delegated to the user is used" {
	# No limit: the container runs in the caller's cgroup.
	rl_config '.process.args = ["cat", "/proc/self/cgroup"]'
	run -0 rl run --bundle "$BUNDLE" rl4 </dev/null
	# A limit: refused, naming the field and why.
	rl_config '.linux.resources = {pids: {limit: 10}}'
	run ! rl run --bundle "$BUNDLE" rl4 </dev/null
	assert_contains "linux.resources.pids.limit: rootless, and no cgroup the caller may write to hold the limit"
	[[ -z $(ls -A "$ROOT") ]] || fail "left in $ROOT: $(ls -A "$ROOT")"
	# A subtree the user owns (as systemd delegates one to a user's session):
	# the user's processes run in it, and ocirun makes the container's there.
	local mnt
	mnt=$(cgroup2_mount)
	RL_CGROUP=$mnt/ocirun-rl-$MARK
	mkdir "$RL_CGROUP" "$RL_CGROUP/shell"
	chown -R "$RL_UID:$RL_GID" "$RL_CGROUP"
	rl_config 'del(.linux.resources) | .linux.cgroupsPath = $p' --arg p "/ocirun-rl-$MARK/c1"
	run -0 sh -c 'echo $$ >"$1/shell/cgroup.procs" && shift && exec "$@"' _ "$RL_CGROUP" \
		setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH="$PATH" XDG_RUNTIME_DIR="$XDG" OCIRUN_TEST_MARK="$MARK" \
		"$OCIRUN" run --bundle "$BUNDLE" rl4
	assert_line "0::/ocirun-rl-$MARK/c1"
	[[ ! -e $RL_CGROUP/c1 ]] || fail "the container's cgroup is left"
}

@test "rootless: oomScoreAdj raised and timeOffsets work; lowering oomScoreAdj or a hard rlimit above the user's is an error saying why" {
	rl_config '.process.oomScoreAdj = 500
		| .linux.namespaces += [{type: "time"}] | .linux.timeOffsets = {monotonic: {secs: 86400, nanosecs: 0}}
		| .process.args = ["sh", "-c", "cat /proc/self/oom_score_adj; grep monotonic /proc/self/timens_offsets"]'
	run -0 rl run --bundle "$BUNDLE" rl5 </dev/null
	assert_line 500
	[[ $output =~ monotonic[[:space:]]+86400[[:space:]]+0 ]] || fail "$output"
	rl_config '.process.oomScoreAdj = -100'
	run ! rl run --bundle "$BUNDLE" rl5 </dev/null
	assert_contains "process.oomScoreAdj: -100 is below the current value"
	assert_contains "CAP_SYS_RESOURCE"
	local hard
	hard=$(as_user sh -c 'ulimit -Hn')
	rl_config 'del(.process.oomScoreAdj) | .process.rlimits = [{type: "RLIMIT_NOFILE", soft: 64, hard: ($h + 1)}]' \
		--argjson h "$hard"
	run ! rl run --bundle "$BUNDLE" rl5 </dev/null
	assert_contains "process.rlimits[0]: setting RLIMIT_NOFILE"
	assert_contains "above the hard limit $hard"
	[[ -z $(ls -A "$ROOT") ]] || fail "left in $ROOT: $(ls -A "$ROOT")"
}

@test "rootless: a map of the user's subordinate ids goes through newuidmap/newgidmap; one outside them is refused, naming it" {
	command -v newuidmap >/dev/null || skip "newuidmap missing (Debian package uidmap)"
	local sub
	sub=$(awk -F: -v u="$RL_USER" '$1 == u { print $2; exit }' /etc/subuid)
	[[ -n $sub ]] || fail "no /etc/subuid range for $RL_USER"
	# Root inside is the user; uid 1000 inside is the 1000th subordinate id.
	rl_config '.root.readonly = false
		| .linux.uidMappings = [{containerID: 0, hostID: $u, size: 1}, {containerID: 1, hostID: $s, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: $g, size: 1}, {containerID: 1, hostID: $s, size: 65536}]
		| .process.user = {uid: 1000, gid: 1000}
		| .process.args = ["sh", "-c", "id -u; id -g; cat /proc/self/uid_map; touch /tmp/by-1000"]' \
		--argjson u "$RL_UID" --argjson g "$RL_GID" --argjson s "$sub"
	run -0 rl run --bundle "$BUNDLE" rl6 </dev/null
	assert_line 1000
	[[ $output =~ 1[[:space:]]+$sub[[:space:]]+65536 ]] || fail "uid_map: $output"
	[[ $(stat -c '%u:%g' "$BUNDLE/rootfs/tmp/by-1000") == "$((sub + 999)):$((sub + 999))" ]] ||
		fail "owner: $(stat -c '%u:%g' "$BUNDLE/rootfs/tmp/by-1000")"
	# exec as another mapped user
	rl_config '.process.user = {uid: 0, gid: 0} | .process.args = ["sleep", "300"]'
	run_detached rl run -d --bundle "$BUNDLE" rl6
	((status == 0)) || fail "run -d: $stderr"
	run -0 rl exec --user 1234:1234 rl6 id -u
	assert_line 1234
	run -0 rl delete --force rl6
	# Ids the user was not given: refused before anything is made.
	rl_config '.linux.uidMappings[1].hostID = 4000000'
	run ! rl run --bundle "$BUNDLE" rl6 </dev/null
	assert_contains "linux.uidMappings[1]: host ids 4000000-4065535 are neither the caller's own ($RL_UID) nor in its /etc/subuid ranges ($sub-$((sub + 65535)))"
	[[ -z $(ls -A "$ROOT") ]] || fail "left in $ROOT: $(ls -A "$ROOT")"
}
