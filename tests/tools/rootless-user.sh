#!/usr/bin/env bash
# Makes the unprivileged user the rootless tests run as (tests/run calls it,
# and tests/integration/rootless.bats when run alone): ocirun-rootless, with
# a home and subordinate id ranges in /etc/subuid and /etc/subgid (65536 ids
# each, as useradd gives a new user), for newuidmap/newgidmap. Idempotent;
# prints the user's name. Needs root.
set -euo pipefail
user=${OCIRUN_ROOTLESS_USER:-ocirun-rootless}
if ! id -u "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/sh "$user"
fi
for f in /etc/subuid /etc/subgid; do
	touch "$f"
	if ! grep -q "^$user:" "$f"; then
		# The first 65536 ids above every range given out already (and 100000).
		start=$(awk -F: 'BEGIN { s = 100000 } { e = $2 + $3; if (e > s) s = e } END { print s }' "$f")
		echo "$user:$start:65536" >>"$f"
	fi
done
echo "$user"
