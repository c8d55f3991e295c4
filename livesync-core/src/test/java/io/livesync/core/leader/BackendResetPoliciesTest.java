package io.livesync.core.leader;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import io.livesync.core.backend.SyncError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue #16: what a client does when the server's backend id changes, for each policy. */
class BackendResetPoliciesTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.any())).build();

    private final List<LeaderEffect> effects = new ArrayList<>();
    private LeaderState state;
    private LeaderLogic logic;

    private void start(BackendResetPolicy policy) {
        logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).backendResetPolicy(policy).build());
        state = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        feed(new LeaderInput.Start());
        feed(new LeaderInput.Connected());
        // two confirmed events from the old store, then a1 and a2 pending
        feed(new LeaderInput.PullPage(state.activePullId(), List.of(foreign(1), foreign(2)), PageInfo.NO_MORE, "old"));
        for (String id : new String[] {"a1", "a2"}) {
            EventSeq.SeqPair pair = state.sync().localHead().next(false);
            feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(state.nextId(), List.of(Event.of(
                    pair.seq(), pair.parent(), "todo", JsonNodeFactory.instance.objectNode().put("id", id), "A", "s"))))));
        }
        assertThat(state.sync().pending()).hasSize(2);
    }

    private static Event foreign(long global) {
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "todo",
                JsonNodeFactory.instance.objectNode().put("id", "b" + global), "B", "sb");
    }

    private void feed(LeaderInput input) {
        LeaderLogic.Step step = logic.step(state, input, 0);
        state = step.state();
        effects.clear();
        effects.addAll(step.effects());
    }

    private void serverReset() {
        feed(new LeaderInput.PullPage(state.activePullId(), List.of(), PageInfo.NO_MORE, "new"));
    }

    @Test
    void shutdownStopsSyncingForGood() {
        start(BackendResetPolicy.SHUTDOWN);
        serverReset();
        assertThat(state.fatalError()).contains("backend-id-mismatch");
        assertThat(effects).noneMatch(LeaderEffect.ResetLocal.class::isInstance);
        assertThat(((PushLoop.Parked) state.push()).terminal()).isTrue();
    }

    @Test
    void rehomePendingDropsTheConfirmedHistoryAndRebasesThePendingEventsOntoTheNewStore() {
        start(BackendResetPolicy.REHOME_PENDING);
        serverReset();
        LeaderEffect.ResetLocal reset = (LeaderEffect.ResetLocal) effects.stream()
                .filter(LeaderEffect.ResetLocal.class::isInstance).findFirst().orElseThrow();
        assertThat(reset.backendId()).isEqualTo("new");
        assertThat(reset.reapply()).extracting(e -> e.args().path("id").asText()).containsExactly("a1", "a2");
        assertThat(reset.reapply()).extracting(e -> e.seq().global()).containsExactly(1L, 2L);
        assertThat(state.fatalError()).isNull();
        assertThat(state.backendId()).isEqualTo("new");
        assertThat(state.sync().upstreamHead()).isEqualTo(EventSeq.ROOT);
        LeaderEffect.StartPull pull = (LeaderEffect.StartPull) effects.stream()
                .filter(LeaderEffect.StartPull.class::isInstance).findFirst().orElseThrow();
        assertThat(pull.cursor()).isZero();
        // the new store already has one event: the pending events rebase over it and are pushed after it
        feed(new LeaderInput.PullPage(pull.pullId(), List.of(foreign(1)), PageInfo.NO_MORE, "new"));
        LeaderEffect.SendPush push = (LeaderEffect.SendPush) effects.stream()
                .filter(LeaderEffect.SendPush.class::isInstance).findFirst().orElseThrow();
        assertThat(push.batch()).extracting(e -> e.args().path("id").asText()).containsExactly("a1", "a2");
        assertThat(push.batch().getFirst().parent().global()).isEqualTo(1);
    }

    @Test
    void resetLocalDropsEverythingAndStartsOver() {
        start(BackendResetPolicy.RESET_LOCAL);
        serverReset();
        LeaderEffect.ResetLocal reset = (LeaderEffect.ResetLocal) effects.stream()
                .filter(LeaderEffect.ResetLocal.class::isInstance).findFirst().orElseThrow();
        assertThat(reset.reapply()).isEmpty();
        assertThat(state.sync().pending()).isEmpty();
        assertThat(effects).anyMatch(e -> e instanceof LeaderEffect.Log log && log.event().equals("backend-reset-followed")
                && log.fields().get("droppedPending").equals(2));
    }

    @Test
    void aPushRefusedForABackendIdMismatchFollowsTheResetToo() {
        start(BackendResetPolicy.REHOME_PENDING);
        LeaderEffect.SendPush push = null;
        feed(new LeaderInput.PullPage(state.activePullId(), List.of(), PageInfo.NO_MORE, "old"));
        for (LeaderEffect e : effects) {
            if (e instanceof LeaderEffect.SendPush s) {
                push = s;
            }
        }
        long attempt = push != null ? push.attemptId() : ((PushLoop.InFlight) state.push()).attemptId();
        feed(new LeaderInput.PushFailed(attempt, new SyncError.BackendIdMismatch("new", "old")));
        assertThat(effects).anyMatch(LeaderEffect.ResetLocal.class::isInstance);
        assertThat(state.backendId()).isEqualTo("new");
    }
}
