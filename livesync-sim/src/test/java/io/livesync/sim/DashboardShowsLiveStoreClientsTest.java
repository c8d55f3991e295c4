package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's JSON with real LiveStore clients connected (npm 0.3.1 and 0.4.0, docs/dashboard.md): one row per
 * socket with its protocol, the client id its events carry, its live-pull head and a lag of 0 once it caught up.
 */
class DashboardShowsLiveStoreClientsTest {

    static final String ADMIN = "admin-token-0123456789";

    @Test
    void aLiveStore03AndA04ClientAppearWithTheirProtocolClientIdAndLag(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        ObjectMapper json = new ObjectMapper();
        try (SyncServer s = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", "t")).adminToken(ADMIN).logFile(dir.resolve("server.log")).build());
                LiveStoreDriver v03 = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "shown", "ls-03", "t", "memory",
                        dir.resolve("v03.err"), "interop/livestore-0.3.1");
                LiveStoreDriver v04 = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "shown", "ls-04", "t", "memory",
                        dir.resolve("v04.err"))) {
            v03.create(3, 3);
            v04.create(4, 4);
            assertThat(v03.waitFor(7, 60_000).path("reached").asBoolean()).isTrue();
            assertThat(v04.waitFor(7, 60_000).path("reached").asBoolean()).isTrue();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            JsonNode store;
            while (true) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.httpUri().resolve("/admin/api/stores/shown"))
                        .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                store = json.readTree(r.body());
                int atHead = 0;
                for (JsonNode c : store.path("connections")) {
                    if (c.path("lastPushOutcome").asText().equals("accepted") && c.path("livePullHead").asLong() == 7
                            && c.path("lag").asLong() == 0) {
                        atHead++;
                    }
                }
                if (atHead == 2 || System.nanoTime() > deadline) {
                    break;
                }
                Thread.sleep(50); // polling interval of a bounded wait
            }
            assertThat(store.path("head").asLong()).isEqualTo(7);
            StringBuilder rows = new StringBuilder();
            for (JsonNode c : store.path("connections")) {
                rows.append(c.path("protocol").asText()).append(' ').append(c.path("clientId").asText()).append(' ')
                        .append(c.path("lastPushOutcome").asText()).append(" head=").append(c.path("livePullHead"))
                        .append(" lag=").append(c.path("lag")).append('\n');
            }
            assertThat(rows.toString()).as(store.toString()).contains("0.3 ls-03 accepted head=7 lag=0\n")
                    .contains("0.4 ls-04 accepted head=7 lag=0\n");
            assertThat(HttpClient.newHttpClient().send(HttpRequest.newBuilder(s.httpUri().resolve("/admin/api/overview"))
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(401);
        }
    }
}
