#!/usr/bin/env bash
# The README's run command: Drover running a cluster on this machine.
#   bash packaging/demo.sh          start a real ZooKeeper, the local Mesos (an emulated master and three emulated
#                                   agents whose launches start the real native-AOT drover-executor) and
#                                   drover-scheduler; create the three-node cluster of packaging/examples/web.json
#                                   and follow its deploy plan, then show its nodes, endpoints and health. Everything
#                                   keeps running in the background (web console at http://127.0.0.1:8090/).
#   bash packaging/demo.sh stop     stop all of it (also done first by every start: running it twice is fine).
#   bash packaging/demo.sh --once   start, show, stop: the whole demo as one command that ends.
#   bash packaging/demo.sh executor the executor alone under the agent emulator (the earlier demo).
#   bash packaging/demo.sh --example <ring|riak|drill|quobyte> [--once]
#                                   the kind's README example (packaging/examples/<name>.json) on the stand-ins the
#                                   end-to-end tests use (tests/Drover.Testing/Standins), installed under
#                                   artifacts/demo/standins/<name>: the example is rewritten only where a real
#                                   installation decides (install_dir, Quobyte's hosts), where a schedule would wait
#                                   minutes (health checks, Cassandra's bootstrap gap) or where the agents could not
#                                   hold its resources; every change is printed. Then its deploy plan, its service view
#                                   and one operation of its own (ring: a repair round; riak: ringready on a member;
#                                   drill: a 250 MB dataset; quobyte: the README's four curl lines).
# Ports: DROVER_DEMO_ZK_PORT (2181), DROVER_DEMO_MASTER_PORT (5050), DROVER_DEMO_API_PORT (8090), agents' services on
# DROVER_DEMO_PORTS (31000-31299, split between the agents). Logs and state: artifacts/demo/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/packaging/lib/zookeeper.sh"
demo="$root/artifacts/demo"
zk_port=${DROVER_DEMO_ZK_PORT:-2181}
master_port=${DROVER_DEMO_MASTER_PORT:-5050}
api_port=${DROVER_DEMO_API_PORT:-8090}
service_ports=${DROVER_DEMO_PORTS:-31000-31299}
framework=demo
bin="$root/packaging/demo/bin/Release/net10.0"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
fail() { echo "demo: $*" >&2; exit 1; }

# Stops what a previous start left running: each program was started in a session of its own (setsid), so its
# whole process group gets SIGTERM; the local Mesos shuts its executors (and their services) down on it.
stop() {
  local name pid
  for name in scheduler mesos zookeeper; do
    [ -f "$demo/$name.pid" ] || continue
    pid=$(cat "$demo/$name.pid")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM -- "-$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$pid" 2>/dev/null || true
      echo "stopped $name (pid $pid)"
    fi
    rm -f "$demo/$name.pid"
  done
}

# Starts a program in the background in its own session, its output in artifacts/demo/<name>.log.
start() { # name, command...
  local name=$1; shift
  setsid "$@" >"$demo/$name.log" 2>&1 < /dev/null &
  echo $! > "$demo/$name.pid"
}

# Waits (up to $2 seconds) for a command to succeed; on timeout shows the log named $3.
wait_for() { # command, seconds, log, what
  local deadline=$((SECONDS + $2))
  until eval "$1" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$demo/$3.log" >&2; fail "no $4 after $2 s (log: $demo/$3.log)"; }
    sleep 0.5
  done
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# ZooKeeper's ruok, in a shell of its own with a deadline: a server still starting may accept and never answer.
zk_ok() { timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" && echo ruok >&3 && grep -q imok <&3' zk_ok "$zk_port"; }
drover() { DROVER_URL="http://127.0.0.1:$api_port" dotnet "$bin/drover.dll" "$@"; }

example=""
once=""
case "${1:-}" in
  stop) stop; exit 0 ;;
  executor)
    bash "$root/packaging/prerequisites.sh" gcc libc6-dev zlib1g-dev openjdk-17-jdk-headless erlang-base
    binary=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor" | head -n1)
    exec dotnet run -c Release --project "$root/packaging/demo" -- "$binary" ;;
  ""|--once) once=${1:-} ;;
  --example)
    example=${2:-}
    case "$example" in ring|riak|drill|quobyte) ;; *) fail "--example: one of ring, riak, drill, quobyte (packaging/examples/<name>.json)" ;; esac
    case "${3:-}" in ""|--once) once=${3:-} ;; *) fail "usage: bash packaging/demo.sh --example <ring|riak|drill|quobyte> [--once]" ;; esac
    [ $# -le 3 ] || fail "usage: bash packaging/demo.sh --example <ring|riak|drill|quobyte> [--once]" ;;
  *) fail "usage: bash packaging/demo.sh [stop|--once|executor|--example <ring|riak|drill|quobyte> [--once]]" ;;
esac

