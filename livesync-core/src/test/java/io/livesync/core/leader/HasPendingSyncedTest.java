package io.livesync.core.leader;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.SyncState;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The O(1)-typical check a local push uses agrees with the count: client-only events never count. */
class HasPendingSyncedTest {

    private static final Predicate<Event> UI_IS_CLIENT_ONLY = e -> e.name().equals("ui");

    private static LeaderState withPending(String... names) {
        List<Event> pending = new ArrayList<>();
        EventSeq head = EventSeq.ROOT;
        for (String name : names) {
            EventSeq.SeqPair pair = head.next(name.equals("ui"));
            pending.add(Event.of(pair.seq(), pair.parent(), name, JsonNodeFactory.instance.objectNode(), "A", "s"));
            head = pair.seq();
        }
        SyncState sync = new SyncState(pending, EventSeq.ROOT, head);
        return LeaderState.initial(sync, null, 1);
    }

    @Test
    void agreesWithTheCount() {
        for (LeaderState s : List.of(withPending(), withPending("ui"), withPending("ui", "ui"),
                withPending("todo"), withPending("ui", "todo"), withPending("todo", "ui"))) {
            assertThat(s.hasPendingSynced(UI_IS_CLIENT_ONLY)).as(s.sync().pending().toString())
                    .isEqualTo(s.pendingSynced(UI_IS_CLIENT_ONLY) > 0);
        }
    }
}
