#!/usr/bin/env bash
# Provides the Debian packages Weft's tests need on the machine itself (the Go-built servers come from install.sh).
# Idempotent: a package that dpkg reports installed, and whose command answers, is skipped; `apt-get update` runs
# at most once, and only when something is missing.
#
#   scripts/servers/install-debian.sh [PACKAGE ...]   (default: every package in WEFT_DEBIAN_PACKAGES)
#
# On failure names the package, the step and how to fix it, and exits non-zero.
set -euo pipefail

# The packages the tests need, as `package:command` (the command proves the package works).
# Add entries here, e.g. `nginx:nginx` or `etcd-client:etcdctl`.
WEFT_DEBIAN_PACKAGES=(
  iptables:iptables-restore # agent-iptables e2e: iptables-restore / ip6tables-restore inside a network namespace
  iproute2:ip               # agent-iptables e2e: ip netns, veth pairs
  pcre2-utils:pcre2test     # translate: RegularExpression matches checked against the PCRE APISIX runs them with
  luajit:luajit             # translate: the generated MeshAuthorization Lua parsed and run by LuaJIT (APISIX's VM)
  lua-cjson:                # translate: the JSON decoder that Lua uses (as OpenResty's bundled cjson.safe)
  nginx:nginx               # mesh-mtls-nginx e2e: the TLS directives APISIX's nginx runs for mesh mTLS, proven on real nginx
  libnginx-mod-stream:      # mesh-mtls-nginx e2e: nginx's stream module with ssl_preread (the inbound 15006 dispatch)
)

fail() { # package step fix
  echo "weft: could not provide Debian package '$1': step '$2' failed." >&2
  echo "how to fix: $3" >&2
  exit 1
}

command_for() { # PACKAGE -> its command from WEFT_DEBIAN_PACKAGES (empty when unknown)
  local entry
  for entry in "${WEFT_DEBIAN_PACKAGES[@]}"; do
    if [ "${entry%%:*}" = "$1" ]; then echo "${entry#*:}"; return; fi
  done
}

installed() { # PACKAGE COMMAND : true when dpkg has it installed and the command is on PATH (sbin included)
  local status
  status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
  [ "$status" = "install ok installed" ] || return 1
  [ -z "$2" ] || PATH="$PATH:/usr/sbin:/sbin" command -v "$2" >/dev/null 2>&1
}

command -v dpkg-query >/dev/null 2>&1 || fail "${WEFT_DEBIAN_PACKAGES[*]%%:*}" "find dpkg-query" \
  "this script is for Debian/Ubuntu; on another system install the packages (${WEFT_DEBIAN_PACKAGES[*]%%:*}) with its package manager"

wanted=("$@")
if [ ${#wanted[@]} -eq 0 ]; then
  for entry in "${WEFT_DEBIAN_PACKAGES[@]}"; do wanted+=("${entry%%:*}"); done
fi

missing=()
for pkg in "${wanted[@]}"; do
  installed "$pkg" "$(command_for "$pkg")" || missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "weft: Debian packages present: ${wanted[*]}"
  exit 0
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || fail "${missing[*]}" "become root" "run as root: sudo apt-get install -y ${missing[*]}"
  sudo=(sudo -n)
fi

# One apt run at a time: parallel test runs wait here rather than fighting over dpkg's lock.
lock=${TMPDIR:-/tmp}/weft-install-debian.lock
exec 9>"$lock"
flock 9
# Another run may have installed them while this one waited.
still_missing=()
for pkg in "${missing[@]}"; do
  installed "$pkg" "$(command_for "$pkg")" || still_missing+=("$pkg")
done
[ ${#still_missing[@]} -eq 0 ] && { echo "weft: Debian packages present: ${wanted[*]}"; exit 0; }

echo "weft: installing Debian packages: ${still_missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp "${TMPDIR:-/tmp}/weft-apt.XXXXXX")
trap 'rm -f "$log"' EXIT
"${sudo[@]}" apt-get update >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "${still_missing[*]}" "apt-get update" \
  "check network access to the Debian mirrors in /etc/apt/sources.list*, then run: apt-get update && apt-get install -y ${still_missing[*]}"; }
for pkg in "${still_missing[@]}"; do
  "${sudo[@]}" apt-get install -y --no-install-recommends "$pkg" >"$log" 2>&1 || { tail -n 20 "$log" >&2; fail "$pkg" "apt-get install" \
    "run: apt-get install -y $pkg (as root), and read apt's message above"; }
  installed "$pkg" "$(command_for "$pkg")" || fail "$pkg" "check the installed command '$(command_for "$pkg")'" \
    "run: apt-get install --reinstall -y $pkg (as root)"
done
echo "weft: Debian packages present: ${wanted[*]}"
