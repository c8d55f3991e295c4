package io.livesync.core.conformance;

import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.SyncState;
import java.util.List;
import java.util.Set;

/**
 * One conformance case for {@link SyncState#merge}: a state, a payload and the expected outcome.
 *
 * @param source where the case came from ({@code file:line})
 * @param clientOnly the events (by identity) that the vector marks {@code "clientOnly": true}
 */
public record MergeVector(
        String source,
        String name,
        SyncState state,
        MergePayload payload,
        boolean ignoreClientEvents,
        Expectation expect,
        Set<Event> clientOnly) {

    /** What the vector expects; fields left out of the vector are {@code null} and not compared. */
    public sealed interface Expectation {}

    /** The expected state; any of the three may be {@code null} (not compared). */
    public record ExpectedState(List<Event> pending, EventSeq upstreamHead, EventSeq localHead) {}

    public record ExpectAdvance(ExpectedState newState, List<Event> newEvents, List<Event> confirmedEvents)
            implements Expectation {}

    public record ExpectRebase(ExpectedState newState, List<Event> newEvents, List<Event> rollbackEvents)
            implements Expectation {}

    public record ExpectReject(EventSeq expectedMinimumId) implements Expectation {}

    /** The merge must throw {@link io.livesync.core.SyncInvariantViolation}. */
    public record ExpectError() implements Expectation {}
}
