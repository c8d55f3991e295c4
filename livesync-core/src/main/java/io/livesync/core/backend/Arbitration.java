package io.livesync.core.backend;

import io.livesync.core.Event;
import java.util.List;

/**
 * The server's push rule (DESIGN.md §4.6), as a pure function every server implementation calls under its per-store
 * serialization: accept iff the batch is non-empty, synced, strictly contiguous and chains onto the head. A duplicate
 * or replayed batch never chains onto the head, so it is always answered with {@code ServerAhead}.
 */
public final class Arbitration {

    private Arbitration() {}

    /** The verdict on one batch. */
    public sealed interface Verdict {
        /** Append the batch; the new head is {@code newHead}. */
        record Accept(long newHead) implements Verdict {}

        /** The batch does not chain onto {@code head}; {@code providedParent} is the batch's first parent. */
        record ServerAhead(long head, long providedParent) implements Verdict {}

        /** The batch itself is malformed (not the client's fault of being late): {@code problem} says how. */
        record Invalid(String problem) implements Verdict {}
    }

    public static Verdict check(long head, List<Event> batch) {
        if (batch.isEmpty()) {
            return new Verdict.Accept(head);
        }
        for (int i = 0; i < batch.size(); i++) {
            Event e = batch.get(i);
            if (e.seq().client() != 0 || e.parent().client() != 0) {
                return new Verdict.Invalid("event " + i + " (" + e.seq() + ") is client-only; client-only events are never pushed");
            }
            if (e.seq().global() != e.parent().global() + 1) {
                return new Verdict.Invalid("event " + i + " has seqNum " + e.seq().global() + " but parentSeqNum "
                        + e.parent().global() + " (must be seqNum - 1)");
            }
            if (i > 0 && e.parent().global() != batch.get(i - 1).seq().global()) {
                return new Verdict.Invalid("event " + i + " (parent " + e.parent().global()
                        + ") does not follow event " + (i - 1) + " (seqNum " + batch.get(i - 1).seq().global() + ")");
            }
        }
        long parent = batch.getFirst().parent().global();
        if (parent != head) {
            return new Verdict.ServerAhead(head, parent);
        }
        return new Verdict.Accept(batch.getLast().seq().global());
    }
}
