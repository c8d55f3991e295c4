package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.client.Store;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances on one PostgreSQL database, a livesync client on each: each instance's dashboard JSON shows its own
 * connection, the store-wide head, and the event log with both clients' events.
 */
class DashboardOnTwoPostgresInstancesTest {

    @Test
    void eachInstanceShowsItsOwnConnectionsAndTheStoreWideHead(@TempDir Path dir) throws Exception {
        String schema = Postgres.freshSchema("dashboard");
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", "secret"))
                .adminToken(DashboardEndpointsTest.ADMIN).postgres(Postgres.URL, schema);
        DashboardEndpointsTest api = new DashboardEndpointsTest();
        try (SyncServer one = SyncServer.start(config.nodeId("server-1").logFile(dir.resolve("s1.log")).build());
                SyncServer two = SyncServer.start(config.nodeId("server-2").logFile(dir.resolve("s2.log")).build());
                Store a = EndToEndSyncTest.client(one.wsUri("shared"), "shared", "a", "secret");
                Store b = EndToEndSyncTest.client(two.wsUri("shared"), "shared", "b", "secret")) {
            EndToEndSyncTest.commitTodos(a, "a", 30, 3);
            EndToEndSyncTest.commitTodos(b, "b", 20, 4);
            EndToEndSyncTest.awaitConverged(one, "shared", 50, a, b);
            for (SyncServer server : new SyncServer[] {one, two}) {
                String own = server == one ? "a" : "b";
                ServerFixture.await("the live pull on " + server.config().nodeId() + " at the head", () -> {
                    try {
                        JsonNode c = api.api(server, "/admin/api/stores/shared").path("connections").get(0);
                        return c != null && c.path("livePullHead").asLong() == 50 && c.path("lag").asLong() == 0;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                JsonNode s = api.api(server, "/admin/api/stores/shared");
                assertThat(s.path("node").asText()).isEqualTo(server.config().nodeId());
                assertThat(s.path("head").asLong()).isEqualTo(50);
                assertThat(s.path("connections").size()).as("only this instance's socket").isEqualTo(1);
                assertThat(s.path("connections").get(0).path("clientId").asText()).isEqualTo(own);
                assertThat(s.path("connections").get(0).path("protocol").asText()).isEqualTo("0.4");
                JsonNode overview = api.api(server, "/admin/api/overview");
                assertThat(overview.path("eventStore").asText()).isEqualTo("postgresql");
                assertThat(overview.path("stores").get(0).path("head").asLong()).isEqualTo(50);
                // the event log is the database's: the other instance's client's events are there too
                String other = own.equals("a") ? "b" : "a";
                JsonNode events = api.api(server, "/admin/api/stores/shared/events?limit=200&clientId=" + other);
                assertThat(events.path("events").size()).isEqualTo(other.equals("a") ? 30 : 20);
            }
        } finally {
            Postgres.drop(schema);
        }
    }
}
