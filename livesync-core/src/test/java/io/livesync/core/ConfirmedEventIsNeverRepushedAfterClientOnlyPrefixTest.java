package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Guards the fix of LiveStore's findDivergencePoint index bug (SYNC-SPEC §2.4): with two client-only events before a
 * confirmed synced event, TS rolls back the confirmed event and re-pushes it as a duplicate.
 */
class ConfirmedEventIsNeverRepushedAfterClientOnlyPrefixTest {

    private static Event ev(String seq, String parent, String args, String clientId) {
        return Event.of(EventSeq.parse(seq), EventSeq.parse(parent), "a", TextNode.valueOf(args), clientId, "s");
    }

    @Test
    void onlyTheDivergentSyncedEventIsRebased() {
        Event c1 = ev("e0.1", "e0", "c1", "A");
        Event c2 = ev("e0.2", "e0.1", "c2", "A");
        Event a1 = ev("e1", "e0", "A1", "A");
        Event a2 = ev("e2", "e1", "A2", "A");
        SyncState state = new SyncState(List.of(c1, c2, a1, a2), EventSeq.ROOT, a2.seq());
        Event upA1 = ev("e1", "e0", "A1", "A");
        Event upB2 = ev("e2", "e1", "B2", "B");

        MergeResult result = state.merge(new MergePayload.UpstreamAdvance(List.of(upA1, upB2)),
                e -> e.seq().isClientPosition(), true);

        assertThat(result).isInstanceOf(MergeResult.Rebase.class);
        MergeResult.Rebase rebase = (MergeResult.Rebase) result;
        assertThat(rebase.rollbackEvents()).containsExactly(a2);
        assertThat(rebase.newState().pending()).extracting(e -> e.args().asText()).containsExactly("A2");
        assertThat(rebase.newState().pending().getFirst().seq()).isEqualTo(EventSeq.parse("e3r1"));
        assertThat(rebase.newEvents()).extracting(e -> e.args().asText()).containsExactly("B2", "A2");
    }
}
