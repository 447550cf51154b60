#!/usr/bin/env bash
# Builds the engines' test image by hand: busybox in one layer, no registry,
# no network.
#
# Usage: tests/engines/make-image.sh [--rootfs DIR] OUT.tar [NAME:TAG]
#
# OUT.tar is at once an OCI image layout (oci-layout, index.json, blobs/) and
# a docker-archive (manifest.json naming the same blobs), so that `podman
# load`, `ctr image import` and `docker load` all take it. NAME:TAG defaults to
# ocirun-test/busybox:latest (docker.io/ocirun-test/busybox:latest in full).
# The layer is an uncompressed tar, so its digest is also its diff_id. The
# rootfs is examples/busybox-bundle.sh's (busybox and its applets, /etc/passwd
# with root and user 1000); the image's default command is `sh`. --rootfs DIR
# takes such a rootfs built already (busybox-bundle.sh --rootfs-only), where
# building one costs a minute (the VM under TCG).
#
# Needs bash, coreutils, tar, busybox-static. Deterministic: the same busybox
# gives the same bytes.
set -euo pipefail
exec </dev/null
umask 022

die() {
	echo "make-image: $*" >&2
	exit 1
}
from=""
if [[ ${1:-} == --rootfs ]]; then
	from=${2:?--rootfs needs a directory}
	[[ -e $from/.complete ]] || die "--rootfs $from: not a complete rootfs (no .complete)"
	shift 2
fi
(($# >= 1 && $# <= 2)) || die "usage: make-image.sh [--rootfs DIR] OUT.tar [NAME:TAG]"
out=$1
ref=${2:-ocirun-test/busybox:latest}
name=${ref%:*}
tag=${ref##*:}
[[ $name != "$ref" && -n $tag ]] || die "NAME:TAG expected, got $ref"

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/make-image.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [[ -n $from ]]; then
	mkdir "$tmp/b"
	cp -a "$from" "$tmp/b/rootfs"
else
	bash "$repo/examples/busybox-bundle.sh" --rootfs-only "$tmp/b" >/dev/null
fi
rm -f "$tmp/b/rootfs/.complete"

mkdir -p "$tmp/img/blobs/sha256"
blobs=$tmp/img/blobs/sha256
# blob FILE: moves FILE into blobs/ under its digest; prints "DIGEST SIZE".
blob() {
	local d s
	d=$(sha256sum "$1" | cut -d' ' -f1)
	s=$(stat -c %s "$1")
	mv "$1" "$blobs/$d"
	echo "$d $s"
}

tar -C "$tmp/b/rootfs" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
	--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
	-cf "$tmp/layer.tar" .
read -r layer layer_size < <(blob "$tmp/layer.tar")

cat >"$tmp/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"1970-01-01T00:00:00Z","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":["sh"],"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:$layer"]},"history":[{"created":"1970-01-01T00:00:00Z","created_by":"tests/engines/make-image.sh"}]}
JSON
read -r config config_size < <(blob "$tmp/config.json")

cat >"$tmp/manifest.json" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$layer","size":$layer_size}]}
JSON
read -r manifest manifest_size < <(blob "$tmp/manifest.json")

echo '{"imageLayoutVersion":"1.0.0"}' >"$tmp/img/oci-layout"
cat >"$tmp/img/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest","size":$manifest_size,"annotations":{"io.containerd.image.name":"docker.io/$name:$tag","org.opencontainers.image.ref.name":"$tag"}}]}
JSON
# docker-archive's manifest, over the same blobs.
cat >"$tmp/img/manifest.json" <<JSON
[{"Config":"blobs/sha256/$config","RepoTags":["$name:$tag"],"Layers":["blobs/sha256/$layer"]}]
JSON

tar -C "$tmp/img" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -cf "$tmp/out.tar" .
mv "$tmp/out.tar" "$out"
