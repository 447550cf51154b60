#!/usr/bin/env bats
# The command line: spec, features, config.yaml, --log, --version, --help.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

COMMANDS=(create start run state kill delete list spec features)

@test "spec writes a config.json that run accepts" {
	local b=$TEST_DIR/specbundle
	mkdir "$b"
	run -0 ocirun spec -b "$b"
	[[ -f $b/config.json ]]
	jq -e '.ociVersion and .process and .root.path == "rootfs" and (.mounts | length > 0)' "$b/config.json" >/dev/null
	jq '.process.terminal = false | .process.args = ["sh", "-c", "echo hello from spec; hostname"]' \
		"$b/config.json" >"$b/c" && mv "$b/c" "$b/config.json"
	cp -a "$BUNDLE/rootfs" "$b/rootfs"
	run -0 ocirun run --bundle "$b" fromspec </dev/null
	[[ $(head -1 <<<"$output") == "hello from spec" ]] || fail "$output"
}

@test "spec without -b writes config.json in the current directory" {
	mkdir "$TEST_DIR/here"
	cd "$TEST_DIR/here"
	run -0 ocirun spec
	jq -e .ociVersion config.json >/dev/null
}

@test "spec refuses to overwrite an existing config.json" {
	local before
	before=$(cat "$BUNDLE/config.json")
	run --separate-stderr ocirun spec -b "$BUNDLE"
	expect_error "config.json" "config.json exists"
	[[ $(cat "$BUNDLE/config.json") == "$before" ]]
}

@test "features prints JSON with the OCI versions and namespaces" {
	run -0 ocirun features
	jq -e . <<<"$output" >/dev/null || fail "not JSON: $output"
	[[ $(jq -r .ociVersionMin <<<"$output") =~ ^1\.[0-9]+\.[0-9]+ ]] || fail "$output"
	[[ $(jq -r .ociVersionMax <<<"$output") =~ ^1\.[0-9]+\.[0-9]+ ]] || fail "$output"
	local ns
	for ns in pid network ipc uts mount; do
		jq -e --arg ns "$ns" '.linux.namespaces | index($ns)' <<<"$output" >/dev/null ||
			fail "namespace $ns missing: $(jq -c .linux.namespaces <<<"$output")"
	done
}

@test "features: what engines read to decide what to ask for" {
	ocirun_only "ocirun's features"
	run -0 ocirun features
	[[ $(jq -c '[.linux.mountExtensions.idmap.enabled, .linux.apparmor.enabled, .linux.selinux.enabled, .linux.seccomp.enabled]' <<<"$output") == "[true,true,true,true]" ]] ||
		fail "$(jq -c .linux <<<"$output")"
	local libseccomp
	libseccomp=$(dpkg-query -W -f '${Version}' libseccomp2 2>/dev/null | cut -d- -f1)
	[[ -z $libseccomp || $(jq -r '.annotations["io.github.seccomp.libseccomp.version"]' <<<"$output") == "$libseccomp" ]] ||
		fail "libseccomp version: $(jq -c .annotations <<<"$output"), installed $libseccomp"
}

@test "config.yaml: a bundle with no config.json runs from its YAML config" {
	ocirun_only "YAML configs"
	rm "$BUNDLE/config.json"
	cat >"$BUNDLE/config.yaml" <<-EOF
		ociVersion: 1.0.2
		process:
		  terminal: false
		  user:
		    uid: 0
		    gid: 0
		  args:
		    - sh
		    - -c
		    - echo "yaml says hi from \$(hostname)"
		  env:
		    - PATH=/bin
		    - OCIRUN_TEST_MARK=$MARK
		  cwd: /
		root:
		  path: rootfs
		hostname: yamlbox
		mounts:
		  - destination: /proc
		    type: proc
		    source: proc
		linux:
		  namespaces:
		    - type: pid
		    - type: mount
		    - type: uts
	EOF
	run -0 ocirun run --bundle "$BUNDLE" yaml </dev/null
	[[ $output == "yaml says hi from yamlbox" ]] || fail "$output"
}

