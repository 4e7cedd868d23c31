// A stand-in for an Apache Drill drillbit, for Drover's tests. It speaks the real protocols Drover
// reads: it registers a DrillServiceInstance protobuf (hand-encoded with Drill's field numbers) as an
// ephemeral znode /<zk.root>/<cluster-id>/<uuid> in a real ZooKeeper (through the official client),
// STARTUP then ONLINE, as Curator service discovery does for Drill; it serves GET /status.json with
// Drill's JSON and POST /gracefulShutdown (QUIESCENT, grace period, unregister, exit). It reads the
// drill-override.conf that DRILL_CONF_DIR points at, as bin/drillbit.sh would, and binds the user,
// control and data ports it names. Everything listens on 127.0.0.1. When DRILL_STANDIN_RECORD names a
// file, every graceful shutdown asked for is appended to it ("graceful-shutdown <host>:<user port>
// <epoch ms>"): the record a test reads of the calls the drillbit received.
//
// Usage: java -cp <zookeeper jars>:<classes> DrillStandin <path to drill-override.conf>

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

public final class DrillStandin {
    // DrillbitEndpoint.State, as in Drill's Coordination.proto.
    static final int STARTUP = 0;
    static final int ONLINE = 1;
    static final int QUIESCENT = 2;

    final String clusterId;
    final String zkConnect;
    final String zkRoot;
    final String host;
    final int userPort;
    final int controlPort;
    final int dataPort;
    final int httpPort;
    final long gracePeriodMs;
    final String id = UUID.randomUUID().toString();
    final long registeredAt = System.currentTimeMillis();
    final List<ServerSocket> listeners = new ArrayList<>();
    ZooKeeper zk;
    HttpServer http;
    String znode;
    boolean drained;

