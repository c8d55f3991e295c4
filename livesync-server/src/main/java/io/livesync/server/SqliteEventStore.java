package io.livesync.server;

import io.livesync.hub.EventStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.backend.Arbitration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded default: ONE SQLite file ({@code <data>/livesync-server.db}) with a store column, WAL mode, and
 * {@code synchronous=FULL} unless {@link Durability#NORMAL} is asked for (an append returns, and the push is acked,
 * only after the WAL is on disk). One writer
 * connection (behind a lock, so appends of all stores are serialized, which SQLite requires anyway) and one reader
 * connection for catch-ups, so long backfills do not block pushes. Heads are cached in memory: this process is the
 * only writer of the file.
 */
public final class SqliteEventStore implements EventStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Connection writer;
    private final Connection reader;
    private final ReentrantLock writeLock = new ReentrantLock();
    private final ReentrantLock readLock = new ReentrantLock();
    private final Map<String, StoreMeta> metas = new HashMap<>();
    private long eventCount;

    public SqliteEventStore(Path dataDir) {
        this(dataDir, Durability.FULL);
    }

    /**
     * sqlite-jdbc's options for every connection of the store: no generated keys (nothing here reads them, and
     * sqlite-jdbc otherwise runs a regular expression over the SQL of every update: 9% of the server's Java samples
     * in a node-sync profile; the client's database does the same).
     */
    static java.util.Properties connectionProperties() {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("jdbc.get_generated_keys", "false");
        return properties;
    }

    public SqliteEventStore(Path dataDir, Durability durability) {
        java.util.Objects.requireNonNull(durability, "durability");
        try {
            Files.createDirectories(dataDir);
            this.file = dataDir.resolve("livesync-server.db").toAbsolutePath();
            this.writer = DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties());
            try (Statement st = writer.createStatement()) {
                st.executeQuery("SELECT count(*) FROM sqlite_master").close();
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=" + durability.pragma());
                st.execute("PRAGMA busy_timeout=5000");
                st.execute("CREATE TABLE IF NOT EXISTS ls_server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
                st.execute("INSERT OR IGNORE INTO ls_server_meta VALUES ('format_version', '1')");
                st.execute("CREATE TABLE IF NOT EXISTS stores (store_id TEXT PRIMARY KEY, head INTEGER NOT NULL, "
                        + "backend_id TEXT NOT NULL)");
                st.execute("CREATE TABLE IF NOT EXISTS events (store_id TEXT NOT NULL, seq INTEGER NOT NULL, "
                        + "parent INTEGER NOT NULL, name TEXT NOT NULL, args TEXT, client_id TEXT NOT NULL, "
                        + "session_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (store_id, seq)) WITHOUT ROWID");
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                    rs.next();
                    eventCount = rs.getLong(1);
                }
            }
            this.reader = DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties());
            try (Statement st = reader.createStatement()) {
                st.execute("PRAGMA busy_timeout=5000");
            }
        } catch (java.io.IOException | SQLException e) {
            throw new IllegalStateException("cannot open the server database in " + dataDir + ": " + e.getMessage(), e);
        }
    }

    /** The writer connection's {@code PRAGMA synchronous} (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA). */
    int synchronous() {
        writeLock.lock();
        try (Statement st = writer.createStatement(); ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
            rs.next();
            return rs.getInt(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read PRAGMA synchronous: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public StoreMeta meta(String storeId) {
        writeLock.lock();
        try {
            return metaLocked(storeId);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read store " + storeId + ": " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private StoreMeta metaLocked(String storeId) throws SQLException {
        StoreMeta cached = metas.get(storeId);
        if (cached != null) {
            return cached;
        }
        try (PreparedStatement ps = writer.prepareStatement("SELECT head, backend_id FROM stores WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    StoreMeta meta = new StoreMeta(rs.getLong(1), rs.getString(2));
                    metas.put(storeId, meta);
                    return meta;
                }
            }
        }
        StoreMeta created = new StoreMeta(0, UUID.randomUUID().toString());
        try (PreparedStatement ps = writer.prepareStatement("INSERT INTO stores VALUES (?, 0, ?)")) {
            ps.setString(1, storeId);
            ps.setString(2, created.backendId());
            ps.executeUpdate();
        }
        metas.put(storeId, created);
        return created;
    }

    @Override
    public AppendOutcome append(String storeId, List<Event> batch, String createdAt, String expectedBackendId) {
        writeLock.lock();
        try {
            StoreMeta meta = metaLocked(storeId);
            if (expectedBackendId != null && !expectedBackendId.equals(meta.backendId())) {
                return new AppendOutcome.BackendIdMismatch(meta.backendId());
            }
            switch (Arbitration.check(meta.head(), batch)) {
                case Arbitration.Verdict.ServerAhead ahead -> {
                    return new AppendOutcome.ServerAhead(ahead.head(), ahead.providedParent());
                }
                case Arbitration.Verdict.Invalid invalid -> {
                    return new AppendOutcome.Invalid(invalid.problem());
                }
                case Arbitration.Verdict.Accept accept -> {
                    if (batch.isEmpty()) {
                        return new AppendOutcome.Accepted(meta.head());
                    }
                    writer.setAutoCommit(false);
                    try (PreparedStatement insert = writer.prepareStatement(
                            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                            PreparedStatement head = writer.prepareStatement(
                                    "UPDATE stores SET head = ? WHERE store_id = ?")) {
                        for (Event e : batch) {
                            insert.setString(1, storeId);
                            insert.setLong(2, e.seq().global());
                            insert.setLong(3, e.parent().global());
                            insert.setString(4, e.name());
                            insert.setString(5, e.args().isMissingNode() ? null : JSON.writeValueAsString(e.args()));
                            insert.setString(6, e.clientId());
                            insert.setString(7, e.sessionId());
                            insert.setString(8, createdAt);
                            insert.addBatch();
                        }
                        insert.executeBatch();
                        head.setLong(1, accept.newHead());
                        head.setString(2, storeId);
                        head.executeUpdate();
                        writer.commit();
                    } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                        writer.rollback();
                        throw new IllegalStateException("append to " + storeId + " failed, nothing stored: "
                                + e.getMessage(), e);
                    } finally {
                        writer.setAutoCommit(true);
                    }
                    metas.put(storeId, new StoreMeta(accept.newHead(), meta.backendId()));
                    eventCount += batch.size();
                    return new AppendOutcome.Accepted(accept.newHead());
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("append to " + storeId + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public StoreMeta reset(String storeId) {
        writeLock.lock();
        try {
            StoreMeta fresh = new StoreMeta(0, UUID.randomUUID().toString());
            writer.setAutoCommit(false);
            try (PreparedStatement del = writer.prepareStatement("DELETE FROM events WHERE store_id = ?");
                    PreparedStatement up = writer.prepareStatement(
                            "INSERT OR REPLACE INTO stores (store_id, head, backend_id) VALUES (?, 0, ?)")) {
                del.setString(1, storeId);
                int deleted = del.executeUpdate();
                up.setString(1, storeId);
                up.setString(2, fresh.backendId());
                up.executeUpdate();
                writer.commit();
                eventCount -= deleted;
            } catch (SQLException e) {
                writer.rollback();
                throw e;
            } finally {
                writer.setAutoCommit(true);
            }
            metas.put(storeId, fresh);
            return fresh;
        } catch (SQLException e) {
            throw new IllegalStateException("reset of " + storeId + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    /**
     * Every store with its sizes: a scan of every stored event, so it runs on a short-lived connection of its own
     * (WAL readers do not block each other) and never holds the read lock that pulls' catch-ups need.
     */
    @Override
    public List<StoreStats> stores() {
        try (Connection scan = DriverManager.getConnection("jdbc:sqlite:" + file, connectionProperties())) {
            try (Statement pragma = scan.createStatement()) {
                pragma.execute("PRAGMA busy_timeout=5000");
                pragma.execute("PRAGMA query_only=1");
            }
            try (PreparedStatement ps = scan.prepareStatement("SELECT s.store_id, s.head, s.backend_id, count(e.seq), "
                    + "coalesce(sum(length(CAST(e.name AS BLOB)) + coalesce(length(CAST(e.args AS BLOB)), 0) "
                    + "+ length(CAST(e.client_id AS BLOB)) + length(CAST(e.session_id AS BLOB))), 0), "
                    + "max(e.created_at) FROM stores s LEFT JOIN events e ON e.store_id = s.store_id "
                    + "GROUP BY s.store_id ORDER BY s.store_id");
                    ResultSet rs = ps.executeQuery()) {
                List<StoreStats> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(new StoreStats(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4),
                            rs.getLong(5), rs.getString(6)));
                }
                return out;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list the stores: " + e.getMessage(), e);
        }
    }

    @Override
    public ImportOutcome importInto(String storeId, java.util.Iterator<Event> events) {
        writeLock.lock();
        boolean cached = metas.containsKey(storeId);
        try {
            writer.setAutoCommit(false); // a store row created here is rolled back with a refused import
            long next = 1;
            StoreMeta meta;
            try (PreparedStatement insert = writer.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
                    PreparedStatement head = writer.prepareStatement("UPDATE stores SET head = ? WHERE store_id = ?")) {
                meta = metaLocked(storeId);
                if (meta.head() != 0) {
                    throw new ImportProblem("store-not-empty", "store " + storeId + " has " + meta.head()
                            + " events; an import goes into an empty store only (delete or reset it first)");
                }
                String now = java.time.Instant.now().toString();
                int pending = 0;
                while (events.hasNext()) {
                    Event e = events.next();
                    EventStore.checkChain(e, next);
                    insert.setString(1, storeId);
                    insert.setLong(2, e.seq().global());
                    insert.setLong(3, e.parent().global());
                    insert.setString(4, e.name());
                    insert.setString(5, e.args().isMissingNode() ? null : JSON.writeValueAsString(e.args()));
                    insert.setString(6, e.clientId());
                    insert.setString(7, e.sessionId());
                    insert.setString(8, EventStore.createdAt(e, now));
                    insert.addBatch();
                    next++;
                    if (++pending == 500) { // bounded memory: the transaction holds the rows, not this process
                        insert.executeBatch();
                        pending = 0;
                    }
                }
                insert.executeBatch();
                head.setLong(1, next - 1);
                head.setString(2, storeId);
                head.executeUpdate();
                writer.commit();
            } catch (ImportProblem e) {
                rollbackImport(storeId, cached);
                return new ImportOutcome.Refused(e.code(), e.getMessage());
            } catch (SQLException | com.fasterxml.jackson.core.JsonProcessingException | RuntimeException e) {
                rollbackImport(storeId, cached);
                throw new IllegalStateException("import into " + storeId + " failed, nothing stored: "
                        + e.getMessage(), e);
            } finally {
                writer.setAutoCommit(true);
            }
            metas.put(storeId, new StoreMeta(next - 1, meta.backendId()));
            eventCount += next - 1;
            return new ImportOutcome.Imported(next - 1);
        } catch (SQLException e) {
            throw new IllegalStateException("import into " + storeId + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    private void rollbackImport(String storeId, boolean wasCached) throws SQLException {
        writer.rollback();
        if (!wasCached) {
            metas.remove(storeId); // the row metaLocked may have created is gone with the transaction
        }
    }

    @Override
    public boolean exists(String storeId) {
        readLock.lock();
        try (PreparedStatement ps = reader.prepareStatement("SELECT 1 FROM stores WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read store " + storeId + ": " + e.getMessage(), e);
        } finally {
            readLock.unlock();
        }
    }

    @Override
    public boolean delete(String storeId) {
        writeLock.lock();
        try {
            writer.setAutoCommit(false);
            try (PreparedStatement del = writer.prepareStatement("DELETE FROM events WHERE store_id = ?");
                    PreparedStatement row = writer.prepareStatement("DELETE FROM stores WHERE store_id = ?")) {
                del.setString(1, storeId);
                int deleted = del.executeUpdate();
                row.setString(1, storeId);
                boolean existed = row.executeUpdate() > 0;
                writer.commit();
                eventCount -= deleted;
                metas.remove(storeId);
                return existed;
            } catch (SQLException e) {
                writer.rollback();
                throw e;
            } finally {
                writer.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("delete of " + storeId + " failed: " + e.getMessage(), e);
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public List<Event> read(String storeId, long after, long upTo, int limit) {
        readLock.lock();
        try (PreparedStatement ps = reader.prepareStatement("SELECT seq, parent, name, args, client_id, session_id, "
                + "created_at FROM events WHERE store_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?")) {
            ps.setString(1, storeId);
            ps.setLong(2, after);
            ps.setLong(3, upTo);
            ps.setInt(4, limit);
            return readEvents(ps);
        } catch (SQLException e) {
            throw new IllegalStateException("read of " + storeId + " failed: " + e.getMessage(), e);
        } finally {
            readLock.unlock();
        }
    }

    static List<Event> readEvents(PreparedStatement ps) throws SQLException {
        List<Event> events = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                String args = rs.getString(4);
                JsonNode metadata = JsonNodeFactory.instance.objectNode().put("_tag", "SyncMessage.SyncMetadata")
                        .put("createdAt", rs.getString(7));
                events.add(new Event(EventSeq.ofGlobal(rs.getLong(1)), EventSeq.ofGlobal(rs.getLong(2)),
                        rs.getString(3), args == null ? MissingNode.getInstance() : parse(args), rs.getString(5),
                        rs.getString(6), new EventMeta(metadata)));
            }
        }
        return events;
    }

    static JsonNode parse(String text) {
        try {
            return JSON.readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("corrupt args in the server database: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public long eventCount() {
        writeLock.lock();
        try {
            return eventCount;
        } finally {
            writeLock.unlock();
        }
    }

    @Override
    public String describe() {
        return "sqlite:" + file;
    }

    @Override
    public void close() {
        writeLock.lock();
        readLock.lock();
        try {
            writer.close();
            reader.close();
        } catch (SQLException e) {
            throw new IllegalStateException("cannot close " + file + ": " + e.getMessage(), e);
        } finally {
            readLock.unlock();
            writeLock.unlock();
        }
    }
}
