package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The per-identity token buckets as a timeline of pushes at given instants (no clock, no sleeps). */
class IdentityLimitsTest {

    private static final long MS = 1_000_000;

    @Test
    void pushesPerSecondAreABucketOfOneSecondsWorthAndTheRefusalSaysWhenToRetry() {
        IdentityLimits limits = new IdentityLimits(2, 0);
        assertThat(limits.acquire("alice", 1, 0)).isInstanceOf(IdentityLimits.Decision.Allowed.class);
        assertThat(limits.acquire("alice", 1, 0)).isInstanceOf(IdentityLimits.Decision.Allowed.class);
        assertThat(limits.acquire("alice", 1, 0)).isEqualTo(
                new IdentityLimits.Decision.Limited(500, "more than 2.0 pushes per second"));
        assertThat(limits.acquire("bob", 1, 0)).as("another identity has its own bucket")
                .isInstanceOf(IdentityLimits.Decision.Allowed.class);
        assertThat(limits.acquire("alice", 1, 499 * MS)).isInstanceOf(IdentityLimits.Decision.Limited.class);
        assertThat(limits.acquire("alice", 1, 500 * MS)).isInstanceOf(IdentityLimits.Decision.Allowed.class);
    }

    @Test
    void eventsPerSecondCountTheBatchAndABatchLargerThanTheBucketFitsWhenItIsFull() {
        IdentityLimits limits = new IdentityLimits(0, 10);
        assertThat(limits.acquire("a", 100, 0)).as("a full bucket takes any batch")
                .isInstanceOf(IdentityLimits.Decision.Allowed.class);
        assertThat(limits.acquire("a", 3, 100 * MS)).isEqualTo(
                new IdentityLimits.Decision.Limited(200, "more than 10.0 events per second"));
        assertThat(limits.acquire("a", 3, 300 * MS)).isInstanceOf(IdentityLimits.Decision.Allowed.class);
    }

    @Test
    void zeroMeansUnlimitedAndIdleIdentitiesAreForgotten() {
        IdentityLimits off = new IdentityLimits(0, 0);
        for (int i = 0; i < 1000; i++) {
            assertThat(off.acquire("x", 100, 0)).isInstanceOf(IdentityLimits.Decision.Allowed.class);
        }
        assertThat(off.tracked()).isZero();
        IdentityLimits limits = new IdentityLimits(1, 0);
        for (int i = 0; i <= IdentityLimits.SWEEP_ABOVE; i++) {
            limits.acquire("user-" + i, 1, 0);
        }
        limits.acquire("late", 1, 5_000 * MS); // everyone else refilled by now
        assertThat(limits.tracked()).isLessThanOrEqualTo(1);
    }
}
