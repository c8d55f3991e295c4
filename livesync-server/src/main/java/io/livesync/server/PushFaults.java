package io.livesync.server;

import io.livesync.core.Event;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.List;

/**
 * Fault injection for testing clients against this server (off by default; loudly logged when on). Asked once per
 * WebSocket push (0.4 and 0.3; HTTP pushes are never faulted), before it is stored and before the push validator, with
 * the store's head (so "the Nth push that will be accepted" can be recognised).
 */
public interface PushFaults {

    /** What happens after a push was stored and published. */
    enum AfterAccept {
        /** Acknowledge normally. */
        ACK,
        /** F2 lost-ack-close: no ack; close the pusher's socket (the echo was published to everyone). */
        DROP_CONNECTION,
        /** F1 error-after-store: answer an error instead of the ack (the echo was published to everyone). */
        ERROR_AFTER_STORE,
        /** F3 blackhole: no ack, and the echo goes to every other socket but not the pusher's. */
        BLACKHOLE
    }

    /**
     * What to do with one push.
     *
     * @param failBeforeStoring an error to answer instead of storing the push (a transient failure), or null
     */
    record Decision(WireError failBeforeStoring, AfterAccept afterAccept, boolean dropBeforeStoring) {
        public static final Decision NONE = new Decision(null, AfterAccept.ACK, false);

        public Decision(WireError failBeforeStoring, AfterAccept afterAccept) {
            this(failBeforeStoring, afterAccept, false);
        }

        public static Decision after(AfterAccept a) {
            return new Decision(null, a, false);
        }

        /** Close the pusher's socket before anything is stored (a plain disconnect in the middle of a push). */
        public static Decision disconnect() {
            return new Decision(null, AfterAccept.ACK, true);
        }
    }

    Decision decide(String storeId, List<Event> batch, long head);

    PushFaults NONE = (storeId, batch, head) -> Decision.NONE;

    /** The named fault (error-after-store, lost-ack-close, blackhole) on the {@code n}th accepted push of each store. */
    static PushFaults onNthAcceptedPush(AfterAccept fault, int n) {
        java.util.Map<String, Integer> accepted = new java.util.concurrent.ConcurrentHashMap<>();
        return (storeId, batch, head) -> {
            if (batch.isEmpty() || batch.getFirst().parent().global() != head) {
                return Decision.NONE; // will not be accepted
            }
            int count = accepted.merge(storeId, 1, Integer::sum);
            return count == n ? Decision.after(fault) : Decision.NONE;
        };
    }

    /** Parses {@code error-after-store[:N]}, {@code lost-ack-close[:N]}, {@code blackhole[:N]}. */
    static PushFaults parse(String spec) {
        String[] parts = spec.split(":");
        int n = parts.length > 1 ? Integer.parseInt(parts[1]) : 1;
        if (n < 1) {
            throw new IllegalArgumentException("the push number of --fault " + spec + " must be >= 1");
        }
        AfterAccept fault = switch (parts[0]) {
            case "error-after-store" -> AfterAccept.ERROR_AFTER_STORE;
            case "lost-ack-close" -> AfterAccept.DROP_CONNECTION;
            case "blackhole" -> AfterAccept.BLACKHOLE;
            default -> throw new IllegalArgumentException("unknown fault \"" + parts[0]
                    + "\" (known: error-after-store[:N], lost-ack-close[:N], blackhole[:N])");
        };
        return onNthAcceptedPush(fault, n);
    }
}
