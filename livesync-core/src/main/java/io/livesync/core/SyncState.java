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
    public int pendingCount() {
        return pending.size();
    }

    @Override
    public String toString() {
        return "SyncState{pending=" + pending.stream().map(e -> e.seq().toString()).toList()
                + ", upstreamHead=" + upstreamHead + ", localHead=" + localHead + "}";
    }
}
