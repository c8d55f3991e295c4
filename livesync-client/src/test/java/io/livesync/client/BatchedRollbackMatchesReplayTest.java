package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long rebase (the batched rollback of {@code ClientDatabase.undoTail}) over inserts, updates and deletes of rows
 * that the other client changes too leaves the state equal to a replay of the log, and both clients equal.
 */
class BatchedRollbackMatchesReplayTest {

    @Test
    void aLongBacklogRebasedOverOverlappingRowsEqualsAReplay(@TempDir Path dir) {
        try (SyncFixture f = new SyncFixture("batched-rollback")) {
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.storage(Storage.file(dir.resolve("a.db"))), x -> x);
            SyncFixture.Client b = f.client("b", PushResumePolicy.SUPERVISED);
            List<SessionLogic.PartialEvent> shared = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                shared.add(TodoSchema.created("s" + i, "shared " + i));
            }
            b.store().commit(shared);
            f.awaitConverged(10, a, b);

            a.backend().disconnect();
            for (int round = 0; round < 6; round++) {
                List<SessionLogic.PartialEvent> batch = new ArrayList<>();
                batch.add(TodoSchema.created("a" + round, "mine " + round));
                batch.add(TodoSchema.completed("s" + round));
                batch.add(TodoSchema.deleted("s" + (9 - round)));
                batch.add(TodoSchema.filterSet("f" + round));
                batch.add(TodoSchema.completed("a" + round));
                a.store().commit(batch);
            }
            b.store().commit(List.of(TodoSchema.deleted("s0"), TodoSchema.completed("s9"),
                    TodoSchema.created("b1", "theirs")));
            // b's commit returns once stored locally; its push may still be on its way. Only once the server holds
            // it is a's rebase certain (otherwise a may win the race, and b rebases its 3 events instead)
            f.awaitConverged(10 + 3, b);
            a.backend().connect();
            f.awaitConverged(10 + 3 + 6 * 4, a, b);

            assertThat(a.store().batchedRollbacks()).as("the rebase of 30 pending events is batched").isPositive();
            assertThat(a.store().checkStateMatchesReplay()).isNull();
            assertThat(b.store().checkStateMatchesReplay()).isNull();
            assertThat(rows(a.store())).isEqualTo(rows(b.store()));
        }
    }

    private static List<String> rows(Store store) {
        return store.query("SELECT id, text, completed FROM todos ORDER BY id",
                rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3));
    }
}
