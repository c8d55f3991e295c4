package io.livesync.core.leader;

import io.livesync.core.backend.SyncError;
import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import java.util.List;

/** What the leader reacts to. The driver feeds them one at a time (DESIGN.md §3). */
public sealed interface LeaderInput {

    /** The leader was opened; arms the watchdog. */
    record Start() implements LeaderInput {}

    /** Session pushes, applied together in one step (at most {@code localPushBatchSize} events, coalesced by the driver). */
    record LocalPushes(List<LocalPush> pushes) implements LeaderInput {
        public LocalPushes {
            pushes = List.copyOf(pushes);
        }
    }

    /** One session push; {@code pushId} identifies its completion. */
    record LocalPush(long pushId, List<Event> events) {
        public LocalPush {
            events = List.copyOf(events);
        }
    }

    /** A page of the pull started as {@code pullId}; events are in wire form (generation 0). */
    record PullPage(long pullId, List<Event> events, PageInfo pageInfo, String backendId) implements LeaderInput {
        public PullPage {
            events = List.copyOf(events);
        }
    }

    /** The pull started as {@code pullId} failed or ended. */
    record PullFailed(long pullId, SyncError error) implements LeaderInput {}

    /**
     * The backend accepted push attempt {@code attemptId}; {@code chainsEnforced} when the server said it enforces
     * push chains on this connection (pushes may then be pipelined, see {@link LeaderConfig#pushWindow()}).
     */
    record PushAccepted(long attemptId, boolean chainsEnforced) implements LeaderInput {
        /** An acceptance from a server that said nothing about push chains. */
        public PushAccepted(long attemptId) {
            this(attemptId, false);
        }
    }

    /** Push attempt {@code attemptId} failed. */
    record PushFailed(long attemptId, SyncError error) implements LeaderInput {}

    /** The transport is connected. */
    record Connected() implements LeaderInput {}

    /** The transport lost its connection. */
    record Disconnected(String cause) implements LeaderInput {}

    /** A timer set by {@link LeaderEffect.SetTimer} fired. */
    record TimerFired(TimerKind kind, long token) implements LeaderInput {}

    /** The leader's timers. */
    enum TimerKind { BACKOFF, PUSH_TIMEOUT, WATCHDOG, PULL_RETRY, REBASE_DEFERRAL }
}
