#!/usr/bin/env bash
# The README's run command: publish the native-AOT executor, then watch it run a sample node
# under Drover's Mesos agent emulator (an emulator: no Mesos is involved).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor" | head -n1)
exec dotnet run -c Release --project "$root/packaging/demo" -- "$binary"
