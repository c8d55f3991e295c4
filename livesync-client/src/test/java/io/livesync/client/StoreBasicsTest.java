package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.InvalidEventArgsException;
import io.livesync.core.UnknownEventException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreBasicsTest {

    private static Store.Builder local(String client) {
        return Store.builder().storeId("basics").clientId(client).schema(TodoSchema.schema());
    }

    @Test
    void aCommitIsVisibleToQueriesAsSoonAsItReturns() {
        try (Store store = local("a").build()) {
            store.commit(List.of(TodoSchema.created("t1", "milk"), TodoSchema.created("t2", "eggs")));
            assertThat(store.query("SELECT text FROM todos ORDER BY id", rs -> rs.getString(1)))
                    .containsExactly("milk", "eggs");
            store.commit(List.of(TodoSchema.completed("t1"), TodoSchema.deleted("t2"), TodoSchema.filterSet("all")));
            assertThat(store.count("SELECT count(*) FROM todos WHERE completed = 1")).isEqualTo(1);
            assertThat(store.count("SELECT count(*) FROM todos")).isEqualTo(1);
            assertThat(store.eventLog()).extracting(e -> e.seq().toString())
                    .containsExactly("e1", "e2", "e3", "e4", "e4.1");
            SyncStatus status = store.syncStatus();
            assertThat(status.localHead().toString()).isEqualTo("e4.1");
            assertThat(status.pendingCount()).isEqualTo(5);
            assertThat(status.pendingToPush()).isEqualTo(4);
            assertThat(status.connected()).isFalse();
        }
    }

    @Test
    void unknownNamesAndBadArgsAreRefusedWithClearErrorsAndChangeNothing() {
        try (Store store = local("a").build()) {
            assertThatThrownBy(() -> store.commit("v1.Nope", JsonNodeFactory.instance.objectNode()))
                    .isInstanceOf(UnknownEventException.class).hasMessageContaining("\"v1.Nope\"");
            assertThatThrownBy(() -> store.commit(TodoSchema.TODO_CREATED,
                    JsonNodeFactory.instance.objectNode().put("id", "x")))
                    .isInstanceOf(InvalidEventArgsException.class).hasMessageContaining("\"text\" is missing");
            assertThat(store.eventLog()).isEmpty();
        }
    }

    @Test
    void aFileStoreSurvivesCloseAndReopenWithItsPendingEvents(@TempDir Path dir) {
        Path file = dir.resolve("a.db");
        try (Store store = local("a").storage(Storage.file(file)).build()) {
            for (int i = 0; i < 20; i++) {
                store.commit(List.of(TodoSchema.created("t" + i, "todo " + i)));
            }
        }
        try (Store store = local("a").storage(Storage.file(file)).build()) {
            assertThat(store.count("SELECT count(*) FROM todos")).isEqualTo(20);
            assertThat(store.syncStatus().pendingCount()).isEqualTo(20);
            assertThat(store.syncStatus().localHead().toString()).isEqualTo("e20");
            store.commit(List.of(TodoSchema.created("t20", "after reopen")));
            assertThat(store.eventLog().getLast().seq().toString()).isEqualTo("e21");
            assertThat(store.stateDigest()).isEqualTo(store.replayDigest());
        }
    }

    @Test
    void aFileOfAnotherStoreOrAGarbageFileIsRefusedUnchanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("a.db");
        try (Store store = local("a").storage(Storage.file(file)).build()) {
            store.commit(List.of(TodoSchema.created("t1", "x")));
        }
        assertThatThrownBy(() -> Store.builder().storeId("other").clientId("a").schema(TodoSchema.schema())
                .storage(Storage.file(file)).build())
                .isInstanceOf(StoreException.class).hasMessageContaining("belongs to store \"basics\"");
        Path garbage = Files.write(dir.resolve("garbage.db"), "this is not a database, just some text".repeat(200)
                .getBytes());
        byte[] before = Files.readAllBytes(garbage);
        assertThatThrownBy(() -> local("a").storage(Storage.file(garbage)).build())
                .isInstanceOf(StoreException.class).hasMessageContaining("garbage.db");
        assertThat(Files.readAllBytes(garbage)).isEqualTo(before);
    }

    @Test
    void subscriptionsFireAfterChangesToTheirTables() {
        try (Store store = local("a").build()) {
            List<Long> counts = new CopyOnWriteArrayList<>();
            try (Store.Subscription sub = store.subscribe("SELECT count(*) FROM todos", rs -> rs.getLong(1),
                    rows -> counts.add(rows.getFirst()))) {
                Await.until("the initial result", Duration.ofSeconds(5), () -> counts.contains(0L));
                store.commit(List.of(TodoSchema.created("t1", "x")));
                Await.until("the result after one commit", Duration.ofSeconds(5), () -> counts.contains(1L));
                int before = counts.size();
                store.commit(List.of(TodoSchema.filterSet("done"))); // touches ui_state only
                store.commit(List.of(TodoSchema.created("t2", "y")));
                Await.until("the result after two commits", Duration.ofSeconds(5), () -> counts.contains(2L));
                assertThat(counts.size()).isEqualTo(before + 1);
            }
        }
    }

    @Test
    void twoSessionsShareOneLeaderAndSeeEachOthersCommits() {
        try (Store first = local("a").build(); Store second = first.openSession()) {
            for (int i = 0; i < 50; i++) {
                first.commit(List.of(TodoSchema.created("a" + i, "x")));
                second.commit(List.of(TodoSchema.created("b" + i, "y")));
            }
            assertThat(first.count("SELECT count(*) FROM todos")).isEqualTo(100);
            assertThat(second.count("SELECT count(*) FROM todos")).isEqualTo(100);
            assertThat(first.stateDigest()).isEqualTo(first.replayDigest());
        }
    }

    @Test
    void builderFailsFastOnBadValues() {
        assertThatThrownBy(() -> Store.builder().storeId("has space")).hasMessageContaining("storeId");
        assertThatThrownBy(() -> Store.builder().localPushBatchSize(0)).hasMessageContaining("localPushBatchSize");
        assertThatThrownBy(() -> Store.builder().storeId("s").clientId("c").build())
                .hasMessageContaining("schema is required");
    }
}
