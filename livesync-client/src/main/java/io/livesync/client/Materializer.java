package io.livesync.client;

import io.livesync.core.Event;
import java.sql.SQLException;

/** Turns one event into SQL writes on the state tables. Must be deterministic: it is replayed and re-applied. */
@FunctionalInterface
public interface Materializer {
    void apply(Event event, SqlWriter sql) throws SQLException;
}
