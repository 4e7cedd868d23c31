#!/usr/bin/env bash
# Installs the Debian packages named as arguments that are missing (idempotent: a no-op when all are there).
# Used by .ci/run and packaging/demo.sh; needs root or sudo only when something is missing.
# Another apt or dpkg run on the machine (unattended upgrades, a second checkout's CI) holds apt's locks:
# we wait for it, up to DROVER_APT_LOCK_WAIT seconds (default 900), instead of failing at once.
set -euo pipefail
missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}"
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
wait_limit=${DROVER_APT_LOCK_WAIT:-900}

# Runs an apt-get command, again every 3 s while it fails only because another process holds an apt or
# dpkg lock. dpkg's own locks are also waited for by apt (DPkg::Lock::Timeout); the lists lock that
# 'apt-get update' takes is not, hence the loop.
apt_get() {
  local started=$SECONDS out status
  while :; do
    status=0
    out=$(DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout="$wait_limit" "$@" 2>&1) || status=$?
    if [ $status -eq 0 ]; then
      [ -z "$out" ] || printf '%s\n' "$out"
      return 0
    fi
    if grep -qE 'Could not get lock|Unable to lock|is another process using it' <<<"$out" \
        && [ $((SECONDS - started)) -lt "$wait_limit" ]; then
      echo "waiting for another apt/dpkg run to release its lock ($((SECONDS - started)) s so far)" >&2
      sleep 3
      continue
    fi
    printf '%s\n' "$out" >&2
    return $status
  done
}

apt_get update -qq
apt_get install -y -qq --no-install-recommends "${missing[@]}"
