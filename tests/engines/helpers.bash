# Shared setup for the engine suite (tests/engines/*.bats): podman, containerd
# (ctr) and docker run their containers on ocirun. Each file does
#
#     load helpers
#     setup_file()    { engine_setup_file NAME; ...start the engine...; }
#     teardown_file() { ...stop the engine...; engine_teardown_file; }
#     teardown()      { engine_teardown; }
#
# and gets, per file:
#   E         a fresh work dir (/tmp/ocirun-engines-NAME.XXXXXX): the engine's
#             storage, state, sockets and logs, and ocirun's --root ($E/ocirun)
#   OCIRUN    the runtime under test (default build/ocirun; absolute)
#   IMAGE_TAR $E/image.tar, from tests/engines/make-image.sh (busybox, one layer)
#   IMAGE     its name, ocirun-test/busybox:latest
# Nothing of the engine is shared with the host's: no daemon, socket, storage
# or config outside $E (and containerd's fixed /run/containerd/s for shim
# sockets, cleaned of what the file added).
#
# Leaks (engine_teardown after each test, engine_teardown_file at the end)
# fail the test and are cleaned up: a process in a cgroup below the engine's
# cgroup parents (CGROUP_PARENTS: a container's), an ocirun state dir of a
# container of $E (in $E, or in STATE_ROOTS: podman passes ocirun no --root,
# so its containers are in /run/ocirun), a cgroup below those parents, a
# mount under $E, a process naming $E (a daemon, shim or conmon) at the end.

bats_require_minimum_version 1.5.0

REPO=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
: "${OCIRUN:=$REPO/build/ocirun}"
case $OCIRUN in /*) ;; *) OCIRUN=$(command -v "$OCIRUN" || echo "$PWD/$OCIRUN") ;; esac
IMAGE=ocirun-test/busybox:latest
CGROUP2=/sys/fs/cgroup/unified
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] && CGROUP2=/sys/fs/cgroup

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

assert_line() {
	grep -qxF -- "$1" <<<"$output" || fail "no line '$1' in output:" "$output"
}

assert_contains() {
	[[ $output == *"$1"* ]] || fail "output lacks '$1':" "$output"
}

# A container's shell prelude: wait (5 s at most) until the terminal has a
# size. The engine's client sets it once the container has started, so the
# container may look before that.
WAIT_FOR_SIZE='i=0; until stty size >/dev/null 2>&1 || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done'

# check_memory_update EXEC...: after `run ENGINE update --memory 64m …`, the
# outcome ocirun owes: with a memory controller in cgroup v2, the update
# succeeded and `EXEC cat` in the container shows memory.max 64 MiB; without
# one, ocirun's one-line error naming the field and the controller.
check_memory_update() {
	if grep -qw memory "$CGROUP2/cgroup.controllers"; then
		[[ $status -eq 0 ]] || fail "update: $output"
		run -0 "$@" cat /sys/fs/cgroup/memory.max
		assert_line 67108864
	else
		[[ $status -ne 0 ]] || fail "update succeeded without a memory controller"
		assert_contains 'linux.resources.memory.limit: cgroup v2 controller "memory" is not available'
	fi
}

# in_terminal COMMAND...: runs COMMAND with a 30x100 pty as its terminal
# (script(1)); sets status and output.
in_terminal() {
	local cmd
	printf -v cmd '%q ' "$@"
	run bash -c 'script -qec "stty rows 30 cols 100; $1" /dev/null </dev/null' _ "$cmd"
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds; fails after SECONDS.
wait_until() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "timed out after ${secs}s: $*"
}

engine_setup_file() {
	local name=$1
	E=$(mktemp -d "/tmp/ocirun-engines-$name.XXXXXX")
	export E OCIRUN IMAGE
	mkdir -p "$E/ocirun"
	bash "$REPO/tests/engines/make-image.sh" "$E/image.tar" "$IMAGE"
	export IMAGE_TAR=$E/image.tar
	# containerd keeps shim sockets in /run/containerd/s whatever its state dir.
	ls -A /run/containerd/s 2>/dev/null | sort >"$E/shim-sockets.before" || true
	[[ -d /run/containerd ]] && touch "$E/run-containerd.existed"
	return 0
}

# Container processes of this file: their cgroup v2 path is below one of the
# engine's cgroup parents (CGROUP_PARENTS). Prints "PID CMDLINE" lines.
engine_processes() {
	local f pid cg p
	for f in /proc/[0-9]*/cgroup; do
		cg=$(sed -n 's/^0:://p' "$f" 2>/dev/null) || continue
		for p in "${CGROUP_PARENTS[@]}"; do
			[[ $cg == "$p"/* ]] || continue
			pid=${f#/proc/}
			pid=${pid%/cgroup}
			[[ $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null) == Z ]] && continue
			echo "$pid $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)"
		done
	done
}

# ocirun state dirs of this file's containers: those in $E (the roots the
# engines pass as ocirun's --root live there) and in STATE_ROOTS (podman
# passes none: /run/ocirun), whose state.json names a bundle in $E. Prints
# "ROOT ID" lines.
engine_states() {
	local r f d
	{
		for r in "${STATE_ROOTS[@]}"; do ls -d "$r"/*/state.json 2>/dev/null; done
		find "$E" -name state.json -not -path "*/graphroot/*" -not -path "*/docker/data/*" 2>/dev/null
	} | sort -u | while read -r f; do
		grep -qF -- "$E/" "$f" 2>/dev/null || continue
		d=${f%/state.json}
		echo "${d%/*} ${d##*/}"
	done
}

