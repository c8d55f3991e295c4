package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14, pipelined pushes, on the real server over real sockets: a push marked {@code chainsOnPrevious} is stored
 * only on top of the previous push of the same socket. The hazard it guards: push k is refused because another client
 * took its positions, the other client's events end exactly where k ended, and push k+1 (parent = k's last event =
 * the server's head) would otherwise be stored on top of foreign events while k's events are missing.
 */
class PipelinedPushesAreStoredOnlyOnTheirChainTest {

    private static final String TOKEN = "secret";

    private static SyncServer start(Path dir) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir).tokens(Map.of("*", TOKEN))
                .logFile(dir.resolve("server.log")).build());
    }

    @Test
    void aPipelinedPushAfterARefusedOneIsRefusedEvenWhenItsParentIsTheHead(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = start(dir);
                RawClient other = RawClient.connect(http, server, "chain", TOKEN);
                RawClient ws = RawClient.connect(http, server, "chain", TOKEN)) {
            other.push("o1", 1, 5, "foreign");
            assertThat(other.nextFrame().path("exit").path("_tag").asText()).isEqualTo("Success");
            // the pipelining client still believes the head is 0: its window is 1..5, then 6..10 chained onto it
            ws.send(RawClient.pushFrame("chain", TOKEN, "k", RawClient.chainedBatch(1, 5, "mine", false)));
            ws.send(RawClient.pushFrame("chain", TOKEN, "k1", RawClient.chainedBatch(6, 10, "mine", true)));
            JsonNode first = ws.nextFrame();
            JsonNode second = ws.nextFrame();
            assertThat(first.path("requestId").asText()).isEqualTo("k");
            assertThat(first.path("exit").path("cause").path("error").path("_tag").asText())
                    .isEqualTo("ServerAheadError");
            assertThat(second.path("requestId").asText()).isEqualTo("k1");
            assertThat(second.path("exit").path("_tag").asText()).as("k1 chains onto e5, the head, yet k was refused")
                    .isEqualTo("Failure");
            assertThat(second.path("exit").path("cause").path("error").path("_tag").asText())
                    .isEqualTo("ServerAheadError");
            List<Event> log = server.eventStore().read("chain", 0, 100, 1000);
            assertThat(log).hasSize(5).allMatch(e -> e.args().path("text").asText().equals("foreign"));
        }
    }

    @Test
    void aWindowOfChainedPushesIsStoredAndOnlyLivesyncClientsAreToldChainsAreEnforced(@TempDir Path dir)
            throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = start(dir);
                RawClient ws = RawClient.connect(http, server, "window", TOKEN)) {
            ws.push("plain", 1, 2, "livestore"); // a LiveStore client's push: no member, plain acknowledgement
            JsonNode plain = ws.nextFrame();
            assertThat(plain.path("exit").path("_tag").asText()).isEqualTo("Success");
            assertThat(plain.path("exit").path("value").size()).as("LiveStore clients get {}").isZero();
            ws.send(RawClient.pushFrame("window", TOKEN, "w0", RawClient.chainedBatch(3, 4, "w", false)));
            for (int i = 1; i < 6; i++) {
                ws.send(RawClient.pushFrame("window", TOKEN, "w" + i, RawClient.chainedBatch(3 + 2L * i, 4 + 2L * i, "w", true)));
            }
            for (int i = 0; i < 6; i++) {
                JsonNode a = ws.nextFrame();
                assertThat(a.path("requestId").asText()).isEqualTo("w" + i);
                assertThat(a.path("exit").path("value").path("chainsEnforced").asBoolean()).isTrue();
            }
            assertThat(server.eventStore().read("window", 0, 100, 1000)).hasSize(14);
        }
    }

    @Test
    void aPipelinedPushOnANewSocketIsRefusedAndAMalformedMarkIsNamed(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = start(dir);
                RawClient first = RawClient.connect(http, server, "fresh", TOKEN)) {
            first.send(RawClient.pushFrame("fresh", TOKEN, "a", RawClient.chainedBatch(1, 3, "x", false)));
            assertThat(first.nextFrame().path("exit").path("_tag").asText()).isEqualTo("Success");
            try (RawClient second = RawClient.connect(http, server, "fresh", TOKEN)) {
                // chained onto e3, which the other socket stored: nothing was pushed on this socket yet
                second.send(RawClient.pushFrame("fresh", TOKEN, "b", RawClient.chainedBatch(4, 5, "x", true)));
                assertThat(second.nextFrame().path("exit").path("cause").path("error").path("_tag").asText())
                        .isEqualTo("ServerAheadError");
                String bad = RawClient.batch(4, 5, "x");
                second.send(RawClient.pushFrame("fresh", TOKEN, "c",
                        bad.substring(0, bad.length() - 1) + ",\"chainsOnPrevious\":\"yes\"}"));
                JsonNode malformed = second.nextFrame();
                assertThat(malformed.toString()).contains("malformed-frame").contains("payload.chainsOnPrevious");
            }
            assertThat(server.eventStore().read("fresh", 0, 100, 1000)).hasSize(3);
        }
    }
}
