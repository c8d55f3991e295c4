package io.livesync.client;

import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The undo triggers of {@link ClientDatabase}: TEMP triggers on every state table that, while an event is being
 * materialized ({@code temp.ls_recording} holds its position), record into {@code ls_undo} the SQL statement that
 * undoes each row change. Trigger names are unique per exact table name (issue #11 item 7).
 */
final class UndoTriggers {

    private UndoTriggers() {}

    static List<String> installAll(Connection conn) throws SQLException {
        List<String> stateTables = stateTableNames(conn);
        for (String table : stateTables) {
            install(conn, table);
        }
        return stateTables;
    }

    static List<String> stateTableNames(Connection conn) throws SQLException {
        List<String> tables = new ArrayList<>(tableNames(conn));
        tables.removeIf(t -> t.startsWith("ls_") || t.startsWith("sqlite_"));
        return tables;
    }

    private static Set<String> tableNames(Connection conn) throws SQLException {
        Set<String> names = new LinkedHashSet<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("SELECT name, sql FROM sqlite_master WHERE type='table' ORDER BY name")) {
            while (rs.next()) {
                String name = rs.getString(1);
                String sql = rs.getString(2);
                if (!name.startsWith("ls_") && !name.startsWith("sqlite_") && sql != null
                        && sql.toUpperCase(Locale.ROOT).contains("WITHOUT ROWID")) {
                    throw new StoreException("state table \"" + name + "\" is WITHOUT ROWID; livesync's undo log needs "
                            + "rowid tables");
                }
                names.add(name);
            }
        }
        return names;
    }

    /** TEMP triggers that log the inverse of each change made while an event is being materialized. */
    private static void install(Connection conn, String table) throws SQLException {
        List<String> columns = new ArrayList<>();
        try (Statement st = conn.createStatement();
                ResultSet rs = st.executeQuery("PRAGMA table_info(" + ClientDatabase.ident(table) + ")")) {
            while (rs.next()) {
                columns.add(rs.getString("name"));
            }
        }
        String t = ClientDatabase.ident(table);
        StringBuilder setOld = new StringBuilder("'UPDATE " + t.replace("'", "''") + " SET rowid=' || OLD.rowid");
        StringBuilder insertCols = new StringBuilder("rowid");
        StringBuilder insertVals = new StringBuilder("OLD.rowid");
        for (String c : columns) {
            String ci = ClientDatabase.ident(c).replace("'", "''");
            setOld.append(" || '," ).append(ci).append("=' || quote(OLD.").append(ClientDatabase.ident(c)).append(")");
            insertCols.append(",").append(ci);
            insertVals.append(" || ',' || quote(OLD.").append(ClientDatabase.ident(c)).append(")");
        }
        String lit = ClientDatabase.quote(table);
        String tl = t.replace("'", "''");
        String recording = "(SELECT seq_global FROM temp.ls_recording) IS NOT NULL";
        String insertUndo = "INSERT INTO main.ls_undo (seq_global, seq_client, tbl, stmt) "
                + "SELECT seq_global, seq_client, " + lit + ", ";
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TEMP TABLE IF NOT EXISTS ls_recording (seq_global INTEGER, seq_client INTEGER)");
            st.execute("INSERT INTO temp.ls_recording SELECT NULL, NULL WHERE NOT EXISTS (SELECT 1 FROM temp.ls_recording)");
            String name = triggerSuffix(table);
            createTrigger(st, "ls_undo_ins_" + name, table, "AFTER INSERT ON main." + t
                    + " WHEN " + recording + " BEGIN " + insertUndo
                    + "'DELETE FROM " + tl + " WHERE rowid=' || NEW.rowid FROM temp.ls_recording; END");
            createTrigger(st, "ls_undo_upd_" + name, table, "AFTER UPDATE ON main." + t
                    + " WHEN " + recording + " BEGIN " + insertUndo
                    + setOld + " || ' WHERE rowid=' || NEW.rowid FROM temp.ls_recording; END");
            createTrigger(st, "ls_undo_del_" + name, table, "AFTER DELETE ON main." + t
                    + " WHEN " + recording + " BEGIN " + insertUndo
                    + "'INSERT INTO " + tl + " (" + insertCols + ") VALUES (' || " + insertVals
                    + " || ')' FROM temp.ls_recording; END");
        }
    }

    /**
     * The part of a table's undo-trigger names that identifies the table: its name with every character outside
     * {@code [A-Za-z0-9_]} replaced by {@code _} (readable), then 8 hex digits of the SHA-256 of the exact name
     * (unique: {@code a-b} and {@code a_b} get different names).
     */
    static String triggerSuffix(String table) {
        byte[] digest = ClientDatabase.sha256().digest(table.getBytes(StandardCharsets.UTF_8));
        String hash = HexFormat.of().formatHex(digest).substring(0, 8);
        return table.replaceAll("[^A-Za-z0-9_]", "_") + "_" + hash;
    }

    /** Creates one undo trigger; a trigger of that name already existing is an error, never silently kept. */
    private static void createTrigger(Statement st, String name, String table, String body) throws SQLException {
        try {
            st.execute("CREATE TEMP TRIGGER " + name + " " + body);
        } catch (SQLException e) {
            throw new StoreException("cannot install the undo trigger " + name + " of state table \"" + table
                    + "\": " + e.getMessage() + " (without it, rollbacks of that table would be wrong)", e);
        }
    }
}
