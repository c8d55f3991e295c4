package io.livesync.server;

import io.livesync.core.Event;
import java.util.List;

/**
 * Where a server keeps the events of its stores (DESIGN.md §4.6). Implementations make {@link #append} one atomic,
 * serialized step per store: check the batch with {@link io.livesync.core.backend.Arbitration} against the current
 * head, append, advance the head; nothing partial is ever stored.
 */
public interface EventStore extends AutoCloseable {

    /** The head and backend id of a store, created on first use with head 0 and a random backend id. */
    StoreMeta meta(String storeId);

    /** Checks and appends a batch; all events get {@code createdAt} as their metadata. */
    AppendOutcome append(String storeId, List<Event> batch, String createdAt);

    /** Events with {@code after < seq <= upTo}, ascending, at most {@code limit}, with their metadata. */
    List<Event> read(String storeId, long after, long upTo, int limit);

    /** Wipes a store and gives it a new backend id (clients detect the reset, SYNC-SPEC §5.1); returns the new meta. */
    StoreMeta reset(String storeId);

    /** Total events stored (all stores), for metrics. */
    long eventCount();

    /** Registers a listener for heads advanced by other server instances on the same database (PostgreSQL). */
    default void onRemoteAdvance(RemoteAdvanceListener listener) {}

    String describe();

    @Override
    void close();

    /** A store's head and backend id. */
    record StoreMeta(long head, String backendId) {}

    /** The result of {@link #append}. */
    sealed interface AppendOutcome {
        record Accepted(long newHead) implements AppendOutcome {}

        record ServerAhead(long head, long providedParent) implements AppendOutcome {}

        record Invalid(String problem) implements AppendOutcome {}
    }

    /** Called when another instance advanced a store's head. */
    interface RemoteAdvanceListener {
        void advanced(String storeId, long head);
    }
}
