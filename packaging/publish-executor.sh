#!/usr/bin/env bash
# Publishes drover-executor for linux-x64 as one self-contained native-AOT binary, plus the
# tarball (and its sha256) that the Mesos fetcher extracts in the sandbox:
#   ExecutorInfo.command.uris = [{value: ".../drover-executor-<version>-linux-x64.tar.gz", extract: true}]
#   ExecutorInfo.command.value = "./drover-executor"
# Usage: packaging/publish-executor.sh [output-dir]   (default: artifacts/executor)
# Fails if the AOT compiler reports any trim or AOT warning.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/artifacts/executor}")
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n1)
version=${version:-0.1.0}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

mkdir -p "$out"
dotnet publish "$root/executor/Drover.Executor.csproj" -c Release -r linux-x64 \
  -p:PublishAot=true -o "$out/bin" -nologo 2>&1 | tee "$log" >/dev/null || { cat "$log"; exit 1; }
if grep -E "warning (IL|CS|CA)[0-9]+" "$log" | grep -v "/obj/" ; then
  echo "publish reported trim/AOT warnings (above): drover-executor must publish clean" >&2
  exit 1
fi

# The JMX helper (JDK only, run with the node's own Java) ships beside the binary, where the executor looks
# for it. javac and jar come from the JDK (openjdk-17-jdk-headless); its path is not part of our stdout.
bash "$root/packaging/jmx-helper/build-jmx-helper.sh" "$out/bin" >/dev/null

# The EPMD module Riak nodes on OTP 21+ load (-epmd_module drover_epmd -pa <dir of the executor>), compiled by
# the system's erlc (erlang-base); the Riak personality looks for it beside the binary.
bash "$root/packaging/erlang/build-epmd-module.sh" "$out/bin" >/dev/null

tarball="drover-executor-$version-linux-x64.tar.gz"
tar -czf "$out/$tarball" -C "$out/bin" drover-executor drover-jmx-helper.jar drover_epmd.beam
(cd "$out" && sha256sum "$tarball" > "$tarball.sha256")
echo "$out/bin/drover-executor"
echo "$out/$tarball"
