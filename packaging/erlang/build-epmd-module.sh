#!/usr/bin/env bash
# Compiles drover_epmd.erl (the EPMD module Erlang nodes load with -epmd_module drover_epmd) into
# <out>/drover_epmd.beam with the system's erlc (Debian's erlang-base). Usage: build-epmd-module.sh <out-dir>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:?usage: build-epmd-module.sh <out-dir>}")
mkdir -p "$out"
erlc -Werror +warn_unused_vars -o "$out" "$here/drover_epmd.erl"
echo "$out/drover_epmd.beam"
