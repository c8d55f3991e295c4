package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.BackendResetPolicy;
import io.livesync.core.leader.PushResumePolicy;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #16: the store behind a URL is replaced by a new one (a reset or a restore as a new store: a new backend id);
 * each client does what its {@link BackendResetPolicy} says, against the real server on SQLite and on PostgreSQL.
 */
class ClientsFollowAResetStoreTest {

    private static SyncServer server(String kind, Path dir, int port, String pgSchema) {
        ServerConfig.Builder b = ServerConfig.builder().port(port).tokens(Map.of("*", "secret"))
                .logFile(dir.resolve("server-" + port + "-" + System.nanoTime() + ".log"));
        return SyncServer.start(kind.equals("sqlite") ? b.dataDir(dir).build()
                : b.postgres(Postgres.URL, pgSchema).build());
    }

    private static Store client(URI ws, String clientId, BackendResetPolicy policy) {
        return Store.builder().storeId("reset").clientId(clientId).schema(TodoSchema.schema())
                .backend(WebSocketSyncBackend.builder(ws, "reset").authToken("secret").pingIntervalMillis(200)
                        .reconnectBackoff(10, 50).build())
                .pushResumePolicy(PushResumePolicy.SUPERVISED).backendResetPolicy(policy)
                .leader(l -> l.backoff(10, 50).stallAfterMillis(1000).watchdogIntervalMillis(100)).build();
    }

    private static List<String> ids(Store s) {
        return s.query("SELECT id FROM todos ORDER BY id", rs -> rs.getString(1));
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void eachClientFollowsItsPolicyWhenTheStoreIsReplaced(String kind, @TempDir Path tmp) throws Exception {
        String oldSchema = Postgres.freshSchema("reset_old");
        String newSchema = Postgres.freshSchema("reset_new");
        int port;
        try (SyncServer probe = server("sqlite", tmp.resolve("probe"), 0, null)) {
            port = probe.port();
        }
        URI ws = URI.create("ws://127.0.0.1:" + port + "/sync/reset");
        try (Store rehome = client(ws, "rehome", BackendResetPolicy.REHOME_PENDING);
                Store resetLocal = client(ws, "reset-local", BackendResetPolicy.RESET_LOCAL);
                Store shutdown = client(ws, "shutdown", BackendResetPolicy.SHUTDOWN)) {
            try (SyncServer old = server(kind, tmp.resolve("old"), port, oldSchema)) {
                EndToEndSyncTest.commitTodos(rehome, "old", 3, 1);
                EndToEndSyncTest.awaitConverged(old, "reset", 3, rehome, resetLocal, shutdown);
            }
            // offline: work that the old store never saw
            rehome.commit(List.of(TodoSchema.created("rehome-1", "kept")));
            resetLocal.commit(List.of(TodoSchema.created("lost-1", "dropped by RESET_LOCAL")));
            try (SyncServer fresh = server(kind, tmp.resolve("new"), port, newSchema)) {
                ServerFixture.await("SHUTDOWN stops syncing", () -> shutdown.syncStatus().failure() != null,
                        () -> shutdown.syncStatus().toString());
                assertThat(shutdown.syncStatus().failure()).contains("backend-id-mismatch");
                ServerFixture.await("the new store gets rehome's unconfirmed event",
                        () -> fresh.eventStore().meta("reset").head() == 1
                                && rehome.syncStatus().pendingCount() == 0
                                && resetLocal.syncStatus().upstreamHead().global() == 1,
                        () -> rehome.syncStatus() + "\n" + resetLocal.syncStatus());
                assertThat(ids(rehome)).as("confirmed history dropped, local work kept").containsExactly("rehome-1");
                assertThat(ids(resetLocal)).as("everything dropped, the new store synced")
                        .containsExactly("rehome-1");
                assertThat(ids(shutdown)).as("SHUTDOWN keeps its data readable")
                        .containsExactly("old-0", "old-1", "old-2");
                assertThat(rehome.checkStateMatchesReplay()).isNull();
                assertThat(resetLocal.checkStateMatchesReplay()).isNull();
                assertThat(rehome.syncStatus().backendId()).isEqualTo(fresh.eventStore().meta("reset").backendId());
                rehome.commit(List.of(TodoSchema.created("rehome-2", "after")));
                EndToEndSyncTest.awaitConverged(fresh, "reset", 2, rehome, resetLocal);
            }
        } finally {
            if (kind.equals("postgres")) {
                Postgres.drop(oldSchema);
                Postgres.drop(newSchema);
            }
        }
    }
}
