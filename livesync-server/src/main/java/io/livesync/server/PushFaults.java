package io.livesync.server;

import io.livesync.core.Event;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.List;

/**
 * Fault injection for testing clients against this server (off by default; loudly logged when on). Asked once per
 * push, before the push is stored.
 */
public interface PushFaults {

    /**
     * What to do with one push.
     *
     * @param failBeforeStoring an error to answer instead of storing the push (a transient failure), or null
     * @param dropConnectionInsteadOfAck store and publish the push, then close the pusher's socket instead of acking
     *     (the lost-ack interleaving of SYNC-SPEC §4.2)
     */
    record Decision(WireError failBeforeStoring, boolean dropConnectionInsteadOfAck) {
        public static final Decision NONE = new Decision(null, false);
    }

    Decision decide(String storeId, List<Event> batch);

    PushFaults NONE = (storeId, batch) -> Decision.NONE;
}
