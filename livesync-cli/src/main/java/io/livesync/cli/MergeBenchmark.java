package io.livesync.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.MergeResult;
import io.livesync.core.SyncState;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;

/**
 * A small, honest microbenchmark of the pure merge step: a warm-up round, then {@code rounds} timed rounds; it prints
 * the median and the spread. JMH would be more rigorous; this keeps the benchmark one command away for users.
 */
final class MergeBenchmark {

    private final int rounds;
    private final long roundNanos;
    private final PrintWriter out;
    private volatile Object sink;

    MergeBenchmark(int rounds, long roundMillis, PrintWriter out) {
        this.rounds = rounds;
        this.roundNanos = roundMillis * 1_000_000L;
        this.out = out;
    }

    void run(boolean large) {
        out.printf("livesync bench merge  (java %s, %s, %d cores)%n", System.getProperty("java.version"),
                System.getProperty("os.arch"), Runtime.getRuntime().availableProcessors());
        out.printf("%-44s %12s %14s %18s%n", "case", "K pending", "merges/s", "events/s");
        int[] sizes = large ? new int[] {10, 100, 1000, 10_000} : new int[] {10, 100, 1000};
        for (int k : sizes) {
            SyncState state = stateWithPending(k);
            List<Event> confirming = confirmingBatch(state.pending(), 100);
            MergePayload advance = new MergePayload.UpstreamAdvance(confirming);
            measure("upstream-advance confirming 100", k, k + 100, () -> {
                MergeResult r = state.merge(advance, e -> false, true);
                if (!(r instanceof MergeResult.Advance)) {
                    throw new IllegalStateException("expected an advance, got " + r);
                }
                return r;
            });
        }
        for (int k : sizes) {
            SyncState state = stateWithPending(k);
            MergePayload foreign = new MergePayload.UpstreamAdvance(List.of(event(1, "foreign", 0)));
            measure("upstream-advance forcing a rebase of K", k, k + 1, () -> {
                MergeResult r = state.merge(foreign, e -> false, true);
                if (!(r instanceof MergeResult.Rebase)) {
                    throw new IllegalStateException("expected a rebase, got " + r);
                }
                return r;
            });
        }
        out.flush();
    }

    private void measure(String name, int k, int eventsPerOp, Supplier<Object> op) {
        runFor(op, roundNanos); // warm-up
        double[] opsPerSecond = new double[rounds];
        for (int i = 0; i < rounds; i++) {
            long start = System.nanoTime();
            long ops = runFor(op, roundNanos);
            opsPerSecond[i] = ops * 1e9 / (System.nanoTime() - start);
        }
        Arrays.sort(opsPerSecond);
        double median = opsPerSecond[rounds / 2];
        out.printf("%-44s %12d %14s %18s   (rounds %s..%s merges/s)%n", name, k, fmt(median),
                fmt(median * eventsPerOp), fmt(opsPerSecond[0]), fmt(opsPerSecond[rounds - 1]));
        out.flush();
    }

    private long runFor(Supplier<Object> op, long nanos) {
        long deadline = System.nanoTime() + nanos;
        long ops = 0;
        do {
            for (int i = 0; i < 16; i++) {
                sink = op.get();
            }
            ops += 16;
        } while (System.nanoTime() < deadline);
        return ops;
    }

    private static String fmt(double v) {
        return String.format("%,.0f", v);
    }

    private static SyncState stateWithPending(int k) {
        List<Event> pending = new ArrayList<>(k);
        for (int i = 1; i <= k; i++) {
            pending.add(event(i, "local", i));
        }
        return new SyncState(pending, EventSeq.ROOT, pending.getLast().seq());
    }

    /** 100 upstream events whose first min(K, 100) are the pending ones (confirmed), the rest foreign. */
    private static List<Event> confirmingBatch(List<Event> pending, int size) {
        List<Event> batch = new ArrayList<>(size);
        for (int i = 1; i <= size; i++) {
            batch.add(i <= pending.size() ? pending.get(i - 1) : event(i, "foreign", i));
        }
        return batch;
    }

    private static Event event(long global, String clientId, int n) {
        ObjectNode args = JsonNodeFactory.instance.objectNode().put("id", clientId + "-" + n).put("text", "todo " + n);
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "v1.TodoCreated", args, clientId,
                "session-1");
    }
}
