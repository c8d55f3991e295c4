package io.livesync.cli;

import io.livesync.client.Durability;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import io.livesync.testkit.InMemorySyncBackend;
import io.livesync.testkit.InMemorySyncServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync bench client}: local commit throughput and rebase cost on a real SQLite file. */
@Command(name = "client", mixinStandardHelpOptions = true,
        description = "Commit throughput (1 and 100 events per commit, p50/p99) against the raw sqlite-jdbc insert "
                + "rate measured in the same run, and rebase cost for K pending against 1 and 100 upstream events.")
final class ClientBenchmark implements Callable<Integer> {

    @Option(names = "--events", defaultValue = "20000", description = "events per commit-throughput case (default ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--dir", description = "folder for the benchmark databases (default: a temp folder)")
    Path dir;

    @Option(names = "--threads", split = ",", defaultValue = "1,4",
            description = "committing threads for the 1-event-per-commit cases (default ${DEFAULT-VALUE})")
    int[] threads;

    @Option(names = "--parts", split = ",", defaultValue = "commit,rebase",
            description = "what to measure: commit, rebase, apply (default ${DEFAULT-VALUE}; apply: other clients' "
                    + "events arriving live in pages of 50, the receiving side of node-sync)")
    List<String> parts;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (events < 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--events must be >= 1000, got " + events);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path folder = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("livesync-bench");
        out.printf("livesync bench client  (java %s, %d cores, files in %s)%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), folder);
        double raw = rawInsertRate(folder.resolve("raw.db"), 100, 200_000);
        out.printf("raw sqlite-jdbc insert, WAL synchronous=NORMAL, 100 rows/tx: %,.0f rows/s%n", raw);
        out.printf("rows written per committed event: 3 (state row, undo row, event-log row)%n");
        out.printf("target for 100 events/commit: >= raw / 3 / 2 = %,.0f events/s%n%n", raw / 3 / 2);
        if (parts.contains("commit")) {
            out.printf("%-22s %-14s %8s %14s %12s %12s%n", "commit size", "durability", "threads", "events/s",
                    "p50 us", "p99 us");
            for (Durability durability : Durability.values()) {
                for (int t : threads) {
                    commitThroughput(folder.resolve("commit-1-" + durability + "-t" + t + ".db"), 1,
                            Math.min(events, 10_000), durability, t, out);
                }
                commitThroughput(folder.resolve("commit-100-" + durability + ".db"), 100, events, durability, 1, out);
            }
            out.println();
        }
        if (parts.contains("rebase")) {
            out.printf("%-12s %-12s %14s %20s%n", "K pending", "upstream", "rebase ms", "us per rolled-back ev");
            for (int upstream : new int[] {1, 100}) {
                for (int k : new int[] {10, 100, 1000, 10_000}) {
                    rebaseCost(folder.resolve("rebase-" + k + "-" + upstream + ".db"), k, upstream, out);
                }
            }
        }
        if (parts.contains("apply")) {
            out.printf("%-26s %10s %14s %16s%n", "upstream pages", "events", "events/s", "us per event");
            applyCost(folder.resolve("apply.db"), events, out);
        }
        out.flush();
        return 0;
    }

    /**
     * Other clients' events arrive live, 50 per page, at a store with nothing pending, each page once the store applied
     * the one before (as pages of a peer's pushes arrive while the receiver keeps up), so each page is one step and one
     * transaction, durable as the default POWER_LOSS: a warm-up round of {@code max(50, events / 5)} events, then
     * {@code events} timed. Prints the leader's pull steps too (pages coalesced into one step would make it cheaper).
     */
    private static void applyCost(Path file, int events, PrintWriter out) throws Exception {
        Files.deleteIfExists(file);
        InMemorySyncServer server = new InMemorySyncServer();
        InMemorySyncBackend backend = server.client("bench").startDisconnected();
        try (Store store = Store.builder().storeId("bench").clientId("a").schema(TodoSchema.schema())
                .storage(Storage.file(file)).backend(backend).build()) {
            backend.connect();
            for (String round : List.of("warm-up", "measured")) {
                int n = round.equals("warm-up") ? Math.max(50, events / 5) : events;
                long stepsBefore = store.syncStatus().stats().pullAdvances() + store.syncStatus().stats().pullRebases();
                long start = System.nanoTime();
                long deadline = start + java.util.concurrent.TimeUnit.MINUTES.toNanos(2);
                for (int sent = 0; sent < n; sent += 50) {
                    long head = server.appendForeign("bench", "v1.TodoCreated", "b", Math.min(50, n - sent)).getLast()
                            .seq().global();
                    while (store.syncStatus().upstreamHead().global() < head) {
                        if (System.nanoTime() > deadline) {
                            throw new IllegalStateException("the store did not apply " + n + " upstream events in 2 "
                                    + "minutes: " + store.syncStatus());
                        }
                        // the next page goes out once this one is applied; parked, not spinning, so the leader keeps
                        // its core (a wait of ~0.05-0.1 ms per page, ~1-2 us per event, is in the figure)
                        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long steps = store.syncStatus().stats().pullAdvances() + store.syncStatus().stats().pullRebases()
                        - stepsBefore;
                if (round.equals("measured")) {
                    out.printf("%-26s %,10d %,14.0f %,16.1f   (%,d pages in %,d pull steps)%n", "live, 50 per page", n,
                            n / seconds, seconds * 1e6 / n, (n + 49) / 50, steps);
                }
            }
        }
    }

    /**
     * The floor's raw insert rate, on a connection set up as the stores' own (no generated keys: with them,
     * sqlite-jdbc runs a regular expression over every statement and the "floor" came out 2-3x slower than the
     * stores can write, which made every ratio against it look 2-3x better than it was; fixed 2026-12-02).
     */
    static double rawInsertRate(Path file, int rowsPerTx, int rows) throws SQLException, IOException {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("jdbc.get_generated_keys", "false");
        return rawInsertRate(file, rowsPerTx, rows, properties);
    }

    /** The raw insert rate with sqlite-jdbc connection {@code properties}. */
    static double rawInsertRate(Path file, int rowsPerTx, int rows, java.util.Properties properties)
            throws SQLException, IOException {
        Files.deleteIfExists(file);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file, properties)) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
                st.execute("CREATE TABLE t (id TEXT PRIMARY KEY, text TEXT NOT NULL)");
            }
            c.setAutoCommit(false);
            long start = System.nanoTime();
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO t VALUES (?, ?)")) {
                for (int i = 0; i < rows; i++) {
                    ps.setString(1, "id-" + i);
                    ps.setString(2, "todo number " + i);
                    ps.executeUpdate();
                    if ((i + 1) % rowsPerTx == 0) {
                        c.commit();
                    }
                }
                c.commit();
            }
            return rows * 1e9 / (System.nanoTime() - start);
        }
    }

    /**
     * {@code threads} threads commit {@code total} events together, {@code size} per commit, on one store; each commit
     * returns once its events are stored (durably, as {@code durability} defines it).
     */
    private static void commitThroughput(Path file, int size, int total, Durability durability, int threads,
            PrintWriter out) throws Exception {
        Files.deleteIfExists(file);
        try (Store store = Store.builder().storeId("bench").clientId("bench").schema(TodoSchema.schema())
                .storage(Storage.file(file)).durability(durability).localPushBatchSize(Math.max(10, size)).build()) {
            int warmup = Math.max(size, total / 10);
            run(store, size, warmup, "w");
            int perThread = total / size / threads;
            long[] latencies = new long[perThread * threads];
            List<Thread> workers = new ArrayList<>();
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(Thread.ofPlatform().name("bench-commit-" + t).start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    for (int c = 0; c < perThread; c++) {
                        List<SessionLogic.PartialEvent> batch = batch(size, "m" + thread + "-" + c);
                        long t0 = System.nanoTime();
                        store.commit(batch);
                        latencies[thread * perThread + c] = System.nanoTime() - t0;
                    }
                }));
            }
            long start = System.nanoTime();
            go.countDown();
            for (Thread w : workers) {
                w.join();
            }
            double rate = (double) latencies.length * size * 1e9 / (System.nanoTime() - start);
            Arrays.sort(latencies);
            out.printf("%-22s %-14s %8d %,14.0f %,12.0f %,12.0f%n", size + " event(s)/commit", durability.name()
                    .toLowerCase(java.util.Locale.ROOT).replace('_', '-'), threads, rate,
                    latencies[latencies.length / 2] / 1e3, latencies[(int) (latencies.length * 0.99)] / 1e3);
            out.flush();
        }
    }

    private static void run(Store store, int size, int total, String prefix) {
        for (int c = 0; c < total / size; c++) {
            store.commit(batch(size, prefix + c));
        }
    }

    private static List<SessionLogic.PartialEvent> batch(int size, String prefix) {
        List<SessionLogic.PartialEvent> batch = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            batch.add(TodoSchema.created(prefix + "-" + i, "todo " + prefix + " " + i));
        }
        return batch;
    }

    /** K pending local events meet {@code upstream} foreign events: the time of the one rebase transaction. */
    private static void rebaseCost(Path file, int k, int upstream, PrintWriter out) throws Exception {
        Files.deleteIfExists(file);
        InMemorySyncServer server = new InMemorySyncServer();
        InMemorySyncBackend backend = server.client("bench").startDisconnected();
        try (Store store = Store.builder().storeId("bench").clientId("a").schema(TodoSchema.schema())
                .storage(Storage.file(file)).backend(backend).pushResumePolicy(PushResumePolicy.SUPERVISED)
                .localPushBatchSize(100).build()) {
            for (int c = 0; c < k; c += 100) {
                store.commit(batch(Math.min(100, k - c), "p" + c));
            }
            server.appendForeign("bench", "v1.TodoCreated", "b", upstream);
            long start = System.nanoTime();
            backend.connect();
            while (store.syncStatus().upstreamHead().global() < upstream) {
                // poll every 0.1 ms: a status costs O(pending), and spinning on it would take a core from the leader
                java.util.concurrent.locks.LockSupport.parkNanos(100_000);
            }
            double ms = (System.nanoTime() - start) / 1e6;
            if (store.syncStatus().stats().pullRebases() != 1) {
                throw new IllegalStateException("expected exactly one rebase, got " + store.syncStatus());
            }
            out.printf("%-12d %-12d %,14.1f %,20.1f%n", k, upstream, ms, ms * 1000 / k);
            out.flush();
        }
    }
}
