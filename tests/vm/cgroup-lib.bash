# Cgroup helpers shared by run-suite (the suite's final leak check) and
# helpers.bash (the per-test check). Plain bash; they fork no process (each
# process start costs 50-200 ms in the VM).

# Parent cgroups a runtime may create and keep while empty: ocirun's default
# parent /ocirun (cgroupsPath unset -> /ocirun/<id>) and /ocirun-tests, where the
# integration helpers put runc's containers. An empty one (no child cgroup, no
# process) left behind is not a leak.
VM_CGROUP_PARENTS=(ocirun ocirun-tests)

# cgroup_dirs: sets the array CGROUP_DIRS to every cgroup below the root.
cgroup_dirs() {
	local -a todo=(/sys/fs/cgroup)
	local d c
	CGROUP_DIRS=()
	while ((${#todo[@]})); do
		d=${todo[-1]}
		unset 'todo[-1]'
		for c in "$d"/*/; do
			[[ -d $c ]] || continue
			c=${c%/}
			CGROUP_DIRS+=("$c")
			todo+=("$c")
		done
	done
}

# vm_tolerated_cgroup DIR: true for an empty kept parent (see above).
vm_tolerated_cgroup() {
	local d=$1 p procs="" kids
	for p in "${VM_CGROUP_PARENTS[@]}"; do
		[[ $d == "/sys/fs/cgroup/$p" ]] || continue
		kids=("$d"/*/)
		[[ -d ${kids[0]} ]] && return 1
		read -r procs <"$d/cgroup.procs" 2>/dev/null || true # EOF: none (bats runs with set -e)
		[[ -z $procs ]]
		return
	done
	return 1
}

# cgroups_new BEFORE...: sets the array CGROUPS_NEW to the cgroups there now
# that are not among the arguments (an earlier CGROUP_DIRS) and are not
# tolerated parents.
cgroups_new() {
	local -A old=()
	local d
	for d in "$@"; do old[$d]=1; done
	cgroup_dirs
	CGROUPS_NEW=()
	for d in "${CGROUP_DIRS[@]}"; do
		[[ -n ${old[$d]:-} ]] && continue
		vm_tolerated_cgroup "$d" || CGROUPS_NEW+=("$d")
	done
}

# remove_cgroup DIR: kills its processes (cgroup.kill) and removes it and its
# children, deepest first.
remove_cgroup() {
	local d=$1 sub
	# only below the root of a cgroup2 hierarchy (i.e. in the VM)
	[[ $d == /sys/fs/cgroup/?* && -e /sys/fs/cgroup/cgroup.controllers ]] || return 1
	[[ -d $d ]] || return 0
	echo 1 >"$d/cgroup.kill" 2>/dev/null || true
	while read -r sub; do
		rmdir "$sub" 2>/dev/null || { sleep 0.2; rmdir "$sub" 2>/dev/null; } || true
	done < <(find "$d" -depth -type d 2>/dev/null)
	[[ ! -d $d ]]
}
