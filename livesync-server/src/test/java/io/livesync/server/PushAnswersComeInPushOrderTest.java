package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14 (found by a review): the answers to one socket's pushes come in push order, also when a push is refused
 * while it is parsed (too many events, malformed): that refusal is answered in the push lane, behind the push before
 * it. Answered at once on the reader thread, it overtook the earlier push's ack, and a pipelining client took it as
 * its window's first failure and dropped a push the server then stored.
 */
class PushAnswersComeInPushOrderTest {

    @Test
    void answersComeInPushOrder(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).logFile(dir.resolve("server.log")).build());
                RawClient ws = RawClient.connect(http, server, "o", "secret")) {
            int reordered = 0;
            long head = 0;
            for (int round = 0; round < 20; round++) {
                ws.send(RawClient.pushFrame("o", "secret", "a" + round, RawClient.chainedBatch(head + 1, head + 3, "ok", false)));
                // chained onto a, 101 events: refused while parsed (too-many-events)
                ws.send(RawClient.pushFrame("o", "secret", "b" + round, RawClient.chainedBatch(head + 4, head + 104, "big", true)));
                JsonNode first = ws.nextFrame();
                JsonNode second = ws.nextFrame();
                if (!first.path("requestId").asText().startsWith("a")) {
                    reordered++;
                }
                head += 3;
                assertThat(first.toString() + second).contains("\"Success\"");
            }
            System.out.println("[order] rounds whose answers came out of push order: " + reordered + " of 20");
            assertThat(reordered).as("rounds where b's refusal overtook a's ack").isZero();
        }
    }
}
