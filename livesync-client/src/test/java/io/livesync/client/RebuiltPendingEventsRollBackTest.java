package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.session.SessionLogic;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A schema rebuild of a file whose log holds confirmed events and then pending ones (more than one chunk of each, so
 * the log is read ahead on the second connection, and the undo triggers are installed only at the first pending
 * event) records the undo rows of exactly the pending events: the rebase that follows rolls them back over rows the
 * other client changed, and the state equals a replay of the log.
 */
class RebuiltPendingEventsRollBackTest {

    /** The todo schema with the materializer of {@code v1.TodoCreated} at version 2 (same SQL): a rebuild. */
    private static ClientSchema v2() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY, text TEXT NOT NULL, completed INTEGER NOT NULL DEFAULT 0)")
                .table("CREATE TABLE ui_state (id INTEGER PRIMARY KEY CHECK (id = 1), filter TEXT NOT NULL)")
                .event(EventDefinition.synced(TodoSchema.TODO_CREATED, ArgsValidator.stringMembers("id", "text")), 2,
                        (e, sql) -> sql.execute("INSERT INTO todos (id, text) VALUES (?, ?)",
                                e.args().get("id").asText(), e.args().get("text").asText()))
                .event(EventDefinition.synced(TodoSchema.TODO_COMPLETED, ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("UPDATE todos SET completed = 1 WHERE id = ?", e.args().get("id").asText()))
                .event(EventDefinition.synced(TodoSchema.TODO_DELETED, ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("DELETE FROM todos WHERE id = ?", e.args().get("id").asText()))
                .event(EventDefinition.clientOnly(TodoSchema.UI_FILTER_SET, ArgsValidator.stringMembers("filter")),
                        (e, sql) -> sql.execute("INSERT OR REPLACE INTO ui_state (id, filter) VALUES (1, ?)",
                                e.args().get("filter").asText()))
                .build();
    }

    @Test
    void pendingEventsReplayedByARebuildRollBackInTheNextRebase(@TempDir Path dir) {
        Path file = dir.resolve("a.db");
        try (SyncFixture f = new SyncFixture("rebuilt-pending")) {
            SyncFixture.Client b = f.client("b", PushResumePolicy.SUPERVISED);
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED, x -> x.storage(Storage.file(file)),
                    x -> x);
            for (int from = 0; from < 1500; from += 100) {
                List<SessionLogic.PartialEvent> batch = new ArrayList<>();
                for (int i = from; i < from + 100; i++) {
                    batch.add(TodoSchema.created("s" + i, "shared " + i));
                }
                b.store().commit(batch);
            }
            f.awaitConverged(1500, a, b);

            a.backend().disconnect();
            for (int round = 0; round < 12; round++) {
                List<SessionLogic.PartialEvent> batch = new ArrayList<>();
                for (int i = 0; i < 25; i++) {
                    int n = round * 25 + i;
                    batch.add(TodoSchema.created("a" + n, "mine " + n));
                    batch.add(TodoSchema.completed("s" + n));
                    batch.add(TodoSchema.deleted("s" + (1499 - n)));
                    batch.add(TodoSchema.completed("a" + n));
                }
                batch.add(TodoSchema.filterSet("f" + round));
                a.store().commit(batch);
            }
            int aSynced = 12 * 25 * 4;
            a.store().close();

            List<SessionLogic.PartialEvent> theirs = new ArrayList<>();
            for (int n = 0; n < 50; n++) {
                theirs.add(TodoSchema.deleted("s" + n));
                theirs.add(TodoSchema.completed("s" + (1499 - n)));
            }
            b.store().commit(theirs);

            List<RebuildProgress> progress = new ArrayList<>();
            SyncFixture.Client reopened = f.client("a", PushResumePolicy.SUPERVISED,
                    x -> x.schema(v2()).storage(Storage.file(file)).rebuildListener(progress::add), x -> x);
            assertThat(progress).as("the schema change rebuilt the state").isNotEmpty()
                    .last().isInstanceOf(RebuildProgress.Finished.class);

            f.awaitConverged(1500 + aSynced + theirs.size(), reopened, b);
            assertThat(reopened.store().syncStatus().stats().pullRebases())
                    .as("the pending events replayed by the rebuild were rolled back by a rebase").isPositive();
            assertThat(reopened.store().checkStateMatchesReplay()).isNull();
            assertThat(b.store().checkStateMatchesReplay()).isNull();
            assertThat(rows(reopened.store())).isEqualTo(rows(b.store()));
        }
    }

    private static List<String> rows(Store store) {
        return store.query("SELECT id, text, completed FROM todos ORDER BY id",
                rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3));
    }
}
