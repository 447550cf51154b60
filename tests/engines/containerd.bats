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
	engine_teardown
}

# ctr on this file's daemon and namespace.
ctr_() { timeout 60 ctr --address "$E/containerd/containerd.sock" -n "$NS" "$@"; }
# ctr run on ocirun; never with stdin piped (ctr would wait on it).
ctr_run() { ctr_ run --runc-binary "$OCIRUN" --runc-root "$E/ocirun" --fifo-dir "$E/fifo" "$@" </dev/null; }

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
