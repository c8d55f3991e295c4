package io.livesync.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireLimits;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code livesync bench server --connections N --stores S}: N live WebSocket clients over S stores against a server
 * in its own JVM (one, on SQLite; or two on one PostgreSQL database, clients split between them). Each client pulls
 * live and pushes one event every {@code --push-interval} ms, chained onto the head it has seen (a ServerAhead is
 * retried on the next tick). Reported: push-to-echo latency over all clients (p50/p99/max), pushes per second, the
 * server's heap and threads idle and under load, and heap per idle connection.
 */
final class ScaleBenchmark {

    private final PrintWriter out;
    private final WireCodec codec = new WireCodec(new WireLimits(16 << 20, 100, 1 << 20, 64));

    ScaleBenchmark(PrintWriter out) {
        this.out = out;
    }

    /** A server in a child JVM. */
    private record Child(Process process, int port) implements AutoCloseable {
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private Child startServer(Path dir, String postgres, String schema, String node) throws Exception {
        int port = freePort();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx4g", "-cp", System.getProperty("java.class.path"), LivesyncCommand.class.getName(), "server",
                "--port", String.valueOf(port), "--insecure-no-auth", "--node-id", node,
                "--log", dir.resolve(node + ".log").toString()));
        if (postgres != null) {
            cmd.addAll(List.of("--postgres", postgres, "--postgres-schema", schema));
        } else {
            cmd.addAll(List.of("--data", dir.resolve("data").toString()));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve(node + ".out").toFile())
                .start();
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return new Child(p, port);
                }
            } catch (IOException notYet) {
                // still starting
            }
            Thread.sleep(100); // polling a child process's start-up
        }
        p.destroyForcibly();
        throw new IllegalStateException("the server did not start; see " + dir.resolve(node + ".out"));
    }

    /** The child's used heap after a full GC (jcmd), in MiB, and its thread count (/proc). */
    private static String footprint(Process p) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, String.valueOf(p.pid()), "GC.run").redirectErrorStream(true).start().waitFor();
        Process info = new ProcessBuilder(jcmd, String.valueOf(p.pid()), "GC.heap_info").redirectErrorStream(true)
                .start();
        String text = new String(info.getInputStream().readAllBytes());
        info.waitFor();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(text);
        long usedK = m.find() ? Long.parseLong(m.group(1)) : -1;
        String threads = "?";
        for (String line : Files.readAllLines(Path.of("/proc/" + p.pid() + "/status"))) {
            if (line.startsWith("Threads:")) {
                threads = line.substring(8).strip();
            }
        }
        return usedK + " " + threads;
    }

    /** One raw LiveStore-protocol client: a live pull, and pushes of one event chained onto the head it saw. */
    private final class Client implements WebSocket.Listener {
        final String store;
        final String clientId;
        final ReentrantLock lock = new ReentrantLock();
        final StringBuilder partial = new StringBuilder();
        volatile WebSocket ws;
        CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
        long head;
        String backendId;
        boolean caughtUp;
        String inFlightId;
        long inFlightSince;
        long nextEvent;
        final AtomicLong ahead = new AtomicLong();
        final ConcurrentLinkedQueue<Long> latencies;

        Client(String store, String clientId, ConcurrentLinkedQueue<Long> latencies) {
            this.store = store;
            this.clientId = clientId;
            this.latencies = latencies;
        }

        void send(String text) {
            lock.lock();
            try {
                WebSocket w = ws;
                sendChain = sendChain.handle((ok, e) -> null).thenCompose(x -> w.sendText(text, true));
            } finally {
                lock.unlock();
            }
        }

        void tick() {
            String frame;
            lock.lock();
            try {
                if (!caughtUp || inFlightId != null || ws == null) {
                    return;
                }
                inFlightId = clientId + "-" + nextEvent++;
                inFlightSince = System.nanoTime();
                Event e = Event.of(EventSeq.ofGlobal(head + 1), EventSeq.ofGlobal(head), "v1.TodoCreated",
                        JsonNodeFactory.instance.objectNode().put("id", inFlightId).put("text", "scale"),
                        clientId, "s");
                frame = codec.encode(new WireFrames.PushRequest("p" + nextEvent, store, null, List.of(e), backendId));
            } finally {
                lock.unlock();
            }
            send(frame);
        }

        @Override
        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onFrame(text);
            }
            w.request(1);
            return null;
        }

        private void onFrame(String text) {
            WireFrames.ServerFrame frame = codec.parseServerFrame(text);
            switch (frame) {
                case WireFrames.Chunk chunk -> {
                    lock.lock();
                    try {
                        for (WireFrames.PullResponse r : chunk.values()) {
                            backendId = r.backendId();
                            for (Event e : r.batch()) {
                                head = Math.max(head, e.seq().global());
                                if (e.args().path("id").asText().equals(inFlightId)) {
                                    latencies.add(System.nanoTime() - inFlightSince);
                                    inFlightId = null;
                                }
                            }
                            if (r.pageInfo() instanceof PageInfo.NoMore) {
                                caughtUp = true;
                            }
                        }
                    } finally {
                        lock.unlock();
                    }
                    send(codec.encode(new WireFrames.Ack(chunk.requestId())));
                }
                case WireFrames.Exit exit -> {
                    if (exit.exit() instanceof WireFrames.Failure) {
                        lock.lock();
                        try {
                            ahead.incrementAndGet();
                            inFlightId = null; // retried on the next tick, at the head seen by then
                        } finally {
                            lock.unlock();
                        }
                    }
                }
                case WireFrames.Pong pong -> { }
            }
        }
    }

    void run(int connections, int stores, long pushIntervalMillis, int seconds, String postgres) throws Exception {
        Path dir = Files.createTempDirectory("livesync-bench-scale");
        String schema = "scale_" + Long.toHexString(System.nanoTime());
        List<Child> servers = new ArrayList<>();
        ScheduledExecutorService ticks = Executors.newScheduledThreadPool(2);
        HttpClient http = HttpClient.newBuilder().executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        try {
            servers.add(startServer(dir, postgres, schema, "server-1"));
            if (postgres != null) {
                servers.add(startServer(dir, postgres, schema, "server-2"));
            }
            out.printf("bench server --connections %d --stores %d (%s, %d instance(s), push every %d ms per client, "
                    + "%d s; logs in %s)%n", connections, stores, postgres == null ? "SQLite" : "PostgreSQL",
                    servers.size(), pushIntervalMillis, seconds, dir);
            String[] base = footprint(servers.getFirst().process()).split(" ");
            out.printf("server idle, no connections: heap used %,d KiB, %s threads%n", Long.parseLong(base[0]),
                    base[1]);
            out.flush();
            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            List<Client> clients = new ArrayList<>();
            long connectStart = System.nanoTime();
            for (int i = 0; i < connections; i++) {
                Client c = new Client("scale-" + (i % stores), "c" + i, latencies);
                Child server = servers.get(i % servers.size());
                URI uri = URI.create("ws://127.0.0.1:" + server.port() + "/sync/" + c.store + "?storeId=" + c.store
                        + "&transport=ws");
                c.ws = http.newWebSocketBuilder().buildAsync(uri, c).get(30, TimeUnit.SECONDS);
                c.send(codec.encode(new WireFrames.PullRequest("pull", c.store, null, true, null, null)));
                clients.add(c);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (clients.stream().anyMatch(c -> !c.caughtUp) && System.nanoTime() < deadline) {
                Thread.sleep(50); // polling the benchmark's progress
            }
            long caughtUp = clients.stream().filter(c -> c.caughtUp).count();
            out.printf("%d of %d clients connected and caught up live in %.1f s%n", caughtUp, connections,
                    (System.nanoTime() - connectStart) / 1e9);
            String[] idle = footprint(servers.getFirst().process()).split(" ");
            long perServer = connections / servers.size();
            out.printf("server-1 idle with %d live connections: heap used %,d KiB, %s threads  => %.1f KiB heap per "
                    + "idle connection%n", perServer, Long.parseLong(idle[0]), idle[1],
                    (Long.parseLong(idle[0]) - Long.parseLong(base[0])) / (double) perServer);
            out.flush();
            SplittableRandom random = new SplittableRandom(1);
            for (Client c : clients) {
                ticks.scheduleAtFixedRate(c::tick, random.nextLong(pushIntervalMillis), pushIntervalMillis,
                        TimeUnit.MILLISECONDS);
            }
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds)); // the load phase of a benchmark
            String[] load = footprint(servers.getFirst().process()).split(" ");
            ticks.shutdownNow();
            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long aheads = clients.stream().mapToLong(c -> c.ahead.get()).sum();
            if (sorted.length == 0) {
                out.println("no push was echoed");
            } else {
                out.printf("%,d pushes echoed in %d s (%,.0f/s), %,d ServerAhead retries; push-to-echo latency p50 "
                        + "%.1f ms, p99 %.1f ms, max %.1f ms%n", sorted.length, seconds,
                        sorted.length / (double) seconds, aheads, sorted[sorted.length / 2] / 1e6,
                        sorted[(int) (sorted.length * 0.99)] / 1e6, sorted[sorted.length - 1] / 1e6);
            }
            out.printf("server-1 under load (after a full GC): heap used %,d KiB, %s threads%n",
                    Long.parseLong(load[0]), load[1]);
            out.flush();
            for (Client c : clients) {
                c.ws.abort();
            }
        } finally {
            ticks.shutdownNow();
            for (Child s : servers) {
                s.close();
            }
            http.close();
        }
    }
}
