package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server is stopped and started again on the same data in the middle of a sync; clients recover by themselves. */
class ServerRestartTest {

    @Test
    void clientsReconnectAndConvergeWithNothingLostOrDuplicated(@TempDir Path dir) {
        ServerConfig.Builder config = ServerConfig.builder().dataDir(dir.resolve("data")).tokens(Map.of("*", "secret"));
        SyncServer first = SyncServer.start(config.port(0).logFile(dir.resolve("server-1.log")).build());
        int port = first.port();
        try (Store a = EndToEndSyncTest.client(first.wsUri("restart"), "restart", "a", "secret");
                Store b = EndToEndSyncTest.client(first.wsUri("restart"), "restart", "b", "secret")) {
            EndToEndSyncTest.commitTodos(a, "a1", 60, 3);
            EndToEndSyncTest.commitTodos(b, "b1", 40, 2);
            ServerFixture.await("some events reached the server", () -> first.eventStore().meta("restart").head() > 0);
            first.close(); // graceful: accepted pushes are acked, sockets closed
            EndToEndSyncTest.commitTodos(a, "a2", 30, 5); // while the server is down
            EndToEndSyncTest.commitTodos(b, "b2", 20, 5);
            try (SyncServer second = SyncServer.start(config.port(port).logFile(dir.resolve("server-2.log")).build())) {
                EndToEndSyncTest.awaitConverged(second, "restart", 150, a, b);
                assertThat(a.eventLogDigest()).isEqualTo(b.eventLogDigest());
                assertThat(a.count("SELECT count(*) FROM todos")).isEqualTo(150);
                assertThat(second.eventStore().meta("restart").head()).isEqualTo(150);
                assertThat(a.syncStatus().connected()).isTrue();
            }
        } finally {
            first.close();
        }
    }
}
