/*
 * drover-jmx-helper: one long-lived JVM per node that the executor talks to over stdin/stdout, so a JMX
 * health check costs one RMI round trip instead of a JVM start (what nodetool pays every time).
 *
 * Usage: java -jar drover-jmx-helper.jar <service:jmx:... URL | host:port> [--credentials-stdin | --credentials-file PATH]
 *
 * Credentials never come on the command line (argv is visible in ps):
 *   --credentials-stdin     the first stdin line is {"username":"...","password":"..."}
 *   --credentials-file P    P holds one "username password" line (the jmxremote.password format; # comments)
 *
 * Protocol: one JSON object per line each way, UTF-8. Requests carry an integer "id" echoed in the reply;
 * replies may come out of order (requests run on a small pool).
 *   {"id":1,"op":"ping"}                                                -> {"id":1,"ok":true,"result":"pong"}
 *   {"id":2,"op":"read","mbean":"d:type=T","attributes":["A","B"]}      -> {"id":2,"ok":true,"values":{"A":..,"B":..}}
 *   {"id":3,"op":"invoke","mbean":"d:type=T","operation":"drain",
 *    "arguments":[..],"signature":["java.lang.String",..]}              -> {"id":3,"ok":true,"result":..}
 *   any failure                                                         -> {"id":N,"ok":false,"error":"..."}
 * A line that is not a request (bad JSON, too long, no id) gets {"id":null,"ok":false,"error":"..."}.
 * Values: strings, numbers, booleans, null; arrays and collections as arrays; CompositeData and maps as
 * objects; TabularData as an array of row objects; anything else as its toString().
 * The JVM exits when stdin closes (the executor went away).
 *
 * JDK only, Java 8 language level and API (build-jmx-helper.sh compiles with --release 8): it runs on the
 * node's own Java.
 */

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.openmbean.TabularData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public final class DroverJmxHelper {
    /** Longest request line accepted, and longest reply sent (the executor's own limit is 1 MiB). */
    static final int MAX_LINE = 1 << 20;
    static final int WORKERS = 4;

    private final JMXServiceURL url;
    private final String[] credentials;
    private final PrintStream out;
    private final Object connectionLock = new Object();
    private JMXConnector connector;
    private MBeanServerConnection connection;

    DroverJmxHelper(JMXServiceURL url, String[] credentials, PrintStream out) {
        this.url = url;
        this.credentials = credentials;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), false, "UTF-8");
        InputStream in = new BufferedInputStream(System.in, 65536);
        if (args.length < 1 || args.length > 3) {
            usage("expected a JMX URL or host:port");
        }

        JMXServiceURL url = new JMXServiceURL(toUrl(args[0]));
        String[] credentials = null;
        if (args.length >= 2) {
            if (args[1].equals("--credentials-stdin") && args.length == 2) {
                byte[] line = readLine(in);
                if (line == null || line.length > MAX_LINE) {
                    usage("--credentials-stdin: no credentials line on stdin");
                }
                credentials = credentialsFromJson(new String(line, StandardCharsets.UTF_8));
            } else if (args[1].equals("--credentials-file") && args.length == 3) {
                credentials = credentialsFromFile(args[2]);
            } else {
                usage("unknown option " + args[1]);
            }
        }

        new DroverJmxHelper(url, credentials, out).serve(in);
        System.exit(0);
    }

    private static void usage(String problem) {
        System.err.println("drover-jmx-helper: " + problem);
        System.err.println("usage: drover-jmx-helper <service:jmx:URL | host:port> [--credentials-stdin | --credentials-file PATH]");
        System.exit(2);
    }

    static String toUrl(String target) {
        if (target.startsWith("service:jmx:")) {
            return target;
        }
        int colon = target.lastIndexOf(':');
        if (colon <= 0 || colon == target.length() - 1) {
            usage("'" + target + "' is neither a service:jmx: URL nor host:port");
        }
        return "service:jmx:rmi:///jndi/rmi://" + target + "/jmxrmi";
    }

    static String[] credentialsFromJson(String line) {
        Object parsed;
        try {
            parsed = new Json(line).parseDocument();
        } catch (IllegalArgumentException e) {
            usage("--credentials-stdin: the first line is not JSON: " + e.getMessage());
            return null;
        }
        if (!(parsed instanceof Map)) {
            usage("--credentials-stdin: the first line must be {\"username\":...,\"password\":...}");
        }
        Map<?, ?> map = (Map<?, ?>) parsed;
        Object user = map.get("username");
        Object password = map.get("password");
        if (!(user instanceof String) || !(password instanceof String)) {
            usage("--credentials-stdin: username and password must both be strings");
        }
        return new String[] {(String) user, (String) password};
    }

    static String[] credentialsFromFile(String path) throws IOException {
        for (String raw : Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8)) {
            String line = raw.trim();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split("\\s+", 2);
            if (parts.length != 2) {
                usage("--credentials-file " + path + ": expected 'username password'");
            }
            return parts;
        }
        usage("--credentials-file " + path + ": no 'username password' line");
        return null;
    }

    /** Reads requests until stdin closes; every line gets exactly one reply. */
    void serve(InputStream in) throws IOException {
        ExecutorService pool = Executors.newFixedThreadPool(WORKERS, daemonThreads());
        while (true) {
            byte[] line;
            try {
                line = readLine(in);
            } catch (IOException e) {
                break;
            }
            if (line == null) {
                break;
            }
            if (line.length > MAX_LINE) {
                reply(null, false, "error", "request line longer than " + MAX_LINE + " bytes");
                continue;
            }
            String text = new String(line, StandardCharsets.UTF_8).trim();
            if (text.isEmpty()) {
                continue;
            }
            final Map<?, ?> request;
            final Long id;
            try {
                Object parsed = new Json(text).parseDocument();
                if (!(parsed instanceof Map)) {
                    throw new IllegalArgumentException("a request must be a JSON object");
                }
                request = (Map<?, ?>) parsed;
                Object rawId = request.get("id");
                if (!(rawId instanceof Long)) {
                    throw new IllegalArgumentException("a request needs an integer \"id\"");
                }
                id = (Long) rawId;
            } catch (IllegalArgumentException e) {
                reply(null, false, "error", "bad request: " + e.getMessage());
                continue;
            }
            pool.execute(() -> handle(id, request));
        }
        // stdin closed: finish what was asked (briefly), then go; the executor may be gone.
        pool.shutdown();
        try {
            pool.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static ThreadFactory daemonThreads() {
        return runnable -> {
            Thread thread = new Thread(runnable, "drover-jmx-worker");
            thread.setDaemon(true);
            return thread;
        };
    }

    private void handle(Long id, Map<?, ?> request) {
        try {
            Object op = request.get("op");
            if ("ping".equals(op)) {
                reply(id, true, "result", "pong");
            } else if ("read".equals(op)) {
                reply(id, true, "values", read(request));
            } else if ("invoke".equals(op)) {
                reply(id, true, "result", invoke(request));
            } else {
                throw new IllegalArgumentException("unknown op " + Json.write(op) + " (ping, read, invoke)");
            }
        } catch (IllegalArgumentException e) {
            reply(id, false, "error", "bad request: " + e.getMessage());
        } catch (Throwable e) {
            reply(id, false, "error", describe(e));
        }
    }

    private Map<String, Object> read(Map<?, ?> request) throws Exception {
        ObjectName name = mbean(request);
        Object rawAttributes = request.get("attributes");
        if (!(rawAttributes instanceof List) || ((List<?>) rawAttributes).isEmpty()) {
            throw new IllegalArgumentException("\"attributes\" must be a non-empty array of names");
        }
        List<?> list = (List<?>) rawAttributes;
        String[] attributes = new String[list.size()];
        for (int i = 0; i < attributes.length; i++) {
            if (!(list.get(i) instanceof String)) {
                throw new IllegalArgumentException("\"attributes\" must hold strings");
            }
            attributes[i] = (String) list.get(i);
        }

        // Reads are idempotent: one retry on a fresh connection hides a restarted service.
        try {
            return readOnce(connection(), name, attributes);
        } catch (IOException e) {
            dropConnection();
            return readOnce(connection(), name, attributes);
        }
    }

    private static Map<String, Object> readOnce(MBeanServerConnection server, ObjectName name, String[] attributes)
            throws Exception {
        AttributeList found = server.getAttributes(name, attributes);
        Map<String, Object> values = new LinkedHashMap<>();
        for (Attribute attribute : found.asList()) {
            values.put(attribute.getName(), attribute.getValue());
        }
        for (String attribute : attributes) {
            if (!values.containsKey(attribute)) {
                // getAttributes drops what it could not read; getAttribute says why.
                values.put(attribute, server.getAttribute(name, attribute));
            }
        }
        return values;
    }

    private Object invoke(Map<?, ?> request) throws Exception {
        ObjectName name = mbean(request);
        Object operation = request.get("operation");
        if (!(operation instanceof String) || ((String) operation).isEmpty()) {
            throw new IllegalArgumentException("\"operation\" must be a non-empty string");
        }
        List<?> arguments = optionalList(request, "arguments");
        List<?> signature = optionalList(request, "signature");
        if (signature != null && signature.size() != (arguments == null ? 0 : arguments.size())) {
            throw new IllegalArgumentException("\"signature\" has " + signature.size() + " types for "
                    + (arguments == null ? 0 : arguments.size()) + " arguments");
        }
        int count = arguments == null ? 0 : arguments.size();
        Object[] values = new Object[count];
        String[] types = new String[count];
        for (int i = 0; i < count; i++) {
            Object argument = arguments.get(i);
            String type = signature == null ? inferType(argument) : stringAt(signature, i, "signature");
            types[i] = type;
            values[i] = Convert.argument(argument, type, i);
        }
        // Not retried: an operation (decommission, repair) must not run twice because a reply was lost.
        try {
            return connection().invoke(name, (String) operation, values, types);
        } catch (IOException e) {
            dropConnection();
            throw e;
        }
    }

    private static ObjectName mbean(Map<?, ?> request) throws Exception {
        Object mbean = request.get("mbean");
        if (!(mbean instanceof String)) {
            throw new IllegalArgumentException("\"mbean\" must be an ObjectName string");
        }
        try {
            return new ObjectName((String) mbean);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException("\"mbean\" " + Json.write(mbean) + " is not an ObjectName: " + e.getMessage());
        }
    }

    private static List<?> optionalList(Map<?, ?> request, String key) {
        Object value = request.get(key);
        if (value == null) {
            return null;
        }
        if (!(value instanceof List)) {
            throw new IllegalArgumentException("\"" + key + "\" must be an array");
        }
        return (List<?>) value;
    }

    private static String stringAt(List<?> list, int index, String what) {
        Object value = list.get(index);
        if (!(value instanceof String)) {
            throw new IllegalArgumentException("\"" + what + "\"[" + index + "] must be a type name string");
        }
        return (String) value;
    }

    private static String inferType(Object argument) {
        if (argument instanceof String) {
            return "java.lang.String";
        }
        if (argument instanceof Boolean) {
            return "boolean";
        }
        if (argument instanceof Long) {
            long value = (Long) argument;
            return value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? "int" : "long";
        }
        if (argument instanceof Number) {
            return "double";
        }
        if (argument instanceof Map) {
            return "java.util.Map";
        }
        if (argument instanceof List) {
            return "[Ljava.lang.String;";
        }
        throw new IllegalArgumentException("cannot infer a type for a null argument; give \"signature\"");
    }

    private MBeanServerConnection connection() throws IOException {
        synchronized (connectionLock) {
            if (connection == null) {
                Map<String, Object> environment = new HashMap<>();
                if (credentials != null) {
                    environment.put(JMXConnector.CREDENTIALS, credentials.clone());
                }
                JMXConnector fresh = JMXConnectorFactory.connect(url, environment);
                connector = fresh;
                connection = fresh.getMBeanServerConnection();
            }
            return connection;
        }
    }

    private void dropConnection() {
        synchronized (connectionLock) {
            if (connector != null) {
                try {
                    connector.close();
                } catch (IOException ignored) {
                    // The connection is already broken; a fresh one is made on the next request.
                }
            }
            connector = null;
            connection = null;
        }
    }

    private void reply(Long id, boolean ok, String key, Object value) {
        StringBuilder line = new StringBuilder(128);
        line.append("{\"id\":").append(id == null ? "null" : id.toString()).append(",\"ok\":").append(ok).append(",\"");
        line.append(key).append("\":");
        try {
            Json.append(line, value, 0);
        } catch (RuntimeException e) {
            line.setLength(0);
            line.append("{\"id\":").append(id).append(",\"ok\":false,\"error\":");
            Json.appendString(line, "cannot encode the reply: " + describe(e));
        }
        line.append('}');
        byte[] bytes = line.toString().getBytes(StandardCharsets.UTF_8);
        if (bytes.length >= MAX_LINE) {
            StringBuilder error = new StringBuilder(128);
            error.append("{\"id\":").append(id).append(",\"ok\":false,\"error\":");
            Json.appendString(error, "reply of " + bytes.length + " bytes exceeds the " + MAX_LINE + "-byte line limit");
            bytes = error.append('}').toString().getBytes(StandardCharsets.UTF_8);
        }
        synchronized (out) {
            out.write(bytes, 0, bytes.length);
            out.write('\n');
            out.flush();
        }
    }

    /** "Type: message", and the root cause when it is another exception: short enough for a health detail. */
    static String describe(Throwable e) {
        Throwable top = e;
        // Wrappers whose message only repeats the cause's.
        while ((top instanceof javax.management.MBeanException || top instanceof javax.management.ReflectionException
                || top instanceof javax.management.RuntimeMBeanException
                || top instanceof java.lang.reflect.InvocationTargetException)
                && top.getCause() != null) {
            top = top.getCause();
        }
        Throwable root = top;
        for (int depth = 0; root.getCause() != null && root.getCause() != root && depth < 16; depth++) {
            root = root.getCause();
        }
        String text = oneLine(top);
        return root == top ? text : text + " (root cause: " + oneLine(root) + ")";
    }

    private static String oneLine(Throwable e) {
        String message = e.getMessage();
        if (message != null) {
            int nested = message.indexOf("; nested exception is");
            int bracket = message.indexOf(" [Root exception is");
            int cut = Math.min(nested < 0 ? message.length() : nested, bracket < 0 ? message.length() : bracket);
            message = message.substring(0, cut).replace('\n', ' ').replace('\t', ' ').trim();
        }
        return e.getClass().getSimpleName() + (message == null || message.isEmpty() ? "" : ": " + message);
    }

    /** One line of stdin without its '\n' (a trailing '\r' kept), null at end of input. Past MAX_LINE the
     * rest of the line is skipped and an array of MAX_LINE + 1 bytes returned, so the caller can say so. */
    static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream(256);
        boolean oversized = false;
        int b;
        boolean any = false;
        while ((b = in.read()) != -1) {
            any = true;
            if (b == '\n') {
                return oversized ? new byte[MAX_LINE + 1] : line.toByteArray();
            }
            if (!oversized) {
                line.write(b);
                if (line.size() > MAX_LINE) {
                    oversized = true;
                    line = new ByteArrayOutputStream(1);
                }
            }
        }
        if (!any) {
            return null;
        }
        return oversized ? new byte[MAX_LINE + 1] : line.toByteArray();
    }

    /** JSON arguments to the Java types an MBean operation's signature names. */
    static final class Convert {
        static Object argument(Object value, String type, int index) {
            try {
                return convert(value, type);
            } catch (ClassCastException | ArithmeticException e) {
                throw new IllegalArgumentException("argument " + index + " " + Json.write(value) + " is not a " + type);
            }
        }

        private static Object convert(Object value, String type) {
            if (value == null) {
                if (isPrimitive(type)) {
                    throw new IllegalArgumentException("null for primitive parameter type " + type);
                }
                return null;
            }
            switch (type) {
                case "java.lang.String":
                    return (String) value;
                case "int":
                case "java.lang.Integer":
                    return number(value).intValueExact();
                case "long":
                case "java.lang.Long":
                    return number(value).longValueExact();
                case "short":
                case "java.lang.Short":
                    return number(value).shortValueExact();
                case "byte":
                case "java.lang.Byte":
                    return number(value).byteValueExact();
                case "double":
                case "java.lang.Double":
                    return number(value).doubleValue();
                case "float":
                case "java.lang.Float":
                    return number(value).floatValue();
                case "boolean":
                case "java.lang.Boolean":
                    return (Boolean) value;
                case "[Ljava.lang.String;":
                case "java.lang.String[]": {
                    List<?> list = (List<?>) value;
                    String[] array = new String[list.size()];
                    for (int i = 0; i < array.length; i++) {
                        array[i] = (String) list.get(i);
                    }
                    return array;
                }
                case "java.util.List":
                    return new ArrayList<>((List<?>) value);
                case "java.util.Map": {
                    Map<String, String> map = new HashMap<>();
                    for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                        Object item = entry.getValue();
                        map.put((String) entry.getKey(), item instanceof String ? (String) item : Json.write(item));
                    }
                    return map;
                }
                default:
                    throw new IllegalArgumentException("unsupported parameter type " + type
                            + " (String, int, long, short, byte, double, float, boolean, String[], java.util.List, java.util.Map)");
            }
        }

        private static BigDecimal number(Object value) {
            if (value instanceof Long) {
                return BigDecimal.valueOf((Long) value);
            }
            return (BigDecimal) value;
        }

        private static boolean isPrimitive(String type) {
            return type.equals("int") || type.equals("long") || type.equals("short") || type.equals("byte")
                    || type.equals("double") || type.equals("float") || type.equals("boolean");
        }
    }

    /** A small JSON reader (objects as LinkedHashMap, arrays as ArrayList, integers as Long, other numbers as
     * BigDecimal) and writer for JMX values. Nesting is bounded so hostile input cannot overflow the stack. */
    static final class Json {
        static final int MAX_DEPTH = 64;
        private final String text;
        private int position;

        Json(String text) {
            this.text = text;
        }

        Object parseDocument() {
            Object value = parseValue(0);
            skipWhitespace();
            if (position != text.length()) {
                throw error("unexpected " + describeAt() + " after the value");
            }
            return value;
        }

        private Object parseValue(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting deeper than " + MAX_DEPTH);
            }
            skipWhitespace();
            if (position >= text.length()) {
                throw error("unexpected end of input");
            }
            char c = text.charAt(position);
            switch (c) {
                case '{':
                    return parseObject(depth);
                case '[':
                    return parseArray(depth);
                case '"':
                    return parseString();
                case 't':
                    expectWord("true");
                    return Boolean.TRUE;
                case 'f':
                    expectWord("false");
                    return Boolean.FALSE;
                case 'n':
                    expectWord("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return parseNumber();
                    }
                    throw error("unexpected " + describeAt());
            }
        }

        private Map<String, Object> parseObject(int depth) {
            Map<String, Object> map = new LinkedHashMap<>();
            position++;
            skipWhitespace();
            if (peek() == '}') {
                position++;
                return map;
            }
            while (true) {
                skipWhitespace();
                if (peek() != '"') {
                    throw error("expected a string key, found " + describeAt());
                }
                String key = parseString();
                skipWhitespace();
                if (peek() != ':') {
                    throw error("expected ':' after key, found " + describeAt());
                }
                position++;
                map.put(key, parseValue(depth + 1));
                skipWhitespace();
                char next = peek();
                position++;
                if (next == '}') {
                    return map;
                }
                if (next != ',') {
                    position--;
                    throw error("expected ',' or '}' in an object, found " + describeAt());
                }
            }
        }

        private List<Object> parseArray(int depth) {
            List<Object> list = new ArrayList<>();
            position++;
            skipWhitespace();
            if (peek() == ']') {
                position++;
                return list;
            }
            while (true) {
                list.add(parseValue(depth + 1));
                skipWhitespace();
                char next = peek();
                position++;
                if (next == ']') {
                    return list;
                }
                if (next != ',') {
                    position--;
                    throw error("expected ',' or ']' in an array, found " + describeAt());
                }
            }
        }

        private String parseString() {
            StringBuilder value = new StringBuilder();
            position++;
            while (true) {
                if (position >= text.length()) {
                    throw error("unterminated string");
                }
                char c = text.charAt(position++);
                if (c == '"') {
                    return value.toString();
                }
                if (c < 0x20) {
                    throw error("control character in a string");
                }
                if (c != '\\') {
                    value.append(c);
                    continue;
                }
                if (position >= text.length()) {
                    throw error("unterminated escape");
                }
                char escape = text.charAt(position++);
                switch (escape) {
                    case '"': value.append('"'); break;
                    case '\\': value.append('\\'); break;
                    case '/': value.append('/'); break;
                    case 'b': value.append('\b'); break;
                    case 'f': value.append('\f'); break;
                    case 'n': value.append('\n'); break;
                    case 'r': value.append('\r'); break;
                    case 't': value.append('\t'); break;
                    case 'u':
                        if (position + 4 > text.length()) {
                            throw error("truncated \\u escape");
                        }
                        try {
                            value.append((char) Integer.parseInt(text.substring(position, position + 4), 16));
                        } catch (NumberFormatException e) {
                            throw error("bad \\u escape");
                        }
                        position += 4;
                        break;
                    default:
                        throw error("bad escape \\" + escape);
                }
            }
        }

        private Object parseNumber() {
            int start = position;
            if (peek() == '-') {
                position++;
            }
            boolean integral = true;
            while (position < text.length()) {
                char c = text.charAt(position);
                if (c >= '0' && c <= '9') {
                    position++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    position++;
                } else {
                    break;
                }
            }
            String number = text.substring(start, position);
            if (number.length() > 400) {
                throw error("number longer than 400 characters");
            }
            try {
                BigDecimal decimal = new BigDecimal(number);
                if (integral) {
                    try {
                        return decimal.longValueExact();
                    } catch (ArithmeticException e) {
                        return decimal;
                    }
                }
                return decimal;
            } catch (NumberFormatException e) {
                throw error("bad number '" + number + "'");
            }
        }

        private void expectWord(String word) {
            if (!text.startsWith(word, position)) {
                throw error("unexpected " + describeAt());
            }
            position += word.length();
        }

        private char peek() {
            return position < text.length() ? text.charAt(position) : '\0';
        }

        private void skipWhitespace() {
            while (position < text.length()) {
                char c = text.charAt(position);
                if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                    break;
                }
                position++;
            }
        }

        private String describeAt() {
            return position >= text.length() ? "end of input" : "'" + text.charAt(position) + "'";
        }

        private IllegalArgumentException error(String message) {
            return new IllegalArgumentException("JSON at offset " + position + ": " + message);
        }

        static String write(Object value) {
            StringBuilder builder = new StringBuilder();
            append(builder, value, 0);
            return builder.toString();
        }

        static void append(StringBuilder out, Object value, int depth) {
            if (depth > MAX_DEPTH) {
                appendString(out, "(nested deeper than " + MAX_DEPTH + ")");
                return;
            }
            if (value == null) {
                out.append("null");
            } else if (value instanceof String || value instanceof Character) {
                appendString(out, value.toString());
            } else if (value instanceof Boolean) {
                out.append(value.toString());
            } else if (value instanceof Double || value instanceof Float) {
                double d = ((Number) value).doubleValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    appendString(out, value.toString());
                } else {
                    out.append(new BigDecimal(value.toString()).toString());
                }
            } else if (value instanceof Integer || value instanceof Long || value instanceof Short
                    || value instanceof Byte || value instanceof BigInteger || value instanceof BigDecimal
                    || value instanceof java.util.concurrent.atomic.AtomicLong
                    || value instanceof java.util.concurrent.atomic.AtomicInteger) {
                out.append(value.toString());
            } else if (value instanceof CompositeData) {
                CompositeData composite = (CompositeData) value;
                out.append('{');
                boolean first = true;
                for (String key : composite.getCompositeType().keySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    appendString(out, key);
                    out.append(':');
                    append(out, composite.get(key), depth + 1);
                }
                out.append('}');
            } else if (value instanceof TabularData) {
                appendSequence(out, ((TabularData) value).values(), depth);
            } else if (value instanceof Map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> entry : ((Map<?, ?>) value).entrySet()) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    appendString(out, String.valueOf(entry.getKey()));
                    out.append(':');
                    append(out, entry.getValue(), depth + 1);
                }
                out.append('}');
            } else if (value instanceof Collection) {
                appendSequence(out, (Collection<?>) value, depth);
            } else if (value.getClass().isArray()) {
                int length = Array.getLength(value);
                List<Object> items = new ArrayList<>(length);
                for (int i = 0; i < length; i++) {
                    items.add(Array.get(value, i));
                }
                appendSequence(out, items, depth);
            } else if (value instanceof Enum) {
                appendString(out, ((Enum<?>) value).name());
            } else {
                appendString(out, value.toString());
            }
        }

        private static void appendSequence(StringBuilder out, Collection<?> items, int depth) {
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                append(out, item, depth + 1);
            }
            out.append(']');
        }

        static void appendString(StringBuilder out, String value) {
            out.append('"');
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '"': out.append("\\\""); break;
                    case '\\': out.append("\\\\"); break;
                    case '\n': out.append("\\n"); break;
                    case '\r': out.append("\\r"); break;
                    case '\t': out.append("\\t"); break;
                    default:
                        if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                }
            }
            out.append('"');
        }
    }
}
