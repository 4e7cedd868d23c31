# The kinds' examples on the stand-ins: sourced by packaging/demo.sh --example <name>, which has started ZooKeeper,
# the local Mesos and drover-scheduler and written artifacts/demo/<name>.json (packaging/examples/<name>.json with the
# changes it printed). Each function creates the cluster, follows its deploy plan to the end, shows the plan and the
# kind's service view, and runs one operation of the kind; any failure ends the demo with a non-zero status.
# Uses from demo.sh: say, fail, drover, $demo, $root, $bin, $api_port.

api="http://127.0.0.1:$api_port"

# Waits (up to $3 seconds) until the API's JSON at $1 makes the Python expression $2 (over `j`) true.
wait_json() { # path, condition, seconds, what
  local deadline=$((SECONDS + $3))
  until curl -fsS --noproxy '*' "$api$1" 2>/dev/null \
      | python3 -c "import json, sys; j = json.load(sys.stdin); sys.exit(0 if ($2) else 1)" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { tail -n 30 "$demo/scheduler.log" >&2; fail "no $4 after $3 s (scheduler log: $demo/scheduler.log)"; }
    sleep 1
  done
}

# The CLI with a deadline: a plan that never ends (a node that cannot start is relaunched again and again) ends the
# demo after $1 seconds instead of keeping it waiting (--foreground: on a terminal the CLI stays in its process group,
# so its live view and Ctrl-C work as without the deadline).
drover_within() { # seconds, drover arguments...
  local seconds=$1 status=0
  shift
  DROVER_URL="http://127.0.0.1:$api_port" timeout --foreground "$seconds" dotnet "$bin/drover.dll" "$@" || status=$?
  [ "$status" -ne 124 ] || { tail -n 30 "$demo/scheduler.log" >&2; fail "drover $* did not end within $seconds s (scheduler log: $demo/scheduler.log)"; }
  [ "$status" -eq 0 ] || fail "drover $* failed (exit $status; scheduler log: $demo/scheduler.log)"
}

# Creates the cluster of artifacts/demo/<name>.json and follows its deploy plan until it is complete (the CLI exits 1
# if the plan ends in ERROR or is interrupted).
create_and_deploy() { # name
  say "drover clusters create -f artifacts/demo/$1.json --watch   (packaging/examples/$1.json, but for the fields above)"
  drover_within 180 clusters create -f "$demo/$1.json" --watch
  say "drover plans show $1 deploy"
  drover plans show "$1" deploy
}

# Cassandra: five nodes, three seeds one after another (each healthy, OperationMode NORMAL over JMX, before the next),
# then the two others one bootstrap at a time; then a repair round now (nodetool repair -pr, one node at a time).
example_ring() {
  create_and_deploy ring
  say "drover service ring   (seeds, host ids read over JMX, the repair schedule)"
  drover service ring
  say "drover repair ring   (a round now, rather than in the example's 5 days: nodetool repair -pr, one node at a time)"
  drover repair ring
  wait_json /v1/clusters/ring/service \
    "j['cassandra']['repair']['rounds'] >= 1 and all((n.get('last') or {}).get('outcome', '').upper() == 'SUCCEEDED' for n in j['cassandra']['repair']['nodes']) and len(j['cassandra']['repair']['nodes']) == 5" \
    120 "repair round with every node SUCCEEDED"
  say "drover plans show ring repair   (each node's run and its result; drover service ring has them too, with the history)"
  drover plans show ring repair
}

# Riak: three nodes, one per agent, each joined to a member, one cluster plan + commit, ringready before the plan is
# complete; then ringready asked again on the last node, which reaches every member through the EPMD module.
example_riak() {
  create_and_deploy riak
  say "drover service riak   (the ring's members, as riak-admin reported them)"
  drover service riak
  say "drover admin run riak riak-2 ringready --wait   (riak-admin ringready on riak-2, through its executor)"
  drover admin run riak riak-2 ringready --wait
}

# Drill: one drillbit (min_drillbits), then a 250 MB dataset at qsf 100 MB: three, the two more started at once, each
# registered in ZooKeeper under the cluster's id as Drill registers, where SQL clients find them.
example_drill() {
  create_and_deploy drill
  say "drover dataset drill 250   (ceil(250 / qsf_mb 100) = 3 drillbits)"
  drover dataset drill 250
  wait_json /v1/clusters/drill/service "len(j['drill']['drillbits']) == 3" 60 "three drillbits in the service view"
  say "drover plans show drill deploy --watch   (until the scale-up is complete: the two started at once)"
  drover_within 120 plans show drill deploy --watch
  drover plans show drill deploy
  wait_json /v1/clusters/drill "sum(1 for n in j['nodes'] if n.get('healthy')) == 3" 60 "three healthy drillbits"
  say "drover service drill   (the drillbits' user ports; healthy = REST status up and registered in ZooKeeper under /drill/drill)"
  drover service drill
  say "drover nodes list drill"
  drover nodes list drill
}

# Quobyte: nothing runs until a version is posted; then the README's four curl lines, as written there, with
# <scheduler> the API's address: deploy 1.1.5 in dependency order, show, a rolling upgrade to 1.1.6, stop.
example_quobyte() {
  create_and_deploy quobyte
  local lines line typed
  # The operator's shell has no proxy for the scheduler's loopback address.
  unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
  mapfile -t lines < <(grep -E '^curl .*http://<scheduler>/v1/version' "$root/README.md" | sed -e 's/ *#.*$//')
  [ "${#lines[@]}" -eq 4 ] || fail "README.md: expected the four curl lines of the Quobyte section, found ${#lines[@]}"
  curl_line() { # the README's line, <scheduler> replaced
    typed=${1//<scheduler>/127.0.0.1:$api_port}
    say "$1   (as typed: $typed)"
    # curl's progress meter (on stderr when its output is not a terminal) is shown only if the line fails.
    sh -c "$typed" 2>"$demo/curl.err" || { cat "$demo/curl.err" >&2; fail "$typed failed"; }
    echo
  }
  curl_line "${lines[0]}"
  wait_json /v1/version "j['state'] == 'RUNNING' and j['current'] == '1.1.5'" 120 "version 1.1.5 RUNNING"
  say "drover plans show quobyte deploy   (registry, metadata, data, then api and webconsole, each healthy before the next)"
  drover plans show quobyte deploy
  say "drover service quobyte"
  drover service quobyte
  curl_line "${lines[1]}"
  curl_line "${lines[2]}"
  curl_line "${lines[1]}"
  wait_json /v1/version "j['state'] == 'RUNNING' and j['current'] == '1.1.6'" 120 "version 1.1.6 RUNNING"
  say "drover plans show quobyte deploy   (the rolling upgrade: one service at a time, registry first)"
  drover plans show quobyte deploy
  curl_line "${lines[1]}"
  curl_line "${lines[3]}"
  wait_json /v1/version "j['state'] == 'STOPPED'" 120 "every service STOPPED"
  curl_line "${lines[1]}"
}
