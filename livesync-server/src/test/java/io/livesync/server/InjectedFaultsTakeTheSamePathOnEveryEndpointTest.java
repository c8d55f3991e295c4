package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #13, one push pipeline: fault injection is one decorator in front of the push path, so a fault means the same
 * on the 0.4 and the 0.3 socket (before, the 0.3 socket ignored the disconnect fault and stored the push), and HTTP
 * pushes are never faulted.
 */
class InjectedFaultsTakeTheSamePathOnEveryEndpointTest {

    @Test
    void theDisconnectFaultClosesBothSocketsBeforeStoringAndLeavesHttpAlone(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            server.faults((storeId, batch, head) -> PushFaults.Decision.disconnect());

            try (RawClient ws = RawClient.connect(http, server, "f4", "secret")) {
                ws.push("p1", 1, 1, "x");
                String frame = ws.frames.poll(30, TimeUnit.SECONDS);
                assertThat(frame).startsWith("CLOSE");
            }
            try (RawClient ws = RawClient.connect03(http, server, "f3", "secret")) {
                ws.send("{\"_tag\":\"WSMessage.PushReq\",\"requestId\":\"q1\",\"batch\":["
                        + RawClient.EVENT.formatted(1, "x", 1, 0) + "]}");
                String frame = ws.frames.poll(30, TimeUnit.SECONDS);
                assertThat(frame).as("the 0.3 socket is closed, not acked").startsWith("CLOSE");
            }
            assertThat(server.eventStore().meta("f4").head()).isZero();
            assertThat(server.eventStore().meta("f3").head()).isZero();

            assertThat(RawClient.httpPush(http, server, "fh", "secret", RawClient.batch(1, 2, "x")).statusCode())
                    .isEqualTo(200);
            assertThat(server.eventStore().meta("fh").head()).isEqualTo(2);
        }
    }
}
