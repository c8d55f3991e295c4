package io.livesync.core;

import java.util.List;

/** What is merged into a {@link SyncState}: a local push, or an upstream advance or rebase (SYNC-SPEC §2.3). */
public sealed interface MergePayload {

    /** The new events of the payload, ascending. */
    List<Event> newEvents();

    /** Events committed locally (session to leader, or app to session). */
    record LocalPush(List<Event> newEvents) implements MergePayload {
        public LocalPush {
            newEvents = List.copyOf(newEvents);
        }
    }

    /** Upstream moved forward by {@code newEvents}. */
    record UpstreamAdvance(List<Event> newEvents) implements MergePayload {
        public UpstreamAdvance {
            newEvents = List.copyOf(newEvents);
        }
    }

    /** Upstream rolled back {@code rollbackEvents} and then applied {@code newEvents} (leader to session). */
    record UpstreamRebase(List<Event> rollbackEvents, List<Event> newEvents) implements MergePayload {
        public UpstreamRebase {
            rollbackEvents = List.copyOf(rollbackEvents);
            newEvents = List.copyOf(newEvents);
        }
    }
}
