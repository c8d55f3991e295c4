package io.livesync.testkit;

import io.livesync.core.Event;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncException;
import io.livesync.core.backend.SyncError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One client's connection to an {@link InMemorySyncServer}, with fault controls: fail the next pushes, lose acks
 * (accept, publish, then report a failure), disconnect and reconnect, delay pushes. Push callbacks complete on a
 * virtual thread, never on the caller's.
 */
public final class InMemorySyncBackend implements SyncBackend {

    private final InMemorySyncServer server;
    private final String storeId;
    private final ReentrantLock lock = new ReentrantLock();
    private final Deque<Supplier<SyncError>> failNextPushes = new ArrayDeque<>();
    private final AtomicInteger loseNextAcks = new AtomicInteger();
    private final List<InMemorySyncServer.LivePull> livePulls = new CopyOnWriteArrayList<>();
    private final List<SyncBackend.PullListener> liveListeners = new CopyOnWriteArrayList<>();
    private final AtomicInteger pushesSeen = new AtomicInteger();
    private final AtomicInteger duplicateNextPushes = new AtomicInteger();
    private final List<Runnable> heldLive = new ArrayList<>();
    private volatile boolean holdLive;
    private volatile boolean connected = true;
    private volatile long pushDelayMillis;
    private volatile ConnectionListener connectionListener;
    private volatile boolean closed;

    InMemorySyncBackend(InMemorySyncServer server, String storeId) {
        this.server = server;
        this.storeId = storeId;
    }

    /** Start disconnected (call {@link #connect()} later). */
    public InMemorySyncBackend startDisconnected() {
        this.connected = false;
        return this;
    }

