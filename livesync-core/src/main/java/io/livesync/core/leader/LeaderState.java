package io.livesync.core.leader;

import io.livesync.core.EventSeq;
import io.livesync.core.SyncState;

/**
 * Everything the leader state machine knows between two steps. Immutable; {@link LeaderLogic#step} returns a new one.
 *
 * @param sync pending events and heads (upstream head = the persisted backend head)
 * @param push the backend push loop
 * @param pushCursor position of the last event the backend acknowledged that may still be pending (awaiting its
 *     echo), or {@code null}; the next push starts after it. Reseeding the push queue means setting it to null.
 * @param backoffAttempt failed attempts of the current batch (reset on success)
 * @param nextId the next attempt, pull or timer token (one counter, so ids never repeat)
 * @param activePullId the pull whose pages are current (0 = none)
 * @param pullAttempt failed pulls in a row (for the pull retry backoff)
 * @param connected whether the transport is connected
 * @param caughtUp whether the active pull delivered its {@code NoMore} page (pushing waits for it)
 * @param backendId the backend id learned from pulls, or {@code null}
 * @param lastProgressMillis when pushing last made progress (ack, confirmation, or pending became non-empty)
 * @param rng state of the seeded jitter source
 * @param fatalError why the leader stopped syncing for good (backend reset), or {@code null}
 * @param stats counters for status and metrics
 * @param learnedMaxEvents most events per push learned from a server's size refusal (0 = nothing learned): a
 *     refused batch is split in half, so an identical batch is never sent twice
 * @param logTail the position of the last event in the local log before the first pending event (confirmed
 *     client-only events can sit after the upstream head): where events move to when the first pending event is
 *     dropped after a server refusal
 * @param deferred upstream events received and not applied yet (see {@link DeferredUpstream}), or {@code null}
 * @param chainsEnforced whether the server, on the current connection, said it enforces push chains (so pushes may
 *     be pipelined, see {@link LeaderConfig#pushWindow()}); false again on every new connection
 */
public record LeaderState(
        SyncState sync,
        PushLoop push,
        EventSeq pushCursor,
        int backoffAttempt,
        long nextId,
        long activePullId,
        int pullAttempt,
        boolean connected,
        boolean caughtUp,
        String backendId,
        long lastProgressMillis,
        long rng,
        String fatalError,
        LeaderStats stats,
        int learnedMaxEvents,
        EventSeq logTail,
        DeferredUpstream deferred,
        boolean chainsEnforced) {

    /** The state of a leader that just opened its database. */
    public static LeaderState initial(SyncState sync, String backendId, long seed) {
        // after a restart, the first pending event's parent is exact for a client-only event; for a synced one the
        // upstream head is the best the state knows
        EventSeq tail = sync.pending().isEmpty() ? sync.localHead()
                : sync.pending().getFirst().seq().client() > 0 ? sync.pending().getFirst().parent() : sync.upstreamHead();
        return new LeaderState(sync, PushLoop.IDLE, null, 0, 1, 0, 0, false, false, backendId, 0, seed, null,
                LeaderStats.ZERO, 0, tail, null, false);
    }

    LeaderState withSync(SyncState s) {
        return new LeaderState(s, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withPush(PushLoop p) {
        return new LeaderState(sync, p, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withPushCursor(EventSeq cursor) {
        return new LeaderState(sync, push, cursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withBackoffAttempt(int attempt) {
        return new LeaderState(sync, push, pushCursor, attempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withNextId(long id) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, id, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withPull(long pullId, int attempt, boolean isCaughtUp) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, pullId, attempt, connected,
                isCaughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withConnected(boolean isConnected) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, isConnected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withBackendId(String id) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, id, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withProgress(long millis) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, millis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withRng(long next) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, next, fatalError, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withFatal(String error) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, error, stats, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withStats(LeaderStats s) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, s, learnedMaxEvents, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withLearnedMaxEvents(int max) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, max, logTail, deferred,
                chainsEnforced);
    }

    LeaderState withLogTail(EventSeq tail) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, tail, deferred,
                chainsEnforced);
    }

    LeaderState withDeferred(DeferredUpstream d) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, d,
                chainsEnforced);
    }

    LeaderState withChainsEnforced(boolean enforced) {
        return new LeaderState(sync, push, pushCursor, backoffAttempt, nextId, activePullId, pullAttempt, connected,
                caughtUp, backendId, lastProgressMillis, rng, fatalError, stats, learnedMaxEvents, logTail, deferred,
                enforced);
    }

    /** The global position up to which upstream events were received: deferred ones included. */
    public long receivedHead() {
        return deferred == null ? sync.upstreamHead().global() : deferred.head();
    }

    /** How many received upstream events wait to be applied (0 when none are deferred). */
    public int deferredCount() {
        return deferred == null ? 0 : deferred.events().size();
    }

    /**
     * Whether any pending event will be pushed: stops at the first synced one, so a local push costs O(1) here, not
     * O(pending) (a client offline for long commits against a long pending list).
     */
    public boolean hasPendingSynced(java.util.function.Predicate<io.livesync.core.Event> isClientOnly) {
        return sync.pending().stream().anyMatch(e -> !isClientOnly.test(e));
    }

    /** Number of pending events that will be pushed (client-only events never are). */
    public long pendingSynced(java.util.function.Predicate<io.livesync.core.Event> isClientOnly) {
        return sync.pending().stream().filter(e -> !isClientOnly.test(e)).count();
    }
}
