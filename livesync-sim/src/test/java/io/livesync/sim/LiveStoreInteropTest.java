package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.client.WebSocketSyncBackend;
import io.livesync.core.session.SessionLogic;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.server.PushFaults;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real LiveStore 0.4.0 node clients (npm, exact versions, interop/livestore-node) against livesync's server, and
 * sharing a store with livesync's Java client: the conformance scenarios of LIVESTORE-WS-PROTOCOL.md.
 */
class LiveStoreInteropTest {

    private static final String TOKEN = "interop-secret";

    private static SyncServer server(Path dir) {
        return SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", TOKEN)).logFile(dir.resolve("server.log")).build());
    }

    private static String url(SyncServer s) {
        return "ws://127.0.0.1:" + s.port(); // LiveStore appends ?storeId=...&payload=...&transport=ws
    }

    private static void awaitServerHead(SyncServer s, String store, long head) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (s.eventStore().meta(store).head() < head) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("server head of " + store + " stayed at " + s.eventStore().meta(store).head()
                        + ", expected " + head);
            }
            try {
                Thread.sleep(20); // polling interval of a bounded wait
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static JsonNode awaitSettled(LiveStoreDriver d, int todos, long head) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JsonNode s = d.waitFor(todos, 60_000);
        while (s.path("pending").asInt() != 0 || s.path("upstreamHead").asLong() != head) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the LiveStore client did not settle: " + s);
            }
            Thread.sleep(50); // polling interval of a bounded wait
            s = d.status();
        }
        return s;
    }

    @Test
    void s1FreshClientCommitsAndTheEchoConfirms_s2RestartContinuesFromItsCursor(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir)) {
            Path storage = Files.createDirectories(dir.resolve("ls-a"));
            try (LiveStoreDriver a = new LiveStoreDriver(url(s), "s1", "ls-a", TOKEN, "fs:" + storage,
                    dir.resolve("ls-a-1.err"))) {
                a.create(2, 1);
                assertThat(awaitSettled(a, 2, 2).path("todos").asInt()).isEqualTo(2);
            }
            try (LiveStoreDriver a = new LiveStoreDriver(url(s), "s1", "ls-a", TOKEN, "fs:" + storage,
                    dir.resolve("ls-a-2.err"))) {
                a.create(2, 2);
                assertThat(awaitSettled(a, 4, 4).path("todos").asInt()).isEqualTo(4);
            }
            assertThat(s.eventStore().meta("s1").head()).isEqualTo(4);
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).doesNotContain("protocol-error").doesNotContain("auth-refused");
        }
    }

    @Test
    void s3ASecondClientGetsServerAheadThenRebasesAndPushesAgain(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir);
                LiveStoreDriver a = new LiveStoreDriver(url(s), "s3", "ls-a", TOKEN, "memory", dir.resolve("a.err"))) {
            a.create(4, 2);
            awaitSettled(a, 4, 4);
            s.delayCatchUps(3000); // b pushes before it has seen a's events
            try (LiveStoreDriver b = new LiveStoreDriver(url(s), "s3", "ls-b", TOKEN, "memory", dir.resolve("b.err"))) {
                b.create(2, 2);
                awaitServerHead(s, "s3", 6);
                assertThat(awaitSettled(b, 6, 6).path("todos").asInt()).isEqualTo(6);
                assertThat(awaitSettled(a, 6, 6).path("todos").asInt()).isEqualTo(6);
            }
            assertThat(s.metrics().rejected("server-ahead")).as("b's first push was rejected").isPositive();
        }
    }

    @Test
    void s7ABackendIdChangeIsDetectedAndTheClientResetsItself(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir)) {
            Path storage = Files.createDirectories(dir.resolve("ls-a"));
            LiveStoreDriver a = new LiveStoreDriver(url(s), "s7", "ls-a", TOKEN, "fs:" + storage, dir.resolve("a.err"));
            try {
                a.create(2, 2);
                awaitSettled(a, 2, 2);
                String before = s.eventStore().meta("s7").backendId();
                String after = s.resetStore("s7"); // new backend id, empty log, sockets closed
                assertThat(after).isNotEqualTo(before);
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (!Files.readString(dir.resolve("server.log")).contains("\"reason\":\"backend-id-mismatch\"")) {
                    assertThat(System.nanoTime()).as("the client's old cursor is refused").isLessThan(deadline);
                    Thread.sleep(20); // polling interval of a bounded wait
                }
                // LiveStore's documented reaction (onBackendIdMismatch: 'reset'): it reports the mismatch and shuts the
                // store down (it prints both); in no case may it push its old events into the reset store
                while (!(a.clientOutput().contains("BackendIdMismatchError")
                        && a.clientOutput().contains("shutdown complete"))) {
                    assertThat(System.nanoTime()).as("the client reacts to the reset:\n" + a.clientOutput())
                            .isLessThan(deadline);
                    a.status(); // reads what the client printed meanwhile
                    Thread.sleep(50); // polling interval of a bounded wait
                }
                assertThat(s.eventStore().meta("s7").head()).as("old events never re-pushed").isZero();
            } finally {
                a.close();
            }
        }
    }

    @Test
    void s8HundredTwentyEventsArePushedInBatchesOfFifty(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir);
                LiveStoreDriver a = new LiveStoreDriver(url(s), "s8", "ls-a", TOKEN, "memory", dir.resolve("a.err"))) {
            a.create(120, 120);
            awaitSettled(a, 120, 120);
            List<Integer> sizes = Files.readAllLines(dir.resolve("server.log")).stream()
                    .filter(l -> l.contains("\"event\":\"push-accepted\"")).map(l -> l.replaceAll(".*\"events\":(\\d+).*", "$1"))
                    .map(Integer::parseInt).toList();
            assertThat(sizes).containsExactly(50, 50, 20);
        }
    }

    @Test
    void s9PagedCatchUpAndMixedConvergenceWithTheJavaClient(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir);
                Store java = Store.builder().storeId("s9").clientId("java-a").schema(TodoSchema.schema())
                        .backend(WebSocketSyncBackend.builder(URI.create(url(s)), "s9").authToken(TOKEN).build())
                        .build()) {
            List<SessionLogic.PartialEvent> batch = new ArrayList<>();
            for (int i = 0; i < 120; i++) {
                batch.add(TodoSchema.created("java-" + i, "from java " + i));
            }
            java.commit(batch);
            awaitServerHead(s, "s9", 120);
            try (LiveStoreDriver ls = new LiveStoreDriver(url(s), "s9", "ls-b", TOKEN, "memory", dir.resolve("b.err"))) {
                awaitSettled(ls, 120, 120); // pages: MoreKnown(20), then NoMore
                // then both write concurrently: both sides rebase, both end with the same todos
                ls.create(40, 3);
                for (int i = 0; i < 40; i++) {
                    java.commit(List.of(TodoSchema.created("java2-" + i, "more java " + i)));
                }
                awaitServerHead(s, "s9", 200);
                JsonNode settled = awaitSettled(ls, 200, 200);
                assertThat(settled.path("todos").asInt()).isEqualTo(200);
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while (java.syncStatus().pendingCount() != 0 || java.syncStatus().upstreamHead().global() != 200) {
                    assertThat(System.nanoTime()).as(java.syncStatus().toString()).isLessThan(deadline);
                    Thread.sleep(20); // polling interval of a bounded wait
                }
                assertThat(java.count("SELECT count(*) FROM todos")).isEqualTo(200);
            }
        }
    }

    @Test
    void s14ATransientUnknownErrorIsRetried(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir)) {
            AtomicBoolean failed = new AtomicBoolean();
            s.faults((store, batch, head) -> failed.compareAndSet(false, true)
                    ? new PushFaults.Decision(WireCodec.typedError(WireErrorCode.STORAGE_ERROR, "db hiccup (injected)"), PushFaults.AfterAccept.ACK)
                    : PushFaults.Decision.NONE);
            try (LiveStoreDriver a = new LiveStoreDriver(url(s), "s14", "ls-a", TOKEN, "memory", dir.resolve("a.err"))) {
                a.create(2, 2);
                awaitSettled(a, 2, 2);
            }
            assertThat(failed).isTrue();
            assertThat(s.metrics().rejected("injected-fault")).isEqualTo(1);
        }
    }

    @Test
    void s12WithoutASyncPayloadAgainstAnOpenServer(@TempDir Path dir) throws Exception {
        try (SyncServer s = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .insecureNoAuth(true).logFile(dir.resolve("server.log")).build());
                LiveStoreDriver a = new LiveStoreDriver(url(s), "s12", "ls-a", null, "memory", dir.resolve("a.err"))) {
            a.create(3, 3);
            awaitSettled(a, 3, 3);
            assertThat(Files.readString(dir.resolve("server.log"))).contains("auth-disabled")
                    .doesNotContain("auth-refused");
        }
    }

    @Test
    void twoServerInstancesOnPostgresWithALiveStoreClientOnEach(@TempDir Path dir) throws Exception {
        String schema = "interop_" + java.util.UUID.randomUUID().toString().replace("-", "").substring(0, 10);
        String pg = System.getProperty("livesync.postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        ServerConfig.Builder config = ServerConfig.builder().port(0).tokens(Map.of("*", TOKEN)).postgres(pg, schema);
        try (SyncServer one = SyncServer.start(config.nodeId("s1").logFile(dir.resolve("s1.log")).build());
                SyncServer two = SyncServer.start(config.nodeId("s2").logFile(dir.resolve("s2.log")).build());
                LiveStoreDriver a = new LiveStoreDriver(url(one), "pg", "ls-a", TOKEN, "memory", dir.resolve("a.err"));
                LiveStoreDriver b = new LiveStoreDriver(url(two), "pg", "ls-b", TOKEN, "memory", dir.resolve("b.err"))) {
            a.create(30, 3);
            b.create(20, 2);
            awaitServerHead(one, "pg", 50);
            assertThat(awaitSettled(a, 50, 50).path("todos").asInt()).isEqualTo(50);
            assertThat(awaitSettled(b, 50, 50).path("todos").asInt()).isEqualTo(50);
            assertThat(one.metrics().pushesAccepted()).isPositive();
            assertThat(two.metrics().pushesAccepted()).isPositive();
        } finally {
            try (java.sql.Connection c = java.sql.DriverManager.getConnection(pg);
                    java.sql.Statement st = c.createStatement()) {
                st.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    @Test
    void aLiveStore03AndA04ClientShareAStore(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir);
                LiveStoreDriver v03 = new LiveStoreDriver(url(s), "mixed-versions", "ls-03", TOKEN, "memory",
                        dir.resolve("v03.err"), "interop/livestore-0.3.1");
                LiveStoreDriver v04 = new LiveStoreDriver(url(s), "mixed-versions", "ls-04", TOKEN, "memory",
                        dir.resolve("v04.err"))) {
            v03.create(5, 5);
            v04.create(7, 7);
            awaitServerHead(s, "mixed-versions", 12);
            assertThat(v03.waitFor(12, 60_000).path("reached").asBoolean()).as("0.3 client sees all").isTrue();
            assertThat(v04.waitFor(12, 60_000).path("reached").asBoolean()).as("0.4 client sees all").isTrue();
            assertThat(Files.readString(dir.resolve("server.log"))).contains("\"protocol\":\"0.3\"");
        }
    }

    @Test
    void aWrongTokenIsRefusedAndTheRefusalIsVisible(@TempDir Path dir) throws Exception {
        try (SyncServer s = server(dir);
                LiveStoreDriver a = new LiveStoreDriver(url(s), "auth", "ls-a", "wrong", "memory", dir.resolve("a.err"))) {
            a.create(2, 2);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (s.metrics().authFailures() == 0) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(20); // polling interval of a bounded wait
            }
            assertThat(a.status().path("pending").asInt()).isEqualTo(2);
            assertThat(s.eventStore().meta("auth").head()).isZero();
            assertThat(Files.readString(dir.resolve("server.log"))).contains("\"event\":\"auth-refused\"");
        }
    }
}
