package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item G: undecodable and too-deep frames closed with 1003 although docs/protocol.md says 1007; a 41-digit
 * seqNum in a frame whose id is readable closed the socket instead of answering; the HTTP pull beyond the head
 * answered 200 with an empty page while the WebSocket pull says cursor-ahead.
 */
class ProtocolAnswersMatchTheDocsTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void framesWithoutAReadableIdCloseWith1007(@TempDir Path dir) {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            try (RawClient c = RawClient.connect(http, server, "g", "secret")) {
                c.send("this is not json");
                ServerFixture.await("closed", () -> c.closed != null);
                assertThat(c.closed).startsWith("1007 malformed-frame");
            }
            try (RawClient c = RawClient.connect(http, server, "g", "secret")) {
                c.send("[".repeat(100) + "]".repeat(100));
                ServerFixture.await("closed", () -> c.closed != null);
                assertThat(c.closed).startsWith("1007 too-deep");
            }
        }
    }

    @Test
    void aHugeSeqNumInAFrameWithAReadableIdIsAnsweredNotClosed(@TempDir Path dir) {
        try (SyncServer server = ServerFixture.sqlite(dir); RawClient c = RawClient.connect(http, server, "g", "secret")) {
            String push = RawClient.pushFrame("g", "secret", "big", 1, 1, "x")
                    .replace("\"seqNum\":1", "\"seqNum\":" + "9".repeat(41));
            c.send(push);
            ServerFixture.await("an answer to request big", () -> c.all.stream()
                    .anyMatch(f -> f.contains("\"requestId\":\"big\"")), () -> "frames " + c.all + " close " + c.closed);
            assertThat(c.all.stream().filter(f -> f.contains("\"requestId\":\"big\"")).findFirst().orElseThrow())
                    .contains("malformed-frame");
            c.push("ok", 1, 1, "x"); // the socket still works
            ServerFixture.await("the next push is acked", () -> c.all.stream()
                    .anyMatch(f -> f.contains("\"requestId\":\"ok\"") && f.contains("Success")));
            assertThat(c.closed).isNull();
        }
    }

    @Test
    void theHttpPullBeyondTheHeadSaysCursorAheadLikeTheWebSocketPull(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            assertThat(RawClient.httpPush(http, server, "g", "secret", RawClient.batch(1, 2, "x")).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/sync/g/pull?cursor=5"))
                    .header("Authorization", "Bearer secret").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
            assertThat(RawClient.JSON.readTree(r.body()).path("code").asText()).isEqualTo("cursor-ahead");
            try (RawClient c = RawClient.connect(http, server, "g", "secret")) {
                c.send(RawClient.pullFrame("g", "secret", "p", 5L, false).replace("\"backendId\":null",
                        "\"backendId\":\"" + server.eventStore().meta("g").backendId() + "\""));
                ServerFixture.await("the WebSocket pull answers", () -> c.all.stream()
                        .anyMatch(f -> f.contains("\"requestId\":\"p\"")));
                assertThat(c.all).anyMatch(f -> f.contains("cursor-ahead"));
            }
        }
    }
}
