package io.livesync.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncError;
import io.livesync.core.backend.SyncException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The in-memory server's wire-like behaviour (regressions found by a review on 2026-12-02; each failed before its fix). */
class InMemorySyncServerBehavesLikeTheWireTest {

    static Event ev(EventSeq seq, EventSeq parent, String id) {
        return Event.of(seq, parent, "v1.TodoCreated", JsonNodeFactory.instance.objectNode().put("id", id), "a", "a-s");
    }

    static final class Rec implements SyncBackend.PullListener {
        final List<Event> got = new ArrayList<>();
        final List<SyncError> failed = new ArrayList<>();
        public CompletionStage<Void> page(List<Event> events, PageInfo info, String backendId) {
            got.addAll(events);
            return CompletableFuture.completedFuture(null);
        }
        public void failed(SyncError e) { failed.add(e); }
        public void ended() {}
    }

    /** A rebased push (generation 3) comes back from the server with generation 3; the old testkit and the wire say 0. */
    @Test
    void aRebasedPushIsStoredWithGlobalSequenceNumbersOnly() throws Exception {
        InMemorySyncServer server = new InMemorySyncServer();
        InMemorySyncBackend a = server.client("s");
        a.push(List.of(ev(new EventSeq(1, 0, 3), new EventSeq(0, 0, 3), "x")), server.backendId("s")).get();
        Rec rec = new Rec();
        server.client("s").pull(0, null, false, rec);
        System.out.println("[testkit] log seq=" + server.log("s").getFirst().seq() + " pulled seq="
                + rec.got.getFirst().seq());
        assertThat(rec.got.getFirst().seq()).isEqualTo(EventSeq.ofGlobal(1));
    }

    /** The test's validator is asked twice per push (fault decorator + hub): a stateful validator now misbehaves. */
    @Test
    void theValidatorIsAskedOncePerEvent() throws Exception {
        InMemorySyncServer server = new InMemorySyncServer();
        AtomicInteger calls = new AtomicInteger();
        server.validator(e -> calls.incrementAndGet() == 1 ? Optional.of("first one refused") : Optional.empty());
        InMemorySyncBackend a = server.client("s");
        String outcome;
        try {
            a.push(List.of(ev(EventSeq.ofGlobal(1), EventSeq.ROOT, "x")), server.backendId("s")).get();
            outcome = "accepted";
        } catch (ExecutionException e) {
            outcome = ((SyncException) e.getCause()).error().toString();
        }
        System.out.println("[testkit] validator calls=" + calls.get() + " outcome=" + outcome);
        assertThat(calls.get()).isEqualTo(1);
        assertThat(outcome).isNotEqualTo("accepted");
    }
}
