/*
 * A stand-in for Cassandra 4's bin/nodetool: a one-shot JVM that connects over remote JMX (as NodeProbe does:
 * service:jmx:rmi:///jndi/rmi://HOST:PORT/jmxrmi), runs one command against the StorageService MBean and
 * prints what real nodetool prints (info in the format of tools/nodetool/Info.java), then exits.
 * Usage: nodetool [-h host] [-p port] [-u user -pw password] <info|status|drain|repair [-full] [-pr] [ks]|cleanup [ks]|
 *                  decommission|removenode <host id>|disablegossip|enablegossip|disablebinary|enablebinary|version>
 */

import java.lang.management.MemoryUsage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

public final class FakeNodetool {
    public static void main(String[] args) {
        String host = "127.0.0.1";
        String port = "7199";
        String user = null;
        String password = null;
        int i = 0;
        for (; i < args.length && args[i].startsWith("-"); i += 2) {
            if (i + 1 >= args.length) {
                die("option " + args[i] + " needs a value", 1);
            }
            switch (args[i]) {
                case "-h": case "--host": host = args[i + 1]; break;
                case "-p": case "--port": port = args[i + 1]; break;
                case "-u": case "--username": user = args[i + 1]; break;
                case "-pw": case "--password": password = args[i + 1]; break;
                default: die("unknown option " + args[i], 1);
            }
        }
        if (i >= args.length) {
            die("usage: nodetool [-h host] [-p port] <command>", 1);
        }
        String command = args[i];
        // Flags after the command (repair -full -pr) are options; the first other word is its argument.
        java.util.Set<String> flags = new java.util.HashSet<>();
        String argument = null;
        for (int j = i + 1; j < args.length; j++) {
            if (args[j].startsWith("-")) {
                flags.add(args[j]);
            } else if (argument == null) {
                argument = args[j];
            }
        }

        Map<String, Object> env = new HashMap<>();
        if (user != null) {
            env.put(JMXConnector.CREDENTIALS, new String[] {user, password});
        }
        JMXConnector connector;
        try {
            connector = JMXConnectorFactory.connect(new JMXServiceURL("service:jmx:rmi:///jndi/rmi://" + host + ":" + port + "/jmxrmi"), env);
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            die("Failed to connect to '" + host + ":" + port + "' - " + root.getClass().getSimpleName() + ": '" + root.getMessage() + "'.", 1);
            return;
        }
        try {
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName ss = new ObjectName("org.apache.cassandra.db:type=StorageService");
            switch (command) {
                case "info": info(server, ss); break;
                case "status": status(server, ss, host); break;
                case "version": System.out.println("ReleaseVersion: " + server.getAttribute(ss, "ReleaseVersion")); break;
                case "drain": invoke(server, ss, "drain"); break;
                case "decommission":
                    server.invoke(ss, "decommission", new Object[] {false}, new String[] {"boolean"});
                    break;
                case "removenode":
                    if (argument == null) {
                        die("removenode needs a host ID", 1);
                    }
                    server.invoke(ss, "removeNode", new Object[] {argument}, new String[] {"java.lang.String"});
                    System.out.println("RemovalStatus: Removed " + argument);
                    break;
                case "disablegossip": invoke(server, ss, "stopGossiping"); break;
                case "enablegossip": invoke(server, ss, "startGossiping"); break;
                case "disablebinary": invoke(server, ss, "stopNativeTransport"); break;
                case "enablebinary": invoke(server, ss, "startNativeTransport"); break;
                case "cleanup":
                    server.invoke(ss, "forceKeyspaceCleanup", new Object[] {2, argument == null ? "all" : argument, new String[0]},
                            new String[] {"int", "java.lang.String", "[Ljava.lang.String;"});
                    break;
                case "repair": {
                    Map<String, String> options = new HashMap<>();
                    options.put("incremental", String.valueOf(!flags.contains("-full")));
                    options.put("primaryRange", String.valueOf(flags.contains("-pr")));
                    Object number = server.invoke(ss, "repairAsync", new Object[] {argument == null ? "all" : argument, options},
                            new String[] {"java.lang.String", "java.util.Map"});
                    System.out.println("[" + java.time.LocalDateTime.now() + "] Starting repair command #" + number
                            + ", repairing keyspace " + (argument == null ? "all" : argument) + " with repair options " + options);
                    System.out.println("[" + java.time.LocalDateTime.now() + "] Repair command #" + number + " finished");
                    break;
                }
                default:
                    die("Found unexpected parameters: [" + command + "]", 1);
            }
        } catch (Exception e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            System.err.println("error: " + root.getMessage());
            System.err.println("-- StackTrace --");
            System.err.println(root);
            System.exit(2);
        } finally {
            try {
                connector.close();
            } catch (Exception ignored) {
                // Exiting anyway.
            }
        }
        System.exit(0);
    }

