#!/usr/bin/env bash
# Publishes drover-executor for linux-x64 as one self-contained native-AOT binary, plus the
# tarball (and its sha256) that the Mesos fetcher extracts in the sandbox:
#   ExecutorInfo.command.uris = [{value: ".../drover-executor-<version>-linux-x64.tar.gz", extract: true}]
#   ExecutorInfo.command.value = "./drover-executor"
# Usage: packaging/publish-executor.sh [output-dir]   (default: artifacts/executor)
# Fails if the AOT compiler reports any trim or AOT warning.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/packaging/lib/publish.sh"
out=$(realpath -m "${1:-$ROOT/artifacts/executor}")

mkdir -p "$out"
publish_aot executor/Drover.Executor.csproj "$out/bin" drover-executor

# The JMX helper (JDK only, run with the node's own Java) ships beside the binary, where the executor looks
# for it. javac and jar come from the JDK (openjdk-17-jdk-headless); its path is not part of our stdout.
bash "$ROOT/packaging/jmx-helper/build-jmx-helper.sh" "$out/bin" >/dev/null

tarball="drover-executor-$(drover_version)-linux-x64.tar.gz"
pack "$out" "$tarball" "$out/bin" drover-executor drover-jmx-helper.jar
echo "$out/bin/drover-executor"
echo "$out/$tarball"
