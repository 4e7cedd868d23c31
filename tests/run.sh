#!/usr/bin/env bash
# The test command (README): publish the native-AOT executor the end-to-end tests launch,
# then run every test project, and close with one "N passed, N failed" line.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Captured whole, not piped into head: a failed publish prints its build log on stdout, and that log
# must reach CI's output rather than die of SIGPIPE with the pipe.
if ! published=$(bash packaging/publish-executor.sh "$root/artifacts/executor"); then
  printf '%s\n' "$published" >&2
  echo "publishing the native-AOT executor failed (log above)" >&2
  exit 1
fi
executor=$(head -n1 <<<"$published")
export DROVER_EXECUTOR_BINARY="$executor"

results="$root/artifacts/test-results"
rm -rf "$results"
status=0
dotnet test Drover.slnx -c Release --logger "trx" --results-directory "$results" -nologo || status=$?

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); passed=$((passed + ${p:-0}))
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); failed=$((failed + ${f:-0}))
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); skipped=$((skipped + ${s:-0}))
done
echo "tests: $passed passed, $failed failed, $skipped skipped"
if [ "$passed" -eq 0 ]; then
  echo "no test ran" >&2
  exit 1
fi
exit $status
