#!/usr/bin/env bats
# Mounts as the config asks for them: recursive attributes (rro, ...), tmpcopyup,
# idmapped binds, cgroup, masked and read-only paths, and hostile rootfs layouts
# that try to send a mount outside the root. Checked from inside the container,
# and on the host for what must not have happened.

load helpers

HOST_MNTS=()

setup() { common_setup; }
teardown() {
	local m
	for m in "${HOST_MNTS[@]}"; do umount -l "$m" 2>/dev/null || true; done
	common_teardown
}

# mount options (field 6 of mountinfo) of the mount at $1 in $output
mount_opts() {
	awk -v p="$1" '$5 == p { o = $6 } END { print o }' <<<"$output"
}

# fs type of the mount at $1 in $output
mount_type() {
	awk -v p="$1" '$5 == p { for (i = 7; i < NF && $i != "-"; i++); t = $(i + 1) } END { print t }' <<<"$output"
}

has_opt() { # has_opt OPTS WORD
	[[ ,$1, == *,$2,* ]]
}

@test "rro, rnoexec: every submount of an rbind is read-only and noexec" {
	mkdir -p "$TEST_DIR/src/sub"
	mount -t tmpfs -o size=1m tmpfs "$TEST_DIR/src/sub"
	HOST_MNTS+=("$TEST_DIR/src/sub")
	add_bind "$TEST_DIR/src" /data '["rbind","rro","rnoexec"]'
	add_bind "$TEST_DIR/src" /plain '["rbind","ro"]'
	set_args sh -c 'cat /proc/self/mountinfo; echo ===
		touch /data/x 2>&1; touch /data/sub/x 2>&1; touch /plain/sub/y 2>&1 && echo plain-sub-rw'
	run_container -0 rro
	local mi=${output%%===*} rest=${output#*===}
	output=$mi
	local p
	for p in /data /data/sub; do
		has_opt "$(mount_opts $p)" ro || fail "$p not ro: $(mount_opts $p)" "$mi"
		has_opt "$(mount_opts $p)" noexec || fail "$p not noexec: $(mount_opts $p)"
	done
	# plain "ro" makes only the top read-only (what rro is for)
	has_opt "$(mount_opts /plain)" ro || fail "/plain not ro"
	has_opt "$(mount_opts /plain/sub)" rw || fail "/plain/sub not rw: $(mount_opts /plain/sub)"
	[[ $rest == *"touch: /data/x: Read-only file system"* ]] || fail "$rest"
	[[ $rest == *"touch: /data/sub/x: Read-only file system"* ]] || fail "$rest"
	[[ $rest == *plain-sub-rw* ]] || fail "$rest"
	umount "$TEST_DIR/src/sub"
	HOST_MNTS=()
}

@test "rnosuid, rnodev, rnosymfollow, rnoatime on a tmpfs" {
	update_config '.mounts += [{destination: "/t", type: "tmpfs", source: "tmpfs",
		options: ["rnosuid", "rnodev", "rnosymfollow", "rnoatime"]}]'
	set_args cat /proc/self/mountinfo
	run_container -0 rattrs
	local o
	o=$(mount_opts /t)
	for w in nosuid nodev nosymfollow noatime; do
		has_opt "$o" $w || fail "/t lacks $w: $o"
	done
}

@test "tmpcopyup: a tmpfs over a directory of a read-only root holds its content, writable" {
	local r=$BUNDLE/rootfs
	mkdir -p "$r/data/d"
	echo hello >"$r/data/f"
	ln -s f "$r/data/l"
	echo deep >"$r/data/d/g"
	chown 1000:1000 "$r/data/d" "$r/data/d/g"
	chmod 0705 "$r/data/d"
	chmod 0640 "$r/data/f"
	chmod 0711 "$r/data"
	update_config '.root.readonly = true
		| .mounts += [{destination: "/data", type: "tmpfs", source: "tmpfs",
			options: ["nosuid", "nodev", "tmpcopyup"]}]'
	set_args sh -c 'grep " /data " /proc/self/mountinfo; cat /data/f /data/d/g; readlink /data/l
		stat -c "%n %u %g %a" /data /data/d /data/d/g /data/f
		echo new >/data/new && cat /data/new; touch /x 2>&1; true'
	run_container -0 tcu
	[[ $output == *" - tmpfs "* ]] || fail "/data not a tmpfs: $output"
	assert_line hello
	assert_line deep
	assert_line f
	assert_line "/data 0 0 711"
	assert_line "/data/d 1000 1000 705"
	assert_line "/data/d/g 1000 1000 644"
	assert_line "/data/f 0 0 640"
	assert_line new
	assert_contains "touch: /x: Read-only file system"
	# the copy went to the tmpfs, not to the rootfs
	[[ ! -e $r/data/new ]]
}

