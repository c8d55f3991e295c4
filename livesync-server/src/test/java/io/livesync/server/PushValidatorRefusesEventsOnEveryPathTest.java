package io.livesync.server;

import io.livesync.hub.PushValidator;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.client.RefusedEvent;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.core.Event;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17, the server: a {@link PushValidator} loaded by class name sees every push (0.4 WebSocket, 0.3 WebSocket,
 * HTTP) before anything is stored; a refusal is the typed {@code event-refused} naming the event's seqNum, logged
 * without the token and counted per store; a failing validator stores nothing and answers the retryable
 * {@code storage-error}.
 */
class PushValidatorRefusesEventsOnEveryPathTest {

    /** Refuses every {@code v1.TodoDeleted}: the rule of these tests. Records who pushed. */
    public static final class RefuseDeletes implements PushValidator {
        static final List<Pusher> SEEN = new CopyOnWriteArrayList<>();

        @Override
        public Verdict validate(Push push) {
            SEEN.add(push.pusher());
            for (int i = 0; i < push.batch().size(); i++) {
                if (push.batch().get(i).name().equals(TodoSchema.TODO_DELETED)) {
                    return Verdict.refuse(i, "todos may not be deleted");
                }
            }
            return Verdict.accept();
        }
    }

    /** A broken validator. */
    public static final class Throws implements PushValidator {
        @Override
        public Verdict validate(Push push) {
            throw new IllegalStateException("rules database unreachable");
        }
    }

    /** A validator that names an event the batch does not have. */
    public static final class OutOfRange implements PushValidator {
        @Override
        public Verdict validate(Push push) {
            return Verdict.refuse(push.batch().size(), "off by one");
        }
    }

    /** Not a validator. */
    public static final class NotAValidator {}

