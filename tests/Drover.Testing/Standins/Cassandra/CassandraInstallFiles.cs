namespace Drover.Testing.Standins.Cassandra;

/// <summary>
/// The files of a fake Cassandra 4 install: scripts that behave like the real bin/cassandra, cassandra.in.sh and
/// nodetool (include search, CASSANDRA_CONF, cassandra-env.sh sourced, jvm*.options read, -f), and a stock-like
/// conf/ (cassandra-env.sh with its hard-coded JMX_PORT="7199"). The JVM classes are FakeCassandra and FakeNodetool,
/// found in lib/fake-cassandra.
/// </summary>
public static class CassandraInstallFiles
{
    public const string CassandraScript = """
        #!/bin/sh
        # Stand-in for Cassandra 4's bin/cassandra: the same include search, CASSANDRA_CONF and cassandra-env.sh
        # handling and options (-f foreground, -p pidfile, -D property); it execs FakeCassandra, not CassandraDaemon.
        jvmoptions_variant="-server"
        if [ "x$CASSANDRA_INCLUDE" = "x" ]; then
            for include in "`dirname "$0"`/cassandra.in.sh" \
                           "$HOME/.cassandra.in.sh"; do
                if [ -r "$include" ]; then
                    . "$include"
                    break
                fi
            done
        elif [ -r "$CASSANDRA_INCLUDE" ]; then
            . "$CASSANDRA_INCLUDE"
        fi

        if [ -z "$CASSANDRA_CONF" -o -z "$CLASSPATH" ]; then
            echo "You must set the CASSANDRA_CONF and CLASSPATH vars" >&2
            exit 1
        fi

        if [ -f "$CASSANDRA_CONF/cassandra-env.sh" ]; then
            . "$CASSANDRA_CONF/cassandra-env.sh"
        fi

        args=`getopt vfhp:bD:H:E: "$@"`
        eval set -- "$args"
        while true; do
            case "$1" in
                -p) pidfile="$2"; shift 2 ;;
                -f) foreground="yes"; shift ;;
                -D) properties="$properties -D$2"; shift 2 ;;
                -H) properties="$properties -XX:HeapDumpPath=$2"; shift 2 ;;
                -E) properties="$properties -XX:ErrorFile=$2"; shift 2 ;;
                --) shift; break ;;
                *) echo "Error parsing arguments!" >&2; exit 1 ;;
            esac
        done

        cassandra_parms="-Dlogback.configurationFile=logback.xml"
        cassandra_parms="$cassandra_parms -Dcassandra.logdir=$CASSANDRA_LOG_DIR"
        cassandra_parms="$cassandra_parms -Dcassandra.storagedir=$cassandra_storagedir"
        if [ "x$pidfile" != "x" ]; then
            cassandra_parms="$cassandra_parms -Dcassandra-pidfile=$pidfile"
        fi

        if [ "x$foreground" != "x" ]; then
            cassandra_parms="$cassandra_parms -Dcassandra-foreground=yes"
            exec "$JAVA" $JVM_OPTS $cassandra_parms -cp "$CLASSPATH" $properties FakeCassandra
        else
            "$JAVA" $JVM_OPTS $cassandra_parms -cp "$CLASSPATH" $properties FakeCassandra <&- &
            [ ! -z "$pidfile" ] && printf "%d" $! > "$pidfile"
            true
        fi
        """;

