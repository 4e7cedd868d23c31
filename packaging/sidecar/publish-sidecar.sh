#!/usr/bin/env bash
# Publishes drover-sidecar for linux-x64 as one self-contained native-AOT binary, plus a tarball (and its
# sha256) holding the binary, the systemd unit, the Marathon app definition and an example settings file.
# Usage: packaging/sidecar/publish-sidecar.sh [output-dir]   (default: artifacts/sidecar)
# Prints the binary's path, then the tarball's. Fails if the AOT compiler reports any trim or AOT warning.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/packaging/lib/publish.sh"
out=$(realpath -m "${1:-$ROOT/artifacts/sidecar}")

mkdir -p "$out"
publish_aot sidecar/Drover.Sidecar.csproj "$out/bin" drover-sidecar
cp "$ROOT"/packaging/sidecar/{drover-sidecar.service,marathon.json,sidecar.json} "$out/bin/"
pack "$out" "drover-sidecar-$(drover_version)-linux-x64.tar.gz" "$out/bin" \
  drover-sidecar drover-sidecar.service marathon.json sidecar.json
echo "$out/bin/drover-sidecar"
echo "$out/drover-sidecar-$(drover_version)-linux-x64.tar.gz"
