package io.livesync.server;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 8: Pongs were queued without bound (they jump the queue, past the slow-consumer check), so a client
 * that sends Pings and never reads grew the server's heap for as long as it liked. Now a Pong counts against the same
 * per-socket bounds as every frame: the client is shed, logged and counted.
 */
class PongsToAClientThatDoesNotReadAreBoundedTest {

    @Test
    void aPingFloodFromAClientThatDoesNotReadIsShed(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).maxQueuedFramesPerConnection(16).logFile(dir.resolve("server.log"))
                .build());
                SocketWsClient flood = SocketWsClient.connect(server, SocketWsClient.storePath("p", "secret"), 4096)) {
            try {
                for (int i = 0; i < 300_000 && !server.metrics().render().contains("livesync_connections_shed_total 1");
                        i++) {
                    flood.sendText("{\"_tag\":\"Ping\"}");
                }
            } catch (java.io.IOException cut) {
                // the server cut the flooding client
            }
            ServerFixture.await("the flooding client is shed", () -> server.metrics().render()
                    .contains("livesync_connections_shed_total 1"));
        }
    }
}
