package io.livesync.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.leader.LeaderConfig;
import io.livesync.core.leader.LeaderLogic;
import io.livesync.core.leader.LeaderState;
import io.livesync.core.leader.PushLoop;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A client session of a livesync store: what an application holds. {@link #commit} is synchronous and optimistic: it
 * returns once the events are applied and committed to the local SQLite database (not when the server has them), so
 * queries see them at once; what a returned commit survives (process crash, power loss) is the store's
 * {@link Durability}. Syncing with the server happens in the background; {@link #syncStatus()} shows it.
 *
 * <p>Several sessions may share one leader (and one database): see {@link #openSession()}. The store that created
 * the leader owns it; closing it closes every session.
 */
public final class Store implements AutoCloseable {

    private static final Pattern STORE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

    private final Shared shared;
    private final SessionDriver session;
    private final String sessionId;
    private final boolean owner;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** What all sessions of one store share: the database, the leader, timers and subscriptions. */
    private static final class Shared {
        final String storeId;
        final String clientId;
        final ClientSchema schema;
        final ClientDatabase db;
        final ScheduledExecutorService timers;
        final ExecutorService listeners;
        final JsonLog log;
        final SyncBackend backend;
        final int leaderPushBatchSize;
        final long rebasePauseMillis;
        final java.util.function.BiConsumer<String, Object> sessionInputHook;
        final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
        final List<Store> sessions = new CopyOnWriteArrayList<>();
        LeaderDriver leader;

        Shared(Builder b, ClientDatabase db) {
            this.storeId = b.storeId;
            this.clientId = b.clientId;
            this.schema = b.schema;
            this.db = db;
            this.timers = Executors.newSingleThreadScheduledExecutor(
                    io.livesync.core.Threads.platformDaemon("livesync-timers-" + b.clientId));
            this.listeners = Executors.newThreadPerTaskExecutor(
                    io.livesync.core.Threads.virtual("livesync-listener-" + b.clientId));
            this.log = b.log;
            this.backend = b.backend;
            this.leaderPushBatchSize = b.leaderPushBatchSize;
            this.rebasePauseMillis = b.rebasePauseMillis;
            this.sessionInputHook = b.sessionInputHook;
            this.refusedListener = b.refusedListener;
        }

        final java.util.concurrent.atomic.AtomicLong refusedCount = new java.util.concurrent.atomic.AtomicLong();
        final java.util.Deque<RefusedEvent> refused = new java.util.concurrent.ConcurrentLinkedDeque<>();
        final Consumer<RefusedEvent> refusedListener;

        /** On the leader thread: remember the refusal (the last {@value #KEPT_REFUSALS}) and tell the app. */
        void eventRefused(io.livesync.core.leader.LeaderEffect.ReportRefused report) {
            Event e = report.event();
            RefusedEvent event = new RefusedEvent(e.seq(), e.name(), e.args(), e.sessionId(), report.reason());
            refusedCount.incrementAndGet();
            refused.addLast(event);
            while (refused.size() > KEPT_REFUSALS) {
                refused.pollFirst();
            }
            if (refusedListener != null) {
                listeners.execute(() -> refusedListener.accept(event));
            }
        }

        static final int KEPT_REFUSALS = 1000;

        void tablesChanged(Set<String> tables) {
            for (Subscription s : subscriptions) {
                if (s.touches(tables)) {
                    listeners.execute(s::fire);
                }
            }
        }
    }

    private Store(Shared shared, boolean owner) {
        this.shared = shared;
        this.owner = owner;
        this.sessionId = "session-" + UUID.randomUUID().toString().substring(0, 8);
        SessionLogic logic = new SessionLogic(shared.schema.events(), shared.clientId, sessionId,
                shared.leaderPushBatchSize, shared.rebasePauseMillis);
        this.session = new SessionDriver(logic, shared.leader, shared.timers, shared.sessionInputHook);
        this.session.start();
        shared.sessions.add(this);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Opens another session on the same leader and database (closed with this store's owner). */
    public Store openSession() {
        requireOpen();
        return new Store(shared, false);
    }

    public String storeId() {
        return shared.storeId;
    }

    public String clientId() {
        return shared.clientId;
    }

    /** This session's id (stamped on every event it commits). */
    public String sessionId() {
        return sessionId;
    }

    /** An event to commit: its name and args. */
    public static SessionLogic.PartialEvent event(String name, JsonNode args) {
        return new SessionLogic.PartialEvent(Objects.requireNonNull(name, "name"), args);
    }

    /**
     * Commits events atomically and optimistically: numbers them after this session's head, has the leader apply them
     * (materialized state, event log, undo log: one transaction, however many events) and returns when that is
     * committed locally, durable as {@link Builder#durability} says.
     *
     * @throws io.livesync.core.UnknownEventException for an event name the schema does not declare
     * @throws io.livesync.core.InvalidEventArgsException for args the event's validator rejects
     * @throws EventTooLargeException for an event the sync server could never accept (size or nesting)
     * @throws StoreException when the store is closed or has stopped
     */
    public void commit(List<SessionLogic.PartialEvent> events) {
        requireOpen();
        refuseUnpushable(events);
        try {
            session.commit(events).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while committing", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            throw new StoreException("commit failed: " + e.getCause(), e.getCause());
        }
    }

    private void refuseUnpushable(List<SessionLogic.PartialEvent> events) {
        io.livesync.core.leader.PushLimits limits = shared.leader.logic().config().pushLimits();
        if (limits.equals(io.livesync.core.leader.PushLimits.UNLIMITED)) {
            return;
        }
        for (SessionLogic.PartialEvent partial : events) {
            if (partial == null || partial.name() == null || partial.name().isEmpty()) {
                continue; // the session's validation names it
            }
            JsonNode args = partial.args() == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
                    : partial.args();
            Event probe = new Event(io.livesync.core.EventSeq.ofGlobal(1), io.livesync.core.EventSeq.ofGlobal(0),
                    partial.name(), args, shared.clientId, sessionId, io.livesync.core.EventMeta.NONE);
            java.util.Optional<String> problem = limits.neverAccepted(probe);
            if (problem.isPresent()) {
                throw new EventTooLargeException(partial.name(), "commit refused: " + problem.get()
                        + " (the sync server " + shared.backend.describe() + " could never accept it)");
            }
        }
    }

    /** {@link #commit(List)} of one event. */
    public void commit(String name, JsonNode args) {
        commit(List.of(event(name, args)));
    }

    /** Runs a SQL query against the materialized state and maps each row. */
    public <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        requireOpen();
        return shared.db.query(sql, mapper, params);
    }

    /** The number of rows a {@code SELECT count(*) ...} returns as a long. */
    public long count(String sql, Object... params) {
        return query(sql, rs -> rs.getLong(1), params).getFirst();
    }

    /**
     * Calls {@code listener} with the query's result now and after every change to a state table the query names
     * (tables are found by name in the SQL). Listeners run on their own threads, never on the leader's.
     */
    public <T> Subscription subscribe(String sql, RowMapper<T> mapper, Consumer<List<T>> listener) {
        requireOpen();
        Set<String> tables = new java.util.HashSet<>();
        for (String table : shared.db.stateTables()) {
            if (Pattern.compile("\\b" + Pattern.quote(table) + "\\b", Pattern.CASE_INSENSITIVE).matcher(sql).find()) {
                tables.add(table);
            }
        }
        if (tables.isEmpty()) {
            throw new IllegalArgumentException("the query names no state table (known: " + shared.db.stateTables()
                    + "): " + sql);
        }
        Subscription subscription = new Subscription(tables, () -> listener.accept(shared.db.query(sql, mapper)),
                shared.subscriptions);
        shared.subscriptions.add(subscription);
        shared.listeners.execute(subscription::fire);
        return subscription;
    }

    /** A live query registration; {@link #close()} stops it. */
    public static final class Subscription implements AutoCloseable {
        private final Set<String> tables;
        private final Runnable fire;
        private final List<Subscription> registry;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private volatile boolean active = true;

        Subscription(Set<String> tables, Runnable fire, List<Subscription> registry) {
            this.tables = Set.copyOf(tables);
            this.fire = fire;
            this.registry = registry;
        }

        boolean touches(Set<String> changed) {
            for (String t : changed) {
                if (tables.contains(t)) {
                    return true;
                }
            }
            return false;
        }

        void fire() {
            lock.lock(); // one listener call at a time, in order
            try {
                if (active) {
                    fire.run();
                }
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            active = false;
            registry.remove(this);
        }
    }

    /** Heads, pending events, the push loop, the connection and any failure. */
    public SyncStatus syncStatus() {
        LeaderDriver leader = shared.leader;
        LeaderState s = leader.state();
        LeaderLogic logic = leader.logic();
        String reason = switch (s.push()) {
            case PushLoop.Parked parked -> parked.reason();
            case PushLoop.Backoff backoff -> backoff.reason();
            case PushLoop.InFlight inFlight -> "";
            case PushLoop.Idle idle -> "";
        };
        String failure = leader.failure() != null ? leader.failure() : s.fatalError();
        return new SyncStatus(shared.storeId, shared.clientId, s.sync().upstreamHead(), s.sync().localHead(),
                s.sync().pendingCount(), s.pendingSynced(logic::isClientOnly), s.push().label(), reason,
                s.connected(), s.backendId(), logic.config().pushResumePolicy(), failure, s.stats(),
                shared.refusedCount.get(), leader.connectionProblem(), s.deferredCount());
    }

    /**
     * The events the sync server refused since this store opened (the last 1,000), oldest first. Each was dropped
     * from the pending events and its effects rolled back; see {@link Builder#onEventRefused}.
     */
    public List<RefusedEvent> refusedEvents() {
        return List.copyOf(shared.refused);
    }

    /** The local event log, in order (diagnostics). */
    public List<Event> eventLog() {
        return shared.db.eventLog();
    }

    /** A digest of the state tables' contents: equal digests mean equal state. */
    public String stateDigest() {
        return shared.db.stateDigest();
    }

    /** A digest of the event log (positions, names, args, authors). */
    public String eventLogDigest() {
        return ClientDatabase.eventLogDigest(eventLog());
    }

    /** The state digest a fresh replay of the current event log produces (equal to {@link #stateDigest()}). */
    public String replayDigest() {
        return ClientDatabase.replayDigest(shared.schema, eventLog());
    }

    /** Rollbacks the database batched (tests check the batched path ran). */
    long batchedRollbacks() {
        return shared.db.batchedRollbacks();
    }

    /**
     * Checks that the materialized state equals a fresh replay of the event log, both read at the same instant.
     * Returns null when they match, else a description of the mismatch (diagnostics and tests).
     */
    public String checkStateMatchesReplay() {
        ClientDatabase.Snapshot snapshot = shared.db.snapshot();
        String replay = ClientDatabase.replayDigest(shared.schema, snapshot.log());
        return replay.equals(snapshot.stateDigest()) ? null
                : "state digest " + snapshot.stateDigest() + " != replay digest " + replay + " over "
                        + snapshot.log().size() + " events";
    }

    /**
     * Closes this session. For the owning store: waits for commits in progress on other threads, stops every session,
     * the leader (after the inputs it already has), the backend and the database. Every commit that returned is
     * durable; nothing committed is lost.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        session.stop(30_000);
        shared.sessions.remove(this);
        if (!owner) {
            return;
        }
        for (Store other : new ArrayList<>(shared.sessions)) {
            other.close();
        }
        shared.leader.stop();
        if (shared.backend != null) {
            shared.backend.close();
        }
        shared.timers.shutdownNow();
        shared.listeners.shutdown();
        shared.db.close();
    }

    private void requireOpen() {
        if (closed.get()) {
            throw new StoreException("store " + shared.storeId + " (" + shared.clientId + ") is closed");
        }
    }

    /** Builder of a {@link Store}: fails fast on missing or bad values. */
    public static final class Builder {
        private String storeId;
        private String clientId;
        private ClientSchema schema;
        private Storage storage = Storage.inMemory();
        private Durability durability;
        private SyncBackend backend;
        private PushResumePolicy policy;
        private UnaryOperator<LeaderConfig.Builder> leaderOptions = UnaryOperator.identity();
        private int localPushBatchSize = 10;
        private int leaderPushBatchSize = 100;
        private UnknownEventPolicy unknownEventPolicy = UnknownEventPolicy.DEFER_UNTIL_KNOWN;
        private Consumer<RebuildProgress> rebuildListener = p -> { };
        private JsonLog log = JsonLog.discard();
        private long rebasePauseMillis;
        private long seed = System.nanoTime();
        private io.livesync.core.Clock clock = io.livesync.core.Clock.system();
        private Consumer<RefusedEvent> refusedListener;
        private io.livesync.core.leader.BackendResetPolicy backendResetPolicy =
                io.livesync.core.leader.BackendResetPolicy.REHOME_PENDING;
        private java.util.function.BiConsumer<String, Object> sessionInputHook = (session, input) -> { };

        private Builder() {}

        /**
         * Called (on a listener thread, never the leader's) for every event the sync server refuses: the event was
         * dropped from the pending events and its effects rolled back; the app may tell the user or commit a fix.
         */
        public Builder onEventRefused(Consumer<RefusedEvent> listener) {
            this.refusedListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Test seam: called on a session's thread with its id and each input before the session handles it. */
        Builder sessionInputHook(java.util.function.BiConsumer<String, Object> hook) {
            this.sessionInputHook = Objects.requireNonNull(hook, "hook");
            return this;
        }

        /** Required: the store id, {@code [A-Za-z0-9_-]{1,128}} (LiveStore's rule). */
        public Builder storeId(String id) {
            if (id == null || !STORE_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("storeId must match [A-Za-z0-9_-]{1,128}, got \"" + id + "\"");
            }
            this.storeId = id;
            return this;
        }

        /** Required: this client's id (stamped on every event it commits). */
        public Builder clientId(String id) {
            if (id == null || id.isBlank()) {
                throw new IllegalArgumentException("clientId must not be blank");
            }
            this.clientId = id;
            return this;
        }

        public Builder schema(ClientSchema s) {
            this.schema = Objects.requireNonNull(s, "schema");
            return this;
        }

        /** Where the database lives (default: in memory). */
        public Builder storage(Storage s) {
            this.storage = Objects.requireNonNull(s, "storage");
            return this;
        }

        /**
         * What a returned commit survives when the store is in a file (default {@link Durability#POWER_LOSS}:
         * fsync per commit; {@link Durability#PROCESS_CRASH} is faster and survives crashes of the process only).
         */
        public Builder durability(Durability d) {
            this.durability = Objects.requireNonNull(d, "durability");
            return this;
        }

        /** The sync server to sync with; none means a local-only store. */
        public Builder backend(SyncBackend b) {
            this.backend = b;
            return this;
        }

        /**
         * The push-resume policy (default {@link PushResumePolicy#SUPERVISED}). The library never reads the
         * environment; the command-line tools map {@code LIVESYNC_PUSH_RESUME} with
         * {@link PushResumePolicy#fromEnvironment} and pass the result here.
         */
        public Builder pushResumePolicy(PushResumePolicy p) {
            this.policy = Objects.requireNonNull(p, "pushResumePolicy");
            return this;
        }

        /**
         * What the store does when its sync server was reset (a new backend id): {@code REHOME_PENDING} (default:
         * follow the new store and push the events it never confirmed; no local work is lost), {@code RESET_LOCAL}
         * (follow it from scratch, dropping unpushed events) or {@code SHUTDOWN} (stop syncing, keep the data).
         */
        public Builder backendResetPolicy(io.livesync.core.leader.BackendResetPolicy p) {
            this.backendResetPolicy = Objects.requireNonNull(p, "backendResetPolicy");
            return this;
        }

        /** Further leader options (batch size, live pull, timeouts, backoff). */
        public Builder leader(UnaryOperator<LeaderConfig.Builder> options) {
            this.leaderOptions = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Most events the leader applies in one transaction from queued session pushes (default 10). */
        public Builder localPushBatchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("localPushBatchSize must be >= 1, got " + n);
            }
            this.localPushBatchSize = n;
            return this;
        }

        /** Most events a session sends to the leader at once (default 100). */
        public Builder leaderPushBatchSize(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("leaderPushBatchSize must be >= 1, got " + n);
            }
            this.leaderPushBatchSize = n;
            return this;
        }

        /** What to do with events this schema does not know (default {@link UnknownEventPolicy#DEFER_UNTIL_KNOWN}). */
        public Builder unknownEventPolicy(UnknownEventPolicy p) {
            this.unknownEventPolicy = Objects.requireNonNull(p, "unknownEventPolicy");
            return this;
        }

        /**
         * Called on the thread that runs {@link #build()} with the progress of a state rebuild, which opening a file
         * whose state was built by another schema runs before the store is usable (docs/schema-evolution.md).
         */
        public Builder rebuildListener(Consumer<RebuildProgress> listener) {
            this.rebuildListener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** Where the structured log goes (default: nowhere). */
        public Builder log(JsonLog l) {
            this.log = Objects.requireNonNull(l, "log");
            return this;
        }

        /** Test hook: after a session rebase, resume pushing to the leader only after this long. */
        public Builder rebasePauseMillis(long millis) {
            if (millis < 0) {
                throw new IllegalArgumentException("rebasePauseMillis must be >= 0, got " + millis);
            }
            this.rebasePauseMillis = millis;
            return this;
        }

        /** The clock the leader reads (timeouts, backoff, the watchdog); default {@link io.livesync.core.Clock#system()}. */
        public Builder clock(io.livesync.core.Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /** Seed of the backoff jitter (default: from the clock). */
        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /** Opens the database, starts the leader and returns the first session. */
        public Store build() {
            if (storeId == null) {
                throw new IllegalStateException("storeId is required");
            }
            if (clientId == null) {
                throw new IllegalStateException("clientId is required");
            }
            if (schema == null) {
                throw new IllegalStateException("schema is required");
            }
            PushResumePolicy chosen = policy != null ? policy : PushResumePolicy.SUPERVISED;
            LeaderConfig.Builder leaderConfig = LeaderConfig.builder(schema.events()).pushResumePolicy(chosen)
                    .backendResetPolicy(backendResetPolicy);
            if (backend != null) {
                leaderConfig.pushLimits(backend.pushLimits());
            }
            LeaderConfig config = leaderOptions.apply(leaderConfig).build();
            Storage chosenStorage = storage instanceof Storage.File file && durability != null
                    ? new Storage.File(file.path(), durability) : storage;
            ClientDatabase db = ClientDatabase.open(chosenStorage, schema, storeId, unknownEventPolicy,
                    RebuildLog.reporter(log, clientId, storeId, rebuildListener));
            try {
                ClientDatabase.Loaded loaded = db.load();
                Shared shared = new Shared(this, db);
                io.livesync.core.Clock leaderClock = clock;
                shared.leader = new LeaderDriver(db, new LeaderLogic(config),
                        LeaderState.initial(loaded.sync(), loaded.backendId(), seed), backend, localPushBatchSize, log,
                        clientId, storeId, leaderClock::millis, shared.timers,
                        shared::tablesChanged, shared::eventRefused);
                shared.leader.start();
                return new Store(shared, true);
            } catch (RuntimeException e) {
                db.close();
                throw e;
            }
        }
    }
}
