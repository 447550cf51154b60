#!/usr/bin/env bats
# podman 4.3 (with conmon) runs its containers on ocirun: `--runtime` through
# containers.conf, JSON logs (runtime_supports_json), cgroupfs, no network.

load helpers

CGROUP_PARENTS=(/libpod_parent)
STATE_ROOTS=(/run/ocirun) # podman passes ocirun no --root

setup_file() {
	engine_setup_file podman
	mkdir -p "$E/podman"
	# The host's hard limits (NOFILE 20000) are below podman's default ulimits;
	# its default pids limit (2048) needs a pids controller this host lacks.
	# no-conmon: podman makes no cgroup of its own (on a hybrid host it would
	# in the v1 hierarchies); the container's is ocirun's, in cgroup v2.
	cat >"$E/podman/containers.conf" <<-EOF2
		[containers]
		default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
		pids_limit = 0
		netns = "none"
		cgroups = "no-conmon"
		log_driver = "k8s-file"
		[engine]
		cgroup_manager = "cgroupfs"
		events_logger = "file"
		events_logfile_path = "$E/podman/events.log"
		runtime = "ocirun"
		runtime_supports_json = ["ocirun"]
		tmp_dir = "$E/podman/tmp"
		static_dir = "$E/podman/static"
		volume_path = "$E/podman/volumes"
		[engine.runtimes]
		ocirun = ["$OCIRUN"]
	EOF2
	cat >"$E/podman/storage.conf" <<-EOF2
		[storage]
		driver = "vfs"
		runroot = "$E/podman/runroot"
		graphroot = "$E/podman/graphroot"
	EOF2
	export CONTAINERS_CONF=$E/podman/containers.conf CONTAINERS_STORAGE_CONF=$E/podman/storage.conf
	timeout 120 podman load -q -i "$IMAGE_TAR" >/dev/null
}

teardown_file() {
	if [[ -n ${E:-} ]]; then
		timeout 60 podman rm -af -t 0 >/dev/null 2>&1
		timeout 60 podman system reset -f >/dev/null 2>&1
	fi
	engine_teardown_file
}

teardown() { engine_teardown; }

# podman with this file's configuration.
pm() { timeout 120 podman "$@"; }

@test "podman: ocirun is the runtime; run prints, exit codes 0 and 3 come back" {
	run -0 pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	[[ $output == "ocirun $OCIRUN" ]] || fail "$output"
	run -0 pm run --rm "$IMAGE" echo hello from ocirun
	[[ $output == "hello from ocirun" ]] || fail "$output"
	run -3 pm run --rm "$IMAGE" sh -c 'exit 3'
	# The container really is ocirun's: its state dir exists while it runs.
	run -0 pm run -d --name who "$IMAGE" sleep 100
	run -0 pm inspect --format '{{.OCIRuntime}}' who
	[[ $output == ocirun ]] || fail "$output"
	run -0 pm rm -f -t 0 who
}

@test "podman: a missing command gives 127 and ocirun's message" {
	# podman reads the message from ocirun's JSON log and prefixes the
	# runtime's name once.
	run -127 pm run --rm "$IMAGE" nosuchcmd
	assert_contains 'Error: ocirun: exec: "nosuchcmd": executable file not found in $PATH'
	[[ $output != *"ocirun: ocirun:"* ]] || fail "$output"
	run -126 pm run --rm "$IMAGE" /etc
	assert_contains 'ocirun: exec: "/etc"'
}

@test "podman exec: with and without -t; top lists the container's processes" {
	run -0 pm run -d --name ex "$IMAGE" sleep 1000
	run -0 pm exec ex sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_line in-exec
	assert_contains "sleep 1000"
	run -5 pm exec ex sh -c 'exit 5'
	in_terminal podman exec -t ex sh -c 'tty; echo exec-tty'
	[[ $status -eq 0 ]] || fail "exec -t: $status $output"
	assert_contains /dev/pts/
	assert_contains exec-tty
	run -0 pm top ex
	assert_contains "sleep 1000"
	run -0 pm rm -f -t 0 ex
}

@test "podman stop and kill: a TERM handler exits 0; kill gives 137" {
	run -0 pm run -d --name st "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	run -0 pm stop -t 10 st
	run -0 pm inspect --format '{{.State.ExitCode}}' st
	[[ $output == 0 ]] || fail "exit code after stop: $output"
	run -0 pm rm st
	run -0 pm run -d --name kl "$IMAGE" sleep 1000
	run -0 pm kill kl
	run -0 pm wait kl
	[[ $output == 137 ]] || fail "exit code after kill: $output"
	run -0 pm rm kl
}

@test "podman pause and unpause; rm -f of a running container" {
	run -0 pm run -d --name pz "$IMAGE" sleep 1000
	run -0 pm pause pz
	run -0 pm inspect --format '{{.State.Status}}' pz
	[[ $output == paused ]] || fail "$output"
	run -0 pm unpause pz
	run -0 pm inspect --format '{{.State.Status}}' pz
	[[ $output == running ]] || fail "$output"
	run -0 pm rm -f -t 0 pz
	run -0 pm ps -aq
	[[ -z $output ]] || fail "containers left: $output"
}

@test "podman update --memory: applied where cgroup v2 has the memory controller, else ocirun's clear error" {
	run -0 pm run -d --name up "$IMAGE" sleep 1000
	run pm update --memory 64m up
	check_memory_update pm exec up
	run -0 pm rm -f -t 0 up
}

@test "podman run -t: the container's terminal is a pty of its size" {
	in_terminal podman run --rm -t "$IMAGE" sh -c "$WAIT_FOR_SIZE"'; tty; stty size; exit 4'
	[[ $status -eq 4 ]] || fail "status $status: $output"
	assert_contains /dev/pts/0
	assert_contains "30 100"
}

@test "podman run --read-only with a tmpfs" {
	run -0 pm run --rm --read-only --tmpfs /scratch "$IMAGE" sh -c \
		'touch /x 2>&1; touch /scratch/y && echo scratch-ok; grep " /scratch " /proc/self/mountinfo'
	assert_contains "Read-only file system"
	assert_line scratch-ok
	assert_contains " - tmpfs "
}
