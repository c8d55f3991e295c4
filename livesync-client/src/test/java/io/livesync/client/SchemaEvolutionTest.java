package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.livesync.core.Event;
import io.livesync.core.leader.PushResumePolicy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The same real SQLite file opened by successive releases of an app (docs/schema-evolution.md): a changed schema
 * rebuilds the state from the log before the store is usable; the log is never rewritten.
 */
class SchemaEvolutionTest {

    private static Store.Builder open(Path file, ClientSchema schema, List<RebuildProgress> progress) {
        return Store.builder().storeId("evolve").clientId("a").schema(schema).storage(Storage.file(file))
                .rebuildListener(progress::add);
    }

    /** Commits four todos (one completed) with the v1 schema and returns the log as committed. */
    private static List<Event> writeWithV1(Path file) {
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.v1(), progress).build()) {
            store.commit(List.of(EvolvingSchemas.created("t1", "milk"), EvolvingSchemas.created("t2", "eggs")));
            store.commit(List.of(EvolvingSchemas.created("t3", "bread"), EvolvingSchemas.completedEvent("t2")));
            store.commit(List.of(EvolvingSchemas.created("t4", "jam")));
            assertThat(progress).as("a new file is created, not rebuilt").isEmpty();
            return store.eventLog();
        }
    }

    private static void assertRebuilt(List<RebuildProgress> progress, int events) {
        assertThat(progress.getFirst()).isInstanceOf(RebuildProgress.Started.class);
        assertThat(((RebuildProgress.Started) progress.getFirst()).totalEvents()).isEqualTo(events);
        assertThat(progress.get(progress.size() - 2)).isEqualTo(new RebuildProgress.Committing(events));
        assertThat(progress.getLast()).isEqualTo(new RebuildProgress.Finished(events));
    }

    @Test
    void reopeningWithTheSameSchemaDoesNotRebuild(@TempDir Path dir) {
        Path file = dir.resolve("same.db");
        writeWithV1(file);
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.v1(), progress).build()) {
            assertThat(progress).isEmpty();
            assertThat(store.count("SELECT count(*) FROM todos")).isEqualTo(4);
        }
    }

    @Test
    void aChangedColumnIsRebuiltFromTheLog(@TempDir Path dir) {
        Path file = dir.resolve("column.db");
        List<Event> committed = writeWithV1(file);
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.columnChanged(), progress).build()) {
            assertRebuilt(progress, 5);
            assertThat(store.query("SELECT id, title, length, completed FROM todos ORDER BY id",
                    rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|" + rs.getInt(4)))
                    .containsExactly("t1|milk|4|0", "t2|eggs|4|1", "t3|bread|5|0", "t4|jam|3|0");
            assertThat(store.eventLog()).as("the log is never rewritten").isEqualTo(committed);
            assertThat(store.checkStateMatchesReplay()).isNull();
            store.commit(List.of(EvolvingSchemas.created("t5", "tea")));
            assertThat(store.count("SELECT length FROM todos WHERE id = 't5'")).isEqualTo(3);
        }
        List<RebuildProgress> again = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.columnChanged(), again).build()) {
            assertThat(again).as("the new fingerprint is recorded: no second rebuild").isEmpty();
            assertThat(store.checkStateMatchesReplay()).isNull();
        }
    }

    @Test
    void anAddedTableIsFilledFromTheWholeLog(@TempDir Path dir) {
        Path file = dir.resolve("table.db");
        List<Event> committed = writeWithV1(file);
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.tableAdded(), progress).build()) {
            assertRebuilt(progress, 5);
            assertThat(store.eventLog()).isEqualTo(committed);
            assertThat(store.count("SELECT created FROM stats")).isEqualTo(4);
            assertThat(store.checkStateMatchesReplay()).isNull();
        }
    }

    @Test
    void aChangedMaterializerReappliesEveryEvent(@TempDir Path dir) {
        Path file = dir.resolve("materializer.db");
        List<Event> committed = writeWithV1(file);
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.materializerChanged(), progress).build()) {
            assertRebuilt(progress, 5);
            assertThat(store.eventLog()).isEqualTo(committed);
            assertThat(store.query("SELECT text FROM todos ORDER BY id", rs -> rs.getString(1)))
                    .containsExactly("MILK", "EGGS", "BREAD", "JAM");
            assertThat(store.checkStateMatchesReplay()).isNull();
        }
    }

    @Test
    void aRenamedEventIsUpcastForMaterializationAndKeptAsCommittedInTheLog(@TempDir Path dir) {
        Path file = dir.resolve("upcast.db");
        List<Event> committed = writeWithV1(file);
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store store = open(file, EvolvingSchemas.renamedWithUpcaster(), progress).build()) {
            assertRebuilt(progress, 5);
            assertThat(store.query("SELECT id, title, priority, completed FROM todos ORDER BY id",
                    rs -> rs.getString(1) + "|" + rs.getString(2) + "|" + rs.getInt(3) + "|" + rs.getInt(4)))
                    .containsExactly("t1|milk|0|0", "t2|eggs|0|1", "t3|bread|0|0", "t4|jam|0|0");
            store.commit(List.of(EvolvingSchemas.createdV2("t5", "tea")));
            List<Event> log = store.eventLog();
            assertThat(log.subList(0, committed.size())).as("v1 events stay v1 in the log").isEqualTo(committed);
            assertThat(log.getLast().name()).isEqualTo(EvolvingSchemas.CREATED_V2);
            assertThat(store.checkStateMatchesReplay()).isNull();
            assertThatThrownBy(() -> store.commit(List.of(EvolvingSchemas.created("t6", "old"))))
                    .as("the app commits only the current version").hasMessageContaining(EvolvingSchemas.CREATED_V1);
        }
    }

    @Test
    void anOldClientKeepsUnknownEventsAndAppliesThemOnceItsSchemaLearnsThem(@TempDir Path dir) {
        Path oldFile = dir.resolve("old.db");
        try (SyncFixture f = new SyncFixture("evolve")) {
            SyncFixture.Client newer = f.client("new", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.withTags()), x -> x);
            SyncFixture.Client old = f.client("old", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.v1()).storage(Storage.file(oldFile)), x -> x);
            newer.store().commit(List.of(EvolvingSchemas.created("t1", "milk"), EvolvingSchemas.tagged("t1", "food")));
            old.store().commit(List.of(EvolvingSchemas.created("t2", "eggs")));
            newer.store().commit(List.of(EvolvingSchemas.tagged("t2", "food"), EvolvingSchemas.completedEvent("t1")));
            f.awaitConverged(5, newer, old);
            assertThat(old.store().syncStatus().failure()).as("the old client never blocks").isNull();
            assertThat(ConcurrentStoresConvergeTest.syncedOnly(old.store().eventLog()))
                    .as("the old client's log holds the events it cannot materialize")
                    .isEqualTo(ConcurrentStoresConvergeTest.syncedOnly(newer.store().eventLog()));
            assertThat(old.store().count("SELECT count(*) FROM todos WHERE completed = 1")).isEqualTo(1);
            assertThat(old.store().checkStateMatchesReplay()).isNull();
            assertThat(old.logText()).contains("v1.TodoTagged");
            String newerState = newer.store().stateDigest();
            List<Event> oldLog = old.store().eventLog();
            old.store().close();
            List<RebuildProgress> progress = new CopyOnWriteArrayList<>();
            try (Store upgraded = Store.builder().storeId("evolve").clientId("old").schema(EvolvingSchemas.withTags())
                    .storage(Storage.file(oldFile)).rebuildListener(progress::add).build()) {
                assertRebuilt(progress, 5);
                assertThat(upgraded.eventLog()).isEqualTo(oldLog);
                assertThat(upgraded.query("SELECT id || ':' || tag FROM tags ORDER BY id", rs -> rs.getString(1)))
                        .containsExactly("t1:food", "t2:food");
                assertThat(upgraded.stateDigest()).as("same log, same schema: same state as the newer client")
                        .isEqualTo(newerState);
            }
        }
    }

    @Test
    void oldAndNewClientsShareAStoreAcrossAnEventRenameAndTheWireKeepsEventsAsCommitted() {
        try (SyncFixture f = new SyncFixture("evolve")) {
            SyncFixture.Client old = f.client("old", PushResumePolicy.SUPERVISED, b -> b.schema(EvolvingSchemas.v1()),
                    x -> x);
            SyncFixture.Client newer = f.client("new", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.renamedWithUpcaster()), x -> x);
            // one commit at a time, each seen by both before the next: the order on the server is the order below
            // (committed concurrently, either client's event could land first, and "complete t2" could even be
            // committed by a client that has not seen t2 yet)
            old.store().commit(List.of(EvolvingSchemas.created("t1", "milk")));
            f.awaitConverged(1, old, newer);
            newer.store().commit(List.of(EvolvingSchemas.createdV2("t2", "eggs")));
            f.awaitConverged(2, old, newer);
            old.store().commit(List.of(EvolvingSchemas.completedEvent("t2")));
            f.awaitConverged(3, old, newer);
            assertThat(f.server.log(f.storeId)).extracting(Event::name).as("the server holds each event as committed")
                    .containsExactly(EvolvingSchemas.CREATED_V1, EvolvingSchemas.CREATED_V2, EvolvingSchemas.COMPLETED);
            assertThat(newer.store().eventLog()).extracting(Event::name).containsExactly(EvolvingSchemas.CREATED_V1,
                    EvolvingSchemas.CREATED_V2, EvolvingSchemas.COMPLETED);
            assertThat(newer.store().query("SELECT id || ':' || title || ':' || completed FROM todos ORDER BY id",
                    rs -> rs.getString(1))).as("the new client upcasts the old event")
                    .containsExactly("t1:milk:0", "t2:eggs:1");
            assertThat(old.store().query("SELECT id || ':' || text FROM todos ORDER BY id", rs -> rs.getString(1)))
                    .as("the old client keeps v2 unmaterialized").containsExactly("t1:milk");
            assertThat(old.store().syncStatus().failure()).isNull();
            assertThat(old.store().checkStateMatchesReplay()).isNull();
            assertThat(newer.store().checkStateMatchesReplay()).isNull();
        }
    }

    @Test
    void pendingEventsRebuiltUnderANewSchemaRollBackCorrectlyInALaterRebase(@TempDir Path dir) {
        Path file = dir.resolve("rebase.db");
        try (SyncFixture f = new SyncFixture("evolve")) {
            SyncFixture.Client peer = f.client("peer", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.v1()), x -> x);
            SyncFixture.Client before = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.v1()).storage(Storage.file(file)), x -> x);
            before.store().commit(List.of(EvolvingSchemas.created("a1", "one"), EvolvingSchemas.created("a2", "two")));
            f.awaitConverged(2, peer, before);
            before.backend().disconnect();
            before.store().commit(List.of(EvolvingSchemas.created("a3", "three"), EvolvingSchemas.completedEvent("a1")));
            before.store().commit(List.of(EvolvingSchemas.created("a4", "four")));
            peer.store().commit(List.of(EvolvingSchemas.created("p1", "peer"), EvolvingSchemas.completedEvent("a2")));
            before.store().close();
            List<RebuildProgress> progress = new CopyOnWriteArrayList<>();
            SyncFixture.Client after = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.schema(EvolvingSchemas.materializerChanged()).storage(Storage.file(file))
                            .rebuildListener(progress::add), x -> x);
            assertRebuilt(progress, 5);
            assertThat(after.logText()).contains("\"event\":\"schema-rebuild-start\"")
                    .contains("\"event\":\"schema-rebuild-progress\"").contains("\"event\":\"schema-rebuild-commit\"")
                    .contains("\"event\":\"schema-rebuild-done\"");
            f.awaitConverged(7, after);
            assertThat(after.store().syncStatus().stats().pullRebases()).as("the peer's events forced a rebase")
                    .isPositive();
            assertThat(after.store().checkStateMatchesReplay()).isNull();
            assertThat(after.store().query("SELECT id || ':' || text || ':' || completed FROM todos ORDER BY id",
                    rs -> rs.getString(1))).containsExactly("a1:ONE:1", "a2:TWO:1", "a3:THREE:0", "a4:FOUR:0",
                    "p1:PEER:0");
        }
    }

    @Test
    void aThrowingMaterializerInARebuildIsATypedErrorAndLeavesTheFileAsItWas(@TempDir Path dir) {
        Path file = dir.resolve("throwing.db");
        List<RebuildProgress> none = new ArrayList<>();
        String before;
        List<Event> log;
        try (Store store = open(file, EvolvingSchemas.v1(), none).build()) {
            store.commit(List.of(EvolvingSchemas.created("ok", "fine"), EvolvingSchemas.created("bad", "oops"),
                    EvolvingSchemas.completedEvent("bad")));
            before = store.stateDigest();
            log = store.eventLog();
        }
        assertThatThrownBy(() -> open(file, EvolvingSchemas.throwingOnBad(), new ArrayList<>()).build())
                .isInstanceOfSatisfying(MaterializerException.class, e -> {
                    assertThat(e.eventName()).isEqualTo(EvolvingSchemas.COMPLETED);
                    assertThat(e.seq().toString()).isEqualTo("e3");
                    assertThat(e.materializer()).isEqualTo("materializer of v1.TodoCompleted (version 2)");
                    assertThat(e.getMessage()).contains("cannot complete the bad todo");
                });
        try (Store store = open(file, EvolvingSchemas.v1(), none).build()) {
            assertThat(none).as("the old fingerprint is still recorded").isEmpty();
            assertThat(store.stateDigest()).isEqualTo(before);
            assertThat(store.eventLog()).isEqualTo(log);
        }
    }

    @Test
    void aThrowingMaterializerOnACommitNamesTheEventAndTheMaterializerAndWritesNothing(@TempDir Path dir) {
        Path file = dir.resolve("live.db");
        try (Store store = open(file, EvolvingSchemas.throwingOnBad(), new ArrayList<>()).build()) {
            store.commit(List.of(EvolvingSchemas.created("bad", "oops")));
            String before = store.stateDigest();
            assertThatThrownBy(() -> store.commit(List.of(EvolvingSchemas.completedEvent("bad"))))
                    .isInstanceOf(StoreException.class)
                    .hasMessageContaining("materializer of v1.TodoCompleted (version 2) failed on event e2")
                    .hasMessageContaining("cannot complete the bad todo");
            assertThat(store.eventLog()).hasSize(1);
            assertThat(store.stateDigest()).isEqualTo(before);
        }
    }
}
