package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items 6 and 7: {@code /test/{id}/append-foreign} and {@code /test/{id}/reset} ran before any auth check and
 * without validating the store id, the startup warning named only one of them; {@code /health} showed the database
 * file path to anyone.
 */
class TestHooksAndHealthDetailNeedATokenTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private HttpResponse<String> call(String method, URI uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void testHooksNeedTheStoresTokenAndAValidId(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret", "own", "own-token")).testHooks(true)
                .logFile(dir.resolve("server.log")).build())) {
            URI base = server.httpUri();
            String backendId = server.eventStore().meta("s").backendId();
            assertThat(call("POST", base.resolve("/test/s/append-foreign"), null).statusCode()).isEqualTo(401);
            assertThat(call("POST", base.resolve("/test/s/reset"), null).statusCode()).isEqualTo(401);
            assertThat(call("POST", base.resolve("/test/s/reset"), "wrong").statusCode()).isEqualTo(401);
            assertThat(call("POST", base.resolve("/test/own/reset"), "secret").statusCode())
                    .as("another store's token is not enough").isEqualTo(401);
            assertThat(server.eventStore().meta("s").head()).as("nothing appended").isZero();
            assertThat(server.eventStore().meta("s").backendId()).as("nothing reset").isEqualTo(backendId);
            HttpResponse<String> badId = call("POST", base.resolve("/test/a.b/reset"), "secret");
            assertThat(badId.statusCode()).isEqualTo(400);
            assertThat(badId.body()).contains("bad-store-id");
            assertThat(call("POST", base.resolve("/test/s/append-foreign"), "secret").body()).contains("\"head\":1");
            assertThat(call("POST", base.resolve("/test/s/reset"), "secret").statusCode()).isEqualTo(200);
            assertThat(server.eventStore().meta("s").backendId()).isNotEqualTo(backendId);
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("test-hooks-enabled").contains("/test/{storeId}/append-foreign")
                    .contains("/test/{storeId}/reset");
        }
    }

    @Test
    void healthShowsStatusOnlyUnlessTheDefaultTokenIsGiven(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            HttpResponse<String> anyone = call("GET", server.httpUri().resolve("/health"), null);
            assertThat(anyone.statusCode()).isEqualTo(200);
            assertThat(RawClient.JSON.readTree(anyone.body()).properties()).hasSize(1);
            assertThat(anyone.body()).isEqualTo("{\"status\":\"ok\"}").doesNotContain(dir.toString());
            HttpResponse<String> operator = call("GET", server.httpUri().resolve("/health"), "secret");
            assertThat(operator.body()).contains("livesync-server.db");
        }
    }
}
