package io.livesync.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.backend.SyncError;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * LiveStore's regression test of the H001 fix ("recovers from backend push errors without live pull", SYNC-SPEC §4.4),
 * re-expressed: backend push batch 2, live pull off, the next 2 pushes fail with a transient error, 4 local events.
 * With live pull off no pull chunk can ever restart a stopped push loop.
 */
class PushLoopRecoversFromBackendPushErrorsWithoutLivePullTest {

    private static void commitFour(Store store) {
        for (int i = 1; i <= 4; i++) {
            store.commit(List.of(TodoSchema.created("p" + i, "todo " + i)));
        }
    }

    @ParameterizedTest
    @EnumSource(value = PushResumePolicy.class, names = {"SUPERVISED", "ON_ADVANCE"})
    void allFourEventsReachTheBackend(PushResumePolicy policy) {
        try (SyncFixture f = new SyncFixture("regression-" + policy)) {
            SyncFixture.Client a = f.client("a", policy, b -> b.leader(l -> l.backoff(20, 200)
                    .backendPushBatchSize(2).livePull(false)), backend -> backend.failNextPushes(2,
                    () -> new SyncError.Transient("injected UnknownError")));
            commitFour(a.store());
            Await.until("4 events on the backend", SyncFixture.WAIT, () -> f.server.head(f.storeId) == 4,
                    () -> SyncFixture.describe(a));
            assertThat(a.store().count("SELECT count(*) FROM todos")).isEqualTo(4);
            assertThat(a.store().syncStatus().stats().pushErrors()).isEqualTo(2);
            assertThat(a.logText()).contains("\"event\":\"push-loop-backoff\"").contains("\"event\":\"backend-push-ok\"");
        }
    }

    @ParameterizedTest
    @EnumSource(value = PushResumePolicy.class, names = "REBASE_ONLY")
    void theLegacyPolicyStallsAndTheStallIsVisible(PushResumePolicy policy) {
        try (SyncFixture f = new SyncFixture("regression-legacy")) {
            SyncFixture.Client a = f.client("a", policy, b -> b.leader(l -> l.backendPushBatchSize(2).livePull(false)),
                    backend -> backend.failNextPushes(2, () -> new SyncError.Transient("injected UnknownError")));
            commitFour(a.store());
            Await.until("the legacy push loop parks for good", SyncFixture.WAIT, () -> {
                SyncStatus s = a.store().syncStatus();
                return s.pushLoop().equals("parked") && s.pushLoopReason().startsWith("push-loop-dead");
            }, () -> SyncFixture.describe(a));
            SyncStatus s = a.store().syncStatus();
            assertThat(s.pendingToPush()).isEqualTo(4);
            assertThat(f.server.head(f.storeId)).isZero();
            assertThat(a.logText()).contains("\"event\":\"push-loop-park\"");
        }
    }
}
