package io.livesync.client;

import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The log of a store, chunk by chunk in log order, for a rebuild. {@link #inline} reads on the rebuild's own
 * connection; {@link #aside} reads ahead on a second, read-only connection and one reader thread, at most a few
 * chunks ahead, so that reading and parsing the log overlap with materializing it. The reader connection only ever
 * runs SELECTs ({@code PRAGMA query_only}), so the rebuild's transaction and its crash safety are unchanged.
 */
abstract sealed class RebuildLogReader implements AutoCloseable {

    private static final String AFTER = "WHERE (seq_global, seq_client) > (?, ?)"; // a range on the primary key

    /** The next chunk; empty at the end of the log. */
    abstract List<Event> next() throws SQLException;

    @Override
    public abstract void close();

    static RebuildLogReader inline(Connection conn, int chunk) {
        return new Inline(conn, chunk);
    }

    static RebuildLogReader aside(String url, int chunk) throws SQLException {
        java.util.Properties properties = new java.util.Properties();
        properties.setProperty("jdbc.get_generated_keys", "false");
        Connection reader = DriverManager.getConnection(url, properties);
        try (Statement st = reader.createStatement()) {
            st.execute("PRAGMA query_only=1");
            st.execute("PRAGMA busy_timeout=5000");
        } catch (SQLException e) {
            try {
                reader.close();
            } catch (SQLException ignored) {
                // already failing
            }
            throw e;
        }
        return new Aside(reader, chunk);
    }

    private static List<Event> read(Connection conn, EventSeq cursor, int chunk) throws SQLException {
        return cursor == null ? ClientDatabase.readEvents(conn, "", chunk)
                : ClientDatabase.readEvents(conn, AFTER, chunk, cursor.global(), cursor.client());
    }

    private static final class Inline extends RebuildLogReader {
        private final Connection conn;
        private final int chunk;
        private EventSeq cursor;

        Inline(Connection conn, int chunk) {
            this.conn = conn;
            this.chunk = chunk;
        }

        @Override
        List<Event> next() throws SQLException {
            List<Event> events = read(conn, cursor, chunk);
            if (!events.isEmpty()) {
                cursor = events.getLast().seq();
            }
            return events;
        }

        @Override
        public void close() { }
    }

    private static final class Aside extends RebuildLogReader {
        /** Chunks read ahead (each a {@code List<Event>}; an empty one ends the log) or the reader's failure. */
        private final BlockingQueue<Object> ahead = new ArrayBlockingQueue<>(4);
        private final Thread thread;
        private boolean ended;

        Aside(Connection reader, int chunk) {
            this.thread = io.livesync.core.Threads.startVirtual("livesync-rebuild-reader", () -> {
                try (reader) {
                    EventSeq cursor = null;
                    while (true) {
                        List<Event> events = read(reader, cursor, chunk);
                        ahead.put(events);
                        if (events.isEmpty()) {
                            return;
                        }
                        cursor = events.getLast().seq();
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt(); // closed early: the rebuild failed or was abandoned
                } catch (SQLException | RuntimeException | Error e) {
                    // whatever ends this thread reaches the rebuild, or next() would wait forever
                    ahead.clear();
                    ahead.offer(e);
                }
            });
        }

        @Override
        List<Event> next() throws SQLException {
            if (ended) {
                return List.of();
            }
            Object item;
            try {
                item = ahead.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SQLException("interrupted while reading the log for a rebuild", e);
            }
            switch (item) {
                case SQLException e -> throw new SQLException("reading the log for a rebuild: " + e.getMessage(), e);
                case RuntimeException e -> throw e;
                case Error e -> throw new SQLException("the thread reading the log for a rebuild failed: " + e, e);
                default -> { }
            }
            @SuppressWarnings("unchecked")
            List<Event> events = (List<Event>) item;
            ended = events.isEmpty();
            return events;
        }

        /** Stops the reader (if it is still reading) and waits until its connection is closed. */
        @Override
        public void close() {
            thread.interrupt();
            ahead.clear();
            try {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
