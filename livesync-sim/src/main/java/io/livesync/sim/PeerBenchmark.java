package io.livesync.sim;

import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

/**
 * {@code livesync bench peer}: the same four workloads for a pair of LiveStore 0.4.0 node clients and a pair of
 * livesync Java clients, both through livesync's server on loopback, in one run. The clock starts at the first
 * commit; process start-up is measured apart. A pair that does not finish within the cap is reported as "did not
 * finish: X of Y after T".
 */
public final class PeerBenchmark {

    /** One workload: {@code aCount} todos from A (and {@code bCount} from B at the same time), commits of 100. */
    public record Workload(String name, int aCount, int bCount) {
        int total() {
            return aCount + bCount;
        }
    }

    public static final List<Workload> WORKLOADS = List.of(
            new Workload("A commits 1,000, B sees them", 1000, 0),
            new Workload("A commits 10,000, B sees them", 10_000, 0),
            new Workload("A and B commit 500 each at once", 500, 500),
            new Workload("A and B commit 5,000 each at once", 5000, 5000));

    /** The outcome of one pair on one workload. */
    public record Outcome(double startupSeconds, double seconds, boolean finished, int reached, int expected) {
        String render() {
            return finished ? String.format("%8.2f s", seconds)
                    : String.format("did not finish: %,d of %,d after %.0f s", reached, expected, seconds);
        }
    }

    private final PrintStream out;
    private final Duration cap;

    public PeerBenchmark(PrintStream out, Duration cap) {
        this.out = out;
        this.cap = cap;
    }

    public Outcome run(String kind, Workload w, Path dir) throws Exception {
        String token = UUID.randomUUID().toString();
        String store = "peer-" + kind + "-" + UUID.randomUUID().toString().substring(0, 6);
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve(store))
                .tokens(Map.of("*", token)).logFile(dir.resolve(store + "-server.log")).build())) {
            long startup = System.nanoTime();
            try (BenchClient a = BenchClient.start(kind, "a", server, store, token, dir);
                    BenchClient b = BenchClient.start(kind, "b", server, store, token, dir)) {
                a.progress();
                b.progress(); // both up and answering
                double startupSeconds = (System.nanoTime() - startup) / 1e9;
                long start = System.nanoTime();
                CompletableFuture<Void> fa = BenchClient.startNow(() -> create(a, w.aCount()));
                CompletableFuture<Void> fb = BenchClient.startNow(() -> create(b, w.bCount()));
                long deadline = start + cap.toNanos();
                int reached = 0;
                while (System.nanoTime() < deadline) {
                    BenchClient.Progress pa = a.progress();
                    BenchClient.Progress pb = b.progress();
                    reached = Math.min(pa.todos(), pb.todos());
                    boolean done = fa.isDone() && fb.isDone() && pa.todos() == w.total() && pb.todos() == w.total()
                            && (w.bCount() == 0 || (pa.pending() == 0 && pb.pending() == 0));
                    if (done) {
                        fa.join();
                        fb.join();
                        return new Outcome(startupSeconds, (System.nanoTime() - start) / 1e9, true, w.total(),
                                w.total());
                    }
                    Thread.sleep(20); // polling the progress of a benchmark, not synchronizing a test
                }
                return new Outcome(startupSeconds, (System.nanoTime() - start) / 1e9, false, reached, w.total());
            }
        }
    }

    private static void create(BenchClient c, int count) {
        if (count == 0) {
            return;
        }
        try {
            c.create(count, 100);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Runs every workload for both pairs and prints a table with the ratios. */
    public void runAll(List<Workload> workloads, Path dir) throws Exception {
        out.printf("bench peer: LiveStore 0.4.0 node clients vs livesync Java clients, pairs through livesync's server "
                + "(SQLite), commits of 100, cap %d s per pair (logs in %s)%n", cap.toSeconds(), dir);
        out.printf("%-36s %-34s %-34s %s%n", "workload", "livesync pair", "LiveStore pair", "LiveStore / livesync");
        List<String> startups = new ArrayList<>();
        for (Workload w : workloads) {
            Outcome ours = run("livesync", w, dir);
            Outcome theirs = run("livestore", w, dir);
            String ratio = !ours.finished() ? "n/a"
                    : theirs.finished() ? String.format("%.1fx", theirs.seconds() / ours.seconds())
                    : String.format("> %.1fx", theirs.seconds() / ours.seconds());
            out.printf("%-36s %-34s %-34s %s%n", w.name(), ours.render(), theirs.render(), ratio);
            startups.add(String.format("%s: livesync %.1f s, LiveStore %.1f s", w.name(), ours.startupSeconds(),
                    theirs.startupSeconds()));
            out.flush();
        }
        out.println("start-up of the two client processes (not in the times above):");
        startups.forEach(s -> out.println("  " + s));
        out.flush();
    }
}
