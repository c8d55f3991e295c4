package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.EventStore;
import io.livesync.core.Event;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The flags the server raises by itself (issue #18, docs/dashboard.md): {@code lagging-live-pull},
 * {@code server-ahead-loop}, {@code quiet-after-failed-push}. One daemon thread ({@code livesync-flags}) evaluates
 * the recorded facts every {@link FlagThresholds#checkEvery()}; a flag is raised once (log line {@code flag-raised},
 * {@code livesync_flags_raised_total{kind}}, {@code livesync_flags_active{kind}}) and cleared once its condition
 * ends ({@code flag-cleared}). The last {@link #HISTORY} flags are kept for the dashboard.
 */
final class Flags implements AutoCloseable {

    static final int HISTORY = 500;
    static final String LAGGING = "lagging-live-pull";
    static final String LOOP = "server-ahead-loop";
    static final String QUIET = "quiet-after-failed-push";

    /** One raised flag; {@code clearedAt} is null while it is active. */
    record Flag(long id, String kind, String storeId, String clientId, String connectionId, Instant raisedAt,
            Instant clearedAt, String detail) {}

    private final ConnectionRegistry registry;
    private final Function<String, Long> storeHead;
    private final EventStore store;
    private final Metrics metrics;
    private final ServerLog log;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    /** Serializes checks; guards {@code duplicates} and the connections' lag clocks. */
    private final ReentrantLock checkLock = new ReentrantLock();
    private final Map<String, Flag> active = new LinkedHashMap<>();
    private final List<Flag> history = new ArrayList<>();
    private final Map<ConnectionRegistry.LastPush, Integer> duplicates = new HashMap<>();
    private final ScheduledExecutorService timer;
    private volatile FlagThresholds thresholds = FlagThresholds.DEFAULTS;
    private ScheduledFuture<?> task;
    private long nextId;

    Flags(ConnectionRegistry registry, Function<String, Long> storeHead, EventStore store, Metrics metrics,
            ServerLog log, Clock clock) {
        this.registry = registry;
        this.storeHead = storeHead;
        this.store = store;
        this.metrics = metrics;
        this.log = log;
        this.clock = clock;
        this.timer = Executors.newSingleThreadScheduledExecutor(io.livesync.core.Threads.platformDaemon("livesync-flags"));
    }

    /** Starts (or restarts with new thresholds) the periodic check. */
    void start(FlagThresholds t) {
        lock.lock();
        try {
            thresholds = t;
            if (task != null) {
                task.cancel(false);
            }
            long every = t.checkEvery().toMillis();
            task = timer.scheduleWithFixedDelay(this::checkSafely, every, every, TimeUnit.MILLISECONDS);
        } finally {
            lock.unlock();
        }
    }

    FlagThresholds thresholds() {
        return thresholds;
    }

    private void checkSafely() {
        try {
            check();
        } catch (RuntimeException e) {
            log.write(LogLevel.WARN, "flag-check-failed", "error", e.toString());
        }
    }

    /** Evaluates every condition once (the timer calls it; tests may too: one check runs at a time). */
    void check() {
        checkLock.lock();
        try {
            checkOnce();
        } finally {
            checkLock.unlock();
        }
    }

    private void checkOnce() {
        FlagThresholds t = thresholds;
        Instant now = clock.instant();
        long nowMillis = now.toEpochMilli();
        Map<String, Long> heads = new HashMap<>();
        Function<String, Long> head = s -> heads.computeIfAbsent(s, storeHead);
        Set<String> holding = new HashSet<>();
        for (ConnectionFacts f : registry.connections(null)) {
            if (f.open && f.livePull && f.pullHead.get() >= 0) {
                long h = head.apply(f.storeId);
                long at = f.pullHead.get();
                long lag = Math.max(0, h - at);
                f.lastLag = lag;
                // Behind means: it has not reached the head the store had when it was first seen behind. A pull that
                // keeps up with a busy store is always a little behind the latest head, but it always reaches the
                // earlier one, which restarts the clock.
                if (lag == 0) {
                    f.behindSinceMillis = 0;
                } else if (f.behindSinceMillis == 0 || at >= f.behindTarget) {
                    f.behindSinceMillis = nowMillis;
                    f.behindTarget = h;
                } else {
                    long behind = nowMillis - f.behindSinceMillis;
                    if (behind >= t.lagAfter().toMillis()) {
                        String key = LAGGING + '|' + f.id;
                        holding.add(key);
                        raise(key, LAGGING, f.storeId, f.clientId, f.id, "live pull at " + at + ", store head " + h
                                + " (" + lag + " events behind); it has not reached " + f.behindTarget + ", the head "
                                + behind + " ms ago; protocol " + f.protocol + ", remote " + f.remote);
                    }
                }
            }
            ConnectionFacts.Streak s = f.streak();
            if (s.count() >= t.serverAheadRepeats()) {
                String key = LOOP + '|' + f.id;
                holding.add(key);
                raise(key, LOOP, f.storeId, f.clientId, f.id, s.count() + " pushes in a row refused with ServerAhead"
                        + (s.firstParent() == s.lastParent() ? " at parent " + s.firstParent()
                                : " at parents " + s.firstParent() + " to " + s.lastParent())
                        + ", each below the head the refusal before it named (last " + s.minimum() + "), since "
                        + s.since() + " (the store head is " + head.apply(f.storeId) + "); protocol " + f.protocol
                        + ", remote " + f.remote);
            }
        }
        Set<ConnectionRegistry.LastPush> seen = new HashSet<>();
        for (ConnectionRegistry.LastPush p : registry.lastPushes(null)) {
            if (!p.failed() || Duration.between(p.at(), now).compareTo(t.quietAfter()) < 0) {
                continue;
            }
            long h = head.apply(p.storeId());
            if (h <= p.parent()) {
                continue; // nothing happened in the store since: nothing to catch up with
            }
            seen.add(p);
            // a refused re-push of events the store already holds (LiveStore 0.3.1 re-sends its batch blind after a
            // restart, then stalls): still a failed push, but say that those events are in
            int already = p.stored() ? 0 : duplicates.computeIfAbsent(p, this::alreadyStored);
            String stored = already == 0 ? "" : already == p.events() ? " (its events are already stored: a re-push)"
                    : " (the first " + already + " of its " + p.events() + " events are already stored)";
            // a livesync client reports what the server cannot see: with nothing to push it is idle, not stalled
            io.livesync.core.wire.WireFrames.ClientStatus reported = registry.latestReport(p.storeId(), p.clientId());
            if (reported != null && reported.pendingToPush() == 0) {
                continue;
            }
            String key = QUIET + '|' + p.storeId() + '|' + p.clientId() + (reported != null ? "|certain" : "");
            holding.add(key);
            String known = reported != null
                    ? ". The client reports " + reported.pendingToPush() + " events to push, its push loop "
                            + reported.pushLoop() + (reported.loopReason().isEmpty() ? "" : " (" + reported.loopReason()
                            + ")") + ": it is stalled, certainly"
                    : ". The server cannot see the client's pending events: it may be stalled (H001) or simply idle";
            raise(key, QUIET, p.storeId(), p.clientId(), p.connectionId(), "last push at " + p.at() + " ("
                    + p.events() + " events at parent " + p.parent() + ", protocol " + p.protocol() + "): " + p.outcome()
                    + stored + "; no push since, and the store head moved to " + h + known);
        }
        duplicates.keySet().retainAll(seen);
        clearAllBut(holding, now);
    }

    /** How many of the refused push's events, from the first, are stored at their positions (same client, session, name). */
    private int alreadyStored(ConnectionRegistry.LastPush p) {
        List<Event> at = store.read(p.storeId(), p.parent(), p.parent() + p.events(), p.events());
        int n = 0;
        while (n < at.size() && p.clientId().equals(at.get(n).clientId())
                && p.sessions().get(n).equals(String.valueOf(at.get(n).sessionId()))
                && p.names().get(n).equals(at.get(n).name())) {
            n++;
        }
        return n;
    }

    // A flag's log line and metric are written BEFORE the flag becomes visible (raised) or invisible (cleared) in
    // active/history, so whoever sees the change through the dashboard or activeFlags() also finds the log line and
    // the metric. Raising and clearing happen only inside check(), one at a time (checkLock), so nothing slips between.

    private void raise(String key, String kind, String storeId, String clientId, String connectionId, String detail) {
        long id;
        lock.lock();
        try {
            if (active.containsKey(key)) {
                return;
            }
            id = ++nextId;
        } finally {
            lock.unlock();
        }
        Flag flag = new Flag(id, kind, storeId, clientId, connectionId, clock.instant(), null, detail);
        log.write(LogLevel.WARN, "flag-raised", "kind", kind, "store", storeId, "client", clientId, "connection", connectionId,
                "flag", flag.id(), "detail", detail);
        metrics.flagRaised(kind);
        lock.lock();
        try {
            active.put(key, flag);
            remember(flag);
        } finally {
            lock.unlock();
        }
    }

    private void clearAllBut(Set<String> holding, Instant now) {
        List<java.util.Map.Entry<String, Flag>> ending = new ArrayList<>();
        lock.lock();
        try {
            for (var e : active.entrySet()) {
                if (!holding.contains(e.getKey())) {
                    ending.add(java.util.Map.entry(e.getKey(), e.getValue()));
                }
            }
        } finally {
            lock.unlock();
        }
        for (var e : ending) {
            Flag f = e.getValue();
            log.write(LogLevel.INFO, "flag-cleared", "kind", f.kind(), "store", f.storeId(), "client", f.clientId(),
                    "connection", f.connectionId(), "flag", f.id());
            metrics.flagCleared(f.kind());
        }
        lock.lock();
        try {
            for (var e : ending) {
                Flag old = e.getValue();
                active.remove(e.getKey());
                Flag done = new Flag(old.id(), old.kind(), old.storeId(), old.clientId(), old.connectionId(),
                        old.raisedAt(), now, old.detail());
                history.replaceAll(f -> f.id() == old.id() ? done : f);
            }
        } finally {
            lock.unlock();
        }
    }

    private void remember(Flag flag) {
        if (history.size() == HISTORY) {
            history.removeFirst();
        }
        history.addLast(flag);
    }

    /** The kept flags, newest first; only active ones if {@code activeOnly}; of one store if {@code storeId} != null. */
    List<Flag> list(boolean activeOnly, String storeId) {
        lock.lock();
        try {
            List<Flag> out = new ArrayList<>();
            var it = history.reversed().iterator();
            while (it.hasNext()) {
                Flag f = it.next();
                if ((!activeOnly || f.clearedAt() == null) && (storeId == null || f.storeId().equals(storeId))) {
                    out.add(f);
                }
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Stops the check and waits (up to 5 s) for one in progress, so that none runs once the event store closes. */
    @Override
    public void close() {
        timer.shutdownNow();
        try {
            if (!timer.awaitTermination(5, TimeUnit.SECONDS)) {
                log.write(LogLevel.WARN, "flag-check-stop-timeout", "message", "a flag check still runs after 5 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
