package io.livesync.core.leader;

import io.livesync.core.Event;
import java.util.ArrayList;
import java.util.List;

/**
 * Upstream events the leader received and has not applied yet, because applying them would rebase a long backlog of
 * pending events while more upstream is streaming in ({@link LeaderConfig.RebaseDeferral}). They chain onto the
 * state's upstream head, in order; the next pull starts after the last of them. They are never persisted: after a
 * crash the leader pulls them again from the persisted cursor.
 *
 * @param events the deferred events, consecutive, starting right after the upstream head
 * @param sinceMillis when the first of them arrived (the deferral's age is capped)
 * @param lastMillis when the last page arrived (a quiet upstream ends the deferral)
 * @param timerToken the token of the one timer that checks the cap and the quiet time
 * @param pages how many upstream pages were deferred (each would have been a rebase of the backlog)
 */
public record DeferredUpstream(List<Event> events, long sinceMillis, long lastMillis, long timerToken, int pages) {

    public DeferredUpstream {
        events = List.copyOf(events);
        if (events.isEmpty()) {
            throw new IllegalArgumentException("a deferral holds at least one event");
        }
    }

    /** The global position of the last deferred event: where the next pull starts. */
    public long head() {
        return events.getLast().seq().global();
    }

    DeferredUpstream plus(List<Event> more, long now) {
        List<Event> all = new ArrayList<>(events.size() + more.size());
        all.addAll(events);
        all.addAll(more);
        return new DeferredUpstream(all, sinceMillis, now, timerToken, pages + 1);
    }

    DeferredUpstream withTimer(long token) {
        return new DeferredUpstream(events, sinceMillis, lastMillis, token, pages);
    }
}
