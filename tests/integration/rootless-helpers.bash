# Rootless mode's test helpers (tests/integration/rootless.bats, and the
# rootless attacks of security.bats): a real unprivileged user
# (tests/tools/rootless-user.sh) runs ocirun on a bundle of its own with the
# config of `ocirun spec --rootless`. A file does
#
#     setup_file()    { rootless_setup_file; }      # the user, a binary it can reach
#     teardown_file() { rootless_teardown_file; }
#     setup()         { common_setup; rootless_setup; }
#     teardown()      { rootless_teardown; common_teardown; }
#
# and gets RL_USER, RL_UID, RL_GID; OCIRUN (the copy in RL_BIN, root's, 0755);
# RL_DIR (the user's, in /tmp), BUNDLE moved there, XDG its runtime dir, ROOT
# = $XDG/ocirun; as_user, rl and rl_config below.

rootless_setup_file() {
	RL_USER=$(bash "$REPO/tests/tools/rootless-user.sh")
	# The user must reach the binary: a copy outside the checkout, which may
	# be in a directory only root can enter (/root/...).
	RL_BIN=$(mktemp -d /tmp/ocirun-rootless-bin.XXXXXX)
	chmod 755 "$RL_BIN"
	cp "$OCIRUN" "$RL_BIN/ocirun"
	chmod 755 "$RL_BIN/ocirun"
	export RL_USER RL_BIN
}

rootless_teardown_file() {
	[[ -z ${RL_BIN:-} ]] || rm -rf "$RL_BIN"
}

rootless_setup() {
	RL_UID=$(id -u "$RL_USER")
	RL_GID=$(id -g "$RL_USER")
	OCIRUN=$RL_BIN/ocirun
	# The user's, in /tmp (the checkout may be out of its reach): the bundle,
	# and an XDG_RUNTIME_DIR as logind makes one (0700).
	RL_DIR=$(mktemp -d /tmp/ocirun-rootless.XXXXXX)
	chmod 755 "$RL_DIR"
	mv "$BUNDLE" "$RL_DIR/bundle"
	BUNDLE=$RL_DIR/bundle
	XDG=$RL_DIR/xdg
	mkdir -m 700 "$XDG"
	mkdir -m 777 "$RL_DIR/san"
	ROOT=$XDG/ocirun # where the user's state must go, unasked
	rm "$BUNDLE/config.json"
	chown -R "$RL_UID:$RL_GID" "$BUNDLE" "$XDG"
	(cd "$BUNDLE" && as_user "$OCIRUN" spec --rootless)
	rl_config '.process.terminal = false | .process.env += ["OCIRUN_TEST_MARK=" + $m]
		| .process.args = ["sh", "-c", "id -u"]' --arg m "$MARK"
}

rootless_teardown() {
	local id
	for id in $(as_user "$OCIRUN" list -q 2>/dev/null); do
		as_user "$OCIRUN" delete --force "$id" >/dev/null 2>&1 || true
	done
	[[ -z ${RL_CGROUP:-} ]] || rmdir "$RL_CGROUP"/* "$RL_CGROUP" 2>/dev/null || true
	local rc=0
	if [[ -n ${RL_DIR:-} ]]; then
		[[ ! -d $ROOT || -z $(ls -A "$ROOT") ]] || { echo "LEAK: state left in $ROOT: $(ls -A "$ROOT")" >&2; rc=1; }
		[[ -z $(mounts_under "$RL_DIR") ]] || { echo "LEAK: mounts under $RL_DIR" >&2; rc=1; }
		if compgen -G "$RL_DIR/san/*" >/dev/null; then
			echo "sanitizer reports of the user's ocirun:" >&2
			cat "$RL_DIR"/san/* >&2
			rc=1
		fi
		rm -rf "$RL_DIR"
	fi
	return $rc
}

# as_user CMD...: CMD as the unprivileged user, with a clean environment
# (XDG_RUNTIME_DIR the test's, the test's mark for the leak check). Under
# the sanitizer lane its reports go where the user may write (RL_DIR/san),
# and teardown fails the test on any.
as_user() {
	local -a san=()
	[[ -z ${ASAN_OPTIONS:-} ]] || san+=("ASAN_OPTIONS=$(sed "s|log_path=[^:]*|log_path=$RL_DIR/san/asan|" <<<"$ASAN_OPTIONS")")
	[[ -z ${UBSAN_OPTIONS:-} ]] || san+=("UBSAN_OPTIONS=$(sed "s|log_path=[^:]*|log_path=$RL_DIR/san/ubsan|" <<<"$UBSAN_OPTIONS")")
	setpriv --reuid "$RL_UID" --regid "$RL_GID" --clear-groups \
		env -i PATH="$PATH" HOME=/ XDG_RUNTIME_DIR="$XDG" OCIRUN_TEST_MARK="$MARK" "${san[@]}" "$@"
}

# rl ARGS...: ocirun as the user, with no --root (its default is the point).
rl() { as_user "$OCIRUN" "$@"; }

# rl_config JQ [JQ ARGS...]: edits the bundle's config (kept the user's).
rl_config() {
	local f=$1
	shift
	jq "$@" "$f" "$BUNDLE/config.json" >"$BUNDLE/config.json.new"
	chown "$RL_UID:$RL_GID" "$BUNDLE/config.json.new"
	mv "$BUNDLE/config.json.new" "$BUNDLE/config.json"
}

