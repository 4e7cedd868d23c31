/*
 * A stand-in for a Cassandra 4 node, for Drover's tests: no storage, but the surface the executor touches.
 *  - Reads cassandra.yaml the way Cassandra does (from the classpath, whose first entry is $CASSANDRA_CONF,
 *    or from -Dcassandra.config=file:...), and listens on rpc/listen address at native_transport_port and
 *    storage_port. Creates the data, commitlog, saved_caches and hints directories it names.
 *  - Serves org.apache.cassandra.db:type=StorageService over real remote JMX the way JMXServerUtils does for
 *    -Dcassandra.jmx.local.port (cassandra-env.sh with LOCAL_JMX=yes): an RMI registry bound to the loopback
 *    address on that port, java.rmi.server.hostname=127.0.0.1, the connector stub bound as "jmxrmi".
 *    -Dcassandra.jmx.remote.port listens on every address instead. With
 *    -Dcom.sun.management.jmxremote.authenticate=true, users come from
 *    -Dcom.sun.management.jmxremote.password.file ("user password" lines).
 *  - OperationMode is STARTING for fake.cassandra.startup.millis (default 1000), then NORMAL; drain makes it
 *    DRAINED and stops gossip and the native transport; decommission goes LEAVING then DECOMMISSIONED.
 *  - sleep(millis) blocks, to make a JMX call hang on purpose.
 * Log lines go to stdout; the process runs until killed (SIGTERM exits 143 like a JVM does).
 */

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.rmi.registry.LocateRegistry;
import java.rmi.registry.Registry;
import java.rmi.server.RMIServerSocketFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;
import javax.management.remote.JMXAuthenticator;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXPrincipal;
import javax.management.remote.JMXServiceURL;
import javax.management.remote.rmi.RMIConnectorServer;
import javax.management.remote.rmi.RMIJRMPServerImpl;
import javax.security.auth.Subject;

public final class FakeCassandra {
    public static final String STORAGE_SERVICE = "org.apache.cassandra.db:type=StorageService";

    /** The part of Cassandra 4's StorageServiceMBean that Drover and nodetool info/drain/repair/cleanup use. */
    public interface StorageServiceMBean {
        String getOperationMode();
        boolean isInitialized();
        boolean isJoined();
        boolean isDrained();
        boolean isDraining();
        boolean isGossipRunning();
        boolean isNativeTransportRunning();
        String getLocalHostId();
        String getLoadString();
        int getCurrentGenerationNumber();
        List<String> getTokens();
        String getReleaseVersion();
        String getClusterName();
        String getDataCenter();
        String getRack();
        String[] getAllDataFileLocations();
        String getCommitLogLocation();
        String getSavedCachesLocation();
        List<String> getSeeds();
        int getNativeTransportPort();
        int getStoragePort();
        void stopGossiping();
        void startGossiping();
        void stopNativeTransport();
        void startNativeTransport();
        void drain() throws IOException, InterruptedException;
        int forceKeyspaceCleanup(int jobs, String keyspaceName, String... tables);
        int repairAsync(String keyspace, Map<String, String> options);
        void decommission(boolean force) throws InterruptedException;
        void sleep(long millis) throws InterruptedException;
        int getRepairCount();
        int getCleanupCount();
        void removeNode(String hostId);
        List<String> getRemovedNodes();
        String getReplaceAddress();
    }

    public static void main(String[] args) throws Exception {
        Config config = Config.load();
        StorageService service = new StorageService(config);
        service.startListeners();
        startJmx(service);
        if (!service.getReplaceAddress().isEmpty()) {
            log("Replacing a dead node: replace_address_first_boot " + service.getReplaceAddress());
        }
        log("Starting listening for CQL clients on " + config.rpcAddress + ":" + config.nativePort + " (unencrypted)...");
        log("Node " + config.listenAddress + " state jump to STARTING");
        service.finishStartup(Long.getLong("fake.cassandra.startup.millis", 1000L));
        Thread.currentThread().join();
    }