    /** The next {@code n} valid pushes fail with {@code error} without being stored (LiveStore's mock semantics). */
    public InMemorySyncBackend failNextPushes(int n, Supplier<SyncError> error) {
        lock.lock();
        try {
            for (int i = 0; i < n; i++) {
                failNextPushes.add(error);
            }
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** The next {@code n} accepted pushes are stored and published, but reported to the pusher as failed. */
    public InMemorySyncBackend loseNextAcks(int n) {
        loseNextAcks.addAndGet(n);
        return this;
    }

    /**
     * The next accepted push is delivered to the server a second time (a transport-level resend); the client is told
     * the outcome of the second delivery, which is {@code ServerAhead} (SYNC-SPEC §4.2, interleaving II).
     */
    public InMemorySyncBackend duplicateNextPush() {
        duplicateNextPushes.incrementAndGet();
        return this;
    }

    /** Holds every page for this client's live pulls until {@link #releaseLive()} (catch-ups of new pulls pass). */
    public InMemorySyncBackend holdLive() {
        lock.lock();
        try {
            holdLive = true;
        } finally {
            lock.unlock();
        }
        return this;
    }

    /** Delivers the held live pages in order and stops holding. */
    public void releaseLive() {
        List<Runnable> release;
        lock.lock();
        try {
            holdLive = false;
            release = List.copyOf(heldLive);
            heldLive.clear();
        } finally {
            lock.unlock();
        }
        release.forEach(Runnable::run);
    }

    /** Delay every push by {@code millis} before it reaches the server. */
    public InMemorySyncBackend pushDelayMillis(long millis) {
        this.pushDelayMillis = millis;
        return this;
    }

    /** How many pushes reached this connection. */
    public int pushesSeen() {
        return pushesSeen.get();
    }

    /** Drops the connection: live pulls fail as offline, the listener hears {@code disconnected}. */
    public void disconnect() {
        connected = false;
        for (InMemorySyncServer.LivePull pull : livePulls) {
            pull.cancel();
        }
        livePulls.clear();
        for (PullListener listener : liveListeners) {
            listener.failed(new SyncError.Offline("test disconnect"));
        }
        liveListeners.clear();
        ConnectionListener l = connectionListener;
        if (l != null) {
            l.disconnected("test disconnect");
        }
    }

    /** Restores the connection. */
    public void connect() {
        connected = true;
        ConnectionListener l = connectionListener;
        if (l != null) {
            l.connected();
        }
    }

    @Override
    public void start(ConnectionListener listener) {
        this.connectionListener = listener;
        if (connected) {
            listener.connected();
        }
    }

    @Override
    public PullSubscription pull(long cursor, String backendId, boolean live, PullListener listener) {
        if (!connected || closed) {
            listener.failed(new SyncError.Offline("not connected"));
            return () -> { };
        }
        InMemorySyncServer.LivePull pull = server.pull(storeId, cursor, backendId, live, holdable(listener));
        if (pull == null) {
            return () -> { };
        }
        livePulls.add(pull);
        liveListeners.add(listener);
        return () -> {
            pull.cancel();
            livePulls.remove(pull);
            liveListeners.remove(listener);
        };
    }

    @Override
    public CompletableFuture<Void> push(List<Event> batch, String backendId) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        List<Event> copy = new ArrayList<>(batch);
        Thread.ofVirtual().name("inmemory-push").start(() -> {
            try {
                long delay = pushDelayMillis;
                if (delay > 0) {
                    Thread.sleep(delay); // simulated network latency, not synchronization
                }
                if (!connected || closed) {
                    result.completeExceptionally(new SyncException(new SyncError.Offline("not connected")));
                    return;
                }
                pushesSeen.incrementAndGet();
                InMemorySyncServer.PushOutcome outcome = server.push(storeId, copy, backendId, () -> {
                    Supplier<SyncError> injected = pollInjectedFailure();
                    return injected == null ? null : injected.get();
                });
                if (outcome instanceof InMemorySyncServer.PushOutcome.Failed failed) {
                    result.completeExceptionally(new SyncException(failed.error()));
                    return;
                }
                if (duplicateNextPushes.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    InMemorySyncServer.PushOutcome again = server.push(storeId, copy, backendId, () -> null);
                    if (again instanceof InMemorySyncServer.PushOutcome.Failed failedAgain) {
                        result.completeExceptionally(new SyncException(failedAgain.error()));
                        return;
                    }
                    throw new IllegalStateException("the server accepted a duplicate push: " + copy);
                }
                if (loseNextAcks.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                    result.completeExceptionally(new SyncException(
                            new SyncError.Transient("connection lost before the ack (injected lost ack)")));
                    return;
                }
                result.complete(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                result.completeExceptionally(new SyncException(new SyncError.Offline("interrupted")));
            } catch (RuntimeException e) {
                result.completeExceptionally(new SyncException(new SyncError.Transient(e.toString())));
            }
        });
        return result;
    }

    /**
     * Injected failures apply to pushes that passed arbitration, as in LiveStore's mock ("checked after ServerAhead
     * validation"); nothing of such a push is stored. A push rejected as ServerAhead consumes none.
     */
    private Supplier<SyncError> pollInjectedFailure() {
        lock.lock();
        try {
            return failNextPushes.pollFirst();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Wraps a pull listener so that, while {@link #holdLive()} is on, pages that arrive after the pull's catch-up are
     * buffered in order instead of delivered.
     */
    private PullListener holdable(PullListener listener) {
        AtomicBoolean caughtUp = new AtomicBoolean();
        return new PullListener() {
            @Override
            public java.util.concurrent.CompletionStage<Void> page(List<Event> events,
                    io.livesync.core.PageInfo pageInfo, String backendId) {
                if (caughtUp.get()) {
                    lock.lock();
                    try {
                        if (holdLive) {
                            heldLive.add(() -> listener.page(events, pageInfo, backendId));
                            return CompletableFuture.completedFuture(null);
                        }
                    } finally {
                        lock.unlock();
                    }
                }
                if (pageInfo instanceof io.livesync.core.PageInfo.NoMore) {
                    caughtUp.set(true);
                }
                return listener.page(events, pageInfo, backendId);
            }

            @Override
            public void failed(SyncError error) {
                listener.failed(error);
            }

            @Override
            public void ended() {
                listener.ended();
            }
        };
    }

    @Override
    public String describe() {
        return "in-memory:" + storeId;
    }

    @Override
    public void close() {
        closed = true;
        for (InMemorySyncServer.LivePull pull : livePulls) {
            pull.cancel();
        }
        livePulls.clear();
        liveListeners.clear();
    }
}
