package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.leader.PushResumePolicy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The two interleavings of SYNC-SPEC §4.2, forced through the test backend (no timing luck): after a push error, only
 * upstream advances arrive. REBASE_ONLY must stall (detected, with a bounded wait); ON_ADVANCE and SUPERVISED must
 * push everything and converge.
 */
class PushLoopResumesAfterAdvanceOnlyUpstreamTest {

    private static void commit(Store store, String prefix, int n) {
        List<io.livesync.core.session.SessionLogic.PartialEvent> batch = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            batch.add(TodoSchema.created(prefix + i, prefix + " " + i));
        }
        store.commit(batch);
    }

    /** Interleaving I: the server accepts A's batch, the ack is lost, the echo confirms it (an advance). */
    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void lostAckThenOnlyAdvances(PushResumePolicy policy) {
        try (SyncFixture f = new SyncFixture("lost-ack-" + policy)) {
            SyncFixture.Client a = f.client("a", policy, b -> b.leader(l -> l.backoff(20, 200).backendPushBatchSize(2)),
                    backend -> backend.loseNextAcks(1));
            SyncFixture.Client b = f.client("b", policy);
            commit(a.store(), "a1-", 2); // t1: pushed, accepted, echoed; t3: ack lost
            Await.until("A's first batch is on the server", SyncFixture.WAIT, () -> f.server.head(f.storeId) == 2);
            commit(b.store(), "b-", 2); // t6: B's events reach A as an advance (A has nothing pending)
            Await.until("A saw B's events", SyncFixture.WAIT,
                    () -> a.store().syncStatus().upstreamHead().global() == 4, () -> SyncFixture.describe(a, b));
            commit(a.store(), "a3-", 3); // t7: applied locally, queued for a push loop that may be gone

            if (policy == PushResumePolicy.REBASE_ONLY) {
                assertStalled(a, f, 4);
            } else {
                f.awaitConverged(7, a, b);
                assertThat(a.store().eventLogDigest()).isEqualTo(b.store().eventLogDigest());
                assertThat(a.store().stateDigest()).isEqualTo(b.store().stateDigest());
            }
        }
    }

    /** Interleaving II: a resent, already accepted batch gets ServerAhead; the echo that follows is an advance. */
    @ParameterizedTest
    @EnumSource(PushResumePolicy.class)
    void serverAheadParkThenOnlyAdvances(PushResumePolicy policy) {
        try (SyncFixture f = new SyncFixture("server-ahead-" + policy)) {
            SyncFixture.Client a = f.client("a", policy, b -> b.leader(l -> l.backendPushBatchSize(2)),
                    backend -> backend.holdLive().duplicateNextPush());
            commit(a.store(), "a1-", 2);
            Await.until("A's loop parks on ServerAhead", SyncFixture.WAIT, () -> a.store().syncStatus().stats()
                    .loopParks() >= 1, () -> SyncFixture.describe(a));
            a.backend().releaseLive(); // the echo arrives after the park: an advance
            Await.until("A saw its own batch confirmed", SyncFixture.WAIT,
                    () -> a.store().syncStatus().upstreamHead().global() == 2, () -> SyncFixture.describe(a));
            commit(a.store(), "a3-", 3);

            if (policy == PushResumePolicy.REBASE_ONLY) {
                assertStalled(a, f, 2);
                assertThat(a.store().syncStatus().pushLoopReason()).isEqualTo("server-ahead");
            } else {
                f.awaitConverged(5, a);
            }
        }
    }

    /**
     * A stall is detected when the loop is parked with events pending and the server stopped at {@code head}. The
     * legacy policy has no timer of its own, so nothing inside the client can move it any more: the only inputs
     * that could (a rebase) need another writer, and there is none. A bounded wait rechecks that it stays put while
     * the leader keeps processing (its watchdog is off, so pending events stay put).
     */
    private static void assertStalled(SyncFixture.Client a, SyncFixture f, int head) {
        Await.until("the legacy loop is parked with events pending", SyncFixture.WAIT, () -> {
            SyncStatus s = a.store().syncStatus();
            return s.pushLoop().equals("parked") && s.pendingToPush() == 3;
        }, () -> SyncFixture.describe(a));
        // A further local commit is an input the leader processes; it must not wake the loop either.
        a.store().commit(List.of(TodoSchema.filterSet("all")));
        SyncStatus s = a.store().syncStatus();
        assertThat(s.pushLoop()).isEqualTo("parked");
        assertThat(s.pendingToPush()).isEqualTo(3);
        assertThat(f.server.head(f.storeId)).isEqualTo(head);
        assertThat(a.logText()).contains("\"event\":\"pull-advance\"").doesNotContain("\"event\":\"pull-rebase\"");
    }
}