    static synchronized void log(String line) {
        String entry = "INFO  [main] FakeCassandra - " + line;
        System.out.println(entry);
        System.out.flush();
        // Like logback's system.log under -Dcassandra.logdir (bin/cassandra passes $CASSANDRA_LOG_DIR).
        String directory = System.getProperty("cassandra.logdir");
        if (directory != null) {
            try {
                Files.createDirectories(Paths.get(directory));
                Files.write(Paths.get(directory, "system.log"), (entry + "\n").getBytes(StandardCharsets.UTF_8),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (IOException e) {
                System.err.println("cannot write system.log: " + e);
            }
        }
    }

    private static JMXConnectorServer startJmx(StorageService service) throws Exception {
        Integer localPort = Integer.getInteger("cassandra.jmx.local.port");
        Integer remotePort = Integer.getInteger("cassandra.jmx.remote.port");
        if (localPort == null && remotePort == null) {
            System.err.println("JMX is not enabled: set -Dcassandra.jmx.local.port or -Dcassandra.jmx.remote.port (see cassandra-env.sh)");
            System.exit(3);
        }
        boolean local = localPort != null;
        int port = local ? localPort : remotePort;
        InetAddress bind = local ? InetAddress.getLoopbackAddress() : null;
        if (local) {
            System.setProperty("java.rmi.server.hostname", InetAddress.getLoopbackAddress().getHostAddress());
        }

        RMIServerSocketFactory sockets = new BoundSocketFactory(bind);
        Map<String, Object> env = new HashMap<>();
        env.put(RMIConnectorServer.RMI_SERVER_SOCKET_FACTORY_ATTRIBUTE, sockets);
        env.put("jmx.remote.x.daemon", "true");
        env.put("jmx.remote.rmi.server.credentials.filter.pattern", String.class.getName() + ";!*");
        if (Boolean.parseBoolean(System.getProperty("com.sun.management.jmxremote.authenticate", "false"))) {
            env.put(JMXConnectorServer.AUTHENTICATOR, passwordFileAuthenticator(
                    System.getProperty("com.sun.management.jmxremote.password.file")));
        }

        Registry registry;
        try {
            registry = LocateRegistry.createRegistry(port, null, sockets);
        } catch (java.rmi.server.ExportException e) {
            System.err.println("Port already in use: " + port + "; nested exception is: " + e.getCause());
            System.exit(4);
            return null;
        }

        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        server.registerMBean(new StandardMBean(service, StorageServiceMBean.class), new ObjectName(STORAGE_SERVICE));
        int rmiPort = Integer.getInteger("com.sun.management.jmxremote.rmi.port", 0);
        RMIJRMPServerImpl rmi = new RMIJRMPServerImpl(rmiPort, null, sockets, env);
        RMIConnectorServer connector = new RMIConnectorServer(new JMXServiceURL("rmi", null, rmiPort), env, rmi, server);
        connector.start();
        registry.bind("jmxrmi", rmi.toStub());
        log("Configured JMX server at: service:jmx:rmi://" + (local ? "127.0.0.1" : "0.0.0.0")
                + "/jndi/rmi://" + (local ? "127.0.0.1" : "0.0.0.0") + ":" + port + "/jmxrmi");
        return connector;
    }

    private static JMXAuthenticator passwordFileAuthenticator(String file) throws IOException {
        if (file == null) {
            throw new IOException("com.sun.management.jmxremote.authenticate=true needs com.sun.management.jmxremote.password.file");
        }
        Map<String, String> users = new HashMap<>();
        for (String raw : Files.readAllLines(Paths.get(file), StandardCharsets.UTF_8)) {
            String line = raw.trim();
            if (!line.isEmpty() && !line.startsWith("#")) {
                String[] parts = line.split("\\s+", 2);
                users.put(parts[0], parts.length > 1 ? parts[1] : "");
            }
        }
        return credentials -> {
            if (credentials instanceof String[] && ((String[]) credentials).length == 2) {
                String[] pair = (String[]) credentials;
                if (pair[1] != null && pair[1].equals(users.get(pair[0]))) {
                    return new Subject(true, Collections.singleton(new JMXPrincipal(pair[0])),
                            Collections.emptySet(), Collections.emptySet());
                }
            }
            throw new SecurityException("Authentication failed! Invalid username or password");
        };
    }

    /** Server sockets on one address (loopback for local JMX), as Cassandra's JMX socket factory makes them. */
    static final class BoundSocketFactory implements RMIServerSocketFactory {
        private final InetAddress address;

        BoundSocketFactory(InetAddress address) {
            this.address = address;
        }

        @Override
        public ServerSocket createServerSocket(int port) throws IOException {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(address, port), 50);
            return socket;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof BoundSocketFactory && java.util.Objects.equals(((BoundSocketFactory) other).address, address);
        }

        @Override
        public int hashCode() {
            return java.util.Objects.hashCode(address);
        }
    }

    /** The keys of cassandra.yaml the stand-in needs, read with a line parser good enough for what Drover renders. */
    static final class Config {
        String clusterName = "Test Cluster";
        String listenAddress = "127.0.0.1";
        String rpcAddress = "127.0.0.1";
        int nativePort = -1;
        int storagePort = -1;
        String snitch = "SimpleSnitch";
        List<String> dataDirectories = new ArrayList<>();
        String commitlog;
        String savedCaches;
        String hints;
        List<String> seeds = new ArrayList<>();
        String dataCenter = "datacenter1";
        String rack = "rack1";

        static Config load() throws IOException {
            String location = System.getProperty("cassandra.config");
            URL url = location != null ? new URL(location) : FakeCassandra.class.getClassLoader().getResource("cassandra.yaml");
            if (url == null) {
                fail("Cannot locate cassandra.yaml on the classpath (is $CASSANDRA_CONF first on it?)");
            }
            String text;
            try (InputStream in = url.openStream()) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            log("Loading settings from " + url);
            Map<String, String> top = new LinkedHashMap<>();
            Map<String, List<String>> lists = new HashMap<>();
            String currentList = null;
            for (String raw : text.split("\n")) {
                String line = stripComment(raw);
                if (line.trim().isEmpty()) {
                    continue;
                }
                if (!Character.isWhitespace(line.charAt(0)) && !line.startsWith("-")) {
                    int colon = line.indexOf(':');
                    if (colon < 0) {
                        fail("Invalid yaml: line without ':' at top level: " + raw);
                    }
                    String key = line.substring(0, colon).trim();
                    String value = line.substring(colon + 1).trim();
                    top.put(key, unquote(value));
                    currentList = value.isEmpty() ? key : null;
                    continue;
                }
                String trimmed = line.trim();
                if (trimmed.startsWith("seeds:") || trimmed.startsWith("- seeds:")) {
                    String value = unquote(trimmed.substring(trimmed.indexOf(':') + 1).trim());
                    for (String seed : value.split(",")) {
                        if (!seed.trim().isEmpty()) {
                            lists.computeIfAbsent("seeds", k -> new ArrayList<>()).add(seed.trim());
                        }
                    }
                } else if (currentList != null && !currentList.equals("seed_provider") && trimmed.startsWith("- ")) {
                    lists.computeIfAbsent(currentList, k -> new ArrayList<>()).add(unquote(trimmed.substring(2).trim()));
                }
            }
            Config config = new Config();
            config.clusterName = top.getOrDefault("cluster_name", config.clusterName);
            config.listenAddress = top.getOrDefault("listen_address", config.listenAddress);
            config.rpcAddress = top.getOrDefault("rpc_address", config.rpcAddress);
            config.nativePort = port(top, "native_transport_port");
            config.storagePort = port(top, "storage_port");
            config.snitch = top.getOrDefault("endpoint_snitch", config.snitch);
            config.dataDirectories = lists.getOrDefault("data_file_directories", new ArrayList<>());
            config.commitlog = top.get("commitlog_directory");
            config.savedCaches = top.get("saved_caches_directory");
            config.hints = top.get("hints_directory");
            config.seeds = lists.getOrDefault("seeds", new ArrayList<>());
            if (config.dataDirectories.isEmpty() || config.commitlog == null || config.savedCaches == null || config.hints == null) {
                fail("cassandra.yaml must name data_file_directories, commitlog_directory, saved_caches_directory and hints_directory");
            }
            if (config.snitch.endsWith("GossipingPropertyFileSnitch")) {
                config.loadRackDc();
            }
            return config;
        }

        private void loadRackDc() throws IOException {
            URL url = FakeCassandra.class.getClassLoader().getResource("cassandra-rackdc.properties");
            if (url == null) {
                fail("GossipingPropertyFileSnitch needs cassandra-rackdc.properties on the classpath");
            }
            Properties properties = new Properties();
            try (InputStream in = url.openStream()) {
                properties.load(in);
            }
            dataCenter = properties.getProperty("dc", dataCenter).trim();
            rack = properties.getProperty("rack", rack).trim();
        }

        private static int port(Map<String, String> top, String key) {
            String value = top.get(key);
            if (value == null) {
                fail("cassandra.yaml has no " + key);
            }
            try {
                int port = Integer.parseInt(value);
                if (port < 1 || port > 65535) {
                    throw new NumberFormatException();
                }
                return port;
            } catch (NumberFormatException e) {
                fail("Invalid yaml: " + key + " '" + value + "' is not a port");
                return -1;
            }
        }

        private static String stripComment(String line) {
            boolean quoted = false;
            char quote = 0;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (quoted) {
                    if (c == '\\' && quote == '"') {
                        i++;
                    } else if (c == quote) {
                        quoted = false;
                    }
                } else if (c == '"' || c == '\'') {
                    quoted = true;
                    quote = c;
                } else if (c == '#' && (i == 0 || Character.isWhitespace(line.charAt(i - 1)))) {
                    return line.substring(0, i);
                }
            }
            return line.replace("\r", "");
        }

        private static String unquote(String value) {
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                return value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            if (value.length() >= 2 && value.startsWith("'") && value.endsWith("'")) {
                return value.substring(1, value.length() - 1).replace("''", "'");
            }
            return value;
        }

        static void fail(String message) {
            System.err.println("ERROR [main] Exception encountered during startup: " + message);
            System.exit(3);
        }
    }

