package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The admin API against the real server over real sockets, on SQLite and PostgreSQL: list, export (JSON lines),
 * import into an empty store (all or nothing), delete, reset; every malformed input gets a typed answer and changes
 * nothing; every action is audited without the token.
 */
class AdminApiTest {

    static final String ADMIN = "admin-token-0123456789";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static ServerConfig.Builder config(String backend, Path dir, String schema) {
        ServerConfig.Builder b = ServerConfig.builder().port(0).tokens(Map.of("*", "secret")).adminToken(ADMIN)
                .jwtHs256Secret(Jwts.SECRET.getBytes(StandardCharsets.UTF_8));
        return backend.equals("postgres") ? b.postgres(Postgres.URL, schema) : b.dataDir(dir);
    }

    HttpResponse<String> admin(SyncServer server, String method, String path, String token, byte[] body)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(server.httpUri().resolve(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private void pushEvents(SyncServer server, String storeId, int n) throws Exception {
        for (int from = 1; from <= n; from += 100) {
            int to = Math.min(n, from + 99);
            assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(from, to, "e")).statusCode())
                    .isEqualTo(200);
        }
    }

    private static JsonNode store(JsonNode list, String storeId) {
        for (JsonNode s : list.get("stores")) {
            if (s.get("storeId").asText().equals(storeId)) {
                return s;
            }
        }
        return null;
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void listExportImportDeleteReset(String backend, @TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("admin");
        try (SyncServer server = SyncServer.start(config(backend, dir, schema).logFile(dir.resolve("server.log")).build())) {
            pushEvents(server, "orig", 1200);
            JsonNode list = JSON.readTree(admin(server, "GET", "/admin/v1/stores", ADMIN, null).body());
            JsonNode orig = store(list, "orig");
            assertThat(orig.get("head").asLong()).isEqualTo(1200);
            assertThat(orig.get("events").asLong()).isEqualTo(1200);
            assertThat(orig.get("bytes").asLong()).isPositive();
            assertThat(Instant.parse(orig.get("lastPushAt").asText())).isBeforeOrEqualTo(Instant.now());

            HttpResponse<String> export = admin(server, "GET", "/admin/v1/stores/orig/export", ADMIN, null);
            assertThat(export.statusCode()).isEqualTo(200);
            assertThat(export.headers().firstValue("Livesync-Head")).contains("1200");
            List<String> lines = export.body().lines().toList();
            assertThat(lines).hasSize(1200);
            assertThat(JSON.readTree(lines.get(0)).get("seqNum").asLong()).isEqualTo(1);
            assertThat(JSON.readTree(lines.get(0)).has("createdAt")).isTrue();

            try (RawClient c = RawClient.connect(http, server, "copy", "secret")) {
                c.pull("0", null, true); // a live pull of the empty store receives what the import brings
                ServerFixture.await("the empty catch-up", () -> c.all.size() >= 1);
                HttpResponse<String> imported = admin(server, "POST", "/admin/v1/stores/copy/import", ADMIN,
                        export.body().getBytes(StandardCharsets.UTF_8));
                assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
                assertThat(JSON.readTree(imported.body()).get("head").asLong()).isEqualTo(1200);
                ServerFixture.await("the import reaches the live pull", () -> c.seqs("0").size() == 1200);
            }
            assertThat(admin(server, "GET", "/admin/v1/stores/copy/export", ADMIN, null).body())
                    .isEqualTo(export.body()); // restore = import: the same log, createdAt included
            HttpResponse<String> again = admin(server, "POST", "/admin/v1/stores/copy/import", ADMIN,
                    export.body().getBytes(StandardCharsets.UTF_8));
            assertThat(again.statusCode()).isEqualTo(409);
            assertThat(again.body()).contains("\"code\":\"store-not-empty\"");

            String oldBackend = server.eventStore().meta("orig").backendId();
            try (RawClient live = RawClient.connect(http, server, "orig", "secret")) {
                live.pull("0", null, true);
                ServerFixture.await("caught up", () -> live.seqs("0").size() == 1200);
                HttpResponse<String> reset = admin(server, "POST", "/admin/v1/stores/orig/reset", ADMIN, null);
                assertThat(reset.statusCode()).isEqualTo(200);
                String newBackend = JSON.readTree(reset.body()).get("backendId").asText();
                assertThat(newBackend).isNotEqualTo(oldBackend);
                String frame = "";
                while (!frame.startsWith("CLOSE")) {
                    frame = live.frames.poll(30, TimeUnit.SECONDS);
                    assertThat(frame).isNotNull();
                }
            }
            assertThat(server.eventStore().meta("orig").head()).isZero();

            HttpResponse<String> deleted = admin(server, "DELETE", "/admin/v1/stores/copy", ADMIN, null);
            assertThat(deleted.statusCode()).isEqualTo(200);
            assertThat(store(JSON.readTree(admin(server, "GET", "/admin/v1/stores", ADMIN, null).body()), "copy"))
                    .isNull();
            assertThat(admin(server, "GET", "/admin/v1/stores/copy/export", ADMIN, null).statusCode()).isEqualTo(404);
            assertThat(admin(server, "DELETE", "/admin/v1/stores/copy", ADMIN, null).statusCode()).isEqualTo(404);

            String log = Files.readString(dir.resolve("server.log"));
            for (String action : List.of("stores", "export", "import", "reset", "delete")) {
                assertThat(log).contains("\"event\":\"admin-action\",\"audit\":true,\"who\":\"admin-token\",\"action\":\""
                        + action + "\"");
            }
            assertThat(log).doesNotContain(ADMIN);
        } finally {
            if (backend.equals("postgres")) {
                Postgres.drop(schema);
            }
        }
    }

    @Test
    void onlyTheAdminTokenOrAnAdminJwtMayUseTheApi(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(config("sqlite", dir, null).logFile(dir.resolve("server.log")).build())) {
            pushEvents(server, "s", 3);
            String user = Jwts.readWrite("mallory", "*");
            String adminJwt = Jwts.hs256(Jwts.claims("ops-alice", Instant.now().plusSeconds(60), null, null, true));
            assertThat(admin(server, "GET", "/admin/v1/stores", null, null).statusCode()).isEqualTo(401);
            assertThat(admin(server, "GET", "/admin/v1/stores", "secret", null).statusCode()).isEqualTo(401);
            HttpResponse<String> notAdmin = admin(server, "POST", "/admin/v1/stores/s/reset", user, null);
            assertThat(notAdmin.statusCode()).isEqualTo(403);
            assertThat(notAdmin.body()).contains("\"code\":\"forbidden\"");
            assertThat(admin(server, "DELETE", "/admin/v1/stores/s", "secret", null).statusCode()).isEqualTo(401);
            assertThat(server.eventStore().meta("s").head()).isEqualTo(3);
            assertThat(admin(server, "GET", "/admin/v1/stores", adminJwt, null).statusCode()).isEqualTo(200);
            String expiredAdmin = Jwts.hs256(Jwts.claims("ops-old", Instant.now().minusSeconds(1), null, null, true));
            for (String token : List.of("", " ", expiredAdmin, ADMIN + "x", ADMIN.substring(1), "x".repeat(10_000),
                    "a.b.c", user + "x")) {
                assertThat(admin(server, "DELETE", "/admin/v1/stores/s", token, null).statusCode())
                        .as("a token of %d chars", token.length()).isIn(401, 403, 431); // 431: Jetty's header limit
            }
            for (String header : List.of("Basic " + ADMIN, "bearer " + ADMIN, ADMIN, "Bearer")) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/admin/v1/stores/s"))
                        .header("Authorization", header).DELETE().build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(header).isEqualTo(401);
                assertThat(JSON.readTree(r.body()).get("code").asText()).isEqualTo("unauthorized");
            }
            assertThat(server.eventStore().meta("s").head()).isEqualTo(3);
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("\"who\":\"mallory\",\"action\":\"reset\",\"store\":\"s\",\"outcome\":\"refused: forbidden\"")
                    .contains("\"who\":\"ops-alice\",\"action\":\"stores\"")
                    .doesNotContain(user).doesNotContain(adminJwt).doesNotContain(ADMIN);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"sqlite", "postgres"})
    void everyMalformedInputGetsATypedAnswerAndChangesNothing(String backend, @TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("adminfuzz");
        try (SyncServer server = SyncServer.start(config(backend, dir, schema).build())) {
            pushEvents(server, "keep", 5);
            String good = admin(server, "GET", "/admin/v1/stores/keep/export", ADMIN, null).body();
            List<String> goodLines = good.lines().toList();
            String ev = RawClient.EVENT;
            List<byte[]> bodies = new ArrayList<>();
            for (String text : List.of("not json", "[1,2]", "{\"seqNum\":1}", "null",
                    ev.formatted(2, "x", 2, 1),                                   // does not start at 1
                    ev.formatted(1, "x", 1, 0) + "\n" + ev.formatted(3, "x", 3, 2), // a gap
                    ev.formatted(1, "x", 1, 5),                                   // wrong parent
                    goodLines.get(0) + "\n" + goodLines.get(1) + "\n{\"name\":1}", // good lines, then a bad one
                    String.join("\n", goodLines) + "\n" + goodLines.get(4),       // a duplicate at the end
                    ev.formatted(1, "\\ud800", 1, 0),                             // lone surrogate in args
                    ev.formatted(1, "x", 1, 0).replace("v1.TodoCreated", "v1.\\u0000"), // NUL in name
                    ev.formatted(1, "x", 1, 0).replace("}", ",\"createdAt\":\"yesterday\"}").replaceFirst(",\"createdAt\":\"yesterday\"}", "}"),
                    goodLines.get(0).replaceFirst("\"createdAt\":\"[^\"]*\"", "\"createdAt\":42"),
                    ev.formatted(1, "x".repeat(2_000_000), 1, 0),                 // a line over maxFrameBytes
                    "[".repeat(100) + "]".repeat(100),                              // too deep
                    ev.formatted(1, "x", 1, 0).replace("1,\"parentSeqNum\"", "1e400,\"parentSeqNum\""))) {
                bodies.add(text.getBytes(StandardCharsets.UTF_8));
            }
            bodies.add(new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}', '\n'}); // not UTF-8
            int n = 0;
            for (byte[] body : bodies) {
                String target = "t" + (n++);
                HttpResponse<String> r = admin(server, "POST", "/admin/v1/stores/" + target + "/import", ADMIN, body);
                assertThat(r.statusCode()).as(new String(body, StandardCharsets.UTF_8).substring(0,
                        Math.min(200, body.length))).isIn(400, 413);
                JsonNode answer = JSON.readTree(r.body());
                assertThat(answer.get("code").asText()).isIn("malformed-frame", "invalid-event", "invalid-batch",
                        "frame-too-large", "too-deep");
                assertThat(answer.get("message").asText()).endsWith("nothing was imported");
                assertThat(server.eventStore().exists(target)).as("a refused import leaves no store behind").isFalse();
            }
            // paths and methods
            assertThat(admin(server, "GET", "/admin/v1/stores/bad!id/export", ADMIN, null).statusCode()).isEqualTo(400);
            assertThat(admin(server, "GET", "/admin/v1/stores/" + "x".repeat(129) + "/export", ADMIN, null).statusCode())
                    .isEqualTo(400);
            assertThat(admin(server, "POST", "/admin/v1/stores/keep/explode", ADMIN, null).statusCode()).isEqualTo(404);
            assertThat(admin(server, "PUT", "/admin/v1/stores", ADMIN, null).statusCode()).isEqualTo(404);
            assertThat(admin(server, "GET", "/admin/v1/stores/keep", ADMIN, null).statusCode()).isEqualTo(404);
            assertThat(admin(server, "POST", "/admin/v1/stores/nope/reset", ADMIN, null).statusCode()).isEqualTo(404);
            assertThat(admin(server, "GET", "/admin/v1", ADMIN, null).statusCode()).isEqualTo(404);
            HttpResponse<String> notEmpty = admin(server, "POST", "/admin/v1/stores/keep/import", ADMIN,
                    good.getBytes(StandardCharsets.UTF_8));
            assertThat(notEmpty.statusCode()).isEqualTo(409);
            assertThat(admin(server, "GET", "/admin/v1/stores/keep/export", ADMIN, null).body()).isEqualTo(good);
        } finally {
            if (backend.equals("postgres")) {
                Postgres.drop(schema);
            }
        }
    }

    /** A reset through one instance reaches a client connected to another (the NOTIFY path). */
    @Test
    void aResetThroughOneInstanceReachesClientsOfTheOther(@TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("adminreset");
        try (SyncServer one = SyncServer.start(config("postgres", dir, schema).nodeId("one").build());
                SyncServer two = SyncServer.start(config("postgres", dir, schema).nodeId("two").build())) {
            pushEvents(one, "shared", 3);
            try (RawClient onTwo = RawClient.connect(http, two, "shared", "secret")) {
                onTwo.pull("0", null, true);
                ServerFixture.await("caught up on two", () -> onTwo.seqs("0").size() == 3);
                HttpResponse<String> reset = admin(one, "POST", "/admin/v1/stores/shared/reset", ADMIN, null);
                assertThat(reset.statusCode()).isEqualTo(200);
                String frame = "";
                while (!frame.startsWith("CLOSE")) {
                    frame = onTwo.frames.poll(30, TimeUnit.SECONDS);
                    assertThat(frame).as("the client on instance two is told (its socket closes)").isNotNull();
                }
            }
            String newBackend = one.eventStore().meta("shared").backendId();
            // an import through one instance reaches a live pull on the other; a delete closes it
            String lines = RawClient.batch(1, 3, "i").replace("{\"batch\":[", "").replace("]}", "")
                    .replace("},{", "}\n{");
            try (RawClient onTwo = RawClient.connect(http, two, "restored", "secret")) {
                onTwo.pull("0", null, true);
                ServerFixture.await("the empty catch-up on two", () -> onTwo.all.size() >= 1);
                assertThat(admin(one, "POST", "/admin/v1/stores/restored/import", ADMIN,
                        lines.getBytes(StandardCharsets.UTF_8)).statusCode()).isEqualTo(200);
                ServerFixture.await("the import reaches two", () -> onTwo.seqs("0").equals(List.of(1L, 2L, 3L)),
                        () -> onTwo.all.toString());
                assertThat(admin(one, "DELETE", "/admin/v1/stores/restored", ADMIN, null).statusCode()).isEqualTo(200);
                String frame = "";
                while (!frame.startsWith("CLOSE")) {
                    frame = onTwo.frames.poll(30, TimeUnit.SECONDS);
                    assertThat(frame).as("the delete reaches the client on two").isNotNull();
                }
            }
            HttpResponse<String> page = http.send(HttpRequest.newBuilder(two.httpUri().resolve("/sync/shared/pull?cursor=0"))
                    .header("Authorization", "Bearer secret").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(JSON.readTree(page.body()).get("backendId").asText()).isEqualTo(newBackend);
        } finally {
            Postgres.drop(schema);
        }
    }
}
