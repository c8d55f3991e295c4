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
import java.util.List;
import org.junit.jupiter.api.Test;

/** Issue #16, the client: a rate limit is honoured (never retried sooner), a read-only refusal is never retried. */
class RateLimitedAndForbiddenPushesTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.any())).build();

    private final LeaderLogic logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).backoff(10, 100).build());
    private LeaderState state = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
    private List<LeaderEffect> effects = List.of();

    private void feed(LeaderInput input, long now) {
        LeaderLogic.Step step = logic.step(state, input, now);
        state = step.state();
        effects = step.effects();
    }

    private long pushOne() {
        feed(new LeaderInput.Start(), 0);
        feed(new LeaderInput.Connected(), 0);
        feed(new LeaderInput.PullPage(state.activePullId(), List.of(), PageInfo.NO_MORE, "b"), 0);
        EventSeq.SeqPair pair = EventSeq.ROOT.next(false);
        feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, List.of(Event.of(pair.seq(),
                pair.parent(), "todo", JsonNodeFactory.instance.objectNode(), "a", "s"))))), 0);
        return ((PushLoop.InFlight) state.push()).attemptId();
    }

    @Test
    void aRateLimitedPushIsRetriedNoSoonerThanTheServerAsked() {
        feed(new LeaderInput.PushFailed(pushOne(), new SyncError.RateLimited(5_000, "slow down")), 0);
        assertThat(state.push()).isInstanceOfSatisfying(PushLoop.Backoff.class,
                b -> assertThat(b.untilMillis()).isGreaterThanOrEqualTo(5_000));
    }

    @Test
    void aForbiddenPushIsNeverRetriedAndThePullGoesOn() {
        feed(new LeaderInput.PushFailed(pushOne(), new SyncError.Refused("forbidden", "read-only user")), 0);
        assertThat(state.push()).isInstanceOfSatisfying(PushLoop.Parked.class, p -> {
            assertThat(p.terminal()).isTrue();
            assertThat(p.reason()).contains("forbidden");
        });
        assertThat(state.fatalError()).as("pulls go on").isNull();
        assertThat(state.sync().pending()).as("local events are kept").hasSize(1);
    }
}