    private static SyncServer start(Path dir, String validatorClass) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir).tokens(Map.of("*", "secret"))
                .pushValidator(validatorClass).logFile(dir.resolve("server.log")).build());
    }

    private static List<Event> stored(SyncServer server, String storeId) {
        return server.eventStore().read(storeId, 0, server.eventStore().meta(storeId).head(), 1000);
    }

    private static String deleted(long seq, long parent) {
        return "{\"name\":\"v1.TodoDeleted\",\"args\":{\"id\":\"t1\"},\"seqNum\":" + seq + ",\"parentSeqNum\":" + parent
                + ",\"clientId\":\"raw\",\"sessionId\":\"s\"}";
    }

    private static String created(long seq, long parent) {
        return RawClient.EVENT.formatted(seq, "fine", seq, parent);
    }

    @Test
    void livesyncClientsConvergeOnEveryEventTheValidatorDidNotRefuse(@TempDir Path dir) throws Exception {
        List<RefusedEvent> heard = new CopyOnWriteArrayList<>();
        try (SyncServer server = start(dir, RefuseDeletes.class.getName());
                Store a = Store.builder().storeId("v").clientId("a").schema(TodoSchema.schema())
                        .backend(io.livesync.client.WebSocketSyncBackend.builder(server.wsUri("v"), "v")
                                .authToken("secret").pingIntervalMillis(500).reconnectBackoff(50, 500).build())
                        .pushResumePolicy(io.livesync.core.leader.PushResumePolicy.SUPERVISED)
                        .leader(l -> l.backoff(50, 500).stallAfterMillis(3000).watchdogIntervalMillis(500))
                        .onEventRefused(heard::add).build();
                Store b = EndToEndSyncTest.client(server.wsUri("v"), "v", "b", "secret")) {
            a.commit(List.of(TodoSchema.created("a1", "keep")));
            a.commit(List.of(TodoSchema.deleted("a1"))); // refused
            a.commit(List.of(TodoSchema.created("a2", "keep"), TodoSchema.deleted("a2"), TodoSchema.completed("a1")));
            b.commit(List.of(TodoSchema.created("b1", "keep"), TodoSchema.deleted("b1"))); // the delete is refused
            b.commit(List.of(TodoSchema.completed("b1")));
            EndToEndSyncTest.awaitConverged(server, "v", 5, a, b);

            assertThat(stored(server, "v")).extracting(Event::name).hasSize(5)
                    .doesNotContain(TodoSchema.TODO_DELETED);
            for (Store s : List.of(a, b)) {
                assertThat(s.query("SELECT id FROM todos ORDER BY id", rs -> rs.getString(1))).as(s.clientId())
                        .containsExactly("a1", "a2", "b1");
                assertThat(s.checkStateMatchesReplay()).as(s.clientId()).isNull();
                assertThat(s.eventLog()).extracting(Event::name).doesNotContain(TodoSchema.TODO_DELETED);
            }
            ServerFixture.await("a heard of its two refusals", () -> heard.size() == 2, heard::toString);
            assertThat(heard).extracting(RefusedEvent::name).containsOnly(TodoSchema.TODO_DELETED);
            assertThat(heard).extracting(RefusedEvent::reason).allMatch(r -> r.contains("todos may not be deleted"));
            assertThat(b.refusedEvents()).hasSize(1);
            String refusals = Files.readAllLines(dir.resolve("server.log")).stream()
                    .filter(l -> l.contains("event-refused") || l.contains("push-")).reduce("", (x, y) -> x + y + "\n");
            // three events refused; one may be refused twice when its refusal reaches a client whose push was
            // already superseded by a rebase (the client ignores the stale answer and pushes the event again)
            assertThat(server.metrics().pushRefusals("v")).as(refusals).isGreaterThanOrEqualTo(3);
            assertThat(server.metrics().render()).contains("livesync_push_refusals_total{store=\"v\"} "
                    + server.metrics().pushRefusals("v"));
            assertThat(RefuseDeletes.SEEN).extracting(PushValidator.Pusher::subject).containsOnly("token:*");
            assertThat(RefuseDeletes.SEEN).extracting(PushValidator.Pusher::clientId).contains("a", "b");
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("\"event-refused\"").contains("todos may not be deleted")
                    .contains("\"subject\":\"token:*\"").doesNotContain("secret");
        }
    }

    @Test
    void everyPushPathRefusesWithTheTypedErrorAndStoresNothing(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = start(dir, RefuseDeletes.class.getName())) {
            // HTTP: 403 with the code and the seqNum of the refused event
            HttpResponse<String> r = RawClient.httpPush(http, server, "h", "secret",
                    "{\"batch\":[" + created(1, 0) + "," + deleted(2, 1) + "]}");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(403);
            JsonNode body = RawClient.JSON.readTree(r.body());
            assertThat(body.path("code").asText()).isEqualTo("event-refused");
            assertThat(body.path("seqNum").asLong()).isEqualTo(2);
            assertThat(body.path("message").asText()).contains("e2").contains("todos may not be deleted");
            assertThat(server.eventStore().meta("h").head()).isZero();

            // 0.4 WebSocket: an Exit with the typed UnknownError whose cause names the event
            try (RawClient ws = RawClient.connect(http, server, "w", "secret")) {
                ws.send(RawClient.pushFrame("w", "secret", "p1", "{\"batch\":[" + created(1, 0) + "," + deleted(2, 1)
                        + "," + created(3, 2) + "]}"));
                JsonNode exit = RawClient.JSON.readTree(ws.frames.poll(30, TimeUnit.SECONDS));
                JsonNode cause = exit.path("exit").path("cause").path("error").path("cause");
                assertThat(exit.path("exit").path("cause").path("error").path("_tag").asText())
                        .isEqualTo("UnknownError");
                assertThat(cause.path("code").asText()).isEqualTo("event-refused");
                assertThat(cause.path("seqNum").asLong()).isEqualTo(2);
                assertThat(server.eventStore().meta("w").head()).isZero();
                // the socket survives and the rest of the batch, pushed again, is stored
                ws.send(RawClient.pushFrame("w", "secret", "p2", "{\"batch\":[" + created(1, 0) + "," + created(2, 1)
                        + "]}"));
                JsonNode ok = RawClient.JSON.readTree(ws.frames.poll(30, TimeUnit.SECONDS));
                assertThat(ok.path("exit").path("_tag").asText()).as(ok.toString()).isEqualTo("Success");
                assertThat(server.eventStore().meta("w").head()).isEqualTo(2);
            }

            // 0.3 WebSocket: WSMessage.Error whose message carries the same typed error
            try (RawClient ws = RawClient.connect03(http, server, "z", "secret")) {
                ws.send("{\"_tag\":\"WSMessage.PushReq\",\"requestId\":\"q1\",\"batch\":[" + deleted(1, 0) + "]}");
                String frame = ws.frames.poll(30, TimeUnit.SECONDS);
                JsonNode error = RawClient.JSON.readTree(frame);
                assertThat(error.path("_tag").asText()).as(frame).isEqualTo("WSMessage.Error");
                assertThat(error.path("message").asText()).contains("event-refused").contains("\"seqNum\":1");
                assertThat(server.eventStore().meta("z").head()).isZero();
            }
            assertThat(server.metrics().pushRefusals("h")).isEqualTo(1);
            assertThat(server.metrics().pushRefusals("w")).isEqualTo(1);
            assertThat(server.metrics().pushRefusals("z")).isEqualTo(1);
            assertThat(Files.readString(dir.resolve("server.log"))).doesNotContain("secret");
        }
    }

    @Test
    void aFailingValidatorStoresNothingAndAnswersTheRetryableStorageError(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        for (Class<?> broken : List.of(Throws.class, OutOfRange.class)) {
            Path sub = Files.createDirectories(dir.resolve(broken.getSimpleName()));
            try (SyncServer server = start(sub, broken.getName());
                    RawClient ws = RawClient.connect(http, server, "f", "secret")) {
                ws.send(RawClient.pushFrame("f", "secret", "p1", "{\"batch\":[" + created(1, 0) + "]}"));
                JsonNode exit = RawClient.JSON.readTree(ws.frames.poll(30, TimeUnit.SECONDS));
                assertThat(exit.path("exit").path("cause").path("error").path("cause").path("code").asText())
                        .as(broken.getSimpleName()).isEqualTo("storage-error");
                HttpResponse<String> r = RawClient.httpPush(http, server, "f", "secret",
                        "{\"batch\":[" + created(1, 0) + "]}");
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(RawClient.JSON.readTree(r.body()).path("code").asText()).isEqualTo("storage-error");
                assertThat(server.eventStore().meta("f").head()).isZero();
                assertThat(server.metrics().pushRefusals("f")).isZero();
                assertThat(Files.readString(sub.resolve("server.log"))).contains("\"push-validator-failed\"");
            }
        }
    }

    @Test
    void theReadmeValidatorLetsOnlyTheOwnerCompleteATodo(@TempDir Path dir) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = start(dir, "com.example.OnlyOwnersComplete")) {
            String create = "{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"t1\",\"text\":\"milk\"},\"seqNum\":1,"
                    + "\"parentSeqNum\":0,\"clientId\":\"alice\",\"sessionId\":\"s\"}";
            String completeBy = "{\"name\":\"v1.TodoCompleted\",\"args\":{\"id\":\"t1\"},\"seqNum\":2,"
                    + "\"parentSeqNum\":1,\"clientId\":\"%s\",\"sessionId\":\"s\"}";
            assertThat(RawClient.httpPush(http, server, "o", "secret", "{\"batch\":[" + create + "]}").statusCode())
                    .isEqualTo(200);
            HttpResponse<String> bob = RawClient.httpPush(http, server, "o", "secret",
                    "{\"batch\":[" + completeBy.formatted("bob") + "]}");
            assertThat(bob.statusCode()).as(bob.body()).isEqualTo(403);
            assertThat(bob.body()).contains("only alice may complete t1");
            assertThat(RawClient.httpPush(http, server, "o", "secret",
                    "{\"batch\":[" + completeBy.formatted("alice") + "]}").statusCode()).isEqualTo(200);
            assertThat(stored(server, "o")).extracting(Event::clientId).containsExactly("alice", "alice");
        }
    }

    @Test
    void aMissingOrWrongValidatorClassFailsTheConfigurationClearly() {
        assertThatThrownBy(() -> ServerConfig.builder().pushValidator("com.example.NoSuchValidator"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("com.example.NoSuchValidator is not on the class path");
        assertThatThrownBy(() -> ServerConfig.builder().pushValidator(NotAValidator.class.getName()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("does not implement io.livesync.hub.PushValidator");
    }
}