@test "idmap: a host dir owned by 1000 shows as owned by 0 through the mount" {
	mkdir -p "$TEST_DIR/ids/sub"
	touch "$TEST_DIR/ids/f"
	chown -R 1000:1000 "$TEST_DIR/ids"
	update_config '.mounts += [{destination: "/ids", type: "bind", source: $s,
			options: ["rbind", "idmap"],
			uidMappings: [{containerID: 1000, hostID: 0, size: 1}],
			gidMappings: [{containerID: 1000, hostID: 0, size: 1}]},
		{destination: "/plain", type: "bind", source: $s, options: ["rbind"]}]' --arg s "$TEST_DIR/ids"
	set_args sh -c 'stat -c "%n %u %g" /ids /ids/f /ids/sub /plain/f; touch /ids/new && stat -c "%n %u" /ids/new'
	run_container -0 idm
	assert_line "/ids 0 0"
	assert_line "/ids/f 0 0"
	assert_line "/ids/sub 0 0"
	assert_line "/plain/f 1000 1000"
	assert_line "/ids/new 0"
	# written through the mapping: owned by 1000 on the host
	[[ $(stat -c %u "$TEST_DIR/ids/new") == 1000 ]]
}

@test "idmap in a container with a user namespace: the runtime maps the tree, the container sees its root" {
	# The container's root is host uid 100000; the dir is owned by 1000 on disk.
	chmod 755 "$TEST_DIR"
	mkdir -p "$TEST_DIR/ids"
	touch "$TEST_DIR/ids/f"
	chown -R 1000:1000 "$TEST_DIR/ids"
	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .mounts += [{destination: "/root", type: "bind", source: $s, options: ["rbind", "idmap"],
			uidMappings: [{containerID: 1000, hostID: 100000, size: 1}],
			gidMappings: [{containerID: 1000, hostID: 100000, size: 1}]}]' --arg s "$TEST_DIR/ids"
	# /root exists in the image: the container's root cannot create mount points there.
	set_args sh -c 'stat -c "%n %u %g" /root/f; touch /root/new && stat -c "%n %u" /root/new'
	run_container -0 idm-userns
	assert_line "/root/f 0 0"
	assert_line "/root/new 0"
	[[ $(stat -c %u "$TEST_DIR/ids/new") == 1000 ]] || fail "on disk: $(stat -c %u "$TEST_DIR/ids/new")"
}

@test "idmap in a user namespace joined by path is refused, naming the mount" {
	ocirun_only "ocirun's limitation"
	update_config '.linux.namespaces += [{type: "user", path: "/proc/self/ns/user"}]
		| .mounts += [{destination: "/ids", type: "bind", source: "/tmp", options: ["bind", "idmap"],
			uidMappings: [{containerID: 0, hostID: 100000, size: 1}],
			gidMappings: [{containerID: 0, hostID: 100000, size: 1}]}]'
	run_container --separate-stderr idm-joined
	expect_error "mounts[6]"
	assert_nothing_left
}

@test "cgroup: mounted as cgroup2 read-only; in a user namespace, the host's bound instead" {
	chmod 755 "$TEST_DIR"
	update_config '.mounts += [{destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
		options: ["nosuid", "noexec", "nodev", "relatime", "ro"]}]'
	set_args cat /proc/self/mountinfo
	run_container -0 cg
	[[ $(mount_type /sys/fs/cgroup) == cgroup2 ]] || fail "not cgroup2:" "$output"
	has_opt "$(mount_opts /sys/fs/cgroup)" ro || fail "not ro: $(mount_opts /sys/fs/cgroup)"

	update_config '.linux.namespaces += [{type: "user"}]
		| .linux.uidMappings = [{containerID: 0, hostID: 100000, size: 65536}]
		| .linux.gidMappings = [{containerID: 0, hostID: 100000, size: 65536}]'
	run_container -0 cg-userns
	[[ $(mount_type /sys/fs/cgroup) == cgroup2 ]] || fail "userns: not cgroup2:" "$output"
	has_opt "$(mount_opts /sys/fs/cgroup)" ro || fail "userns: not ro: $(mount_opts /sys/fs/cgroup)"
	# no v1 hierarchy shows up
	[[ $output != *" - cgroup "* ]] || fail "a cgroup v1 mount:" "$output"
}

# --- hostile layouts: symlinks and ".." must not lead a mount out of the root.

@test "hostile rootfs: a symlink to /etc leads the tmpfs to the container's /etc, not the host's" {
	local name=ocirun-evil-$MARK
	ln -s /etc "$BUNDLE/rootfs/evil"
	update_config '.mounts += [{destination: ("/evil/" + $n), type: "tmpfs", source: "tmpfs", options: []}]' --arg n "$name"
	set_args cat /proc/self/mountinfo
	run_container -0 evil
	[[ $(mount_type "/etc/$name") == tmpfs ]] || fail "no tmpfs at /etc/$name inside:" "$output"
	[[ ! -e /etc/$name ]] || fail "created on the host: /etc/$name"
	[[ -z $(mounts_under "/etc/$name") ]] || fail "mounted on the host"
	[[ -d $BUNDLE/rootfs/etc/$name ]] || fail "not created in the rootfs"
}

