#!/bin/sh
# Resolves moby's seccomp profile (github.com/moby/profiles/seccomp default.json)
# into the linux.seccomp docker puts in a default container's config.json, the
# way moby's setupSeccomp (profiles/seccomp/seccomp_linux.go) does it for:
#   - GOARCH amd64: archMap's SCMP_ARCH_X86_64 entry gives the architectures
#     (SCMP_ARCH_X86_64, then its subArchitectures SCMP_ARCH_X86, SCMP_ARCH_X32);
#     includes/excludes.arches are matched against "amd64";
#   - docker's default capability set (daemon/pkg/oci/caps/defaults.go) as the
#     bounding set that includes/excludes.caps are matched against (an entry is
#     kept when it has all its included caps and none of its excluded ones);
#   - a host kernel of $KERNEL (default 6.1, Debian 12) for includes/excludes
#     .minKernel (docker reads the running kernel's version).
# A "name" becomes "names"; comment, includes and excludes go; fields Go would
# leave out (null errnoRet/args, zero valueTwo) are left out.
#
# Usage: make-docker-default.sh default.json > docker-default.json
# e.g.   git -C moby show HEAD:vendor/github.com/moby/profiles/seccomp/default.json \
#          | sh make-docker-default.sh /dev/stdin > docker-default.json
set -eu

caps='["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW",
"CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT",
"CAP_KILL","CAP_AUDIT_WRITE"]'

exec jq --arg arch amd64 --arg seccomp_arch SCMP_ARCH_X86_64 --arg kernel "${KERNEL:-6.1}" \
  --argjson caps "$caps" '
  # "4.8" or "6.1.0-13-amd64" -> [major, minor], compared as docker does.
  def version: [splits("[.-]")] | .[0:2] | map(tonumber);
  def kernel_at_least($v): ($kernel | version) >= ($v | version);
  def has($x): . as $list | any($list[]; . == $x);

  def excluded:
    .excludes as $e
    | $e != null and (
        (($e.arches // []) | has($arch))
        or any(($e.caps // [])[]; . as $c | $caps | has($c))
        or ($e.minKernel != null and kernel_at_least($e.minKernel)));
  def included:
    .includes as $i
    | $i == null or (
        ((($i.arches // []) | length) == 0 or (($i.arches // []) | has($arch)))
        and all(($i.caps // [])[]; . as $c | $caps | has($c))
        and ($i.minKernel == null or kernel_at_least($i.minKernel)));

  def arg: {index, value} + (if (.valueTwo // 0) != 0 then {valueTwo} else {} end) + {op};
  def syscall:
    {names: (if .name then [.name] else .names end), action}
    + (if .errnoRet != null then {errnoRet} else {} end)
    + (if (.args // []) | length > 0 then {args: (.args | map(arg))} else {} end);

  . as $p
  | ([$p.archMap // [] | .[] | select(.architecture == $seccomp_arch)] | first) as $m
  | {defaultAction: $p.defaultAction}
    + (if $p.defaultErrnoRet != null then {defaultErrnoRet: $p.defaultErrnoRet} else {} end)
    + {architectures: (($p.architectures // [])
                       + (if $m then [$m.architecture] + ($m.subArchitectures // []) else [] end))}
    + ($p | with_entries(select(.key == "flags" or .key == "listenerPath"
                                or .key == "listenerMetadata")))
    + {syscalls: [$p.syscalls[] | select(included and (excluded | not)) | syscall]}
' "$1"
