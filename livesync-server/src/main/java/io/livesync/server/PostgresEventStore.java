package io.livesync.server;

import io.livesync.hub.EventStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.livesync.core.Event;
import io.livesync.core.backend.Arbitration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * The scale-out event store: PostgreSQL through a HikariCP pool, shared by any number of server instances.
 * Arbitration locks the store's head row ({@code SELECT ... FOR UPDATE}) for the transaction that checks, appends and
 * advances the head, so exactly one of several concurrent pushers wins per head, whichever instance it reached.
 * Each accepted batch is announced with {@code pg_notify} in the same transaction (delivered only if it commits);
 * every instance LISTENs on a dedicated connection and publishes the new events to its own live pulls.
 * Tables live in {@code schema} (created or migrated on start), so tests and tenants can be isolated.
 */
public final class PostgresEventStore implements EventStore {

    private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,40}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String url;
    private final String schema;
    private final String channel;
    private final HikariDataSource pool;
    private final List<RemoteAdvanceListener> listeners = new CopyOnWriteArrayList<>();
    private final Thread listenerThread;
    private final String instance;
    private volatile boolean closed;

    public PostgresEventStore(String jdbcUrl, String schema) {
        this(jdbcUrl, schema, "server");
    }

    /**
     * @param instance this server instance's name: the LISTEN connection's {@code application_name} is
     *     {@code livesync-listen-<instance>}, so an operator can find it in {@code pg_stat_activity}
     */
    public PostgresEventStore(String jdbcUrl, String schema, String instance) {
        if (!SCHEMA.matcher(schema).matches()) {
            throw new IllegalArgumentException("postgres schema must match [a-z_][a-z0-9_]{0,40}, got \"" + schema + "\"");
        }
        this.url = jdbcUrl;
        this.schema = schema;
        this.instance = instance.replaceAll("[^A-Za-z0-9_.-]", "_");
        this.channel = "livesync_" + schema;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setMaximumPoolSize(8);
        config.setPoolName("livesync-" + schema);
        config.setConnectionInitSql("SET search_path TO " + schema);
        try (Connection c = DriverManager.getConnection(jdbcUrl); Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS " + schema);
            st.execute("SET search_path TO " + schema);
            st.execute("CREATE TABLE IF NOT EXISTS ls_server_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
            st.execute("INSERT INTO ls_server_meta VALUES ('format_version', '1') ON CONFLICT DO NOTHING");
            st.execute("CREATE TABLE IF NOT EXISTS stores (store_id TEXT PRIMARY KEY, head BIGINT NOT NULL, "
                    + "backend_id TEXT NOT NULL)");
            st.execute("CREATE TABLE IF NOT EXISTS events (store_id TEXT NOT NULL, seq BIGINT NOT NULL, "
                    + "parent BIGINT NOT NULL, name TEXT NOT NULL, args TEXT, client_id TEXT NOT NULL, "
                    + "session_id TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (store_id, seq))");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot prepare PostgreSQL at " + jdbcUrl + " (schema " + schema + "): "
                    + e.getMessage(), e);
        }
        this.pool = new HikariDataSource(config);
        this.listenerThread = io.livesync.core.Threads.startVirtual("livesync-pg-listen-" + schema, this::listen);
    }

    @Override
    public StoreMeta meta(String storeId) {
        try (Connection c = pool.getConnection()) {
            return ensureStore(c, storeId, false);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read store " + storeId + ": " + e.getMessage(), e);
        }
    }

    private static StoreMeta ensureStore(Connection c, String storeId, boolean forUpdate) throws SQLException {
        try (PreparedStatement insert = c.prepareStatement(
                "INSERT INTO stores VALUES (?, 0, ?) ON CONFLICT (store_id) DO NOTHING")) {
            insert.setString(1, storeId);
            insert.setString(2, UUID.randomUUID().toString());
            insert.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT head, backend_id FROM stores WHERE store_id = ?"
                + (forUpdate ? " FOR UPDATE" : ""))) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new StoreMeta(rs.getLong(1), rs.getString(2));
            }
        }
    }

    @Override
    public AppendOutcome append(String storeId, List<Event> batch, String createdAt, String expectedBackendId) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                StoreMeta meta = ensureStore(c, storeId, true); // the row lock serializes all instances
                if (expectedBackendId != null && !expectedBackendId.equals(meta.backendId())) {
                    c.rollback();
                    return new AppendOutcome.BackendIdMismatch(meta.backendId());
                }
                AppendOutcome outcome = switch (Arbitration.check(meta.head(), batch)) {
                    case Arbitration.Verdict.ServerAhead a -> new AppendOutcome.ServerAhead(a.head(), a.providedParent());
                    case Arbitration.Verdict.Invalid i -> new AppendOutcome.Invalid(i.problem());
                    case Arbitration.Verdict.Accept accept -> {
                        if (!batch.isEmpty()) {
                            insert(c, storeId, batch, createdAt);
                            try (PreparedStatement head = c.prepareStatement(
                                    "UPDATE stores SET head = ? WHERE store_id = ?");
                                    PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                                head.setLong(1, accept.newHead());
                                head.setString(2, storeId);
                                head.executeUpdate();
                                notify.setString(1, channel);
                                notify.setString(2, announcement(storeId, accept.newHead(), meta.backendId()));
                                notify.executeQuery().close();
                            }
                        }
                        yield new AppendOutcome.Accepted(accept.newHead());
                    }
                };
                c.commit();
                return outcome;
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("append to " + storeId + " failed, nothing stored: " + e.getMessage(), e);
        }
    }

    /** The NOTIFY payload: {@code "<head> <storeId> <backendId>"} (store ids and backend ids have no spaces). */
    private static String announcement(String storeId, long head, String backendId) {
        return head + " " + storeId + " " + backendId;
    }

    private static void insert(Connection c, String storeId, List<Event> batch, String createdAt) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Event e : batch) {
                ps.setString(1, storeId);
                ps.setLong(2, e.seq().global());
                ps.setLong(3, e.parent().global());
                ps.setString(4, e.name());
                try {
                    ps.setString(5, e.args().isMissingNode() ? null : JSON.writeValueAsString(e.args()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                    throw new IllegalArgumentException("cannot encode args of " + e.seq(), ex);
                }
                ps.setString(6, e.clientId());
                ps.setString(7, e.sessionId());
                ps.setString(8, createdAt);
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    @Override
    public StoreMeta reset(String storeId) {
        StoreMeta fresh = new StoreMeta(0, UUID.randomUUID().toString());
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM events WHERE store_id = ?");
                    PreparedStatement up = c.prepareStatement("INSERT INTO stores VALUES (?, 0, ?) "
                            + "ON CONFLICT (store_id) DO UPDATE SET head = 0, backend_id = EXCLUDED.backend_id")) {
                del.setString(1, storeId);
                del.executeUpdate();
                up.setString(1, storeId);
                up.setString(2, fresh.backendId());
                up.executeUpdate();
                try (PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    notify.setString(1, channel); // every instance learns of the new backend id and head 0
                    notify.setString(2, announcement(storeId, 0, fresh.backendId()));
                    notify.executeQuery().close();
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("reset of " + storeId + " failed: " + e.getMessage(), e);
        }
        return fresh;
    }

    @Override
    public List<StoreStats> stores() {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement("SELECT s.store_id, s.head, "
                + "s.backend_id, count(e.seq), coalesce(sum(octet_length(e.name) + coalesce(octet_length(e.args), 0) "
                + "+ octet_length(e.client_id) + octet_length(e.session_id)), 0), max(e.created_at) FROM stores s "
                + "LEFT JOIN events e ON e.store_id = s.store_id GROUP BY s.store_id, s.head, s.backend_id "
                + "ORDER BY s.store_id COLLATE \"C\"");
                ResultSet rs = ps.executeQuery()) {
            List<StoreStats> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(new StoreStats(rs.getString(1), rs.getLong(2), rs.getString(3), rs.getLong(4), rs.getLong(5),
                        rs.getString(6)));
            }
            return out;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot list the stores: " + e.getMessage(), e);
        }
    }

    @Override
    public ImportOutcome importInto(String storeId, java.util.Iterator<Event> events) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try {
                StoreMeta meta = ensureStore(c, storeId, true); // the head-row lock keeps pushes out until commit
                if (meta.head() != 0) {
                    c.rollback();
                    return new ImportOutcome.Refused("store-not-empty", "store " + storeId + " has " + meta.head()
                            + " events; an import goes into an empty store only (delete or reset it first)");
                }
                String now = java.time.Instant.now().toString();
                long next = 1;
                java.util.List<Event> chunk = new java.util.ArrayList<>();
                java.util.List<String> createdAts = new java.util.ArrayList<>();
                while (events.hasNext()) {
                    Event e = events.next();
                    EventStore.checkChain(e, next++);
                    chunk.add(e);
                    createdAts.add(EventStore.createdAt(e, now));
                    if (chunk.size() == 500) { // bounded memory: the transaction holds the rows, not this process
                        insertWithTimes(c, storeId, chunk, createdAts);
                    }
                }
                insertWithTimes(c, storeId, chunk, createdAts);
                try (PreparedStatement head = c.prepareStatement("UPDATE stores SET head = ? WHERE store_id = ?");
                        PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    head.setLong(1, next - 1);
                    head.setString(2, storeId);
                    head.executeUpdate();
                    notify.setString(1, channel); // other instances publish the imported events to their pulls
                    notify.setString(2, announcement(storeId, next - 1, meta.backendId()));
                    notify.executeQuery().close();
                }
                c.commit();
                return new ImportOutcome.Imported(next - 1);
            } catch (ImportProblem e) {
                c.rollback();
                return new ImportOutcome.Refused(e.code(), e.getMessage());
            } catch (SQLException | RuntimeException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("import into " + storeId + " failed, nothing stored: " + e.getMessage(), e);
        }
    }

    private static void insertWithTimes(Connection c, String storeId, java.util.List<Event> chunk,
            java.util.List<String> times) throws SQLException {
        if (chunk.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (int i = 0; i < chunk.size(); i++) {
                Event e = chunk.get(i);
                ps.setString(1, storeId);
                ps.setLong(2, e.seq().global());
                ps.setLong(3, e.parent().global());
                ps.setString(4, e.name());
                try {
                    ps.setString(5, e.args().isMissingNode() ? null : JSON.writeValueAsString(e.args()));
                } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
                    throw new IllegalArgumentException("cannot encode args of " + e.seq(), ex);
                }
                ps.setString(6, e.clientId());
                ps.setString(7, e.sessionId());
                ps.setString(8, times.get(i));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        chunk.clear();
        times.clear();
    }

    @Override
    public boolean exists(String storeId) {
        try (Connection c = pool.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT 1 FROM stores WHERE store_id = ?")) {
            ps.setString(1, storeId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read store " + storeId + ": " + e.getMessage(), e);
        }
    }

    @Override
    public boolean delete(String storeId) {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement del = c.prepareStatement("DELETE FROM events WHERE store_id = ?");
                    PreparedStatement row = c.prepareStatement("DELETE FROM stores WHERE store_id = ?");
                    PreparedStatement notify = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                del.setString(1, storeId);
                del.executeUpdate();
                row.setString(1, storeId);
                boolean existed = row.executeUpdate() > 0;
                notify.setString(1, channel); // other instances drop the store and close its sockets, as for a reset
                notify.setString(2, announcement(storeId, 0, "deleted-" + UUID.randomUUID()));
                notify.executeQuery().close();
                c.commit();
                return existed;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new IllegalStateException("delete of " + storeId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public List<Event> read(String storeId, long after, long upTo, int limit) {
        try (Connection c = pool.getConnection(); PreparedStatement ps = c.prepareStatement(
                "SELECT seq, parent, name, args, client_id, session_id, created_at FROM events "
                        + "WHERE store_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?")) {
            ps.setString(1, storeId);
            ps.setLong(2, after);
            ps.setLong(3, upTo);
            ps.setInt(4, limit);
            return SqliteEventStore.readEvents(ps);
        } catch (SQLException e) {
            throw new IllegalStateException("read of " + storeId + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long eventCount() {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT COALESCE(SUM(head), 0) FROM stores")) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            return -1;
        }
    }

    @Override
    public void onRemoteAdvance(RemoteAdvanceListener listener) {
        listeners.add(listener);
    }

    /**
     * LISTENs on a dedicated connection; reconnects after failures. Announcements made while it is down are lost, so
     * after every successful LISTEN the listeners are told to {@link RemoteAdvanceListener#resync resync}.
     */
    private void listen() {
        java.util.Properties props = new java.util.Properties();
        props.setProperty("ApplicationName", "livesync-listen-" + instance);
        while (!closed) {
            try (Connection c = DriverManager.getConnection(url, props); Statement st = c.createStatement()) {
                st.execute("LISTEN " + channel);
                for (RemoteAdvanceListener listener : listeners) {
                    listener.resync(); // after LISTEN: whatever is appended from now on is announced
                }
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] notifications = pg.getNotifications(500);
                    if (notifications == null) {
                        continue;
                    }
                    for (PGNotification n : notifications) {
                        String[] parts = n.getParameter().split(" ");
                        if (parts.length != 3) {
                            continue; // an announcement of an older version: the next resync covers it
                        }
                        long head = Long.parseLong(parts[0]);
                        for (RemoteAdvanceListener listener : listeners) {
                            listener.advanced(parts[1], head, parts[2]);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (!closed) {
                    for (RemoteAdvanceListener listener : listeners) {
                        listener.lost(e.toString());
                    }
                    try {
                        Thread.sleep(1000); // reconnect backoff
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    @Override
    public String describe() {
        return "postgresql:" + url.replaceAll("password=[^&]*", "password=***") + " schema=" + schema;
    }

    @Override
    public void close() {
        closed = true;
        pool.close();
        try {
            listenerThread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
