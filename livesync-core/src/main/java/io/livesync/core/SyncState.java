package io.livesync.core;

import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What one node knows about its position relative to upstream (SYNC-SPEC §2.1).
 *
 * @param pending local events not yet confirmed by upstream, ascending
 * @param upstreamHead what this node believes upstream's head is
 * @param localHead normally the last pending event, or a head at or above {@code upstreamHead} when nothing is pending
 *     (test fixtures sometimes break the first rule on purpose, so it is not enforced)
 */
public record SyncState(List<Event> pending, EventSeq upstreamHead, EventSeq localHead) {

    public SyncState {
        pending = List.copyOf(pending);
        Objects.requireNonNull(upstreamHead, "upstreamHead");
        Objects.requireNonNull(localHead, "localHead");
    }

    /** A state with nothing pending and both heads at {@code head}. */
    public static SyncState initial(EventSeq head) {
        return new SyncState(List.of(), head, head);
    }

    /**
     * Merges a payload into this state (SYNC-SPEC §2.4 with the HEAD semantics and the corrections listed in
     * {@code docs/conformance.md}).
     *
     * @param isClientOnly tells which events are client-only (normally {@link Schema#isClientOnly})
     * @param ignoreClientEvents true when merging upstream pulls from a backend that never sees client-only events
     * @throws SyncInvariantViolation when the state or the payload breaks the invariants of SYNC-SPEC §2.2
     */
    public MergeResult merge(MergePayload payload, Predicate<Event> isClientOnly, boolean ignoreClientEvents) {
        return Merge.merge(this, payload, isClientOnly, ignoreClientEvents);
    }

    /** Number of pending events. */
    /**
     * This state without the pending event {@code refused}: the events after it are rolled back and re-applied one
     * position earlier ({@link MergeResult.Rebase#rollbackEvents()} and {@link MergeResult.Rebase#newEvents()} say
     * which), the events before it and the upstream head stay. {@code logTail} is the last log position before the
     * first pending event (the base when {@code refused} is the first pending event).
     *
     * @throws IllegalArgumentException if {@code refused} is not pending
     */
    public MergeResult.Rebase withoutPending(Event refused, EventSeq logTail,
            java.util.function.Predicate<Event> isClientOnly) {
        return Merge.withoutPending(this, refused, logTail, isClientOnly);
    }

    /**
     * This state with upstream moved to {@code head}: the pending events renumbered one after the other after it, in a
     * new generation (a session whose leader's head moved back, when the leader dropped a refused event).
     */
    public SyncState rebasedOnto(EventSeq head, java.util.function.Predicate<Event> isClientOnly) {
        int generation = Math.max(head.rebaseGeneration(), localHead.rebaseGeneration());
        for (Event e : pending) {
            generation = Math.max(generation, e.seq().rebaseGeneration());
        }
        List<Event> rebased = Merge.rebaseEvents(pending, head, generation + 1, isClientOnly);
        return new SyncState(rebased, head, rebased.isEmpty() ? head : rebased.getLast().seq());
    }

    public int pendingCount() {
        return pending.size();
    }

    @Override
    public String toString() {
        return "SyncState{pending=" + pending.stream().map(e -> e.seq().toString()).toList()
                + ", upstreamHead=" + upstreamHead + ", localHead=" + localHead + "}";
    }
}
