package io.livesync.server;

import java.time.Duration;

/**
 * When the server raises its flags (docs/dashboard.md).
 *
 * @param lagAfter a live pull behind the store head for at least this long is flagged {@code lagging-live-pull}
 * @param serverAheadRepeats this many ServerAhead refusals in a row, each at a parent below the head the one before
 *     named, flag {@code server-ahead-loop}
 * @param quietAfter a client quiet this long after a failed or un-acked push is flagged {@code quiet-after-failed-push}
 * @param checkEvery how often the conditions are evaluated
 */
public record FlagThresholds(Duration lagAfter, int serverAheadRepeats, Duration quietAfter, Duration checkEvery) {

    public static final FlagThresholds DEFAULTS = new FlagThresholds(Duration.ofSeconds(10), 5, Duration.ofSeconds(10),
            Duration.ofSeconds(1));

    public FlagThresholds {
        if (lagAfter == null || lagAfter.isNegative() || quietAfter == null || quietAfter.isNegative()) {
            throw new IllegalArgumentException("lagAfter and quietAfter must be durations >= 0");
        }
        if (serverAheadRepeats < 2) {
            throw new IllegalArgumentException("serverAheadRepeats must be at least 2, got " + serverAheadRepeats);
        }
        if (checkEvery == null || checkEvery.toMillis() < 10) {
            throw new IllegalArgumentException("checkEvery must be at least 10 ms, got " + checkEvery);
        }
    }
}
