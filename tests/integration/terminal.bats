#!/usr/bin/env bats
# process.terminal: a pty from the container's devpts, seen through a real
# terminal (script(1) gives `ocirun run` one) or through --console-socket.

load helpers

setup() {
	common_setup
	RECVTTY=${BUILD_DIR:-$REPO/build}/tests/tools/recvtty
	update_config '.process.terminal = true | .process.consoleSize = {height: 30, width: 100}'
}
teardown() { common_teardown; }

# in_terminal INPUT COMMAND...: runs COMMAND with a pty as its terminal, typing
# INPUT; sets status and output (what the user sees). When INPUT ends, script(1)
# types one more control character, which the terminal may echo as "^@".
in_terminal() {
	local input=$1
	shift
	local cmd
	printf -v cmd '%q ' "$@"
	run bash -c 'printf "%s" "$1" | script -qec "$2" /dev/null' _ "$input" "$cmd"
}

@test "run in the foreground: the shell's terminal is a pty of the container, sized as configured" {
	set_args sh
	in_terminal $'tty; stty size; echo hi-$((6*7)); exit 3\n' \
		env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run --bundle "$BUNDLE" t1
	[[ $status -eq 3 ]] || fail "exit status $status" "$output"
	assert_contains "/dev/pts/0"
	assert_contains "30 100"
	assert_contains "hi-42"
}

@test "run in the foreground: /dev/console is the same pty; stdio is the pty" {
	set_args sh -c 'stat -c "%t:%T" /dev/console "$(tty)"; readlink /proc/self/fd/0; readlink /proc/self/fd/1'
	in_terminal '' env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run --bundle "$BUNDLE" t2
	[[ $status -eq 0 ]] || fail "exit status $status" "$output"
	local -a l
	mapfile -t l < <(tr -d '\r' <<<"$output" | sed 's/\^@//g')
	[[ ${l[0]} == "${l[1]}" ]] || fail "console and tty differ: $output"
	[[ ${l[0]} == 88:* ]] || fail "not a pts device: ${l[0]}"
	[[ ${l[2]} == /dev/pts/0 && ${l[3]} == /dev/pts/0 ]] || fail "stdio: $output"
}

@test "run in the foreground: output written just before exit is not lost" {
	set_args sh -c 'i=0; while [ $i -lt 2000 ]; do echo "line $i"; i=$((i+1)); done; exit 5'
	in_terminal '' env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run --bundle "$BUNDLE" t3
	[[ $status -eq 5 ]] || fail "exit status $status"
	assert_contains "line 1999"
}

