package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flags the server raises by itself (docs/dashboard.md), each with real clients over real sockets: raised (log
 * line, metric, dashboard JSON) while the condition holds, cleared when it ends, and never for a healthy idle client.
 */
class ServerRaisesFlagsTest {

    static final FlagThresholds FAST = new FlagThresholds(Duration.ofMillis(400), 5, Duration.ofMillis(800),
            Duration.ofMillis(50));
    final HttpClient http = HttpClient.newHttpClient();

    static Store legacyClient(URI ws, String storeId, String clientId) {
        return Store.builder().storeId(storeId).clientId(clientId).schema(TodoSchema.schema())
                .backend(WebSocketSyncBackend.builder(ws, storeId).authToken("secret").pingIntervalMillis(500)
                        .reconnectBackoff(50, 500).build())
                .pushResumePolicy(PushResumePolicy.REBASE_ONLY)
                .leader(l -> l.backoff(50, 500).backendPushBatchSize(50))
                .build();
    }

    static JsonNode flagsJson(DashboardEndpointsTest t, SyncServer server) throws Exception {
        return t.api(server, "/admin/api/flags");
    }

    static boolean logHas(Path log, String... parts) {
        try {
            return Files.readAllLines(log).stream().anyMatch(l -> List.of(parts).stream().allMatch(l::contains));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aLivePullBehindTheHeadIsFlaggedThenCleared(@TempDir Path dir) throws Exception {
        String storeId = "lag";
        DashboardEndpointsTest api = new DashboardEndpointsTest();
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                Store b = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-b", "secret")) {
            server.flagThresholds(FAST);
            EndToEndSyncTest.commitTodos(b, "b", 20, 5);
            EndToEndSyncTest.awaitConverged(server, storeId, 20, b);
            // a slow server: the next pull waits 3 s before its catch-up, so client-a's live pull stays at its cursor
            server.delayCatchUps(3_000);
            try (Store a = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-a", "secret")) {
                ServerFixture.await("a lagging-live-pull flag", () -> !server.activeFlags(Flags.LAGGING).isEmpty(),
                        () -> server.activeFlags(Flags.LAGGING).toString());
                assertThat(server.activeFlags(Flags.LAGGING)).singleElement().asString()
                        .contains("live pull at 0, store head 20 (20 events behind); it has not reached 20");
                assertThat(server.metrics().render()).contains("livesync_flags_raised_total{kind=\"lagging-live-pull\"} 1")
                        .contains("livesync_flags_active{kind=\"lagging-live-pull\"} 1");
                JsonNode flags = flagsJson(api, server).path("flags");
                assertThat(flags.get(0).path("kind").asText()).isEqualTo(Flags.LAGGING);
                assertThat(flags.get(0).path("active").asBoolean()).isTrue();
                assertThat(logHas(dir.resolve("server.log"), "\"flag-raised\"", "lagging-live-pull")).isTrue();
                // once the catch-up ran, the pull is at the head: cleared
                EndToEndSyncTest.awaitConverged(server, storeId, 20, a, b);
                ServerFixture.await("the flag cleared", () -> server.activeFlags(Flags.LAGGING).isEmpty());
                assertThat(logHas(dir.resolve("server.log"), "\"flag-cleared\"", "lagging-live-pull")).isTrue();
                assertThat(server.metrics().render()).contains("livesync_flags_active{kind=\"lagging-live-pull\"} 0");
                // client-b (idle, healthy, at the head the whole time) was never flagged
                assertThat(server.flags().list(false, null)).noneMatch(f -> "client-b".equals(f.clientId()));
            }
        }
    }

    @Test
    void livePullsKeepingUpWithABusyStoreAreNotFlagged(@TempDir Path dir) throws Exception {
        String storeId = "busy";
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                Store a = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-a", "secret");
                Store b = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-b", "secret")) {
            // checked every 20 ms: a pull is nearly always a few events behind the newest head while both write
            server.flagThresholds(new FlagThresholds(Duration.ofMillis(1500), 5, Duration.ofSeconds(60),
                    Duration.ofMillis(20)));
            long start = System.nanoTime();
            int n = 0;
            while (System.nanoTime() - start < Duration.ofSeconds(4).toNanos()) {
                EndToEndSyncTest.commitTodos(a, "a" + n, 1, 1);
                EndToEndSyncTest.commitTodos(b, "b" + n, 1, 1);
                n++;
            }
            EndToEndSyncTest.awaitConverged(server, storeId, 2L * n, a, b);
            assertThat(server.flags().list(false, null)).as(n + " commits each").noneMatch(f -> f.kind().equals(Flags.LAGGING));
        }
    }

