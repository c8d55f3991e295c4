package io.livesync.core.leader;

import io.livesync.core.Event;
import java.util.List;

/** The state of the backend push loop (DESIGN.md §3.1). */
public sealed interface PushLoop {

    /** The name shown in logs and status ({@code idle}, {@code in-flight}, {@code parked}, {@code backoff}). */
    String label();

    /** Nothing in flight; the loop pushes as soon as there is something to push and it may. */
    record Idle() implements PushLoop {
        public String label() {
            return "idle";
        }
    }

    /** A push is on its way; {@code attemptId} tells its result from superseded ones. */
    record InFlight(long attemptId, List<Event> batch, long sinceMillis) implements PushLoop {
        public InFlight {
            batch = List.copyOf(batch);
        }

        public String label() {
            return "in-flight";
        }
    }

    /**
     * Waiting for something outside the loop to resume it (an upstream change, a reconnect, the watchdog).
     * {@code terminal} parks (backend id mismatch) are never resumed.
     */
    record Parked(ParkReason kind, String detail, long sinceMillis, boolean terminal) implements PushLoop {
        public Parked {
            java.util.Objects.requireNonNull(kind, "kind");
            detail = detail == null ? "" : detail;
        }

        public String label() {
            return "parked";
        }

        /** The reason as logs and {@code syncStatus()} show it: the kind's name, then the detail. */
        public String reason() {
            return detail.isEmpty() ? kind.logName() : kind.logName() + ": " + detail;
        }
    }

    /** Why the loop is parked: a closed vocabulary, shown as {@link #logName()}. */
    enum ParkReason {
        /** The server is ahead; waiting for the pull that explains it (resumable). */
        SERVER_AHEAD("server-ahead"),
        /** Offline under REBASE_ONLY (resumable). */
        OFFLINE("offline"),
        /** LiveStore before the H001 fix: the pushing fiber died on an error (resumable only by a rebase). */
        PUSH_LOOP_DEAD("push-loop-dead"),
        /** The server refused a push in a way retrying cannot fix (terminal). */
        REFUSED("refused"),
        /** An event can never be pushed to this server: too large or too deep (terminal). */
        NEVER_ACCEPTED("never-accepted"),
        /** The backend was reset and the policy is SHUTDOWN, or a pull was refused for good (terminal). */
        SYNC_STOPPED("sync-stopped");

        private final String logName;

        ParkReason(String logName) {
            this.logName = logName;
        }

        public String logName() {
            return logName;
        }
    }

    /** Waiting {@code untilMillis} before retrying; {@code timerToken} identifies the timer that ends it. */
    record Backoff(int attempt, long untilMillis, String reason, long timerToken) implements PushLoop {
        public String label() {
            return "backoff";
        }
    }

    PushLoop IDLE = new Idle();
}
