package io.livesync.client;

import io.livesync.core.RebuildDecision;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.SyncState;
import io.livesync.core.UnknownEventException;
import io.livesync.core.leader.LeaderEffect;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One client store's SQLite database: the event log, the state tables, the undo log and the sync status, in one file
 * (DESIGN.md §4.4-§4.5). Every leader step is ONE transaction ({@link #persist}), so a crash at any point leaves a
 * consistent file.
 *
 * <p>Rollback: TEMP triggers on every state table record, for each change made while an event is materialized, the
 * SQL statement that undoes it (tagged with the event's position) into {@code ls_undo}. Rolling events back runs
 * those statements newest first. Undo rows of events at or below the backend head can never be rolled back and are
 * trimmed. Cost of a rebase: O(rolled back + new events), never O(history).
 *
 * <p>Concurrency: one connection, guarded by a {@link ReentrantLock}; the leader thread is the only writer.
 */
final class ClientDatabase implements AutoCloseable {

    static final int FORMAT_VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection conn;
    private final ReentrantLock lock = new ReentrantLock();
    private final ClientSchema schema;
    private final UnknownEventPolicy unknownEventPolicy;
    private List<String> stateTables; // set once while opening, before the instance is shared
    private final Map<String, PreparedStatement> statements = new HashMap<>();
    private final String description;
    /** The JDBC URL of a file store (a rebuild reads the log through a second connection), null in memory. */
    private String fileUrl;

    /** What a store's file holds at open: the sync state to start the leader from. */
    record Loaded(SyncState sync, String backendId, long backendHead, long eventCount) {}

    private ClientDatabase(Connection conn, ClientSchema schema, UnknownEventPolicy policy, List<String> stateTables,
            String description) {
        this.conn = conn;
        this.schema = schema;
        this.unknownEventPolicy = policy;
        this.stateTables = List.copyOf(stateTables);
        this.description = description;
    }

    /** {@link #open(Storage, ClientSchema, String, UnknownEventPolicy, Consumer)} reporting no progress. */
    static ClientDatabase open(Storage storage, ClientSchema schema, String storeId, UnknownEventPolicy policy) {
        return open(storage, schema, storeId, policy, p -> { });
    }

    /**
     * Opens (creating if needed) the database of store {@code storeId}. When the file's state was built by another
     * schema (see {@link RebuildDecision}), rebuilds it from the event log before returning, reporting to
     * {@code progress}.
     *
     * @throws StoreException when the file is not a livesync database, belongs to another store, or is corrupt
     * @throws MaterializerException when a rebuild fails on an event (the file is left as it was)
     */
    static ClientDatabase open(Storage storage, ClientSchema schema, String storeId, UnknownEventPolicy policy,
            Consumer<RebuildProgress> progress) {
        String url;
        String description;
        switch (storage) {
            case Storage.File file -> {
                Path path = file.path().toAbsolutePath();
                url = "jdbc:sqlite:" + path;
                description = path.toString();
            }
            case Storage.InMemory memory -> {
                url = "jdbc:sqlite::memory:";
                description = "memory";
            }
        }
        Connection conn = null;
        try {
            java.util.Properties properties = new java.util.Properties();
            // nothing here reads generated keys; sqlite-jdbc would otherwise run a regex and a
            // SELECT last_insert_rowid() after every INSERT (a third of a rebuild's time, by profile)
            properties.setProperty("jdbc.get_generated_keys", "false");
            conn = DriverManager.getConnection(url, properties);
            try (Statement st = conn.createStatement()) {
                // a corrupt or foreign file fails here, before anything is written
                st.executeQuery("SELECT count(*) FROM sqlite_master").close();
                if (storage instanceof Storage.File file) {
                    st.execute("PRAGMA journal_mode=WAL");
                    st.execute("PRAGMA synchronous=" + file.durability().synchronousPragma());
                }
                st.execute("PRAGMA recursive_triggers=ON");
                st.execute("PRAGMA busy_timeout=5000");
            }
            RebuildDecision decision = initialize(conn, schema, storeId, description);
            ClientDatabase db = new ClientDatabase(conn, schema, policy, List.of(), description);
            db.fileUrl = storage instanceof Storage.File ? url : null;
            switch (decision) {
                case RebuildDecision.UpToDate upToDate -> db.stateTables = UndoTriggers.installAll(conn);
                case RebuildDecision.Create create -> db.rebuild(null, progress);
                case RebuildDecision.Rebuild rebuild -> db.rebuild(rebuild.reason(), progress);
            }
            return db;
        } catch (SQLException e) {
            closeQuietly(conn);
            throw new StoreException("cannot open the store database " + description + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(conn);
            throw e;
        }
    }

    private static RebuildDecision initialize(Connection conn, ClientSchema schema, String storeId,
            String description) throws SQLException {
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS ls_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS ls_eventlog (
                      seq_global INTEGER NOT NULL, seq_client INTEGER NOT NULL, seq_gen INTEGER NOT NULL,
                      parent_global INTEGER NOT NULL, parent_client INTEGER NOT NULL, parent_gen INTEGER NOT NULL,
                      name TEXT NOT NULL, args TEXT, client_id TEXT NOT NULL, session_id TEXT NOT NULL,
                      sync_metadata TEXT,
                      PRIMARY KEY (seq_global, seq_client)) WITHOUT ROWID""");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS ls_undo (
                      id INTEGER PRIMARY KEY, seq_global INTEGER NOT NULL, seq_client INTEGER NOT NULL,
                      tbl TEXT NOT NULL, stmt TEXT NOT NULL)""");
            st.execute("CREATE INDEX IF NOT EXISTS ls_undo_by_event ON ls_undo (seq_global, seq_client)");
            st.execute("""
                    CREATE TABLE IF NOT EXISTS ls_sync_status (
                      id INTEGER PRIMARY KEY CHECK (id = 1), backend_head INTEGER NOT NULL, backend_id TEXT)""");
            st.execute("INSERT OR IGNORE INTO ls_sync_status (id, backend_head, backend_id) VALUES (1, 0, NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS ls_deferred (name TEXT PRIMARY KEY)");
            Map<String, String> meta = new HashMap<>();
            try (ResultSet rs = st.executeQuery("SELECT key, value FROM ls_meta")) {
                while (rs.next()) {
                    meta.put(rs.getString(1), rs.getString(2));
                }
            }
            String existingStore = meta.get("store_id");
            if (existingStore != null && !existingStore.equals(storeId)) {
                throw new StoreException("the database " + description + " belongs to store \"" + existingStore
                        + "\", not \"" + storeId + "\"");
            }
            String version = meta.get("format_version");
            if (version != null && !version.equals(String.valueOf(FORMAT_VERSION))) {
                throw new StoreException("the database " + description + " has format version " + version
                        + "; this livesync reads version " + FORMAT_VERSION);
            }
            st.execute("INSERT OR IGNORE INTO ls_meta VALUES ('store_id', " + quote(storeId) + ")");
            st.execute("INSERT OR IGNORE INTO ls_meta VALUES ('format_version', '" + FORMAT_VERSION + "')");
            long logSize;
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ls_eventlog")) {
                rs.next();
                logSize = rs.getLong(1);
            }
            Set<String> deferred = new LinkedHashSet<>();
            try (ResultSet rs = st.executeQuery("SELECT name FROM ls_deferred")) {
                while (rs.next()) {
                    deferred.add(rs.getString(1));
                }
            }
            conn.commit();
            return RebuildDecision.decide(meta.get("schema_fingerprint"), schema.fingerprint(), logSize, deferred,
                    schema::knows);
        } catch (SQLException | RuntimeException e) {
            conn.rollback();
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    /**
     * Replaces the state with a replay of the whole log under this schema, in ONE transaction: drop the undo triggers
     * and every state table, create the schema's tables, clear the undo log and the deferred names, replay every
     * event (recording undo rows for events above the backend head, which a rebase may still roll back), record the
     * schema fingerprint, commit. A crash before the commit leaves the old state and fingerprint, so the next open
     * decides to rebuild again and starts over. {@code reason} null: a new file (no progress reported).
     */
    private void rebuild(String reason, Consumer<RebuildProgress> progress) throws SQLException {
        rebuild(reason, progress, null);
    }

    /**
     * The backend was reset (a new backend id) and this client follows it, in ONE transaction: the whole log and the
     * state are dropped, the sync status starts over at head 0 with {@code backendId}, and {@code reapply} (the
     * pending events renumbered from the root, or nothing) is logged and materialized as pending. A crash before the
     * commit leaves the file as it was.
     */
    Set<String> resetTo(String backendId, List<Event> reapply) {
        lock.lock();
        try {
            rebuild(null, p -> { }, () -> {
                try (Statement st = conn.createStatement()) {
                    st.execute("DELETE FROM ls_eventlog");
                }
                PreparedStatement ps = prepared("UPDATE ls_sync_status SET backend_head = 0, backend_id = ? WHERE id = 1");
                ps.setString(1, backendId);
                ps.executeUpdate();
                for (Event e : reapply) {
                    insertLogRow(e);
                }
            });
            return new LinkedHashSet<>(stateTables);
        } catch (SQLException e) {
            throw new StoreException("cannot reset " + description + " to the new backend: " + e.getMessage()
                    + " (nothing was written)", e);
        } finally {
            lock.unlock();
        }
    }

    /** Work done inside the rebuild's transaction before the state is rebuilt from the log. */
    @FunctionalInterface
    private interface LogEdit {
        void run() throws SQLException;
    }

    /** Log events read per query by a rebuild (one progress report each). */
    private static final int REBUILD_CHUNK = 1000;

    private void rebuild(String reason, Consumer<RebuildProgress> progress, LogEdit beforeReplay) throws SQLException {
        boolean report = reason != null;
        conn.setAutoCommit(false);
        try {
            if (beforeReplay != null) {
                beforeReplay.run();
            }
            long total;
            long backendHead;
            try (Statement st = conn.createStatement()) {
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM ls_eventlog")) {
                    rs.next();
                    total = rs.getLong(1);
                }
                try (ResultSet rs = st.executeQuery("SELECT backend_head FROM ls_sync_status WHERE id = 1")) {
                    rs.next();
                    backendHead = rs.getLong(1);
                }
                if (report) {
                    progress.accept(new RebuildProgress.Started(reason, total));
                }
                List<String> triggers = new ArrayList<>();
                try (ResultSet rs = st.executeQuery(
                        "SELECT name FROM sqlite_temp_master WHERE type = 'trigger' AND name LIKE 'ls_undo_%'")) {
                    while (rs.next()) {
                        triggers.add(rs.getString(1));
                    }
                }
                for (String trigger : triggers) {
                    st.execute("DROP TRIGGER temp." + ident(trigger));
                }
                for (String table : UndoTriggers.stateTableNames(conn)) {
                    st.execute("DROP TABLE main." + ident(table));
                }
                for (String ddl : schema.tableDdl()) {
                    st.execute(ddl);
                }
                st.execute("DELETE FROM ls_undo");
                st.execute("DELETE FROM ls_deferred");
            }
            // The undo triggers are installed only before the first pending event: confirmed events (the log's
            // prefix up to the backend head) record no undo rows, and without the triggers SQLite does not evaluate
            // their WHEN clause (a subquery) on every state row the replay writes.
            List<String> tables = null;
            long replayed = 0;
            // A file's log is read ahead on a second, read-only connection and thread while this one materializes
            // (reading and parsing the log was over half of a rebuild's time); it sees the committed log, which is
            // what this transaction replays unless it edits the log first (a reset), and then reads it here.
            try (RebuildLogReader reader = beforeReplay == null && fileUrl != null && total > REBUILD_CHUNK
                    ? RebuildLogReader.aside(fileUrl, REBUILD_CHUNK)
                    : RebuildLogReader.inline(conn, REBUILD_CHUNK)) {
                while (true) {
                    List<Event> chunk = reader.next();
                    if (chunk.isEmpty()) {
                        break;
                    }
                    for (Event e : chunk) {
                        boolean pending = e.seq().global() > backendHead
                                || (e.seq().global() == backendHead && e.seq().client() > 0);
                        if (pending && tables == null) {
                            tables = UndoTriggers.installAll(conn);
                        }
                        applyToState(e, pending, w -> { });
                    }
                    replayed += chunk.size();
                    if (report) {
                        progress.accept(new RebuildProgress.Replayed(replayed, total));
                    }
                }
            }
            if (tables == null) {
                tables = UndoTriggers.installAll(conn);
            }
            PreparedStatement ps = prepared("INSERT OR REPLACE INTO ls_meta (key, value) VALUES ('schema_fingerprint', ?)");
            ps.setString(1, schema.fingerprint());
            ps.executeUpdate();
            if (report) {
                progress.accept(new RebuildProgress.Committing(total));
            }
            conn.commit();
            stateTables = List.copyOf(tables);
            if (report) {
                progress.accept(new RebuildProgress.Finished(total));
            }
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly();
            if (e instanceof UnknownEventException ue) {
                throw new StoreException("cannot rebuild the state of " + description + ": " + ue.getMessage()
                        + " (UnknownEventPolicy.FAIL; the file is unchanged)", ue);
            }
            throw e;
        } finally {
            conn.setAutoCommit(true);
        }
    }

    List<String> stateTables() {
        return stateTables;
    }

    String description() {
        return description;
    }

    // ------------------------------------------------------------------ boot

    /** Rebuilds the leader's sync state from the file (SYNC-SPEC §1.4, with the consistency check). */
    Loaded load() {
        lock.lock();
        try {
            long backendHead;
            String backendId;
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT backend_head, backend_id FROM ls_sync_status WHERE id = 1")) {
                rs.next();
                backendHead = rs.getLong(1);
                backendId = rs.getString(2);
            }
            EventSeq localHead = EventSeq.ofGlobal(backendHead);
            long count = 0;
            try (Statement st = conn.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM ls_eventlog")) {
                rs.next();
                count = rs.getLong(1);
            }
            try (Statement st = conn.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT seq_global, seq_client, seq_gen FROM ls_eventlog ORDER BY seq_global DESC, seq_client DESC LIMIT 1")) {
                if (rs.next()) {
                    EventSeq last = new EventSeq(rs.getLong(1), rs.getInt(2), rs.getInt(3));
                    if (backendHead > last.global()) {
                        throw new StoreException("corrupt store " + description + ": backend head e" + backendHead
                                + " is beyond the last logged event " + last);
                    }
                    localHead = EventSeq.max(localHead, last);
                } else if (backendHead > 0) {
                    throw new StoreException("corrupt store " + description + ": backend head e" + backendHead
                            + " but the event log is empty");
                }
            }
            List<Event> pending = events("WHERE seq_global > ? OR (seq_global = ? AND seq_client > 0)",
                    backendHead, backendHead);
            return new Loaded(new SyncState(pending, EventSeq.ofGlobal(backendHead), localHead), backendId,
                    backendHead, count);
        } catch (SQLException e) {
            throw new StoreException("cannot read the store database " + description + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** The event log and the state digest read in one go (no leader step in between). */
    record Snapshot(List<Event> log, String stateDigest) {}

    Snapshot snapshot() {
        lock.lock();
        try {
            return new Snapshot(eventLog(), stateDigest());
        } finally {
            lock.unlock();
        }
    }

    /** The whole event log, in order. */
    List<Event> eventLog() {
        lock.lock();
        try {
            return events("", new Object[0]);
        } catch (SQLException e) {
            throw new StoreException("cannot read the event log of " + description + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    private List<Event> events(String where, Object... params) throws SQLException {
        return eventsLimited(where, 0, params);
    }

    /** Events matching {@code where}, in log order; at most {@code limit} of them when {@code limit > 0}. */
    private List<Event> eventsLimited(String where, int limit, Object... params) throws SQLException {
        return readEvents(conn, where, limit, params);
    }

    /** Events matching {@code where} on {@code conn}, in log order; at most {@code limit} when {@code limit > 0}. */
    static List<Event> readEvents(Connection conn, String where, int limit, Object... params) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (PreparedStatement ps = conn.prepareStatement("SELECT seq_global, seq_client, seq_gen, parent_global, "
                + "parent_client, parent_gen, name, args, client_id, session_id, sync_metadata FROM ls_eventlog "
                + where + " ORDER BY seq_global, seq_client" + (limit > 0 ? " LIMIT " + limit : ""))) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    EventSeq seq = new EventSeq(rs.getLong(1), rs.getInt(2), rs.getInt(3));
                    EventSeq parent = new EventSeq(rs.getLong(4), rs.getInt(5), rs.getInt(6));
                    String metadata = rs.getString(11);
                    events.add(new Event(seq, parent, rs.getString(7), parseJson(rs.getString(8)), rs.getString(9),
                            rs.getString(10), metadata == null ? EventMeta.NONE : new EventMeta(parseJson(metadata))));
                }
            }
        }
        return events;
    }

    // ------------------------------------------------------------------ the one transaction per step

    /**
     * Applies one {@link LeaderEffect.Persist} as a single transaction and returns the state tables it touched.
     * On any failure the transaction is rolled back and the file is unchanged.
     */
    Set<String> persist(LeaderEffect.Persist op, Consumer<String> warn) {
        lock.lock();
        try {
            conn.setAutoCommit(false);
            Set<String> touched = new LinkedHashSet<>();
            try {
                List<Event> rollback = op.rollback();
                if (!undoTail(rollback, touched)) {
                    for (int i = rollback.size() - 1; i >= 0; i--) {
                        undo(rollback.get(i), touched);
                    }
                }
                long mark = maxUndoId();
                for (Event e : op.apply()) {
                    materialize(e, warn);
                }
                if (!op.apply().isEmpty()) {
                    setRecording(null);
                }
                collectTouched(mark, touched);
                for (Event e : op.upstream()) {
                    if (e.meta().syncMetadata() != null) {
                        PreparedStatement ps = prepared(
                                "UPDATE ls_eventlog SET sync_metadata = ? WHERE seq_global = ? AND seq_client = 0");
                        ps.setString(1, toJson(e.meta().syncMetadata()));
                        ps.setLong(2, e.seq().global());
                        ps.executeUpdate();
                    }
                }
                if (op.backendHead() != null) {
                    PreparedStatement ps = prepared("UPDATE ls_sync_status SET backend_head = ? WHERE id = 1");
                    ps.setLong(1, op.backendHead());
                    ps.executeUpdate();
                    PreparedStatement trim = prepared("DELETE FROM ls_undo WHERE seq_global < ?");
                    trim.setLong(1, op.backendHead());
                    trim.executeUpdate();
                }
                if (op.backendId() != null) {
                    PreparedStatement ps = prepared("UPDATE ls_sync_status SET backend_id = ? WHERE id = 1");
                    ps.setString(1, op.backendId());
                    ps.executeUpdate();
                }
                conn.commit();
                return touched;
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly();
                if (e instanceof StoreException se) {
                    throw se;
                }
                if (e instanceof UnknownEventException ue) {
                    throw new StoreException("cannot apply event: " + ue.getMessage()
                            + " (UnknownEventPolicy.FAIL; nothing was written)", ue);
                }
                throw new StoreException("the leader's transaction failed and was rolled back, nothing was written: "
                        + e.getMessage(), e);
            } finally {
                conn.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new StoreException("database error on " + description + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    /** Materializes {@code e} with undo recording left on (the caller stops it after its last event). */
    private void materialize(Event e, Consumer<String> warn) throws SQLException {
        applyToState(e, true, false, warn);
        insertLogRow(e);
    }

    private void insertLogRow(Event e) throws SQLException {
        PreparedStatement ps = prepared("INSERT INTO ls_eventlog (seq_global, seq_client, seq_gen, parent_global, "
                + "parent_client, parent_gen, name, args, client_id, session_id, sync_metadata) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        ps.setLong(1, e.seq().global());
        ps.setInt(2, e.seq().client());
        ps.setInt(3, e.seq().rebaseGeneration());
        ps.setLong(4, e.parent().global());
        ps.setInt(5, e.parent().client());
        ps.setInt(6, e.parent().rebaseGeneration());
        ps.setString(7, e.name());
        ps.setString(8, e.args().isMissingNode() ? null : toJson(e.args())); // SQL NULL = absent args
        ps.setString(9, e.clientId());
        ps.setString(10, e.sessionId());
        ps.setString(11, e.meta().syncMetadata() == null ? null : toJson(e.meta().syncMetadata()));
        ps.executeUpdate();
    }

    /**
     * Applies one event (as committed) to the state: upcast to its current version and run its materializer,
     * recording undo rows when {@code recordUndo}. An event this schema does not know is handled by the
     * {@link UnknownEventPolicy}.
     */
    private void applyToState(Event e, boolean recordUndo, Consumer<String> warn) throws SQLException {
        applyToState(e, recordUndo, true, warn);
    }

    /**
     * As above; with {@code stopRecording} false the recording position stays at {@code e} afterwards (the next event
     * sets its own, the caller clears it after the last one: one statement per event saved). A failure rolls the whole
     * transaction back, the temp recording row included.
     */
    private void applyToState(Event e, boolean recordUndo, boolean stopRecording, Consumer<String> warn)
            throws SQLException {
        ClientSchema.Resolved resolved = schema.resolve(e).orElse(null);
        if (resolved == null) {
            switch (unknownEventPolicy) {
                case FAIL -> throw new UnknownEventException(e.name(), schema.events().eventNames());
                case SKIP_AND_LOG -> warn.accept("event " + e.seq() + " has unknown name \"" + e.name()
                        + "\": logged, not materialized");
                case DEFER_UNTIL_KNOWN -> {
                    PreparedStatement ps = prepared("INSERT OR IGNORE INTO ls_deferred (name) VALUES (?)");
                    ps.setString(1, e.name());
                    if (ps.executeUpdate() == 1) {
                        warn.accept("event " + e.seq() + " has unknown name \"" + e.name() + "\": logged, "
                                + "materialized by a rebuild once the schema knows it (first of that name)");
                    }
                }
            }
            return;
        }
        if (recordUndo) {
            setRecording(e.seq());
        }
        try {
            resolved.materializer().apply(resolved.current(), this::executeForMaterializer);
        } catch (SQLException | RuntimeException failure) {
            throw new MaterializerException(e, resolved.materializerName(), failure);
        } finally {
            if (recordUndo && stopRecording) {
                setRecording(null);
            }
        }
    }

    /**
     * Runs undo statements in order, cheaply. A run of consecutive row deletions (the undo of inserts, by far the
     * most common) becomes one {@code DELETE ... WHERE rowid IN (...)} per table: deletions by rowid commute with each
     * other, so only their order relative to other statements matters, and that is kept. Every other statement is
     * executed as written, up to {@link #UNDO_STATEMENTS_PER_EXEC} per call into SQLite.
     */
    private void runUndoStatements(List<String> undoStatements) throws SQLException {
        Map<String, StringBuilder> deletions = new LinkedHashMap<>();
        StringBuilder chunk = new StringBuilder();
        int inChunk = 0;
        try (Statement st = conn.createStatement()) {
            for (String sql : undoStatements) {
                int where = sql.startsWith("DELETE FROM ") ? sql.lastIndexOf(" WHERE rowid=") : -1;
                String rowid = where < 0 ? null : sql.substring(where + " WHERE rowid=".length());
                if (rowid != null && ROWID.matcher(rowid).matches()) {
                    if (inChunk > 0) {
                        st.executeUpdate(chunk.toString());
                        chunk.setLength(0);
                        inChunk = 0;
                    }
                    StringBuilder ids = deletions.computeIfAbsent(sql.substring("DELETE FROM ".length(), where),
                            t -> new StringBuilder());
                    ids.append(ids.isEmpty() ? "[" : ",").append(rowid);
                    continue;
                }
                flushDeletions(deletions);
                chunk.append(sql).append(";\n");
                if (++inChunk == UNDO_STATEMENTS_PER_EXEC) {
                    st.executeUpdate(chunk.toString());
                    chunk.setLength(0);
                    inChunk = 0;
                }
            }
            flushDeletions(deletions);
            if (inChunk > 0) {
                st.executeUpdate(chunk.toString());
            }
        }
    }

    private static final java.util.regex.Pattern ROWID = java.util.regex.Pattern.compile("-?[0-9]{1,19}");

    private void flushDeletions(Map<String, StringBuilder> deletions) throws SQLException {
        for (Map.Entry<String, StringBuilder> table : deletions.entrySet()) {
            PreparedStatement ps = prepared("DELETE FROM " + table.getKey()
                    + " WHERE rowid IN (SELECT value FROM json_each(?))");
            ps.setString(1, table.getValue().append(']').toString());
            ps.executeUpdate();
        }
        deletions.clear();
    }

    /** Rollbacks done by {@link #undoTail} (read by tests; written by the leader thread only). */
    private volatile long batchedRollbacks;

    long batchedRollbacks() {
        return batchedRollbacks;
    }

    /** Rollbacks of fewer events go event by event ({@link #undo}); from here on {@link #undoTail} batches them. */
    static final int BATCHED_UNDO_MIN = 8;

    /** Undo statements executed by one call into SQLite. */
    private static final int UNDO_STATEMENTS_PER_EXEC = 256;

    /**
     * Rolls back {@code rollback} (ascending) in a few statements when it is exactly the tail of the event log, which
     * is what a rebase rolls back: the undo rows of the whole tail in one query, newest event first and newest row
     * first within an event (the order of {@link #undo} event by event), executed in chunks, then the tail's undo
     * and log rows deleted by key range. Returns false, having changed nothing, when the list is short or is not
     * the log's tail; the caller then rolls back event by event.
     */
    private boolean undoTail(List<Event> rollback, Set<String> touched) throws SQLException {
        if (rollback.size() < BATCHED_UNDO_MIN) {
            return false;
        }
        EventSeq first = rollback.getFirst().seq();
        PreparedStatement tail = prepared("SELECT seq_global, seq_client FROM ls_eventlog "
                + "WHERE (seq_global, seq_client) >= (?, ?) ORDER BY seq_global, seq_client");
        tail.setLong(1, first.global());
        tail.setInt(2, first.client());
        int i = 0;
        try (ResultSet rs = tail.executeQuery()) {
            while (rs.next()) {
                if (i >= rollback.size() || rs.getLong(1) != rollback.get(i).seq().global()
                        || rs.getInt(2) != rollback.get(i).seq().client()) {
                    return false;
                }
                i++;
            }
        }
        if (i != rollback.size()) {
            return false;
        }
        setRecording(null);
        PreparedStatement select = prepared("SELECT tbl, stmt FROM ls_undo WHERE (seq_global, seq_client) >= (?, ?) "
                + "ORDER BY seq_global DESC, seq_client DESC, id DESC");
        select.setLong(1, first.global());
        select.setInt(2, first.client());
        List<String> statementsToRun = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                touched.add(rs.getString(1));
                statementsToRun.add(rs.getString(2));
            }
        }
        runUndoStatements(statementsToRun);
        PreparedStatement deleteUndo = prepared("DELETE FROM ls_undo WHERE (seq_global, seq_client) >= (?, ?)");
        deleteUndo.setLong(1, first.global());
        deleteUndo.setInt(2, first.client());
        deleteUndo.executeUpdate();
        PreparedStatement deleteEvents = prepared("DELETE FROM ls_eventlog WHERE (seq_global, seq_client) >= (?, ?)");
        deleteEvents.setLong(1, first.global());
        deleteEvents.setInt(2, first.client());
        if (deleteEvents.executeUpdate() != rollback.size()) {
            throw new StoreException("cannot roll back from " + first + ": the event log changed under the rollback");
        }
        batchedRollbacks++;
        return true;
    }

    private void undo(Event e, Set<String> touched) throws SQLException {
        setRecording(null);
        PreparedStatement select = prepared(
                "SELECT id, tbl, stmt FROM ls_undo WHERE seq_global = ? AND seq_client = ? ORDER BY id DESC");
        select.setLong(1, e.seq().global());
        select.setInt(2, e.seq().client());
        List<String> undoStatements = new ArrayList<>();
        try (ResultSet rs = select.executeQuery()) {
            while (rs.next()) {
                touched.add(rs.getString(2));
                undoStatements.add(rs.getString(3));
            }
        }
        try (Statement st = conn.createStatement()) {
            for (String sql : undoStatements) {
                st.execute(sql);
            }
        }
        PreparedStatement deleteUndo = prepared("DELETE FROM ls_undo WHERE seq_global = ? AND seq_client = ?");
        deleteUndo.setLong(1, e.seq().global());
        deleteUndo.setInt(2, e.seq().client());
        deleteUndo.executeUpdate();
        PreparedStatement deleteEvent = prepared("DELETE FROM ls_eventlog WHERE seq_global = ? AND seq_client = ?");
        deleteEvent.setLong(1, e.seq().global());
        deleteEvent.setInt(2, e.seq().client());
        if (deleteEvent.executeUpdate() != 1) {
            throw new StoreException("cannot roll back " + e.seq() + ": it is not in the event log");
        }
    }

    private void setRecording(EventSeq seq) throws SQLException {
        PreparedStatement ps = prepared("UPDATE temp.ls_recording SET seq_global = ?, seq_client = ?");
        if (seq == null) {
            ps.setNull(1, java.sql.Types.INTEGER);
            ps.setNull(2, java.sql.Types.INTEGER);
        } else {
            ps.setLong(1, seq.global());
            ps.setInt(2, seq.client());
        }
        ps.executeUpdate();
    }

    private long maxUndoId() throws SQLException {
        try (ResultSet rs = prepared("SELECT COALESCE(MAX(id), 0) FROM ls_undo").executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private void collectTouched(long mark, Set<String> touched) throws SQLException {
        PreparedStatement ps = prepared("SELECT DISTINCT tbl FROM ls_undo WHERE id > ?");
        ps.setLong(1, mark);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                touched.add(rs.getString(1));
            }
        }
    }

    private int executeForMaterializer(String sql, Object... params) throws SQLException {
        PreparedStatement ps = prepared(sql);
        for (int i = 0; i < params.length; i++) {
            ps.setObject(i + 1, params[i]);
        }
        return ps.executeUpdate();
    }

    private PreparedStatement prepared(String sql) throws SQLException {
        PreparedStatement ps = statements.get(sql);
        if (ps == null) {
            ps = conn.prepareStatement(sql);
            statements.put(sql, ps);
        }
        return ps;
    }

    // ------------------------------------------------------------------ reads

    /** Runs a read-only query on the state (or any table) and maps each row. */
    <T> List<T> query(String sql, RowMapper<T> mapper, Object... params) {
        lock.lock();
        try (PreparedStatement ps = conn.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            List<T> rows = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(mapper.map(rs));
                }
            }
            return rows;
        } catch (SQLException e) {
            throw new StoreException("query failed: " + e.getMessage() + " (sql: " + sql + ")", e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * A digest of the state tables' contents (rows ordered by all columns, rowids excluded), so that two stores, or a
     * store and a fresh replay of its log, can be compared.
     */
    String stateDigest() {
        lock.lock();
        try {
            return digestOf(conn, stateTables);
        } catch (SQLException e) {
            throw new StoreException("cannot digest the state of " + description + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }

    static String digestOf(Connection conn, List<String> tables) throws SQLException {
        MessageDigest md = sha256();
        for (String table : tables.stream().sorted().toList()) {
            md.update(("table " + table + "\n").getBytes(StandardCharsets.UTF_8));
            try (Statement st = conn.createStatement(); ResultSet probe = st.executeQuery(
                    "SELECT * FROM " + ident(table) + " LIMIT 0")) {
                int n = probe.getMetaData().getColumnCount();
                StringBuilder order = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    order.append(i > 1 ? "," : "").append(i);
                }
                probe.close();
                try (ResultSet rs = st.executeQuery("SELECT * FROM " + ident(table) + " ORDER BY " + order)) {
                    ResultSetMetaData md2 = rs.getMetaData();
                    while (rs.next()) {
                        StringBuilder row = new StringBuilder();
                        for (int i = 1; i <= md2.getColumnCount(); i++) {
                            row.append(rs.getString(i)).append('\u0001');
                        }
                        md.update(row.append('\n').toString().getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A digest of the event log (positions, generation excluded, names, args, authors). */
    static String eventLogDigest(List<Event> log) {
        MessageDigest md = sha256();
        for (Event e : log) {
            md.update((e.seq().global() + "." + e.seq().client() + " " + e.name() + " " + e.args() + " "
                    + e.clientId() + " " + e.sessionId() + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * Replays {@code log} into a fresh in-memory database with this schema and returns its state digest: what the
     * state must be if every rollback and rebase was applied correctly.
     */
    static String replayDigest(ClientSchema schema, List<Event> log) {
        try (ClientDatabase fresh = open(Storage.inMemory(), schema, "replay", UnknownEventPolicy.SKIP_AND_LOG)) {
            for (int from = 0; from < log.size(); from += 1000) {
                List<Event> chunk = log.subList(from, Math.min(log.size(), from + 1000));
                fresh.persist(new LeaderEffect.Persist(List.of(), chunk, List.of(), null, null), w -> { });
            }
            return fresh.stateDigest();
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ helpers

    static JsonNode parseJson(String text) {
        if (text == null) {
            return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
        }
        try {
            return JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new StoreException("corrupt JSON in the store database: " + e.getOriginalMessage(), e);
        }
    }

    static String toJson(JsonNode node) {
        try {
            return JSON.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot serialize JSON: " + e.getMessage(), e);
        }
    }

    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    static String quote(String text) {
        return "'" + text.replace("'", "''") + "'";
    }

    private void rollbackQuietly() {
        try {
            conn.rollback();
        } catch (SQLException ignored) {
            // the original failure is what matters
        }
    }

    private static void closeQuietly(Connection conn) {
        if (conn != null) {
            try {
                conn.close();
            } catch (SQLException ignored) {
                // already failing
            }
        }
    }

    @Override
    public void close() {
        lock.lock();
        try {
            for (PreparedStatement ps : statements.values()) {
                ps.close();
            }
            statements.clear();
            conn.close();
        } catch (SQLException e) {
            throw new StoreException("cannot close " + description + ": " + e.getMessage(), e);
        } finally {
            lock.unlock();
        }
    }
}