    @Test
    void pushesRefusedAgainAndAgainAtOneParentAreAServerAheadLoop(@TempDir Path dir) throws Exception {
        String storeId = "loop";
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN)) {
            server.flagThresholds(FAST);
            assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(1, 3, "first")).statusCode())
                    .isEqualTo(200);
            // a client that keeps pushing events 1..2 onto parent 0 while the head is 3 (what a LiveStore client did
            // for minutes in the N = 10,000 benchmark), four times: not yet a loop
            for (int i = 0; i < 4; i++) {
                assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(1, 2, "again"))
                        .statusCode()).isEqualTo(409);
            }
            server.flags().check();
            assertThat(server.activeFlags(Flags.LOOP)).isEmpty();
            assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(1, 2, "again")).statusCode())
                    .isEqualTo(409);
            ServerFixture.await("a server-ahead-loop flag", () -> !server.activeFlags(Flags.LOOP).isEmpty());
            assertThat(server.activeFlags(Flags.LOOP)).singleElement().asString().startsWith("loop/raw: ")
                    .contains("5 pushes in a row refused with ServerAhead at parent 0");
            assertThat(logHas(dir.resolve("server.log"), "\"flag-raised\"", "server-ahead-loop")).isTrue();
            // the client pushes at the head: the loop is over
            assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(4, 4, "fine")).statusCode())
                    .isEqualTo(200);
            ServerFixture.await("the loop flag cleared", () -> server.activeFlags(Flags.LOOP).isEmpty());
        }
    }

    @Test
    void aClientThatCatchesUpToTheNamedHeadAndLosesTheRaceAgainIsNotALoop(@TempDir Path dir) throws Exception {
        String storeId = "race";
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN)) {
            server.flagThresholds(FAST);
            String other = RawClient.batch(1, 1, "o").replace("\"clientId\":\"raw\"", "\"clientId\":\"other\"");
            assertThat(RawClient.httpPush(http, server, storeId, "secret", other).statusCode()).isEqualTo(200);
            // eight times: another client pushes one event, then "raw" pushes at the head the previous refusal named
            // (it caught up with what it was told) and loses the race again: each refusal starts a new streak
            for (long head = 1; head <= 8; head++) {
                String next = RawClient.batch(head + 1, head + 1, "o").replace("\"clientId\":\"raw\"",
                        "\"clientId\":\"other\"");
                assertThat(RawClient.httpPush(http, server, storeId, "secret", next).statusCode()).isEqualTo(200);
                assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(head + 1, head + 1, "r"))
                        .statusCode()).isEqualTo(409);
            }
            server.flags().check();
            assertThat(server.flags().list(false, null)).noneMatch(f -> f.kind().equals(Flags.LOOP));
            // the next refusal below the head it was just told (9) is the second of a streak; three more make a loop
            for (int i = 0; i < 4; i++) {
                assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(9, 9, "r")).statusCode())
                        .isEqualTo(409);
            }
            ServerFixture.await("a server-ahead-loop flag", () -> !server.activeFlags(Flags.LOOP).isEmpty());
            assertThat(server.activeFlags(Flags.LOOP)).singleElement().asString().startsWith("race/raw: ")
                    .contains("5 pushes in a row refused with ServerAhead at parent 8, each below the head the refusal before it named (last 9)");
        }
    }

    @Test
    void aClientQuietAfterALostAckIsFlaggedAndAHealthyIdleOneIsNot(@TempDir Path dir) throws Exception {
        String storeId = "quiet";
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                Store healthy = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "healthy", "secret")) {
            server.flagThresholds(FAST);
            EndToEndSyncTest.commitTodos(healthy, "h", 2, 2);
            EndToEndSyncTest.awaitConverged(server, storeId, 2, healthy);
            // H001 with livesync's legacy policy: the ack of its first push is lost (F2), its next events stay local
            server.faults(PushFaults.onNthAcceptedPush(PushFaults.AfterAccept.DROP_CONNECTION, 1));
            try (Store stalled = legacyClient(server.wsUri(storeId), storeId, "stalled")) {
                EndToEndSyncTest.commitTodos(stalled, "s", 2, 2);
                ServerFixture.await("B1 stored", () -> server.eventStore().meta(storeId).head() == 4);
                ServerFixture.await("B1's echo reached the stalled client", () -> stalled.syncStatus()
                        .upstreamHead().global() == 4);
                EndToEndSyncTest.commitTodos(stalled, "s2", 2, 2);
                ServerFixture.await("a quiet-after-failed-push flag", () -> !server.activeFlags(Flags.QUIET).isEmpty(),
                        () -> server.activeFlags(Flags.QUIET) + "\n" + stalled.syncStatus());
                assertThat(stalled.syncStatus().pendingCount()).isEqualTo(2); // it really is stalled
                ServerFixture.await("the client's own report makes the flag certain", () -> server
                        .activeFlags(Flags.QUIET).toString().contains("certainly"), () -> server.activeFlags(Flags.QUIET)
                        .toString());
                assertThat(server.activeFlags(Flags.QUIET)).singleElement().asString().startsWith("quiet/stalled: ")
                        .contains("accepted, ack not delivered (injected lost ack)")
                        .contains("The client reports 2 events to push");
                assertThat(logHas(dir.resolve("server.log"), "\"flag-raised\"", "quiet-after-failed-push",
                        "\"client\":\"stalled\"")).isTrue();
                // the healthy client, idle since its acked push, is not flagged
                assertThat(server.flags().list(false, null)).noneMatch(f -> "healthy".equals(f.clientId()));
                // a foreign event makes the legacy client rebase and push: the flag clears
                server.appendForeignEvent(storeId);
                EndToEndSyncTest.awaitConverged(server, storeId, 7, stalled, healthy);
                ServerFixture.await("the quiet flag cleared", () -> server.activeFlags(Flags.QUIET).isEmpty());
            }
        }
    }

    @Test
    void aLivesyncClientThatReportsNothingToPushIsNotFlaggedAfterALostAck(@TempDir Path dir) throws Exception {
        String storeId = "idle-after-loss";
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN)) {
            server.flagThresholds(FAST);
            server.faults(PushFaults.onNthAcceptedPush(PushFaults.AfterAccept.DROP_CONNECTION, 1));
            try (Store idle = legacyClient(server.wsUri(storeId), storeId, "idle")) {
                EndToEndSyncTest.commitTodos(idle, "i", 2, 2); // its only push: stored, the ack lost, the echo confirms
                ServerFixture.await("the echo confirmed its events", () -> idle.syncStatus().upstreamHead().global() == 2
                        && idle.syncStatus().pendingCount() == 0);
                server.appendForeignEvent(storeId); // the store moves on past the failed push's parent
                ServerFixture.await("the idle client saw the foreign event", () -> idle.syncStatus().upstreamHead()
                        .global() == 3);
                // well past the quiet threshold (800 ms) and several reports (every 500 ms): never flagged, because
                // the client says it has nothing to push
                long since = System.nanoTime();
                ServerFixture.await("the quiet threshold passed three times over", () -> System.nanoTime() - since
                        > java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(2_400));
                assertThat(server.flags().list(false, null)).noneMatch(f -> "idle".equals(f.clientId()));
            }
        }
    }
}
