package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 item 1, the root cause with a real LiveStore 0.4.0 client. Instance B misses the announcement of events
 * pushed through instance A (its LISTEN connection is cut, as a busy machine delays it); the LiveStore client on B
 * then re-pulls. Before the fix B sent those events twice (catch-up and buffer), LiveStore's leader died on "Incoming
 * events must be greater than upstream head" and, with its default {@code onSyncError: 'ignore'}, pulled nothing
 * more: its next push got ServerAheadError and it stalled, as in NodeSyncHarnessTest's two-instance failure.
 */
class LiveStoreOnSecondPostgresInstanceGetsNoDuplicatesTest {

    private static final String PG = System.getProperty("livesync.postgres",
            "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
    private static final String TOKEN = "t";

    private static List<Integer> listenPids(String schema) throws Exception {
        try (Connection c = DriverManager.getConnection(PG); PreparedStatement ps = c.prepareStatement(
                "SELECT pid FROM pg_stat_activity WHERE query = ? ORDER BY backend_start")) {
            ps.setString(1, "LISTEN livesync_" + schema);
            List<Integer> pids = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    pids.add(rs.getInt(1));
                }
            }
            return pids;
        }
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(20); // polling interval of a bounded wait
        }
    }

    private static void pushThroughA(HttpClient http, SyncServer a, int from, int to) throws Exception {
        StringBuilder batch = new StringBuilder("{\"batch\":[");
        for (int s = from; s <= to; s++) {
            batch.append(s > from ? "," : "").append("{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"a-")
                    .append(s).append("\",\"text\":\"from A\"},\"seqNum\":").append(s).append(",\"parentSeqNum\":")
                    .append(s - 1).append(",\"clientId\":\"a\",\"sessionId\":\"a\"}");
        }
        batch.append("]}");
        HttpResponse<String> pushed = http.send(HttpRequest.newBuilder(a.httpUri().resolve("/sync/dup/push"))
                .header("Authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.ofString(batch.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(pushed.statusCode()).as(pushed.body()).isEqualTo(200);
    }

    @Test
    void aLiveStoreClientOnTheInstanceThatMissedAnnouncementsConverges(@TempDir Path dir) throws Exception {
        String schema = "lsdup_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", TOKEN)).postgres(PG, schema);
        try (SyncServer a = SyncServer.start(config.nodeId("server-a").logFile(dir.resolve("a.log")).build())) {
            await("A listens", () -> listenPids(schema).size() == 1);
            List<Integer> aPids = listenPids(schema);
            try (SyncServer b = SyncServer.start(config.nodeId("server-b").logFile(dir.resolve("b.log")).build());
                    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                await("B listens", () -> listenPids(schema).size() == 2);
                int bPid = listenPids(schema).stream().filter(p -> !aPids.contains(p)).findFirst().orElseThrow();
                try (LiveStoreDriver ls = new LiveStoreDriver("ws://127.0.0.1:" + b.port(), "dup", "ls-b", TOKEN,
                        "memory", dir.resolve("ls-b.err"))) {
                    ls.create(3, 3);
                    await("LiveStore's 3 events are on the server", () -> a.eventStore().meta("dup").head() == 3);
                    try (Connection c = DriverManager.getConnection(PG); Statement st = c.createStatement()) {
                        st.execute("SELECT pg_terminate_backend(" + bPid + ")");
                    }
                    await("B's LISTEN backend is gone", () -> !listenPids(schema).contains(bPid));
                    pushThroughA(http, a, 4, 13);
                    b.dropConnections("dup"); // LiveStore reconnects to B and pulls from its cursor 3
                    await("LiveStore's new pull is live on B", () -> b.metrics().render()
                            .contains("livesync_connections_opened_total 2") && b.metrics().render()
                            .contains("livesync_live_subscribers 1"));
                    assertThat(ls.waitFor(13, 30_000).path("reached").asBoolean()).as("caught up to 13").isTrue();
                    await("B listens again", () -> listenPids(schema).size() == 2);
                    pushThroughA(http, a, 14, 18); // announced to B: its live pull must deliver them
                    ls.create(1, 1); // at parent 13 it meets ServerAhead: only its pull can get it unstuck
                    boolean reached = ls.waitFor(19, 30_000).path("reached").asBoolean();
                    assertThat(reached).as("LiveStore holds all 19 todos; status " + ls.status() + "\nB's log:\n"
                            + Files.readString(dir.resolve("b.log"))).isTrue();
                    await("its own event is on the server", () -> a.eventStore().meta("dup").head() == 19);
                }
            }
        } finally {
            try (Connection c = DriverManager.getConnection(PG); Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }
}
