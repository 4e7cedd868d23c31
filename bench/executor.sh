#!/usr/bin/env bash
# Benchmark of drover-executor (issue 2): the native-AOT binary and the same code published
# self-contained for the JIT (net10.0 runtime pack), side by side under the agent emulator.
# Prints a markdown table; bench/RESULTS.md records it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
aot=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor" | head -n1)
dotnet publish "$root/executor/Drover.Executor.csproj" -c Release -r linux-x64 --self-contained \
  -p:PublishAot=false -o "$root/artifacts/executor-jit" -nologo >/dev/null
dotnet run -c Release --project "$root/bench/Drover.Executor.Bench" -- \
  "native AOT=$aot" "JIT (self-contained)=$root/artifacts/executor-jit/drover-executor"
