#!/usr/bin/env bash
# Publishes drover-scheduler (the Mesos framework, its operator API and web console) and drover (the operator
# CLI) for linux-x64, each as one self-contained native-AOT binary, plus their tarballs (and sha256):
#   drover-scheduler-<version>-linux-x64.tar.gz   drover-scheduler, the systemd unit and its flags file, the Marathon app
#   drover-<version>-linux-x64.tar.gz             drover
# Usage: packaging/publish-scheduler.sh [output-dir]   (default: artifacts/scheduler)
# Prints the two binaries' paths, then the two tarballs'. Fails if the AOT compiler reports any trim or AOT
# warning for either program.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/packaging/lib/publish.sh"
out=$(realpath -m "${1:-$ROOT/artifacts/scheduler}")
version=$(drover_version)

mkdir -p "$out"
publish_aot scheduler/Drover.Scheduler.csproj "$out/bin" drover-scheduler
publish_aot cli/Drover.Cli.csproj "$out/cli" drover

cp "$ROOT"/packaging/scheduler/{drover-scheduler.service,scheduler.env,marathon.json} "$out/bin/"
scheduler_tarball="drover-scheduler-$version-linux-x64.tar.gz"
pack "$out" "$scheduler_tarball" "$out/bin" drover-scheduler drover-scheduler.service scheduler.env marathon.json
cli_tarball="drover-$version-linux-x64.tar.gz"
pack "$out" "$cli_tarball" "$out/cli" drover
echo "$out/bin/drover-scheduler"
echo "$out/cli/drover"
echo "$out/$scheduler_tarball"
echo "$out/$cli_tarball"
