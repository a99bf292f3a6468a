#!/usr/bin/env bash
# Runs a command inside a private network namespace (docs/lab.md §1): loopback plus one veth with a default route,
# DNS pointed at loopback. Browsers then gather real host candidates but cannot reach anything outside the
# machine. The namespace and its veth vanish when the command exits. Needs root (CI runs as root).
# IPv6 is off on the veth: its link-local address would finish duplicate-address detection a second or two after the
# command started, and Chromium takes that for a network change and fails the requests in flight with
# ERR_NETWORK_CHANGED (a unit test module "could not be imported" about one run in three; the NAT lab had the same,
# test/e2e/netlab.mjs). Loopback keeps ::1.
set -euo pipefail
if [ "${TINCAN_IN_NETNS:-}" = 1 ]; then exec "$@"; fi
resolv=$(mktemp)
echo 'nameserver 127.0.0.1' > "$resolv"
trap 'rm -f "$resolv"' EXIT
cmd=$(printf '%q ' "$@")
TINCAN_IN_NETNS=1 unshare -nm sh -c "
  ip link set lo up &&
  sysctl -qw net.ipv6.conf.default.disable_ipv6=1 &&
  ip link add v0 type veth peer name v1 && ip addr add 10.99.3.1/24 dev v0 &&
  ip link set v0 up && ip link set v1 up && ip route add default dev v0 &&
  mount --bind $resolv /etc/resolv.conf &&
  exec $cmd"
