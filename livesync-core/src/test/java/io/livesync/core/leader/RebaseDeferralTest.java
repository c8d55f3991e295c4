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
 * The rebase deferral (issue #14): a leader with a long backlog that receives diverging upstream in bursts rebases
 * once per {@code fraction * K} upstream events (or after quiet, or at the cap), not once per burst, never pushes
 * while it holds upstream back, and ends where applying every burst at once ends.
 */
class RebaseDeferralTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id"))).build();
    private static final LeaderConfig.RebaseDeferral DEFERRAL =
            new LeaderConfig.RebaseDeferral(true, 200, 0.5, 100, 2000);

    private static LeaderLogic logic(LeaderConfig.RebaseDeferral deferral, PushResumePolicy policy) {
        return new LeaderLogic(LeaderConfig.builder(SCHEMA).backendPushBatchSize(50).pushResumePolicy(policy)
                .rebaseDeferral(deferral).build());
    }

    private static Event foreign(long global) {
        return Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "todo",
                JsonNodeFactory.instance.objectNode().put("id", "B" + global), "B", "sb");
    }

    private static List<Event> foreign(long from, long to) {
        List<Event> events = new ArrayList<>();
        for (long g = from; g <= to; g++) {
            events.add(foreign(g));
        }
        return events;
    }

    /** A connected, caught-up leader with {@code k} pending local events and a push of the first ones in flight. */
    private static LeaderState withPending(LeaderLogic logic, int k) {
        LeaderState s = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        s = logic.step(s, new LeaderInput.Start(), 0).state();
        s = logic.step(s, new LeaderInput.Connected(), 0).state();
        s = logic.step(s, new LeaderInput.PullPage(s.activePullId(), List.of(), PageInfo.NO_MORE, "b1"), 0).state();
        List<Event> events = new ArrayList<>();
        EventSeq head = s.sync().localHead();
        for (int i = 0; i < k; i++) {
            EventSeq.SeqPair pair = head.next(false);
            events.add(Event.of(pair.seq(), pair.parent(), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "A" + i), "A", "sa"));
            head = pair.seq();
        }
        s = logic.step(s, new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, events))), 0).state();
        assertThat(s.push()).isInstanceOf(PushLoop.InFlight.class);
        return s;
    }

    /** Steps inputs and counts what matters: rebases (persists that roll back), pushes sent, deferral timers. */
    private static final class Run {
        final LeaderLogic logic;
        LeaderState s;
        int rebases;
        int pushes;
        final List<LeaderEffect.SetTimer> deferralTimers = new ArrayList<>();
        final List<String> logs = new ArrayList<>();

        Run(LeaderLogic logic, LeaderState s) {
            this.logic = logic;
            this.s = s;
        }

        void feed(LeaderInput input, long now) {
            LeaderLogic.Step step = logic.step(s, input, now);
            s = step.state();
            for (LeaderEffect e : step.effects()) {
                switch (e) {
                    case LeaderEffect.Persist p when !p.rollback().isEmpty() -> rebases++;
                    case LeaderEffect.SendPush p -> pushes++;
                    case LeaderEffect.SetTimer t when t.kind() == LeaderInput.TimerKind.REBASE_DEFERRAL ->
                            deferralTimers.add(t);
                    case LeaderEffect.Log l -> logs.add(l.event());
                    default -> { }
                }
            }
        }

        void page(long from, long to, long now) {
            feed(new LeaderInput.PullPage(s.activePullId(), foreign(from, to), PageInfo.NO_MORE, "b1"), now);
        }

        /** Fires the last deferral timer at its time. */
        void fireDeferralTimer() {
            LeaderEffect.SetTimer t = deferralTimers.getLast();
            feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.REBASE_DEFERRAL, t.token()), t.atMillis());
        }
    }

    private static List<String> positions(List<Event> events) {
        return events.stream().map(e -> e.seq().global() + "." + e.seq().client() + ":" + e.args().path("id").asText())
                .toList();
    }

    @Test
    void tenBurstsOfFiftyOntoABacklogOfAThousandRebaseOnceInsteadOfTenTimes() {
        Run deferred = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        deferred.s = withPending(deferred.logic, 1000);
        Run eager = new Run(logic(LeaderConfig.RebaseDeferral.OFF, PushResumePolicy.SUPERVISED), null);
        eager.s = withPending(eager.logic, 1000);

        for (int burst = 0; burst < 10; burst++) {
            deferred.page(burst * 50L + 1, burst * 50L + 50, burst * 10L);
            eager.page(burst * 50L + 1, burst * 50L + 50, burst * 10L);
            if (burst < 9) {
                assertThat(deferred.rebases).as("rebases after burst %d", burst).isZero();
                assertThat(deferred.s.deferredCount()).isEqualTo((burst + 1) * 50);
                assertThat(deferred.s.receivedHead()).isEqualTo((burst + 1) * 50L);
            }
        }

        assertThat(eager.rebases).isEqualTo(10);
        assertThat(deferred.rebases).as("the 10th burst brings upstream to half the backlog").isEqualTo(1);
        assertThat(deferred.s.deferred()).isNull();
        assertThat(deferred.s.stats().rebasesDeferred()).isEqualTo(9);
        assertThat(deferred.s.stats().pullRebases()).isEqualTo(1);
        assertThat(deferred.logs).contains("rebase-deferred", "rebase-deferral-end", "pull-rebase");
        assertThat(deferred.s.sync().upstreamHead().global()).isEqualTo(500)
                .isEqualTo(eager.s.sync().upstreamHead().global());
        assertThat(positions(deferred.s.sync().pending())).isEqualTo(positions(eager.s.sync().pending()))
                .hasSize(1000).first().isEqualTo("501.0:A0");
        assertThat(deferred.s.sync().localHead().samePosition(eager.s.sync().localHead()))
                .as("same position; the generation counts rebases, so it is lower").isTrue();
        assertThat(deferred.s.push()).as("pushing resumes after the deferred rebase")
                .isInstanceOf(PushLoop.InFlight.class);
    }

    @Test
    void nothingIsPushedWhileUpstreamIsHeldBackAndAServerAheadDoesNotRePull() {
        Run run = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        run.s = withPending(run.logic, 1000);
        long attempt = ((PushLoop.InFlight) run.s.push()).attemptId();
        long pull = run.s.activePullId();
        run.page(1, 50, 0);
        assertThat(run.s.deferredCount()).isEqualTo(50);

        run.feed(new LeaderInput.PushFailed(attempt, new SyncError.ServerAhead(50, 0)), 5);
        assertThat(run.pushes).isZero();
        assertThat(run.s.push()).isInstanceOf(PushLoop.Parked.class);
        assertThat(run.s.activePullId()).as("the events that explain the refusal are in hand").isEqualTo(pull);

        run.feed(new LeaderInput.LocalPushes(List.of()), 6);
        assertThat(run.pushes).isZero();

        run.fireDeferralTimer(); // 100 ms after the only page: upstream is quiet
        assertThat(run.rebases).isEqualTo(1);
        assertThat(run.s.deferred()).isNull();
        assertThat(run.pushes).as("the rebase resumes the parked loop").isEqualTo(1);
        assertThat(run.s.sync().upstreamHead().global()).isEqualTo(50);
    }

    @Test
    void aSteadyTrickleIsAppliedAtTheCap() {
        Run run = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        run.s = withPending(run.logic, 10_000);
        long now = 0;
        long global = 0;
        while (run.rebases == 0) {
            run.page(global + 1, global + 10, now);
            global += 10;
            // the timer set for the quiet time finds a page newer than the quiet time and looks again later
            while (run.deferralTimers.getLast().atMillis() <= now + 50 && run.rebases == 0) {
                run.fireDeferralTimer();
            }
            now += 50;
            assertThat(now).as("the cap ends the deferral").isLessThanOrEqualTo(2100);
        }
        assertThat(run.logs).contains("rebase-deferral-end");
        assertThat(run.s.sync().upstreamHead().global()).isEqualTo(global);
        assertThat(global).isLessThan(5000);
    }

    @Test
    void aDisconnectAppliesWhatWasHeldAndTheNextPullStartsAfterTheDeferredEvents() {
        Run run = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        run.s = withPending(run.logic, 1000);
        run.page(1, 50, 0);
        run.page(51, 100, 10);
        assertThat(run.s.deferredCount()).isEqualTo(100);
        // a pull restarted while events are held continues after them (a retry after a failed pull)
        run.feed(new LeaderInput.PullFailed(run.s.activePullId(), new SyncError.Transient("ended")), 20);
        LeaderEffect.StartPull[] started = new LeaderEffect.StartPull[1];
        LeaderLogic.Step retry = run.logic.step(run.s, new LeaderInput.TimerFired(LeaderInput.TimerKind.PULL_RETRY,
                0), 5000);
        retry.effects().forEach(e -> {
            if (e instanceof LeaderEffect.StartPull p) {
                started[0] = p;
            }
        });
        assertThat(started[0]).isNotNull();
        assertThat(started[0].cursor()).isEqualTo(100);

        run.feed(new LeaderInput.Disconnected("test"), 30);
        assertThat(run.rebases).isEqualTo(1);
        assertThat(run.s.deferred()).isNull();
        assertThat(run.s.sync().upstreamHead().global()).isEqualTo(100);
    }

    @Test
    void smallBacklogsAndOtherPoliciesRebaseAtOnce() {
        Run small = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        small.s = withPending(small.logic, 199);
        small.page(1, 1, 0);
        assertThat(small.rebases).isEqualTo(1);

        Run onAdvance = new Run(logic(DEFERRAL, PushResumePolicy.ON_ADVANCE), null);
        onAdvance.s = withPending(onAdvance.logic, 1000);
        onAdvance.page(1, 1, 0);
        assertThat(onAdvance.rebases).isEqualTo(1);

        Run large = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        large.s = withPending(large.logic, 1000);
        large.page(1, 500, 0);
        assertThat(large.rebases).as("a burst of half the backlog is applied at once").isEqualTo(1);
    }

    @Test
    void ownConfirmationsAreNeverHeldBack() {
        Run run = new Run(logic(DEFERRAL, PushResumePolicy.SUPERVISED), null);
        run.s = withPending(run.logic, 1000);
        PushLoop.InFlight inFlight = (PushLoop.InFlight) run.s.push();
        run.feed(new LeaderInput.PushAccepted(inFlight.attemptId()), 1);
        List<Event> echo = new ArrayList<>();
        for (Event e : inFlight.batch()) {
            echo.add(Event.of(EventSeq.ofGlobal(e.seq().global()), EventSeq.ofGlobal(e.parent().global()), e.name(),
                    e.args(), e.clientId(), e.sessionId()));
        }
        run.feed(new LeaderInput.PullPage(run.s.activePullId(), echo, PageInfo.NO_MORE, "b1"), 2);
        assertThat(run.s.deferred()).isNull();
        assertThat(run.s.sync().upstreamHead().global()).isEqualTo(50);
        assertThat(run.s.sync().pending()).hasSize(950);
    }
}
