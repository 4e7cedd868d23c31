#!/usr/bin/env bash
# Benchmark of the JMX health check (issue 5): the persistent drover-jmx-helper against a one-shot JVM per
# check (the stand-in's nodetool, as real nodetool works), same Cassandra stand-in, side by side in one run.
# Prints a markdown table; bench/RESULTS.md records it. Needs a JDK (javac, jar) on PATH.
# Usage: bench/jmx.sh [helper-iterations] [nodetool-iterations]   (default 1000 40)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dotnet run -c Release --project "$root/bench/Drover.Jmx.Bench" -- "${1:-1000}" "${2:-40}"
