package io.livesync.core.backend;

/** Why a push or a pull to the sync backend failed, as the leader sees it (SYNC-SPEC §5.1, HEAD error taxonomy). */
public sealed interface SyncError {

    /** A short description for logs. */
    String describe();

    /** The batch does not chain onto the backend's head. */
    record ServerAhead(long minimumExpected, long provided) implements SyncError {
        public String describe() {
            return "server-ahead (server head " + minimumExpected + ", batch parent " + provided + ")";
        }
    }

    /** The backend was reset: its id differs from the one this client knows. */
    record BackendIdMismatch(String expected, String received) implements SyncError {
        public String describe() {
            return "backend-id-mismatch (server " + expected + ", client " + received + ")";
        }
    }

    /** No connection (socket closed, cannot connect). */
    record Offline(String cause) implements SyncError {
        public String describe() {
            return "offline: " + cause;
        }
    }

    /** A transient failure: storage hiccup, lost ack, unknown error. Retrying may succeed. */
    record Transient(String cause) implements SyncError {
        public String describe() {
            return "transient: " + cause;
        }
    }

    /** The server asks this client to slow down: retry no sooner than {@code retryAfterMillis} from now. */
    record RateLimited(long retryAfterMillis, String message) implements SyncError {
        public String describe() {
            return "rate-limited (retry after " + retryAfterMillis + " ms): " + message;
        }
    }

    /** No answer within the push timeout. */
    record Timeout(long afterMillis) implements SyncError {
        public String describe() {
            return "timeout after " + afterMillis + " ms";
        }
    }

    /**
     * The server's validator refused the pushed event at global position {@code seqNum} (never stored); the client
     * drops it from its pending events, rolls back its effects and pushes the others again.
     */
    record EventRefused(long seqNum, String reason) implements SyncError {
        public String describe() {
            return "event-refused (e" + seqNum + "): " + reason;
        }
    }

    /** The backend refused the request for a reason that retrying will not fix (auth, limits); {@code code} is stable. */
    record Refused(String code, String message) implements SyncError {
        public String describe() {
            return "refused " + code + ": " + message;
        }
    }
}