# Cgroups below the engine's parents (CGROUP_PARENTS: paths below the cgroup2
# mount, e.g. /docker).
engine_cgroups() {
	local p
	for p in "${CGROUP_PARENTS[@]}"; do
		[[ -d $CGROUP2$p ]] && find "$CGROUP2$p" -mindepth 1 -type d
	done
	return 0
}

# What the tests left: prints one line per leak.
engine_leaks() {
	local p
	while read -r p; do [[ -n $p ]] && echo "container process: $p"; done < <(engine_processes)
	while read -r p; do [[ -n $p ]] && echo "ocirun state dir: ${p/ //}"; done < <(engine_states)
	while read -r p; do [[ -n $p ]] && echo "cgroup: $p"; done < <(engine_cgroups)
	return 0
}

# After each test: the test removed its containers (the engine's rm); what is
# left of them is a leak. Waits a moment for the engine's asynchronous cleanup.
engine_teardown() {
	[[ -n ${E:-} ]] || return 0
	local leaks i
	for ((i = 0; i < 50; i++)); do
		leaks=$(engine_leaks)
		[[ -z $leaks ]] && return 0
		sleep 0.1
	done
	printf 'LEAK: %s\n' "$leaks" >&2
	engine_cleanup
	return 1
}

# Kills what is left of the containers and removes their state and cgroups.
engine_cleanup() {
	local p pid
	while read -r pid _; do [[ -n $pid ]] && kill -KILL "$pid" 2>/dev/null; done < <(engine_processes)
	local root id
	while read -r root id; do
		[[ -n $id ]] && "$OCIRUN" --root "$root" delete --force "$id" >/dev/null 2>&1
	done < <(engine_states)
	for p in "${CGROUP_PARENTS[@]}"; do
		[[ -d $CGROUP2$p ]] && find "$CGROUP2$p" -mindepth 1 -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	return 0
}

# At the end of the file, after the engine is stopped: fails when anything of
# it is left (processes, mounts under $E, cgroups), then removes $E, the
# engine's empty cgroup parents and the shim sockets it added.
engine_teardown_file() {
	[[ -n ${E:-} && -d $E ]] || return 0
	local leaks=() p m
	while read -r p; do [[ -n $p ]] && leaks+=("$p"); done < <(engine_leaks)
	engine_cleanup
	# Any process still naming $E (a daemon, a shim, conmon): stopped badly.
	for p in /proc/[0-9]*/cmdline; do
		m=${p#/proc/}
		m=${m%/cmdline}
		[[ $m == "$$" || $m == "$BASHPID" ]] && continue
		if tr '\0' ' ' <"$p" 2>/dev/null | grep -qF -- "$E"; then
			leaks+=("process $m: $(tr '\0' ' ' <"$p" 2>/dev/null)")
			kill -KILL "$m" 2>/dev/null || true
		fi
	done
	while read -r m; do
		[[ -n $m ]] || continue
		leaks+=("mount: $m")
	done < <(awk -v d="$E" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r)
	for m in $(awk -v d="$E" 'index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
	for p in "${CGROUP_PARENTS[@]}"; do
		[[ -d $CGROUP2$p ]] && rmdir "$CGROUP2$p" 2>/dev/null
	done
	if [[ -d /run/containerd/s ]]; then
		comm -13 "$E/shim-sockets.before" <(ls -A /run/containerd/s | sort) |
			while read -r p; do rm -f "/run/containerd/s/$p"; done
	fi
	if [[ ! -e $E/run-containerd.existed && -d /run/containerd ]]; then
		rmdir /run/containerd/s /run/containerd/fifo /run/containerd 2>/dev/null || true
	fi
	rm -rf "$E"
	if ((${#leaks[@]})); then
		printf 'LEAK: %s\n' "${leaks[@]}" >&2
		return 1
	fi
}

# start_containerd DIR: a containerd of its own (config, root, state, socket in
# DIR; the CRI plugin off), started in the background; waits for its socket.
start_containerd() {
	local d=$1
	mkdir -p "$d"
	cat >"$d/config.toml" <<-EOF2
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = ["io.containerd.grpc.v1.cri"]
		[grpc]
		  address = "$d/containerd.sock"
		[ttrpc]
		  address = "$d/containerd.sock.ttrpc"
		[debug]
		  address = "$d/debug.sock"
	EOF2
	containerd --config "$d/config.toml" </dev/null >"$d/containerd.log" 2>&1 3>&- &
	echo $! >"$d/containerd.pid"
	wait_until 20 test -S "$d/containerd.sock" || {
		tail -20 "$d/containerd.log" >&2
		return 1
	}
}

# stop_daemon PIDFILE: SIGTERM, then SIGKILL after 10 s.
stop_daemon() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}
