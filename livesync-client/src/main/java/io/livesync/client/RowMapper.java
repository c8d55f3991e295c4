package io.livesync.client;

import java.sql.ResultSet;
import java.sql.SQLException;

/** Maps the current row of a query result. */
@FunctionalInterface
public interface RowMapper<T> {
    T map(ResultSet row) throws SQLException;
}
