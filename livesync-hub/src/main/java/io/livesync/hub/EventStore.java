package io.livesync.hub;

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
    default AppendOutcome append(String storeId, List<Event> batch, String createdAt) {
        return append(storeId, batch, createdAt, null);
    }

    /**
     * Checks and appends a batch, in the same atomic step refusing it when the store's backend id is not
     * {@code expectedBackendId} (null: no check). With several instances this is the authority: an instance's cached
     * backend id can lag behind a reset done through another one.
     */
    AppendOutcome append(String storeId, List<Event> batch, String createdAt, String expectedBackendId);

    /** Events with {@code after < seq <= upTo}, ascending, at most {@code limit}, with their metadata. */
    List<Event> read(String storeId, long after, long upTo, int limit);

    /** Wipes a store and gives it a new backend id (clients detect the reset, SYNC-SPEC §5.1); returns the new meta. */
    StoreMeta reset(String storeId);

    /** Every store with its head, backend id, event count, bytes of stored text and last push, by store id. */
    List<StoreStats> stores();

    /**
     * Appends {@code events} (each keeps the {@code createdAt} of its metadata) to {@code storeId}, which must be
     * empty (head 0), as one transaction: all or nothing. The chain is checked as the events stream in (seqNum
     * 1, 2, 3, ... each with parentSeqNum one less); the iterator may throw {@link ImportProblem} for an unreadable
     * line. Nothing is stored unless the whole stream is good.
     */
    ImportOutcome importInto(String storeId, java.util.Iterator<Event> events);

    /** Whether the store exists (has been used, imported into or reset, and not deleted since); creates nothing. */
    boolean exists(String storeId);

    /** Deletes a store and its events; false if it did not exist. Other instances hear of it as a reset. */
    boolean delete(String storeId);

    /** Total events stored (all stores), for metrics. */
    long eventCount();

    /** Registers a listener for heads advanced by other server instances on the same database (PostgreSQL). */
    default void onRemoteAdvance(RemoteAdvanceListener listener) {}

    String describe();

    @Override
    void close();

    /** A store's head and backend id. */
    record StoreMeta(long head, String backendId) {}

    /** One store, as the admin API lists it; {@code lastPushAt} is null for an empty store. */
    record StoreStats(String storeId, long head, String backendId, long events, long bytes, String lastPushAt) {}

    /** The result of {@link #importInto}. */
    sealed interface ImportOutcome {
        record Imported(long head) implements ImportOutcome {}

        /** Nothing was stored: {@code code} is {@code store-not-empty} or the wire code of the bad input. */
        record Refused(String code, String problem) implements ImportOutcome {}
    }

    /** An unreadable or invalid line of an import: {@code code} is a wire error code name. */
    final class ImportProblem extends RuntimeException {
        private final String code;

        public ImportProblem(String code, String message) {
            super(message, null, false, false);
            this.code = code;
        }

        public String code() {
            return code;
        }
    }

    /** Checks one imported event against the chain: the next event must be {@code expectedSeq}. */
    static void checkChain(Event e, long expectedSeq) {
        if (e.seq().global() != expectedSeq || e.parent().global() != expectedSeq - 1) {
            throw new ImportProblem("invalid-batch", "event " + expectedSeq + " of the import has seqNum "
                    + e.seq().global() + " and parentSeqNum " + e.parent().global() + "; expected seqNum "
                    + expectedSeq + " and parentSeqNum " + (expectedSeq - 1) + " (an import is the whole log from 1)");
        }
    }

    /** The {@code createdAt} of an event's metadata, or {@code fallback}. */
    static String createdAt(Event e, String fallback) {
        com.fasterxml.jackson.databind.JsonNode meta = e.meta() == null ? null : e.meta().syncMetadata();
        return meta != null && meta.path("createdAt").isTextual() ? meta.get("createdAt").textValue() : fallback;
    }

    /** The result of {@link #append}. */
    sealed interface AppendOutcome {
        record Accepted(long newHead) implements AppendOutcome {}

        record ServerAhead(long head, long providedParent) implements AppendOutcome {}

        record Invalid(String problem) implements AppendOutcome {}

        /** The store's backend id is {@code actual}, not the one the pusher holds (the store was reset). */
        record BackendIdMismatch(String actual) implements AppendOutcome {}
    }

    /**
     * Hears what other server instances did to the stores of a shared database (PostgreSQL). Announcements can be
     * missed while the listening connection is down, so after every (re)connection {@link #resync} is called and the
     * listener must catch up every store it follows from the stored head.
     */
    interface RemoteAdvanceListener {
        /** A store's head is now {@code head} under backend id {@code backendId} (a new id: the store was reset). */
        void advanced(String storeId, long head, String backendId);

        /** The listening connection is (again) up: announcements made while it was down were lost. */
        default void resync() {}

        /** The listening connection failed; announcements are lost until {@link #resync}. */
        default void lost(String error) {}
    }
}