@test "config.json wins over config.yaml when both exist" {
	ocirun_only "YAML configs"
	set_args echo from-json
	printf 'ociVersion: 1.0.2\nprocess:\n  args: [echo, from-yaml]\n  cwd: /\nroot:\n  path: rootfs\n' >"$BUNDLE/config.yaml"
	run -0 ocirun run --bundle "$BUNDLE" both </dev/null
	[[ $output == from-json ]] || fail "$output"
}

@test "--log FILE --log-format json: errors are logged as JSON" {
	local log=$TEST_DIR/log.json
	run --separate-stderr ocirun --log "$log" --log-format json state ghost
	[[ $status -ne 0 ]]
	[[ -s $log ]] || fail "log file empty"
	local line
	line=$(jq -c 'select(.level == "error")' "$log") || fail "log is not JSON lines: $(cat "$log")"
	[[ -n $line ]] || fail "no error entry: $(cat "$log")"
	[[ $(jq -r .msg <<<"$line") == *"does not exist"* ]] || fail "$line"
	jq -e '.time' <<<"$line" >/dev/null || fail "no time: $line"
}

@test "--log FILE: text format" {
	local log=$TEST_DIR/log.txt
	run ocirun --log "$log" state ghost
	[[ $status -ne 0 ]]
	grep -q 'level=error' "$log" || fail "$(cat "$log")"
	grep -q 'does not exist' "$log" || fail "$(cat "$log")"
}

@test "--log: a warning of the container's setup reaches the caller's log, not the container's stderr" {
	ocirun_only "ocirun's warning"
	# The init warns that linux.personality.flags are ignored; it runs with
	# its fds closed and its stderr the container's: the warning goes to the
	# runtime over the sync socket.
	local log=$TEST_DIR/log.json
	update_config '.linux.personality = {domain: "LINUX", flags: ["ADDR_NO_RANDOMIZE"]}'
	set_args true
	run --separate-stderr ocirun --log "$log" --log-format json run --bundle "$BUNDLE" warned </dev/null
	[[ $status -eq 0 ]] || fail "run: $status $stderr"
	[[ -n $(jq -c 'select(.level == "warning" and (.msg | contains("linux.personality.flags: not supported")))' \
		"$log") ]] || fail "not in --log: $(cat "$log")"
	[[ $stderr == *"ocirun: warning: "*"linux.personality.flags"* ]] || fail "stderr: $stderr"
	# and with create, whose init's stderr is the container's own
	run_detached ocirun --log "$log.2" --log-format json create --bundle "$BUNDLE" warned2
	[[ $status -eq 0 ]] || fail "create: $stderr"
	[[ -n $(jq -c 'select(.level == "warning")' "$log.2") ]] || fail "create: not in --log: $(cat "$log.2" 2>&1)"
	ocirun delete --force warned2
}

@test "--version prints a version" {
	run -0 ocirun --version
	[[ $output =~ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "$output"
	if ! is_runc; then
		[[ $(head -1 <<<"$output") == "ocirun version "* ]] || fail "$output"
		local v
		v=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$REPO/meson.build" | head -1)
		[[ $output == *"$v"* ]] || fail "version $v not in: $output"
	fi
}

@test "--help lists the commands" {
	run -0 ocirun --help
	local c
	for c in "${COMMANDS[@]}"; do
		grep -qw -- "$c" <<<"$output" || fail "command $c not in --help:" "$output"
	done
}

@test "COMMAND --help works for every command" {
	local c
	for c in "${COMMANDS[@]}"; do
		run ocirun "$c" --help
		[[ $status -eq 0 ]] || fail "$c --help: status $status" "$output"
		grep -qw -- "$c" <<<"$output" || fail "$c --help does not name the command:" "$output"
	done
	assert_nothing_left
}

@test "the state dir is created on demand" {
	[[ ! -e $ROOT ]]
	run -0 ocirun list -q
	set_args true
	run_container -0 ondemand
	[[ -d $ROOT ]]
}
