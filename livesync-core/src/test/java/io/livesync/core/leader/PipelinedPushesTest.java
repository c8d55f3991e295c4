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

/**
 * Pipelined pushes (issue #14): a window of pushes chained onto each other, only once the server said it enforces
 * push chains on the connection, only under SUPERVISED; the first failure fails the whole window, which is sent again
 * from the last acknowledged event.
 */
class PipelinedPushesTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id"))).build();

    private static LeaderLogic logic(PushResumePolicy policy, int window) {
        return new LeaderLogic(LeaderConfig.builder(SCHEMA).backendPushBatchSize(10).pushWindow(window)
                .pushResumePolicy(policy).rebaseDeferral(LeaderConfig.RebaseDeferral.OFF).build());
    }

    /** Steps inputs and keeps the pushes sent. */
    private static final class Run {
        final LeaderLogic logic;
        LeaderState s;
        final List<LeaderEffect.SendPush> sent = new ArrayList<>();

        Run(LeaderLogic logic) {
            this.logic = logic;
            s = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
            feed(new LeaderInput.Start());
            feed(new LeaderInput.Connected());
            feed(new LeaderInput.PullPage(s.activePullId(), List.of(), PageInfo.NO_MORE, "b1"));
        }

        void feed(LeaderInput input) {
            LeaderLogic.Step step = logic.step(s, input, 0);
            s = step.state();
            for (LeaderEffect e : step.effects()) {
                if (e instanceof LeaderEffect.SendPush p) {
                    sent.add(p);
                }
            }
        }

        void commit(int k) {
            List<Event> events = new ArrayList<>();
            EventSeq head = s.sync().localHead();
            for (int i = 0; i < k; i++) {
                EventSeq.SeqPair pair = head.next(false);
                events.add(Event.of(pair.seq(), pair.parent(), "todo",
                        JsonNodeFactory.instance.objectNode().put("id", "A" + pair.seq().global()), "A", "sa"));
                head = pair.seq();
            }
            feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, events))));
        }

        int inFlight() {
            return s.push() instanceof PushLoop.InFlight f ? f.window().size() : 0;
        }
    }

    @Test
    void aServerThatSaidNothingAboutChainsGetsOnePushAtATime() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 8));
        run.commit(100);
        assertThat(run.sent).hasSize(1);
        run.feed(new LeaderInput.PushAccepted(run.sent.getLast().attemptId())); // plain ack
        assertThat(run.sent).hasSize(2);
        assertThat(run.inFlight()).isEqualTo(1);
        assertThat(run.sent).noneMatch(LeaderEffect.SendPush::chainsOnPrevious);
    }

    @Test
    void afterAnAckThatSaysChainsAreEnforcedTheWindowFillsWithChainedPushes() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 4));
        run.commit(100);
        run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
        // events 11..50 go out at once as four pushes of 10, each chained onto the one before
        assertThat(run.sent).hasSize(5);
        assertThat(run.inFlight()).isEqualTo(4);
        List<LeaderEffect.SendPush> window = run.sent.subList(1, 5);
        assertThat(window.getFirst().chainsOnPrevious()).isFalse(); // the first of a window chains onto what is stored
        for (int i = 1; i < window.size(); i++) {
            assertThat(window.get(i).chainsOnPrevious()).isTrue();
            assertThat(window.get(i).batch().getFirst().parent()).isEqualTo(window.get(i - 1).batch().getLast().seq());
        }
        assertThat(run.s.stats().pushesPipelined()).isEqualTo(3);
        // each ack frees one slot, refilled at once
        run.feed(new LeaderInput.PushAccepted(window.getFirst().attemptId(), true));
        assertThat(run.inFlight()).isEqualTo(4);
        assertThat(run.sent.getLast().batch().getFirst().seq().global()).isEqualTo(51);
        assertThat(run.s.pushCursor().global()).isEqualTo(20);
    }

    @Test
    void theFirstFailureFailsTheWholeWindowAndLateResultsOfItAreIgnored() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 4));
        run.commit(100);
        run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
        List<LeaderEffect.SendPush> window = List.copyOf(run.sent.subList(1, 5));
        run.feed(new LeaderInput.PushFailed(window.get(0).attemptId(), new SyncError.ServerAhead(30, 10)));
        assertThat(run.s.push()).isInstanceOf(PushLoop.Parked.class);
        assertThat(run.s.pushCursor().global()).isEqualTo(10); // the last acknowledged event
        int sentBefore = run.sent.size();
        // the server refuses the chained ones too; their answers belong to a failed window
        for (int i = 1; i < window.size(); i++) {
            run.feed(new LeaderInput.PushFailed(window.get(i).attemptId(), new SyncError.ServerAhead(30, 10 + 10L * i)));
        }
        assertThat(run.s.push()).isInstanceOf(PushLoop.Parked.class);
        assertThat(run.s.stats().pushErrors()).isEqualTo(1);
        assertThat(run.sent).hasSize(sentBefore);
    }

    @Test
    void aTransientFailureInTheMiddleResendsFromTheLastAcknowledgedEvent() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 3));
        run.commit(100);
        run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
        List<LeaderEffect.SendPush> window = List.copyOf(run.sent.subList(1, 4));
        run.feed(new LeaderInput.PushAccepted(window.get(0).attemptId(), true));
        run.feed(new LeaderInput.PushFailed(window.get(1).attemptId(), new SyncError.Transient("storage-error")));
        assertThat(run.s.push()).isInstanceOf(PushLoop.Backoff.class);
        PushLoop.Backoff backoff = (PushLoop.Backoff) run.s.push();
        run.feed(new LeaderInput.PushAccepted(window.get(2).attemptId(), true)); // superseded: ignored
        assertThat(run.s.pushCursor().global()).isEqualTo(20);
        run.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.BACKOFF, backoff.timerToken()));
        LeaderEffect.SendPush again = run.s.push() instanceof PushLoop.InFlight f
                ? run.sent.get(run.sent.size() - f.window().size()) : null;
        assertThat(again).isNotNull();
        assertThat(again.batch().getFirst().seq().global()).isEqualTo(21);
        assertThat(again.chainsOnPrevious()).isFalse();
    }

    @Test
    void aNewConnectionForgetsThatTheServerEnforcedChains() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 4));
        run.commit(100);
        run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
        assertThat(run.s.chainsEnforced()).isTrue();
        run.feed(new LeaderInput.Disconnected("test"));
        assertThat(run.s.chainsEnforced()).isFalse();
        run.feed(new LeaderInput.PushFailed(((PushLoop.InFlight) run.s.push()).attemptId(),
                new SyncError.Offline("test")));
        run.feed(new LeaderInput.Connected());
        run.feed(new LeaderInput.PullPage(run.s.activePullId(), List.of(), PageInfo.NO_MORE, "b1"));
        assertThat(run.inFlight()).isEqualTo(1);
        assertThat(run.sent.getLast().chainsOnPrevious()).isFalse();
    }

    @Test
    void theLiveStorePoliciesNeverPipeline() {
        for (PushResumePolicy policy : List.of(PushResumePolicy.ON_ADVANCE, PushResumePolicy.REBASE_ONLY)) {
            Run run = new Run(logic(policy, 8));
            run.commit(100);
            run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
            assertThat(run.inFlight()).as(policy.cliName()).isEqualTo(1);
        }
    }

    @Test
    void anEchoThatConfirmsEventsInFlightDoesNotDisturbTheWindow() {
        Run run = new Run(logic(PushResumePolicy.SUPERVISED, 4));
        run.commit(60);
        run.feed(new LeaderInput.PushAccepted(run.sent.getFirst().attemptId(), true));
        List<LeaderEffect.SendPush> window = List.copyOf(run.sent.subList(1, 5));
        List<Event> echo = new ArrayList<>();
        for (LeaderEffect.SendPush p : run.sent.subList(0, 3)) {
            for (Event e : p.batch()) {
                echo.add(Event.of(EventSeq.ofGlobal(e.seq().global()), EventSeq.ofGlobal(e.parent().global()),
                        e.name(), e.args(), e.clientId(), e.sessionId()));
            }
        }
        run.feed(new LeaderInput.PullPage(run.s.activePullId(), echo, PageInfo.NO_MORE, "b1"));
        assertThat(run.s.sync().upstreamHead().global()).isEqualTo(30);
        assertThat(run.inFlight()).isEqualTo(4);
        for (LeaderEffect.SendPush p : window) {
            run.feed(new LeaderInput.PushAccepted(p.attemptId(), true));
        }
        run.feed(new LeaderInput.PushAccepted(run.sent.getLast().attemptId(), true));
        assertThat(run.s.push()).isInstanceOf(PushLoop.Idle.class);
        assertThat(run.s.pushCursor().global()).isEqualTo(60);
        assertThat(run.sent).hasSize(6);
    }
}
