package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Seeds;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** node-sync across real processes: 3 seeded runs of moderate size must converge; each run keeps its own logs. */
class NodeSyncHarnessTest {

    @Test
    void threeSeededRunsConvergeAcrossRealProcesses(@TempDir Path logs) throws Exception {
        long seed = Seeds.seed("nodeSync");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<NodeSync.RunResult> results;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            results = new NodeSync(out).run(new NodeSync.Options(3, seed, Duration.ofSeconds(90), null, null,
                    List.of(), logs, Map.of()));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(results).as(text).allMatch(NodeSync.RunResult::passed);
        assertThat(text).contains("run 1/3 seed=" + seed).contains("node-sync: 3 passed, 0 failed");
        for (NodeSync.RunResult r : results) {
            for (String log : List.of("runner.log", "server.log", "client-a.log", "client-b.log")) {
                assertThat(r.dir().resolve(log)).exists();
            }
            assertThat(Files.readString(r.dir().resolve("runner.log"))).contains("\"event\":\"final-status\"");
            assertThat(Diagnoser.diagnose(r.dir()).findings()).isEmpty();
        }
        assertThat(results.stream().map(NodeSync.RunResult::dir).distinct().count()).isEqualTo(3);
    }

    /** node-sync --client-b livestore: a livesync JVM and a real LiveStore 0.4 client write concurrently (rebases). */
    @Test
    void mixedRunWithARealLiveStoreClientConverges(@TempDir Path logs) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<NodeSync.RunResult> results;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            results = new NodeSync(out).run(new NodeSync.Options(1, Seeds.seed("nodeSyncMixed"), Duration.ofSeconds(90),
                    null, null, List.of(), logs, Map.of("todo-count-a", "120", "todo-count-b", "80"), 2,
                    Map.of("b", "livestore"), 1));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(results).as(text).allMatch(NodeSync.RunResult::passed);
        assertThat(text).contains("kinds=").contains("converged: 200 todos");
    }

    /** The same across two server instances on one PostgreSQL database, one client on each. */
    @Test
    void mixedRunAcrossTwoPostgresInstancesConverges(@TempDir Path logs) throws Exception {
        String pg = System.getProperty("livesync.postgres", "jdbc:postgresql://127.0.0.1:5432/test?user=postgres");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<NodeSync.RunResult> results;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            results = new NodeSync(out).run(new NodeSync.Options(1, Seeds.seed("nodeSyncMixedPostgres"),
                    Duration.ofSeconds(90), null, pg, List.of(), logs,
                    Map.of("todo-count-a", "100", "todo-count-b", "100"), 2, Map.of("b", "livestore"), 2));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(results).as(text).allMatch(NodeSync.RunResult::passed);
        assertThat(text).contains("serverInstances=2");
        assertThat(results.getFirst().dir().resolve("server-2.log")).exists();
    }

    /**
     * The clients' create commands run at the same time: each fake client answers only once every client was asked
     * (bounded wait). Sent one after the other (as CompletableFuture's common pool did on JDK 25 with 2 cores), the
     * first waits in vain and the test fails. More clients than the common pool has threads, whatever the machine.
     */
    @Test
    void everyClientIsAskedToCommitAtTheSameTime() throws Exception {
        int clients = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() + 2;
        java.util.concurrent.CountDownLatch allAsked = new java.util.concurrent.CountDownLatch(clients);
        List<NodeSync.Controlled> nodes = new java.util.ArrayList<>();
        for (int i = 0; i < clients; i++) {
            nodes.add(null); // the call function below never looks at the client
        }
        java.util.concurrent.CompletableFuture<?>[] creates = NodeSync.createConcurrently((node, command) -> {
            allAsked.countDown();
            try {
                if (!allAsked.await(10, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other clients were not asked while this one committed");
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode().put("ok", true);
        }, nodes, java.util.Collections.nCopies(clients, 10), 5);
        java.util.concurrent.CompletableFuture.allOf(creates).get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** A warm-up round (benchmarks) converges first; the measured round counts on top of it. */
    @Test
    void aWarmUpRoundConvergesBeforeTheMeasuredOne(@TempDir Path logs) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        List<NodeSync.RunResult> results;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            results = new NodeSync(out).run(new NodeSync.Options(1, Seeds.seed("nodeSyncWarmup"), Duration.ofSeconds(90),
                    null, null, List.of(), logs, Map.of("todo-count-a", "150", "todo-count-b", "100",
                            NodeSync.WARMUP_TODOS, "50", "delays", "0")));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        assertThat(results).as(text).allMatch(NodeSync.RunResult::passed);
        assertThat(results.getFirst().verdict()).startsWith("converged: 350 todos");
        assertThat(Files.readString(results.getFirst().dir().resolve("runner.log")))
                .contains("\"event\":\"warmup-end\"");
    }

    @Test
    void runsComeFromTheFlagThenTheEnvironment() {
        assertThat(NodeSync.defaultRuns(Map.of())).isEqualTo(20);
        assertThat(NodeSync.defaultRuns(Map.of("CI", "true"))).isEqualTo(6);
        assertThat(NodeSync.defaultRuns(Map.of("CI", "true", "NODE_SYNC_FC_NUMRUNS", "3"))).isEqualTo(3);
    }

    @Test
    void parametersAreDrawnFromTheSeedAndCanBePinned() {
        NodeSync.Params a = NodeSync.draw(99, Map.of(), null);
        NodeSync.Params b = NodeSync.draw(99, Map.of(), null);
        assertThat(a.describe()).isEqualTo(b.describe());
        assertThat(a.todoCountA()).isBetween(1, 400);
        assertThat(List.of(1, 2, 10, 100)).contains(a.commitBatchSize(), a.leaderPushBatchSize());
        assertThat(java.util.Arrays.stream(a.delays()).allMatch(d -> d >= 0 && d <= 15)).isTrue();
        NodeSync.Params pinned = NodeSync.draw(99, Map.of("todo-count-a", "7", "storage", "file"), null);
        assertThat(pinned.todoCountA()).isEqualTo(7);
        assertThat(pinned.storage()).isEqualTo("file");
    }
}
