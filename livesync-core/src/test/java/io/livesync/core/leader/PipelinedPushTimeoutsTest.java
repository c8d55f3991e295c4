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
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/**
 * Issue #14 (found by a review): the server answers one socket's pushes one at a time, so the k-th push of a window
 * is answered after k x L for a server taking L per push. Only the oldest push in flight is timed, from the answer
 * before it, so a healthy server never times out the tail of a window (timing each push from when it was sent did,
 * whenever window x L exceeded the push timeout); stop-and-wait against the same server is the control.
 */
class PipelinedPushTimeoutsTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.stringMembers("id"))).build();

    record Timed(long at, long seq, LeaderInput input) {}

    /** Runs 200 events through a leader against a sequential server taking {@code perPushMillis} per push. */
    private static LeaderState run(int window, long perPushMillis, long timeoutMillis) {
        LeaderLogic logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).backendPushBatchSize(10).pushWindow(window)
                .pushTimeoutMillis(timeoutMillis).stallAfterMillis(60_000).pushResumePolicy(PushResumePolicy.SUPERVISED)
                .rebaseDeferral(LeaderConfig.RebaseDeferral.OFF).build());
        LeaderState[] s = {LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1)};
        PriorityQueue<Timed> queue = new PriorityQueue<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at)
                : Long.compare(a.seq, b.seq));
        long[] seq = {0};
        long[] serverFreeAt = {0};
        long[] serverHead = {0};
        List<Event> stored = new ArrayList<>();
        java.util.function.BiConsumer<Long, LeaderInput> feed = new java.util.function.BiConsumer<>() {
            @Override
            public void accept(Long now, LeaderInput input) {
                LeaderLogic.Step step = logic.step(s[0], input, now);
                s[0] = step.state();
                for (LeaderEffect e : step.effects()) {
                    if (e instanceof LeaderEffect.SendPush p) {
                        // the lane: one push at a time, in order; a push chaining onto the head is stored
                        long done = Math.max(now, serverFreeAt[0]) + perPushMillis;
                        serverFreeAt[0] = done;
                        boolean ok = p.batch().getFirst().parent().global() == serverHead[0];
                        if (ok) {
                            serverHead[0] = p.batch().getLast().seq().global();
                            for (Event ev : p.batch()) {
                                stored.add(Event.of(EventSeq.ofGlobal(ev.seq().global()),
                                        EventSeq.ofGlobal(ev.parent().global()), ev.name(), ev.args(), ev.clientId(),
                                        ev.sessionId()));
                            }
                        }
                        queue.add(new Timed(done, seq[0]++, ok ? new LeaderInput.PushAccepted(p.attemptId(), true)
                                : new LeaderInput.PushFailed(p.attemptId(),
                                        new io.livesync.core.backend.SyncError.ServerAhead(serverHead[0],
                                                p.batch().getFirst().parent().global()))));
                    } else if (e instanceof LeaderEffect.StartPull pull) {
                        // a catch-up pull answered 20 ms later with what the server stored after the cursor
                        long cursor = pull.cursor();
                        List<Event> page = stored.stream().filter(ev -> ev.seq().global() > cursor).toList();
                        queue.add(new Timed(now + 20, seq[0]++, new LeaderInput.PullPage(pull.pullId(), page,
                                PageInfo.NO_MORE, "b1")));
                    } else if (e instanceof LeaderEffect.SetTimer t && t.kind() != LeaderInput.TimerKind.WATCHDOG) {
                        queue.add(new Timed(t.atMillis(), seq[0]++, new LeaderInput.TimerFired(t.kind(), t.token())));
                    }
                }
            }
        };
        feed.accept(0L, new LeaderInput.Start());
        feed.accept(0L, new LeaderInput.Connected());
        feed.accept(0L, new LeaderInput.PullPage(s[0].activePullId(), List.of(), PageInfo.NO_MORE, "b1"));
        List<Event> events = new ArrayList<>();
        EventSeq head = s[0].sync().localHead();
        for (int i = 0; i < 200; i++) {
            EventSeq.SeqPair pair = head.next(false);
            events.add(Event.of(pair.seq(), pair.parent(), "todo",
                    JsonNodeFactory.instance.objectNode().put("id", "A" + pair.seq().global()), "A", "sa"));
            head = pair.seq();
        }
        feed.accept(0L, new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(1, events))));
        long[] allStoredAt = {-1};
        while (!queue.isEmpty() && queue.peek().at < 120_000) {
            Timed t = queue.poll();
            feed.accept(t.at, t.input);
            if (allStoredAt[0] < 0 && serverHead[0] == 200) {
                allStoredAt[0] = t.at;
            }
        }
        System.out.println("[timeouts] window=" + window + " perPush=" + perPushMillis + " timeout=" + timeoutMillis
                + ": server head " + serverHead[0] + " of 200 at t=120s, first time all 200 stored: "
                + allStoredAt[0] + " ms; " + s[0].stats());
        return s[0];
    }

    @Test
    void stopAndWaitAgainstA400msServerNeverTimesOut() {
        LeaderState s = run(1, 400, 1000);
        assertThat(s.stats().pushErrors()).isZero();
        assertThat(s.pushCursor().global()).isEqualTo(200);
    }

    @Test
    void aWindowAgainstTheSameHealthyServerShouldNotTimeOutEither() {
        LeaderState s = run(8, 400, 1000);
        assertThat(s.stats().pushErrors()).as("pushes timed out although the server answered every 400 ms; stats "
                + s.stats()).isZero();
    }
}
