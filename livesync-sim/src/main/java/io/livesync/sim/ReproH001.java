package io.livesync.sim;

import io.livesync.core.LogLevel;
import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.server.PushFaults;
import io.livesync.server.ServerLog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code livesync repro h001}: the lost-ack interleaving of SYNC-SPEC §4.2 (I) across real processes, forced with the
 * server's fault hook rather than left to timing:
 * <ol>
 *   <li>client-a commits 2 todos; the server stores and publishes them, then drops a's socket instead of acking
 *       (the ack is lost; a's push fails);</li>
 *   <li>a reconnects and its catch-up confirms its own 2 events: an <em>advance</em>;</li>
 *   <li>client-b commits 2 todos; they reach a, which has nothing pending: another <em>advance</em>;</li>
 *   <li>client-a commits 3 more todos and the harness watches for {@code window}.</li>
 * </ol>
 * Under {@code rebase-only} nothing restarts a's push loop: the 3 todos stay pending (H001). Under the default they
 * are pushed and both clients converge.
 */
public final class ReproH001 {

    /** The outcome of one policy's run. */
    public record Outcome(PushResumePolicy policy, boolean converged, double seconds, int pendingA, String loopA,
            long serverHead, Diagnoser.Diagnosis diagnosis, Path dir) {}

    private final PrintStream out;

    public ReproH001(PrintStream out) {
        this.out = out;
    }

    public Outcome run(PushResumePolicy policy, Path logsRoot, Duration window) throws Exception {
        Path dir = NodeSync.newRunDir(logsRoot, "h001-" + policy.cliName());
        String storeId = "h001-" + UUID.randomUUID().toString().substring(0, 8);
        NodeSync.Options options = new NodeSync.Options(1, 0L, window, policy, null, List.of(), logsRoot, Map.of());
        long start = System.nanoTime();
        try (ServerLog runner = ServerLog.toFile(dir.resolve("runner.log"), "runner");
                NodeSync.Harness h = new NodeSync.Harness(dir, storeId, UUID.randomUUID().toString(), options, 1,
                        runner)) {
            AtomicBoolean dropped = new AtomicBoolean();
            h.server().faults((store, batch, head) -> !batch.isEmpty() && batch.getFirst().clientId().equals("client-a")
                    && dropped.compareAndSet(false, true) ? PushFaults.Decision.after(PushFaults.AfterAccept.DROP_CONNECTION) : PushFaults.Decision.NONE);
            NodeSync.Params params = new NodeSync.Params(0, List.of(5, 2), 2, 100, 2, "file", new int[5], policy);
            runner.write(LogLevel.INFO, "run-start", "scenario", "h001 lost-ack (SYNC-SPEC 4.2 I)", "policy", policy.cliName());
            NodeProcess a = h.startClient("client-a", params, policy.cliName(), 0);
            NodeProcess b = h.startClient("client-b", params, policy.cliName(), 0);

            step(runner, "t1: client-a commits 2 todos; the server stores them and drops a's socket instead of acking");
            h.call(a, "{\"cmd\":\"create\",\"count\":2,\"batch\":2}");
            awaitStatus(h, a, "upstreamHead", "e2", "t5: a reconnected and its catch-up confirmed its own events");
            step(runner, "t6: client-b commits 2 todos, which reach a as an advance (a has nothing pending)");
            h.call(b, "{\"cmd\":\"create\",\"count\":2,\"batch\":2}");
            awaitStatus(h, a, "upstreamHead", "e4", "a applied b's events");
            step(runner, "t7: client-a commits 3 more todos");
            h.call(a, "{\"cmd\":\"create\",\"count\":3,\"batch\":1}");
            String verdict = h.awaitConvergence(List.of(a, b), 7, window);
            boolean converged = verdict.startsWith("converged");
            JsonNode statusA = h.call(a, "{\"cmd\":\"status\"}");
            long head = h.server().eventStore().meta(storeId).head();
            runner.write(converged ? LogLevel.INFO : LogLevel.WARN, "run-end", "converged", converged, "verdict", verdict,
                    "serverHead", head);
            double seconds = (System.nanoTime() - start) / 1e9;
            return new Outcome(policy, converged, seconds, statusA.path("pending").asInt(),
                    statusA.path("loop").asText(), head, null, dir);
        }
    }

    private void step(ServerLog runner, String what) {
        runner.write(LogLevel.INFO, "step", "what", what);
    }

    private static void awaitStatus(NodeSync.Harness h, NodeProcess p, String field, String value, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!h.call(p, "{\"cmd\":\"status\"}").path(field).asText().equals(value)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("repro h001: timed out waiting for " + what + " (" + field + "="
                        + value + "); last status " + h.call(p, "{\"cmd\":\"status\"}"));
            }
            try {
                Thread.sleep(100); // polling interval of a bounded wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        h.runner.write(LogLevel.INFO, "step", "what", what);
    }

    /** Runs legacy then default, prints both side by side, and returns whether legacy stalled and default converged. */
    public boolean runBoth(Path logsRoot, Duration window) throws Exception {
        Outcome legacy = withDiagnosis(run(PushResumePolicy.REBASE_ONLY, logsRoot, window));
        Outcome fixed = withDiagnosis(run(PushResumePolicy.SUPERVISED, logsRoot, window));
        out.printf("%n%-28s %-26s %-26s%n", "", "legacy (rebase-only)", "default (supervised)");
        out.printf("%-28s %-26s %-26s%n", "outcome", legacy.converged() ? "converged" : "STALLED",
                fixed.converged() ? "converged" : "STALLED");
        out.printf("%-28s %-26s %-26s%n", "time", String.format("%.1f s", legacy.seconds()),
                String.format("%.1f s", fixed.seconds()));
        out.printf("%-28s %-26s %-26s%n", "client-a pending at the end", legacy.pendingA(), fixed.pendingA());
        out.printf("%-28s %-26s %-26s%n", "client-a push loop", legacy.loopA(), fixed.loopA());
        out.printf("%-28s %-26s %-26s%n", "server head (7 = all)", legacy.serverHead(), fixed.serverHead());
        out.printf("%-28s %-26s %-26s%n", "logs", legacy.dir().getFileName(), fixed.dir().getFileName());
        out.println();
        out.println("legacy run: " + legacy.diagnosis().render());
        out.println("default run: " + fixed.diagnosis().render());
        boolean expected = !legacy.converged() && legacy.diagnosis().has(Diagnoser.ADVANCE_ONLY_STALL)
                && fixed.converged();
        out.println(expected ? "repro h001: REPRODUCED - the legacy policy stalls after an advance-only upstream, the "
                + "default converges" : "repro h001: NOT reproduced as expected");
        out.flush();
        return expected;
    }

    private static Outcome withDiagnosis(Outcome o) throws java.io.IOException {
        return new Outcome(o.policy(), o.converged(), o.seconds(), o.pendingA(), o.loopA(), o.serverHead(),
                Diagnoser.diagnose(o.dir()), o.dir());
    }
}
