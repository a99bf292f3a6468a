#!/usr/bin/env bash
# Runs a command inside a private network namespace (docs/lab.md §1): loopback plus one veth with a default route,
# DNS pointed at loopback. Browsers then gather real host candidates but cannot reach anything outside the
# machine. The namespace and its veth vanish when the command exits. Needs root (CI runs as root).
set -euo pipefail
if [ "${TINCAN_IN_NETNS:-}" = 1 ]; then exec "$@"; fi
resolv=$(mktemp)
echo 'nameserver 127.0.0.1' > "$resolv"
trap 'rm -f "$resolv"' EXIT
cmd=$(printf '%q ' "$@")
TINCAN_IN_NETNS=1 unshare -nm sh -c "
  ip link set lo up &&
  ip link add v0 type veth peer name v1 && ip addr add 10.99.3.1/24 dev v0 &&
  ip link set v0 up && ip link set v1 up && ip route add default dev v0 &&
  mount --bind $resolv /etc/resolv.conf &&
  exec $cmd"
