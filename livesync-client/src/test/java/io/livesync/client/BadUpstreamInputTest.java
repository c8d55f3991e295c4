package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.leader.PushResumePolicy;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input from upstream gives a clear typed error, is visible in status and logs, and never changes the file:
 * a page that does not chain onto the cursor, an event with malformed args, an unknown event name.
 */
class BadUpstreamInputTest {

    /** A backend that answers the first pull with a fixed page, then stays quiet. */
    static final class ScriptedBackend implements SyncBackend {
        private final List<Event> page;

        ScriptedBackend(List<Event> page) {
            this.page = page;
        }

        @Override
        public void start(ConnectionListener listener) {
            listener.connected();
        }

        @Override
        public PullSubscription pull(long cursor, String backendId, boolean live, PullListener listener) {
            listener.page(page, PageInfo.NO_MORE, "scripted-backend");
            return () -> { };
        }

        @Override
        public CompletableFuture<Void> push(List<Event> batch, String backendId) {
            return new CompletableFuture<>(); // never answers; not used by these tests
        }

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void close() {}
    }

    private static Event created(long global, long parent, String id, String text) {
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(parent), TodoSchema.TODO_CREATED,
                JsonNodeFactory.instance.objectNode().put("id", id).put("text", text), "other", "s");
    }

    private record Opened(Store store, ByteArrayOutputStream log) {}

    private static Opened open(Path file, SyncBackend backend, UnknownEventPolicy policy) {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Store store = Store.builder().storeId("bad").clientId("me").schema(TodoSchema.schema())
                .storage(Storage.file(file)).backend(backend).unknownEventPolicy(policy)
                .pushResumePolicy(PushResumePolicy.SUPERVISED).log(JsonLog.toStream(log, true))
                .leader(l -> l.backoff(50, 5000)).build();
        return new Opened(store, log);
    }

    private static String seedFile(Path file) {
        try (Store store = Store.builder().storeId("bad").clientId("me").schema(TodoSchema.schema())
                .storage(Storage.file(file)).build()) {
            store.commit(List.of(TodoSchema.created("mine", "local")));
            return store.eventLogDigest() + "/" + store.stateDigest();
        }
    }

    @Test
    void aPageThatDoesNotChainOntoTheCursorIsRefusedAndRetried(@TempDir Path dir) {
        Path file = dir.resolve("c.db");
        String before = seedFile(file);
        Opened o = open(file, new ScriptedBackend(List.of(created(5, 4, "x", "gap"))), UnknownEventPolicy.FAIL);
        try (Store store = o.store()) {
            Await.until("the protocol error is counted", SyncFixture.WAIT,
                    () -> store.syncStatus().stats().protocolErrors() >= 1);
            assertThat(store.eventLogDigest() + "/" + store.stateDigest()).isEqualTo(before);
            assertThat(store.syncStatus().failure()).isNull();
        }
        assertThat(o.log().toString(StandardCharsets.UTF_8)).contains("\"event\":\"pull-protocol-error\"")
                .contains("does not chain onto e0");
    }

    @Test
    void anEventWithMalformedArgsStopsSyncingWithAClearErrorAndTheFileUnchanged(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("m.db");
        String before = seedFile(file);
        Event malformed = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, TodoSchema.TODO_CREATED,
                JsonNodeFactory.instance.objectNode().put("id", 7), "other", "s");
        Opened o = open(file, new ScriptedBackend(List.of(malformed)), UnknownEventPolicy.FAIL);
        try (Store store = o.store()) {
            Await.until("the store reports the failure", SyncFixture.WAIT, () -> store.syncStatus().failure() != null);
            assertThat(store.syncStatus().failure()).contains("v1.TodoCreated").contains("e1");
            assertThat(store.eventLogDigest() + "/" + store.stateDigest()).isEqualTo(before);
        }
        assertThat(o.log().toString(StandardCharsets.UTF_8)).contains("\"event\":\"leader-failed\"");
        assertThat(Files.size(file)).isPositive();
    }

    @Test
    void anUnknownEventNameFailsByDefaultAndIsSkippedWhenAskedTo(@TempDir Path dir) {
        Event unknown = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "v2.TodoArchived",
                JsonNodeFactory.instance.objectNode().put("id", "x"), "newer-app", "s");
        Path failFile = dir.resolve("fail.db");
        String before = seedFile(failFile);
        Opened failing = open(failFile, new ScriptedBackend(List.of(unknown)), UnknownEventPolicy.FAIL);
        try (Store store = failing.store()) {
            Await.until("the store reports the unknown event", SyncFixture.WAIT,
                    () -> store.syncStatus().failure() != null);
            assertThat(store.syncStatus().failure()).contains("unknown event name \"v2.TodoArchived\"");
            assertThat(store.eventLogDigest() + "/" + store.stateDigest()).isEqualTo(before);
        }

        Path skipFile = dir.resolve("skip.db");
        Opened skipping = open(skipFile, new ScriptedBackend(List.of(unknown)), UnknownEventPolicy.SKIP_AND_LOG);
        try (Store store = skipping.store()) {
            Await.until("the unknown event is in the log", SyncFixture.WAIT,
                    () -> store.syncStatus().upstreamHead().global() == 1);
            assertThat(store.eventLog()).extracting(Event::name).containsExactly("v2.TodoArchived");
            assertThat(store.count("SELECT count(*) FROM todos")).isZero();
            assertThat(store.syncStatus().failure()).isNull();
        }
        assertThat(skipping.log().toString(StandardCharsets.UTF_8)).contains("\"event\":\"unknown-event-skipped\"");
    }
}
