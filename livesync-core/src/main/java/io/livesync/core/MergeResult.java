package io.livesync.core;

import java.util.List;

/** The outcome of {@link SyncState#merge}: {@link Advance}, {@link Rebase} or {@link Reject}. */
public sealed interface MergeResult {

    /**
     * The state moved forward without rolling anything back.
     *
     * @param newEvents events to apply locally (not yet materialized here)
     * @param confirmedEvents pending events that upstream confirmed
     */
    record Advance(SyncState newState, List<Event> newEvents, List<Event> confirmedEvents) implements MergeResult {
        public Advance {
            newEvents = List.copyOf(newEvents);
            confirmedEvents = List.copyOf(confirmedEvents);
        }
    }

    /**
     * Upstream diverged: {@code rollbackEvents} must be undone (in reverse order), then {@code newEvents} applied;
     * the new pending events are the old divergent ones renumbered after upstream's head.
     */
    record Rebase(SyncState newState, List<Event> newEvents, List<Event> rollbackEvents) implements MergeResult {
        public Rebase {
            newEvents = List.copyOf(newEvents);
            rollbackEvents = List.copyOf(rollbackEvents);
        }
    }

    /** A local push that does not come after the local head; the pusher must rebase and retry. */
    record Reject(EventSeq expectedMinimumId) implements MergeResult {}
}
