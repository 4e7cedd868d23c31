#!/usr/bin/env bash
# Compiles drover_epmd.erl (the EPMD module Erlang nodes load with -epmd_module drover_epmd) into
# <out>/drover_epmd.beam with the system's erlc (Debian's erlang-base). Usage: build-epmd-module.sh <out-dir>
# Idempotent: rebuilds only when the source or this script is newer than the .beam. A .beam compiled by OTP 25
# loads on OTP 21 and later releases (the module itself needs 21: address_please/3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:?usage: build-epmd-module.sh <out-dir>}")
source="$here/drover_epmd.erl"
beam="$out/drover_epmd.beam"

if [ -f "$beam" ] && [ "$beam" -nt "$source" ] && [ "$beam" -nt "$0" ]; then
  echo "$beam"
  exit 0
fi

command -v erlc >/dev/null || { echo "erlc not found: install Erlang/OTP (erlang-base)" >&2; exit 1; }
mkdir -p "$out"
# Compile beside, then rename: concurrent builds and readers never see half a file.
staging=$(mktemp -d "$out/.drover-epmd.XXXXXX")
trap 'rm -rf "$staging"' EXIT
erlc -Werror +warn_unused_vars -o "$staging" "$source"
mv -f "$staging/drover_epmd.beam" "$beam"
echo "$beam"
