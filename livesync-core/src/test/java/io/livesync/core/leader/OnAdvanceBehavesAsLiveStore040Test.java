package io.livesync.core.leader;

import io.livesync.core.backend.SyncError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue #11 item 3: {@code ON_ADVANCE} is LiveStore 0.4.0's push loop (LeaderSyncProcessor.js of
 * {@code @livestore/common} 0.4.0): offline errors are retried with backoff instead of parking, and every non-empty
 * pull page restarts pushing, superseding a push in flight.
 */
class OnAdvanceBehavesAsLiveStore040Test {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.any())).build();

    private final LeaderLogic logic = new LeaderLogic(LeaderConfig.builder(SCHEMA)
            .pushResumePolicy(PushResumePolicy.ON_ADVANCE).backoff(1000, 30_000).build());
    private LeaderState state = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
    private List<LeaderEffect> effects = List.of();
    private long now;

    private void feed(LeaderInput input) {
        LeaderLogic.Step step = logic.step(state, input, now);
        state = step.state();
        effects = step.effects();
    }

    private void catchUp(Event... events) {
        feed(new LeaderInput.PullPage(state.activePullId(), List.of(events), PageInfo.NO_MORE, "backend-1"));
    }

    private void commit(String id) {
        EventSeq.SeqPair pair = state.sync().localHead().next(false);
        feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(now + 1, List.of(Event.of(pair.seq(),
                pair.parent(), "todo", JsonNodeFactory.instance.objectNode().put("id", id), "A", "s"))))));
    }

    private LeaderEffect.SendPush lastSend() {
        return effects.stream().filter(LeaderEffect.SendPush.class::isInstance).map(LeaderEffect.SendPush.class::cast)
                .reduce((a, b) -> b).orElse(null);
    }

    private static Event foreign(long global) {
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "todo",
                JsonNodeFactory.instance.objectNode().put("id", "B" + global), "B", "sb");
    }

    @Test
    void anOfflineErrorFollowedByAnEmptyCatchUpStillPushes() {
        feed(new LeaderInput.Start());
        feed(new LeaderInput.Connected());
        catchUp();
        commit("a1");
        long attempt = lastSend().attemptId();
        feed(new LeaderInput.Disconnected("socket closed"));
        feed(new LeaderInput.PushFailed(attempt, new SyncError.Offline("socket closed")));
        assertThat(state.push()).as("0.4.0 retries IsOfflineError").isInstanceOf(PushLoop.Backoff.class);
        PushLoop.Backoff backoff = (PushLoop.Backoff) state.push();
        now = backoff.untilMillis();
        feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.BACKOFF, backoff.timerToken()));
        assertThat(lastSend()).as("not while offline").isNull();
        feed(new LeaderInput.Connected());
        catchUp(); // nothing new upstream: no advance will ever come
        assertThat(lastSend()).as("the pending event is pushed after the empty catch-up").isNotNull();
        assertThat(lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e1");
    }

    @Test
    void everyNonEmptyPullPageRestartsPushingAndSupersedesThePushInFlight() {
        feed(new LeaderInput.Start());
        feed(new LeaderInput.Connected());
        catchUp();
        commit("a1");
        long first = lastSend().attemptId();
        // while e1 is in flight, a2 is committed and a page arrives: the echo of a1 (an advance)
        Event echo = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "todo",
                JsonNodeFactory.instance.objectNode().put("id", "a1"), "A", "s");
        commit("a2");
        catchUp(echo);
        assertThat(state.push()).as("the in-flight push of e1 was superseded")
                .isInstanceOfSatisfying(PushLoop.InFlight.class, f -> assertThat(f.attemptId()).isNotEqualTo(first));
        assertThat(lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e2");
        feed(new LeaderInput.PushAccepted(first));
        assertThat(effects).as("the superseded result is ignored")
                .noneMatch(LeaderEffect.SendPush.class::isInstance);
    }

    @Test
    void aServerAheadRejectionWaitsForTheNextPageAndThenPushesRebased() {
        feed(new LeaderInput.Start());
        feed(new LeaderInput.Connected());
        catchUp();
        commit("a1");
        feed(new LeaderInput.PushFailed(lastSend().attemptId(), new SyncError.ServerAhead(1, 0)));
        assertThat(state.push()).isInstanceOf(PushLoop.Parked.class);
        catchUp(foreign(1));
        List<String> sent = new ArrayList<>();
        lastSend().batch().forEach(e -> sent.add(e.seq().toString()));
        assertThat(sent).containsExactly("e2r1");
    }
}
