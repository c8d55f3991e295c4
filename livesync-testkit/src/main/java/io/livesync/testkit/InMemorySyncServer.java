package io.livesync.testkit;

import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.backend.Arbitration;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncError;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory sync server for tests: per store, an ordered log, a head and a backend id, with the real
 * {@link Arbitration}. Validate, append, advance the head and publish to every live pull (the pusher's included) are
 * one step under the store's lock; catch-up and live registration are atomic, so pulls see no gap and no duplicate.
 *
 * <p>Live-pull callbacks run under the store lock; {@link SyncBackend.PullListener}s must not block (the leader only
 * enqueues). Clients are created with {@link #client(String)}.
 */
public final class InMemorySyncServer {

    private final Map<String, StoreLog> stores = new HashMap<>();
    private final ReentrantLock storesLock = new ReentrantLock();
    private final AtomicLong foreignCounter = new AtomicLong();
    private volatile int pageSize = 100;

    /** Catch-up page size (default 100, like LiveStore's server). */
    private volatile java.util.function.Function<Event, java.util.Optional<String>> validator =
            e -> java.util.Optional.empty();

    /**
     * A push validator, like the real server's: a batch with an event it refuses (a reason) is refused as a whole
     * with {@code EventRefused} naming that event; nothing of the batch is stored.
     */
    public InMemorySyncServer validator(java.util.function.Function<Event, java.util.Optional<String>> refuse) {
        this.validator = java.util.Objects.requireNonNull(refuse, "refuse");
        return this;
    }

    public InMemorySyncServer pageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1, got " + size);
        }
        this.pageSize = size;
        return this;
    }

    /** A new client connection to {@code storeId}. */
    public InMemorySyncBackend client(String storeId) {
        return new InMemorySyncBackend(this, storeId);
    }

    /** The accepted events of a store, in order. */
    public List<Event> log(String storeId) {
        StoreLog store = store(storeId);
        store.lock.lock();
        try {
            return List.copyOf(store.events);
        } finally {
            store.lock.unlock();
        }
    }

    /** The store's head (0 when empty). */
    public long head(String storeId) {
        return log(storeId).size();
    }

    public String backendId(String storeId) {
        return store(storeId).backendId;
    }

    /** Appends {@code count} events of another writer ({@code clientId}) at the head, publishing them live. */
    public List<Event> appendForeign(String storeId, String name, String clientId, int count) {
        StoreLog store = store(storeId);
        store.lock.lock();
        try {
            List<Event> batch = new ArrayList<>();
            long head = store.events.size();
            for (int i = 0; i < count; i++) {
                long n = foreignCounter.incrementAndGet();
                batch.add(Event.of(EventSeq.ofGlobal(head + i + 1), EventSeq.ofGlobal(head + i), name,
                        JsonNodeFactory.instance.objectNode().put("id", clientId + "-" + n).put("text", "foreign " + n),
                        clientId, clientId + "-session"));
            }
            acceptLocked(store, batch);
            return batch;
        } finally {
            store.lock.unlock();
        }
    }

    /** Wipes a store and gives it a new backend id (a server reset, SYNC-SPEC §5.1). */
    public void reset(String storeId) {
        StoreLog store = store(storeId);
        store.lock.lock();
        try {
            store.events.clear();
            store.backendId = UUID.randomUUID().toString();
            store.live.clear();
        } finally {
            store.lock.unlock();
        }
    }

    StoreLog store(String storeId) {
        storesLock.lock();
        try {
            return stores.computeIfAbsent(storeId, id -> new StoreLog());
        } finally {
            storesLock.unlock();
        }
    }

    /** The outcome of a push on the server side. */
    sealed interface PushOutcome {
        record Accepted() implements PushOutcome {}

        record Failed(SyncError error) implements PushOutcome {}
    }

    PushOutcome push(String storeId, List<Event> batch, String backendId,
            java.util.function.Supplier<SyncError> failureIfValid) {
        StoreLog store = store(storeId);
        store.lock.lock();
        try {
            if (backendId != null && !backendId.equals(store.backendId)) {
                return new PushOutcome.Failed(new SyncError.BackendIdMismatch(store.backendId, backendId));
            }
            return switch (Arbitration.check(store.events.size(), batch)) {
                case Arbitration.Verdict.Accept accept -> {
                    for (Event e : batch) {
                        java.util.Optional<String> refusal = validator.apply(e);
                        if (refusal.isPresent()) { // a validator refuses the batch: nothing of it is stored
                            yield new PushOutcome.Failed(new SyncError.EventRefused(e.seq().global(), refusal.get()));
                        }
                    }
                    SyncError injected = failureIfValid.get();
                    if (injected != null) {
                        yield new PushOutcome.Failed(injected); // failed before anything was stored
                    }
                    acceptLocked(store, batch);
                    yield new PushOutcome.Accepted();
                }
                case Arbitration.Verdict.ServerAhead ahead ->
                        new PushOutcome.Failed(new SyncError.ServerAhead(ahead.head(), ahead.providedParent()));
                case Arbitration.Verdict.Invalid invalid ->
                        new PushOutcome.Failed(new SyncError.Refused("invalid-batch", invalid.problem()));
            };
        } finally {
            store.lock.unlock();
        }
    }

    private void acceptLocked(StoreLog store, List<Event> batch) {
        if (batch.isEmpty()) {
            return;
        }
        EventMeta meta = new EventMeta(JsonNodeFactory.instance.objectNode()
                .put("_tag", "SyncMessage.SyncMetadata").put("createdAt", java.time.Instant.now().toString()));
        List<Event> stored = new ArrayList<>(batch.size());
        for (Event e : batch) {
            stored.add(new Event(EventSeq.ofGlobal(e.seq().global()), EventSeq.ofGlobal(e.parent().global()),
                    e.name(), e.args(), e.clientId(), e.sessionId(), meta));
        }
        store.events.addAll(stored);
        for (LivePull pull : List.copyOf(store.live)) {
            for (int from = 0; from < stored.size(); from += pageSize) {
                pull.listener.page(stored.subList(from, Math.min(stored.size(), from + pageSize)), PageInfo.NO_MORE,
                        store.backendId);
            }
        }
    }

    /** Registers a pull: catch-up pages, then (if live) every accepted batch; atomic with respect to pushes. */
    LivePull pull(String storeId, long cursor, String backendId, boolean live, SyncBackend.PullListener listener) {
        StoreLog store = store(storeId);
        store.lock.lock();
        try {
            if (backendId != null && cursor > 0 && !backendId.equals(store.backendId)) {
                listener.failed(new SyncError.BackendIdMismatch(store.backendId, backendId));
                return null;
            }
            if (cursor > store.events.size()) {
                listener.failed(new SyncError.Refused("cursor-ahead", "cursor " + cursor
                        + " is beyond the server head " + store.events.size()));
                return null;
            }
            List<Event> tail = store.events.subList((int) cursor, store.events.size());
            if (tail.isEmpty()) {
                listener.page(List.of(), PageInfo.NO_MORE, store.backendId);
            }
            for (int from = 0; from < tail.size(); from += pageSize) {
                int to = Math.min(tail.size(), from + pageSize);
                PageInfo info = to == tail.size() ? PageInfo.NO_MORE : new PageInfo.MoreKnown(tail.size() - to);
                listener.page(List.copyOf(tail.subList(from, to)), info, store.backendId);
            }
            if (!live) {
                listener.ended();
                return null;
            }
            LivePull pull = new LivePull(store, listener);
            store.live.add(pull);
            return pull;
        } finally {
            store.lock.unlock();
        }
    }

    static final class StoreLog {
        final ReentrantLock lock = new ReentrantLock();
        final List<Event> events = new ArrayList<>();
        final List<LivePull> live = new ArrayList<>();
        volatile String backendId = UUID.randomUUID().toString();
    }

    /** A registered live pull. */
    static final class LivePull {
        final StoreLog store;
        final SyncBackend.PullListener listener;

        LivePull(StoreLog store, SyncBackend.PullListener listener) {
            this.store = store;
            this.listener = listener;
        }

        void cancel() {
            store.lock.lock();
            try {
                store.live.remove(this);
            } finally {
                store.lock.unlock();
            }
        }
    }
}