    public static final class StorageService implements StorageServiceMBean {
        private final Config config;
        private final String hostId = UUID.randomUUID().toString();
        private final int generation = (int) (System.currentTimeMillis() / 1000);
        private final AtomicInteger commands = new AtomicInteger();
        private volatile String mode = "STARTING";
        private volatile boolean initialized;
        private volatile boolean gossip;
        private volatile boolean drained;
        private volatile boolean draining;
        private volatile int repairs;
        private volatile int cleanups;
        private ServerSocket nativeSocket;
        private ServerSocket storageSocket;

        StorageService(Config config) {
            this.config = config;
        }

        void startListeners() throws IOException {
            for (String directory : config.dataDirectories) {
                Files.createDirectories(Paths.get(directory));
            }
            for (String directory : new String[] {config.commitlog, config.savedCaches, config.hints}) {
                Files.createDirectories(Paths.get(directory));
            }
            storageSocket = listen(config.listenAddress, config.storagePort, "storage_port");
            startNativeTransport();
        }

        void finishStartup(long millis) throws InterruptedException {
            initialized = true;
            gossip = true;
            Thread.sleep(millis);
            if (mode.equals("STARTING")) {
                mode = "NORMAL";
                log("Node " + config.listenAddress + " state jump to NORMAL");
            }
        }

