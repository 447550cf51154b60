#!/usr/bin/env bats
# dockerd 20.10 runs its containers on ocirun (--add-runtime ocirun=...,
# `docker run --runtime ocirun`), through a containerd of this file's own.
# No network (--bridge=none, --network=none), vfs storage, cgroupfs.

load helpers

CGROUP_PARENTS=(/docker)

setup_file() {
	engine_setup_file docker
	start_containerd "$E/containerd"
	mkdir -p "$E/docker"
	dockerd --data-root "$E/docker/data" --exec-root "$E/docker/exec" --pidfile "$E/docker/docker.pid" \
		-H "unix://$E/docker/docker.sock" --containerd "$E/containerd/containerd.sock" \
		--iptables=false --ip6tables=false --ip-forward=false --ip-masq=false --bridge=none \
		--userland-proxy=false --storage-driver=vfs --exec-opt native.cgroupdriver=cgroupfs \
		--add-runtime "ocirun=$OCIRUN" </dev/null >"$E/docker/dockerd.log" 2>&1 3>&- &
	echo $! >"$E/docker/dockerd.pid"
	wait_until 30 test -S "$E/docker/docker.sock" || {
		tail -20 "$E/docker/dockerd.log" >&2
		return 1
	}
	wait_until 30 dk version
	dk load -q -i "$IMAGE_TAR" >/dev/null
}

teardown_file() {
	if [[ -n ${E:-} ]]; then
		local ids
		ids=$(dk ps -aq 2>/dev/null)
		[[ -z $ids ]] || dk rm -f $ids >/dev/null 2>&1
		stop_daemon "$E/docker/dockerd.pid"
		stop_daemon "$E/containerd/containerd.pid"
	fi
	engine_teardown_file
}

teardown() {
	local ids
	ids=$(dk ps -aq 2>/dev/null)
	[[ -z $ids ]] || dk rm -f $ids >/dev/null 2>&1
	engine_teardown
}

# The Debian client (another `docker` may come first in PATH) on this daemon.
dk() { timeout 60 /usr/bin/docker -H "unix://$E/docker/docker.sock" "$@"; }
# docker run on ocirun, without a network.
dk_run() { dk run --runtime ocirun --network=none "$@"; }

@test "docker: run on ocirun prints; exit codes 0 and 3 come back" {
	run -0 dk_run --rm "$IMAGE" echo hello from ocirun
	[[ $output == "hello from ocirun" ]] || fail "$output"
	run -3 dk_run --rm "$IMAGE" sh -c 'exit 3'
	run -0 dk_run -d --name who "$IMAGE" sleep 100
	run -0 dk inspect --format '{{.HostConfig.Runtime}}' who
	[[ $output == ocirun ]] || fail "$output"
	# ocirun holds the container: its state is under the shim's root for ocirun.
	run -0 bash -c "ls '$E/docker/exec/runtime-runc/moby' 2>/dev/null; find '$E' -name state.json -path '*moby*'"
	assert_contains "$(dk inspect --format '{{.Id}}' who)"
	run -0 dk rm -f who
}

@test "docker: a missing command gives 127 and ocirun's message" {
	run -127 dk_run --rm "$IMAGE" nosuchcmd
	assert_contains 'OCI runtime create failed: exec: "nosuchcmd": executable file not found in $PATH'
}

@test "docker exec: with and without -t; top lists the container's processes" {
	run -0 dk_run -d --name ex "$IMAGE" sleep 1000
	run -0 dk exec ex sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_line in-exec
	assert_contains "sleep 1000"
	run -5 dk exec ex sh -c 'exit 5'
	in_terminal /usr/bin/docker -H "unix://$E/docker/docker.sock" exec -t ex sh -c 'tty; echo exec-tty'
	[[ $status -eq 0 ]] || fail "exec -t: $status $output"
	assert_contains /dev/pts/
	assert_contains exec-tty
	run -0 dk top ex
	assert_contains "sleep 1000"
	run -0 dk rm -f ex
}

