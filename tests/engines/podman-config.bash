# podman_config DIR CGROUP_MANAGER [LINE...]: the configuration of a podman
# that runs its containers on $OCIRUN, kept apart from the host's: writes
# DIR/containers.conf and DIR/storage.conf (vfs storage, state, events and
# volumes in DIR; no network; k8s-file logs; JSON errors from the runtime)
# and exports CONTAINERS_CONF and CONTAINERS_STORAGE_CONF. CGROUP_MANAGER is
# podman's cgroup_manager ("cgroupfs" or "systemd"); each LINE goes into
# [containers] as it is. Used by tests/engines/podman.bats and, in the VM,
# tests/vm/systemd.bats.
podman_config() {
	local dir=$1 manager=$2 line
	shift 2
	mkdir -p "$dir"
	{
		echo "[containers]"
		for line in "$@"; do echo "$line"; done
		cat <<-EOF2
			netns = "none"
			log_driver = "k8s-file"
			[engine]
			cgroup_manager = "$manager"
			events_logger = "file"
			events_logfile_path = "$dir/events.log"
			runtime = "ocirun"
			runtime_supports_json = ["ocirun"]
			tmp_dir = "$dir/tmp"
			volume_path = "$dir/volumes"
			[engine.runtimes]
			ocirun = ["$OCIRUN"]
		EOF2
	} >"$dir/containers.conf"
	cat >"$dir/storage.conf" <<-EOF2
		[storage]
		driver = "vfs"
		runroot = "$dir/runroot"
		graphroot = "$dir/graphroot"
	EOF2
	export CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf
}
