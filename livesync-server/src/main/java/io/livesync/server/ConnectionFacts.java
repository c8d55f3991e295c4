package io.livesync.server;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What the server knows of one client connection: a WebSocket (protocol 0.3 or 0.4) or, for HTTP pushes, one client id
 * pushing over HTTP. Written by the connection's request threads, read by the dashboard and the flag check.
 */
final class ConnectionFacts {

    final String id;
    final String storeId;
    /** {@code 0.3}, {@code 0.4} or {@code http}. */
    final String protocol;
    final String remote;
    final Instant connectedSince;
    volatile boolean open = true;
    /** The client id of the events it pushed (the protocols carry one per event); null before its first push. */
    volatile String clientId;
    volatile Instant lastPushAt;
    volatile String lastPushOutcome;
    volatile int lastPushEvents;
    volatile Instant lastServerAheadAt;
    volatile long lastServerAheadParent = -1;
    volatile long lastServerAheadMinimum = -1;
    /** Whether a live pull runs on this connection, and the highest event it was given (queued), or its cursor. */
    volatile boolean livePull;
    final AtomicLong pullHead = new AtomicLong(-1);
    /**
     * When the live pull was seen behind the store head without having reached {@link #behindTarget} since (ms since
     * the epoch); 0 when it is at the head. Owned by the flag check.
     */
    volatile long behindSinceMillis;
    /** The store head when {@link #behindSinceMillis} was set: the pull must reach it to count as keeping up. */
    volatile long behindTarget;
    volatile long lastLag;
    /** What a livesync client last reported of its own sync state (LiveStore clients never do), and when. */
    volatile io.livesync.core.wire.WireFrames.ClientStatus reported;
    volatile Instant reportedAt;

    private final ReentrantLock lock = new ReentrantLock();
    private int serverAheadStreak;
    private long streakFirstParent = -1;
    private long streakParent = -1;
    /** The head the last refusal of the streak named: a push below it did not catch up with what it was told. */
    private long streakMinimum = -1;
    private Instant streakSince;

    ConnectionFacts(String id, String storeId, String protocol, String remote, Instant connectedSince) {
        this.id = id;
        this.storeId = storeId;
        this.protocol = protocol;
        this.remote = remote;
        this.connectedSince = connectedSince;
    }

    /** Records a push's outcome; {@code serverAheadParent} >= 0 only for a ServerAhead refusal. */
    void pushed(Instant at, String outcome, int events, long serverAheadParent, long minimum) {
        lastPushAt = at;
        lastPushOutcome = outcome;
        lastPushEvents = events;
        lock.lock();
        try {
            if (serverAheadParent >= 0) {
                lastServerAheadAt = at;
                lastServerAheadParent = serverAheadParent;
                lastServerAheadMinimum = minimum;
                // The loop: pushing again at a parent below the head the previous refusal named, i.e. without having
                // caught up with what the server said. The same parent again is one case; LiveStore 0.4 behind a
                // backlog is the other: it pushes after every pulled page, each at a parent still below that head.
                // A client that caught up to the named head and lost a race again starts a new streak.
                if (serverAheadStreak > 0 && serverAheadParent < streakMinimum) {
                    serverAheadStreak++;
                } else {
                    streakFirstParent = serverAheadParent;
                    serverAheadStreak = 1;
                    streakSince = at;
                }
                streakParent = serverAheadParent;
                streakMinimum = minimum;
            } else {
                serverAheadStreak = 0;
                streakFirstParent = -1;
                streakParent = -1;
                streakMinimum = -1;
                streakSince = null;
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * ServerAhead refusals in a row, each at a parent below the head the refusal before it named: how many, the first
     * and the last parent pushed at, the head the last refusal named, and when the streak began.
     */
    record Streak(int count, long firstParent, long lastParent, long minimum, Instant since) {}

    Streak streak() {
        lock.lock();
        try {
            return new Streak(serverAheadStreak, streakFirstParent, streakParent, streakMinimum, streakSince);
        } finally {
            lock.unlock();
        }
    }

    void pulled(long seq) {
        pullHead.accumulateAndGet(seq, Math::max);
    }
}
