package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items B and G: a client that never reads was closed only minutes after the send timeout, the close was not
 * counted in {@code livesync_connections_shed_total}, and {@code livesync_connections_open} already said 0 while the
 * server's end stayed open. Now the send timeout sheds it: logged, counted, the connection cut at once.
 */
class SlowReadersAreShedAtTheSendTimeoutTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aClientThatDoesNotReadIsCutAtTheSendTimeoutAndCounted(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).sendTimeout(Duration.ofSeconds(1))
                .logFile(dir.resolve("server.log")).build())) {
            String big = "x".repeat(60_000);
            for (long from = 1; from <= 400; from += 16) {
                assertThat(RawClient.httpPush(http, server, "slow", "secret",
                        RawClient.batch(from, Math.min(400, from + 15), big)).statusCode()).isEqualTo(200);
            }
            try (SocketWsClient slow = SocketWsClient.connect(server, SocketWsClient.storePath("slow", "secret"), 8192)) {
                ServerFixture.await("the slow reader is open", () -> server.metrics().render()
                        .contains("livesync_connections_open 1"));
                slow.sendText(RawClient.pullFrame("slow", "secret", "p", null, true)); // ~24 MB it never reads
                ServerFixture.await("the slow reader is shed and counted", () -> server.metrics().render()
                        .contains("livesync_connections_shed_total 1"), () -> server.metrics().render());
                ServerFixture.await("its connection no longer counts as open", () -> server.metrics().render()
                        .contains("livesync_connections_open 0"));
                slow.readUntilClosed(); // returns: the server cut the connection (EOF), it does not hang
            }
            // the server still serves others
            assertThat(RawClient.httpPush(http, server, "other", "secret", RawClient.batch(1, 1, "x")).statusCode())
                    .isEqualTo(200);
        }
    }
}
