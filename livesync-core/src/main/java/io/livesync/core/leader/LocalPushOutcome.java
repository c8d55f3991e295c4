package io.livesync.core.leader;

import io.livesync.core.EventSeq;

/** How the leader answered one session push. */
public sealed interface LocalPushOutcome {

    /** Applied and durable in the leader's database. */
    record Applied() implements LocalPushOutcome {}

    /**
     * Rejected; the session must rebase on the leader's payloads and re-send (SYNC-SPEC §3.3). The reason is one of
     * {@code leader-ahead}, {@code stale-generation}, {@code non-contiguous}, {@code invalid-event}.
     */
    record Rejected(String reason, EventSeq minimumExpected, EventSeq provided, String message)
            implements LocalPushOutcome {}

    LocalPushOutcome APPLIED = new Applied();
}
