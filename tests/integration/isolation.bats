#!/usr/bin/env bats
# What the container sees of the machine: its hostname, its mounts, its root,
# its network.  Checked from inside the container.

load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "hostname: the container has the configured hostname, the host keeps its own" {
	local host_before
	host_before=$(hostname)
	update_config '.hostname = "box-1"'
	set_args hostname
	run_container -0 hn
	[[ $output == box-1 ]] || fail "hostname: $output"
	[[ $(hostname) == "$host_before" ]]
}

@test "domainname: the container has the configured NIS domain name" {
	# runc 1.1 ignores "domainname" (runc supports it from 1.2)
	ocirun_only "domainname"
	local host_before
	host_before=$(cat /proc/sys/kernel/domainname)
	update_config '.domainname = "example.org"'
	set_args cat /proc/sys/kernel/domainname
	run_container -0 dn
	[[ $output == example.org ]] || fail "domainname: $output"
	[[ $(cat /proc/sys/kernel/domainname) == "$host_before" ]]
}

@test "mountinfo: the rootfs is / and the configured mounts are there" {
	set_args cat /proc/self/mountinfo
	run_container -0 mi
	local mi=$output
	# mount point (field 5) and fs type (after " - ")
	local pairs
	pairs=$(awk '{ for (i = 7; i < NF && $i != "-"; i++); print $5, $(i + 1) }' <<<"$mi")
	local want
	for want in "/proc proc" "/dev tmpfs" "/dev/pts devpts" "/dev/shm tmpfs" "/dev/mqueue mqueue" "/sys sysfs"; do
		grep -qxF "$want" <<<"$pairs" || fail "no mount '$want' in:" "$mi"
	done
	# exactly one /, and it is the first line (the root of the mount tree)
	[[ $(awk '$5 == "/"' <<<"$mi" | wc -l) -eq 1 ]] || fail "/ is not mounted once:" "$mi"
	[[ $(head -1 <<<"$mi" | awk '{print $5}') == / ]] || fail "first mount is not /:" "$mi"
	# /sys is read-only
	awk '$5 == "/sys" { print $6 }' <<<"$mi" | grep -q '^ro' || fail "/sys not ro:" "$mi"
	# nothing of the host: no mount point of the host's tree is visible
	local p
	while read -r p; do
		case $p in
		/ | /proc | /proc/* | /dev | /dev/* | /sys | /sys/*) ;;
		*) fail "unexpected mount point $p:" "$mi" ;;
		esac
	done < <(awk '{print $5}' <<<"$mi")
	# (field 4 of the / line is the rootfs' path in its host filesystem: that
	# one is the kernel's business; no mount point names a host path)
	awk '{print $5}' <<<"$mi" | grep -qF "$WORK" && fail "host path visible:" "$mi"
	true
}

@test "mounts: the host's filesystem is not reachable from the container" {
	touch "$TEST_DIR/host-only-file"
	set_args sh -c 'ls /; find / -xdev -name host-only-file 2>/dev/null; ls /work 2>&1; true'
	run_container -0 reach
	[[ $output != *host-only-file* ]] || fail "$output"
	[[ $output == *"/work: No such file or directory"* ]] || fail "$output"
}

@test "root.readonly: the root filesystem cannot be written" {
	update_config '.root.readonly = true'
	set_args touch /x
	run_container -1 ro
	[[ $output == *"Read-only file system"* ]] || fail "touch: $output"
	[[ ! -e $BUNDLE/rootfs/x ]]
	# the tmpfs mounts are still writable
	set_args touch /dev/shm/x
	run_container -0 ro-shm
}

@test "root.readonly false: the root filesystem is writable" {
	set_args sh -c 'echo data > /written && cat /written'
	run_container -0 rw
	[[ $output == data ]]
	[[ $(cat "$BUNDLE/rootfs/written") == data ]]
}

@test "bind mount with ro is read-only inside, and shows the host's files" {
	mkdir "$TEST_DIR/data"
	echo from-host >"$TEST_DIR/data/file"
	add_bind "$TEST_DIR/data" /data '["rbind", "ro"]'
	set_args sh -c 'cat /data/file; touch /data/new'
	run_container -1 bindro
	assert_line from-host
	[[ $output == *"Read-only file system"* ]] || fail "$output"
	[[ ! -e $TEST_DIR/data/new ]]
	# still writable on the host
	touch "$TEST_DIR/data/host-can-write"
}

@test "bind mount rw: writes inside land in the host directory" {
	mkdir "$TEST_DIR/data"
	add_bind "$TEST_DIR/data" /data
	set_args sh -c 'echo from-container > /data/file'
	run_container -0 bindrw
	[[ $(cat "$TEST_DIR/data/file") == from-container ]]
}

@test "bind mount of a single file" {
	echo file-content >"$TEST_DIR/hostfile"
	update_config '.mounts += [{destination: "/etc/hostfile", type: "bind", source: $s, options: ["bind", "ro"]}]' \
		--arg s "$TEST_DIR/hostfile"
	set_args cat /etc/hostfile
	run_container -0 bindfile
	[[ $output == file-content ]]
}

@test "tmpfs mount at a new mount point" {
	update_config '.mounts += [{destination: "/scratch", type: "tmpfs", source: "tmpfs", options: ["size=1m", "mode=700"]}]'
	set_args sh -c 'stat -c %a /scratch; awk "\$5 == \"/scratch\" { print \$9 }" /proc/self/mountinfo'
	run_container -0 tmpfs
	[[ $output == $'700\ntmpfs' ]] || fail "$output"
}

@test "maskedPaths and readonlyPaths" {
	set_args sh -c 'wc -c < /proc/timer_list; ls /sys/firmware | wc -l; echo x > /proc/sys/kernel/hostname'
	run_container -1 masked
	[[ $(sed -n 1p <<<"$output") == 0 ]] || fail "$output"
	[[ $(sed -n 2p <<<"$output") == 0 ]] || fail "$output"
	[[ $output == *"Read-only file system"* ]] || fail "$output"
}

@test "network namespace: only a loopback interface" {
	set_args ls /sys/class/net
	run_container -0 net
	[[ $output == lo ]] || fail "interfaces: $output"
}

@test "ipc namespace: the host's System V objects are not visible" {
	set_args cat /proc/sysvipc/shm
	run_container -0 ipc
	[[ $(wc -l <<<"$output") -eq 1 ]] || fail "$output"
}

@test "devices: the standard device nodes exist in /dev" {
	set_args sh -c 'for d in null zero full random urandom tty; do [ -c /dev/$d ] && echo $d; done; echo hi > /dev/null; head -c 4 /dev/zero | wc -c'
	run_container -0 dev
	[[ $output == $'null\nzero\nfull\nrandom\nurandom\ntty\n4' ]] || fail "$output"
}

@test "no pid namespace in the config: the container shares the host's" {
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'echo $$'
	run_container -0 nopidns
	[[ $output -gt 1 ]]
}
