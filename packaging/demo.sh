#!/usr/bin/env bash
# The README's run command: publish the native-AOT executor, then watch it run a sample node
# under Drover's Mesos agent emulator (an emulator: no Mesos is involved).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Native AOT links with the system C toolchain and zlib.
bash "$root/packaging/prerequisites.sh" gcc libc6-dev zlib1g-dev
binary=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor" | head -n1)
exec dotnet run -c Release --project "$root/packaging/demo" -- "$binary"