    private static void invoke(MBeanServerConnection server, ObjectName name, String operation) throws Exception {
        server.invoke(name, operation, new Object[0], new String[0]);
    }

    private static void info(MBeanServerConnection server, ObjectName ss) throws Exception {
        boolean gossip = (Boolean) server.getAttribute(ss, "GossipRunning");
        row("ID", server.getAttribute(ss, "LocalHostId"));
        row("Gossip active", gossip);
        row("Native Transport active", server.getAttribute(ss, "NativeTransportRunning"));
        row("Load", server.getAttribute(ss, "LoadString"));
        row("Generation No", gossip ? server.getAttribute(ss, "CurrentGenerationNumber") : 0);
        long uptime = (Long) server.getAttribute(new ObjectName("java.lang:type=Runtime"), "Uptime");
        System.out.printf("%-23s: %d%n", "Uptime (seconds)", uptime / 1000);
        MemoryUsage heap = MemoryUsage.from((CompositeData) server.getAttribute(new ObjectName("java.lang:type=Memory"), "HeapMemoryUsage"));
        System.out.printf("%-23s: %.2f / %.2f%n", "Heap Memory (MB)", heap.getUsed() / (1024.0 * 1024), heap.getMax() / (1024.0 * 1024));
        System.out.printf("%-23s: %.2f%n", "Off Heap Memory (MB)", 0.0);
        row("Data Center", server.getAttribute(ss, "DataCenter"));
        row("Rack", server.getAttribute(ss, "Rack"));
        row("Exceptions", 0);
        String cache = "entries %d, size %s, capacity %s, %d hits, %d requests, %.3f recent hit rate, %d save period in seconds%n";
        System.out.printf("%-23s: " + cache, "Key Cache", 0, "0 bytes", "5 MiB", 0, 0, Double.NaN, 14400);
        System.out.printf("%-23s: " + cache, "Row Cache", 0, "0 bytes", "0 bytes", 0, 0, Double.NaN, 0);
        System.out.printf("%-23s: " + cache, "Counter Cache", 0, "0 bytes", "2.5 MiB", 0, 0, Double.NaN, 7200);
        System.out.printf("%-23s: entries %d, size %s, capacity %s, %d misses, %d requests, %.3f recent hit rate, %.3f %s miss latency%n",
                "Chunk Cache", 0, "0 bytes", "31 MiB", 0, 0, Double.NaN, Double.NaN, "microseconds");
        System.out.printf("%-23s: %s%%%n", "Percent Repaired", 100.0);
        if ((Boolean) server.getAttribute(ss, "Joined")) {
            @SuppressWarnings("unchecked")
            List<String> tokens = (List<String>) server.getAttribute(ss, "Tokens");
            if (tokens.size() == 1) {
                row("Token", tokens.get(0));
            } else {
                System.out.printf("%-23s: (invoke with -T/--tokens to see all %d tokens)%n", "Token", tokens.size());
            }
        } else {
            System.out.printf("%-23s: (node is not joined to the cluster)%n", "Token");
        }
    }

    private static void status(MBeanServerConnection server, ObjectName ss, String host) throws Exception {
        boolean up = (Boolean) server.getAttribute(ss, "GossipRunning");
        String mode = (String) server.getAttribute(ss, "OperationMode");
        String state = mode.equals("LEAVING") ? "L" : mode.equals("STARTING") || mode.equals("JOINING") ? "J" : "N";
        System.out.println("Datacenter: " + server.getAttribute(ss, "DataCenter"));
        System.out.println("=======================");
        System.out.println("Status=Up/Down");
        System.out.println("|/ State=Normal/Leaving/Joining/Moving");
        System.out.println("--  Address    Load       Tokens  Owns (effective)  Host ID                               Rack");
        System.out.printf("%s%s  %-9s  %-9s  %-6d  %-16s  %-36s  %s%n", up ? "U" : "D", state, host,
                server.getAttribute(ss, "LoadString"), 1, "100.0%", server.getAttribute(ss, "LocalHostId"),
                server.getAttribute(ss, "Rack"));
    }

    private static void row(String name, Object value) {
        System.out.printf("%-23s: %s%n", name, value);
    }

    private static void die(String message, int code) {
        System.err.println("nodetool: " + message);
        System.err.println("See 'nodetool help' or 'nodetool help <command>'.");
        System.exit(code);
    }
}
