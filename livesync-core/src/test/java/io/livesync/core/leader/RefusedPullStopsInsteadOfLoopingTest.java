package io.livesync.core.leader;

import io.livesync.core.backend.SyncError;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.ArgsValidator;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Issue #12 item 2 (client side): a pull refused with cursor-ahead stops syncing with a named reason, no retry loop. */
class RefusedPullStopsInsteadOfLoopingTest {

    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void aCursorAheadRefusalStopsSyncingForGoodWithAHint(PushResumePolicy policy) {
        Schema schema = Schema.builder().event(EventDefinition.synced("todo", ArgsValidator.any())).build();
        LeaderLogic logic = new LeaderLogic(LeaderConfig.builder(schema).pushResumePolicy(policy).build());
        LeaderState state = LeaderState.initial(SyncState.initial(EventSeq.ofGlobal(10)), "backend-1", 1);
        state = logic.step(state, new LeaderInput.Start(), 0).state();
        LeaderLogic.Step step = logic.step(state, new LeaderInput.Connected(), 0);
        state = step.state();
        long pullId = state.activePullId();
        step = logic.step(state, new LeaderInput.PullFailed(pullId,
                new SyncError.Refused("cursor-ahead", "cursor 10 is beyond the head 5")), 1);
        state = step.state();
        assertThat(state.fatalError()).contains("cursor-ahead");
        assertThat(step.effects()).noneMatch(e -> e instanceof LeaderEffect.SetTimer t
                && t.kind() == LeaderInput.TimerKind.PULL_RETRY);
        assertThat(step.effects()).anyMatch(e -> e instanceof LeaderEffect.Log log && log.event().equals("sync-stopped")
                && String.valueOf(log.fields().get("hint")).contains("fewer events"));
        // reconnecting does not restart the loop of pulls
        state = logic.step(state, new LeaderInput.Disconnected("x"), 2).state();
        step = logic.step(state, new LeaderInput.Connected(), 3);
        assertThat(step.effects()).as("no pull after syncing stopped").noneMatch(LeaderEffect.StartPull.class::isInstance);
        assertThat(step.state().fatalError()).isNotNull();
    }
}
