package io.livesync.core.backend;

import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import io.livesync.core.leader.PushLimits;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of a sync server (SYNC-SPEC §5.1): connect, pull pages (optionally live), push batches.
 *
 * <p>Events cross this interface in wire form: synced events with generation 0 whose {@code meta.syncMetadata} holds
 * the server's per-event metadata. Contract for implementations: every push future completes (normally, or
 * exceptionally with a {@link SyncException}); every pull ends in exactly one of {@code failed} or {@code ended}
 * unless cancelled; callbacks never block for long (the leader posts them to its queue).
 */
public interface SyncBackend extends AutoCloseable {

    /** Starts connecting; connection changes are reported to {@code listener} for the life of the backend. */
    void start(ConnectionListener listener);

    /** Pulls events after global {@code cursor}; {@code backendId} is the id the client knows, or null. */
    PullSubscription pull(long cursor, String backendId, boolean live, PullListener listener);

    /** Pushes a batch (1..100 events, ascending, chaining onto the server head); fails with {@link SyncException}. */
    CompletableFuture<Void> push(List<Event> batch, String backendId);

    /**
     * Pushes a batch that may be pipelined: with {@code chainsOnPrevious}, the batch's parent is the last event of the
     * push sent just before it on this connection, and the server must store it only on top of that push. The
     * acknowledgement says whether the server enforces that ({@link PushAck#chainsEnforced()}); the leader pipelines
     * only after it did, on the same connection. Default: {@link #push(List, String)}, which never says so (a backend
     * that does not know the rule is never sent a chained push).
     */
    default CompletableFuture<PushAck> push(List<Event> batch, String backendId, boolean chainsOnPrevious) {
        if (chainsOnPrevious) {
            return CompletableFuture.failedFuture(new IllegalStateException(describe()
                    + " never said it enforces push chains, yet was sent a chained push"));
        }
        return push(batch, backendId).thenApply(done -> PushAck.PLAIN);
    }

    /**
     * The acknowledgement of a push.
     *
     * @param chainsEnforced whether the server stores a chained push only on top of the previous push on the same
     *     connection, so that this client may keep several pushes in flight
     */
    record PushAck(boolean chainsEnforced) {
        /** An acknowledgement that says nothing about push chains. */
        public static final PushAck PLAIN = new PushAck(false);
    }

    /**
     * What the server accepts in one push (events, bytes, nesting), so that the leader cuts batches the server takes
     * and a commit of an event it could never take fails at once. Default: {@link PushLimits#UNLIMITED}.
     */
    default PushLimits pushLimits() {
        return PushLimits.UNLIMITED;
    }

    /**
     * The leader's latest sync state, for backends that pass it on to the server (livesync's dashboard). Called on
     * the leader thread after every step; must return at once. Default: ignored.
     */
    default void reportStatus(io.livesync.core.wire.WireFrames.ClientStatus status) {
    }

    /** A short name for logs, e.g. {@code ws://127.0.0.1:8787/sync/s1}. */
    String describe();

    @Override
    void close();

    /** Connection changes. */
    interface ConnectionListener {
        void connected();

        void disconnected(String cause);

        /** An attempt to connect failed (the backend retries by itself); default: ignored. */
        default void connectFailed(String cause) {
        }
    }

    /** Pages of a pull. */
    interface PullListener {
        /**
         * A page; the returned stage completes once the page has been processed, so that transports can apply
         * backpressure (read and acknowledge further pages only as fast as the client applies them).
         */
        java.util.concurrent.CompletionStage<Void> page(List<Event> events, PageInfo pageInfo, String backendId);

        void failed(SyncError error);

        /** The stream ended normally (only a non-live pull may end). */
        void ended();
    }

    /** A running pull. */
    interface PullSubscription {
        void cancel();
    }
}
