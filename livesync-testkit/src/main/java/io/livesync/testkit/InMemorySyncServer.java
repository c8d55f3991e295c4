package io.livesync.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.backend.Arbitration;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncError;
import io.livesync.core.wire.WireErrors;
import io.livesync.core.wire.WireFrames;
import io.livesync.hub.InMemoryEventStore;
import io.livesync.hub.PushValidator;
import io.livesync.hub.StoreHub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * An in-memory sync server for tests: the real server's {@link StoreHub} (push arbitration, publication, pulls whose
 * catch-up and live phases join with no gap and no duplicate) over an {@link InMemoryEventStore}, with a fault
 * decorator for the failures a test injects through {@link InMemorySyncBackend}.
 *
 * <p>Live-pull callbacks may run under the hub's store lock; {@link SyncBackend.PullListener}s must not block (the
 * leader only enqueues). Clients are created with {@link #client(String)}.
 */
public final class InMemorySyncServer {

    private final InMemoryEventStore store = new InMemoryEventStore();
    private final AtomicLong foreignCounter = new AtomicLong();
    /** Serializes the fault decorator's check with the push it decides about, per store. */
    private final Map<String, ReentrantLock> pushLocks = new ConcurrentHashMap<>();
    private volatile StoreHub hub = hub(100);
    private volatile java.util.function.Function<Event, java.util.Optional<String>> validator =
            e -> java.util.Optional.empty();

    private StoreHub hub(int pageSize) {
        return StoreHub.builder(store).pageSize(pageSize).validator(push -> {
            List<Event> batch = push.batch();
            for (int i = 0; i < batch.size(); i++) {
                java.util.Optional<String> refusal = validator.apply(batch.get(i));
                if (refusal.isPresent()) {
                    return PushValidator.Verdict.refuse(i, refusal.get());
                }
            }
            return PushValidator.Verdict.accept();
        }).build();
    }

    /**
     * A push validator, like the real server's: a batch with an event it refuses (a reason) is refused as a whole
     * with {@code EventRefused} naming that event; nothing of the batch is stored.
     */
    public InMemorySyncServer validator(java.util.function.Function<Event, java.util.Optional<String>> refuse) {
        this.validator = java.util.Objects.requireNonNull(refuse, "refuse");
        return this;
    }

    /** Sets the catch-up page size; call before any client connects (it starts a fresh hub over the same events). */
    public InMemorySyncServer pageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("pageSize must be >= 1, got " + size);
        }
        this.hub = hub(size);
        return this;
    }

    /** A new client connection to {@code storeId}. */
    public InMemorySyncBackend client(String storeId) {
        return new InMemorySyncBackend(this, storeId);
    }

    /** The accepted events of a store, in order. */
    public List<Event> log(String storeId) {
        return store.read(storeId, 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    /** The store's head (0 when empty). */
    public long head(String storeId) {
        return store.meta(storeId).head();
    }

    public String backendId(String storeId) {
        return hub.backendId(storeId);
    }

    /** Appends {@code count} events of another writer ({@code clientId}) at the head, publishing them live. */
    public List<Event> appendForeign(String storeId, String name, String clientId, int count) {
        ReentrantLock lock = pushLock(storeId);
        lock.lock();
        try {
            List<Event> batch = new ArrayList<>();
            long head = head(storeId);
            for (int i = 0; i < count; i++) {
                long n = foreignCounter.incrementAndGet();
                batch.add(Event.of(EventSeq.ofGlobal(head + i + 1), EventSeq.ofGlobal(head + i), name,
                        JsonNodeFactory.instance.objectNode().put("id", clientId + "-" + n).put("text", "foreign " + n),
                        clientId, clientId + "-session"));
            }
            if (hub.pushTrusted(storeId, batch, null) instanceof StoreHub.PushResult.Rejected r) {
                throw new IllegalStateException("foreign events refused: " + r.reason());
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    /** Wipes a store and gives it a new backend id (a server reset, SYNC-SPEC §5.1); its live pulls end. */
    public void reset(String storeId) {
        hub.reset(storeId);
    }

    private ReentrantLock pushLock(String storeId) {
        return pushLocks.computeIfAbsent(storeId, id -> new ReentrantLock());
    }

    /** The outcome of a push on the server side. */
    sealed interface PushOutcome {
        record Accepted() implements PushOutcome {}

        record Failed(SyncError error) implements PushOutcome {}
    }

    /**
     * A push through the hub. The fault decorator: {@code failureIfValid} is consulted only for a batch that chains
     * onto the head under the right backend id (before the validator sees it); a failure it returns fails the push
     * before anything is stored, as a server that dies mid-push.
     */
    PushOutcome push(String storeId, List<Event> batch, String backendId,
            java.util.function.Supplier<SyncError> failureIfValid) {
        ReentrantLock lock = pushLock(storeId);
        lock.lock();
        try {
            // the wire carries global sequence numbers only: a rebased push (e3r1) is stored as e3, as a real server
            List<Event> wire = batch.stream().map(e -> new Event(EventSeq.ofGlobal(e.seq().global()),
                    EventSeq.ofGlobal(e.parent().global()), e.name(), e.args(), e.clientId(), e.sessionId(),
                    e.meta())).toList();
            // the validator is not asked here (a stateful one would be asked twice); the hub asks it below
            boolean wouldStore = (backendId == null || backendId.equals(hub.backendId(storeId)))
                    && Arbitration.check(head(storeId), wire) instanceof Arbitration.Verdict.Accept;
            if (wouldStore) {
                SyncError injected = failureIfValid.get();
                if (injected != null) {
                    return new PushOutcome.Failed(injected);
                }
            }
            return switch (hub.push(storeId, wire, backendId, "test-client", null)) {
                case StoreHub.PushResult.Accepted accepted -> new PushOutcome.Accepted();
                case StoreHub.PushResult.Rejected rejected ->
                        new PushOutcome.Failed(WireErrors.toSyncError(rejected.error()));
            };
        } finally {
            lock.unlock();
        }
    }

    /** Registers a pull: catch-up pages, then (if live) every accepted batch, with no gap and no duplicate. */
    LivePull pull(String storeId, long cursor, String backendId, boolean live, SyncBackend.PullListener listener) {
        boolean[] failed = {false};
        StoreHub.Subscription sub = hub.subscribe(storeId, cursor, backendId, live, new StoreHub.Sink() {
            @Override
            public void page(WireFrames.PullResponse response) {
                listener.page(response.batch(), response.pageInfo(), response.backendId());
            }

            @Override
            public void failed(WireFrames.WireError error) {
                failed[0] = true;
                listener.failed(WireErrors.toSyncError(error));
            }

            @Override
            public void ended() {
                listener.ended();
            }
        });
        return failed[0] || !live ? null : new LivePull(sub);
    }

    /** A registered live pull. */
    static final class LivePull {
        private final StoreHub.Subscription subscription;

        LivePull(StoreHub.Subscription subscription) {
            this.subscription = subscription;
        }

        void cancel() {
            subscription.cancel();
        }
    }
}