@test "hostile rootfs: ../../.. in a symlink stays in the root" {
	local name=ocirun-up-$MARK
	mkdir -p "$TEST_DIR/src"
	touch "$TEST_DIR/src/marker"
	ln -s ../../../.. "$BUNDLE/rootfs/up"
	add_bind "$TEST_DIR/src" "/up/tmp/$name"
	set_args sh -c "cat /proc/self/mountinfo; ls /tmp/$name"
	run_container -0 up
	[[ -n $(mount_type "/tmp/$name") ]] || fail "no mount at /tmp/$name:" "$output"
	assert_line marker
	[[ ! -e /tmp/$name ]] || fail "created on the host: /tmp/$name"
	[[ -d $BUNDLE/rootfs/tmp/$name ]] || fail "not created in the rootfs"
}

@test "hostile rootfs: a destination with .. components stays in the root" {
	local name=ocirun-dotdot-$MARK
	update_config '.mounts += [{destination: ("/tmp/../../../../etc/" + $n), type: "tmpfs", source: "tmpfs", options: []}]' --arg n "$name"
	set_args cat /proc/self/mountinfo
	run_container -0 dotdot
	[[ $(mount_type "/etc/$name") == tmpfs ]] || fail "no tmpfs at /etc/$name inside:" "$output"
	[[ ! -e /etc/$name ]] || fail "created on the host: /etc/$name"
	[[ -d $BUNDLE/rootfs/etc/$name ]] || fail "not created in the rootfs"
}

# --- maskedPaths and readonlyPaths

@test "maskedPaths: a masked file reads empty, a masked dir is an empty read-only tmpfs" {
	local r=$BUNDLE/rootfs
	echo s3cret >"$r/etc/secret"
	mkdir -p "$r/secretdir"
	echo s3cret >"$r/secretdir/f"
	update_config '.linux.maskedPaths += ["/etc/secret", "/secretdir", "/no/such/path"]'
	set_args sh -c 'cat /proc/self/mountinfo; echo ===; echo "[$(cat /etc/secret)]"; ls -A /secretdir | wc -l
		touch /secretdir/x 2>&1; cat /proc/kcore | wc -c'
	run_container -0 mask
	local mi=${output%%===*} rest=${output#*===}
	[[ $rest == *"[]"* ]] || fail "masked file not empty: $rest"
	[[ $(sed -n 3p <<<"$rest") == 0 ]] || fail "masked dir not empty: $rest"
	[[ $rest == *"touch: /secretdir/x: Read-only file system"* ]] || fail "$rest"
	output=$mi
	[[ $(mount_type /secretdir) == tmpfs ]] || fail "/secretdir not a tmpfs:" "$mi"
	has_opt "$(mount_opts /secretdir)" ro || fail "/secretdir not ro"
	[[ $(mount_type /etc/secret) == devtmpfs || $(mount_type /etc/secret) == tmpfs ]] || fail "/etc/secret: $(mount_type /etc/secret)"
	[[ $(cat "$r/etc/secret") == s3cret ]]
}

@test "maskedPaths: a symlink in the path is resolved in the root, not on the host" {
	local r=$BUNDLE/rootfs
	ln -s /etc "$r/evil"
	echo mine >"$r/etc/own"
	update_config '.linux.maskedPaths += ["/evil/own"]'
	set_args sh -c 'echo "[$(cat /etc/own)]"'
	run_container -0 mask-link
	[[ $output == "[]" ]] || fail "the root's /etc/own not masked: $output"
}

@test "readonlyPaths: writes fail with EROFS, mountinfo shows ro" {
	mkdir -p "$BUNDLE/rootfs/data/sub"
	update_config '.linux.readonlyPaths += ["/data"]'
	set_args sh -c 'cat /proc/self/mountinfo; echo ===; touch /data/x 2>&1; touch /data/sub/y 2>&1
		echo 1 >/proc/sys/kernel/ns_last_pid 2>&1; touch /z && echo root-rw'
	run_container -0 rop
	local mi=${output%%===*} rest=${output#*===}
	[[ $rest == *"touch: /data/x: Read-only file system"* ]] || fail "$rest"
	[[ $rest == *"touch: /data/sub/y: Read-only file system"* ]] || fail "$rest"
	[[ $rest == *"Read-only file system"*"Read-only file system"*"Read-only file system"* ]] || fail "/proc/sys writable: $rest"
	[[ $rest == *root-rw* ]] || fail "$rest"
	output=$mi
	has_opt "$(mount_opts /data)" ro || fail "/data not ro:" "$mi"
	has_opt "$(mount_opts /proc/sys)" ro || fail "/proc/sys not ro:" "$mi"
}
