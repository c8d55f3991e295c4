package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.client.EventTooLargeException;
import io.livesync.client.JsonLog;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.wire.WireLimits;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #11 item 1 against the real server over real sockets: pushes fit the server's frame and event limits, a batch
 * refused for its size is split (never re-sent unchanged), and an event no server push could carry is refused at
 * {@code commit}.
 */
class OversizedPushesAgainstTheRealServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static SyncServer server(Path dir, int port, WireLimits limits) {
        return SyncServer.start(ServerConfig.builder().port(port).dataDir(dir).tokens(Map.of("*", "secret"))
                .limits(limits).logFile(dir.resolve("server.log")).build());
    }

    private static Store client(URI ws, String clientId, WireLimits believed, ByteArrayOutputStream log) {
        return Store.builder().storeId("big").clientId(clientId).schema(TodoSchema.schema())
                .backend(WebSocketSyncBackend.builder(ws, "big").authToken("secret").pingIntervalMillis(500)
                        .reconnectBackoff(20, 100).serverLimits(believed).build())
                .pushResumePolicy(PushResumePolicy.SUPERVISED)
                .log(JsonLog.toStream(log, true))
                .leader(l -> l.backoff(20, 200).stallAfterMillis(2000).watchdogIntervalMillis(200))
                .build();
    }

    /** Commits {@code n} todos of {@code textBytes} each while the server is down, then brings it up. */
    private static SyncServer commitOfflineThenStart(Path dir, WireLimits limits, Store[] holder, String clientId,
            WireLimits believed, ByteArrayOutputStream log, int n, int textBytes) {
        int port;
        try (SyncServer probe = server(dir, 0, limits)) {
            port = probe.port();
        }
        holder[0] = client(URI.create("ws://127.0.0.1:" + port + "/sync/big"), clientId, believed, log);
        for (int i = 0; i < n; i++) {
            holder[0].commit(List.of(TodoSchema.created(clientId + "-" + i, "x".repeat(textBytes))));
        }
        assertThat(holder[0].syncStatus().pendingCount()).isEqualTo(n);
        return server(dir, port, limits);
    }

    private static List<JsonNode> logLines(ByteArrayOutputStream log, String event) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : log.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.contains("\"" + event + "\"")) {
                JsonNode node = JSON.readTree(line);
                if (event.equals(node.path("event").asText())) {
                    lines.add(node);
                }
            }
        }
        return lines;
    }

    @Test
    void fiftyLargeOfflineCommitsReachTheServerInPushesThatFitItsFrameLimit(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Store[] a = new Store[1];
        try (SyncServer server = commitOfflineThenStart(dir, WireLimits.DEFAULT, a, "a", WireLimits.DEFAULT, log, 50,
                22 * 1024)) {
            try (Store store = a[0]) {
                EndToEndSyncTest.awaitConverged(server, "big", 50, store);
                assertThat(logLines(log, "backend-push-error")).as("no push was refused").isEmpty();
                assertThat(logLines(log, "backend-push-batch")).as("50 x 22 KiB need at least two pushes")
                        .hasSizeGreaterThanOrEqualTo(2);
            }
        }
    }

    @Test
    void aServerWithSmallerLimitsThanBelievedSplitsRefusedBatchesAndNeverResendsOne(@TempDir Path dir)
            throws Exception {
        WireLimits small = new WireLimits(64 * 1024, 100, 16 * 1024, 64);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Store[] a = new Store[1];
        try (SyncServer server = commitOfflineThenStart(dir, small, a, "a", WireLimits.DEFAULT, log, 60, 2048)) {
            try (Store store = a[0]) {
                EndToEndSyncTest.awaitConverged(server, "big", 60, store);
                assertThat(logLines(log, "push-batch-split")).as("the server refused at least one batch").isNotEmpty();
                Set<String> sent = new HashSet<>();
                Set<String> refused = new HashSet<>();
                for (JsonNode split : logLines(log, "push-batch-split")) {
                    assertThat(split.path("code").asText()).isEqualTo("frame-too-large");
                }
                for (JsonNode error : logLines(log, "backend-push-error")) {
                    refused.add(error.path("first").asText() + "/" + error.path("size").asText());
                }
                for (JsonNode batch : logLines(log, "backend-push-batch")) {
                    String key = batch.path("first").asText() + "/" + batch.path("size").asText();
                    assertThat(refused.contains(key) && !sent.add(key)).as("batch " + key + " was refused and sent"
                            + " again").isFalse();
                    sent.add(key);
                }
            }
        }
    }

    @Test
    void anEventNoPushCouldCarryIsRefusedAtCommitAndNeverEntersTheLog(@TempDir Path dir) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (SyncServer server = server(dir, 0, WireLimits.DEFAULT);
                Store a = client(server.wsUri("big"), "a", WireLimits.DEFAULT, log)) {
            assertThatThrownBy(() -> a.commit(List.of(TodoSchema.created("huge", "x".repeat(300 * 1024)))))
                    .isInstanceOf(EventTooLargeException.class)
                    .hasMessageContaining("v1.TodoCreated").hasMessageContaining("262144");
            assertThat(a.eventLog()).isEmpty();
            assertThat(a.syncStatus().pendingCount()).isZero();
            a.commit(List.of(TodoSchema.created("small", "fits")));
            EndToEndSyncTest.awaitConverged(server, "big", 1, a);
        }
    }

    @Test
    void aSingleEventTheServerRefusesParksThePushLoopVisiblyWhilePullsGoOn(@TempDir Path dir) throws Exception {
        WireLimits small = new WireLimits(64 * 1024, 100, 4 * 1024, 64);
        ByteArrayOutputStream logA = new ByteArrayOutputStream();
        try (SyncServer server = server(dir, 0, small);
                Store a = client(server.wsUri("big"), "a", WireLimits.DEFAULT, logA);
                Store b = client(server.wsUri("big"), "b", small, new ByteArrayOutputStream())) {
            a.commit(List.of(TodoSchema.created("a-big", "x".repeat(8 * 1024))));
            ServerFixture.await("a's push loop stops for good", () -> a.syncStatus().pushLoopReason()
                    .contains("event-too-large"), () -> a.syncStatus().toString());
            assertThat(a.syncStatus().pushLoop()).isEqualTo("parked");
            b.commit(List.of(TodoSchema.created("b-1", "small")));
            ServerFixture.await("a still pulls b's event", () -> a.syncStatus().upstreamHead().global() == 1,
                    () -> a.syncStatus().toString());
            assertThat(a.syncStatus().pendingCount()).as("a's event stays, unpushed").isEqualTo(1);
            assertThat(logLines(logA, "push-loop-stopped")).hasSize(1);
            assertThat(logLines(logA, "backend-push-batch")).as("the refused event was sent once").hasSize(1);
        }
    }
}
