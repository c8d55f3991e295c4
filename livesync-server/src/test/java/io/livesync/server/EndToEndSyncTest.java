package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two client stores converge through a real server over real sockets (SQLite event store). */
class EndToEndSyncTest {

    static Store client(URI ws, String storeId, String clientId, String token) {
        return Store.builder().storeId(storeId).clientId(clientId).schema(TodoSchema.schema())
                .backend(WebSocketSyncBackend.builder(ws, storeId).authToken(token).pingIntervalMillis(500)
                        .reconnectBackoff(50, 500).build())
                .pushResumePolicy(PushResumePolicy.SUPERVISED)
                .leader(l -> l.backoff(50, 500).backendPushBatchSize(50).stallAfterMillis(3000)
                        .watchdogIntervalMillis(500))
                .build();
    }

    static int commitTodos(Store store, String prefix, int n, int perCommit) {
        for (int i = 0; i < n; i += perCommit) {
            List<SessionLogic.PartialEvent> batch = new ArrayList<>();
            for (int j = i; j < Math.min(n, i + perCommit); j++) {
                batch.add(TodoSchema.created(prefix + "-" + j, prefix + " todo " + j));
            }
            store.commit(batch);
        }
        return n;
    }

    static void awaitConverged(SyncServer server, String storeId, long total, Store... stores) {
        ServerFixture.await("all clients hold " + total + " events and nothing pending", () -> {
            for (Store s : stores) {
                if (s.syncStatus().pendingCount() != 0 || s.syncStatus().upstreamHead().global() != total) {
                    return false;
                }
            }
            return true;
        }, () -> {
            StringBuilder sb = new StringBuilder("server head " + server.eventStore().meta(storeId).head() + "\n");
            for (Store s : stores) {
                sb.append(s.syncStatus()).append('\n');
            }
            return sb.toString();
        });
    }

    @Test
    void twoClientsConvergeThroughTheServer(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir);
                Store a = client(server.wsUri("e2e"), "e2e", "a", "secret");
                Store b = client(server.wsUri("e2e"), "e2e", "b", "secret")) {
            CountDownLatch start = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                Future<Integer> fa = pool.submit(() -> {
                    start.await();
                    return commitTodos(a, "a", 300, 7);
                });
                Future<Integer> fb = pool.submit(() -> {
                    start.await();
                    return commitTodos(b, "b", 200, 3);
                });
                start.countDown();
                fa.get();
                fb.get();
            }
            awaitConverged(server, "e2e", 500, a, b);
            assertThat(a.eventLogDigest()).isEqualTo(b.eventLogDigest());
            assertThat(a.stateDigest()).isEqualTo(b.stateDigest());
            assertThat(a.count("SELECT count(*) FROM todos")).isEqualTo(500);
            assertThat(server.eventStore().meta("e2e").head()).isEqualTo(500);
            assertThat(server.metrics().render()).contains("livesync_pushes_accepted_total");
        }
    }
}
