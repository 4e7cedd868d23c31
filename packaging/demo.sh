#!/usr/bin/env bash
# The README's run command: publish the native-AOT executor, then watch it run a sample node
# under Drover's Mesos agent emulator (an emulator: no Mesos is involved).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Native AOT links with the system C toolchain and zlib; the executor's tarball also carries the JMX helper
# (javac) and the Riak nodes' EPMD module (erlc).
bash "$root/packaging/prerequisites.sh" gcc libc6-dev zlib1g-dev openjdk-17-jdk-headless erlang-base
binary=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor" | head -n1)
exec dotnet run -c Release --project "$root/packaging/demo" -- "$binary"
