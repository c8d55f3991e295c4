package io.livesync.hub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.wire.WireFrames.PullResponse;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * A pull's steps interleaved with pushes through its own instance, pushes through a second instance over the same
 * store, and that instance's announcements (delivered late, in order): whatever the interleaving, a live pull is given
 * every event after its cursor exactly once, in order, and the hub never needs its duplicate guard. The two buggy
 * variants in {@link BuggyHubs} must be caught by the same walks.
 */
class StoreHubPullInterleavingsTest {

    private static final long SEED = Long.getLong("livesync.seed", 20261202L);
    private static final int WALKS = 3000;

    /** Runs seeded walks against hubs built by {@code hubs}; returns the first problem found, or null. */
    static String firstProblem(Function<StoreHub.Builder, StoreHub> hubs, long seed, int walks) {
        for (int w = 0; w < walks; w++) {
            String problem = walk(hubs, new SplittableRandom(seed + w));
            if (problem != null) {
                return "walk " + w + " (seed " + (seed + w) + "): " + problem;
            }
        }
        return null;
    }

    private static String walk(Function<StoreHub.Builder, StoreHub> hubs, SplittableRandom random) {
        InMemoryEventStore db = new InMemoryEventStore(() -> "backend-1");
        ArrayDeque<Runnable> toB = new ArrayDeque<>();
        List<String> errors = new ArrayList<>();
        StoreHub.Log log = (level, event, kv) -> {
            if (level == io.livesync.core.LogLevel.ERROR) {
                errors.add(event);
            }
        };
        InMemoryEventStore.Instance[] b = new InMemoryEventStore.Instance[1];
        InMemoryEventStore.Instance viaA = db.instance((instance, storeId, head, backendId) -> {
            if (b[0] != null) {
                toB.add(() -> b[0].announce(storeId, head, backendId));
            }
        });
        b[0] = db.instance((instance, storeId, head, backendId) -> {});
        StoreHub hubA = StoreHub.builder(viaA).log(log).pageSize(2).build();
        StoreHub hubB = hubs.apply(StoreHub.builder(b[0]).log(log).pageSize(2));
        long[] head = {0};
        Runnable pushA = () -> push(hubA, head);
        Runnable pushB = () -> push(hubB, head);
        hubB.head("s"); // B follows s from here: later appends through A reach it only by announcement
        hubB.backendId("s");
        int before = random.nextInt(6);
        for (int i = 0; i < before; i++) {
            (random.nextBoolean() ? pushA : pushB).run();
        }
        if (random.nextBoolean()) {
            deliverSome(toB, random);
        }
        long cursor = random.nextLong(head[0] + 1);
        List<Long> got = new ArrayList<>();
        String[] failure = {null};
        StoreHub.Pull pull = hubB.startPull("s", cursor, "backend-1", true, new StoreHub.Sink() {
            @Override
            public void page(PullResponse response) {
                response.batch().forEach(e -> got.add(e.seq().global()));
            }

            @Override
            public void failed(WireError error) {
                failure[0] = error.toString();
            }

            @Override
            public void ended() {}
        }, null);
        boolean more = true;
        while (more) {
            int actions = random.nextInt(3);
            for (int i = 0; i < actions; i++) {
                switch (random.nextInt(3)) {
                    case 0 -> pushA.run();
                    case 1 -> pushB.run();
                    default -> deliverSome(toB, random);
                }
            }
            more = pull.step();
        }
        for (int i = 0; i < 3; i++) {
            (random.nextBoolean() ? pushA : pushB).run();
            if (random.nextBoolean()) {
                deliverSome(toB, random);
            }
        }
        while (!toB.isEmpty()) {
            toB.poll().run();
        }
        if (failure[0] != null) {
            return "the pull failed: " + failure[0];
        }
        List<Long> expected = new ArrayList<>();
        for (long s = cursor + 1; s <= head[0]; s++) {
            expected.add(s);
        }
        if (!got.equals(expected)) {
            return "pull from " + cursor + " was given " + got + ", expected " + expected;
        }
        if (!errors.isEmpty()) {
            return "the hub logged ERROR " + errors;
        }
        return null;
    }

    private static void deliverSome(ArrayDeque<Runnable> queue, SplittableRandom random) {
        int n = random.nextInt(queue.size() + 1);
        for (int i = 0; i < n; i++) {
            queue.poll().run();
        }
    }

    private static void push(StoreHub hub, long[] head) {
        long seq = head[0] + 1;
        Event e = Event.of(EventSeq.ofGlobal(seq), EventSeq.ofGlobal(seq - 1), "v1.TodoCreated",
                JsonNodeFactory.instance.objectNode().put("id", "t" + seq), "client", "session");
        StoreHub.PushResult r = hub.push("s", List.of(e), null, null, null);
        assertThat(r).isInstanceOf(StoreHub.PushResult.Accepted.class);
        head[0] = seq;
    }

    @Test
    void everyInterleavingOfAPullWithPushesAndLateAnnouncementsDeliversEachEventOnce() {
        System.out.println("StoreHubPullInterleavingsTest seed=" + SEED + " walks=" + WALKS
                + " (re-run: -Dlivesync.seed=" + SEED + ")");
        assertThat(firstProblem(StoreHub.Builder::build, SEED, WALKS)).isNull();
    }

    @Test
    void theWalksFindAPullRegisteredBeforeItsInstanceCaughtUpToTheStoredHead() {
        String problem = firstProblem(BuggyHubs::registersBeforeCatchingUpToTheStoredHead, SEED, WALKS);
        System.out.println("(d) found: " + problem);
        assertThat(problem).isNotNull();
    }

    @Test
    void theWalksFindACatchUpThatRegistersAfterReadingTheHead() {
        String problem = firstProblem(BuggyHubs::registersAfterReadingTheHead, SEED, WALKS);
        System.out.println("(e) found: " + problem);
        assertThat(problem).isNotNull();
    }
}
