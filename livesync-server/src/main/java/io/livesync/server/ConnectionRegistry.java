package io.livesync.server;

import io.livesync.core.Event;
import io.livesync.core.wire.WireFrames;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The facts this instance records for the operator's dashboard (issue #18): per connection ({@link ConnectionFacts}),
 * per client id (its last push, across reconnects: what the quiet-after-failed-push flag needs) and per store
 * ({@link StoreStats}). Fed by small hooks on the connections, the push path and the log; never blocks them (no IO,
 * short locks). Bounded: open sockets are bounded by the server's limits; HTTP clients, client ids and stores are kept
 * in LRU maps of at most {@link #MAX_ENTRIES} entries each.
 */
final class ConnectionRegistry {

    static final int MAX_ENTRIES = 10_000;

    /**
     * A client id's last push.
     *
     * @param failed whether it failed: refused (ServerAhead or another error) or stored with its ack not delivered
     * @param stored whether its events were stored (an accepted push whose ack was lost)
     */
    record LastPush(String storeId, String clientId, String connectionId, String protocol, Instant at, String outcome,
            boolean failed, boolean stored, long parent, int events, List<String> names, List<String> sessions) {}

    private final Clock clock;
    private final AtomicLong ids = new AtomicLong();
    private final Map<Object, ConnectionFacts> sockets = new ConcurrentHashMap<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, ConnectionFacts> http = lru();
    private final Map<String, LastPush> clients = lru();
    private final Map<String, StoreStats> stores = lru();

    ConnectionRegistry(Clock clock) {
        this.clock = clock;
    }

    private static <V> Map<String, V> lru() {
        return new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
                return size() > MAX_ENTRIES;
            }
        };
    }

    void opened(ServerConnection c) {
        sockets.put(c, new ConnectionFacts("c" + ids.incrementAndGet(), c.storeId(), c.protocol(), c.remote(),
                clock.instant()));
        store(c.storeId());
    }

    void closed(ServerConnection c) {
        ConnectionFacts f = sockets.remove(c);
        if (f != null) {
            f.open = false;
        }
    }

    /** A pull started on {@code connection} from {@code cursor}; a live one is now the connection's live pull. */
    void pullStarted(Object connection, long cursor, boolean live) {
        ConnectionFacts f = sockets.get(connection);
        if (f != null && live) {
            f.livePull = true;
            f.pullHead.set(cursor);
        }
    }

    /** A livesync client reported its own sync state on {@code connection}. */
    void reported(Object connection, WireFrames.ClientStatus status) {
        ConnectionFacts f = sockets.get(connection);
        if (f != null) {
            f.reported = status;
            f.reportedAt = clock.instant();
            if (f.clientId == null && !status.clientId().isEmpty()) {
                f.clientId = status.clientId();
            }
        }
    }

    /** The latest report of client {@code clientId} on an open socket of {@code storeId} (it may have reconnected). */
    WireFrames.ClientStatus latestReport(String storeId, String clientId) {
        WireFrames.ClientStatus latest = null;
        java.time.Instant at = null;
        for (ConnectionFacts f : sockets.values()) {
            WireFrames.ClientStatus r = f.reported;
            if (r != null && f.open && f.storeId.equals(storeId) && r.clientId().equals(clientId)
                    && (at == null || f.reportedAt.isAfter(at))) {
                latest = r;
                at = f.reportedAt;
            }
        }
        return latest;
    }

    /** A page was queued for {@code connection}. */
    void pulled(Object connection, WireFrames.PullResponse page) {
        ConnectionFacts f = sockets.get(connection);
        if (f != null && !page.batch().isEmpty()) {
            f.pulled(page.batch().getLast().seq().global());
        }
    }

    /** A push went through the pipeline and got {@code reply}. */
    void pushed(PushPipeline.Request r, PushPipeline.Reply reply) {
        Instant now = clock.instant();
        List<Event> batch = r.batch();
        String clientId = batch.isEmpty() ? null : batch.getFirst().clientId();
        long parent = batch.isEmpty() ? -1 : batch.getFirst().parent().global();
        ConnectionFacts f = r.connection() != null ? sockets.get(r.connection()) : httpFacts(r, clientId, now);
        String outcome;
        boolean failed;
        boolean stored;
        long aheadParent = -1;
        long minimum = -1;
        switch (reply) {
            case PushPipeline.Reply.Accepted a -> {
                stored = true;
                failed = f != null && !f.open; // the socket closed before the ack could be queued
                outcome = failed ? "accepted, ack not delivered (socket closed)" : "accepted";
            }
            case PushPipeline.Reply.Refused refused -> {
                stored = false;
                failed = true;
                if (refused.reason().equals("chain-broken")) {
                    outcome = "chain-broken"; // follows from the refusal of the push before it: not a loop of its own
                } else if (refused.error() instanceof WireFrames.ServerAheadError ahead) {
                    outcome = "server-ahead";
                    aheadParent = ahead.providedNum();
                    minimum = ahead.minimumExpectedNum();
                } else {
                    outcome = refused.reason();
                }
            }
            case PushPipeline.Reply.Withheld withheld -> {
                failed = true;
                stored = !(withheld.fault() instanceof PushPipeline.Fault.Disconnect);
                outcome = stored ? "accepted, ack not delivered (" + faultName(withheld.fault()) + ")"
                        : "not stored (" + faultName(withheld.fault()) + ")";
            }
        }
        if (f != null) {
            if (clientId != null) {
                f.clientId = clientId;
            }
            if (!outcome.equals("chain-broken")) {
                f.pushed(now, outcome, batch.size(), aheadParent, minimum);
            }
        }
        if (outcome.equals("chain-broken")) {
            // It follows from the refusal before it, which stays the client's last push: the stall flags read that
            // one's parent (a chain-broken push's parent lies beyond what the store holds, which would hide them).
            store(r.storeId()).pushed(now, false, batch.size(), outcome);
            return;
        }
        store(r.storeId()).pushed(now, reply instanceof PushPipeline.Reply.Accepted, batch.size(), outcome);
        if (clientId != null) {
            LastPush last = new LastPush(r.storeId(), clientId, f == null ? null : f.id, r.transport().logName, now,
                    outcome, failed, stored, parent, batch.size(), batch.stream().map(Event::name).toList(),
                    batch.stream().map(e -> String.valueOf(e.sessionId())).toList());
            lock.lock();
            try {
                clients.put(key(r.storeId(), clientId), last);
            } finally {
                lock.unlock();
            }
        }
    }

    private static String faultName(PushPipeline.Fault fault) {
        return switch (fault) {
            case PushPipeline.Fault.Disconnect d -> "injected disconnect";
            case PushPipeline.Fault.LostAck l -> "injected lost ack";
            case PushPipeline.Fault.ErrorAfterStore e -> "injected error after store";
            case PushPipeline.Fault.Blackhole b -> "injected blackhole";
        };
    }

    private ConnectionFacts httpFacts(PushPipeline.Request r, String clientId, Instant now) {
        String host = r.remote() == null ? "?" : r.remote().replaceFirst(":\\d+$", "");
        String key = key(r.storeId(), clientId != null ? clientId : "@" + host);
        lock.lock();
        try {
            return http.computeIfAbsent(key, k -> new ConnectionFacts("h" + ids.incrementAndGet(), r.storeId(), "http",
                    host, now));
        } finally {
            lock.unlock();
        }
    }

    private static String key(String storeId, String clientId) {
        return storeId + '\u0000' + clientId;
    }

    /**
     * A warning or error line of the server's log that names a store this instance serves: kept as one of the store's
     * recent errors. Lines naming other store ids (an unauthenticated upgrade for any id, say) are not kept, so that
     * they neither list a store nor make the dashboard read (and thereby create) it.
     */
    void logged(io.livesync.core.LogLevel level, String event, Object... keyValues) {
        String storeId = null;
        StringBuilder detail = new StringBuilder();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object v = keyValues[i + 1];
            if (v == null) {
                continue;
            }
            if ("store".equals(keyValues[i])) {
                storeId = String.valueOf(v);
            } else {
                if (!detail.isEmpty()) {
                    detail.append(' ');
                }
                detail.append(keyValues[i]).append('=').append(v);
            }
        }
        StoreStats stats = storeId == null ? null : storeIfKnown(storeId);
        if (stats != null) {
            String d = detail.length() > 500 ? detail.substring(0, 500) : detail.toString();
            stats.problem(new StoreStats.Problem(clock.instant(), level.name(), event, d));
        }
    }

    StoreStats store(String storeId) {
        lock.lock();
        try {
            return stores.computeIfAbsent(storeId, StoreStats::new);
        } finally {
            lock.unlock();
        }
    }

    StoreStats storeIfKnown(String storeId) {
        lock.lock();
        try {
            return stores.get(storeId);
        } finally {
            lock.unlock();
        }
    }

    /** The stores this instance has served since it started (sorted by id). */
    List<String> storeIds() {
        lock.lock();
        try {
            return stores.keySet().stream().sorted().toList();
        } finally {
            lock.unlock();
        }
    }

    /** Open sockets and HTTP clients, of one store or (null) all, oldest first. */
    List<ConnectionFacts> connections(String storeId) {
        List<ConnectionFacts> out = new ArrayList<>();
        for (ConnectionFacts f : sockets.values()) {
            if (storeId == null || f.storeId.equals(storeId)) {
                out.add(f);
            }
        }
        lock.lock();
        try {
            for (ConnectionFacts f : http.values()) {
                if (storeId == null || f.storeId.equals(storeId)) {
                    out.add(f);
                }
            }
        } finally {
            lock.unlock();
        }
        out.sort(Comparator.comparing((ConnectionFacts f) -> f.connectedSince).thenComparing(f -> f.id));
        return out;
    }

    long openSockets(String storeId) {
        return sockets.values().stream().filter(f -> f.storeId.equals(storeId)).count();
    }

    /** The last push of every client id known, of one store or (null) all. */
    List<LastPush> lastPushes(String storeId) {
        lock.lock();
        try {
            return clients.values().stream().filter(p -> storeId == null || p.storeId().equals(storeId))
                    .sorted(Comparator.comparing(LastPush::at).reversed()).toList();
        } finally {
            lock.unlock();
        }
    }
}
