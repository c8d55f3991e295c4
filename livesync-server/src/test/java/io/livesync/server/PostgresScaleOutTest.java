package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two server instances on one PostgreSQL database; client A on one, client B on the other; both converge. */
class PostgresScaleOutTest {

    @Test
    void clientsOnTwoInstancesConverge(@TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("scaleout");
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", "secret"))
                .postgres(Postgres.URL, schema);
        try (SyncServer one = SyncServer.start(config.nodeId("server-1").logFile(dir.resolve("s1.log")).build());
                SyncServer two = SyncServer.start(config.nodeId("server-2").logFile(dir.resolve("s2.log")).build());
                Store a = EndToEndSyncTest.client(one.wsUri("shared"), "shared", "a", "secret");
                Store b = EndToEndSyncTest.client(two.wsUri("shared"), "shared", "b", "secret")) {
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                Future<Integer> fa = pool.submit(() -> EndToEndSyncTest.commitTodos(a, "a", 150, 5));
                Future<Integer> fb = pool.submit(() -> EndToEndSyncTest.commitTodos(b, "b", 150, 4));
                fa.get();
                fb.get();
            }
            EndToEndSyncTest.awaitConverged(one, "shared", 300, a, b);
            assertThat(a.eventLogDigest()).isEqualTo(b.eventLogDigest());
            assertThat(a.stateDigest()).isEqualTo(b.stateDigest());
            assertThat(one.metrics().pushesAccepted() + two.metrics().pushesAccepted()).isPositive();
            assertThat(two.metrics().pushesAccepted()).as("B pushed through the second instance").isPositive();
        } finally {
            Postgres.drop(schema);
        }
    }
}
