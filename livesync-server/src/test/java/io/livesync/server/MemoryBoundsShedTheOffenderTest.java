package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items B and 8: each per-connection bound sheds the offender (socket cut, {@code connection-shed} logged,
 * {@code livesync_connections_shed_total} counted) long before the send timeout: live pulls per socket, queued bytes
 * (not frames) of a slow reader on either protocol, and live events buffered during one catch-up.
 */
class MemoryBoundsShedTheOffenderTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static SyncServer server(Path dir) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir).tokens(Map.of("*", "secret"))
                .sendTimeout(Duration.ofMinutes(5)).maxQueuedBytesPerConnection(1 << 20).maxPullsPerConnection(4)
                .maxBufferedEventsPerPull(100).logFile(dir.resolve("server.log")).build());
    }

    private static void awaitShed(SyncServer server, Path dir, String reason) throws Exception {
        ServerFixture.await("a client is shed for " + reason, () -> server.metrics().render()
                .contains("livesync_connections_shed_total 1"), () -> server.metrics().render());
        assertThat(Files.readString(dir.resolve("server.log"))).contains("connection-shed").contains(reason);
    }

    private void fill(SyncServer server, String store, long events) throws Exception {
        String big = "x".repeat(60_000);
        for (long from = 1; from <= events; from += 16) {
            assertThat(RawClient.httpPush(http, server, store, "secret",
                    RawClient.batch(from, Math.min(events, from + 15), big)).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void onePullTooManyOnASocketShedsIt(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir);
                SocketWsClient c = SocketWsClient.connect(server, SocketWsClient.storePath("p", "secret"), 0)) {
            for (int i = 0; i < 5; i++) {
                c.sendText(RawClient.pullFrame("p", "secret", "p" + i, null, true));
            }
            awaitShed(server, dir, "too-many-pulls");
        }
    }

    @Test
    void aSlowReaderIsShedByQueuedBytesNotFrames(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir)) {
            fill(server, "b", 400);
            try (SocketWsClient slow = SocketWsClient.connect(server, SocketWsClient.storePath("b", "secret"), 8192)) {
                slow.sendText(RawClient.pullFrame("b", "secret", "p", null, true)); // 16 pages of ~1 MB, never read
                awaitShed(server, dir, "bytes queued");
            }
        }
    }

    @Test
    void aSlowProtocol03ReaderIsShedByQueuedBytes(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir);
                SocketWsClient slow = SocketWsClient.connect(server, "/sync/o/websocket?storeId=o&payload="
                        + RawClient.payloadParam("secret"), 8192)) {
            ServerFixture.await("the 0.3 follow subscription is live", () -> server.metrics().render()
                    .contains("livesync_live_subscribers 1"));
            fill(server, "o", 400); // every batch is sent to the 0.3 socket, which never reads
            awaitShed(server, dir, "bytes queued");
        }
    }

    @Test
    void aCatchUpThatBuffersTooManyLiveEventsShedsItsSocket(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir); RawClient c = RawClient.connect(http, server, "l", "secret")) {
            server.delayCatchUps(2000);
            try {
                c.pull("p", null, true);
                ServerFixture.await("the pull is registered", () -> server.metrics().render()
                        .contains("livesync_live_subscribers 1"));
                for (long from = 1; from <= 150; from += 50) {
                    assertThat(RawClient.httpPush(http, server, "l", "secret", RawClient.batch(from, from + 49, "x"))
                            .statusCode()).isEqualTo(200);
                }
                awaitShed(server, dir, "pull-buffer-overflow");
                ServerFixture.await("its socket is closed", () -> c.closed != null);
            } finally {
                server.delayCatchUps(0);
            }
        }
    }
}