        private static ServerSocket listen(String host, int port, String what) {
            try {
                ServerSocket socket = new ServerSocket();
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 50);
                Thread acceptor = new Thread(() -> acceptAndClose(socket), what);
                acceptor.setDaemon(true);
                acceptor.start();
                return socket;
            } catch (IOException e) {
                System.err.println("ERROR [main] Failed to bind " + what + " " + host + ":" + port + ": " + e);
                System.exit(5);
                return null;
            }
        }

        private static void acceptAndClose(ServerSocket socket) {
            while (!socket.isClosed()) {
                try {
                    // A connection test only; the stand-in speaks no protocol.
                    socket.accept().close();
                } catch (IOException e) {
                    return;
                }
            }
        }

        @Override public String getOperationMode() { return mode; }
        @Override public boolean isInitialized() { return initialized; }
        @Override public boolean isJoined() { return initialized && !mode.equals("DECOMMISSIONED"); }
        @Override public boolean isDrained() { return drained; }
        @Override public boolean isDraining() { return draining; }
        @Override public boolean isGossipRunning() { return gossip; }
        @Override public synchronized boolean isNativeTransportRunning() { return nativeSocket != null && !nativeSocket.isClosed(); }
        @Override public String getLocalHostId() { return hostId; }
        @Override public String getLoadString() { return "74.3 KiB"; }
        @Override public int getCurrentGenerationNumber() { return generation; }
        @Override public List<String> getTokens() { return Collections.singletonList("-9223372036854775808"); }
        @Override public String getReleaseVersion() { return "4.1.5-fake"; }
        @Override public String getClusterName() { return config.clusterName; }
        @Override public String getDataCenter() { return config.dataCenter; }
        @Override public String getRack() { return config.rack; }
        @Override public String[] getAllDataFileLocations() { return config.dataDirectories.toArray(new String[0]); }
        @Override public String getCommitLogLocation() { return config.commitlog; }
        @Override public String getSavedCachesLocation() { return config.savedCaches; }
        @Override public List<String> getSeeds() { return new ArrayList<>(config.seeds); }
        @Override public int getNativeTransportPort() { return config.nativePort; }
        @Override public int getStoragePort() { return config.storagePort; }
        @Override public int getRepairCount() { return repairs; }
        @Override public int getCleanupCount() { return cleanups; }
        @Override public synchronized List<String> getRemovedNodes() { return new ArrayList<>(removed); }

