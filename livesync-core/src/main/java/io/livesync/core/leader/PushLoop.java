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
    record Parked(String reason, long sinceMillis, boolean terminal) implements PushLoop {
        public String label() {
            return "parked";
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
