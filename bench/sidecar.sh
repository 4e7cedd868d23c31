#!/usr/bin/env bash
# Benchmarks of drover-sidecar (issue 13), on the published native-AOT binary:
#   1. its TCP proxy against HAProxy 2.6 (Debian's haproxy) on loopback, side by side in one run;
#   2. WatchNodes fan-out: 10,000 nodes, one change seen by 100 streams.
# Usage: bench/sidecar.sh [proxy-seconds] [rounds] [changes]   (defaults 5 3 200)
# Prints markdown tables; bench/RESULTS.md records them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(bash "$root/packaging/sidecar/publish-sidecar.sh" "$root/artifacts/sidecar" | head -n1)
dotnet build "$root/bench/Drover.Sidecar.Bench/Drover.Sidecar.Bench.csproj" -c Release -nologo >/dev/null
bench="$root/bench/Drover.Sidecar.Bench/bin/Release/net10.0/Drover.Sidecar.Bench"
echo "## proxy vs HAProxy ($(date -u +%FT%TZ), $(nproc) cores)"
"$bench" proxy "$binary" "${1:-5}" "${2:-3}"
echo
echo "## WatchNodes fan-out"
"$bench" fanout "$binary" "${3:-200}"