    public const string IncludeScript = """
        # Stand-in for Cassandra 4's bin/cassandra.in.sh.
        if [ "x$CASSANDRA_HOME" = "x" ]; then
            CASSANDRA_HOME="`dirname "$0"`/.."
        fi

        # The directory where Cassandra's configs live (required)
        if [ "x$CASSANDRA_CONF" = "x" ]; then
            CASSANDRA_CONF="$CASSANDRA_HOME/conf"
        fi

        # The java classpath (required): conf first, so cassandra.yaml and logback.xml come from CASSANDRA_CONF.
        CLASSPATH="$CASSANDRA_CONF:$CASSANDRA_HOME/lib/fake-cassandra"

        # the default location for commitlogs, sstables, and saved caches if not set in cassandra.yaml
        cassandra_storagedir="$CASSANDRA_HOME/data"

        if [ -n "$JAVA_HOME" ]; then
            for java in "$JAVA_HOME"/bin/amd64/java "$JAVA_HOME"/bin/java; do
                if [ -x "$java" ]; then
                    JAVA="$java"
                    break
                fi
            done
        else
            JAVA=`command -v java 2> /dev/null`
        fi

        if [ -z $JAVA ] ; then
            echo Unable to find java executable. Check JAVA_HOME and PATH environment variables. >&2
            exit 1;
        fi

        # Determine the sort of JVM we'll be running on.
        java_ver_output=`"${JAVA:-java}" -version 2>&1`
        jvmver=`echo "$java_ver_output" | grep '[openjdk|java] version' | awk -F'"' 'NR==1 {print $2}' | cut -d\- -f1`
        JAVA_VERSION=`echo "$jvmver" | cut -d. -f1`

        # Read user-defined JVM options from jvm-server.options (or jvm-clients.options for tools)
        JVM_OPTS_FILE=$CASSANDRA_CONF/jvm${jvmoptions_variant:--clients}.options
        if [ $JAVA_VERSION -ge 17 ] ; then
            JVM_DEP_OPTS_FILE=$CASSANDRA_CONF/jvm17${jvmoptions_variant:--clients}.options
        else
            JVM_DEP_OPTS_FILE=$CASSANDRA_CONF/jvm11${jvmoptions_variant:--clients}.options
        fi

        for opt in `grep "^-" $JVM_OPTS_FILE` `grep "^-" $JVM_DEP_OPTS_FILE`
        do
          JVM_OPTS="$JVM_OPTS $opt"
        done
        """;

    public const string NodetoolScript = """
        #!/bin/sh
        # Stand-in for Cassandra 4's bin/nodetool: one JVM per command, connecting over remote JMX.
        if [ "x$CASSANDRA_INCLUDE" = "x" ]; then
            for include in "`dirname "$0"`/cassandra.in.sh" \
                           "$HOME/.cassandra.in.sh"; do
                if [ -r "$include" ]; then
                    . "$include"
                    break
                fi
            done
        elif [ -r "$CASSANDRA_INCLUDE" ]; then
            . "$CASSANDRA_INCLUDE"
        fi

        # Use JMX_PORT from cassandra-env.sh unless -p is given (a later -p wins in the argument parser).
        if [ -f "$CASSANDRA_CONF/cassandra-env.sh" ]; then
            JMX_PORT=`grep -E '^[[:space:]]*JMX_PORT=' "$CASSANDRA_CONF/cassandra-env.sh" | tail -n 1 | sed -e 's/^[[:space:]]*JMX_PORT="\{0,1\}\([0-9]*\).*/\1/'`
        fi
        if [ "x$JMX_PORT" = "x" ]; then
            JMX_PORT=7199
        fi

        exec "$JAVA" -ea -cp "$CLASSPATH" $JVM_OPTS -Xmx128m \
            -Dcassandra.storagedir="$cassandra_storagedir" \
            -Dlogback.configurationFile=logback-tools.xml \
            FakeNodetool -p "$JMX_PORT" "$@"
        """;

