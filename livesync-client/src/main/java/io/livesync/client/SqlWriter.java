package io.livesync.client;

import java.sql.SQLException;

/** What a {@link Materializer} may do: run parameterized SQL against the state tables, inside the leader's transaction. */
public interface SqlWriter {
    /** Executes one statement with positional parameters; returns the number of rows changed. */
    int execute(String sql, Object... params) throws SQLException;
}
