package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.server.PushFaults;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server never triggers the LiveStore client bugs of S5, S6 and S10 (LIVESTORE-WS-PROTOCOL.md): Pongs do not wait
 * for storage, a live pull is never ended (a shed client's socket is closed and it recovers by itself), and after the
 * server drops sockets the client reconnects, re-pulls and receives foreign events live (S4).
 */
class LiveStoreServerBehaviourTest {

    private static final String TOKEN = "t";

    private static SyncServer server(Path dir, int maxLive) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data")).tokens(Map.of("*", TOKEN))
                .maxLiveSubscribersPerStore(maxLive).logFile(dir.resolve("server.log")).build());
    }

    private static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling interval of a bounded wait
        }
    }

    @Test
    void s4AfterTheServerDropsSocketsTheClientReconnectsAndGetsForeignEventsLive(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir, 100);
                LiveStoreDriver ls = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "s4", "ls-a", TOKEN, "memory",
                        dir.resolve("ls.err"));
                Store java = Store.builder().storeId("s4").clientId("java").schema(TodoSchema.schema())
                        .backend(WebSocketSyncBackend.builder(s.wsUri("s4"), "s4").authToken(TOKEN)
                                .reconnectBackoff(50, 500).build()).build()) {
            ls.create(3, 3);
            assertThat(ls.waitFor(3, 30_000).path("reached").asBoolean()).isTrue();
            await("the first events on the server", Duration.ofSeconds(30), () -> s.eventStore().meta("s4").head() == 3);
            s.dropConnections("s4");
            java.commit(List.of(TodoSchema.created("foreign-1", "after the drop")));
            assertThat(ls.waitFor(4, 30_000).path("reached").asBoolean()).as("the foreign event arrived live").isTrue();
        }
    }

    /** A raw socket: Pings must be answered promptly while a push sits in a slow store. */
    @Test
    void pongsAreNotDelayedByASlowStore(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir, 100); HttpClient http = HttpClient.newHttpClient()) {
            CountDownLatch pushEnteredStore = new CountDownLatch(1);
            CountDownLatch releaseStore = new CountDownLatch(1);
            s.faults((store, batch, head) -> {
                pushEnteredStore.countDown();
                try {
                    releaseStore.await(10, TimeUnit.SECONDS); // the store is slow: this push waits here
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return PushFaults.Decision.NONE;
            });
            LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
            String payload = java.net.URLEncoder.encode(java.net.URLEncoder.encode("{\"authToken\":\"t\"}", "UTF-8"),
                    "UTF-8");
            WebSocket ws = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + s.port()
                    + "/?storeId=pong&payload=" + payload + "&transport=ws"), new WebSocket.Listener() {
                        @Override
                        public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                            frames.add(data.toString());
                            w.request(1);
                            return null;
                        }
                    }).join();
            ws.sendText("{\"_tag\":\"Request\",\"id\":\"1\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\"pong\","
                    + "\"payload\":{\"authToken\":\"t\"},\"batch\":[{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"x\","
                    + "\"text\":\"y\"},\"seqNum\":1,\"parentSeqNum\":0,\"clientId\":\"c\",\"sessionId\":\"s\"}],"
                    + "\"backendId\":{\"_tag\":\"None\"}},\"headers\":[]}", true).join();
            assertThat(pushEnteredStore.await(10, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 5; i++) {
                long start = System.nanoTime();
                ws.sendText("{\"_tag\":\"Ping\"}", true).join();
                String frame = frames.poll(2, TimeUnit.SECONDS);
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(frame).as("ping " + i + " answered while the push is in the store").isEqualTo("{\"_tag\":\"Pong\"}");
                System.out.println("[pong] answered in " + millis + " ms while a push was stuck in the store");
            }
            releaseStore.countDown();
            String ack = frames.poll(10, TimeUnit.SECONDS);
            assertThat(ack).contains("\"_tag\":\"Exit\"").contains("\"Success\"");
            ws.abort();
        }
    }

    @Test
    void aShedClientsSocketIsClosedNotItsPullEndedAndItRecoversByItself(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir, 1)) {
            LiveStoreDriver first = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "shed", "ls-a", TOKEN, "memory",
                    dir.resolve("a.err"));
            first.create(1, 1);
            assertThat(first.waitFor(1, 30_000).path("reached").asBoolean()).isTrue();
            await("the first client's event on the server", Duration.ofSeconds(30),
                    () -> s.eventStore().meta("shed").head() == 1);
            try (LiveStoreDriver second = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "shed", "ls-b", TOKEN,
                    "memory", dir.resolve("b.err"))) {
                await("the second client is shed", Duration.ofSeconds(30),
                        () -> s.metrics().render().matches("(?s).*livesync_connections_shed_total [1-9].*"));
                assertThat(Files.readString(dir.resolve("server.log"))).contains("\"event\":\"connection-shed\"")
                        .contains("maxLiveSubscribersPerStore").doesNotContain("\"event\":\"pull-failed\"");
                first.close(); // room again: the shed client must get in by itself
                assertThat(second.waitFor(1, 60_000).path("reached").asBoolean()).as("recovered").isTrue();
            }
        }
    }
}
