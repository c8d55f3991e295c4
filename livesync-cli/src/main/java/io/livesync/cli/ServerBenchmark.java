package io.livesync.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireLimits;
import io.livesync.hub.EventStore;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync bench server}: push throughput into a real server over real sockets, and a big backfill. */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Push throughput at 1, 10 and 100 events per push with 1 and 4 clients (one store each), on "
                + "SQLite (and PostgreSQL with --postgres), against the raw sqlite-jdbc rate; then a fresh client "
                + "backfills --backfill events.")
final class ServerBenchmark implements Callable<Integer> {

    @Option(names = "--postgres", description = "also measure on this PostgreSQL JDBC URL")
    String postgres;

    @Option(names = "--backfill", defaultValue = "1000000", description = "events for the backfill case (default ${DEFAULT-VALUE}; 0 = skip)")
    int backfill;

    @Option(names = "--durability", defaultValue = "full", description = "SQLite server durability: full (default, "
            + "fsync before every ack) or normal (synchronous=NORMAL); run both to see the cost")
    String durability;

    @Option(names = "--seconds", defaultValue = "3", description = "measuring time per push case (default ${DEFAULT-VALUE})")
    int seconds;

    @Option(names = "--connections", defaultValue = "0", description = "scale mode: this many live WebSocket clients "
            + "against a server in its own JVM (two with --postgres), instead of the throughput cases")
    int connections;

    @Option(names = "--stores", defaultValue = "100", description = "scale mode: stores the clients spread over "
            + "(default ${DEFAULT-VALUE})")
    int stores;

