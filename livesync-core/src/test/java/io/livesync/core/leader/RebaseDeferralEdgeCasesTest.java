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

/** Rebase deferral meeting a refusal, an ack of our own echoed events and a backend reset (from a review, 2026-12-02). */
class RebaseDeferralEdgeCasesTest {
    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id"))).build();

    static LeaderLogic logic(BackendResetPolicy p) {
        return new LeaderLogic(LeaderConfig.builder(SCHEMA).backendPushBatchSize(50).backendResetPolicy(p)
                .rebaseDeferral(LeaderConfig.RebaseDeferral.DEFAULT).build());
    }

    static List<Event> foreign(long from, long to) {
        List<Event> out = new ArrayList<>();
        for (long g = from; g <= to; g++) {
            out.add(Event.of(EventSeq.ofGlobal(g), EventSeq.ofGlobal(g - 1), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "B" + g), "B", "sb"));
        }
        return out;
    }

    LeaderLogic L;
    LeaderState s;
    List<LeaderEffect> effects = new ArrayList<>();
    long timerToken;
    long timerAt;

    void feed(LeaderInput in, long now) {
        LeaderLogic.Step st = L.step(s, in, now);
        s = st.state();
        for (LeaderEffect e : st.effects()) {
            effects.add(e);
            if (e instanceof LeaderEffect.SetTimer t && t.kind() == LeaderInput.TimerKind.REBASE_DEFERRAL) {
                timerToken = t.token();
                timerAt = t.atMillis();
            }
        }
    }

    void setup(BackendResetPolicy p, int k) {
        L = logic(p);
        s = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        feed(new LeaderInput.Start(), 0);
        feed(new LeaderInput.Connected(), 0);
        feed(new LeaderInput.PullPage(s.activePullId(), List.of(), PageInfo.NO_MORE, "b1"), 0);
        List<Event> events = new ArrayList<>();
        EventSeq head = s.sync().localHead();
        for (int i = 0; i < k; i++) {
            EventSeq.SeqPair pair = head.next(false);
            events.add(Event.of(pair.seq(), pair.parent(), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "A" + i), "A", "sa"));
            head = pair.seq();
        }
        feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, events))), 0);
    }

    List<String> ids(List<Event> es) {
        return es.stream().map(e -> e.args().path("id").asText()).toList();
    }

    @Test
    void aRefusalWhileUpstreamIsDeferredDropsTheEventOnceAndRebasesTheRest() {
        setup(BackendResetPolicy.REHOME_PENDING, 300);
        long attempt = ((PushLoop.InFlight) s.push()).attemptId();
        feed(new LeaderInput.PullPage(s.activePullId(), foreign(1, 10), PageInfo.NO_MORE, "b1"), 10);
        assertThat(s.deferred()).isNotNull();
        feed(new LeaderInput.PushFailed(attempt, new SyncError.EventRefused(3, "no")), 20);
        assertThat(s.deferred()).isNotNull();
        feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.REBASE_DEFERRAL, timerToken), timerAt);
        System.out.println("[deferral] refused: pending " + s.sync().pending().size() + " head " + s.sync().upstreamHead()
                + " first " + s.sync().pending().getFirst().seq() + " push " + s.push().label());
        assertThat(ids(s.sync().pending())).doesNotContain("A2").hasSize(299).doesNotHaveDuplicates();
        assertThat(s.sync().upstreamHead().global()).isEqualTo(10);
        assertThat(s.push()).isInstanceOf(PushLoop.InFlight.class);
    }

    @Test
    void anAckWhileUpstreamIsDeferredConfirmsOurEchoedEvents() {
        setup(BackendResetPolicy.REHOME_PENDING, 300);
        long attempt = ((PushLoop.InFlight) s.push()).attemptId();
        List<Event> page = new ArrayList<>(s.sync().pending().subList(0, 50).stream()
                .map(e -> new Event(e.seq(), e.parent(), e.name(), e.args(), e.clientId(), e.sessionId(), io.livesync.core.EventMeta.NONE)).toList());
        page.addAll(foreign(51, 60));
        feed(new LeaderInput.PullPage(s.activePullId(), page, PageInfo.NO_MORE, "b1"), 10);
        System.out.println("[deferral] ack: deferred " + s.deferredCount());
        feed(new LeaderInput.PushAccepted(attempt), 20);
        assertThat(s.push()).isInstanceOf(PushLoop.Idle.class);
        feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.REBASE_DEFERRAL, timerToken), timerAt);
        System.out.println("[deferral] ack: pending " + s.sync().pending().size() + " head " + s.sync().upstreamHead()
                + " push " + s.push().label());
        assertThat(s.sync().pending()).hasSize(250);
        assertThat(s.sync().upstreamHead().global()).isEqualTo(60);
    }

    @Test
    void aBackendResetWhileUpstreamIsDeferredDropsTheDeferredEventsAndRehomesPending() {
        setup(BackendResetPolicy.REHOME_PENDING, 300);
        feed(new LeaderInput.PullPage(s.activePullId(), foreign(1, 10), new PageInfo.MoreUnknown(), "b1"), 10);
        assertThat(s.deferred()).isNotNull();
        long tok = timerToken;
        effects.clear();
        feed(new LeaderInput.PullPage(s.activePullId(), foreign(11, 12), PageInfo.NO_MORE, "b2"), 20);
        System.out.println("[deferral] reset effects " + effects.stream().map(e -> e.getClass().getSimpleName()).toList());
        assertThat(s.deferred()).isNull();
        LeaderEffect.StartPull sp = (LeaderEffect.StartPull) effects.stream().filter(e -> e instanceof LeaderEffect.StartPull).findFirst().orElseThrow();
        assertThat(sp.cursor()).isZero();
        assertThat(s.sync().pending()).hasSize(300);
        effects.clear();
        feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.REBASE_DEFERRAL, tok), 3000);
        assertThat(effects.stream().filter(e -> e instanceof LeaderEffect.Persist)).isEmpty();
    }
}