@test "docker stop and kill: a TERM handler exits 0; kill gives 137" {
	run -0 dk_run -d --name st "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done'
	sleep 0.3
	run -0 dk stop -t 10 st
	run -0 dk inspect --format '{{.State.ExitCode}}' st
	[[ $output == 0 ]] || fail "exit code after stop: $output"
	run -0 dk rm st
	run -0 dk_run -d --name kl "$IMAGE" sleep 1000
	run -0 dk kill kl
	run -0 dk wait kl
	[[ $output == 137 ]] || fail "exit code after kill: $output"
	run -0 dk rm kl
}

@test "docker pause and unpause; rm -f of a running container" {
	run -0 dk_run -d --name pz "$IMAGE" sleep 1000
	run -0 dk pause pz
	run -0 dk inspect --format '{{.State.Status}}' pz
	[[ $output == paused ]] || fail "$output"
	run -0 dk unpause pz
	run -0 dk inspect --format '{{.State.Status}}' pz
	[[ $output == running ]] || fail "$output"
	run -0 dk rm -f pz
	run -0 dk ps -aq
	[[ -z $output ]] || fail "containers left: $output"
}

@test "docker update --memory: applied where cgroup v2 has the memory controller, else ocirun's clear error" {
	run -0 dk_run -d --name up "$IMAGE" sleep 1000
	run dk update --memory 64m --memory-swap 64m up
	check_memory_update dk exec up
	run -0 dk rm -f up
}

@test "docker run -t: the container's terminal is a pty" {
	# Not its size: docker's client resizes the pty after the start, and here it
	# often does not arrive at all, with runc as with ocirun (8 runs each).
	in_terminal /usr/bin/docker -H "unix://$E/docker/docker.sock" run --rm -t --runtime ocirun \
		--network=none "$IMAGE" sh -c 'tty; test -t 0 && echo stdin-is-tty; exit 4'
	[[ $status -eq 4 ]] || fail "status $status: $output"
	assert_contains /dev/pts/0
	assert_contains stdin-is-tty
}

@test "docker run --read-only with a tmpfs" {
	run -0 dk_run --rm --read-only --tmpfs /scratch "$IMAGE" sh -c \
		'touch /x 2>&1; touch /scratch/y && echo scratch-ok; grep " /scratch " /proc/self/mountinfo'
	assert_contains "Read-only file system"
	assert_line scratch-ok
	assert_contains " - tmpfs "
}

# X's init's namespace TYPE (pid, net, ipc), as the host sees it: "pid:[4026…]".
dk_ns() { readlink "/proc/$(dk inspect -f '{{.State.Pid}}' "$1")/ns/$2"; }

@test "docker run --pid container:X on ocirun: X's pid namespace, X's processes, none of the host's" {
	# docker hands ocirun the pid namespace by path (/proc/X's pid/ns/pid).
	# Checked from inside: the joiner's /proc/self/ns/pid is X's, not the
	# host's; its ps (a /proc of that namespace) shows X's distinctive sleep as
	# pid 1 and, besides, only its own sh and ps: no dockerd, containerd, bats.
	run -0 dk_run -d --name pidx "$IMAGE" sleep 1234
	xns=$(dk_ns pidx pid)
	[[ -n $xns && $xns != "$(readlink /proc/self/ns/pid)" ]] || fail "X's pid namespace: '$xns'"
	run -0 dk_run --rm --pid container:pidx "$IMAGE" sh -c 'readlink /proc/self/ns/pid; ps -o pid,comm,args'
	assert_line "$xns"
	[[ $output != *dockerd* && $output != *containerd* && $output != *bats* ]] ||
		fail "the host's processes in the joiner's ps:" "$output"
	# "PID COMM ARGS": X's sleep is pid 1; the rest are the joiner's sh and ps
	# (busybox runs its applets without an exec: ps may show sh's args).
	grep -Eq '^ *1 +sleep +sleep 1234$' <<<"$output" || fail "X's sleep is not pid 1:" "$output"
	others=$(awk '$1 ~ /^[0-9]+$/ && $2 !~ /^(sleep|sh|ps)$/' <<<"$output")
	[[ -z $others ]] || fail "unexpected processes in the joiner's ps:" "$output"
	# docker exec into a joiner enters the same namespace; X sees the joiner.
	run -0 dk_run -d --name pidj --pid container:pidx "$IMAGE" sleep 999
	run -0 dk exec pidj sh -c 'readlink /proc/self/ns/pid; ps -o pid,comm,args'
	assert_line "$xns"
	grep -Eq '^ *1 +sleep +sleep 1234$' <<<"$output" || fail "X's sleep is not pid 1:" "$output"
	assert_contains "sleep 999"
	others=$(awk '$1 ~ /^[0-9]+$/ && $2 !~ /^(sleep|sh|ps)$/' <<<"$output")
	[[ -z $others ]] || fail "unexpected processes in the exec's ps:" "$output"
	run -0 dk exec pidx ps -o args
	assert_line "sleep 999"
	run -0 dk rm -f pidj pidx
}