@test "run in the foreground: the caller's terminal settings are restored" {
	set_args true
	local inner
	printf -v inner 'stty -g; env OCIRUN_TEST_MARK=%q %q --root %q run --bundle %q t4; stty -g' \
		"$MARK" "$OCIRUN" "$ROOT" "$BUNDLE"
	run bash -c 'script -qec "$1" /dev/null </dev/null' _ "$inner"
	[[ $status -eq 0 ]] || fail "status $status: $output"
	local -a l
	mapfile -t l < <(tr -d '\r' <<<"$output" | grep -oE '[0-9a-f]+(:[0-9a-f]+){10,}')
	[[ ${#l[@]} -eq 2 && ${l[0]} == "${l[1]}" ]] || fail "terminal settings changed:" "$output"
}

@test "--console-socket: the master arrives with the pts path, and carries the container's output" {
	set_args sh -c 'tty; echo from-the-console'
	"$RECVTTY" "$TEST_DIR/console.sock" "$TEST_DIR/console.name" >"$TEST_DIR/console.out" 2>&1 &
	local recv=$!
	for _ in $(seq 50); do [[ -S $TEST_DIR/console.sock ]] && break; sleep 0.1; done
	create_container cs --console-socket "$TEST_DIR/console.sock"
	ocirun start cs
	wait "$recv"
	[[ $(cat "$TEST_DIR/console.name") == /dev/pts/* ]] || fail "name: $(cat "$TEST_DIR/console.name")"
	run cat "$TEST_DIR/console.out"
	assert_contains "from-the-console"
	assert_contains "/dev/pts/"
	wait_for_status cs stopped
	ocirun delete cs
}

@test "terminal without --console-socket: create and run -d refuse, leaving nothing" {
	run_detached ocirun create --bundle "$BUNDLE" nosock
	expect_error "--console-socket is required" "console-socket"
	run_detached ocirun run -d --bundle "$BUNDLE" nosock2
	expect_error "--console-socket is required" "console-socket"
	assert_nothing_left
}

@test "--console-socket without a terminal is refused" {
	ocirun_only "runc ignores it"
	update_config '.process.terminal = false'
	run_detached ocirun create --console-socket "$TEST_DIR/x.sock" --bundle "$BUNDLE" noterm
	expect_error "--console-socket: given, but process.terminal is false"
	assert_nothing_left
}

@test "run in the foreground: a resize of the caller's terminal reaches the container (SIGWINCH)" {
	command -v tmux >/dev/null || skip "tmux is not installed"
	# Each SIGWINCH records the size (tmux may resize its pane once on its own
	# at start); the container ends once it has seen the size the test sets.
	set_args sh -c 'trap "stty size >/log.new; mv /log.new /log.size" WINCH; echo ready >/log.ready
		while ! grep -qx "45 123" /log.size 2>/dev/null; do sleep 0.1; done; sleep 0.2'
	update_config '.root.readonly = false | del(.process.consoleSize)'
	local sock=$TEST_DIR/tmux.sock cmd
	printf -v cmd 'env OCIRUN_TEST_MARK=%q %q --root %q run --bundle %q winch' "$MARK" "$OCIRUN" "$ROOT" "$BUNDLE"
	tmux -S "$sock" new-session -d -x 80 -y 24 "$cmd"
	wait_for_file "$BUNDLE/rootfs/log.ready"
	tmux -S "$sock" resize-window -x 123 -y 45
	for _ in $(seq 100); do
		grep -qx "45 123" "$BUNDLE/rootfs/log.size" 2>/dev/null && break
		sleep 0.1
	done
	tmux -S "$sock" kill-server 2>/dev/null || true
	run cat "$BUNDLE/rootfs/log.size"
	[[ $output == "45 123" ]] || fail "size seen inside: $output"
	rm -f "$BUNDLE/rootfs/log.size" "$BUNDLE/rootfs/log.ready"
}

@test "the pty is the process's user's and devpts' gid=5 group's (tty), for run and exec, root or not" {
	# Every engine mounts devpts with gid=5: the group of the pty stays tty;
	# only its owner becomes the process's uid (as runc does).
	local u
	for u in 0 1000; do
		update_config '.process.user = {uid: $u, gid: $u}' --argjson u "$u"
		set_args sh -c 'stat -c "owner %u:%g" "$(tty)"'
		in_terminal '' env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" run --bundle "$BUNDLE" "pty$u"
		[[ $status -eq 0 ]] || fail "run as $u: $status $output"
		[[ $output == *"owner $u:5"* ]] || fail "run as $u: $output"
	done
	update_config '.process.terminal = false | .process.user = {uid: 0, gid: 0}'
	set_args sleep 100
	run_container_detached ptyexec
	for u in 0 1000; do
		in_terminal '' env OCIRUN_TEST_MARK="$MARK" "$OCIRUN" --root "$ROOT" exec -t --user "$u:$u" ptyexec \
			sh -c 'stat -c "owner %u:%g" "$(tty)"'
		[[ $status -eq 0 ]] || fail "exec as $u: $status $output"
		[[ $output == *"owner $u:5"* ]] || fail "exec as $u: $output"
	done
	ocirun delete --force ptyexec
}
