package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item D: a lone surrogate in an event name, clientId, sessionId or args was accepted, acked, stored and
 * served back as {@code ?} (the pusher keeps the original, everybody else gets another value); a NUL in name, clientId
 * or sessionId answered 500 on PostgreSQL and was stored on SQLite. Both stores must give the same typed answer
 * ({@code invalid-event}) on the HTTP and WebSocket pushes, and store nothing; a NUL inside args is stored exactly.
 */
class UnstorableTextIsRefusedOnEveryStoreTest {

    private static final String TEMPLATE = "{\"name\":\"%s\",\"args\":%s,\"seqNum\":1,\"parentSeqNum\":0,"
            + "\"clientId\":\"%s\",\"sessionId\":\"%s\"}";
    /** JSON escapes as they travel on the wire (so the Java strings hold the backslashes). */
    private static final String LONE_HIGH = "\\ud800";
    private static final String LONE_LOW = "\\udc00";
    private static final String NUL = "\\u0000";
    private static final List<String> REFUSED = List.of(
            TEMPLATE.formatted("v1.Todo" + LONE_HIGH, "{\"text\":\"x\"}", "c", "s"),
            TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"a" + LONE_HIGH + "b\"}", "c", "s"),
            TEMPLATE.formatted("v1.TodoCreated", "[\"" + LONE_LOW + "\"]", "c", "s"),
            TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"x\"}", "c" + LONE_HIGH, "s"),
            TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"x\"}", "c", "s" + LONE_LOW),
            TEMPLATE.formatted("v1.Todo" + NUL, "{\"text\":\"x\"}", "c", "s"),
            TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"x\"}", "c" + NUL, "s"),
            TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"x\"}", "c", NUL + "s"));

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void sqliteRefusesUnstorableTextAndKeepsNulInArgsExactly(@TempDir Path dir) throws Exception {
        try (SyncServer server = ServerFixture.sqlite(dir)) {
            check(server);
        }
    }

    @Test
    void postgresGivesTheSameAnswers(@TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("unstorable");
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).tokens(Map.of("*", "secret"))
                .postgres(Postgres.URL, schema).logFile(dir.resolve("server.log")).build())) {
            check(server);
        } finally {
            Postgres.drop(schema);
        }
    }

    private void check(SyncServer server) throws Exception {
        try (RawClient ws = RawClient.connect(http, server, "u", "secret")) {
            for (int i = 0; i < REFUSED.size(); i++) {
                String event = REFUSED.get(i);
                HttpResponse<String> r = RawClient.httpPush(http, server, "u", "secret", "{\"batch\":[" + event + "]}");
                assertThat(r.statusCode()).as("HTTP push of " + event + " -> " + r.body()).isEqualTo(400);
                assertThat(RawClient.JSON.readTree(r.body()).path("code").asText()).as(event + " -> " + r.body())
                        .isEqualTo("invalid-event");
                String id = "w" + i;
                ws.send(RawClient.pushFrame("u", "secret", id, "{\"batch\":[" + event + "]}"));
                ServerFixture.await("an answer to " + id, () -> ws.all.stream().anyMatch(f -> f.contains(
                        "\"requestId\":\"" + id + "\"")), () -> "frames: " + ws.all);
                String answer = ws.all.stream().filter(f -> f.contains("\"requestId\":\"" + id + "\"")).findFirst()
                        .orElseThrow();
                assertThat(answer).as("WebSocket push of " + event).contains("invalid-event").contains("Failure");
            }
        }
        // a lone surrogate in an args KEY is already refused by the JSON parser (malformed-frame), also typed
        HttpResponse<String> key = RawClient.httpPush(http, server, "u", "secret", "{\"batch\":["
                + TEMPLATE.formatted("v1.TodoCreated", "{\"t" + LONE_HIGH + "\":\"x\"}", "c", "s") + "]}");
        assertThat(key.statusCode()).isEqualTo(400);
        assertThat(RawClient.JSON.readTree(key.body()).path("code").asText()).isEqualTo("malformed-frame");
        assertThat(server.eventStore().meta("u").head()).as("nothing stored").isZero();
        // a NUL inside args is stored and served back exactly, on both stores
        String nulArgs = TEMPLATE.formatted("v1.TodoCreated", "{\"text\":\"a" + NUL + "b\"}", "c", "s");
        HttpResponse<String> ok = RawClient.httpPush(http, server, "u", "secret", "{\"batch\":[" + nulArgs + "]}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> pulled = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/sync/u/pull?cursor=0"))
                .header("Authorization", "Bearer secret").GET().build(), HttpResponse.BodyHandlers.ofString());
        JsonNode args = RawClient.JSON.readTree(pulled.body()).path("batch").get(0).path("eventEncoded").path("args");
        assertThat(args.path("text").asText()).isEqualTo("a\u0000b");
    }
}
