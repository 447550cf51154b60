#!/usr/bin/env bats
# podman 4.3 (with conmon) runs its containers on ocirun: `--runtime` through
# containers.conf, JSON logs (runtime_supports_json), cgroupfs, no network.

load helpers
load podman-config

CGROUP_PARENTS=(/libpod_parent)
STATE_ROOTS=(/run/ocirun) # podman passes ocirun no --root

setup_file() {
	engine_setup_file podman
	# The host's hard limits (NOFILE 20000) are below podman's default ulimits;
	# its default pids limit (2048) needs a pids controller this host lacks.
	# no-conmon: podman makes no cgroup of its own (on a hybrid host it would
	# in the v1 hierarchies); the container's is ocirun's, in cgroup v2.
	# No static_dir: conmon's exit command (podman container cleanup) gets
	# --root, which puts its database in graphroot/libpod; with another
	# static_dir it finds no container, and `run --rm` waits 20 s for a
	# cleanup that never comes.
	podman_config "$E/podman" cgroupfs \
		'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]' \
		'pids_limit = 0' 'cgroups = "no-conmon"'
	timeout 120 podman load -q -i "$IMAGE_TAR" >/dev/null
	# podman 4.3 (CDI 0.5) reads CDI specs only from /etc/cdi and /var/run/cdi
	# (containers.conf has no cdi_spec_dirs yet): the CDI test writes its spec
	# there under a name of this file's own, removed at the end.
	export CDI_SPEC=/var/run/cdi/ocirun-test-${E##*/}.json
}

teardown_file() {
	if [[ -n ${E:-} ]]; then
		timeout 60 podman pod rm -af -t 0 >/dev/null 2>&1
		timeout 60 podman rm -af -t 0 >/dev/null 2>&1
		timeout 60 podman system reset -f >/dev/null 2>&1
		remove_cdi_spec
	fi
	engine_teardown_file
}

teardown() { engine_teardown; }

# podman with this file's configuration.
pm() { timeout 120 podman "$@"; }

# The CDI spec and /var/run/cdi if the CDI test made it.
remove_cdi_spec() {
	rm -f "$CDI_SPEC"
	if [[ -e $E/var-run-cdi.made ]]; then
		rmdir /var/run/cdi 2>/dev/null
		rm -f "$E/var-run-cdi.made"
	fi
	return 0
}

# A container's shell prints its namespaces, one "TYPE:[INODE]" line each
# (busybox readlink takes one file a call).
NS='for n in pid ipc net uts; do readlink /proc/self/ns/$n; done'
# A loopback server: "pong" to each client on port 7777 (busybox nc: -ll
# listens again after each client).
SERVE='exec nc -ll -p 7777 -e echo pong'
# Its client: prints "pong"; retries for 5 s (the server may not listen yet).
CONNECT='i=0; until nc 127.0.0.1 7777 </dev/null 2>/dev/null; do i=$((i + 1)); [ $i -lt 50 ] || exit 9; sleep 0.1; done'

# ns_lines TEXT: the namespace lines of TEXT (as $NS prints them), sorted.
ns_lines() { grep -E '^(pid|ipc|net|uts):\[[0-9]+\]$' <<<"$1" | sort; }

# ns_line TYPE TEXT: the namespace line of TYPE in TEXT.
ns_line() { grep -E "^$1:\[[0-9]+\]\$" <<<"$2"; }

# logged_ns NAME: the container's log has the four lines of $NS.
logged_ns() { [[ $(ns_lines "$(pm logs "$1" 2>&1)" | wc -l) -eq 4 ]]; }

refute_line() {
	! grep -qxF -- "$1" <<<"$output" || fail "line '$1' in output:" "$output"
}

# joined_only TYPE X_NS: $output shows X's TYPE namespace and none of X's
# other three (X_NS: X's $NS lines).
joined_only() {
	local n
	for n in pid ipc net uts; do
		if [[ $n == "$1" ]]; then
			assert_line "$(ns_line "$n" "$2")"
		else
			refute_line "$(ns_line "$n" "$2")"
		fi
	done
}

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

@test "podman pod create --share pid,ipc,net,uts: the pod's containers share four namespaces of their own" {
	# No pause image on this host: the infra is busybox running a script
	# mounted from $E (podman 4.3 takes --infra-command as one word, no args).
	printf '#!/bin/sh\ntrap "exit 0" TERM\nsleep 100000 &\nwait\n' >"$E/pause"
	chmod +x "$E/pause"
	run -0 pm pod create --name pod1 --share pid,ipc,net,uts --infra-image "$IMAGE" \
		--infra-name pod1-infra --infra-command /pause -v "$E/pause:/pause:ro"
	local pod=$output
	# The server prints its namespaces, then serves on the pod's loopback.
	run -0 pm run -d --pod pod1 --name pod1-srv "$IMAGE" sh -c "$NS; $SERVE"
	wait_until 10 logged_ns pod1-srv
	run -0 pm logs pod1-srv
	local pod_ns n
	pod_ns=$(ns_lines "$output")
	# Four namespaces of the pod's own: none of them is the host's.
	for n in pid ipc net uts; do
		run -0 readlink "/proc/self/ns/$n"
		[[ $pod_ns != *"$output"* ]] || fail "the host's $n namespace in the pod: $pod_ns"
	done
	# A second container: the same four; its ps sees the pod's processes
	# only (the infra's script as pid 1, the server) and nothing of the
	# host; the server answers it over 127.0.0.1.
	run -0 pm run --rm --pod pod1 "$IMAGE" sh -c "$NS; ps -o pid,args; $CONNECT"
	[[ $(ns_lines "$output") == "$pod_ns" ]] || fail "not the pod's namespaces ($pod_ns):" "$output"
	grep -qE '^ +1 .*/pause$' <<<"$output" || fail "pid 1 is not the infra's /pause:" "$output"
	grep -qE '^ +[0-9]+ nc -ll -p 7777 -e echo pong$' <<<"$output" || fail "no server in ps:" "$output"
	[[ $output != *podman* && $output != *conmon* && $output != *bats* ]] || fail "host processes in ps:" "$output"
	(($(grep -cE '^ +[0-9]+ ' <<<"$output") <= 8)) || fail "too many processes for the pod:" "$output"
	assert_line pong
	# exec (into the server) and the infra see the same namespaces.
	run -0 pm exec pod1-srv sh -c "$NS"
	[[ $(ns_lines "$output") == "$pod_ns" ]] || fail "exec: not the pod's namespaces ($pod_ns):" "$output"
	run -0 pm exec pod1-infra sh -c "$NS"
	[[ $(ns_lines "$output") == "$pod_ns" ]] || fail "infra: not the pod's namespaces ($pod_ns):" "$output"
	run -0 pm pod rm -f -t 0 pod1
	# podman 4.3 takes this hybrid host for cgroup v1: it removes the pod's
	# cgroup in the v1 hierarchies only, and the runtime (ocirun as runc)
	# removes just the container's own below it in cgroup v2.
	rmdir "$CGROUP2/libpod_parent/$pod" 2>/dev/null || true
}

@test "podman run --pid, --network, --ipc container:X: each joins X's namespace, and only it" {
	# X prints its namespaces, makes a POSIX message queue (an entry in its
	# IPC namespace's mqueue fs), then serves on its loopback.
	run -0 pm run -d --name nsx "$IMAGE" sh -c "$NS; touch /dev/mqueue/ocirun-q; $SERVE"
	wait_until 10 logged_ns nsx
	run -0 pm logs nsx
	local x=$output
	# --pid: X's nc is pid 1 in ps.
	run -0 pm run --rm --pid container:nsx "$IMAGE" sh -c "$NS; ps -o pid,args"
	joined_only pid "$x"
	grep -qE '^ +1 nc -ll -p 7777 -e echo pong$' <<<"$output" || fail "X's nc is not pid 1:" "$output"
	# --network: X's server answers on 127.0.0.1.
	run -0 pm run --rm --network container:nsx "$IMAGE" sh -c "$NS; $CONNECT"
	joined_only net "$x"
	assert_line pong
	# --ipc: X's queue is in /dev/mqueue (the mqueue fs mounted in X's IPC
	# namespace, after joining it).
	run -0 pm run --rm --ipc container:nsx "$IMAGE" sh -c "$NS; ls /dev/mqueue"
	joined_only ipc "$x"
	assert_line ocirun-q
	# Without them: none of X's namespaces, no queue, no server.
	run -0 pm run --rm "$IMAGE" sh -c "$NS; ls /dev/mqueue; nc 127.0.0.1 7777 </dev/null || echo refused"
	joined_only none "$x"
	refute_line ocirun-q
	assert_line refused
	run -0 pm rm -f -t 0 nsx
}

@test "podman run --device with CDI: a vendor's device node, library and createContainer hook" {
	local d=$E/cdi
	mkdir -p "$d"
	# The "GPU": char major 60 (LANANA's local/experimental, no driver here).
	# Opening it passes the device cgroup, then finds no driver: ENXIO, where
	# a device the cgroup denies gives EPERM. (1:3, /dev/null, would prove
	# nothing: runc's default rules allow it.)
	mknod "$d/vendor-gpu0" c 60 0
	echo 'libvendor 1.0' >"$d/libvendor.so.1"
	# The hook records its arguments and the state on its stdin, a line a run.
	cat >"$d/hook" <<-EOF2
		#!/bin/sh
		echo "\$*" >>"$d/hook.args"
		cat >>"$d/hook.state"
		echo >>"$d/hook.state"
	EOF2
	chmod +x "$d/hook"
	# A spec as NVIDIA's toolkit writes one: the node by its host path, the
	# library bind-mounted read-only and a createContainer hook for all
	# devices of the kind.
	if [[ ! -d /var/run/cdi ]]; then
		mkdir /var/run/cdi
		touch "$E/var-run-cdi.made"
	fi
	cat >"$CDI_SPEC" <<-EOF2
		{
		  "cdiVersion": "0.5.0",
		  "kind": "vendor.example/gpu",
		  "devices": [
		    {
		      "name": "0",
		      "containerEdits": {
		        "deviceNodes": [{"path": "/dev/vendor-gpu0", "hostPath": "$d/vendor-gpu0"}]
		      }
		    }
		  ],
		  "containerEdits": {
		    "env": ["VENDOR_VISIBLE_DEVICES=0"],
		    "mounts": [
		      {"hostPath": "$d/libvendor.so.1", "containerPath": "/usr/lib/libvendor.so.1",
		       "options": ["ro", "nosuid", "nodev", "bind"]}
		    ],
		    "hooks": [
		      {"hookName": "createContainer", "path": "$d/hook",
		       "args": ["vendor-ctk", "hook", "update-ldcache", "--folder", "/usr/lib"]}
		    ]
		  }
		}
	EOF2
	run -0 pm run --name cdi --device vendor.example/gpu=0 "$IMAGE" sh -c '
		exec 2>&1
		stat -c "%F %t:%T" /dev/vendor-gpu0
		echo x >/dev/vendor-gpu0
		mknod /tmp/other c 60 1 && echo x >/tmp/other
		mknod /tmp/null c 1 3 && echo x >/tmp/null && echo null-ok
		cat /usr/lib/libvendor.so.1
		echo x >>/usr/lib/libvendor.so.1
		echo "visible=$VENDOR_VISIBLE_DEVICES"'
	# The node, 60:0 (stat prints hex), allowed by the device cgroup.
	assert_line "character special file 3c:0"
	assert_contains "can't create /dev/vendor-gpu0: No such device or address"
	# A node of the same driver not handed over: denied, where /dev/null's
	# number (a default rule) is allowed in the same directory.
	assert_contains "can't create /tmp/other: Operation not permitted"
	assert_line null-ok
	# The library, read-only; the spec's environment.
	assert_line "libvendor 1.0"
	assert_contains "can't create /usr/lib/libvendor.so.1: Read-only file system"
	assert_line visible=0
	# The hook ran once, on the host, with its arguments (after argv[0]) and
	# the container's state, "creating".
	local id
	id=$(pm inspect --format '{{.Id}}' cdi)
	run -0 cat "$d/hook.args"
	[[ $output == "hook update-ldcache --folder /usr/lib" ]] || fail "hook arguments: $output"
	run -0 jq -r '[.id, .status, .bundle] | join(" ")' "$d/hook.state"
	[[ $output == "$id creating "*"/$id/userdata" ]] || fail "hook state: $output"
	run -0 pm rm cdi
	remove_cdi_spec
}
