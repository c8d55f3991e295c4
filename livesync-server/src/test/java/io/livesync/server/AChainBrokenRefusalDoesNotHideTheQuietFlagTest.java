package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 (found by a review): a chain-broken refusal follows from the refusal before it and never becomes the
 * client's last push; if it did, its parent (beyond what the store holds) would hide the quiet-after-failed-push flag
 * of a client that stalls after losing a race. Stop-and-wait is the control.
 */
class AChainBrokenRefusalDoesNotHideTheQuietFlagTest {

    private static String marked(long from, long to, String text, boolean chainsOnPrevious) {
        String body = RawClient.batch(from, to, text);
        return body.substring(0, body.length() - 1) + ",\"chainsOnPrevious\":" + chainsOnPrevious + "}";
    }

    private static JsonNode answer(RawClient ws) throws Exception {
        String frame = ws.frames.poll(30, TimeUnit.SECONDS);
        assertThat(frame).isNotNull();
        return RawClient.JSON.readTree(frame);
    }

    private void scenario(Path dir, boolean pipelined) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                RawClient ws = RawClient.connect(http, server, "q", "secret")) {
            server.flagThresholds(ServerRaisesFlagsTest.FAST);
            assertThat(RawClient.httpPush(http, server, "q", "secret", RawClient.batch(1, 5, "foreign")).statusCode())
                    .isEqualTo(200);
            // the client's window: k at stale parent 0 (ServerAhead), then k1 chained onto it (chain-broken)
            ws.send(RawClient.pushFrame("q", "secret", "k", marked(1, 5, "mine", false)));
            if (pipelined) {
                ws.send(RawClient.pushFrame("q", "secret", "k1", marked(6, 10, "mine", true)));
            }
            assertThat(answer(ws).path("exit").path("cause").path("error").path("_tag").asText())
                    .isEqualTo("ServerAheadError");
            if (pipelined) {
                assertThat(answer(ws).path("exit").path("cause").path("error").path("_tag").asText())
                        .isEqualTo("ServerAheadError");
            }
            // the client now stalls (never pushes again): the quiet-after-failed-push flag is what should tell
            Thread.sleep(1500);
            server.flags().check();
            assertThat(server.activeFlags(Flags.QUIET)).as("a stalled client after a refused push is flagged; "
                    + "registry last pushes: " + server.facts().lastPushes("q")).isNotEmpty();
        }
    }

    @Test
    void controlStopAndWaitClientIsFlagged(@TempDir Path dir) throws Exception {
        scenario(dir, false);
    }

    @Test
    void pipelinedClientIsFlaggedToo(@TempDir Path dir) throws Exception {
        scenario(dir, true);
    }
}