        /** -Dcassandra.replace_address_first_boot, as a replacing node reads it (empty when not replacing). */
        @Override public String getReplaceAddress() { return System.getProperty("cassandra.replace_address_first_boot", ""); }

        private final List<String> removed = new ArrayList<>();

        @Override
        public synchronized void removeNode(String hostIdString) {
            UUID id = UUID.fromString(hostIdString);
            if (id.toString().equals(hostId)) {
                throw new UnsupportedOperationException("Cannot remove self");
            }
            removed.add(id.toString());
            log("Removing host " + id + " (removenode)");
        }

        @Override
        public void stopGossiping() {
            gossip = false;
            log("Stopping gossip by operator request");
        }

        @Override
        public void startGossiping() {
            if (drained) {
                throw new IllegalStateException("Unable to start gossip because the node was drained.");
            }
            gossip = true;
            log("Starting gossip by operator request");
        }

        @Override
        public synchronized void stopNativeTransport() {
            if (nativeSocket != null) {
                try {
                    nativeSocket.close();
                } catch (IOException ignored) {
                    // Closing is all we wanted.
                }
                nativeSocket = null;
                log("Stop listening for CQL clients");
            }
        }

        @Override
        public synchronized void startNativeTransport() {
            if (drained) {
                throw new IllegalStateException("Unable to start native transport because the node was drained.");
            }
            if (nativeSocket == null) {
                nativeSocket = listen(config.rpcAddress, config.nativePort, "native_transport_port");
            }
        }

        @Override
        public void drain() throws InterruptedException {
            draining = true;
            mode = "DRAINING";
            log("DRAINING: starting drain process");
            stopNativeTransport();
            gossip = false;
            Thread.sleep(50);
            drained = true;
            draining = false;
            mode = "DRAINED";
            log("DRAINED");
        }

        @Override
        public int forceKeyspaceCleanup(int jobs, String keyspaceName, String... tables) {
            cleanups++;
            log("Cleanup of keyspace " + keyspaceName + " (" + jobs + " jobs)");
            return 0;
        }

        @Override
        public int repairAsync(String keyspace, Map<String, String> options) {
            repairs++;
            int command = commands.incrementAndGet();
            log("Starting repair command #" + command + " on keyspace " + keyspace + " with " + options);
            return command;
        }

        @Override
        public void decommission(boolean force) throws InterruptedException {
            mode = "LEAVING";
            log("LEAVING: sleeping 30000 ms for batch processing and pending range setup");
            Thread.sleep(100);
            stopNativeTransport();
            gossip = false;
            mode = "DECOMMISSIONED";
            log("DECOMMISSIONED");
        }

        @Override
        public void sleep(long millis) throws InterruptedException {
            Thread.sleep(millis);
        }
    }
}
