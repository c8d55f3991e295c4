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

    /**
     * Pushes on their way, oldest first: one, or a window of pushes that chain onto each other (see
     * {@link LeaderConfig#pushWindow()}). Each attempt id tells its result from superseded ones.
     */
    record InFlight(List<Attempt> window) implements PushLoop {
        public InFlight {
            window = List.copyOf(window);
            if (window.isEmpty()) {
                throw new IllegalArgumentException("an in-flight push loop has at least one attempt");
            }
        }

        /** One push in flight. */
        public InFlight(long attemptId, List<Event> batch, long sinceMillis) {
            this(List.of(new Attempt(attemptId, batch, sinceMillis)));
        }

        /** The oldest attempt's id: the next result the loop waits for. */
        public long attemptId() {
            return window.getFirst().attemptId();
        }

        /** The oldest attempt's events. */
        public List<Event> batch() {
            return window.getFirst().batch();
        }

        /** When the oldest attempt was sent. */
        public long sinceMillis() {
            return window.getFirst().sinceMillis();
        }

        /** The position of the window: index of {@code attemptId}, or -1 when it is not in flight (superseded). */
        public int indexOf(long attemptId) {
            for (int i = 0; i < window.size(); i++) {
                if (window.get(i).attemptId() == attemptId) {
                    return i;
                }
            }
            return -1;
        }

        public String label() {
            return "in-flight";
        }
    }

    /** One push on its way. */
    record Attempt(long attemptId, List<Event> batch, long sinceMillis) {
        public Attempt {
            batch = List.copyOf(batch);
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
