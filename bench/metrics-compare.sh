#!/usr/bin/env bash
# Drover.Metrics against prometheus-net 8.2.1, side by side (bench/RESULTS.md, "Metrics library: Drover.Metrics vs
# prometheus-net"): publishes the same probe native AOT on each library, then measures binary size, idle RSS and
# scrape latency on a kept-alive connection, alternating the two for several rounds.
# usage: bash bench/metrics-compare.sh [scrapes per round] [rounds]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/artifacts/metrics-compare"
rm -rf "$out"
for probe in Drover PrometheusNet; do
  dotnet publish "$root/bench/Drover.Metrics.Probe/$probe/MetricsProbe.$probe.csproj" -c Release -r linux-x64 \
    -o "$out/$probe" -nologo -v quiet
done
uptime
dotnet run -c Release --project "$root/bench/Drover.Metrics.Bench" -- compare \
  "$out/Drover/probe-drover" "$out/PrometheusNet/probe-prometheus-net" "${1:-200}" "${2:-3}"
uptime
