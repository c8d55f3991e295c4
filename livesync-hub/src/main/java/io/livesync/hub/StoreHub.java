package io.livesync.hub;

import io.livesync.core.LogLevel;
import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireFrames.BackendIdMismatchError;
import io.livesync.core.wire.WireFrames.PullResponse;
import io.livesync.core.wire.WireFrames.ServerAheadError;
import io.livesync.core.wire.WireFrames.WireError;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The ordering authority of one server instance: per store, push arbitration (through the {@link EventStore}) and
 * publication to live pulls as ONE step under the store's lock, and pulls whose catch-up and live phases join with no
 * gap and no duplicate.
 *
 * <p>Invariant: {@code publishedHead} is the highest event every live subscriber has been given (or will be, from its
 * buffer); publication always continues from it, reading from the database whatever another instance appended, so
 * every live pull sees the store's events exactly once, in order. A new pull first publishes up to the STORED head
 * (to the pulls already live), then registers under the same lock hold with {@code upTo = publishedHead}, streams
 * {@code (cursor, upTo]} outside the lock and buffers live batches (all above {@code upTo}) meanwhile. Each
 * subscription also remembers the highest seq it was given and never delivers one at or below it again.
 *
 * <p>Several instances (PostgreSQL): another instance's appends arrive as announcements ({@link #remoteAdvance});
 * announcements missed while the LISTEN connection was down are made up by {@link #resync}, which catches every
 * followed store up from its stored head. An announcement or resync that shows a new backend id means the store was
 * reset through another instance: its state here is dropped, its live pulls cancelled and its sockets closed.
 */
public class StoreHub {

    /** Where the hub writes its structured log lines: a level, an event name and key-value pairs. */
    @FunctionalInterface
    public interface Log {
        void write(LogLevel level, String event, Object... keyValues);

        /** Writes nothing. */
        Log DISCARD = (level, event, keyValues) -> {};
    }

    /** What the hub counts for the server's metrics. */
    public interface Counters {
        /** The number of live pulls changed by {@code delta}. */
        void liveSubscribers(int delta);

        /** The push validator refused an event of {@code storeId}. */
        void pushRefused(String storeId);

        /** Counts nothing. */
        Counters NONE = new Counters() {
            @Override
            public void liveSubscribers(int delta) {}

            @Override
            public void pushRefused(String storeId) {}
        };
    }

    /** Where a pull's pages go. Calls never block (the connection queues them). */
    public interface Sink {
        void page(PullResponse response);

        /** Blocks the catch-up until the client can take another page (flow control); default: never blocks. */
        default void awaitCatchUpWindow() {}

        /** Whether the pull's client is gone (its socket closed, or it interrupted the pull): the catch-up stops. */
        default boolean cancelled() {
            return false;
        }

        /** Sheds the client (closes its socket); called outside any lock when the pull exceeded a bound. */
        default void shed(String reason) {}

        void failed(WireError error);

        void ended();
    }

    /** The outcome of a push. */
    public sealed interface PushResult {
        record Accepted(long newHead) implements PushResult {}

        record Rejected(WireError error, String reason) implements PushResult {}
    }

    /** Thrown when a store already has its maximum of live pulls; the caller sheds the client by closing its socket. */
    public static final class TooManySubscribers extends RuntimeException {
        TooManySubscribers(String storeId, int max) {
            super("store " + storeId + " already has " + max + " live pulls (maxLiveSubscribersPerStore)");
        }
    }

    private final EventStore store;
    private final Counters counters;
    private final Log log;
    private final PushValidator validator;
    private final java.time.Clock wallClock;
    private final int pageSize;
    private final int maxSubscribersPerStore;
    private volatile int maxBufferedEventsPerPull;
    private final ConcurrentHashMap<String, StoreState> stores = new ConcurrentHashMap<>();
    private volatile java.util.function.Consumer<String> onRemoteReset = storeId -> {};
    /** Test hook: how long new pulls wait before their catch-up (0 = none). */
    private volatile long catchUpDelayMillis;

    /** Test hook of the real server: new pulls wait this long between registering and their catch-up (0 = none). */
    public void catchUpDelayMillis(long millis) {
        this.catchUpDelayMillis = millis;
    }

    static final class StoreState {
        final ReentrantLock lock = new ReentrantLock();
        final List<Subscription> live = new CopyOnWriteArrayList<>();
        final String backendId;
        long publishedHead;

        StoreState(EventStore.StoreMeta meta) {
            this.backendId = meta.backendId();
            this.publishedHead = meta.head();
        }
    }

    /** A running pull, as its connection holds it: it can only be cancelled. */
    public final class Subscription {
        private final String storeId;
        private final Sink sink;
        private final Object owner;
        private final List<List<Event>> buffered = new ArrayList<>();
        private boolean catchingUp = true;
        /** The highest seq this pull was given (guarded by the store's lock once live). */
        private long deliveredUpTo;
        /** Events in {@code buffered} (guarded by the store's lock). */
        private int bufferedEvents;
        /** Set (under the lock) when the buffer overflowed: the pull was cancelled and its client must be shed. */
        private volatile boolean overflowed;
        private volatile boolean cancelled;

        /** The store state this pull was registered with (a reset replaces the state, not the pull's). */
        private final StoreState state;

        Subscription(String storeId, StoreState state, Sink sink, Object owner) {
            this.storeId = storeId;
            this.state = state;
            this.sink = sink;
            this.owner = owner;
        }

        /** Ends the pull: nothing more is delivered to its sink. */
        public void cancel() {
            cancel(state);
        }

        private void cancel(StoreState st) {
            if (cancelled) {
                return;
            }
            cancelled = true;
            if (st != null && st.live.remove(this)) {
                counters.liveSubscribers(-1);
            }
        }
    }

    /** A hub over {@code store}; every other setting has a default. */
    public static Builder builder(EventStore store) {
        return new Builder(store);
    }

    /** Immutable settings of a hub; fails fast on bad values. */
    public static final class Builder {
        final EventStore store;
        Log log = Log.DISCARD;
        Counters counters = Counters.NONE;
        PushValidator validator = PushValidator.ACCEPT_ALL;
        java.time.Clock wallClock = java.time.Clock.systemUTC();
        int pageSize = 100;
        int maxLiveSubscribersPerStore = 1000;
        int maxBufferedEventsPerPull = 50_000;

        private Builder(EventStore store) {
            this.store = java.util.Objects.requireNonNull(store, "store");
        }

        /** Where the hub's log lines go (default: nowhere). */
        public Builder log(Log log) {
            this.log = java.util.Objects.requireNonNull(log, "log");
            return this;
        }

        /** What the hub counts (default: nothing). */
        public Builder counters(Counters counters) {
            this.counters = java.util.Objects.requireNonNull(counters, "counters");
            return this;
        }

        /** Judges every push that is not the server's own (default: accepts all). */
        public Builder validator(PushValidator validator) {
            this.validator = java.util.Objects.requireNonNull(validator, "validator");
            return this;
        }

        /** The wall clock that stamps {@code createdAt} on accepted events (default: the system's, UTC). */
        public Builder wallClock(java.time.Clock clock) {
            this.wallClock = java.util.Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Events per pull page (LiveStore's clients expect at most 100; default 100). */
        public Builder pageSize(int n) {
            if (n < 1 || n > 10_000) {
                throw new IllegalArgumentException("pageSize must be 1..10000, got " + n);
            }
            this.pageSize = n;
            return this;
        }

        /** Live pulls one store may have; a pull beyond is refused with {@link TooManySubscribers} (default 1000). */
        public Builder maxLiveSubscribersPerStore(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxLiveSubscribersPerStore must be >= 1, got " + n);
            }
            this.maxLiveSubscribersPerStore = n;
            return this;
        }

        /** Live events a pull may buffer during its catch-up; beyond, the pull is cancelled and shed (default 50,000). */
        public Builder maxBufferedEventsPerPull(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("maxBufferedEventsPerPull must be >= 1, got " + n);
            }
            this.maxBufferedEventsPerPull = n;
            return this;
        }

        public StoreHub build() {
            return new StoreHub(this);
        }
    }

    /** Package-private: the only subclasses are test variants that re-introduce fixed bugs for the simulator. */
    StoreHub(Builder b) {
        this.validator = b.validator;
        this.store = b.store;
        this.counters = b.counters;
        this.log = b.log;
        this.wallClock = b.wallClock;
        this.pageSize = b.pageSize;
        this.maxSubscribersPerStore = b.maxLiveSubscribersPerStore;
        this.maxBufferedEventsPerPull = b.maxBufferedEventsPerPull;
        store.onRemoteAdvance(new EventStore.RemoteAdvanceListener() {
            @Override
            public void advanced(String storeId, long head, String backendId) {
                remoteAdvance(storeId, head, backendId);
            }

            @Override
            public void resync() {
                StoreHub.this.resync();
            }

            @Override
            public void lost(String error) {
                log.write(LogLevel.WARN, "listen-lost", "error", error, "stores", stores.size(), "message",
                        "announcements of other instances are lost until LISTEN is back; then every store catches up");
            }
        });
    }

    /** The event store this hub orders pushes into. */
    EventStore store() {
        return store;
    }

    /** Called with a store id when a reset done through another instance is detected (the server closes its sockets). */
    public void onRemoteReset(java.util.function.Consumer<String> action) {
        this.onRemoteReset = java.util.Objects.requireNonNull(action, "action");
    }

    StoreState state(String storeId) {
        return stores.computeIfAbsent(storeId, id -> new StoreState(store.meta(id)));
    }

    /** Resets a store (new backend id, empty log); live pulls of the old store are cancelled. */
    public EventStore.StoreMeta reset(String storeId) {
        StoreState old = stores.remove(storeId);
        if (old != null) {
            for (Subscription sub : old.live) {
                sub.cancel(old);
            }
        }
        return store.reset(storeId);
    }

    /**
     * Imports a log into an empty store under the store's lock (pushes through this instance wait), then publishes
     * the imported events to the store's live pulls.
     */
    public EventStore.ImportOutcome importInto(String storeId, java.util.Iterator<Event> events) {
        StoreState followed = stores.get(storeId);
        if (followed == null) {
            // nobody here follows the store: import without creating it (a refused import leaves nothing behind),
            // then publish to any pull that registered meanwhile (publication is idempotent up to a head)
            EventStore.ImportOutcome outcome = store.importInto(storeId, events);
            StoreState late = stores.get(storeId);
            if (late != null && outcome instanceof EventStore.ImportOutcome.Imported imported) {
                late.lock.lock();
                try {
                    publishLocked(storeId, late, imported.head(), null, "import");
                } finally {
                    late.lock.unlock();
                }
            }
            return outcome;
        }
        StoreState st = followed;
        st.lock.lock();
        try {
            EventStore.ImportOutcome outcome = store.importInto(storeId, events);
            if (outcome instanceof EventStore.ImportOutcome.Imported imported) {
                publishLocked(storeId, st, imported.head(), null, "import");
            }
            return outcome;
        } finally {
            st.lock.unlock();
        }
    }

    /** Deletes a store; its live pulls are cancelled (the server closes its sockets). */
    public boolean delete(String storeId) {
        StoreState old = stores.remove(storeId);
        if (old != null) {
            for (Subscription sub : old.live) {
                sub.cancel(old);
            }
        }
        return store.delete(storeId);
    }

    public String backendId(String storeId) {
        return state(storeId).backendId;
    }

    public long head(String storeId) {
        return store.meta(storeId).head();
    }

    /** A push the server itself makes (the foreign-event test hook): not shown to the push validator. */
    public PushResult pushTrusted(String storeId, List<Event> batch, String backendId) {
        return push(storeId, batch, backendId, null, null);
    }

    /**
     * Validates, arbitrates and, if accepted, appends and publishes a batch. {@code subject} is who pushes (see
     * {@link PushValidator.Pusher#subject()}); null only for the server's own pushes, which skip the validator.
     * {@code withholdFrom} (a connection) gets no live copy of this batch: the blackhole fault; null for normal
     * operation.
     */
    public PushResult push(String storeId, List<Event> batch, String backendId, String subject, Object withholdFrom) {
        return push(storeId, batch, backendId, subject, withholdFrom, null, false);
    }

    /**
     * {@link #push(String, List, String, String, Object)} on a connection that records its pushes in {@code chain}
     * (null: the push is on its own). A push marked {@code chainsOnPrevious} (a livesync client's pipelined push) is
     * stored only on top of the previous push on the same connection, else refused as {@code ServerAhead} with the
     * reason {@code chain-broken} (see {@link PushChain}).
     */
    public PushResult push(String storeId, List<Event> batch, String backendId, String subject, Object withholdFrom,
            PushChain chain, boolean chainsOnPrevious) {
        String broken = PushChain.brokenLink(chain, batch, chainsOnPrevious);
        if (broken != null) {
            StoreState st = state(storeId);
            long head;
            st.lock.lock();
            try {
                head = st.publishedHead;
            } finally {
                st.lock.unlock();
            }
            PushResult refused = new PushResult.Rejected(new ServerAheadError(head,
                    batch.getFirst().parent().global()), "chain-broken");
            if (chain != null) {
                chain.recorded(batch, refused);
            }
            log.write(LogLevel.DEBUG, "push-chain-broken", "store", storeId, "first",
                    batch.getFirst().seq().toString(), "problem", broken);
            return refused;
        }
        PushResult result = pushUnchained(storeId, batch, backendId, subject, withholdFrom);
        if (chain != null) {
            chain.recorded(batch, result);
        }
        return result;
    }

    private PushResult pushUnchained(String storeId, List<Event> batch, String backendId, String subject,
            Object withholdFrom) {
        StoreState st = state(storeId);
        if (backendId != null && !backendId.equals(st.backendId)) {
            return new PushResult.Rejected(new BackendIdMismatchError(st.backendId, backendId), "backend-id-mismatch");
        }
        if (batch.isEmpty()) {
            return new PushResult.Accepted(st.publishedHead);
        }
        if (subject != null) {
            PushResult.Rejected refused = validate(storeId, batch, subject); // user code: outside every lock
            if (refused != null) {
                return refused;
            }
        }
        String staleCache = null;
        st.lock.lock();
        try {
            String createdAt = Instant.now(wallClock).toString();
            return switch (store.append(storeId, batch, createdAt, backendId)) {
                case EventStore.AppendOutcome.Accepted accepted -> {
                    List<Event> stored = new ArrayList<>(batch.size());
                    for (Event e : batch) {
                        stored.add(new Event(e.seq(), e.parent(), e.name(), e.args(), e.clientId(), e.sessionId(),
                                new io.livesync.core.EventMeta(com.fasterxml.jackson.databind.node.JsonNodeFactory
                                        .instance.objectNode().put("_tag", "SyncMessage.SyncMetadata")
                                        .put("createdAt", createdAt))));
                    }
                    publishLocked(storeId, st, accepted.newHead(), stored, withholdFrom, "push");
                    yield new PushResult.Accepted(accepted.newHead());
                }
                case EventStore.AppendOutcome.ServerAhead ahead -> {
                    publishLocked(storeId, st, ahead.head(), null, "server-ahead"); // another instance advanced it
                    yield new PushResult.Rejected(new ServerAheadError(ahead.head(), ahead.providedParent()),
                            "server-ahead");
                }
                case EventStore.AppendOutcome.Invalid invalid -> new PushResult.Rejected(
                        WireCodec.typedError(WireErrorCode.INVALID_BATCH, invalid.problem()), "invalid-batch");
                case EventStore.AppendOutcome.BackendIdMismatch mismatch -> {
                    staleCache = mismatch.actual(); // reset through another instance, not yet announced here
                    yield new PushResult.Rejected(new BackendIdMismatchError(mismatch.actual(), backendId),
                            "backend-id-mismatch");
                }
            };
        } finally {
            st.lock.unlock();
            if (staleCache != null) {
                remoteReset(storeId, st, staleCache); // closes sockets: outside the lock
            }
        }
    }

    /** Runs the push validator: null when it accepts; a refusal naming the event, or a retryable error if it fails. */
    private PushResult.Rejected validate(String storeId, List<Event> batch, String subject) {
        String clientId = batch.getFirst().clientId();
        PushValidator.Verdict verdict;
        try {
            verdict = validator.validate(new PushValidator.Push(storeId, new PushValidator.Pusher(subject, clientId),
                    batch));
            if (verdict instanceof PushValidator.Verdict.Refuse r && (r.index() < 0 || r.index() >= batch.size())) {
                throw new IllegalStateException("it refused index " + r.index() + " of a batch of " + batch.size());
            }
            if (verdict == null) {
                throw new IllegalStateException("it returned null");
            }
        } catch (RuntimeException e) {
            log.write(LogLevel.ERROR, "push-validator-failed", "store", storeId, "subject", subject, "clientId", clientId,
                    "events", batch.size(), "error", e.toString());
            return new PushResult.Rejected(WireCodec.typedError(WireErrorCode.STORAGE_ERROR,
                    "the push validator failed; nothing was stored; retrying is safe"), "storage-error");
        }
        return switch (verdict) {
            case PushValidator.Verdict.Accept accept -> null;
            case PushValidator.Verdict.Refuse refuse -> {
                Event e = batch.get(refuse.index());
                long seq = e.seq().global();
                String reason = refuse.reason().length() > 500 ? refuse.reason().substring(0, 500) : refuse.reason();
                counters.pushRefused(storeId);
                log.write(LogLevel.WARN, "event-refused", "store", storeId, "subject", subject, "clientId", e.clientId(),
                        "seqNum", seq, "name", e.name(), "events", batch.size(), "reason", reason, "audit", true);
                String message = "event e" + seq + " (" + e.name() + ") was refused: " + reason;
                com.fasterxml.jackson.databind.node.ObjectNode cause = com.fasterxml.jackson.databind.node
                        .JsonNodeFactory.instance.objectNode().put("name", "LivesyncError")
                        .put("code", WireErrorCode.EVENT_REFUSED.wireName()).put("message", message).put("seqNum", seq);
                yield new PushResult.Rejected(new io.livesync.core.wire.WireFrames.UnknownError(cause, message),
                        "event-refused");
            }
        };
    }

    /** Delivers every event up to {@code head} that this instance has not published yet, in order. */
    void publishLocked(String storeId, StoreState st, long head, List<Event> knownBatch, String source) {
        publishLocked(storeId, st, head, knownBatch, null, source);
    }

    private void publishLocked(String storeId, StoreState st, long head, List<Event> knownBatch, Object withholdFrom,
            String source) {
        if (head <= st.publishedHead) {
            return;
        }
        if (knownBatch != null && knownBatch.getFirst().parent().global() == st.publishedHead) {
            publishEventsLocked(storeId, st, knownBatch, withholdFrom, source);
            return;
        }
        // read from the store one page at a time, publishing each before reading the next: a large gap (an import,
        // a long LISTEN outage) is published in bounded memory
        while (st.publishedHead < head) {
            List<Event> page = store.read(storeId, st.publishedHead, head, 1000);
            if (page.isEmpty()) {
                return;
            }
            publishEventsLocked(storeId, st, page, withholdFrom, source);
        }
    }

    private void publishEventsLocked(String storeId, StoreState st, List<Event> events, Object withholdFrom,
            String source) {
        long before = st.publishedHead;
        int catchingUp = 0;
        for (Subscription sub : st.live) {
            if (withholdFrom != null && sub.owner == withholdFrom) {
                continue;
            }
            if (sub.catchingUp) {
                if (sub.bufferedEvents + events.size() > maxBufferedEventsPerPull) {
                    sub.overflowed = true; // shed by the pull's own thread, outside this lock
                    sub.buffered.clear();
                    sub.cancel(st);
                    continue;
                }
                sub.buffered.add(events);
                sub.bufferedEvents += events.size();
                catchingUp++;
            } else {
                deliver(sub, events, st.backendId);
            }
        }
        st.publishedHead = events.getLast().seq().global();
        log.write(LogLevel.INFO, "published", "store", storeId, "source", source, "from", before, "head", st.publishedHead,
                "events", events.size(), "subscribers", st.live.size(), "catchingUp", catchingUp);
    }

    /** Gives a live pull the events above what it already has (never one twice), in pages. */
    private void deliver(Subscription sub, List<Event> events, String backendId) {
        int skip = 0;
        while (skip < events.size() && events.get(skip).seq().global() <= sub.deliveredUpTo) {
            skip++;
        }
        if (skip > 0) {
            log.write(LogLevel.ERROR, "publish-duplicate-skipped", "store", sub.storeId, "deliveredUpTo", sub.deliveredUpTo,
                    "first", events.getFirst().seq().global(), "skipped", skip);
        }
        for (int from = skip; from < events.size(); from += pageSize) {
            sub.sink.page(new PullResponse(events.subList(from, Math.min(events.size(), from + pageSize)),
                    PageInfo.NO_MORE, backendId));
        }
        if (skip < events.size()) {
            sub.deliveredUpTo = events.getLast().seq().global();
        }
    }

    /** Another instance announced a head (and the backend id it was appended under). */
    private void remoteAdvance(String storeId, long head, String backendId) {
        StoreState st = stores.get(storeId);
        if (st == null) {
            return; // nobody here follows this store
        }
        if (!st.backendId.equals(backendId)) {
            // Another id than ours: a reset through another instance, or an announcement made BEFORE a reset that
            // arrives after it (this instance then already follows the new store). The stored id decides.
            String stored;
            try {
                stored = store.meta(storeId).backendId();
            } catch (RuntimeException e) {
                log.write(LogLevel.ERROR, "publish-failed", "store", storeId, "error", e.toString());
                return;
            }
            if (stored.equals(st.backendId)) {
                log.write(LogLevel.INFO, "announcement-stale", "store", storeId, "backendId", backendId, "head", head);
                return;
            }
            remoteReset(storeId, st, stored);
            return;
        }
        st.lock.lock();
        try {
            publishLocked(storeId, st, head, null, "announcement");
        } catch (RuntimeException e) {
            log.write(LogLevel.ERROR, "publish-failed", "store", storeId, "error", e.toString());
        } finally {
            st.lock.unlock();
        }
    }

    /** Announcements may have been missed: catches every store this instance follows up from its stored head. */
    private void resync() {
        log.write(LogLevel.INFO, "listen-up", "stores", stores.size());
        for (var entry : stores.entrySet()) {
            String storeId = entry.getKey();
            StoreState st = entry.getValue();
            try {
                EventStore.StoreMeta meta = store.meta(storeId);
                if (!st.backendId.equals(meta.backendId())) {
                    remoteReset(storeId, st, meta.backendId());
                    continue;
                }
                st.lock.lock();
                try {
                    publishLocked(storeId, st, meta.head(), null, "resync");
                } finally {
                    st.lock.unlock();
                }
            } catch (RuntimeException e) {
                log.write(LogLevel.ERROR, "publish-failed", "store", storeId, "error", e.toString());
            }
        }
    }

    /** The store was reset through another instance: forget its state here, end its live pulls, close its sockets. */
    private void remoteReset(String storeId, StoreState st, String newBackendId) {
        if (!stores.remove(storeId, st)) {
            return; // already replaced
        }
        log.write(LogLevel.WARN, "store-reset-remote", "store", storeId, "oldBackendId", st.backendId, "backendId",
                newBackendId, "subscribers", st.live.size());
        for (Subscription sub : st.live) {
            sub.cancel(st);
        }
        onRemoteReset.accept(storeId);
    }

    /** One non-live page after {@code cursor} (the HTTP pull): at most a page of events, and how many remain. */
    public PullResponse page(String storeId, long cursor, String cursorBackendId) {
        StoreState st = state(storeId);
        if (cursor > 0 && cursorBackendId != null && !cursorBackendId.equals(st.backendId)) {
            throw new BackendIdMismatchException(new BackendIdMismatchError(st.backendId, cursorBackendId));
        }
        long head = store.meta(storeId).head();
        if (cursor > head) {
            throw new CursorAheadException("cursor " + cursor + " is beyond the head " + head + " of store " + storeId);
        }
        List<Event> events = cursor >= head ? List.of() : store.read(storeId, cursor, head, pageSize);
        long last = events.isEmpty() ? cursor : events.getLast().seq().global();
        long remaining = Math.max(0, head - last);
        return new PullResponse(events, remaining == 0 ? PageInfo.NO_MORE : new PageInfo.MoreKnown(remaining),
                st.backendId);
    }

    /** A pull whose cursor is beyond the store's head (the same answer as the WebSocket pull's). */
    public static final class CursorAheadException extends RuntimeException {
        CursorAheadException(String message) {
            super(message);
        }
    }

    /** A pull whose cursor carries another backend id. */
    public static final class BackendIdMismatchException extends RuntimeException {
        public final BackendIdMismatchError error;

        BackendIdMismatchException(BackendIdMismatchError error) {
            super("backend id mismatch: server " + error.expected() + ", client " + error.received());
            this.error = error;
        }
    }

    /**
     * Runs a whole pull on the calling thread: catch-up pages of events after {@code cursor}, then (if live) every
     * accepted batch. A backend id mismatch fails the pull; a live pull is never ended.
     *
     * @throws TooManySubscribers when the store is at its live-pull limit
     */
    public Subscription subscribe(String storeId, long cursor, String cursorBackendId, boolean live, Sink sink) {
        return subscribe(storeId, cursor, cursorBackendId, live, sink, null);
    }

    /** As {@link #subscribe(String, long, String, boolean, Sink)}; {@code owner} is the connection (for withholding). */
    public Subscription subscribe(String storeId, long cursor, String cursorBackendId, boolean live, Sink sink,
            Object owner) {
        Pull pull = startPull(storeId, cursor, cursorBackendId, live, sink, owner);
        boolean done = false;
        try {
            boolean more = pull.step(); // registration
            long delay = catchUpDelayMillis;
            if (more && delay > 0) {
                try {
                    Thread.sleep(delay); // test hook: a slow catch-up (live batches are buffered meanwhile)
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            while (more) {
                more = pull.step();
            }
            done = true;
        } finally {
            if (!done) {
                pull.subscription().cancel(); // the caller gets no subscription to cancel: never leave one live
            }
        }
        return pull.subscription();
    }

    /**
     * Starts a pull without running any of it: the caller advances it with {@link Pull#step()} until that returns
     * false. {@link #subscribe} does so on one thread; the deterministic simulator runs each step as its own event.
     */
    public Pull startPull(String storeId, long cursor, String cursorBackendId, boolean live, Sink sink, Object owner) {
        StoreState st = state(storeId);
        Pull pull = new Pull(storeId, cursor, live, sink, new Subscription(storeId, st, sink, owner), st);
        if (cursor > 0 && cursorBackendId != null && !cursorBackendId.equals(st.backendId)) {
            log.write(LogLevel.WARN, "pull-refused", "store", storeId, "reason", "backend-id-mismatch", "server",
                    st.backendId, "client", cursorBackendId);
            sink.failed(new BackendIdMismatchError(st.backendId, cursorBackendId));
            pull.phase = Phase.DONE;
        }
        return pull;
    }

    enum Phase {
        REGISTER, CATCH_UP, JOIN, DONE
    }

    /**
     * A pull in progress, advanced one step at a time: registration, one catch-up page per step, then the join with
     * the live stream. Each step holds the store's lock at most for its own duration, so between two steps anything
     * may happen (pushes, announcements of other instances, a reset): in production other threads, in simulation
     * other events. The pull is correct for every such interleaving (see the class comment).
     */
    public final class Pull {
        final String storeId;
        final long cursor;
        final boolean live;
        final Sink sink;
        final Subscription sub;
        final StoreState state;
        Phase phase = Phase.REGISTER;
        /** The head the catch-up streams up to (-1 until registered); live batches above it are buffered. */
        long upTo = -1;
        private long from;
        private boolean sentAny;

        Pull(String storeId, long cursor, boolean live, Sink sink, Subscription sub, StoreState state) {
            this.storeId = storeId;
            this.cursor = cursor;
            this.live = live;
            this.sink = sink;
            this.sub = sub;
            this.state = state;
            this.from = cursor;
        }

        public Subscription subscription() {
            return sub;
        }

        /**
         * Runs the pull's next step; false once it has nothing more to do (it joined the live stream, ended or
         * failed).
         *
         * @throws TooManySubscribers when registering finds the store at its live-pull limit
         */
        public boolean step() {
            switch (phase) {
                case REGISTER -> {
                    if (register(this)) {
                        afterRegister();
                    }
                }
                case CATCH_UP -> catchUpPage();
                case JOIN -> join();
                case DONE -> {}
            }
            return phase != Phase.DONE;
        }

        private void afterRegister() {
            if (cursor > upTo) {
                // The client claims events this store does not have: the store was restored from an older copy
                // without a new backend id (LIVESTORE-WS-PROTOCOL §5 pitfall 6). Say so; never pretend all is well.
                log.write(LogLevel.ERROR, "pull-cursor-ahead", "store", storeId, "cursor", cursor, "head", upTo);
                sub.cancel();
                sink.failed(WireCodec.typedError(WireErrorCode.CURSOR_AHEAD, "cursor " + cursor
                        + " is beyond the head " + upTo + " of store " + storeId));
                phase = Phase.DONE;
                return;
            }
            phase = Phase.CATCH_UP;
        }

        private void catchUpPage() {
            if (from < upTo && !sub.cancelled && !sink.cancelled()) {
                sink.awaitCatchUpWindow();
                if (!sub.cancelled && !sink.cancelled()) {
                    List<Event> page = store.read(storeId, from, upTo, pageSize);
                    if (stores.get(storeId) != state) {
                        // the store was reset (here, or through another instance and detected) while this pull
                        // caught up: the page may already be the NEW log; never label it with the old backend id
                        sub.cancel();
                        sink.failed(new BackendIdMismatchError(state(storeId).backendId, state.backendId));
                        phase = Phase.DONE;
                        return;
                    }
                    if (!page.isEmpty()) {
                        from = page.getLast().seq().global();
                        long remaining = upTo - from;
                        sink.page(new PullResponse(page, remaining == 0 ? PageInfo.NO_MORE
                                : new PageInfo.MoreKnown(remaining), state.backendId));
                        sentAny = true;
                        if (from < upTo) {
                            return; // more pages
                        }
                    }
                }
            }
            phase = Phase.JOIN;
        }

        private void join() {
            phase = Phase.DONE;
            if (sub.overflowed) {
                log.write(LogLevel.WARN, "pull-buffer-overflow", "store", storeId, "max", maxBufferedEventsPerPull);
                sink.shed("pull-buffer-overflow: more than " + maxBufferedEventsPerPull
                        + " live events arrived during one catch-up");
                return;
            }
            if (sink.cancelled()) {
                sub.cancel();
                return; // the client is gone: nothing more to send
            }
            if (!sentAny && !sub.cancelled) {
                sink.page(new PullResponse(List.of(), PageInfo.NO_MORE, state.backendId)); // always at least one page
            }
            state.lock.lock();
            try {
                sub.deliveredUpTo = Math.max(sub.deliveredUpTo, from);
                for (List<Event> batch : sub.buffered) {
                    deliver(sub, batch, state.backendId);
                }
                sub.buffered.clear();
                sub.catchingUp = false;
            } finally {
                state.lock.unlock();
            }
            if (!live) {
                sink.ended();
            }
        }
    }

    /**
     * The registration step of a pull; true once it is registered and {@code pull.upTo} is set.
     *
     * <p>Another instance may have appended since this instance last published: publish up to the STORED head to the
     * pulls already live BEFORE this one joins, then register and take {@code upTo} in the same lock hold, so that
     * what the pull catches up to is never also in its buffer (no duplicate) and nothing published after
     * {@code upTo} can miss it (no gap). Overridden only by test variants that re-introduce the bugs this order fixes.
     */
    boolean register(Pull pull) {
        StoreState st = pull.state;
        st.lock.lock();
        try {
            publishLocked(pull.storeId, st, store.meta(pull.storeId).head(), null, "subscribe");
            if (pull.live) {
                addLive(st, pull.sub);
            }
            pull.upTo = st.publishedHead;
        } finally {
            st.lock.unlock();
        }
        return true;
    }

    /** Makes {@code sub} a live pull of {@code st}; the caller holds the store's lock. */
    void addLive(StoreState st, Subscription sub) {
        if (sub.cancelled) {
            return; // its connection closed before the pull registered: never live
        }
        if (st.live.size() >= maxSubscribersPerStore) {
            throw new TooManySubscribers(sub.storeId, maxSubscribersPerStore);
        }
        st.live.add(sub);
        counters.liveSubscribers(1);
        if (sub.cancelled && st.live.remove(sub)) { // cancelled (outside the lock) while it was being added
            counters.liveSubscribers(-1);
        }
    }
}
