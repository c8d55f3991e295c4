package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.session.SessionLogic;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Issue #11 item 5: when the leader fails, only commits it had not stored are failed. */
class LeaderFailureFailsOnlyUnstoredCommitsTest {

    private static ClientSchema schema() {
        return ClientSchema.builder()
                .table("CREATE TABLE todos (id TEXT PRIMARY KEY)")
                .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id")),
                        (e, sql) -> sql.execute("INSERT INTO todos (id) VALUES (?)", e.args().get("id").asText()))
                .event(EventDefinition.synced("boom", ArgsValidator.any()), (e, sql) -> {
                    throw new IllegalStateException("materializer of boom fails");
                })
                .build();
    }

    private static SessionLogic.PartialEvent todo(String id) {
        return Store.event("todo", JsonNodeFactory.instance.objectNode().put("id", id));
    }

    @Test
    void aStoredCommitWhoseConfirmationIsStillQueuedSucceedsWhenTheLeaderFails() throws Exception {
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicReference<String> slowSession = new AtomicReference<>();
        Store.Builder builder = Store.builder().storeId("s").clientId("c").schema(schema())
                .sessionInputHook((sessionId, input) -> {
                    // hold the first session on the leader's confirmation of its commit, as a busy machine might
                    if (sessionId.equals(slowSession.get()) && input instanceof SessionLogic.Input.LeaderPayload
                            && held.getCount() == 1) {
                        held.countDown();
                        try {
                            release.await(30, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                });
        try (Store first = builder.build(); Store second = first.openSession()) {
            slowSession.set(first.sessionId());
            AtomicReference<Throwable> firstOutcome = new AtomicReference<>();
            Thread committer = Thread.ofVirtual().start(() -> {
                try {
                    first.commit(List.of(todo("stored")));
                } catch (Throwable t) {
                    firstOutcome.set(t);
                }
            });
            assertThat(held.await(30, TimeUnit.SECONDS)).as("the commit was stored, its confirmation queued").isTrue();
            assertThatThrownBy(() -> second.commit("boom", JsonNodeFactory.instance.objectNode()))
                    .isInstanceOf(StoreException.class).hasMessageContaining("boom");
            assertThat(first.syncStatus().failure()).as("the leader stopped").isNotNull();
            release.countDown();
            committer.join(TimeUnit.SECONDS.toMillis(30));
            assertThat(firstOutcome.get()).as("the stored commit is not reported failed").isNull();
            assertThat(first.eventLog()).extracting(e -> e.args().path("id").asText()).containsExactly("stored");
            assertThatThrownBy(() -> first.commit(List.of(todo("later")))).isInstanceOf(StoreException.class)
                    .hasMessageContaining("stopped");
        }
    }

    @Test
    void aCommitLargerThanALeaderPushIsStoredInOneTransaction() {
        try (Store store = Store.builder().storeId("s").clientId("c").schema(schema()).leaderPushBatchSize(10)
                .build()) {
            List<SessionLogic.PartialEvent> events = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                events.add(todo("t" + i));
            }
            events.add(Store.event("boom", JsonNodeFactory.instance.objectNode()));
            assertThatThrownBy(() -> store.commit(events)).isInstanceOf(StoreException.class);
            assertThat(store.eventLog()).as("all or nothing: none of the 26 events is stored").isEmpty();
        }
    }
}
