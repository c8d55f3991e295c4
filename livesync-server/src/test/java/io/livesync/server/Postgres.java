package io.livesync.server;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.UUID;

/** The PostgreSQL these machines run at 127.0.0.1:5432 (database test, trust auth); one fresh schema per test. */
final class Postgres {

    static final String URL = System.getProperty("livesync.postgres",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private Postgres() {}

    /** A new, empty schema name; dropped by {@link #drop}. */
    static String freshSchema(String prefix) {
        return (prefix + "_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10)).toLowerCase();
    }

    static void drop(String schema) {
        try (Connection c = DriverManager.getConnection(URL); Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (Exception e) {
            throw new IllegalStateException("cannot drop schema " + schema + ": " + e.getMessage(), e);
        }
    }
}
