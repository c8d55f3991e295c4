package io.livesync.client;

import io.livesync.core.Event;
import io.livesync.core.EventSeq;

/**
 * A materializer (or an upcaster) threw on an event, live or during a rebuild. The transaction it ran in was rolled
 * back: the event log and the state are as they were before.
 */
public final class MaterializerException extends StoreException {

    private final EventSeq seq;
    private final String eventName;
    private final String materializer;

    MaterializerException(Event event, String materializer, Throwable cause) {
        super(materializer + " failed on event " + event.seq() + " \"" + event.name() + "\" " + event.args() + ": "
                + cause.getMessage() + " (rolled back: the log and the state are unchanged)", cause);
        this.seq = event.seq();
        this.eventName = event.name();
        this.materializer = materializer;
    }

    /** The position of the event. */
    public EventSeq seq() {
        return seq;
    }

    /** The event's name as committed (before any upcast). */
    public String eventName() {
        return eventName;
    }

    /** Which code failed, e.g. {@code materializer of v2.TodoCreated (version 3)} or {@code upcaster v1.X -> v2.X}. */
    public String materializer() {
        return materializer;
    }
}
