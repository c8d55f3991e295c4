package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.JsonLog;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 2, the client's side: a server restored from an older copy answers the client's pull with
 * {@code cursor-ahead}; the client stops syncing with a named reason instead of retrying forever, keeps its data and
 * never pushes onto the older copy (which would fork the store).
 */
class ClientMeetsAServerRestoredFromAnOlderCopyTest {

    private static SyncServer server(Path dir, int port) {
        return SyncServer.start(ServerConfig.builder().port(port).dataDir(dir).tokens(Map.of("*", "secret"))
                .logFile(dir.resolve("server.log")).build());
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @Test
    void aCursorAheadPullStopsSyncingWithAReasonAndNoRetryLoop(@TempDir Path tmp) throws Exception {
        Path data = tmp.resolve("data");
        Path backup = tmp.resolve("backup");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        int port;
        try (SyncServer first = server(data, 0)) {
            port = first.port();
        }
        URI ws = URI.create("ws://127.0.0.1:" + port + "/sync/restored");
        try (Store a = Store.builder().storeId("restored").clientId("a").schema(TodoSchema.schema())
                .backend(WebSocketSyncBackend.builder(ws, "restored").authToken("secret").pingIntervalMillis(200)
                        .reconnectBackoff(10, 50).build())
                .pushResumePolicy(PushResumePolicy.SUPERVISED).log(JsonLog.toStream(log, true))
                .leader(l -> l.backoff(10, 50).stallAfterMillis(500).watchdogIntervalMillis(50)).build()) {
            try (SyncServer live = server(data, port)) {
                EndToEndSyncTest.commitTodos(a, "a", 2, 1);
                EndToEndSyncTest.awaitConverged(live, "restored", 2, a);
            }
            copy(data, backup); // an old copy of the store at head 2
            try (SyncServer live = server(data, port)) {
                EndToEndSyncTest.commitTodos(a, "b", 3, 1);
                EndToEndSyncTest.awaitConverged(live, "restored", 5, a);
            }
            copy(backup, data); // the operator restores the old copy: the server lost events 3-5
            try (SyncServer restored = server(data, port)) {
                ServerFixture.await("a stops syncing", () -> a.syncStatus().failure() != null,
                        () -> a.syncStatus().toString());
                assertThat(a.syncStatus().failure()).contains("cursor-ahead");
                a.commit(List.of(TodoSchema.created("after", "still works locally")));
                restored.dropConnections("restored"); // a reconnect must not start another refused pull
                ServerFixture.await("a reconnected", () -> a.syncStatus().connected());
                assertThat(restored.eventStore().meta("restored").head()).as("nothing pushed onto the old copy")
                        .isEqualTo(2);
                long refusals = log.toString(StandardCharsets.UTF_8).lines()
                        .filter(l -> l.contains("\"event\":\"sync-stopped\"")).count();
                assertThat(refusals).isEqualTo(1);
                assertThat(a.count("SELECT count(*) FROM todos")).isEqualTo(6);
            }
        }
    }
}
