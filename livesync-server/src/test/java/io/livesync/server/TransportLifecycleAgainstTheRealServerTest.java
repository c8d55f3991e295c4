package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.client.ClientSchema;
import io.livesync.client.JsonLog;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.leader.PushResumePolicy;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #11 items 2 and 6 against the real server: connection flaps and a slow leader. */
class TransportLifecycleAgainstTheRealServerTest {

    private static Store client(URI ws, String clientId, ClientSchema schema, long pingMillis,
            ByteArrayOutputStream log, WebSocketSyncBackend[] backendOut) {
        WebSocketSyncBackend backend = WebSocketSyncBackend.builder(ws, "flow").authToken("secret")
                .pingIntervalMillis(pingMillis).reconnectBackoff(5, 50).seed(3).build();
        if (backendOut != null) {
            backendOut[0] = backend;
        }
        return Store.builder().storeId("flow").clientId(clientId).schema(schema).backend(backend)
                .pushResumePolicy(PushResumePolicy.SUPERVISED).log(JsonLog.toStream(log, true))
                .leader(l -> l.backoff(10, 100).stallAfterMillis(2000).watchdogIntervalMillis(200))
                .build();
    }

    private static List<String> connectionEvents(ByteArrayOutputStream log) {
        List<String> events = new ArrayList<>();
        for (String line : log.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.contains("\"event\":\"connection-up\"")) {
                events.add("up");
            } else if (line.contains("\"event\":\"connection-down\"")) {
                events.add("down");
            }
        }
        return events;
    }

    @Test
    void connectionFlapsNeverLeaveTheLeaderAndTheTransportDisagreeing(@TempDir Path dir) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        WebSocketSyncBackend[] backend = new WebSocketSyncBackend[1];
        try (SyncServer server = ServerFixture.sqlite(dir);
                Store a = client(server.wsUri("flow"), "a", TodoSchema.schema(), 200, log, backend)) {
            for (int i = 0; i < 40; i++) {
                a.commit(List.of(TodoSchema.created("a-" + i, "todo " + i)));
                if (i % 2 == 0) {
                    ServerFixture.await("a is connected", () -> backend[0].isConnected());
                }
                server.dropConnections("flow"); // the server closes every socket of the store, mid-whatever
            }
            EndToEndSyncTest.awaitConverged(server, "flow", 40, a);
            ServerFixture.await("leader and transport agree", () -> a.syncStatus().connected()
                    && backend[0].isConnected(), () -> a.syncStatus() + " transport " + backend[0].isConnected());
            List<String> events = connectionEvents(log);
            for (int i = 0; i < events.size(); i++) {
                assertThat(events.get(i)).as("announcements alternate, starting with up: " + events)
                        .isEqualTo(i % 2 == 0 ? "up" : "down");
            }
            assertThat(events).as("the flaps were seen").hasSizeGreaterThanOrEqualTo(20);
        }
    }

    @Test
    void aSlowLeaderDoesNotAbortItsOwnHealthySocket(@TempDir Path dir) throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean blockOnce = new AtomicBoolean(true);
        ClientSchema slow = ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE marks (id TEXT PRIMARY KEY)")
                .event(EventDefinition.synced(TodoSchema.TODO_CREATED, ArgsValidator.stringMembers("id", "text")),
                        (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("text").asText()))
                .event(EventDefinition.synced("test.Slow", ArgsValidator.stringMembers("id")), (e, sql) -> {
                    if (blockOnce.compareAndSet(true, false)) {
                        entered.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS); // the leader is busy: it reads no pages
                        } catch (InterruptedException interrupted) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    sql.execute("INSERT OR REPLACE INTO marks (id) VALUES (?)", e.args().get("id").asText());
                })
                .build();
        ByteArrayOutputStream logA = new ByteArrayOutputStream();
        long ping = 50; // the silence limit is 100 ms
        try (SyncServer server = ServerFixture.sqlite(dir);
                Store a = client(server.wsUri("flow"), "a", slow, ping, logA, null);
                Store b = client(server.wsUri("flow"), "b", slow, ping, new ByteArrayOutputStream(), null)) {
            ServerFixture.await("a is connected", () -> a.syncStatus().connected());
            Thread committer = Thread.ofVirtual().start(() -> a.commit("test.Slow",
                    JsonNodeFactory.instance.objectNode().put("id", "slow")));
            assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 40; i++) { // forty pushes: forty live chunks for a, more than it reads ahead
                b.commit(List.of(TodoSchema.created("b-" + i, "todo " + i)));
            }
            ServerFixture.await("the server has b's events", () -> server.eventStore().meta("flow").head() >= 40);
            long blockedSince = System.nanoTime();
            ServerFixture.await("a has been slow for ten silence limits",
                    () -> System.nanoTime() - blockedSince > TimeUnit.MILLISECONDS.toNanos(20 * ping));
            release.countDown();
            committer.join();
            EndToEndSyncTest.awaitConverged(server, "flow", 41, a, b);
            assertThat(connectionEvents(logA)).as("a never dropped its socket").containsExactly("up");
        }
    }
}
