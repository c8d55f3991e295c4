package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.server.FlagThresholds;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flags the server raises by itself (docs/dashboard.md), each produced by real client processes: livesync clients
 * as child JVMs ({@link NodeClientMain}) and unmodified LiveStore node clients from npm ({@link LiveStoreDriver}),
 * read back through the dashboard's JSON as an operator's script would. The quiet-after-failed-push flag under H001's
 * faults is in {@link ReproH001RealClientsTest}.
 */
class FlagsFromRealClientProcessesTest {

    static final String ADMIN = "admin-token-0123456789";
    static final String TOKEN = "t";
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newHttpClient();

    static SyncServer server(Path dir) throws IOException {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data")).tokens(Map.of("*", TOKEN))
                .adminToken(ADMIN).logFile(dir.resolve("server.log")).build());
    }

    static NodeProcess livesync(SyncServer s, String store, String client, Path dir) throws IOException {
        Map<String, String> opts = new LinkedHashMap<>();
        opts.put("store", store);
        opts.put("client", client);
        opts.put("url", "ws://127.0.0.1:" + s.port());
        opts.put("token", TOKEN);
        opts.put("storage", "memory");
        opts.put("backend-push-batch", "100");
        opts.put("log", dir.resolve(client + ".log").toString());
        return NodeProcess.start(client, opts, dir.resolve(client + ".stderr"), Map.of());
    }

    JsonNode api(SyncServer s, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(s.httpUri().resolve(path))
                .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /** The flags of {@code kind} on {@code store}, active or not (the dashboard's JSON). */
    List<JsonNode> flags(SyncServer s, String store, String kind, boolean activeOnly) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode f : api(s, "/admin/api/flags?store=" + store + (activeOnly ? "&active=true" : "")).path("flags")) {
            if (f.path("kind").asText().equals(kind)) {
                out.add(f);
            }
        }
        return out;
    }

    static void await(String what, Duration bound, BooleanSupplier condition, Supplier<String> state) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + bound + " waiting for " + what + "; " + state.get());
            }
            Thread.sleep(100); // polling interval of a bounded wait
        }
    }

    interface Check {
        boolean get() throws Exception;
    }

    static BooleanSupplier unchecked(Check c) {
        return () -> {
            try {
                return c.get();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        };
    }

    static long todos(NodeProcess p) throws IOException {
        return p.call("{\"cmd\":\"status\"}").path("todos").asLong();
    }

    static long pending(NodeProcess p) throws IOException {
        return p.call("{\"cmd\":\"status\"}").path("pending").asLong();
    }

    /** The connection id of {@code clientId}'s open socket on the store page, or null. */
    String connectionOf(SyncServer s, String store, String clientId) throws Exception {
        for (JsonNode c : api(s, "/admin/api/stores/" + store).path("connections")) {
            if (c.path("open").asBoolean() && clientId.equals(c.path("clientId").asText(null))) {
                return c.path("id").asText();
            }
        }
        return null;
    }

    /** Whether the server log has a line with all of {@code parts}. */
    static boolean logHas(Path dir, String... parts) throws IOException {
        return Files.readAllLines(dir.resolve("server.log")).stream()
                .anyMatch(l -> List.of(parts).stream().allMatch(l::contains));
    }

    /**
     * The ServerAhead loop of {@code bench interop} at N = 10,000 (docs/benchmarks.md), small: a LiveStore 0.4.0 client
     * with events to push meets a store 2,000 events ahead. It pushes before its pull has caught up (refused: the head
     * is 2,000), then after every page it pulls it rebases and pushes again, each time at a parent still below the
     * head the server named: the server flags the loop, and clears it when the client's push is finally accepted. The
     * livesync client that wrote the backlog and went idle is never flagged.
     */
    @Test
    void aLiveStoreClientPushingBehindABacklogIsAServerAheadLoop(@TempDir Path dir) throws Exception {
        String store = "loop";
        try (SyncServer s = server(dir); NodeProcess busy = livesync(s, store, "busy", dir)) {
            s.flagThresholds(new FlagThresholds(Duration.ofSeconds(60), 5, Duration.ofSeconds(60), Duration.ofMillis(100)));
            busy.call("{\"cmd\":\"create\",\"count\":2000,\"batch\":100}");
            await("busy's 2,000 events stored", Duration.ofSeconds(60),
                    unchecked(() -> s.eventStore().meta(store).head() == 2000 && pending(busy) == 0), () -> "");
            // the new client's catch-up starts 15 s late, so its first push certainly comes before any page (the
            // LiveStore client connects while it boots and commits as soon as it has booted)
            s.delayCatchUps(15_000);
            try (LiveStoreDriver ls = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), store, "ls-behind", TOKEN,
                    "memory", dir.resolve("ls-behind.err"))) {
                ls.create(200, 10);
                await("ls-behind's first push refused", Duration.ofSeconds(30),
                        () -> s.metrics().rejected("server-ahead") >= 1, () -> "");
                s.delayCatchUps(0); // only the pull already waiting is late
                await("a server-ahead-loop flag for ls-behind", Duration.ofSeconds(60),
                        unchecked(() -> flags(s, store, "server-ahead-loop", true).stream()
                                .anyMatch(f -> f.path("clientId").asText().equals("ls-behind"))),
                        () -> Objects.toString(s.activeFlags("server-ahead-loop")));
                JsonNode flag = flags(s, store, "server-ahead-loop", true).getFirst();
                assertThat(flag.path("detail").asText()).containsPattern("^\\d+ pushes in a row refused with ServerAhead"
                        + " at parents \\d+ to \\d+, each below the head the refusal before it named \\(last 2000\\)");
                assertThat(logHas(dir, "\"flag-raised\"", "server-ahead-loop", "\"client\":\"ls-behind\"")).isTrue();
                // it catches up in the end: its 200 events are accepted and the flag clears
                assertThat(ls.waitFor(2200, 120_000).path("reached").asBoolean()).isTrue();
                await("ls-behind's events stored", Duration.ofSeconds(60),
                        () -> s.eventStore().meta(store).head() == 2200, () -> "head " + s.eventStore().meta(store).head());
                await("the loop flag cleared", Duration.ofSeconds(30), unchecked(() -> flags(s, store,
                        "server-ahead-loop", true).isEmpty()), () -> Objects.toString(s.activeFlags("server-ahead-loop")));
                assertThat(api(s, "/admin/api/flags?store=" + store).path("flags").findValuesAsText("clientId"))
                        .doesNotContain("busy");
            }
        }
    }

    /**
     * A lagging live pull, from real processes: the server's catch-ups are made slow (the {@code delayCatchUps} test
     * hook: 20 s), and a livesync client process and a LiveStore 0.4.0 client connect to a store of 10 events; both
     * live pulls stay at 0 for longer than the threshold (2 s) and are flagged, then clear once the catch-up ran. The
     * livesync client that wrote the 10 events and stays connected, idle, at the head is never flagged.
     */
    @Test
    void livePullsBehindASlowCatchUpAreFlaggedAndAnIdleClientAtTheHeadIsNot(@TempDir Path dir) throws Exception {
        String store = "lag";
        try (SyncServer s = server(dir); NodeProcess idle = livesync(s, store, "idle", dir)) {
            s.flagThresholds(new FlagThresholds(Duration.ofSeconds(2), 5, Duration.ofSeconds(60), Duration.ofMillis(100)));
            idle.call("{\"cmd\":\"create\",\"count\":10,\"batch\":5}");
            await("idle's 10 events stored", Duration.ofSeconds(60),
                    unchecked(() -> s.eventStore().meta(store).head() == 10 && pending(idle) == 0), () -> "");
            await("idle's connection on the store page", Duration.ofSeconds(30),
                    unchecked(() -> connectionOf(s, store, "idle") != null), () -> "");
            String idleConnection = connectionOf(s, store, "idle");
            // every pull that starts now waits 20 s before its catch-up; the two late clients may start seconds apart
            // on a loaded machine, so their flags are counted whether still active or already cleared
            s.delayCatchUps(20_000);
            try (NodeProcess late = livesync(s, store, "late", dir);
                    LiveStoreDriver lateLs = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), store, "late-ls", TOKEN,
                            "memory", dir.resolve("late-ls.err"))) {
                await("two lagging-live-pull flags", Duration.ofSeconds(50),
                        unchecked(() -> flags(s, store, "lagging-live-pull", false).size() == 2),
                        () -> Objects.toString(s.activeFlags("lagging-live-pull")));
                s.delayCatchUps(0); // only the pulls already waiting are late
                List<JsonNode> lagging = flags(s, store, "lagging-live-pull", false);
                assertThat(lagging.get(0).path("connection").asText()).isNotEqualTo(lagging.get(1).path("connection")
                        .asText());
                for (JsonNode f : lagging) {
                    assertThat(f.path("connection").asText()).isNotEqualTo(idleConnection);
                    assertThat(f.path("detail").asText()).contains("live pull at 0, store head 10 (10 events behind)");
                }
                // the store page shows the lag of the one flagged last (its catch-up is at least 18 s away) and the
                // idle client's 0
                JsonNode page = api(s, "/admin/api/stores/" + store);
                assertThat(page.path("connections").findValuesAsText("lag")).as(page.toString()).contains("10", "0");
                assertThat(logHas(dir, "\"flag-raised\"", "lagging-live-pull")).isTrue();
                // once the catch-ups ran, both clients hold the 10 events and the flags clear
                await("late holds the 10 events", Duration.ofSeconds(40), unchecked(() -> todos(late) == 10), () -> "");
                assertThat(lateLs.waitFor(10, 40_000).path("reached").asBoolean()).isTrue();
                await("the lag flags cleared", Duration.ofSeconds(30),
                        unchecked(() -> flags(s, store, "lagging-live-pull", true).isEmpty()),
                        () -> Objects.toString(s.activeFlags("lagging-live-pull")));
                assertThat(logHas(dir, "\"flag-cleared\"", "lagging-live-pull")).isTrue();
                // the idle client at the head, connected the whole time, was never flagged
                for (JsonNode f : api(s, "/admin/api/flags?store=" + store).path("flags")) {
                    assertThat(f.path("connection").asText()).isNotEqualTo(idleConnection);
                    assertThat(f.path("clientId").asText()).isNotEqualTo("idle");
                }
            }
        }
    }

    /**
     * The same flag with two instances on one PostgreSQL database: a livesync client process writes through instance
     * A, a LiveStore 0.4.0 client reads through instance B, whose catch-ups are slow. B flags its lagging pull against
     * the store-wide head (written through A) and shows only its own connection; A, whose client is at the head, flags
     * nothing.
     */
    @Test
    void onTwoPostgresInstancesTheInstanceServingTheLaggingPullFlagsIt(@TempDir Path dir) throws Exception {
        String pg = System.getProperty("livesync.postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        String schema = "flags_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String store = "shared";
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", TOKEN)).adminToken(ADMIN)
                .postgres(pg, schema);
        try (SyncServer a = SyncServer.start(config.nodeId("server-a").logFile(dir.resolve("a.log")).build());
                SyncServer b = SyncServer.start(config.nodeId("server-b").logFile(dir.resolve("b.log")).build());
                NodeProcess writer = livesync(a, store, "writer", dir)) {
            FlagThresholds fast = new FlagThresholds(Duration.ofSeconds(2), 5, Duration.ofSeconds(60),
                    Duration.ofMillis(100));
            a.flagThresholds(fast);
            b.flagThresholds(fast);
            writer.call("{\"cmd\":\"create\",\"count\":10,\"batch\":5}");
            await("the writer's 10 events stored", Duration.ofSeconds(60),
                    unchecked(() -> a.eventStore().meta(store).head() == 10 && pending(writer) == 0), () -> "");
            b.delayCatchUps(20_000);
            try (LiveStoreDriver reader = new LiveStoreDriver("ws://127.0.0.1:" + b.port(), store, "reader", TOKEN,
                    "memory", dir.resolve("reader.err"))) {
                await("a lagging-live-pull flag on B", Duration.ofSeconds(40),
                        unchecked(() -> flags(b, store, "lagging-live-pull", false).size() == 1),
                        () -> Objects.toString(b.activeFlags("lagging-live-pull")));
                b.delayCatchUps(0);
                assertThat(flags(b, store, "lagging-live-pull", false).getFirst().path("detail").asText())
                        .contains("live pull at 0, store head 10 (10 events behind)");
                JsonNode onB = api(b, "/admin/api/stores/" + store);
                assertThat(onB.path("head").asLong()).isEqualTo(10); // written through A
                assertThat(onB.path("connections")).hasSize(1); // B's own: the reader's
                assertThat(onB.path("node").asText()).isEqualTo("server-b");
                assertThat(reader.waitFor(10, 40_000).path("reached").asBoolean()).isTrue();
                await("B's flag cleared", Duration.ofSeconds(30),
                        unchecked(() -> flags(b, store, "lagging-live-pull", true).isEmpty()),
                        () -> Objects.toString(b.activeFlags("lagging-live-pull")));
                // A served the writer, at the head throughout: no flag of any kind
                assertThat(api(a, "/admin/api/flags").path("flags")).isEmpty();
            }
        } finally {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg);
                    java.sql.Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }
}
