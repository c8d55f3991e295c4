package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.Event;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.hub.PushValidator;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17 with real processes: a real LiveStore 0.4.0 node client whose push is refused by the server's push
 * validator ({@code event-refused}). What LiveStore then does is recorded in docs/protocol.md from this test's
 * output ({@code target/livestore-refusal.txt}); the test asserts what the server guarantees whatever the client
 * does: the refused event is never stored, and the store keeps serving a livesync client and another LiveStore
 * client.
 */
class LiveStoreMeetsAPushValidatorTest {

    private static final String TOKEN = "interop-secret";
    private static final String STORE = "lv";

    /** Refuses every {@code v1.TodoDeleted}. */
    public static final class RefuseDeletes implements PushValidator {
        @Override
        public Verdict validate(Push push) {
            for (int i = 0; i < push.batch().size(); i++) {
                if (push.batch().get(i).name().equals("v1.TodoDeleted")) {
                    return Verdict.refuse(i, "todos may not be deleted");
                }
            }
            return Verdict.accept();
        }
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> diagnosis) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what + "\n" + diagnosis.get());
            }
            try {
                Thread.sleep(20); // polling interval of a bounded wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static JsonNode status(LiveStoreDriver d) {
        try {
            return d.status();
        } catch (Exception e) {
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.textNode("no status: " + e);
        }
    }

    @Test
    void theRefusedEventIsNeverStoredAndTheStoreServesEveryoneElse(@TempDir Path dir) throws Exception {
        StringBuilder record = new StringBuilder();
        try (SyncServer s = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", TOKEN)).pushValidator(RefuseDeletes.class.getName())
                .logFile(dir.resolve("server.log")).build());
                LiveStoreDriver refused = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), STORE, "ls-refused", TOKEN,
                        "memory", dir.resolve("ls-refused.err"))) {
            refused.create(2, 1);
            await("the LiveStore client's two todos are confirmed", () -> {
                JsonNode st = status(refused);
                return st.path("pending").asInt(-1) == 0 && st.path("upstreamHead").asLong() == 2;
            }, () -> status(refused).toString());
            record.append("before the delete: ").append(status(refused)).append('\n');

            refused.call("{\"cmd\":\"delete\"}");
            await("the server refused the delete", () -> s.metrics().pushRefusals(STORE) >= 1, () -> "");
            refused.create(1, 1); // committed after the refused event
            record.append("after the refusal: ").append(status(refused)).append('\n');

            // a livesync client writes to the same store and converges
            try (Store j = Store.builder().storeId(STORE).clientId("java").schema(TodoSchema.schema())
                    .backend(WebSocketSyncBackend.builder(URI.create("ws://127.0.0.1:" + s.port() + "/sync/" + STORE),
                            STORE).authToken(TOKEN).pingIntervalMillis(500).reconnectBackoff(50, 500).build())
                    .pushResumePolicy(PushResumePolicy.SUPERVISED).build()) {
                for (int i = 0; i < 3; i++) {
                    j.commit(List.of(TodoSchema.created("java-" + i, "java todo " + i)));
                }
                await("the livesync client's events are stored and confirmed", () -> j.syncStatus().pendingCount() == 0
                        && j.syncStatus().upstreamHead().global() == s.eventStore().meta(STORE).head()
                        && s.eventStore().meta(STORE).head() >= 5, () -> j.syncStatus().toString());
            }
            record.append("after a livesync client wrote 3 events: ").append(status(refused)).append('\n');

            // a fresh LiveStore client catches up and pushes
            try (LiveStoreDriver other = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), STORE, "ls-other", TOKEN,
                    "memory", dir.resolve("ls-other.err"))) {
                long head = s.eventStore().meta(STORE).head();
                other.create(1, 1);
                await("the other LiveStore client's todo is confirmed", () -> {
                    JsonNode st = status(other);
                    return st.path("pending").asInt(-1) == 0 && st.path("upstreamHead").asLong() == head + 1;
                }, () -> status(other).toString());
                record.append("the other LiveStore client: ").append(status(other)).append('\n');
            }
            // What LiveStore 0.4.0 does (a tripwire for upgrades; docs/protocol.md): it keeps the refused event and
            // everything committed after it pending, retries them with backoff (refused again each time), keeps
            // pulling, and does not die.
            long head = s.eventStore().meta(STORE).head();
            await("the refused LiveStore client keeps pulling up to the server head", () -> status(refused)
                    .path("upstreamHead").asLong() == head, () -> status(refused).toString());
            assertThat(status(refused).path("pending").asInt()).as("the refused delete and the todo after it")
                    .isEqualTo(2);
            assertThat(refused.isAlive()).isTrue();
            assertThat(s.metrics().pushRefusals(STORE)).as("refused again on retry").isGreaterThanOrEqualTo(2);
            record.append("finally: ").append(status(refused)).append(", alive ").append(refused.isAlive())
                    .append(", refusals ").append(s.metrics().pushRefusals(STORE)).append('\n');

            List<Event> stored = s.eventStore().read(STORE, 0, s.eventStore().meta(STORE).head(), 1000);
            assertThat(stored).extracting(Event::name).doesNotContain("v1.TodoDeleted");
            HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    s.httpUri().resolve("/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(health.statusCode()).isEqualTo(200);
            record.append("stored: ").append(stored.stream().map(e -> e.seq().global() + " " + e.name() + " "
                    + e.clientId()).toList()).append('\n');
            record.append("--- LiveStore stdout ---\n").append(refused.clientOutput());
        } finally {
            record.append("--- LiveStore stderr ---\n");
            Path err = dir.resolve("ls-refused.err");
            if (Files.exists(err)) {
                record.append(Files.readString(err));
            }
            record.append("--- server log (refusals) ---\n");
            Path log = dir.resolve("server.log");
            if (Files.exists(log)) {
                Files.readAllLines(log).stream().filter(l -> l.contains("refus") || l.contains("connection-"))
                        .forEach(l -> record.append(l).append('\n'));
            }
            Files.createDirectories(Path.of("target"));
            Files.writeString(Path.of("target", "livestore-refusal.txt"), record.toString());
        }
    }
}
