import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.ZooKeeper;

/**
 * The Apache ZooKeeper Java client's side of Drover.ZooKeeper.Bench. Started once by the C# bench
 * with "CONNECT_STRING SESSION_TIMEOUT_MS"; prints "READY <session id>", then runs one workload per
 * line read from stdin:
 *
 *   run OP IN_FLIGHT WARMUP_MS MEASURE_MS BASE_PATH PAYLOAD_BYTES
 *
 * answering "RESULT OPS ELAPSED_NANOS ERRORS CPU_NANOS LAT1 LAT2 ..." (CPU time of this JVM over the
 * measured window; one latency in nanoseconds per measured operation). OP is get, set or createdelete. IN_FLIGHT requests are kept outstanding with the async
 * API: each completion callback (on the client's event thread) records its latency and issues the
 * slot's next request, as the C# side does with its awaits.
 */
public final class ZkBench {
    private ZkBench() {
    }

    /** CPU time of the whole JVM (client, event thread, JIT, GC), as the C# side counts its own process. */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    public static void main(String[] args) throws Exception {
        CountDownLatch connected = new CountDownLatch(1);
        ZooKeeper zk = new ZooKeeper(args[0], Integer.parseInt(args[1]), event -> {
            if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
                connected.countDown();
            }
        });
        if (!connected.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("no session with " + args[0]);
        }
        System.out.println("READY " + Long.toHexString(zk.getSessionId()));
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            String[] words = line.trim().split(" ");
            if (words[0].equals("quit")) {
                break;
            }
            if (!words[0].equals("run") || words.length != 7) {
                System.out.println("ERROR bad command: " + line);
                System.out.flush();
                continue;
            }
            Run run = new Run(zk, words[1], Integer.parseInt(words[2]), words[5], new byte[Integer.parseInt(words[6])]);
            System.out.println(run.execute(Long.parseLong(words[3]), Long.parseLong(words[4])));
            System.out.flush();
        }
        zk.close();
    }

    /** One workload: IN_FLIGHT slots, each with at most one request outstanding. */
    private static final class Run {
        private final ZooKeeper zk;
        private final String op;
        private final String base;
        private final byte[] payload;
        private final Slot[] slots;
        private final CountDownLatch drained;
        private volatile long measureFrom = Long.MAX_VALUE;
        private volatile long measureTo = Long.MAX_VALUE;
        private volatile boolean stopping;

        Run(ZooKeeper zk, String op, int inFlight, String base, byte[] payload) {
            this.zk = zk;
            this.op = op;
            this.base = base;
            this.payload = payload;
            this.slots = new Slot[inFlight];
            this.drained = new CountDownLatch(inFlight);
            for (int i = 0; i < inFlight; i++) {
                slots[i] = new Slot(i);
            }
        }

        String execute(long warmupMs, long measureMs) throws InterruptedException {
            for (Slot slot : slots) {
                issue(slot);
            }
            Thread.sleep(warmupMs);
            long cpuFrom = processCpuNanos();
            long from = System.nanoTime();
            measureFrom = from;
            Thread.sleep(measureMs);
            long to = System.nanoTime();
            measureTo = to;
            long cpuTo = processCpuNanos();
            stopping = true;
            if (!drained.await(60, TimeUnit.SECONDS)) {
                return "ERROR requests still outstanding after 60 s";
            }
            StringBuilder out = new StringBuilder(1 << 20);
            long ops = 0;
            long errors = 0;
            for (Slot slot : slots) {
                ops += slot.count;
                errors += slot.errors;
            }
            out.append("RESULT ").append(ops).append(' ').append(to - from).append(' ').append(errors).append(' ').append(cpuTo - cpuFrom);
            for (Slot slot : slots) {
                for (int i = 0; i < slot.count; i++) {
                    out.append(' ').append(slot.latencies[i]);
                }
            }
            return out.toString();
        }

        private void issue(Slot slot) {
            slot.start = System.nanoTime();
            switch (op) {
                case "get":
                    zk.getData(slot.key, false, (rc, p, ctx, data, stat) -> done(slot, rc), null);
                    break;
                case "set":
                    zk.setData(slot.key, payload, -1, (rc, p, ctx, stat) -> done(slot, rc), null);
                    break;
                case "createdelete":
                    String path = slot.createPrefix + (slot.sequence++);
                    zk.create(path, payload, ZooDefs.Ids.OPEN_ACL_UNSAFE, CreateMode.PERSISTENT, (rc, p, ctx, name) -> {
                        if (rc != KeeperException.Code.OK.intValue()) {
                            done(slot, rc);
                            return;
                        }
                        zk.delete(p, -1, (rc2, p2, ctx2) -> done(slot, rc2), null);
                    }, null);
                    break;
                default:
                    throw new IllegalArgumentException("unknown op " + op);
            }
        }

        // On the client's event thread: every callback of this run runs there, one at a time.
        private void done(Slot slot, int rc) {
            long end = System.nanoTime();
            if (rc != KeeperException.Code.OK.intValue()) {
                slot.errors++;
            } else if (slot.start >= measureFrom && end <= measureTo) {
                slot.record(end - slot.start);
            }
            if (stopping) {
                drained.countDown();
                return;
            }
            issue(slot);
        }

        private final class Slot {
            final String key;
            final String createPrefix;
            long start;
            long sequence;
            long errors;
            int count;
            long[] latencies = new long[1024];

            Slot(int index) {
                key = base + "/k" + index;
                createPrefix = base + "/cd/java-" + index + "-";
            }

            void record(long nanos) {
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = nanos;
            }
        }
    }
}