@test "docker run --network container:X on ocirun: X's network namespace, X's loopback server reached" {
	# X has --network=none: a namespace of its own with only lo, which ocirun
	# brings up. A joiner (no --network=none: docker refuses two modes) has X's
	# namespace from inside, the same lo only, and reaches X's server (busybox
	# nc answering "pong") over 127.0.0.1.
	run -0 dk_run -d --name netx "$IMAGE" nc -ll -p 7777 -e echo pong
	xns=$(dk_ns netx net)
	[[ -n $xns && $xns != "$(readlink /proc/self/ns/net)" ]] || fail "X's network namespace: '$xns'"
	wait_until 10 dk exec netx sh -c 'netstat -ltn | grep -q ":7777 "'
	run -0 dk run --runtime ocirun --rm --network container:netx "$IMAGE" sh -c \
		'readlink /proc/self/ns/net; echo links: $(ls /sys/class/net); ip link show lo; nc 127.0.0.1 7777 </dev/null'
	assert_line "$xns"
	assert_line "links: lo"
	assert_contains "<LOOPBACK,UP,"
	assert_line pong
	# docker exec into a joiner: the same namespace, the same server.
	run -0 dk run --runtime ocirun -d --name netj --network container:netx "$IMAGE" sleep 999
	run -0 dk exec netj sh -c 'readlink /proc/self/ns/net; nc 127.0.0.1 7777 </dev/null'
	assert_line "$xns"
	assert_line pong
	run -0 dk rm -f netj netx
}

@test "docker run --ipc container:X on ocirun: X's ipc namespace, X's /dev/shm and ipc sysctls" {
	# X must be --ipc shareable (docker's default is private). From inside,
	# the joiner has X's ipc namespace, not the host's: it reads the
	# namespaced kernel.msgmax X was given, and X's /dev/shm (docker binds X's
	# shm tmpfs into the joiner) in both directions.
	run -0 dk_run -d --name ipcx --ipc shareable --sysctl kernel.msgmax=12345 "$IMAGE" \
		sh -c 'echo made-in-x >/dev/shm/mark; exec sleep 1234'
	xns=$(dk_ns ipcx ipc)
	[[ -n $xns && $xns != "$(readlink /proc/self/ns/ipc)" ]] || fail "X's ipc namespace: '$xns'"
	wait_until 10 dk exec ipcx test -f /dev/shm/mark
	run -0 dk_run --rm --ipc container:ipcx "$IMAGE" sh -c \
		'readlink /proc/self/ns/ipc; cat /proc/sys/kernel/msgmax /dev/shm/mark; echo made-in-joiner >/dev/shm/back'
	assert_line "$xns"
	assert_line 12345
	assert_line made-in-x
	run -0 dk exec ipcx cat /dev/shm/back
	assert_line made-in-joiner
	# docker exec into a joiner: the same namespace and /dev/shm.
	run -0 dk_run -d --name ipcj --ipc container:ipcx "$IMAGE" sleep 999
	run -0 dk exec ipcj sh -c 'readlink /proc/self/ns/ipc; cat /proc/sys/kernel/msgmax /dev/shm/mark'
	assert_line "$xns"
	assert_line 12345
	assert_line made-in-x
	run -0 dk rm -f ipcj ipcx
}
