#!/usr/bin/env bats
# Rootless podman on ocirun: a user who is not root (tests/tools/rootless-user.sh,
# with subuid and subgid ranges, newuidmap/newgidmap) runs podman 4.3 with
# ocirun as its runtime. podman makes the user namespace of the user's ids and
# calls ocirun inside it as its root: ocirun's rootless mode (--rootless auto)
# takes it from there. cgroupfs with no cgroup the user may make, so the
# containers get none (and ask for no limit); no network.

load helpers
load podman-config

CGROUP_PARENTS=() # no cgroup: the user may make none here
STATE_ROOTS=()

setup_file() {
	engine_setup_file podman-rootless
	RL_USER=$(bash "$REPO/tests/tools/rootless-user.sh")
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	# All of it the user's, in $E (made 0700 by root: opened up).
	chmod 755 "$E"
	mkdir -p "$E/home" "$E/xdg" "$E/bin" "$E/volume"
	chmod 700 "$E/xdg"
	cp "$OCIRUN" "$E/bin/ocirun"
	OCIRUN=$E/bin/ocirun
	# The host's hard NOFILE (20000 here) is below podman's default ulimits.
	podman_config "$E/podman" cgroupfs 'default_ulimits = ["nofile=1024:1024"]' 'pids_limit = 0'
	chown -R "$RL_UID:$RL_GID" "$E/home" "$E/xdg" "$E/podman" "$E/volume" "$E/image.tar"
	export RL_USER RL_UID RL_GID OCIRUN
	pm load -q -i "$IMAGE_TAR" >/dev/null
}

teardown_file() {
	if [[ -n ${E:-} ]]; then
		pm rm -af -t 0 >/dev/null 2>&1
		pm system reset -f >/dev/null 2>&1
		# podman's pause process, which holds the user namespace, and what
		# else of the user's is left.
		pkill -KILL -u "$RL_USER" 2>/dev/null
		sleep 0.2
	fi
	engine_teardown_file
}

teardown() {
	# Whatever a failed test left: a container of podman's, or ocirun's state.
	local left
	left=$(pm ps -aq 2>/dev/null)
	if [[ -n $left ]]; then
		pm rm -af -t 0 >/dev/null 2>&1
		fail "containers left: $left"
	fi
}

# pm ARGS...: podman as the user, with this file's configuration.
pm() {
	setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH="$PATH" HOME="$E/home" XDG_RUNTIME_DIR="$E/xdg" \
		CONTAINERS_CONF="$CONTAINERS_CONF" CONTAINERS_STORAGE_CONF="$CONTAINERS_STORAGE_CONF" \
		timeout 120 podman "$@"
}

# ocirun's state dirs of the user's containers (podman keeps ocirun's root
# in XDG_RUNTIME_DIR).
ocirun_states() {
	find "$E/xdg" -name state.json 2>/dev/null
}

@test "rootless podman: run --rm on ocirun; root in the container is the user outside" {
	run -0 pm run --rm "$IMAGE" sh -c 'echo hi; id -u; cat /proc/self/uid_map'
	assert_line hi
	assert_line 0
	[[ $output =~ (^|$'\n')[[:space:]]*0[[:space:]]+$RL_UID[[:space:]]+1($'\n'|$) ]] || fail "uid_map: $output"
	# podman's wider map: the user's subordinate ids (newuidmap), podman's own.
	[[ $output =~ [[:space:]]1[[:space:]]+[0-9]+[[:space:]]+65536 ]] || fail "uid_map: $output"
	[[ -z $(ocirun_states) ]] || fail "ocirun state left: $(ocirun_states)"
}

@test "rootless podman: run -d, exec, stop and rm" {
	run -0 pm run -d --name r1 "$IMAGE" sleep 300
	run -0 pm exec r1 sh -c 'cat /proc/1/cmdline | tr "\0" " "; echo; id -u'
	assert_contains "sleep 300"
	assert_line 0
	# ocirun ran it, and knows it: its state is in the user's runtime dir.
	[[ -n $(ocirun_states) ]] || fail "no ocirun state in $E/xdg"
	run -0 pm stop -t 1 r1
	run -0 pm rm r1
	[[ -z $(ocirun_states) ]] || fail "ocirun state left: $(ocirun_states)"
}

@test "rootless podman: --userns=keep-id is the user inside too" {
	run -0 pm run --rm --userns=keep-id "$IMAGE" id -u
	assert_line "$RL_UID"
}

@test "rootless podman: a volume the user owns is written from the container as the user" {
	run -0 pm run --rm -v "$E/volume:/data" "$IMAGE" sh -c 'echo from-container >/data/f && cat /data/f'
	assert_line from-container
	[[ $(stat -c %u "$E/volume/f") == "$RL_UID" ]] || fail "owner: $(stat -c %u "$E/volume/f")"
}
