package io.livesync.client;

import io.livesync.core.EventSeq;
import io.livesync.core.leader.LeaderStats;
import io.livesync.core.leader.PushResumePolicy;

/**
 * A snapshot of a client store's sync state, for users and diagnostics.
 *
 * @param pendingCount pending events (client-only ones included)
 * @param pendingToPush pending synced events the push loop still has to get confirmed
 * @param pushLoop {@code idle}, {@code in-flight}, {@code parked} or {@code backoff}
 * @param pushLoopReason why the loop is parked or backing off, else empty
 * @param failure why the store stopped syncing (backend reset, a failed transaction), or {@code null}
 * @param eventsRefused events the server refused since the store opened (see {@link Store#refusedEvents()})
 * @param connectionProblem why the last attempt to connect failed (a refused token, a server that is down), until a
 *     connection succeeds; {@code null} when none failed
 * @param upstreamDeferred upstream events received and not applied yet: the leader holds diverging upstream back
 *     while it streams in, to rebase a long backlog once instead of once per burst (see
 *     {@code LeaderConfig.RebaseDeferral}; {@code stats().rebasesDeferred()} counts the pages held back)
 */
public record SyncStatus(
        String storeId,
        String clientId,
        EventSeq upstreamHead,
        EventSeq localHead,
        int pendingCount,
        long pendingToPush,
        String pushLoop,
        String pushLoopReason,
        boolean connected,
        String backendId,
        PushResumePolicy pushResumePolicy,
        String failure,
        LeaderStats stats,
        long eventsRefused,
        String connectionProblem,
        int upstreamDeferred) {

    /** True when nothing is pending and the store is healthy. */
    public boolean isSettled() {
        return pendingCount == 0 && failure == null;
    }
}
