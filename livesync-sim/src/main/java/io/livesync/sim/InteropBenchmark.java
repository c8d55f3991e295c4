package io.livesync.sim;

import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * Time to convergence of two clients through livesync's server: one commits N todos in commits of 100, the other
 * waits until it sees them, then both commit N/2 concurrently; measured until both hold 2N todos. Clients are real
 * processes: LiveStore 0.4 node clients or livesync Java clients ({@link NodeClientMain}).
 */
public final class InteropBenchmark {

    private final PrintStream out;

    public InteropBenchmark(PrintStream out) {
        this.out = out;
    }

    public double run(String kindA, String kindB, int n, Path dir) throws Exception {
        String token = UUID.randomUUID().toString();
        String store = "bench-" + kindA + "-" + kindB + "-" + UUID.randomUUID().toString().substring(0, 6);
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve(store))
                .tokens(Map.of("*", token)).logFile(dir.resolve(store + "-server.log")).build());
                BenchClient a = BenchClient.start(kindA, "a", server, store, token, dir);
                BenchClient b = BenchClient.start(kindB, "b", server, store, token, dir)) {
            long start = System.nanoTime();
            a.create(n, 100);
            awaitTodos(b, n);
            CompletableFuture<Void> fa = BenchClient.startNow(() -> unchecked(() -> a.create(n / 2, 100)));
            CompletableFuture<Void> fb = BenchClient.startNow(() -> unchecked(() -> b.create(n / 2, 100)));
            fa.join();
            fb.join();
            awaitTodos(a, 2 * n);
            awaitTodos(b, 2 * n);
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("%-10s + %-10s  N=%,d: converged on %,d todos in %.1f s%n", kindA, kindB, n, 2 * n, seconds);
            out.flush();
            return seconds;
        }
    }

    private interface IoAction {
        void run() throws IOException;
    }

    private static void unchecked(IoAction action) {
        try {
            action.run();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void awaitTodos(BenchClient c, int count) throws Exception {
        long deadline = System.nanoTime() + 1_800_000_000_000L; // 30 minutes
        while (c.progress().todos() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no convergence within 30 minutes");
            }
            Thread.sleep(50); // polling a benchmark's progress
        }
    }

    /** Runs the three pairings. */
    public void runAll(int n) throws Exception {
        Path dir = Files.createTempDirectory("livesync-bench-interop");
        out.println("bench interop: one client commits N todos in commits of 100, the other waits for them, then both "
                + "commit N/2 concurrently (logs in " + dir + ")");
        run("livesync", "livesync", n, dir);
        run("livesync", "livestore", n, dir);
        run("livestore", "livestore", n, dir);
    }
}
