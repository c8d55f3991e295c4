package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-identity limits on the real server: the push over the limit is answered rate-limited with retryAfterMillis on
 * HTTP and WebSocket, stores nothing, is audited, and is counted per store (no per-user label).
 */
class PerIdentityRateLimitsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aSecondPushWithinTheLimitWindowIsRateLimitedWithWhenToRetry(@TempDir Path dir) throws Exception {
        // 0.1 pushes per second: one push, then the next fits only 10 s later, far beyond this test's pace
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).jwtHs256Secret(Jwts.SECRET.getBytes(StandardCharsets.UTF_8))
                .maxPushesPerSecondPerIdentity(0.1).logFile(dir.resolve("server.log")).build())) {
            String alice = Jwts.readWrite("alice", "s", "t");
            assertThat(RawClient.httpPush(http, server, "s", alice, RawClient.batch(1, 1, "a")).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> limited = RawClient.httpPush(http, server, "s", alice, RawClient.batch(2, 2, "a"));
            assertThat(limited.statusCode()).isEqualTo(429);
            JsonNode body = JSON.readTree(limited.body());
            assertThat(body.get("code").asText()).isEqualTo("rate-limited");
            assertThat(body.get("retryAfterMillis").asLong()).isBetween(1L, 10_000L);
            assertThat(limited.headers().firstValue("Retry-After")).isPresent();
            try (RawClient ws = RawClient.connect(http, server, "t", alice)) {
                ws.push("1", 1, 1, "w");
                String answer = "";
                while (!answer.contains("\"requestId\":\"1\"")) {
                    answer = ws.frames.poll(30, TimeUnit.SECONDS);
                    assertThat(answer).isNotNull();
                }
                JsonNode cause = JSON.readTree(answer).at("/exit/cause/error/cause");
                assertThat(cause.get("code").asText()).isEqualTo("rate-limited");
                assertThat(cause.get("retryAfterMillis").asLong()).isBetween(1L, 10_000L);
            }
            // another identity is not limited by alice's pushes
            assertThat(RawClient.httpPush(http, server, "t", Jwts.readWrite("bob", "t"), RawClient.batch(1, 1, "b"))
                    .statusCode()).isEqualTo(200);
            assertThat(server.eventStore().meta("s").head()).isEqualTo(1);
            assertThat(server.metrics().rateLimited("s")).isEqualTo(1);
            assertThat(server.metrics().rateLimited("t")).isEqualTo(1);
            String metrics = server.metrics().render();
            assertThat(metrics).contains("livesync_rate_limited_total{store=\"s\"} 1").doesNotContain("alice");
            assertThat(Files.readString(dir.resolve("server.log")))
                    .contains("\"event\":\"rate-limited\",\"audit\":true,\"who\":\"alice\",\"action\":\"push\",\"store\":\"s\"")
                    .doesNotContain(alice);
        }
    }
}
