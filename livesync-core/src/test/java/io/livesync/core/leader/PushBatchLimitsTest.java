package io.livesync.core.leader;

import io.livesync.core.backend.SyncError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.Schema;
import io.livesync.core.Seeds;
import io.livesync.core.SyncState;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireLimits;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue #11 item 1: batches fit what the server accepts, and a refused batch is never re-sent unchanged. */
class PushBatchLimitsTest {

    private static final Schema SCHEMA = Schema.builder()
            .event(EventDefinition.synced("todo", ArgsValidator.any()))
            .build();

    private static final class Harness {
        final LeaderLogic logic;
        LeaderState state = LeaderState.initial(SyncState.initial(EventSeq.ROOT), null, 1);
        List<LeaderEffect> effects = List.of();
        long now = 0;
        long pushId = 1;

        Harness(PushResumePolicy policy, PushLimits limits) {
            logic = new LeaderLogic(LeaderConfig.builder(SCHEMA).pushResumePolicy(policy).backendPushBatchSize(100)
                    .pushLimits(limits).backoff(100, 1000).stallAfterMillis(1000).watchdogIntervalMillis(100).build());
            feed(new LeaderInput.Start());
            feed(new LeaderInput.Connected());
            feed(new LeaderInput.PullPage(state.activePullId(), List.of(), PageInfo.NO_MORE, "backend-1"));
        }

        Harness feed(LeaderInput input) {
            LeaderLogic.Step step = logic.step(state, input, now);
            state = step.state();
            effects = step.effects();
            return this;
        }

        Harness commit(int count, int textBytes) {
            List<Event> events = new ArrayList<>();
            EventSeq head = state.sync().localHead();
            for (int i = 0; i < count; i++) {
                EventSeq.SeqPair pair = head.next(false);
                events.add(Event.of(pair.seq(), pair.parent(), "todo", JsonNodeFactory.instance.objectNode()
                        .put("text", "x".repeat(textBytes)), "A", "s"));
                head = pair.seq();
            }
            return feed(new LeaderInput.LocalPushes(List.of(new LeaderInput.LocalPush(pushId++, events))));
        }

        LeaderEffect.SendPush lastSend() {
            return effects.stream().filter(LeaderEffect.SendPush.class::isInstance)
                    .map(LeaderEffect.SendPush.class::cast).reduce((a, b) -> b).orElse(null);
        }
    }

    private static long batchBytes(List<Event> batch) {
        return batch.stream().mapToLong(PushLimits::eventBytes).sum() + batch.size() - 1;
    }

    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void batchesAreBoundedByEncodedBytesAsWellAsByCount(PushResumePolicy policy) {
        // fifty events of ~22 KiB against a 1 MiB frame: the count limit (100) alone would send all fifty at once
        PushLimits limits = PushLimits.forServer(WireLimits.DEFAULT, 200);
        Harness h = new Harness(policy, limits).commit(50, 22 * 1024);
        int pushed = 0;
        while (h.lastSend() != null) {
            List<Event> batch = h.lastSend().batch();
            assertThat(batchBytes(batch)).isLessThanOrEqualTo(limits.maxBatchBytes());
            pushed += batch.size();
            h.feed(new LeaderInput.PushAccepted(h.lastSend().attemptId()));
        }
        assertThat(pushed).isEqualTo(50);
    }