    DrillStandin(Map<String, Object> conf) {
        Map<String, Object> exec = object(object(conf, "drill"), "exec");
        clusterId = string(exec, "cluster-id");
        Map<String, Object> zkConf = object(exec, "zk");
        zkConnect = string(zkConf, "connect");
        zkRoot = zkConf.containsKey("root") ? string(zkConf, "root") : "drill";
        Map<String, Object> rpc = object(exec, "rpc");
        userPort = number(object(object(rpc, "user"), "server"), "port");
        Map<String, Object> bit = object(object(rpc, "bit"), "server");
        controlPort = number(bit, "port");
        dataPort = bit.containsKey("dataport") ? number(bit, "dataport") : controlPort + 1;
        httpPort = number(object(exec, "http"), "port");
        gracePeriodMs = exec.containsKey("grace_period_ms") ? number(exec, "grace_period_ms") : 0;
        String advertised = System.getenv("DRILL_HOST_NAME");
        host = advertised != null && !advertised.isEmpty() ? advertised : "localhost";
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            fail("usage: DrillStandin <drill-override.conf>");
        }
        String text = Files.readString(Path.of(args[0]), StandardCharsets.UTF_8);
        @SuppressWarnings("unchecked")
        Map<String, Object> conf = (Map<String, Object>) new Json(text).document();
        DrillStandin bit = new DrillStandin(conf);
        Runtime.getRuntime().addShutdownHook(new Thread(bit::drain, "drill-standin-shutdown"));
        bit.start();
        log("ONLINE as " + bit.znode + " (" + bit.host + ":" + bit.userPort + ", http " + bit.httpPort + ")");
        Thread.currentThread().join();
    }

    void start() throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        zk = new ZooKeeper(zkConnect, 10000, event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(20, TimeUnit.SECONDS)) {
            fail("no ZooKeeper session with " + zkConnect);
        }
        String parent = "/" + zkRoot + "/" + clusterId;
        createParents(parent);
        znode = zk.create(parent + "/" + id, instance(STARTUP), ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.EPHEMERAL);
        listen(userPort);
        listen(controlPort);
        listen(dataPort);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), httpPort), 16);
        http.createContext("/status.json", this::status);
        http.createContext("/gracefulShutdown", this::gracefulShutdown);
        http.start();
        zk.setData(znode, instance(ONLINE), -1);
    }

    void createParents(String path) throws Exception {
        StringBuilder prefix = new StringBuilder();
        for (String part : path.substring(1).split("/")) {
            prefix.append('/').append(part);
            try {
                zk.create(prefix.toString(), new byte[0], ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT);
            } catch (KeeperException.NodeExistsException e) {
                // Another drillbit (or an earlier run) made it.
            }
        }
    }

    void listen(int port) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        listeners.add(socket);
        Thread accept = new Thread(() -> {
            while (!socket.isClosed()) {
                try (Socket client = socket.accept()) {
                    // The stand-in speaks no Drill RPC: it only holds the port.
                } catch (IOException e) {
                    return;
                }
            }
        }, "drill-standin-port-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    void status(HttpExchange exchange) throws IOException {
        if (!"GET".equals(exchange.getRequestMethod())) {
            reply(exchange, 405, "{\n  \"errorMessage\" : \"GET only\"\n}");
            return;
        }
        // What Jackson writes for Drill's Pair<String, String>("status", "Running!").
        reply(exchange, 200, "{\n  \"status\" : \"Running!\"\n}");
    }

    void gracefulShutdown(HttpExchange exchange) throws IOException {
        if (!"POST".equals(exchange.getRequestMethod())) {
            reply(exchange, 405, "{\n  \"errorMessage\" : \"POST only\"\n}");
            return;
        }
        record("graceful-shutdown");
        reply(exchange, 200, "{\n  \"response\" : \"Graceful Shutdown request is triggered\"\n}");
        Thread shutdown = new Thread(() -> {
            drain();
            System.exit(0);
        }, "drill-standin-graceful");
        shutdown.start();
    }

    /** One line in DRILL_STANDIN_RECORD, if set (a short O_APPEND write: lines of several drillbits do not mix). */
    void record(String call) throws IOException {
        String file = System.getenv("DRILL_STANDIN_RECORD");
        if (file == null || file.isEmpty()) {
            return;
        }
        String line = call + " " + host + ":" + userPort + " " + System.currentTimeMillis() + "\n";
        Files.writeString(Path.of(file), line, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /** As Drillbit.close(): QUIESCENT, the grace period, unregister, stop serving. Once. */
    synchronized void drain() {
        if (drained || znode == null) {
            return;
        }
        drained = true;
        try {
            zk.setData(znode, instance(QUIESCENT), -1);
            log("QUIESCENT; grace period " + gracePeriodMs + " ms");
            Thread.sleep(gracePeriodMs);
            zk.delete(znode, -1);
            zk.close();
        } catch (Exception e) {
            log("draining failed: " + e);
        }
        if (http != null) {
            http.stop(0);
        }
        for (ServerSocket socket : listeners) {
            try {
                socket.close();
            } catch (IOException e) {
                // Closing anyway.
            }
        }
        log("drained");
    }

    static void reply(HttpExchange exchange, int code, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    // DrillServiceInstance { 1: id, 2: registrationTimeUTC, 3: endpoint }
    byte[] instance(int state) {
        Proto endpoint = new Proto()
            .string(1, host)        // address
            .varint(2, userPort)    // user_port
            .varint(3, controlPort) // control_port
            .varint(4, dataPort)    // data_port
            .string(6, "1.21.0-drover-standin") // version
            .varint(7, state)       // state
            .varint(8, httpPort);   // http_port
        return new Proto()
            .string(1, id)
            .varint(2, registeredAt)
            .message(3, endpoint)
            .bytes();
    }

    /** Protobuf wire format, the three kinds Drill's registration uses. */
    static final class Proto {
        final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto varint(int field, long value) {
            tag(field, 0);
            raw(value);
            return this;
        }

        Proto string(int field, String value) {
            return delimited(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto value) {
            return delimited(field, value.bytes());
        }

        Proto delimited(int field, byte[] value) {
            tag(field, 2);
            raw(value.length);
            out.writeBytes(value);
            return this;
        }

        void tag(int field, int wireType) {
            raw(((long) field << 3) | wireType);
        }

        void raw(long value) {
            while ((value & ~0x7FL) != 0) {
                out.write((int) ((value & 0x7F) | 0x80));
                value >>>= 7;
            }
            out.write((int) value);
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Just enough JSON (with HOCON's // and # comments) to read the rendered drill-override.conf. */
    static final class Json {
        final String text;
        int at;

        Json(String text) {
            this.text = text;
        }

        Object document() {
            Object value = value();
            space();
            if (at != text.length()) {
                fail("drill-override.conf: unexpected text at offset " + at);
            }
            return value;
        }

        Object value() {
            space();
            if (at >= text.length()) {
                fail("drill-override.conf: unexpected end");
            }
            char c = text.charAt(at);
            if (c == '{') {
                return object();
            }
            if (c == '[') {
                return array();
            }
            if (c == '"') {
                return string();
            }
            int start = at;
            while (at < text.length() && ",}] \t\r\n".indexOf(text.charAt(at)) < 0) {
                at++;
            }
            String word = text.substring(start, at);
            switch (word) {
                case "true": return Boolean.TRUE;
                case "false": return Boolean.FALSE;
                case "null": return null;
                default:
                    try {
                        return Double.parseDouble(word);
                    } catch (NumberFormatException e) {
                        fail("drill-override.conf: '" + word + "' at offset " + start + " is not JSON");
                        return null;
                    }
            }
        }

        Map<String, Object> object() {
            Map<String, Object> result = new LinkedHashMap<>();
            at++;
            space();
            if (peek('}')) {
                at++;
                return result;
            }
            while (true) {
                space();
                String key = string();
                space();
                expect(':');
                result.put(key, value());
                space();
                if (peek(',')) {
                    at++;
                    continue;
                }
                expect('}');
                return result;
            }
        }

        List<Object> array() {
            List<Object> result = new ArrayList<>();
            at++;
            space();
            if (peek(']')) {
                at++;
                return result;
            }
            while (true) {
                result.add(value());
                space();
                if (peek(',')) {
                    at++;
                    continue;
                }
                expect(']');
                return result;
            }
        }

        String string() {
            expect('"');
            StringBuilder result = new StringBuilder();
            while (at < text.length()) {
                char c = text.charAt(at++);
                if (c == '"') {
                    return result.toString();
                }
                if (c != '\\') {
                    result.append(c);
                    continue;
                }
                char e = text.charAt(at++);
                switch (e) {
                    case 'n': result.append('\n'); break;
                    case 't': result.append('\t'); break;
                    case 'r': result.append('\r'); break;
                    case 'b': result.append('\b'); break;
                    case 'f': result.append('\f'); break;
                    case 'u': result.append((char) Integer.parseInt(text.substring(at, at + 4), 16)); at += 4; break;
                    default: result.append(e);
                }
            }
            fail("drill-override.conf: unterminated string");
            return null;
        }

        void space() {
            while (at < text.length()) {
                char c = text.charAt(at);
                if (Character.isWhitespace(c)) {
                    at++;
                } else if (c == '#' || text.startsWith("//", at)) {
                    while (at < text.length() && text.charAt(at) != '\n') {
                        at++;
                    }
                } else {
                    return;
                }
            }
        }

        boolean peek(char c) {
            return at < text.length() && text.charAt(at) == c;
        }

        void expect(char c) {
            if (!peek(c)) {
                fail("drill-override.conf: expected '" + c + "' at offset " + at);
            }
            at++;
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Map)) {
            fail("drill-override.conf: '" + key + "' is not an object");
        }
        return (Map<String, Object>) value;
    }

    static String string(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof String)) {
            fail("drill-override.conf: '" + key + "' is not a string");
        }
        return (String) value;
    }

    static int number(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        if (!(value instanceof Double)) {
            fail("drill-override.conf: '" + key + "' is not a number");
        }
        return (int) (double) (Double) value;
    }

    static void log(String message) {
        System.err.println("drill-standin: " + message);
    }

    static void fail(String message) {
        log(message);
        System.exit(2);
    }
}
