#!/usr/bin/env bash
# Publishes drover-scheduler (the Mesos framework, its operator API and web console) and drover (the operator
# CLI) for linux-x64, each as one self-contained native-AOT binary, plus their tarballs (and sha256):
#   drover-scheduler-<version>-linux-x64.tar.gz   drover-scheduler, the systemd unit and its flags file, the Marathon app
#   drover-<version>-linux-x64.tar.gz             drover
# Usage: packaging/publish-scheduler.sh [output-dir]   (default: artifacts/scheduler)
# Prints the two binaries' paths, then the two tarballs'. Fails if the AOT compiler reports any trim or AOT
# warning for either program.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/artifacts/scheduler}")
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n1)
version=${version:-0.1.0}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

publish() { # project, output directory, program name
  dotnet publish "$root/$1" -c Release -r linux-x64 -p:PublishAot=true \
    -o "$2" -nologo >"$log" 2>&1 || { cat "$log"; exit 1; }
  if grep -E "warning (IL|CS|CA)[0-9]+" "$log" | grep -v "/obj/"; then
    echo "publish reported trim/AOT warnings (above): $3 must publish clean" >&2
    exit 1
  fi
}

mkdir -p "$out"
publish scheduler/Drover.Scheduler.csproj "$out/bin" drover-scheduler
publish cli/Drover.Cli.csproj "$out/cli" drover

cp "$root"/packaging/scheduler/{drover-scheduler.service,scheduler.env,marathon.json} "$out/bin/"
scheduler_tarball="drover-scheduler-$version-linux-x64.tar.gz"
tar -czf "$out/$scheduler_tarball" -C "$out/bin" drover-scheduler drover-scheduler.service scheduler.env marathon.json
cli_tarball="drover-$version-linux-x64.tar.gz"
tar -czf "$out/$cli_tarball" -C "$out/cli" drover
(cd "$out" && sha256sum "$scheduler_tarball" > "$scheduler_tarball.sha256" && sha256sum "$cli_tarball" > "$cli_tarball.sha256")
echo "$out/bin/drover-scheduler"
echo "$out/cli/drover"
echo "$out/$scheduler_tarball"
echo "$out/$cli_tarball"
