package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Event;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Two stores on one backend commit concurrently: rebases happen, both converge, client-only events stay local. */
class ConcurrentStoresConvergeTest {

    @Test
    void twoStoresCommittingConcurrentlyConvergeToIdenticalLogsAndState() throws Exception {
        long seed = io.livesync.core.Seeds.seed("twoStoresConverge");
        try (SyncFixture f = new SyncFixture("converge")) {
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.leader(l -> l.backendPushBatchSize(3)).leaderPushBatchSize(2), x -> x.pushDelayMillis(1));
            SyncFixture.Client b = f.client("b", PushResumePolicy.SUPERVISED,
                    o -> o.leader(l -> l.backendPushBatchSize(5)), x -> x.pushDelayMillis(1));
            int perClient = 300;
            CountDownLatch start = new CountDownLatch(1);
            try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
                Future<Integer> fa = pool.submit(() -> commitRandom(a.store(), "a", perClient, seed, start));
                Future<Integer> fb = pool.submit(() -> commitRandom(b.store(), "b", perClient, seed + 1, start));
                start.countDown();
                int synced = fa.get() + fb.get();
                f.awaitConverged(synced, a, b);
            }
            List<Event> serverLog = f.server.log(f.storeId);
            assertThat(serverLog).allMatch(e -> !e.name().equals(TodoSchema.UI_FILTER_SET));
            assertThat(syncedOnly(a.store().eventLog())).isEqualTo(positions(serverLog));
            assertThat(syncedOnly(b.store().eventLog())).isEqualTo(positions(serverLog));
            assertThat(a.store().stateDigest()).isEqualTo(a.store().replayDigest());
            assertThat(b.store().stateDigest()).isEqualTo(b.store().replayDigest());
            assertThat(a.store().query("SELECT id, text, completed FROM todos ORDER BY id", rs -> rs.getString(1)
                    + rs.getString(2) + rs.getInt(3))).isEqualTo(b.store().query(
                    "SELECT id, text, completed FROM todos ORDER BY id", rs -> rs.getString(1) + rs.getString(2)
                            + rs.getInt(3)));
            long rebases = a.store().syncStatus().stats().pullRebases() + b.store().syncStatus().stats().pullRebases();
            assertThat(rebases).as("concurrent commits must have forced rebases (seed=" + seed + ")").isPositive();
        }
    }

    /** Commits {@code n} synced events (creates, completes, deletes) plus client-only ones; returns synced count. */
    static int commitRandom(Store store, String prefix, int n, long seed, CountDownLatch start) throws Exception {
        start.await();
        SplittableRandom random = new SplittableRandom(seed);
        int synced = 0;
        int created = 0;
        while (synced < n) {
            List<SessionLogic.PartialEvent> batch = new ArrayList<>();
            int size = 1 + random.nextInt(4);
            for (int i = 0; i < size && synced < n; i++) {
                int kind = random.nextInt(10);
                if (kind < 6 || created == 0) {
                    batch.add(TodoSchema.created(prefix + "-" + created, prefix + " todo " + created));
                    created++;
                    synced++;
                } else if (kind < 8) {
                    batch.add(TodoSchema.completed(prefix + "-" + random.nextInt(created)));
                    synced++;
                } else if (kind < 9) {
                    batch.add(TodoSchema.deleted(prefix + "-" + random.nextInt(created)));
                    synced++;
                } else {
                    batch.add(TodoSchema.filterSet(prefix + "-filter-" + random.nextInt(3)));
                }
            }
            store.commit(batch);
        }
        return synced;
    }

    static List<String> syncedOnly(List<Event> log) {
        return log.stream().filter(e -> !e.seq().isClientPosition())
                .map(e -> e.seq().global() + " " + e.name() + " " + e.args() + " " + e.clientId()).toList();
    }

    static List<String> positions(List<Event> log) {
        return log.stream().map(e -> e.seq().global() + " " + e.name() + " " + e.args() + " " + e.clientId()).toList();
    }
}
