#!/usr/bin/env bash
# drover-scheduler's memory, native AOT beside JIT, each leading a framework of its own with the demo's three-node
# web cluster (packaging/examples/web.json), both at once on one local Mesos (3 agents launching the real executor)
# and one ZooKeeper 3.8. Prints each one's VmRSS and CPU 30, 60 and 120 s after the clusters were created, then
# its own /metrics process_resident_memory_bytes; bench/RESULTS.md records it.
# Usage: bash bench/scheduler-rss.sh        (publishes what it needs into artifacts/)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/packaging/lib/zookeeper.sh"
out="$root/artifacts/bench-scheduler-rss"
published=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor")
executor=$(sed -n 1p <<<"$published"); tarball=$(sed -n 2p <<<"$published")
aot=$(bash "$root/packaging/publish-scheduler.sh" "$root/artifacts/scheduler" | head -n1)
dotnet build "$root/packaging/demo/Drover.Demo.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >/dev/null
bin="$root/packaging/demo/bin/Release/net10.0"
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
zk=$(free_port); master=$(free_port); api_aot=$(free_port); api_jit=$(free_port)

rm -rf "$out"; mkdir -p "$out"
zk_config=$(zookeeper_config "$out/zookeeper" "$zk")
# Each program in a session of its own, stopped as a group at the end (the local Mesos takes its executors with it).
groups=()
stop() { for g in "${groups[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done; sleep 3; for g in "${groups[@]}"; do kill -KILL -- "-$g" 2>/dev/null || true; done; }
trap stop EXIT
start() { local name=$1; shift; setsid "$@" >"$out/$name.log" 2>&1 < /dev/null & groups+=($!); }
until_ok() { local deadline=$((SECONDS + 90)); until eval "$1" >/dev/null 2>&1; do [ $SECONDS -lt $deadline ] || { echo "timed out: $1" >&2; exit 1; }; sleep 0.5; done; }

start zookeeper bash -c '. "$1"; zookeeper_run "$2"' zookeeper "$root/packaging/lib/zookeeper.sh" "$zk_config"
until_ok "(exec 3<>/dev/tcp/127.0.0.1/$zk && echo ruok >&3 && grep -q imok <&3)"
start mesos dotnet "$bin/drover-local-mesos.dll" --agents 3 --executor "$executor" --ports 31000-31999 --split-ports \
  --listen "127.0.0.1:$master" --zk "zk://127.0.0.1:$zk/mesos" --work-dir "$out/mesos"
until_ok "grep -q 'registered in ZooKeeper' '$out/mesos.log'"
common=(run --master "zk://127.0.0.1:$zk/mesos" --zk "127.0.0.1:$zk" --executor-uri "file://$tarball")
start aot "$aot" "${common[@]}" --framework rss-aot --api-listen "127.0.0.1:$api_aot"; aot_pid=${groups[-1]}
start jit dotnet "$bin/drover-scheduler.dll" "${common[@]}" --framework rss-jit --api-listen "127.0.0.1:$api_jit"; jit_pid=${groups[-1]}
drover() { local port=$1; shift; DROVER_URL="http://127.0.0.1:$port" dotnet "$bin/drover.dll" "$@"; }
until_ok "drover $api_aot status | grep -q SUBSCRIBED"
until_ok "drover $api_jit status | grep -q SUBSCRIBED"

created=$SECONDS
drover "$api_aot" clusters create -f "$root/packaging/examples/web.json" --watch >"$out/create-aot.log" 2>&1 & aot_create=$!
drover "$api_jit" clusters create -f "$root/packaging/examples/web.json" --watch >"$out/create-jit.log" 2>&1
wait "$aot_create"
echo "both clusters deployed $((SECONDS - created)) s after the PUTs; load average $(cut -d' ' -f1-3 /proc/loadavg)"
drover "$api_aot" nodes list web | grep -c healthy | xargs echo "AOT: healthy nodes"
drover "$api_jit" nodes list web | grep -c healthy | xargs echo "JIT: healthy nodes"
rss() { awk '/^VmRSS/ { printf "%.1f MiB", $2 / 1024 }' "/proc/$1/status"; }
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f s", ($14 + $15) / hz }' "/proc/$1/stat"; }
for at in 30 60 120; do
  while [ $((SECONDS - created)) -lt $at ]; do sleep 1; done
  echo "${at} s: AOT VmRSS $(rss "$aot_pid"), CPU $(cpu "$aot_pid"); JIT VmRSS $(rss "$jit_pid"), CPU $(cpu "$jit_pid"); load average $(cut -d' ' -f1-3 /proc/loadavg)"
done
for port in "$api_aot" "$api_jit"; do curl -s "http://127.0.0.1:$port/metrics" | grep '^process_resident_memory_bytes'; done