    /// <summary>Shaped like the stock conf/cassandra-env.sh of Cassandra 4 (heap sizing left out: the stand-in is small).</summary>
    public const string EnvScript = """
        # Stand-in for Cassandra 4's conf/cassandra-env.sh (sourced by bin/cassandra).

        # Sets the path where logback and GC logs are written.
        if [ "x$CASSANDRA_LOG_DIR" = "x" ] ; then
            CASSANDRA_LOG_DIR="$CASSANDRA_HOME/logs"
        fi

        #GC log path has to be defined here because it needs to access CASSANDRA_HOME
        if [ $JAVA_VERSION -ge 11 ] ; then
            echo "$JVM_OPTS" | grep -qe "-[X]log:gc"
            if [ "$?" = "1" ] ; then
                mkdir -p ${CASSANDRA_LOG_DIR}
                JVM_OPTS="$JVM_OPTS -Xlog:gc=info:file=${CASSANDRA_LOG_DIR}/gc.log:time,uptime,pid,tid,level:filecount=10,filesize=10485760"
            fi
        fi

        if [ "x$MALLOC_ARENA_MAX" = "x" ] ; then
            export MALLOC_ARENA_MAX=4
        fi

        # jmx: metrics and administration interface
        #
        # Cassandra ships with JMX accessible *only* from localhost.
        if [ "x$LOCAL_JMX" = "x" ]; then
            LOCAL_JMX=yes
        fi

        # Specifies the default port over which Cassandra will be available for
        # JMX connections.
        # For security reasons, you should not expose this port to the internet.  Firewall it if needed.
        JMX_PORT="7199"

        if [ "$LOCAL_JMX" = "yes" ]; then
          JVM_OPTS="$JVM_OPTS -Dcassandra.jmx.local.port=$JMX_PORT"
          JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.authenticate=false"
        else
          JVM_OPTS="$JVM_OPTS -Dcassandra.jmx.remote.port=$JMX_PORT"
          JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.rmi.port=$JMX_PORT"
          JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.authenticate=true"
        fi

        # jmx authentication and authorization options. By default, auth is only
        # activated for remote connections but they can also be enabled for local only JMX
        JVM_OPTS="$JVM_OPTS -Dcom.sun.management.jmxremote.password.file=/etc/cassandra/jmxremote.password"

        JVM_OPTS="$JVM_OPTS $JVM_EXTRA_OPTS"
        """;

    /// <summary>The stock cassandra.yaml's required directives (the personality renders its own).</summary>
    public const string StockYaml = """
        cluster_name: 'Test Cluster'
        num_tokens: 16
        partitioner: org.apache.cassandra.dht.Murmur3Partitioner
        commitlog_sync: periodic
        commitlog_sync_period_in_ms: 10000
        seed_provider:
          - class_name: org.apache.cassandra.locator.SimpleSeedProvider
            parameters:
              - seeds: "127.0.0.1:7000"
        listen_address: localhost
        rpc_address: localhost
        native_transport_port: 9042
        storage_port: 7000
        endpoint_snitch: SimpleSnitch
        data_file_directories:
          - /var/lib/cassandra/data
        commitlog_directory: /var/lib/cassandra/commitlog
        saved_caches_directory: /var/lib/cassandra/saved_caches
        hints_directory: /var/lib/cassandra/hints
        """;

    /// <summary>Small, quick-starting JVMs: the tests start several of these on a shared 2-core machine.</summary>
    public const string ServerOptions = """
        # Stand-in jvm-server.options
        -Xss256k
        -Xms16m
        -Xmx96m
        -XX:+UseSerialGC
        -XX:TieredStopAtLevel=1
        """;

    public const string ClientOptions = """
        # Stand-in jvm-clients.options
        -Xss256k
        """;

    public const string LogbackXml = """
        <configuration scan="false">
          <!-- Stand-in logback.xml: the fake writes ${cassandra.logdir}/system.log itself. -->
          <root level="INFO"/>
        </configuration>
        """;

    public const string RackDc = """
        dc=dc1
        rack=rack1
        """;

    /// <summary>Relative path (from the install dir) to content, for every file but the compiled classes.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bin/cassandra"] = CassandraScript,
        ["bin/cassandra.in.sh"] = IncludeScript,
        ["bin/nodetool"] = NodetoolScript,
        ["conf/cassandra-env.sh"] = EnvScript,
        ["conf/cassandra.yaml"] = StockYaml,
        ["conf/jvm-server.options"] = ServerOptions,
        ["conf/jvm11-server.options"] = "# Java 11 specific settings\n",
        ["conf/jvm17-server.options"] = "# Java 17 specific settings\n",
        ["conf/jvm-clients.options"] = ClientOptions,
        ["conf/jvm11-clients.options"] = "# Java 11 specific settings\n",
        ["conf/jvm17-clients.options"] = "# Java 17 specific settings\n",
        ["conf/logback.xml"] = LogbackXml,
        ["conf/logback-tools.xml"] = LogbackXml,
        ["conf/cassandra-rackdc.properties"] = RackDc,
    };

    /// <summary>A ReadInstallFile for a personality: the install's file at an absolute path, from <see cref="All"/>.</summary>
    public static Func<string, string?> Reader(string installDir) => path =>
    {
        var relative = Path.GetRelativePath(installDir, path);
        return All.TryGetValue(relative, out var content) ? content + "\n" : null;
    };
}
