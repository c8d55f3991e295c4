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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The leader state machine driven input by input: no threads, no clock, no IO. */
class LeaderLogicTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id")))
            .event(EventDefinition.clientOnly("ui", ArgsValidator.any()))
            .build();

    /** Runs inputs through a leader, keeping the state and the effects of the last step. */
    private static final class Harness {
        final LeaderLogic logic;
        LeaderState state = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        List<LeaderEffect> effects = List.of();
        long now = 0;
        long nextPushId = 1;

        Harness(PushResumePolicy policy, int batch, boolean livePull) {
            logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).pushResumePolicy(policy).backendPushBatchSize(batch)
                    .livePull(livePull).backoff(100, 1000).pushTimeoutMillis(5000).stallAfterMillis(10_000)
                    .watchdogIntervalMillis(1000).build());
        }

        Harness feed(LeaderInput input) {
            LeaderLogic.Step step = logic.step(state, input, now);
            state = step.state();
            effects = step.effects();
            return this;
        }

        Harness connectAndCatchUp() {
            feed(new LeaderInput.Start());
            feed(new LeaderInput.Connected());
            return feed(new LeaderInput.PullPage(state.activePullId(), List.of(), PageInfo.NO_MORE, "backend-1"));
        }

        Harness commit(String... ids) {
            List<Event> events = new ArrayList<>();
            EventSeq head = state.sync().localHead();
            for (String id : ids) {
                EventSeq.SeqPair pair = head.next(false);
                events.add(Event.of(pair.seq(), pair.parent(), "todo",
                        JsonNodeFactory.instance.objectNode().put("id", id), "A", "s"));
                head = pair.seq();
            }
            return feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(nextPushId++, events))));
        }

        LeaderEffect.SendPush lastSend() {
            return effects.stream().filter(LeaderEffect.SendPush.class::isInstance)
                    .map(LeaderEffect.SendPush.class::cast).reduce((a, b) -> b).orElse(null);
        }

        Harness echo(List<Event> events) {
            List<Event> wire = events.stream().map(e -> new Event(EventSeq.ofGlobal(e.seq().global()),
                    EventSeq.ofGlobal(e.parent().global()), e.name(), e.args(), e.clientId(), e.sessionId(), null))
                    .toList();
            return feed(new LeaderInput.PullPage(state.activePullId(), wire, PageInfo.NO_MORE, "backend-1"));
        }

        Harness foreign(long global) {
            Event e = Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "B" + global), "B", "sb");
            return feed(new LeaderInput.PullPage(state.activePullId(), List.of(e), PageInfo.NO_MORE, "backend-1"));
        }
    }

    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void pushesOnlyAfterTheCatchUpAndInBatches(PushResumePolicy policy) {
        Harness h = new Harness(policy, 2, true);
        h.feed(new LeaderInput.Start()).feed(new LeaderInput.Connected());
        h.commit("a1", "a2", "a3");
        assertThat(h.lastSend()).as("no push before the NoMore page").isNull();
        h.feed(new LeaderInput.PullPage(h.state.activePullId(), List.of(), PageInfo.NO_MORE, "backend-1"));
        assertThat(h.lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e1", "e2");
        h.feed(new LeaderInput.PushAccepted(h.lastSend().attemptId()));
        assertThat(h.lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e3");
    }

    /** SYNC-SPEC §4.2 II at the level of the state machine: park on ServerAhead, then an advance-only echo. */
    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void serverAheadParkIsReleasedByAnAdvanceExceptUnderRebaseOnly(PushResumePolicy policy) {
        Harness h = new Harness(policy, 2, true).connectAndCatchUp();
        h.commit("a1", "a2");
        List<Event> sent = h.lastSend().batch();
        h.feed(new LeaderInput.PushFailed(h.lastSend().attemptId(), new SyncError.ServerAhead(2, 0)));
        assertThat(h.state.push()).isInstanceOf(PushLoop.Parked.class);
        if (policy == PushResumePolicy.SUPERVISED) {
            // SUPERVISED re-pulls at once; the catch-up of that pull is what brings the echo here
            assertThat(h.effects).anyMatch(LeaderEffect.StartPull.class::isInstance);
        }
        h.echo(sent); // an advance: confirms a1, a2
        assertThat(h.state.sync().pending()).isEmpty();
        h.commit("a3");
        if (policy == PushResumePolicy.REBASE_ONLY) {
            assertThat(h.lastSend()).as("H001: the legacy loop stays parked").isNull();
            assertThat(h.state.push()).isInstanceOf(PushLoop.Parked.class);
            h.foreign(3); // B's e3 diverges from pending a3@e3: only a rebase restarts the legacy loop
            assertThat(h.lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e4r1");
        } else {
            assertThat(h.state.push()).isNotInstanceOf(PushLoop.Parked.class);
        }
    }

    @Test
    void rebaseOnlyIsReleasedByARebase() {
        Harness h = new Harness(PushResumePolicy.REBASE_ONLY, 2, true).connectAndCatchUp();
        h.commit("a1");
        h.feed(new LeaderInput.PushFailed(h.lastSend().attemptId(), new SyncError.Transient("lost")));
        assertThat(h.state.push()).isInstanceOf(PushLoop.Parked.class);
        h.foreign(1); // B's e1 diverges from pending a1@e1: rebase
        assertThat(h.lastSend()).isNotNull();
        assertThat(h.lastSend().batch()).extracting(e -> e.seq().toString()).containsExactly("e2r1");
    }

    @Test
    void transientErrorsBackOffExponentiallyUpToTheCapUnderOnAdvance() {
        Harness h = new Harness(PushResumePolicy.ON_ADVANCE, 2, false).connectAndCatchUp();
        h.commit("a1");
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            h.feed(new LeaderInput.PushFailed(h.lastSend().attemptId(), new SyncError.Transient("boom")));
            PushLoop.Backoff backoff = (PushLoop.Backoff) h.state.push();
            delays.add(backoff.untilMillis() - h.now);
            h.now = backoff.untilMillis();
            h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.BACKOFF, backoff.timerToken()));
            assertThat(h.lastSend()).as("retried after the backoff").isNotNull();
        }
        assertThat(delays).containsExactly(100L, 200L, 400L, 800L, 1000L, 1000L);
        h.feed(new LeaderInput.PushAccepted(h.lastSend().attemptId()));
        assertThat(h.state.backoffAttempt()).as("reset per batch").isZero();
    }

    @Test
    void supervisedTimesOutAHungPushAndRetries() {
        Harness h = new Harness(PushResumePolicy.SUPERVISED, 2, true).connectAndCatchUp();
        h.commit("a1");
        long hung = h.lastSend().attemptId();
        h.now = 5000;
        h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.PUSH_TIMEOUT, hung));
        assertThat(h.state.push()).isInstanceOf(PushLoop.Backoff.class);
        PushLoop.Backoff backoff = (PushLoop.Backoff) h.state.push();
        h.now = backoff.untilMillis();
        h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.BACKOFF, backoff.timerToken()));
        long retry = h.lastSend().attemptId();
        assertThat(retry).isNotEqualTo(hung);
        h.feed(new LeaderInput.PushAccepted(hung)); // the hung attempt answers late: ignored
        assertThat(h.state.push()).isInstanceOf(PushLoop.InFlight.class);
    }

    @Test
    void supervisedWatchdogRepullsAndResumesAStalledLoop() {
        Harness h = new Harness(PushResumePolicy.SUPERVISED, 2, true).connectAndCatchUp();
        h.commit("a1");
        h.feed(new LeaderInput.PushAccepted(h.lastSend().attemptId())); // acked, but the echo never comes
        assertThat(h.state.sync().pending()).hasSize(1);
        h.now = 11_000;
        h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.WATCHDOG, 0));
        assertThat(h.effects).anyMatch(e -> e instanceof LeaderEffect.Log log && log.event().equals("push-stall-suspected"));
        assertThat(h.effects).anyMatch(LeaderEffect.StartPull.class::isInstance);
        assertThat(h.state.pushCursor()).as("reseeded").isNull();
        assertThat(h.state.stats().stallsSuspected()).isEqualTo(1);
    }

    @Test
    void sessionBatchesThatAreNotAscendingOrContiguousAreRejectedWithoutPersisting() {
        Harness h = new Harness(PushResumePolicy.SUPERVISED, 2, true).connectAndCatchUp();
        Event e2 = Event.of(EventSeq.ofGlobal(2), EventSeq.ofGlobal(1), "todo",
                JsonNodeFactory.instance.objectNode().put("id", "x"), "A", "s");
        Event e1 = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "todo",
                JsonNodeFactory.instance.objectNode().put("id", "y"), "A", "s");
        h.feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(7, List.of(e1, e2, e1)))));
        assertThat(h.effects).noneMatch(LeaderEffect.Persist.class::isInstance);
        LeaderEffect.CompleteLocalPush done = (LeaderEffect.CompleteLocalPush) h.effects.stream()
                .filter(LeaderEffect.CompleteLocalPush.class::isInstance).findFirst().orElseThrow();
        assertThat(done.outcome()).isInstanceOfSatisfying(LocalPushOutcome.Rejected.class,
                r -> assertThat(r.reason()).isEqualTo("non-contiguous"));
        h.feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(8, List.of(e2)))));
        assertThat(h.effects).noneMatch(LeaderEffect.Persist.class::isInstance);
        h.feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(9, List.of(Event.of(EventSeq.ofGlobal(1),
                EventSeq.ROOT, "nope", null, "A", "s"))))));
        assertThat(h.effects).anyMatch(e -> e instanceof LeaderEffect.CompleteLocalPush c
                && c.outcome() instanceof LocalPushOutcome.Rejected r && r.reason().equals("invalid-event"));
        assertThat(h.state.sync().pending()).isEmpty();
    }

    @Test
    void clientOnlyEventsAreNeverPushed() {
        Harness h = new Harness(PushResumePolicy.SUPERVISED, 10, true).connectAndCatchUp();
        Event ui = Event.of(EventSeq.parse("e0.1"), EventSeq.ROOT, "ui", null, "A", "s");
        Event todo = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "todo",
                JsonNodeFactory.instance.objectNode().put("id", "x"), "A", "s");
        h.feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, List.of(ui, todo)))));
        assertThat(h.lastSend().batch()).extracting(Event::name).containsExactly("todo");
    }

    @Test
    void policiesAreChosenFromTheEnvironment() {
        assertThat(PushResumePolicy.fromEnvironment(java.util.Map.of(), PushResumePolicy.SUPERVISED))
                .isEqualTo(PushResumePolicy.SUPERVISED);
        assertThat(PushResumePolicy.fromEnvironment(java.util.Map.of("LS_RESUME_PUSH_ON_ADVANCE", "0"),
                PushResumePolicy.SUPERVISED)).isEqualTo(PushResumePolicy.REBASE_ONLY);
        assertThat(PushResumePolicy.fromEnvironment(java.util.Map.of("LS_RESUME_PUSH_ON_ADVANCE", "1"),
                PushResumePolicy.SUPERVISED)).isEqualTo(PushResumePolicy.ON_ADVANCE);
        assertThat(PushResumePolicy.fromEnvironment(java.util.Map.of("LIVESYNC_PUSH_RESUME", "rebase-only",
                "LS_RESUME_PUSH_ON_ADVANCE", "1"), PushResumePolicy.SUPERVISED)).isEqualTo(PushResumePolicy.REBASE_ONLY);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PushResumePolicy.parse("sometimes"))
                .hasMessageContaining("\"sometimes\"");
    }
}
