package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.client.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Auth refusals are visible (status, logs, metrics); the plain HTTP endpoints behave as documented. */
class AuthAndHttpTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> get(URI uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(URI uri, String token, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aWrongTokenIsRefusedOnUpgradeAndTheRefusalIsVisible(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir);
                Store intruder = EndToEndSyncTest.client(server.wsUri("auth"), "auth", "x", "wrong-token")) {
            intruder.commit(List.of(io.livesync.client.TodoSchema.created("t", "nope")));
            ServerFixture.await("the refusal is counted", () -> server.metrics().authFailures() >= 1);
            assertThat(intruder.syncStatus().connected()).isFalse();
            assertThat(server.eventStore().meta("auth").head()).isZero();
            assertThat(Files.readString(dir.resolve("server.log"))).contains("\"event\":\"auth-refused\"");
            HttpResponse<String> metrics = get(server.httpUri().resolve("/metrics"), null);
            assertThat(metrics.body()).containsPattern("livesync_auth_failures_total [1-9]");
            // a raw upgrade without any payload is refused with 401 too
            try {
                http.newWebSocketBuilder().buildAsync(server.wsUri("auth"), new WebSocket.Listener() { }).join();
                throw new AssertionError("the upgrade should have been refused");
            } catch (CompletionException expected) {
                assertThat(expected.getCause()).isInstanceOfSatisfying(java.net.http.WebSocketHandshakeException.class,
                        e -> assertThat(e.getResponse().statusCode()).isEqualTo(401));
            }
        }
    }

    @Test
    void httpPushPullHealthAndMetrics(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            URI base = server.httpUri();
            assertThat(get(base.resolve("/health"), null).body()).contains("\"status\":\"ok\"");
            String event = "{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"h%d\",\"text\":\"x\"},\"seqNum\":%d,"
                    + "\"parentSeqNum\":%d,\"clientId\":\"http\",\"sessionId\":\"s\"}";
            HttpResponse<String> ok = post(base.resolve("/sync/h/push"), "secret",
                    "{\"batch\":[" + event.formatted(1, 1, 0) + "," + event.formatted(2, 2, 1) + "]}");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).contains("\"head\":2");
            HttpResponse<String> ahead = post(base.resolve("/sync/h/push"), "secret",
                    "{\"batch\":[" + event.formatted(1, 1, 0) + "]}");
            assertThat(ahead.statusCode()).isEqualTo(409);
            JsonNode aheadBody = JSON.readTree(ahead.body());
            assertThat(aheadBody.get("_tag").asText()).isEqualTo("ServerAheadError");
            assertThat(aheadBody.get("minimumExpectedNum").asLong()).isEqualTo(2);
            assertThat(aheadBody.get("providedNum").asLong()).isZero();
            HttpResponse<String> noAuth = post(base.resolve("/sync/h/push"), "wrong", "{\"batch\":[]}");
            assertThat(noAuth.statusCode()).isEqualTo(401);
            assertThat(noAuth.body()).contains("\"code\":\"unauthorized\"");
            HttpResponse<String> bad = post(base.resolve("/sync/h/push"), "secret", "{\"batch\":[{\"name\":1}]}");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(bad.body()).contains("\"code\":\"invalid-event\"");
            JsonNode page = JSON.readTree(get(base.resolve("/sync/h/pull?cursor=1"), "secret").body());
            assertThat(page.get("batch")).hasSize(1);
            assertThat(page.get("batch").get(0).get("eventEncoded").get("seqNum").asLong()).isEqualTo(2);
            assertThat(page.get("pageInfo").get("_tag").asText()).isEqualTo("NoMore");
            assertThat(get(base.resolve("/sync/h/pull?cursor=x"), "secret").body()).contains("bad-cursor");
            String metrics = get(base.resolve("/metrics"), null).body();
            assertThat(metrics).contains("livesync_pushes_accepted_total 1")
                    .contains("livesync_pushes_rejected_total{reason=\"server-ahead\"} 1")
                    .contains("livesync_events_stored 2").contains("livesync_push_latency_seconds_count");
            assertThat(get(base.resolve("/nope"), null).statusCode()).isEqualTo(404);
        }
    }
}
