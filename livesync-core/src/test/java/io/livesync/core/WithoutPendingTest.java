package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** Issue #17: dropping a refused pending event moves the events after it up, never onto a position in the log. */
class WithoutPendingTest {

    private static final Predicate<Event> CLIENT_ONLY = e -> e.name().startsWith("ui");

    private static Event event(EventSeq.SeqPair pair, String name) {
        return Event.of(pair.seq(), pair.parent(), name, JsonNodeFactory.instance.objectNode(), "a", "s");
    }

    @Test
    void eventsAfterTheRefusedOneMoveUpAndThoseBeforeStay() {
        EventSeq up = EventSeq.ofGlobal(5);
        Event e6 = event(up.next(false), "todo");
        Event e7 = event(e6.seq().next(false), "todo");
        Event e7c = event(e7.seq().next(true), "ui");
        Event e8 = event(e7c.seq().next(false), "todo");
        SyncState state = new SyncState(List.of(e6, e7, e7c, e8), up, e8.seq());
        MergeResult.Rebase r = state.withoutPending(e7, up, CLIENT_ONLY);
        assertThat(r.rollbackEvents()).containsExactly(e7, e7c, e8);
        assertThat(r.newState().pending()).extracting(e -> e.seq().toString()).containsExactly("e6", "e6.1r1", "e7r1");
        assertThat(r.newEvents()).extracting(e -> e.seq().toString()).containsExactly("e6.1r1", "e7r1");
        assertThat(r.newState().upstreamHead()).isEqualTo(up);
        assertThat(r.newState().localHead().toString()).isEqualTo("e7r1");
    }

    @Test
    void refusingTheFirstPendingEventRebasesAfterTheLogTailNotOntoAConfirmedClientOnlyEvent() {
        EventSeq up = EventSeq.ofGlobal(41);
        EventSeq tail = up.next(true).seq(); // e41.1: a confirmed client-only event after the upstream head
        Event e42 = event(tail.next(false), "todo");
        Event e42c = event(e42.seq().next(true), "ui");
        SyncState state = new SyncState(List.of(e42, e42c), up, e42c.seq());
        MergeResult.Rebase r = state.withoutPending(e42, tail, CLIENT_ONLY);
        assertThat(r.newState().pending()).extracting(e -> e.seq().toString()).containsExactly("e41.2r1");
        assertThat(r.newState().localHead().toString()).isEqualTo("e41.2r1");
    }

    @Test
    void refusingTheOnlyPendingEventLeavesTheLocalHeadAtTheTail() {
        EventSeq up = EventSeq.ofGlobal(3);
        Event e4 = event(up.next(false), "todo");
        MergeResult.Rebase r = new SyncState(List.of(e4), up, e4.seq()).withoutPending(e4, up, CLIENT_ONLY);
        assertThat(r.newState().pending()).isEmpty();
        assertThat(r.newState().localHead()).isEqualTo(up);
        EventSeq clientOnlyTail = up.next(true).seq();
        MergeResult.Rebase afterTail = new SyncState(List.of(event(clientOnlyTail.next(false), "todo")), up,
                clientOnlyTail.next(false).seq()).withoutPending(event(clientOnlyTail.next(false), "todo"),
                clientOnlyTail, CLIENT_ONLY);
        assertThat(afterTail.newState().localHead()).as("the next commit goes after the log's last event")
                .isEqualTo(clientOnlyTail);
    }
}
