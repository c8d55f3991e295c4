package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 (found by a review): a chain-broken refusal follows from the refusal before it and never becomes the
 * client's last push; if it did, its parent (beyond what the store holds) would hide the quiet-after-failed-push flag
 * of a client that stalls after losing a race. Stop-and-wait is the control.
 */
class AChainBrokenRefusalDoesNotHideTheQuietFlagTest {

    private void scenario(Path dir, boolean pipelined) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                RawClient ws = RawClient.connect(http, server, "q", "secret")) {
            server.flagThresholds(ServerRaisesFlagsTest.FAST);
            assertThat(RawClient.httpPush(http, server, "q", "secret", RawClient.batch(1, 5, "foreign")).statusCode())
                    .isEqualTo(200);
            // the client's window: k at stale parent 0 (ServerAhead), then k1 chained onto it (chain-broken)
            ws.send(RawClient.pushFrame("q", "secret", "k", RawClient.chainedBatch(1, 5, "mine", false)));
            if (pipelined) {
                ws.send(RawClient.pushFrame("q", "secret", "k1", RawClient.chainedBatch(6, 10, "mine", true)));
            }
            assertThat(ws.nextFrame().path("exit").path("cause").path("error").path("_tag").asText())
                    .isEqualTo("ServerAheadError");
            if (pipelined) {
                assertThat(ws.nextFrame().path("exit").path("cause").path("error").path("_tag").asText())
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
