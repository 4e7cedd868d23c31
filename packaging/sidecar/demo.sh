#!/usr/bin/env bash
# A look at drover-sidecar without a Mesos cluster: a throwaway ZooKeeper (Debian's package), two "nodes"
# (Python HTTP servers) registered the way executors register them, the published sidecar in front of
# them; then requests through its proxy, its Prometheus targets, its health and metrics. Everything on
# 127.0.0.1, stopped at the end.
# Usage: packaging/sidecar/demo.sh   (needs: zookeeper, python3; publishes the sidecar first)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bash "$root/packaging/prerequisites.sh" zookeeper python3 curl gcc libc6-dev zlib1g-dev >/dev/null
sidecar=$(bash "$root/packaging/sidecar/publish-sidecar.sh" "$root/artifacts/sidecar" | head -n1)
work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

zk=$(free_port)
mkdir -p "$work/zk"
java -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar \
  org.apache.zookeeper.server.ZooKeeperServerMain "$zk" "$work/zk" >"$work/zk.log" 2>&1 &
pids+=($!)
until python3 -c "import socket; socket.create_connection(('127.0.0.1',$zk),1)" 2>/dev/null; do sleep 0.2; done

# Two nodes of cluster "ring": each an HTTP server on its "http" port; the records are what executors write.
records=()
for n in 1 2; do
  port=$(free_port)
  mkdir -p "$work/node$n" && echo "hello from riak$n" > "$work/node$n/ping"
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$work/node$n" >/dev/null 2>&1 &
  pids+=($!)
  records+=("{\"cluster\":\"ring\",\"node\":\"riak$n\",\"kind\":\"riak\",\"host\":\"127.0.0.1\",\"ports\":{\"http\":$port,\"metrics\":$port},\"state\":\"running\",\"healthy\":true}")
done
{
  for p in /drover /drover/demo /drover/demo/clusters /drover/demo/clusters/ring /drover/demo/clusters/ring/nodes; do echo "create $p ''"; done
  echo "create /drover/demo/clusters/ring/nodes/riak1 '${records[0]}'"
  echo "create /drover/demo/clusters/ring/nodes/riak2 '${records[1]}'"
} | /usr/share/zookeeper/bin/zkCli.sh -server "127.0.0.1:$zk" >/dev/null 2>&1

proxy=$(free_port); grpc=$(free_port); http=$(free_port)
"$sidecar" --zookeeper "127.0.0.1:$zk" --framework demo --grpc "127.0.0.1:$grpc" --http "127.0.0.1:$http" \
  --proxy "ring/http=127.0.0.1:$proxy,balance=round-robin" 2>"$work/sidecar.log" &
pids+=($!)
until curl -sf "http://127.0.0.1:$http/health" >/dev/null; do sleep 0.2; done

echo "== through the proxy on 127.0.0.1:$proxy (round robin over the two nodes):"
for i in 1 2 3 4; do curl -s "http://127.0.0.1:$proxy/ping"; done
echo "== Prometheus targets (http_sd):"
curl -s "http://127.0.0.1:$http/v1/prometheus/targets"; echo
echo "== health: $(curl -s "http://127.0.0.1:$http/health")"
echo "== some of its metrics:"
curl -s "http://127.0.0.1:$http/metrics" | grep -E '^drover_sidecar_(cluster_nodes|cluster_serving_nodes|view_live|proxy_connections_total)'
echo "== its log:"
cat "$work/sidecar.log"
