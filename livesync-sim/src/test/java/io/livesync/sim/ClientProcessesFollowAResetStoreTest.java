package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #16 with real client processes: three livesync client JVMs, one per {@code BackendResetPolicy}, while the
 * operator resets their store (a new backend id, an empty log), on SQLite and on PostgreSQL.
 */
class ClientProcessesFollowAResetStoreTest {

    private static final String PG = System.getProperty("livesync.postgres",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");

    private static NodeProcess client(String name, String policy, SyncServer server, String store, Path dir)
            throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("store", store);
        opts.put("client", name);
        opts.put("url", "ws://127.0.0.1:" + server.port());
        opts.put("token", "secret");
        opts.put("storage", "file:" + dir.resolve(name + ".db"));
        opts.put("reset-policy", policy);
        opts.put("log", dir.resolve(name + ".log").toString());
        return NodeProcess.start(name, opts, dir.resolve(name + ".err"), Map.of());
    }

    private static JsonNode status(NodeProcess p) throws IOException {
        return p.call("{\"cmd\":\"status\",\"ids\":true}");
    }

    private static List<String> ids(NodeProcess p) throws IOException {
        List<String> ids = new ArrayList<>();
        status(p).path("ids").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    private static void await(String what, BooleanSupplier condition, java.util.function.Supplier<String> why)
            throws InterruptedException {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\n" + why.get());
            }
            Thread.sleep(20); // polling interval of a bounded wait
        }
    }

    private static BooleanSupplier quietly(IoCondition c) {
        return () -> {
            try {
                return c.test();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };
    }

    private interface IoCondition {
        boolean test() throws IOException;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void threeClientProcessesEachFollowTheirPolicy(String kind, @TempDir Path dir) throws Exception {
        String schema = "reset_proc_" + UUID.randomUUID().toString().replace("-", "").substring(0, 8);
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", "secret"))
                .logFile(dir.resolve("server.log"));
        config = kind.equals("sqlite") ? config.dataDir(dir.resolve("data")) : config.postgres(PG, schema);
        String store = "procs";
        try (SyncServer server = SyncServer.start(config.build());
                NodeProcess rehome = client("rehome", "rehome-pending", server, store, dir);
                NodeProcess resetLocal = client("reset-local", "reset-local", server, store, dir);
                NodeProcess shutdown = client("shutdown", "shutdown", server, store, dir)) {
            rehome.call("{\"cmd\":\"create\",\"count\":3,\"batch\":1,\"prefix\":\"old\"}");
            await("all three hold the 3 old todos", quietly(() -> status(rehome).path("todos").asInt() == 3
                    && status(resetLocal).path("todos").asInt() == 3 && status(shutdown).path("todos").asInt() == 3
                    && status(rehome).path("pending").asInt() == 0), () -> "");
            server.resetStore(store); // the operator's reset: new backend id, empty log, sockets closed
            rehome.call("{\"cmd\":\"create\",\"count\":1,\"batch\":1,\"prefix\":\"kept\"}");
            await("SHUTDOWN stops", quietly(() -> status(shutdown).has("failure")), () -> "");
            await("the new store holds rehome's new event and reset-local follows it", quietly(() ->
                    server.eventStore().meta(store).head() == 1 && ids(rehome).equals(List.of("kept-3"))
                            && ids(resetLocal).equals(List.of("kept-3"))), () -> {
                                try {
                                    return status(rehome) + "\n" + status(resetLocal);
                                } catch (IOException e) {
                                    return e.toString();
                                }
                            });
            assertThat(status(shutdown).path("failure").asText()).contains("backend-id-mismatch");
            assertThat(ids(shutdown)).as("SHUTDOWN keeps its data readable").containsExactly("old-0", "old-1", "old-2");
            assertThat(status(rehome).path("stateDigest").asText()).isEqualTo(status(resetLocal).path("stateDigest")
                    .asText());
        } finally {
            if (kind.equals("postgres")) {
                try (var c = java.sql.DriverManager.getConnection(PG); var st = c.createStatement()) {
                    st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
        }
    }
}
