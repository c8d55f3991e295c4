package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 3: a graceful stop (what SIGTERM runs) closed sockets while acks were still queued behind other
 * frames: the writer exited without flushing. A client whose socket is backed up (it stops reading during a 24 MB
 * catch-up) pushes; the push is accepted and its ack queued behind the catch-up pages; the server is stopped; the
 * client reads again and must receive the ack before the close.
 */
class GracefulShutdownFlushesQueuedAcksTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void stopWritesEveryQueuedAckBeforeClosing(@TempDir Path dir) throws Exception {
        SyncServer server = ServerFixture.sqlite(dir);
        try {
            String big = "x".repeat(60_000);
            for (long from = 1; from <= 400; from += 16) {
                long to = Math.min(400, from + 15);
                assertThat(RawClient.httpPush(http, server, "g", "secret", RawClient.batch(from, to, big))
                        .statusCode()).isEqualTo(200);
            }
            try (SocketWsClient client = SocketWsClient.connect(server, SocketWsClient.storePath("g", "secret"), 8192)) {
                // ~24 MB of catch-up that the client does not read: the server's writer backs up
                client.sendText(RawClient.pullFrame("g", "secret", "p", null, true));
                client.sendText(RawClient.pushFrame("g", "secret", "q", 401, 401, "after"));
                ServerFixture.await("the push is stored", () -> server.eventStore().meta("g").head() == 401);
                CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
                List<SocketWsClient.Frame> frames = client.readUntilClosed(); // the client reads again
                assertThat(frames).as("the ack of push q").anyMatch(f -> f.text().contains("\"requestId\":\"q\"")
                        && f.text().contains("\"Exit\"") && f.text().contains("Success"));
                assertThat(frames.getLast().opcode()).as("then a close frame").isEqualTo(8);
                assertThat(frames.getLast().text()).startsWith("1001");
                stopping.get();
            }
        } finally {
            server.close();
        }
    }
}
