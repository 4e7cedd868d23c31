#!/usr/bin/env bash
# Publishes drover-sidecar for linux-x64 as one self-contained native-AOT binary, plus a tarball (and its
# sha256) holding the binary, the systemd unit, the Marathon app definition and an example settings file.
# Usage: packaging/sidecar/publish-sidecar.sh [output-dir]   (default: artifacts/sidecar)
# Prints the binary's path, then the tarball's. Fails if the AOT compiler reports any trim or AOT warning.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=$(realpath -m "${1:-$root/artifacts/sidecar}")
version=$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$root/Directory.Build.props" | head -n1)
version=${version:-0.1.0}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

mkdir -p "$out"
dotnet publish "$root/sidecar/Drover.Sidecar.csproj" -c Release -r linux-x64 \
  -p:PublishAot=true -o "$out/bin" -nologo 2>&1 | tee "$log" >/dev/null || { cat "$log"; exit 1; }
if grep -E "warning (IL|CS|CA|IDE)[0-9]+" "$log" | grep -v "/obj/" ; then
  echo "publish reported trim/AOT warnings (above): drover-sidecar must publish clean" >&2
  exit 1
fi
# Only the binary ships: the publish also leaves debug and XML files beside it.
find "$out/bin" -maxdepth 1 -type f ! -name drover-sidecar -delete

tarball="drover-sidecar-$version-linux-x64.tar.gz"
staging=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$staging"' EXIT
cp "$out/bin/drover-sidecar" "$root/packaging/sidecar/drover-sidecar.service" \
   "$root/packaging/sidecar/marathon.json" "$root/packaging/sidecar/sidecar.json" "$staging/"
tar -czf "$out/$tarball" -C "$staging" .
(cd "$out" && sha256sum "$tarball" > "$tarball.sha256")
echo "$out/bin/drover-sidecar"
echo "$out/$tarball"
