package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items 1, 4 and C: two server instances on one PostgreSQL database. Instance B's LISTEN connection is cut
 * ({@code pg_terminate_backend}) and events 1..5 are pushed through instance A while B cannot hear the notification.
 * Every live pull on B must still receive 1..5 exactly once (B catches up from the stored head when LISTEN comes back,
 * and a new pull joins catch-up and live at a known head), and a reset done through A must reach B.
 */
class PostgresPublicationExactAcrossInstancesTest {

    @TempDir
    Path dir;
    private String schema;
    private SyncServer a;
    private SyncServer b;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeEach
    void start() {
        schema = Postgres.freshSchema("pubexact");
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", "secret"))
                .postgres(Postgres.URL, schema);
        a = SyncServer.start(config.nodeId("server-a").logFile(dir.resolve("a.log")).build());
        ServerFixture.await("A listens", () -> listenPids().size() == 1);
        List<Integer> aPids = listenPids();
        b = SyncServer.start(config.nodeId("server-b").logFile(dir.resolve("b.log")).build());
        ServerFixture.await("B listens", () -> listenPids().size() == 2);
        bListenPid = listenPids().stream().filter(p -> !aPids.contains(p)).findFirst().orElseThrow();
    }

    private int bListenPid;

    @AfterEach
    void stop() {
        b.close();
        a.close();
        Postgres.drop(schema);
    }

    private List<Integer> listenPids() {
        try (Connection c = DriverManager.getConnection(Postgres.URL);
                PreparedStatement ps = c.prepareStatement(
                        "SELECT pid FROM pg_stat_activity WHERE query = ? ORDER BY backend_start")) {
            ps.setString(1, "LISTEN livesync_" + schema);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Terminates B's LISTEN backend and waits until PostgreSQL no longer has it (no notification can reach it). */
    private void cutListenOfB() throws Exception {
        try (Connection c = DriverManager.getConnection(Postgres.URL); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(" + bListenPid + ")");
        }
        ServerFixture.await("B's LISTEN backend is gone", () -> !listenPids().contains(bListenPid));
    }

    private void pushThroughA(long from, long to) throws Exception {
        HttpResponse<String> r = RawClient.httpPush(http, a, "s", "secret", RawClient.batch(from, to, "x"));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private static List<Long> range(long from, long to) {
        return LongStream.rangeClosed(from, to).boxed().toList();
    }

    private static void awaitSeqs(String what, Supplier<List<Long>> seqs, List<Long> expected) {
        ServerFixture.await(what, () -> seqs.get().size() >= expected.size(),
                () -> "received " + seqs.get() + ", expected " + expected);
        assertThat(seqs.get()).as(what).isEqualTo(expected);
    }

    @Test
    void aPullLiveOnBBeforeItsListenWasCutGetsTheMissedEventsExactlyOnce() throws Exception {
        try (RawClient live = RawClient.connect(http, b, "s", "secret")) {
            live.pull("p", null, true);
            ServerFixture.await("the empty first page", () -> live.all.stream().anyMatch(f -> f.contains("Chunk")));
            cutListenOfB();
            pushThroughA(1, 5);
            awaitSeqs("the live pull on B got 1..5 without any other client's help", () -> live.seqs("p"),
                    range(1, 5));
            ServerFixture.await("B listens again", () -> listenPids().size() == 2);
            pushThroughA(6, 6);
            awaitSeqs("then 6, and nothing twice", () -> live.seqs("p"), range(1, 6));
        }
    }

    @Test
    void aPullStartedOnBAfterItMissedNotificationsGetsEveryEventExactlyOnce() throws Exception {
        try (RawClient earlier = RawClient.connect(http, b, "s", "secret")) {
            earlier.pull("once", null, false); // B now follows store s (its head 0 is cached)
            ServerFixture.await("the non-live pull ends", () -> earlier.all.stream().anyMatch(f -> f.contains("Exit")));
        }
        cutListenOfB();
        pushThroughA(1, 5);
        try (RawClient fresh = RawClient.connect(http, b, "s", "secret")) {
            fresh.pull("p", null, true);
            ServerFixture.await("B listens again", () -> listenPids().size() == 2);
            pushThroughA(6, 6);
            awaitSeqs("catch-up 1..5 and live 6, each once", () -> fresh.seqs("p"), range(1, 6));
        }
    }

    @Test
    void aResetThroughAReachesBAndItsLivePulls() throws Exception {
        try (RawClient before = RawClient.connect(http, b, "s", "secret")) {
            before.pull("p", null, true);
            pushThroughA(1, 3);
            awaitSeqs("B's live pull follows the old store", () -> before.seqs("p"), range(1, 3));
            String oldBackend = b.hub().backendId("s");
            String fresh = a.resetStore("s");
            assertThat(fresh).isNotEqualTo(oldBackend);
            ServerFixture.await("B closes the sockets of the reset store", () -> before.closed != null);
            ServerFixture.await("B serves the new backend id", () -> fresh.equals(b.hub().backendId("s")));
        }
        pushThroughA(1, 4);
        try (RawClient after = RawClient.connect(http, b, "s", "secret")) {
            after.pull("p", null, true);
            awaitSeqs("catch-up of the new store", () -> after.seqs("p"), range(1, 4));
            pushThroughA(5, 5);
            awaitSeqs("live after the reset", () -> after.seqs("p"), range(1, 5));
        }
        HttpResponse<String> pushB = RawClient.httpPush(http, b, "s", "secret",
                "{\"batch\":[" + RawClient.EVENT.formatted(6, "b", 6, 5) + "],\"backendId\":\""
                        + a.hub().backendId("s") + "\"}");
        assertThat(pushB.statusCode()).as(pushB.body()).isEqualTo(200);
    }

    @Test
    void aPushThroughBWithTheBackendIdOfBeforeAResetThroughAIsRefusedEvenBeforeBHearsOfIt() throws Exception {
        String old = b.hub().backendId("s"); // B follows s and caches its backend id
        cutListenOfB(); // B will not hear of the reset for a while
        String fresh = a.resetStore("s");
        HttpResponse<String> r = RawClient.httpPush(http, b, "s", "secret", "{\"batch\":["
                + RawClient.EVENT.formatted(1, "stale", 1, 0) + "],\"backendId\":\"" + old + "\"}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
        assertThat(r.body()).contains("BackendIdMismatchError").contains(fresh);
        assertThat(a.eventStore().meta("s").head()).as("nothing stored under the new backend id").isZero();
        assertThat(b.hub().backendId("s")).as("B learned of the reset").isEqualTo(fresh);
    }
}
