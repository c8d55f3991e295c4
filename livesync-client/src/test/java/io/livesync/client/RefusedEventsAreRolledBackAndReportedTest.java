package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.Event;
import io.livesync.core.leader.PushResumePolicy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #17, the client: an event the server's validator refuses leaves the pending events with its effects rolled
 * back; every other event is pushed; the app hears which event and why; state equals a replay of the log.
 */
class RefusedEventsAreRolledBackAndReportedTest {

    private static Optional<String> noForbidden(Event e) {
        return e.args().path("text").asText().contains("forbidden")
                ? Optional.of("todos may not say forbidden") : Optional.empty();
    }

    @Test
    void aRefusedEventIsRolledBackReportedAndTheOthersSync(@TempDir Path dir) {
        try (SyncFixture f = new SyncFixture("refusals")) {
            f.server.validator(RefusedEventsAreRolledBackAndReportedTest::noForbidden);
            List<RefusedEvent> heard = new CopyOnWriteArrayList<>();
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED,
                    b -> b.storage(Storage.file(dir.resolve("a.db"))).onEventRefused(heard::add),
                    x -> x);
            SyncFixture.Client b = f.client("b", PushResumePolicy.SUPERVISED);
            a.store().commit(List.of(TodoSchema.created("t1", "fine")));
            a.store().commit(List.of(TodoSchema.created("t2", "forbidden words")));
            a.store().commit(List.of(TodoSchema.created("t3", "fine again"), TodoSchema.completed("t1")));
            f.awaitConverged(3, a, b);
            assertThat(f.server.log(f.storeId)).extracting(e -> e.args().path("id").asText())
                    .containsExactly("t1", "t3", "t1");
            for (SyncFixture.Client c : List.of(a, b)) {
                assertThat(c.store().query("SELECT id FROM todos ORDER BY id", rs -> rs.getString(1)))
                        .as(c.store().clientId()).containsExactly("t1", "t3");
                assertThat(c.store().checkStateMatchesReplay()).isNull();
            }
            Await.until("the app heard of the refusal", SyncFixture.WAIT, () -> heard.size() == 1, () -> "");
            assertThat(heard.getFirst().name()).isEqualTo(TodoSchema.TODO_CREATED);
            assertThat(heard.getFirst().reason()).contains("forbidden");
            assertThat(a.store().refusedEvents()).hasSize(1);
            assertThat(a.store().syncStatus().eventsRefused()).isEqualTo(1);
            assertThat(a.logText()).contains("\"event-refused\"");
            assertThat(a.store().eventLog()).noneMatch(e -> e.args().path("text").asText().contains("forbidden"));
        }
    }

    @Test
    void aRefusedLastEventLeavesTheSessionAbleToCommit() {
        try (SyncFixture f = new SyncFixture("refusals-last")) {
            f.server.validator(RefusedEventsAreRolledBackAndReportedTest::noForbidden);
            SyncFixture.Client a = f.client("a", PushResumePolicy.SUPERVISED);
            a.store().commit(List.of(TodoSchema.created("t1", "fine")));
            f.awaitConverged(1, a);
            a.store().commit(List.of(TodoSchema.created("t2", "forbidden")));
            Await.until("the refusal is processed", SyncFixture.WAIT,
                    () -> a.store().syncStatus().eventsRefused() == 1 && a.store().syncStatus().pendingCount() == 0,
                    () -> a.store().syncStatus().toString());
            a.store().commit(List.of(TodoSchema.created("t3", "fine")));
            Store second = a.store().openSession();
            second.commit(List.of(TodoSchema.created("t4", "fine too")));
            f.awaitConverged(3, a);
            assertThat(a.store().query("SELECT id FROM todos ORDER BY id", rs -> rs.getString(1)))
                    .containsExactly("t1", "t3", "t4");
            assertThat(a.store().checkStateMatchesReplay()).isNull();
        }
    }
}
