package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.client.Store;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's page and JSON against the real server (docs/dashboard.md): auth, assets, and data of real clients. */
class DashboardEndpointsTest {

    static final String ADMIN = "admin-token-0123456789";
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    static SyncServer server(Path dir, String adminToken) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir).tokens(Map.of("*", "secret"))
                .adminToken(adminToken).logFile(dir.resolve("server.log")).build());
    }

    HttpResponse<String> get(SyncServer server, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpUri().resolve(path)).timeout(Duration.ofSeconds(20));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode api(SyncServer server, String path) throws Exception {
        HttpResponse<String> r = get(server, path, "Authorization", "Bearer " + ADMIN);
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    @Test
    void noTokenNoPageNoJson(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir, ADMIN)) {
            assertThat(RawClient.httpPush(http, server, "s1", "secret", RawClient.batch(1, 1, "x")).statusCode())
                    .isEqualTo(200);
            for (String path : List.of("/admin", "/admin/api/overview", "/admin/api/flags", "/admin/api/stores/s1",
                    "/admin/api/stores/s1/events", "/admin/api/sizes", "/admin/assets/dashboard.js")) {
                HttpResponse<String> none = get(server, path);
                assertThat(none.statusCode()).as(path).isEqualTo(401);
                assertThat(none.body()).doesNotContain("dashboard.js\"");
                assertThat(get(server, path, "Authorization", "Bearer wrong-token-0123456789").statusCode()).as(path)
                        .isEqualTo(403);
                assertThat(get(server, path, "Cookie", "livesync_admin=wrong").statusCode()).as(path).isEqualTo(403);
                // a store's sync token is not the admin token
                assertThat(get(server, path, "Authorization", "Bearer secret").statusCode()).as(path).isEqualTo(403);
                assertThat(get(server, path, "Authorization", "Bearer " + ADMIN).statusCode()).as(path).isEqualTo(200);
            }
            // the login form sets a cookie that opens the page
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/admin/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + ADMIN)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(303);
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(cookie).contains("HttpOnly").contains("SameSite=Strict").contains("Path=/admin");
            HttpResponse<String> page = get(server, "/admin", "Cookie", cookie.substring(0, cookie.indexOf(';')));
            assertThat(page.statusCode()).isEqualTo(200);
            assertThat(page.body()).contains("/admin/assets/dashboard.js");
            HttpResponse<String> badLogin = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/admin/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("token=nope")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(badLogin.statusCode()).isEqualTo(403);
            assertThat(badLogin.headers().firstValue("Set-Cookie")).isEmpty();
            // a store this instance never served is not read (that would create it), nor listed after a refused upgrade
            assertThat(get(server, "/admin/api/stores/never", "Authorization", "Bearer " + ADMIN).statusCode())
                    .isEqualTo(404);
            assertThat(RawClient.httpPush(http, server, "intruded", "wrong", RawClient.batch(1, 1, "x")).statusCode())
                    .isEqualTo(401);
            assertThat(get(server, "/admin/api/overview", "Authorization", "Bearer " + ADMIN).body())
                    .doesNotContain("never").doesNotContain("intruded").contains("\"storeId\":\"s1\"");
            // the admin API of issue #16 is not the dashboard's: it falls through to the rest of the server
            assertThat(get(server, "/admin/v1/anything", "Authorization", "Bearer " + ADMIN).body())
                    .doesNotContain("livesync dashboard");
        }
    }

    @Test
    void withoutAnAdminTokenTheDashboardIsOff(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir, null)) {
            assertThat(get(server, "/admin/api/overview").statusCode()).isEqualTo(403);
            assertThat(get(server, "/admin", "Authorization", "Bearer secret").statusCode()).isEqualTo(403);
        }
    }

    @Test
    void anAdminJwtOpensTheDashboardAJwtWithoutTheAdminClaimOrExpiredDoesNot(@TempDir Path dir) throws Exception {
        java.time.Instant now = java.time.Instant.now();
        String admin = Jwts.hs256(Jwts.claims("ops", now.plusSeconds(3600), null, null, true));
        String reader = Jwts.hs256(Jwts.claims("alice", now.plusSeconds(3600), List.of("*"), null, false));
        String expired = Jwts.hs256(Jwts.claims("ops", now.minusSeconds(3600), null, null, true));
        // JWTs and no admin token: the dashboard is on, for JWTs with the admin claim only
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).jwtHs256Secret(Jwts.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .logFile(dir.resolve("server.log")).build())) {
            for (String path : List.of("/admin", "/admin/api/overview", "/admin/api/flags")) {
                assertThat(get(server, path).statusCode()).as(path).isEqualTo(401);
                assertThat(get(server, path, "Authorization", "Bearer " + admin).statusCode()).as(path).isEqualTo(200);
                assertThat(get(server, path, "Authorization", "Bearer " + reader).statusCode()).as(path).isEqualTo(403);
                assertThat(get(server, path, "Authorization", "Bearer " + expired).statusCode()).as(path)
                        .isEqualTo(403);
            }
            HttpResponse<String> login = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/admin/login"))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + admin)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(login.statusCode()).isEqualTo(303);
            String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(get(server, "/admin/api/overview", "Cookie", cookie.substring(0, cookie.indexOf(';')))
                    .statusCode()).isEqualTo(200);
            HttpResponse<String> readerLogin = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/admin/login"))
                    .POST(HttpRequest.BodyPublishers.ofString("token=" + reader)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(readerLogin.statusCode()).isEqualTo(403);
            assertThat(readerLogin.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void storedBytesAreComputedWhenAskedAndShownWithTheirTime(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir, ADMIN)) {
            assertThat(RawClient.httpPush(http, server, "s1", "secret", RawClient.batch(1, 3, "sized")).statusCode())
                    .isEqualTo(200);
            // not computed until asked: it reads every stored event
            JsonNode before = api(server, "/admin/api/overview");
            assertThat(before.path("sizesAt").isNull()).isTrue();
            assertThat(before.path("stores").get(0).path("bytes").isNull()).isTrue();
            JsonNode sizes = api(server, "/admin/api/sizes");
            long bytes = sizes.path("stores").get(0).path("bytes").asLong();
            // the same number as the admin API's store list (livesync admin stores)
            JsonNode adminStores = JSON.readTree(get(server, "/admin/v1/stores", "Authorization", "Bearer " + ADMIN)
                    .body());
            assertThat(bytes).isPositive().isEqualTo(adminStores.path("stores").get(0).path("bytes").asLong());
            JsonNode after = api(server, "/admin/api/overview");
            assertThat(after.path("sizesAt").asText()).isEqualTo(sizes.path("at").asText());
            assertThat(after.path("stores").get(0).path("bytes").asLong()).isEqualTo(bytes);
            assertThat(api(server, "/admin/api/stores/s1").path("bytes").asLong()).isEqualTo(bytes);
            // asked again within a minute: the same answer, not a second scan
            assertThat(api(server, "/admin/api/sizes").path("at").asText()).isEqualTo(sizes.path("at").asText());
        }
    }

    @Test
    void thePageReferencesOnlyItsOwnAssets(@TempDir Path dir) throws Exception {
        try (SyncServer server = server(dir, ADMIN)) {
            String page = get(server, "/admin", "Authorization", "Bearer " + ADMIN).body();
            Matcher m = Pattern.compile("(?:src|href)=\"([^\"]*)\"").matcher(page);
            List<String> refs = new ArrayList<>();
            while (m.find()) {
                refs.add(m.group(1));
            }
            assertThat(refs).isNotEmpty().allSatisfy(r -> assertThat(r).matches("/admin(/.*)?|#.*"));
            for (String asset : List.of("/admin/assets/dashboard.js", "/admin/assets/dashboard.css")) {
                HttpResponse<String> r = get(server, asset, "Authorization", "Bearer " + ADMIN);
                assertThat(r.statusCode()).isEqualTo(200);
                // the one absolute URL is the SVG namespace name, which is never fetched
                assertThat(r.body().replace("http://www.w3.org/2000/svg", "")).doesNotContain("http://")
                        .doesNotContain("https://").doesNotContain("//cdn").doesNotContain("@import");
            }
            assertThat(get(server, "/admin/assets/../index.html", "Authorization", "Bearer " + ADMIN).statusCode())
                    .isNotEqualTo(200);
        }
    }

    @Test
    void theJsonShowsConnectedClientsAndPagesTheEventLog(@TempDir Path dir) throws Exception {
        String storeId = "dash";
        try (SyncServer server = server(dir, ADMIN);
                Store a = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-a", "secret");
                Store b = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-b", "secret");
                RawClient old = RawClient.connect03(http, server, storeId, "secret")) {
            EndToEndSyncTest.commitTodos(a, "a", 30, 5);
            EndToEndSyncTest.commitTodos(b, "b", 12, 3);
            EndToEndSyncTest.awaitConverged(server, storeId, 42, a, b);
            // an HTTP pusher (client id "raw" in its events)
            assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(43, 44, "http"))
                    .statusCode()).isEqualTo(200);
            EndToEndSyncTest.awaitConverged(server, storeId, 44, a, b);
            ServerFixture.await("both livesync clients' live pulls at the head", () -> {
                try {
                    JsonNode s = api(server, "/admin/api/stores/" + storeId);
                    int atHead = 0;
                    for (JsonNode c : s.path("connections")) {
                        if (c.path("protocol").asText().equals("0.4") && c.path("livePullHead").asLong() == 44
                                && c.path("lag").asLong() == 0) {
                            atHead++;
                        }
                    }
                    return atHead == 2;
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            });
            JsonNode s = api(server, "/admin/api/stores/" + storeId);
            assertThat(s.path("head").asLong()).isEqualTo(44);
            List<String> rows = new ArrayList<>();
            for (JsonNode c : s.path("connections")) {
                rows.add(c.path("protocol").asText() + " " + c.path("clientId").asText(""));
                assertThat(c.path("connectedSince").asText()).isNotEmpty();
                assertThat(c.path("remote").asText()).startsWith("127.0.0.1");
            }
            assertThat(rows).contains("0.4 client-a", "0.4 client-b", "0.3 ", "http raw");
            for (JsonNode c : s.path("connections")) {
                if (c.path("clientId").asText("").startsWith("client-")) {
                    assertThat(c.path("lastPushOutcome").asText()).isEqualTo("accepted");
                }
            }
            assertThat(s.path("pushesPerSecond").asDouble()).isGreaterThan(0);
            assertThat(s.path("series").size()).isEqualTo(60);

            JsonNode overview = api(server, "/admin/api/overview");
            JsonNode row = overview.path("stores").get(0);
            assertThat(row.path("storeId").asText()).isEqualTo(storeId);
            assertThat(row.path("head").asLong()).isEqualTo(44);
            assertThat(row.path("connections").asLong()).isEqualTo(3);
            assertThat(row.path("httpClients").asLong()).isEqualTo(1);

            // the event browser: pages of 10, filtered by client id, then by name
            JsonNode page1 = api(server, "/admin/api/stores/" + storeId + "/events?limit=10&clientId=client-a");
            assertThat(page1.path("events").size()).isEqualTo(10);
            assertThat(page1.path("events").findValuesAsText("clientId")).containsOnly("client-a");
            long next = page1.path("next").asLong();
            JsonNode page2 = api(server, "/admin/api/stores/" + storeId + "/events?limit=10&clientId=client-a&after="
                    + next);
            assertThat(page2.path("events").size()).isEqualTo(10);
            assertThat(page2.path("events").get(0).path("seq").asLong()).isGreaterThan(next);
            JsonNode all = api(server, "/admin/api/stores/" + storeId + "/events?limit=200&clientId=client-a");
            assertThat(all.path("events").size()).isEqualTo(30);
            assertThat(all.path("next").isNull()).isTrue();
            JsonNode none = api(server, "/admin/api/stores/" + storeId + "/events?name=v1.TodoCompleted");
            assertThat(none.path("events").size()).isZero();
            JsonNode created = api(server, "/admin/api/stores/" + storeId + "/events?name=v1.TodoCreated&limit=200");
            assertThat(created.path("events").size()).isEqualTo(44);
            assertThat(created.path("events").get(0).path("createdAt").asText()).isNotEmpty();
            assertThat(get(server, "/admin/api/stores/" + storeId + "/events?limit=0", "Authorization",
                    "Bearer " + ADMIN).statusCode()).isEqualTo(400);
            assertThat(old.closed).isNull();
        }
    }
}
