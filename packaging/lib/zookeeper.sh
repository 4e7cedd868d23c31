# Shared by the demo and the benchmarks that run a ZooKeeper of their own (source it; it defines functions only):
#   zookeeper_config DIR PORT    writes DIR/zoo.cfg for a standalone server on 127.0.0.1:PORT, its data in DIR/data
#                                (fast ticks, no admin server, the ruok and srvr probes), and prints the file's path
#   zookeeper_run CONFIG         runs Debian's ZooKeeper 3.8 from its jars (no service, no root) in the foreground
zookeeper_config() {
  local dir=$1 port=$2
  mkdir -p "$dir/data"
  cat > "$dir/zoo.cfg" <<CFG
tickTime=500
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
CFG
  echo "$dir/zoo.cfg"
}

zookeeper_run() {
  exec java -Xmx256m -XX:+UseSerialGC -cp /usr/share/java/zookeeper.jar:/usr/share/java/slf4j-api.jar:/usr/share/java/slf4j-simple.jar \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$1"
}
