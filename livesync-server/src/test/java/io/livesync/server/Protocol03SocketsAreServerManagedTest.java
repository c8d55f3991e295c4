package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 5: LiveStore 0.3 sockets were not registered with the server, so a store reset, dropConnections and
 * shutdown skipped them; and the 0.3 follow subscription dropped batches handed over before it had "started".
 */
class Protocol03SocketsAreServerManagedTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void dropResetAndShutdownCloseProtocol03Sockets(@TempDir Path dir) {
        SyncServer server = ServerFixture.sqlite(dir);
        try {
            try (RawClient dropped = RawClient.connect03(http, server, "s", "secret")) {
                ServerFixture.await("the socket is registered", () -> server.metrics().render()
                        .contains("livesync_connections_open 1"));
                server.dropConnections("s");
                ServerFixture.await("dropConnections closes it", () -> dropped.closed != null);
            }
            try (RawClient reset = RawClient.connect03(http, server, "s", "secret")) {
                ServerFixture.await("the socket is registered", () -> server.metrics().render()
                        .contains("livesync_connections_open 1"));
                server.resetStore("s");
                ServerFixture.await("a reset closes it", () -> reset.closed != null);
            }
            try (RawClient stopped = RawClient.connect03(http, server, "s", "secret")) {
                ServerFixture.await("the socket is registered", () -> server.metrics().render()
                        .contains("livesync_connections_open 1"));
                server.close();
                ServerFixture.await("shutdown closes it", () -> stopped.closed != null);
                assertThat(stopped.closed).startsWith("1001");
            }
        } finally {
            server.close();
        }
    }

    @Test
    void theFollowSubscriptionKeepsBatchesAcceptedDuringItsCatchUp(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            server.delayCatchUps(1500); // the follow subscription's catch-up is slow: live batches are buffered
            try (RawClient follower = RawClient.connect03(http, server, "f", "secret")) {
                ServerFixture.await("the follow subscription is registered", () -> server.metrics().render()
                        .contains("livesync_live_subscribers 1"));
                assertThat(RawClient.httpPush(http, server, "f", "secret", RawClient.batch(1, 1, "during"))
                        .statusCode()).isEqualTo(200);
                ServerFixture.await("the 0.3 socket receives event 1", () -> follower.all.stream()
                        .anyMatch(f -> f.contains("WSMessage.PullRes") && f.contains("\"seqNum\":1")),
                        () -> "frames: " + follower.all);
            } finally {
                server.delayCatchUps(0);
            }
        }
    }
}
