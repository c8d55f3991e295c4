package io.livesync.cli;

import io.livesync.core.wire.WireLimits;
import io.livesync.sim.NodeSync;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code livesync bench node-sync}: convergence time of N client processes x T todos, from the first commit (JVM
 * start-up reported apart), against a floor measured in the same run.
 */
@Command(name = "node-sync", mixinStandardHelpOptions = true,
        description = "Convergence time of node-sync: each case runs N client processes each creating T todos in "
                + "commits of 100 (file storage, default policy, no simulation delays), timed from the first commit "
                + "with JVM start-up shown apart, against the SQLite floor measured in the same run.")
final class NodeSyncBenchmark implements Callable<Integer> {

    /** The contention cases and its backlog series (2 x 1,000 / 10,000 / 50,000). */
    static final String ALL = "2x10000,4x10000,8x5000,2x1000,2x50000";

    @Option(names = "--cases", description = "comma-separated CLIENTSxTODOS cases (default 2x10000; --all for "
            + ALL + ")")
    String cases;

    @Option(names = "--all", description = "run every case of issue #14: " + ALL)
    boolean all;

    @Option(names = "--clients", description = "with --todos: one case of this many clients")
    Integer clients;

    @Option(names = "--todos", description = "with --clients: todos per client")
    Integer todos;

    @Option(names = "--backend-push-batch", defaultValue = "100",
            description = "events per push to the server (default ${DEFAULT-VALUE}); above 100 (LiveStore's limit) the "
                    + "server is configured to accept that many per push and the clients are told")
    int backendPushBatch;

    @Option(names = "--warmup", defaultValue = "0", description = "todos each client creates in a warm-up round "
            + "before the measured one, in the same processes and store (JIT compilation done, as in a long-lived "
            + "app); default ${DEFAULT-VALUE}: cold JVMs")
    int warmup;

    @Option(names = "--timeout-minutes", defaultValue = "10", description = "per case (default ${DEFAULT-VALUE})")
    int timeoutMinutes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    record Case(int clients, int todos) {}

    @Override
    public Integer call() throws Exception {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        List<Case> selected = new ArrayList<>();
        String spec0 = all ? ALL : cases != null ? cases
                : clients != null || todos != null ? (clients == null ? 2 : clients) + "x" + (todos == null ? 10000 : todos)
                : "2x10000";
        for (String c : spec0.split(",")) {
            String[] parts = c.trim().toLowerCase().split("x");
            if (parts.length != 2) {
                throw new CommandLine.ParameterException(spec.commandLine(), "a case is CLIENTSxTODOS, got " + c);
            }
            selected.add(new Case(Integer.parseInt(parts[0]), Integer.parseInt(parts[1])));
        }
        Path dir = Files.createTempDirectory("livesync-bench-nodesync");
        double raw = ClientBenchmark.rawInsertRate(dir.resolve("raw.db"), 100, 200_000);
        out.printf("bench node-sync (java %s, %d cores): raw insert %,.0f rows/s (100 rows/tx, same run); backend push "
                + "batch %d; %s%n", System.getProperty("java.version"), Runtime.getRuntime().availableProcessors(), raw,
                backendPushBatch, warmup > 0 ? "warm: each client first created " + warmup
                        + " todos in the same processes (not timed)" : "cold JVMs (no warm-up round)");
        List<String> rows = new ArrayList<>();
        boolean allPassed = true;
        for (Case c : selected) {
            long total = (long) c.clients() * c.todos();
            // Floor: every client materializes all events (3 rows each: state, undo, log) while the server inserts
            // each once; the clients work in parallel, so the floor is one client's writes plus the server's, at the
            // measured rate of 100-row transactions.
            double floor = (total * 3 + total) / raw;
            Map<String, String> pinned = new java.util.HashMap<>(Map.of("commit-batch-size", "100",
                    "leader-push-batch-size", "100", "backend-push-batch-size", Integer.toString(backendPushBatch),
                    "storage", "file", "delays", "0"));
            if (backendPushBatch > WireLimits.DEFAULT.maxEventsPerPush()) {
                pinned.put(NodeSync.SERVER_MAX_EVENTS_PER_PUSH, Integer.toString(backendPushBatch));
            }
            if (warmup > 0) {
                pinned.put(NodeSync.WARMUP_TODOS, Integer.toString(warmup));
            }
            for (int i = 0; i < c.clients(); i++) {
                pinned.put("todo-count-" + (char) ('a' + i), Integer.toString(c.todos()));
            }
            NodeSync.RunResult r = new NodeSync(out).run(new NodeSync.Options(1, 1L,
                    Duration.ofMinutes(timeoutMinutes), null, null, List.of(), dir.resolve("logs"), pinned,
                    c.clients())).getFirst();
            allPassed &= r.passed();
            String row = String.format("%d x %,d | %,d | %s | %.2f s | %.2f s | %.3f s | %.1fx | %.1f us", c.clients(),
                    c.todos(), total, r.passed() ? "converged" : "DID NOT CONVERGE", r.startupSeconds(),
                    r.syncSeconds(), floor, r.syncSeconds() / floor, r.syncSeconds() * 1e6 / total);
            out.println("bench node-sync: " + row);
            rows.add(row);
        }
        out.printf("%nclients x todos | events | result | JVM start-up | first commit -> converged | floor | ratio "
                + "| per event%n");
        rows.forEach(out::println);
        return allPassed ? 0 : 1;
    }
}
