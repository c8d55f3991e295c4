package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 (found by a review): a pipelined push refused as chain-broken stores nothing and is not charged to the
 * identity's rate limit, so the pushes a refused window drags down do not get the client's recovery push refused as
 * rate-limited.
 */
class ChainBrokenPushesSpendNoRateBudgetTest {

    private void scenario(Path dir, boolean pipelined) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).maxEventsPerSecondPerIdentity(10)
                .logFile(dir.resolve("server.log")).build());
                RawClient ws = RawClient.connect(http, server, "r", "secret")) {
            ws.send(RawClient.pushFrame("r", "secret", "f", RawClient.chainedBatch(1, 3, "foreign", false)));
            assertThat(ws.nextFrame().path("exit").path("_tag").asText()).isEqualTo("Success");
            // a stale window: k at parent 0 (ServerAhead), k1..k2 chained onto it (chain-broken: nothing stored)
            ws.send(RawClient.pushFrame("r", "secret", "k", RawClient.chainedBatch(1, 3, "mine", false)));
            if (pipelined) {
                ws.send(RawClient.pushFrame("r", "secret", "k1", RawClient.chainedBatch(4, 6, "mine", true)));
            }
            assertThat(ws.nextFrame().path("exit").path("cause").path("error").path("_tag").asText())
                    .isEqualTo("ServerAheadError");
            if (pipelined) {
                assertThat(ws.nextFrame().path("exit").path("cause").path("error").path("_tag").asText())
                        .isEqualTo("ServerAheadError");
            }
            // the client rebased: its events now go at the head (4..6)
            ws.send(RawClient.pushFrame("r", "secret", "again", RawClient.chainedBatch(4, 6, "mine", false)));
            JsonNode again = ws.nextFrame();
            assertThat(again.path("exit").path("_tag").asText()).as("the recovery push: " + again).isEqualTo("Success");
        }
    }

    @Test
    void controlWithoutTheDoomedChainedPush(@TempDir Path dir) throws Exception {
        scenario(dir, false);
    }

    @Test
    void theDoomedChainedPushShouldNotSpendTheBudget(@TempDir Path dir) throws Exception {
        scenario(dir, true);
    }
}
