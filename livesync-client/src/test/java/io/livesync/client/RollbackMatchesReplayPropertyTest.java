package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Seeds;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * After any sequence of commits, advances and rebases, the materialized state equals a fresh replay of the event
 * log. The schedule (who commits what, disconnects that pile up pending events, reconnects that force rebases) comes
 * from one printed seed; re-run with {@code -Dlivesync.seed=N}.
 */
class RollbackMatchesReplayPropertyTest {

    private static final int RUNS = 6;
    private static final int STEPS = 60;

    @Test
    void stateAlwaysEqualsAReplayOfTheLog(@TempDir Path dir) {
        long seed = Seeds.seed("rollbackMatchesReplay");
        long rebases = 0;
        for (int run = 0; run < RUNS; run++) {
            rebases += oneRun(seed + run, dir.resolve("run-" + run + ".db"), "seed=" + seed + " run=" + run);
        }
        assertThat(rebases).as("the schedule must force rebases (seed=" + seed + ")").isPositive();
    }

    private long oneRun(long runSeed, Path file, String context) {
        SplittableRandom random = new SplittableRandom(runSeed);
        try (SyncFixture f = new SyncFixture("replay")) {
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.storage(Storage.file(file)).leader(l -> l.backendPushBatchSize(1 + random.nextInt(5))),
                    x -> x);
            SyncFixture.Client b = f.client("b", PushResumePolicy.SUPERVISED);
            List<String> ids = new ArrayList<>();
            boolean aConnected = true;
            for (int step = 0; step < STEPS; step++) {
                int op = random.nextInt(10);
                if (op < 4) {
                    a.store().commit(randomBatch(random, "a" + step, ids));
                } else if (op < 7) {
                    b.store().commit(randomBatch(random, "b" + step, ids));
                } else if (op < 9) {
                    if (aConnected) {
                        a.backend().disconnect();
                    } else {
                        a.backend().connect();
                    }
                    aConnected = !aConnected;
                } else {
                    String mismatch = a.store().checkStateMatchesReplay();
                    assertThat(mismatch).as(context + " step " + step).isNull();
                }
            }
            if (!aConnected) {
                a.backend().connect();
            }
            int total = (int) (a.store().eventLog().stream().filter(e -> !e.seq().isClientPosition())
                    .map(e -> e.clientId()).filter("a"::equals).count());
            Await.until("both clients settle", SyncFixture.WAIT, () -> a.store().syncStatus().pendingToPush() == 0
                    && b.store().syncStatus().pendingToPush() == 0
                    && a.store().syncStatus().upstreamHead().global() == f.server.head(f.storeId)
                    && b.store().syncStatus().upstreamHead().global() == f.server.head(f.storeId),
                    () -> context + "\n" + SyncFixture.describe(a, b));
            assertThat(total).isNotNegative();
            assertThat(a.store().checkStateMatchesReplay()).as(context).isNull();
            assertThat(b.store().checkStateMatchesReplay()).as(context).isNull();
            assertThat(ConcurrentStoresConvergeTest.syncedOnly(a.store().eventLog()))
                    .as(context).isEqualTo(ConcurrentStoresConvergeTest.syncedOnly(b.store().eventLog()));
            assertThat(query(a.store())).as(context).isEqualTo(query(b.store()));
            return a.store().syncStatus().stats().pullRebases() + b.store().syncStatus().stats().pullRebases();
        }
    }

    private static List<String> query(Store store) {
        return store.query("SELECT id, text, completed FROM todos ORDER BY id",
                rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3));
    }

    /** Creates, completes, deletes (of any client's todos, so rollbacks undo updates of foreign rows) and UI events. */
    private static List<SessionLogic.PartialEvent> randomBatch(SplittableRandom random, String prefix, List<String> ids) {
        List<SessionLogic.PartialEvent> batch = new ArrayList<>();
        int n = 1 + random.nextInt(5);
        for (int i = 0; i < n; i++) {
            int kind = random.nextInt(10);
            if (kind < 5 || ids.isEmpty()) {
                String id = prefix + "-" + i;
                ids.add(id);
                batch.add(TodoSchema.created(id, "text " + id));
            } else if (kind < 7) {
                batch.add(TodoSchema.completed(ids.get(random.nextInt(ids.size()))));
            } else if (kind < 9) {
                batch.add(TodoSchema.deleted(ids.get(random.nextInt(ids.size()))));
            } else {
                batch.add(TodoSchema.filterSet("f" + random.nextInt(3)));
            }
        }
        return batch;
    }
}
