package io.livesync.cli;

import io.livesync.sim.NodeSync;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code livesync bench node-sync}: convergence time of N client processes x T todos, against a measured floor. */
@Command(name = "node-sync", mixinStandardHelpOptions = true,
        description = "Convergence time of node-sync with --clients processes each creating --todos todos in commits "
                + "of 100 (file storage, default policy), against the SQLite floor measured in the same run.")
final class NodeSyncBenchmark implements Callable<Integer> {

    @Option(names = "--clients", defaultValue = "2", description = "client processes (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--todos", defaultValue = "10000", description = "todos per client (default ${DEFAULT-VALUE})")
    int todos;

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        Path dir = Files.createTempDirectory("livesync-bench-nodesync");
        double raw = ClientBenchmark.rawInsertRate(dir.resolve("raw.db"), 100, 200_000);
        long total = (long) clients * todos;
        // Floor: every client materializes all events (3 rows each: state, undo, log) while the server inserts each
        // once; the clients work in parallel on this machine's cores, so the floor is one client's writes plus the
        // server's, at the measured rate of 100-row transactions.
        double floor = (total * 3 + total) / raw;
        Map<String, String> pinned = new java.util.HashMap<>(Map.of("commit-batch-size", "100",
                "leader-push-batch-size", "100", "backend-push-batch-size", "50", "storage", "file"));
        for (int i = 0; i < clients; i++) {
            pinned.put("todo-count-" + (char) ('a' + i), Integer.toString(todos));
        }
        List<NodeSync.RunResult> results = new NodeSync(out).run(new NodeSync.Options(1, 1L, Duration.ofMinutes(10),
                null, null, List.of(), dir.resolve("logs"), pinned, clients));
        NodeSync.RunResult r = results.getFirst();
        out.printf("%nbench node-sync: %d clients x %,d todos = %,d events: %s in %.1f s (including JVM starts); "
                + "floor %.2f s (raw insert %,.0f rows/s, 4 row writes per event); ratio %.1fx%n", clients, todos,
                total, r.passed() ? "converged" : "DID NOT CONVERGE", r.seconds(), floor, raw, r.seconds() / floor);
        return r.passed() ? 0 : 1;
    }
}
