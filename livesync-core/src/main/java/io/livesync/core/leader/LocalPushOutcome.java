package io.livesync.core.leader;

import io.livesync.core.EventSeq;

/** How the leader answered one session push. */
public sealed interface LocalPushOutcome {

    /** Applied and durable in the leader's database. */
    record Applied() implements LocalPushOutcome {}

    /** Rejected; the session must rebase on the leader's payloads and re-send (SYNC-SPEC §3.3). */
    record Rejected(RejectReason kind, EventSeq minimumExpected, EventSeq provided, String message)
            implements LocalPushOutcome {
        /** The reason's log name, e.g. {@code non-contiguous}. */
        public String reason() {
            return kind.logName();
        }
    }

    /** Why the leader rejected a session push. */
    enum RejectReason {
        LEADER_AHEAD("leader-ahead"),
        STALE_GENERATION("stale-generation"),
        NON_CONTIGUOUS("non-contiguous"),
        INVALID_EVENT("invalid-event");

        private final String logName;

        RejectReason(String logName) {
            this.logName = logName;
        }

        public String logName() {
            return logName;
        }
    }

    LocalPushOutcome APPLIED = new Applied();
}
