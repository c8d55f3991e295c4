package io.livesync.hub;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.backend.Arbitration;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * An {@link EventStore} in memory: the same contract as the SQLite and PostgreSQL stores (arbitration with
 * {@link Arbitration}, an atomic append per batch, all-or-nothing imports), nothing durable. For tests and for the
 * deterministic simulator, where several hubs may share one instance as several server instances share one
 * PostgreSQL database (announcements between them are then the caller's to deliver). Thread-safe: one lock.
 */
public final class InMemoryEventStore implements EventStore {

    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, StoreLog> stores = new TreeMap<>();
    private final Supplier<String> backendIds;

    private static final class StoreLog {
        final List<Event> events = new ArrayList<>();
        String backendId;
        long bytes;

        StoreLog(String backendId) {
            this.backendId = backendId;
        }
    }

    /** A store whose backend ids are random UUIDs. */
    public InMemoryEventStore() {
        this(() -> java.util.UUID.randomUUID().toString());
    }

    /** A store that takes each new backend id from {@code backendIds} (the simulator's are seeded). */
    public InMemoryEventStore(Supplier<String> backendIds) {
        this.backendIds = Objects.requireNonNull(backendIds, "backendIds");
    }

    private StoreLog log(String storeId) {
        return stores.computeIfAbsent(storeId, id -> new StoreLog(backendIds.get()));
    }

    @Override
    public StoreMeta meta(String storeId) {
        lock.lock();
        try {
            StoreLog log = log(storeId);
            return new StoreMeta(log.events.size(), log.backendId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public AppendOutcome append(String storeId, List<Event> batch, String createdAt, String expectedBackendId) {
        lock.lock();
        try {
            StoreLog log = log(storeId);
            if (expectedBackendId != null && !expectedBackendId.equals(log.backendId)) {
                return new AppendOutcome.BackendIdMismatch(log.backendId);
            }
            return switch (Arbitration.check(log.events.size(), batch)) {
                case Arbitration.Verdict.Accept accept -> {
                    EventMeta meta = new EventMeta(JsonNodeFactory.instance.objectNode()
                            .put("_tag", "SyncMessage.SyncMetadata").put("createdAt", createdAt));
                    for (Event e : batch) {
                        log.events.add(e.withMeta(meta));
                        log.bytes += e.args().toString().getBytes(StandardCharsets.UTF_8).length;
                    }
                    yield new AppendOutcome.Accepted(log.events.size());
                }
                case Arbitration.Verdict.ServerAhead ahead -> new AppendOutcome.ServerAhead(ahead.head(),
                        ahead.providedParent());
                case Arbitration.Verdict.Invalid invalid -> new AppendOutcome.Invalid(invalid.problem());
            };
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<Event> read(String storeId, long after, long upTo, int limit) {
        lock.lock();
        try {
            StoreLog log = stores.get(storeId);
            if (log == null) {
                return List.of();
            }
            long size = log.events.size();
            if (after >= size || upTo <= after || limit <= 0) {
                return List.of();
            }
            int from = (int) Math.max(0, after);
            int to = (int) Math.min(Math.min(upTo, size), (long) from + limit);
            return from >= to ? List.of() : List.copyOf(log.events.subList(from, to));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public StoreMeta reset(String storeId) {
        lock.lock();
        try {
            StoreLog fresh = new StoreLog(backendIds.get());
            stores.put(storeId, fresh);
            return new StoreMeta(0, fresh.backendId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public List<StoreStats> stores() {
        lock.lock();
        try {
            List<StoreStats> all = new ArrayList<>();
            stores.forEach((id, log) -> all.add(new StoreStats(id, log.events.size(), log.backendId,
                    log.events.size(), log.bytes, log.events.isEmpty() ? null
                            : EventStore.createdAt(log.events.getLast(), null))));
            return all;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public ImportOutcome importInto(String storeId, java.util.Iterator<Event> events) {
        lock.lock();
        try {
            StoreLog existing = stores.get(storeId);
            if (existing != null && !existing.events.isEmpty()) {
                return new ImportOutcome.Refused("store-not-empty", "store " + storeId + " already holds "
                        + existing.events.size() + " events; import only into an empty store");
            }
            List<Event> all = new ArrayList<>();
            try {
                while (events.hasNext()) {
                    Event e = events.next();
                    EventStore.checkChain(e, all.size() + 1);
                    all.add(e);
                }
            } catch (ImportProblem p) {
                return new ImportOutcome.Refused(p.code(), p.getMessage());
            }
            StoreLog log = existing != null ? existing : new StoreLog(backendIds.get());
            String now = java.time.Instant.now().toString();
            for (Event e : all) {
                // as the SQL stores: each event keeps the createdAt of its metadata, or gets the import's time
                log.events.add(e.withMeta(new EventMeta(JsonNodeFactory.instance.objectNode()
                        .put("_tag", "SyncMessage.SyncMetadata").put("createdAt", EventStore.createdAt(e, now)))));
                log.bytes += e.args().toString().getBytes(StandardCharsets.UTF_8).length;
            }
            stores.put(storeId, log);
            return new ImportOutcome.Imported(log.events.size());
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean exists(String storeId) {
        lock.lock();
        try {
            return stores.containsKey(storeId);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public boolean delete(String storeId) {
        lock.lock();
        try {
            return stores.remove(storeId) != null;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public long eventCount() {
        lock.lock();
        try {
            return stores.values().stream().mapToLong(l -> l.events.size()).sum();
        } finally {
            lock.unlock();
        }
    }

    /** Hears what a server instance changed in a shared store (the NOTIFY of the PostgreSQL store). */
    @FunctionalInterface
    public interface Changes {
        /** Through {@code instance}, {@code storeId} reached {@code head} under {@code backendId}. */
        void changed(Instance instance, String storeId, long head, String backendId);
    }

    /**
     * One server instance's connection to this store, for several hubs over one store as several server instances
     * over one PostgreSQL database. Every change made through it is reported to {@code changes}; the caller delivers
     * announcements to the other instances ({@link #announce}, or {@link #resync} after announcements were lost), with
     * whatever delay or loss it models.
     */
    public Instance instance(Changes changes) {
        return new Instance(Objects.requireNonNull(changes, "changes"));
    }

    /** See {@link #instance}. */
    public final class Instance implements EventStore {
        private final Changes changes;
        private volatile RemoteAdvanceListener listener;

        private Instance(Changes changes) {
            this.changes = changes;
        }

        /** Delivers another instance's announcement to the hub over this instance. */
        public void announce(String storeId, long head, String backendId) {
            RemoteAdvanceListener l = listener;
            if (l != null) {
                l.advanced(storeId, head, backendId);
            }
        }

        /** Tells the hub over this instance that announcements were lost and are flowing again. */
        public void resync() {
            RemoteAdvanceListener l = listener;
            if (l != null) {
                l.resync();
            }
        }

        @Override
        public StoreMeta meta(String storeId) {
            return InMemoryEventStore.this.meta(storeId);
        }

        @Override
        public AppendOutcome append(String storeId, List<Event> batch, String createdAt, String expectedBackendId) {
            AppendOutcome outcome = InMemoryEventStore.this.append(storeId, batch, createdAt, expectedBackendId);
            if (outcome instanceof AppendOutcome.Accepted accepted) {
                changes.changed(this, storeId, accepted.newHead(), meta(storeId).backendId());
            }
            return outcome;
        }

        @Override
        public List<Event> read(String storeId, long after, long upTo, int limit) {
            return InMemoryEventStore.this.read(storeId, after, upTo, limit);
        }

        @Override
        public StoreMeta reset(String storeId) {
            StoreMeta meta = InMemoryEventStore.this.reset(storeId);
            changes.changed(this, storeId, meta.head(), meta.backendId());
            return meta;
        }

        @Override
        public List<StoreStats> stores() {
            return InMemoryEventStore.this.stores();
        }

        @Override
        public ImportOutcome importInto(String storeId, java.util.Iterator<Event> events) {
            ImportOutcome outcome = InMemoryEventStore.this.importInto(storeId, events);
            if (outcome instanceof ImportOutcome.Imported imported) {
                changes.changed(this, storeId, imported.head(), meta(storeId).backendId());
            }
            return outcome;
        }

        @Override
        public boolean exists(String storeId) {
            return InMemoryEventStore.this.exists(storeId);
        }

        /** Deletes the store; the other instances hear of it as a reset (a backend id {@code deleted-...}). */
        @Override
        public boolean delete(String storeId) {
            boolean deleted = InMemoryEventStore.this.delete(storeId);
            if (deleted) {
                changes.changed(this, storeId, 0, "deleted-" + backendIds.get());
            }
            return deleted;
        }

        @Override
        public long eventCount() {
            return InMemoryEventStore.this.eventCount();
        }

        @Override
        public void onRemoteAdvance(RemoteAdvanceListener listener) {
            this.listener = listener;
        }

        @Override
        public String describe() {
            return "in-memory (one instance of several)";
        }

        @Override
        public void close() {}
    }

    @Override
    public String describe() {
        return "in-memory";
    }

    @Override
    public void close() {}
}