mkdir -p "$demo"
stop
# Native AOT links with the system C toolchain and zlib; the executor's tarball carries a JMX helper built with the
# JDK; ZooKeeper is Debian's (run from its jars, as the tests do); the sample service is Python's http.server.
# The examples' stand-ins: Cassandra's and Drill's are Java (compiled here with javac), Riak's real Erlang nodes,
# Quobyte's python3; the Quobyte example's operations are curl lines.
bash "$root/packaging/prerequisites.sh" gcc libc6-dev zlib1g-dev openjdk-17-jdk-headless erlang-base zookeeper python3 ${example:+curl}
for port in "$zk_port" "$master_port" "$api_port"; do
  port_free "$port" || fail "127.0.0.1:$port is in use (another ZooKeeper, Mesos or scheduler?): set DROVER_DEMO_ZK_PORT, DROVER_DEMO_MASTER_PORT or DROVER_DEMO_API_PORT"
done

say "publishing the native-AOT executor, building the local Mesos, drover-scheduler and drover"
published=$(bash "$root/packaging/publish-executor.sh" "$root/artifacts/executor")
executor=$(sed -n 1p <<<"$published")
tarball=$(sed -n 2p <<<"$published")
dotnet build "$root/packaging/demo/Drover.Demo.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >"$demo/build.log" 2>&1 \
  || { cat "$demo/build.log"; fail "the build failed"; }

# A fresh start every time: the previous run's ZooKeeper data and agents' work directories are gone with it.
rm -rf "$demo/zookeeper" "$demo/mesos"
zk_config=$(zookeeper_config "$demo/zookeeper" "$zk_port")

agents=3
if [ -n "$example" ]; then
  say "the $example stand-in and packaging/examples/$example.json rewritten for it"
  rm -rf "$demo/standins/$example"
  dotnet "$bin/Drover.Demo.dll" standin "$example" "$demo/standins/$example" "$demo/$example.json" | tee "$demo/standin.txt"
  agents=$(sed -n 's/^agents: //p' "$demo/standin.txt")
  [ -n "$agents" ] || fail "the stand-in's preparation did not say how many agents the example needs"
fi

began=$SECONDS
say "ZooKeeper on 127.0.0.1:$zk_port"
start zookeeper bash -c '. "$1"; zookeeper_run "$2"' zookeeper "$root/packaging/lib/zookeeper.sh" "$zk_config"
wait_for zk_ok 60 zookeeper "ZooKeeper"

say "the local Mesos (emulated master and $agents agents) on 127.0.0.1:$master_port, registered in ZooKeeper"
start mesos dotnet "$bin/drover-local-mesos.dll" --agents "$agents" --executor "$executor" --ports "$service_ports" --split-ports \
  --listen "127.0.0.1:$master_port" --zk "zk://127.0.0.1:$zk_port/mesos" --work-dir "$demo/mesos"
wait_for "grep -q 'registered in ZooKeeper' '$demo/mesos.log'" 60 mesos "local Mesos"
sed -n '1,/^state:/p' "$demo/mesos.log"

say "drover-scheduler (framework '$framework'), finding the master through ZooKeeper"
start scheduler dotnet "$bin/drover-scheduler.dll" run --master "zk://127.0.0.1:$zk_port/mesos" --zk "127.0.0.1:$zk_port" \
  --framework "$framework" --executor-uri "file://$tarball" --api-listen "127.0.0.1:$api_port" \
  --webui-url "http://127.0.0.1:$api_port/"
wait_for "drover status | grep -q SUBSCRIBED" 90 scheduler "subscribed scheduler"
drover status

if [ -n "$example" ]; then
  . "$root/packaging/demo/examples.sh"
  "example_$example"
  say "the $example example ran in $((SECONDS - began)) s (from ZooKeeper's start; the builds before it not counted)"
  if [ -n "$once" ]; then
    say "stopping (--once)"
    stop
    exit 0
  fi
  cat <<EOF

Running in the background (logs in artifacts/demo/, the stand-in in artifacts/demo/standins/$example):
  web console   http://127.0.0.1:$api_port/
  the CLI       DROVER_URL=http://127.0.0.1:$api_port dotnet $bin/drover.dll service $example
Stop everything with: bash packaging/demo.sh stop
EOF
  exit 0
fi

say "drover clusters create -f packaging/examples/web.json --watch"
drover clusters create -f "$root/packaging/examples/web.json" --watch

say "drover nodes list web"
drover nodes list web
say "drover endpoints web"
drover endpoints web
# The agents are named 127.0.1.1-3; the sample service listens on 127.0.0.1 at its reserved port.
first=$(drover endpoints web --port http | head -n1)
say "the first node ($first) answers on http://127.0.0.1:${first##*:}/"
python3 -c "import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode().strip())" "http://127.0.0.1:${first##*:}/"

if [ -n "$once" ]; then
  say "stopping (--once)"
  stop
  exit 0
fi

cat <<EOF

Running in the background (logs in artifacts/demo/):
  web console   http://127.0.0.1:$api_port/
  operator API  http://127.0.0.1:$api_port/v1/clusters     master state  http://127.0.0.1:$master_port/master/state
  the CLI       DROVER_URL=http://127.0.0.1:$api_port dotnet $bin/drover.dll nodes list web
Stop everything with: bash packaging/demo.sh stop
EOF