    @ParameterizedTest
    @ValueSource(strings = {"frame-too-large", "too-many-events", "event-too-large"})
    void aBatchRefusedForItsSizeIsSplitAndNeverResentUnchanged(String code) {
        for (PushResumePolicy policy : PushResumePolicy.values()) {
            // the client believes the server takes anything; the server refuses every batch over 7 events
            Harness h = new Harness(policy, PushLimits.UNLIMITED).commit(60, 10);
            Set<List<Event>> refused = new HashSet<>();
            int accepted = 0;
            int sends = 0;
            while (h.lastSend() != null && sends++ < 1000) {
                LeaderEffect.SendPush send = h.lastSend();
                assertThat(refused).as(policy + ": a refused batch is never sent again").doesNotContain(send.batch());
                if (send.batch().size() > 7) {
                    refused.add(send.batch());
                    h.feed(new LeaderInput.PushFailed(send.attemptId(), new SyncError.Refused(code, "too big")));
                } else {
                    accepted += send.batch().size();
                    h.feed(new LeaderInput.PushAccepted(send.attemptId()));
                }
            }
            assertThat(accepted).as(policy + ": every event pushed after the splits").isEqualTo(60);
            assertThat(refused).as(policy + ": 100 -> 50 -> 25 -> 12 -> 6 events").hasSize(3);
        }
    }

    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void aSingleEventRefusedForItsSizeParksForGoodAndNothingResendsIt(PushResumePolicy policy) {
        Harness h = new Harness(policy, PushLimits.UNLIMITED).commit(1, 10);
        LeaderEffect.SendPush send = h.lastSend();
        h.feed(new LeaderInput.PushFailed(send.attemptId(), new SyncError.Refused("event-too-large", "too big")));
        assertThat(h.state.push()).isInstanceOfSatisfying(PushLoop.Parked.class, p -> {
            assertThat(p.terminal()).isTrue();
            assertThat(p.reason()).contains("event-too-large").contains("can never be pushed");
        });
        assertThat(h.effects).anyMatch(e -> e instanceof LeaderEffect.Log log && log.event().equals("push-loop-stopped"));
        // nothing wakes it: reconnects, upstream changes, the watchdog
        for (int i = 0; i < 30; i++) {
            h.now += 500;
            h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.WATCHDOG, 0));
            assertThat(h.lastSend()).isNull();
        }
        h.feed(new LeaderInput.Disconnected("test")).feed(new LeaderInput.Connected());
        h.feed(new LeaderInput.PullPage(h.state.activePullId(), List.of(), PageInfo.NO_MORE, "backend-1"));
        assertThat(h.lastSend()).isNull();
        Event foreign = Event.of(EventSeq.ofGlobal(1), EventSeq.ROOT, "todo",
                JsonNodeFactory.instance.objectNode().put("text", "b"), "B", "sb");
        h.feed(new LeaderInput.PullPage(h.state.activePullId(), List.of(foreign), PageInfo.NO_MORE, "backend-1"));
        assertThat(h.state.sync().upstreamHead().global()).as("pulling goes on").isEqualTo(1);
        assertThat(h.lastSend()).as("not even after a rebase").isNull();
        assertThat(h.state.sync().pending()).as("the event stays pending, not dropped").hasSize(1);
    }

    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void aRefusalThatRetryingCannotFixIsNeverRetried(PushResumePolicy policy) {
        Harness h = new Harness(policy, PushLimits.UNLIMITED).commit(3, 10);
        h.feed(new LeaderInput.PushFailed(h.lastSend().attemptId(), new SyncError.Refused("unauthorized", "no")));
        for (int i = 0; i < 30; i++) {
            h.now += 500;
            h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.WATCHDOG, 0));
            h.feed(new LeaderInput.TimerFired(LeaderInput.TimerKind.BACKOFF, i));
            assertThat(h.lastSend()).isNull();
        }
        assertThat(h.state.push()).isInstanceOfSatisfying(PushLoop.Parked.class,
                p -> assertThat(p.reason()).contains("unauthorized"));
    }

    @Test
    void anEventTooLargeOnItsOwnIsNeverSent() {
        PushLimits limits = PushLimits.forServer(WireLimits.DEFAULT, 200);
        Harness h = new Harness(PushResumePolicy.SUPERVISED, limits).commit(1, 300 * 1024);
        assertThat(h.lastSend()).isNull();
        assertThat(h.state.push()).isInstanceOfSatisfying(PushLoop.Parked.class,
                p -> assertThat(p.terminal()).isTrue());
    }

    /** The client's arithmetic agrees with the server's decoder on every event and frame, at the worst positions. */
    @Test
    void neverAcceptedAgreesWithTheServersDecoder() {
        long seed = Seeds.seed("neverAcceptedAgreesWithTheServersDecoder");
        SplittableRandom random = new SplittableRandom(seed);
        for (int round = 0; round < 300; round++) {
            int frameBytes = 2048 + random.nextInt(8192);
            WireLimits server = new WireLimits(frameBytes, 100, 64 + random.nextInt(frameBytes - 63),
                    8 + random.nextInt(24));
            WireCodec codec = new WireCodec(server);
            String storeId = "store-" + random.nextInt(1000);
            int envelope = codec.encode(new WireFrames.PushRequest(Long.toString(Long.MAX_VALUE), storeId, null,
                    List.of(), "b".repeat(36))).getBytes(StandardCharsets.UTF_8).length;
            PushLimits limits = PushLimits.forServer(server, envelope);
            JsonNode args = randomArgs(random, random.nextInt(server.maxJsonDepth() + 4), random.nextInt(6000));
            Event worst = Event.of(EventSeq.ofGlobal(WireCodec.MAX_SEQ), EventSeq.ofGlobal(WireCodec.MAX_SEQ - 1),
                    "todo", args, "client-é", "session");
            String frame = codec.encode(new WireFrames.PushRequest(Long.toString(Long.MAX_VALUE), storeId, null,
                    List.of(worst), "b".repeat(36)));
            assertThat(frame.getBytes(StandardCharsets.UTF_8).length).as("frame = envelope + event")
                    .isEqualTo(envelope + PushLimits.eventBytes(worst));
            boolean serverAccepts;
            try {
                codec.parseClientFrame(frame);
                serverAccepts = true;
            } catch (WireException e) {
                assertThat(e.code()).isIn(WireErrorCode.EVENT_TOO_LARGE, WireErrorCode.FRAME_TOO_LARGE,
                        WireErrorCode.TOO_DEEP);
                serverAccepts = false;
            }
            assertThat(limits.neverAccepted(worst).isEmpty()).as("seed " + seed + " round " + round + ": " + server
                    + " args " + args.toString().length() + " chars").isEqualTo(serverAccepts);
        }
    }

    private static JsonNode randomArgs(SplittableRandom random, int depth, int textLength) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode node = root;
        for (int i = 1; i < depth; i++) {
            node = node.putObject("n");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < textLength; i++) {
            text.append(random.nextInt(10) == 0 ? 'ü' : (char) ('a' + random.nextInt(26)));
        }
        node.put("text", text.toString());
        return root;
    }
}
