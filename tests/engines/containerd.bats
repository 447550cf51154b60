#!/usr/bin/env bats
# containerd 1.6 runs its containers on ocirun through its runc shim
# (io.containerd.runc.v2): `ctr run --runc-binary ocirun --runc-root DIR`. The
# daemon is the file's own (config, root, state and socket in $E; no CRI).

load helpers

NS=ocirun-test
CGROUP_PARENTS=("/$NS") # ctr's cgroupsPath: /<namespace>/<id>

setup_file() {
	engine_setup_file containerd
	start_containerd "$E/containerd"
	ctr_ image import "$IMAGE_TAR" >/dev/null
}

teardown_file() {
	if [[ -n ${E:-} ]]; then
		local t
		for t in $(ctr_ task ls -q 2>/dev/null); do ctr_ task kill -s KILL "$t" >/dev/null 2>&1; done
		sleep 0.5
		for t in $(ctr_ task ls -q 2>/dev/null); do ctr_ task rm -f "$t" >/dev/null 2>&1; done
		for t in $(ctr_ container ls -q 2>/dev/null); do ctr_ container rm "$t" >/dev/null 2>&1; done
		stop_daemon "$E/containerd/containerd.pid"
	fi
	engine_teardown_file
}

teardown() {
	local t
	for t in $(ctr_ task ls -q 2>/dev/null); do
		ctr_ task kill -s KILL "$t" >/dev/null 2>&1
		ctr_ task rm -f "$t" >/dev/null 2>&1
	done
	for t in $(ctr_ container ls -q 2>/dev/null); do ctr_ container rm "$t" >/dev/null 2>&1; done
	# Namespaces a pod test pinned (bind mounts under $E/pins).
	for t in "$E"/pins/*; do mountpoint -q "$t" && umount "$t"; done
	engine_teardown
}

# ctr on this file's daemon and namespace.
ctr_() { timeout 60 ctr --address "$E/containerd/containerd.sock" -n "$NS" "$@"; }
# ctr run on ocirun; never with stdin piped (ctr would wait on it).
ctr_run() { ctr_ run --runc-binary "$OCIRUN" --runc-root "$E/ocirun" --fifo-dir "$E/fifo" "$@" </dev/null; }
# task_pid ID: the host pid of task ID's init.
task_pid() { ctr_ task ls | awk -v t="$1" '$1 == t { print $2 }'; }

# pod_ns PID: sets POD_NS to ctr run's flags for an app container of the pod
# whose sandbox init is PID: its network, ipc, uts and pid namespaces joined
# by path, as the CRI plugin builds an app container's spec. (ctr keeps its
# default order, pid ipc uts mount network: linux.namespaces[0] is pid, [4]
# network.)
pod_ns() {
	POD_NS=(--with-ns "network:/proc/$1/ns/net" --with-ns "ipc:/proc/$1/ns/ipc"
		--with-ns "uts:/proc/$1/ns/uts" --with-ns "pid:/proc/$1/ns/pid")
}

# What a process of a pod prints, one per line: its net, ipc, uts, pid and
# mnt namespaces (busybox readlink takes one file per call), its hostname, and
# "nc: " and the reply of the sandbox's loopback server on port 7777 (retried
# for 5 s while the server starts).
POD_VIEW='for n in net ipc uts pid mnt; do readlink /proc/self/ns/$n; done; hostname
i=0; until r=$(nc 127.0.0.1 7777 </dev/null) && [ "$r" = pong ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "nc: $r"'

@test "containerd: ctr run on ocirun prints; exit codes 0 and 3 come back; only stdio is inherited" {
	run -0 ctr_run --rm "docker.io/$IMAGE" c1 echo hello from ocirun
	[[ $output == "hello from ocirun" ]] || fail "$output"
	run -3 ctr_run --rm "docker.io/$IMAGE" c2 sh -c 'exit 3'
	# The shim hands its fd 3 to `create`: only stdio may reach the container.
	# The shell's own fds ("; :" keeps it from exec'ing ls; no pipeline, whose
	# fds it would hold while ls looks).
	run -0 ctr_run --rm "docker.io/$IMAGE" c4 sh -c 'ls /proc/$$/fd; :'
	[[ ${lines[*]} == "0 1 2" ]] || fail "the container's fds: ${lines[*]}"
}

@test "containerd: a missing command fails the create with ocirun's message" {
	run ctr_run --rm "docker.io/$IMAGE" c3 nosuchcmd
	[[ $status -ne 0 ]] || fail "status 0: $output"
	assert_contains 'OCI runtime create failed: exec: "nosuchcmd": executable file not found in $PATH'
}

@test "containerd: a detached task; exec with and without a terminal; ps" {
	run -0 ctr_run -d "docker.io/$IMAGE" t1 sleep 1000
	run -0 ctr_ task ls
	[[ $output =~ t1[[:space:]]+[0-9]+[[:space:]]+RUNNING ]] || fail "$output"
	# The init is ocirun's: its state is in the --runc-root given.
	run -0 "$OCIRUN" --root "$E/ocirun/$NS" state t1
	[[ $(jq -r .status <<<"$output") == running ]] || fail "$output"
	run -0 ctr_ task exec --exec-id e1 t1 sh -c 'echo in-exec; cat /proc/1/cmdline | tr "\0" " "'
	assert_line in-exec
	assert_contains "sleep 1000"
	run -5 ctr_ task exec --exec-id e2 t1 sh -c 'exit 5'
	in_terminal ctr --address "$E/containerd/containerd.sock" -n "$NS" task exec -t --exec-id e3 t1 sh -c 'tty; echo exec-tty'
	[[ $status -eq 0 ]] || fail "exec -t: $status $output"
	assert_contains /dev/pts/
	assert_contains exec-tty
	local pid
	pid=$(ctr_ task ls | awk '$1 == "t1" {print $2}')
	run -0 ctr_ task ps t1
	assert_contains "$pid"
}

@test "containerd: kill ends a task (137); SIGTERM to ctr run reaches the container's trap" {
	run -0 ctr_run -d "docker.io/$IMAGE" k1 sleep 1000
	run -0 ctr_ task kill -s KILL k1
	wait_until 10 bash -c "ctr --address '$E/containerd/containerd.sock' -n $NS task ls | grep -q 'k1.*STOPPED'"
	run -0 ctr_ task rm k1
	run -0 ctr_ container rm k1
	# ctr run of a container killed by SIGKILL exits 137.
	ctr --address "$E/containerd/containerd.sock" -n "$NS" run --rm --runc-binary "$OCIRUN" \
		--runc-root "$E/ocirun" --fifo-dir "$E/fifo" "docker.io/$IMAGE" k3 sleep 1000 </dev/null >/dev/null 2>&1 &
	local fg=$! st=0
	wait_until 20 bash -c "ctr --address '$E/containerd/containerd.sock' -n $NS task ls | grep -q 'k3.*RUNNING'"
	run -0 ctr_ task kill -s KILL k3
	wait "$fg" || st=$?
	[[ $st -eq 137 ]] || fail "ctr run exited $st"
	# ctr run in the foreground forwards SIGTERM: the trap's status comes back.
	ctr --address "$E/containerd/containerd.sock" -n "$NS" run --rm --runc-binary "$OCIRUN" \
		--runc-root "$E/ocirun" --fifo-dir "$E/fifo" "docker.io/$IMAGE" k2 \
		sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' </dev/null >/dev/null 2>&1 &
	local fg=$! st=0
	wait_until 20 bash -c "ctr --address '$E/containerd/containerd.sock' -n $NS task ls | grep -q 'k2.*RUNNING'"
	sleep 0.3 # the trap is set
	kill -TERM "$fg"
	wait "$fg" || st=$?
	[[ $st -eq 7 ]] || fail "ctr run exited $st"
}

@test "containerd: pause and resume; delete of a running task with --force" {
	run -0 ctr_run -d "docker.io/$IMAGE" p1 sleep 1000
	run -0 ctr_ task pause p1
	run -0 ctr_ task ls
	[[ $output =~ p1[[:space:]]+[0-9]+[[:space:]]+PAUSED ]] || fail "$output"
	run -0 ctr_ task resume p1
	run -0 ctr_ task ls
	[[ $output =~ p1[[:space:]]+[0-9]+[[:space:]]+RUNNING ]] || fail "$output"
	run -0 ctr_ task rm -f p1
	run -0 ctr_ container rm p1
}

@test "containerd: ctr run -t gives a pty; --read-only with a tmpfs mount" {
	in_terminal ctr --address "$E/containerd/containerd.sock" -n "$NS" run --rm -t \
		--runc-binary "$OCIRUN" --runc-root "$E/ocirun" --fifo-dir "$E/fifo" \
		"docker.io/$IMAGE" tty1 sh -c 'tty; exit 4'
	[[ $status -eq 4 ]] || fail "status $status: $output"
	assert_contains /dev/pts/0
	run -0 ctr_run --rm --read-only --mount type=tmpfs,src=tmpfs,dst=/scratch,options=rw:nosuid \
		"docker.io/$IMAGE" ro1 sh -c 'touch /x 2>&1; touch /scratch/y && echo scratch-ok'
	assert_contains "Read-only file system"
	assert_line scratch-ok
}

@test "containerd: a pod: an app container joins its sandbox's net, ipc, uts and pid namespaces by path; so does an exec in it" {
	# The sandbox, as the CRI plugin's pause container: new namespaces (the
	# network one with only lo, which ocirun brings up) and a command to find
	# in the app's ps. ctr 1.6 has no --hostname: the pod's hostname is set in
	# the sandbox's uts namespace from the host.
	run -0 ctr_run -d "docker.io/$IMAGE" sandbox sleep 4321
	local pid
	pid=$(task_pid sandbox)
	[[ $pid =~ ^[0-9]+$ ]] || fail "no pid for the sandbox: $pid"
	nsenter --uts="/proc/$pid/ns/uts" hostname ocirun-pod
	[[ $(hostname) != ocirun-pod ]] || fail "the host's hostname was changed"
	# A loopback server in the sandbox: "pong" to each connection (-ll: keeps
	# listening; busybox nc has no -k). A detached exec's fifos stay where ctr
	# puts them: in $E, not /run/containerd/fifo.
	run -0 ctr_ task exec -d --fifo-dir "$E/fifo" --exec-id srv sandbox nc -ll -p 7777 -e echo pong </dev/null

	# The sandbox's view, from inside: the namespaces of its init (as the host
	# sees them), none of them the host's, its hostname, its own server.
	run -0 ctr_ task exec --exec-id view sandbox sh -c "$POD_VIEW"
	local sandbox_view=("${lines[@]}") types=(net ipc uts pid mnt) i n
	for i in "${!types[@]}"; do
		n=$(readlink "/proc/$pid/ns/${types[i]}")
		[[ ${lines[i]} == "$n" ]] || fail "exec in the sandbox: ${lines[i]}, its init: $n"
		[[ $n != "$(readlink "/proc/self/ns/${types[i]}")" ]] || fail "the sandbox is in the host's $n"
	done
	[[ ${lines[5]} == ocirun-pod && ${lines[6]} == "nc: pong" ]] || fail "the sandbox's view:" "$output"

	# An app container (its init): the sandbox's net, ipc, uts and pid
	# namespaces (same inodes, so the same hostname and loopback), a mount
	# namespace of its own.
	pod_ns "$pid"
	run -0 ctr_run --rm "${POD_NS[@]}" "docker.io/$IMAGE" app1 sh -c "$POD_VIEW"
	for i in 0 1 2 3; do
		[[ ${lines[i]} == "${sandbox_view[i]}" ]] || fail "app: ${lines[i]}, sandbox: ${sandbox_view[i]}"
	done
	[[ ${lines[4]} == mnt:* && ${lines[4]} != "${sandbox_view[4]}" ]] ||
		fail "app's mount namespace: ${lines[4]}, sandbox's: ${sandbox_view[4]}"
	[[ ${lines[5]} == ocirun-pod ]] || fail "app's hostname: ${lines[5]}"
	[[ ${lines[6]} == "nc: pong" ]] || fail "app to the sandbox's server over 127.0.0.1: ${lines[6]}"

	# In the shared pid namespace the app sees the sandbox's processes (its
	# init as pid 1) and nothing of the host: no containerd, shim or bats.
	run -0 ctr_run --rm "${POD_NS[@]}" "docker.io/$IMAGE" app2 ps -o pid,args
	[[ $output =~ (^|$'\n')\ *1\ sleep\ 4321($'\n'|$) ]] || fail "no 'sleep 4321' as pid 1:" "$output"
	assert_contains "nc -ll -p 7777 -e echo pong"
	[[ $output != *containerd* && $output != *bats* && $output != *ocirun* ]] ||
		fail "the host's processes in the app's ps:" "$output"
	# The echo nc ran for the last connection may not be reaped yet: busybox's
	# ps shows such a zombie as "[echo]" (seen once in CI).
	[[ $(grep -cvE '^ *[0-9]+ \[echo\]$' <<<"$output") -eq 4 ]] ||
		fail "not only the sandbox's two processes and ps:" "$output"

	# ctr task exec into a detached app container: the same namespaces as the
	# app's init (the sandbox's four, the app's mount namespace).
	run -0 ctr_run -d "${POD_NS[@]}" "docker.io/$IMAGE" app3 sleep 1234
	local app_pid
	app_pid=$(task_pid app3)
	run -0 ctr_ task exec --exec-id e1 app3 sh -c "$POD_VIEW"
	for i in 0 1 2 3; do
		[[ ${lines[i]} == "${sandbox_view[i]}" ]] || fail "exec in the app: ${lines[i]}, sandbox: ${sandbox_view[i]}"
	done
	[[ ${lines[4]} == "$(readlink "/proc/$app_pid/ns/mnt")" ]] ||
		fail "exec's mount namespace: ${lines[4]}, the app's init's: $(readlink "/proc/$app_pid/ns/mnt")"
	[[ ${lines[5]} == ocirun-pod && ${lines[6]} == "nc: pong" ]] || fail "exec in the app:" "$output"
	run -0 ctr_ task exec --exec-id e2 app3 ps -o args
	assert_line "sleep 4321"
	assert_line "sleep 1234"
}

@test "containerd: a pod's app container ends alone: its other processes die with its init, the sandbox's live on" {
	# In a pid namespace it does not own, an app's init is not the namespace's
	# init: when it exits the kernel kills nothing else. The runc shim then
	# runs `kill --all` (runc: every process in the container's cgroup, even
	# once the init is gone) before it reports the exit. The sandbox, in
	# another cgroup, must survive.
	run -0 ctr_run -d "docker.io/$IMAGE" sandbox sleep 4321
	local pid
	pid=$(task_pid sandbox)
	pod_ns "$pid"
	run -0 ctr_run -d "${POD_NS[@]}" "docker.io/$IMAGE" app sleep 1234
	run -0 ctr_ task exec -d --fifo-dir "$E/fifo" --exec-id bg app sleep 5678 </dev/null
	run -0 ctr_ task exec --exec-id ps1 sandbox ps -o args
	assert_line "sleep 1234"
	assert_line "sleep 5678"
	run -0 ctr_ task kill -s KILL app
	wait_until 10 bash -c "ctr --address '$E/containerd/containerd.sock' -n $NS task ls | grep -q 'app .*STOPPED'"
	if ! wait_until 5 bash -c "! pgrep --ns $pid --nslist pid -xf 'sleep 5678'"; then
		fail "the app's exec'd 'sleep 5678' outlived its init" \
			"$(grep "failed to kill init's children.*id=app$" "$E/containerd/containerd.log" | tail -1)"
	fi
	run -0 ctr_ task exec --exec-id ps2 sandbox ps -o args
	assert_line "sleep 4321"
	run -0 ctr_ task rm app
	run -0 ctr_ container rm app
	run -0 ctr_ task ls
	[[ $output =~ sandbox[[:space:]]+[0-9]+[[:space:]]+RUNNING ]] || fail "$output"
}

@test "containerd: an app container whose sandbox is gone fails, naming the namespace path; nothing is left" {
	# The sandbox dies; its pid and network namespaces are also pinned by bind
	# mounts (as the CRI plugin pins a pod's network namespace).
	run -0 ctr_run -d "docker.io/$IMAGE" sandbox sleep 4321
	local pid n netns
	pid=$(task_pid sandbox)
	[[ $pid =~ ^[0-9]+$ ]] || fail "no pid for the sandbox: $pid"
	netns=$(readlink "/proc/$pid/ns/net")
	mkdir -p "$E/pins"
	for n in net pid; do
		touch "$E/pins/$n"
		mount --bind "/proc/$pid/ns/$n" "$E/pins/$n"
	done
	run -0 ctr_ task kill -s KILL sandbox
	wait_until 10 bash -c "! test -e /proc/$pid"
	run -0 ctr_ task rm sandbox
	run -0 ctr_ container rm sandbox
	[[ ! -e /proc/$pid ]] || fail "pid $pid was reused: not joining whatever it is now"

	# By /proc paths: the first one ocirun opens (pid, linux.namespaces[0]) is
	# named, with why it cannot be opened; the network one alone as well.
	pod_ns "$pid"
	run ctr_run --rm "${POD_NS[@]}" "docker.io/$IMAGE" app1 true
	[[ $status -ne 0 ]] || fail "app1 ran: $output"
	assert_contains "OCI runtime create failed: linux.namespaces[0]: pid namespace /proc/$pid/ns/pid: open: No such file or directory"
	run ctr_run --rm --with-ns "network:/proc/$pid/ns/net" "docker.io/$IMAGE" app2 true
	[[ $status -ne 0 ]] || fail "app2 ran: $output"
	assert_contains "OCI runtime create failed: linux.namespaces[4]: network namespace /proc/$pid/ns/net: open: No such file or directory"

	# Pinned: the network namespace outlives the sandbox and can be joined (lo
	# still up); its pid namespace, whose init has exited, cannot.
	run -0 ctr_run --rm --with-ns "network:$E/pins/net" "docker.io/$IMAGE" app3 \
		sh -c 'readlink /proc/self/ns/net; ip -o addr show lo'
	[[ ${lines[0]} == "$netns" ]] || fail "not the sandbox's $netns:" "$output"
	assert_contains "127.0.0.1/8"
	run ctr_run --rm --with-ns "network:$E/pins/net" --with-ns "pid:$E/pins/pid" "docker.io/$IMAGE" app4 true
	[[ $status -ne 0 ]] || fail "app4 ran: $output"
	assert_contains "OCI runtime create failed: linux.namespaces[0]: pid namespace $E/pins/pid: its init has exited; no process can enter it any more"
	for n in net pid; do umount "$E/pins/$n"; done

	# ctr run --rm removed the failed containers; no state, cgroup or process
	# of them is left (the leak checks after the test).
	run -0 ctr_ container ls -q
	[[ -z $output ]] || fail "containers left: $output"
}
