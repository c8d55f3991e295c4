package io.livesync.cli;

import io.livesync.client.ClientSchema;
import io.livesync.client.RebuildProgress;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code livesync bench rebuild}: a store file whose log holds N confirmed {@code v1.TodoCreated} events (and the
 * state they built) is opened with a schema whose materializer version changed, which rebuilds the state from the
 * log; prints events/s against the floor of writing the same number of state rows at 10,000 rows per transaction,
 * measured in the same run.
 */
@Command(name = "rebuild", mixinStandardHelpOptions = true,
        description = "Schema-change rebuild of N events from the log (events/s), against the raw sqlite-jdbc insert "
                + "rate at 10,000 rows per transaction measured in the same run; shows the rebuild's progress bar.")
final class RebuildBenchmark implements Callable<Integer> {

    @Option(names = "--events", defaultValue = "1000000", description = "N events in the log (default ${DEFAULT-VALUE})")
    int events;

    @Option(names = "--dir", description = "folder for the benchmark databases (default: a temp folder)")
    Path dir;

    @Option(names = "--quiet", description = "no progress, only the results")
    boolean quiet;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (events < 1000) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--events must be >= 1000, got " + events);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path folder = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("livesync-bench");
        out.printf("livesync bench rebuild  (java %s, %d cores, files in %s)%n", System.getProperty("java.version"),
                Runtime.getRuntime().availableProcessors(), folder);
        out.flush();
        java.util.Properties noKeys = new java.util.Properties();
        noKeys.setProperty("jdbc.get_generated_keys", "false"); // as the store's own connection
        double raw = ClientBenchmark.rawInsertRate(folder.resolve("raw.db"), 10_000, events, noKeys);
        out.printf("floor: raw sqlite-jdbc insert, WAL synchronous=NORMAL, no generated keys, 10,000 rows/tx, %,d rows: "
                + "%,.0f rows/s%n", events, raw);
        Path file = folder.resolve("rebuild.db");
        prepare(file, events);
        out.printf("prepared %s: %,d confirmed events and their state, built by the v1 schema%n", file, events);
        out.flush();
        long[] startedAt = new long[1];
        long start = System.nanoTime();
        try (Store store = Store.builder().storeId("bench").clientId("bench").schema(v2())
                .storage(Storage.file(file)).rebuildListener(progressBar(spec.commandLine().getErr(), startedAt, quiet))
                .build()) {
            double seconds = (System.nanoTime() - start) / 1e9;
            long rows = store.count("SELECT count(*) FROM todos");
            if (rows != events) {
                throw new IllegalStateException("the rebuilt state has " + rows + " todos, expected " + events);
            }
            double rebuildSeconds = (System.nanoTime() - startedAt[0]) / 1e9;
            out.printf("rebuild of %,d events: %.2f s open-to-usable (%.2f s from the start of the rebuild), "
                    + "%,.0f events/s%n", events, seconds, rebuildSeconds, events / seconds);
            out.printf("ratio floor / rebuild: %.2fx (target <= 2x)%n", raw / (events / seconds));
        }
        out.flush();
        return 0;
    }

    /** A store file with a log of {@code n} confirmed TodoCreated events and the state the v1 schema built. */
    private static void prepare(Path file, int n) throws Exception {
        Files.deleteIfExists(file);
        Files.deleteIfExists(Path.of(file + "-wal"));
        Store.builder().storeId("bench").clientId("bench").schema(TodoSchema.schema()).storage(Storage.file(file))
                .build().close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + file)) {
            try (Statement st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=NORMAL");
            }
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO ls_eventlog (seq_global, seq_client, "
                    + "seq_gen, parent_global, parent_client, parent_gen, name, args, client_id, session_id) "
                    + "VALUES (?, 0, 0, ?, 0, 0, ?, ?, 'bench', 'session-bench')")) {
                for (int i = 1; i <= n; i++) {
                    ps.setLong(1, i);
                    ps.setLong(2, i - 1);
                    ps.setString(3, TodoSchema.TODO_CREATED);
                    ps.setString(4, "{\"id\":\"t" + i + "\",\"text\":\"todo number " + i + "\"}");
                    ps.executeUpdate();
                    if (i % 10_000 == 0) {
                        c.commit();
                    }
                }
            }
            try (Statement st = c.createStatement()) {
                st.execute("INSERT INTO todos (id, text) SELECT json_extract(args, '$.id'), "
                        + "json_extract(args, '$.text') FROM ls_eventlog");
                st.execute("UPDATE ls_sync_status SET backend_head = " + n + " WHERE id = 1");
            }
            c.commit();
        }
    }

    /** The todo schema with the materializer of {@code v1.TodoCreated} at version 2 (same SQL): a rebuild. */
    private static ClientSchema v2() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE ui_state (id INTEGER PRIMARY KEY CHECK (id = 1), filter TEXT NOT NULL)")
                .event(EventDefinition.synced(TodoSchema.TODO_CREATED, ArgsValidator.stringMembers("id", "text")), 2,
                        (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("text").asText()))
                .build();
    }

    /**
     * A text progress bar on {@code err}, redrawn at every whole percent; on a redirected output (no terminal) only
     * a line per tenth, never a bar; nothing but the start time with {@code quiet}.
     */
    static Consumer<RebuildProgress> progressBar(PrintWriter err, long[] startedAt, boolean quiet) {
        int[] shown = {-1};
        boolean terminal = Progress.stderrIsTerminal();
        return p -> {
            if (quiet) {
                if (p instanceof RebuildProgress.Started) {
                    startedAt[0] = System.nanoTime();
                }
                return;
            }
            switch (p) {
                case RebuildProgress.Started s -> {
                    startedAt[0] = System.nanoTime();
                    err.printf("rebuilding the state from the log: %s%n", s.reason());
                }
                case RebuildProgress.Replayed r -> {
                    int percent = (int) (100 * r.replayed() / Math.max(1, r.totalEvents()));
                    if (!terminal) {
                        if (percent / 10 != shown[0] / 10 || shown[0] < 0) {
                            shown[0] = percent;
                            err.printf("%3d%% %,d/%,d events%n", percent, r.replayed(), r.totalEvents());
                        }
                    } else if (percent != shown[0]) {
                        shown[0] = percent;
                        int filled = percent / 5;
                        err.printf("\r[%s%s] %3d%% %,d/%,d events", "#".repeat(filled), " ".repeat(20 - filled),
                                percent, r.replayed(), r.totalEvents());
                        err.flush();
                    }
                }
                case RebuildProgress.Committing c -> err.printf(terminal ? "%ncommitting%n" : "committing%n");
                case RebuildProgress.Finished f -> err.printf("rebuilt %,d events%n", f.totalEvents());
            }
            err.flush();
        };
    }
}