    @Option(names = "--push-interval", defaultValue = "5000", description = "scale mode: ms between a client's "
            + "pushes (default ${DEFAULT-VALUE})")
    long pushInterval;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private final WireCodec codec = new WireCodec(WireLimits.DEFAULT);

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (connections > 0) {
            if (stores < 1 || stores > connections || pushInterval < 10 || seconds < 1) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "scale mode needs 1 <= --stores <= --connections, --push-interval >= 10, --seconds >= 1");
            }
            new ScaleBenchmark(out).run(connections, stores, pushInterval, seconds, postgres);
            return 0;
        }
        Path dir = Files.createTempDirectory("livesync-bench-server");
        out.printf("livesync bench server  (java %s, %d cores)%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors());
        double raw = ClientBenchmark.rawInsertRate(dir.resolve("raw.db"), 100, 200_000);
        out.printf("raw sqlite-jdbc insert, WAL synchronous=NORMAL, 100 rows/tx: %,.0f rows/s  (target at 100/push: "
                + ">= %,.0f events/s)%n%n", raw, raw / 2);
        out.printf("%-12s %-9s %-14s %14s %12s%n", "store", "clients", "events/push", "events/s", "pushes/s");
        io.livesync.server.Durability mode = io.livesync.server.Durability.parse(durability);
        runPushCases("sqlite-" + mode.name().toLowerCase(java.util.Locale.ROOT),
                ServerConfig.builder().dataDir(dir.resolve("data")).durability(mode), out);
        if (postgres != null) {
            runPushCases("postgresql", ServerConfig.builder().postgres(postgres, "bench_" + UUID.randomUUID()
                    .toString().replace("-", "").substring(0, 8)), out);
        }
        if (backfill > 0) {
            backfill(dir, out);
        }
        out.flush();
        return 0;
    }

    private void runPushCases(String label, ServerConfig.Builder config, PrintWriter out) throws Exception {
        try (SyncServer server = SyncServer.start(config.port(0).insecureNoAuth(true)
                .logFile(Files.createTempFile("bench-server", ".log")).build())) {
            for (int clients : new int[] {1, 4}) {
                for (int size : new int[] {1, 10, 100}) {
                    String run = label + "-" + clients + "-" + size + "-" + UUID.randomUUID().toString().substring(0, 6);
                    long[] totals = pushCase(server, run, clients, size);
                    double secs = totals[2] / 1e9;
                    out.printf("%-12s %-9d %-14d %,14.0f %,12.0f%n", label, clients, size, totals[0] / secs,
                            totals[1] / secs);
                    out.flush();
                }
            }
        }
    }

    /** Returns {events, pushes, nanos}. Each client pushes contiguous batches to its own store, one at a time. */
    private long[] pushCase(SyncServer server, String run, int clients, int size) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicLong events = new AtomicLong();
        AtomicLong pushes = new AtomicLong();
        long start = System.nanoTime();
        try (ExecutorService pool = Executors.newFixedThreadPool(clients)) {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                String storeId = run + "-c" + c;
                all.add(pool.submit(() -> {
                    try (RawClient client = new RawClient(server.wsUri(storeId))) {
                        long head = 0;
                        while (System.nanoTime() < deadline) {
                            List<Event> batch = new ArrayList<>(size);
                            for (int i = 0; i < size; i++) {
                                long seq = head + i + 1;
                                batch.add(Event.of(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(seq - 1), "v1.TodoCreated",
                                        JsonNodeFactory.instance.objectNode().put("id", storeId + "-" + seq)
                                                .put("text", "todo " + seq), "bench", "s"));
                            }
                            client.push(storeId, batch);
                            head += size;
                            events.addAndGet(size);
                            pushes.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        return new long[] {events.get(), pushes.get(), System.nanoTime() - start};
    }

    /** A minimal pusher on the wire protocol: one push at a time, waits for its Exit. */
    private final class RawClient implements AutoCloseable, WebSocket.Listener {
        private final HttpClient http = HttpClient.newHttpClient();
        private final WebSocket ws;
        private final Map<String, CompletableFuture<String>> waiting = new ConcurrentHashMap<>();
        private final StringBuilder partial = new StringBuilder();
        private long nextId;

        RawClient(URI uri) {
            ws = http.newWebSocketBuilder().buildAsync(uri, this).join();
        }

        void push(String storeId, List<Event> batch) throws Exception {
            String id = Long.toString(nextId++);
            CompletableFuture<String> exit = new CompletableFuture<>();
            waiting.put(id, exit);
            ws.sendText(codec.encode(new WireFrames.PushRequest(id, storeId, null, batch, null)), true).join();
            String answer = exit.get(30, TimeUnit.SECONDS);
            if (!answer.contains("\"Success\"")) {
                throw new IllegalStateException("push refused: " + answer);
            }
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                int at = text.indexOf("\"requestId\":\"");
                if (text.startsWith("{\"_tag\":\"Exit\"") && at >= 0) {
                    String id = text.substring(at + 13, text.indexOf('"', at + 13));
                    CompletableFuture<String> f = waiting.remove(id);
                    if (f != null) {
                        f.complete(text);
                    }
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void close() {
            ws.abort();
            http.close();
        }
    }

    private void backfill(Path dir, PrintWriter out) throws Exception {
        out.println();
        double rawLarge = ClientBenchmark.rawInsertRate(dir.resolve("raw-large.db"), 10_000, 300_000);
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).insecureNoAuth(true)
                .dataDir(dir.resolve("backfill-data")).logFile(dir.resolve("backfill-server.log")).build())) {
            EventStore store = server.eventStore();
            long t0 = System.nanoTime();
            for (long head = 0; head < backfill; head += 1000) {
                List<Event> batch = new ArrayList<>(1000);
                for (long seq = head + 1; seq <= Math.min(backfill, head + 1000); seq++) {
                    batch.add(Event.of(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(seq - 1), "v1.TodoCreated",
                            JsonNodeFactory.instance.objectNode().put("id", "b" + seq).put("text", "todo " + seq),
                            "other", "s"));
                }
                store.append("backfill", batch, "2026-11-25T00:00:00Z");
            }
            out.printf("backfill: stored %,d events on the server in %.1f s%n", backfill, (System.nanoTime() - t0) / 1e9);
            System.gc();
            long heapBefore = usedHeap();
            AtomicLong peak = new AtomicLong(heapBefore);
            Thread sampler = Thread.ofVirtual().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak.accumulateAndGet(usedHeap(), Math::max);
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            long start = System.nanoTime();
            try (Store client = Store.builder().storeId("backfill").clientId("fresh").schema(TodoSchema.schema())
                    .storage(Storage.file(dir.resolve("fresh.db")))
                    .backend(WebSocketSyncBackend.builder(server.wsUri("backfill"), "backfill").build()).build()) {
                while (client.syncStatus().upstreamHead().global() < backfill) {
                    Thread.sleep(20); // polling a benchmark's progress; not synchronization in a test
                }
                double secs = (System.nanoTime() - start) / 1e9;
                sampler.interrupt();
                // Floor (DESIGN.md §6): each pulled event writes 3 rows on the client (state, undo, log) at the
                // large-transaction insert rate, plus the socket at ~0.9M events/s.
                double floor = backfill * 3 / rawLarge + backfill / 900_000.0;
                out.printf("backfill: a fresh client pulled %,d events to a usable state in %.1f s (%,.0f events/s)%n",
                        backfill, secs, backfill / secs);
                out.printf("backfill: floor %.1f s (raw insert %,.0f rows/s at 10k rows/tx x 3 rows/event + socket); "
                        + "ratio %.2fx%n", floor, rawLarge, secs / floor);
                out.printf("backfill: client todos %,d; heap used before %,d MiB, peak %,d MiB%n",
                        client.count("SELECT count(*) FROM todos"), heapBefore >> 20, peak.get() >> 20);
            }
        }
    }

    private static long usedHeap() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
