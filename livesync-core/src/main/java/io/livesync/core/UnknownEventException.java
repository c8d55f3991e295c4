package io.livesync.core;

import java.util.Collection;

/** Thrown when an event name is not declared in the {@link Schema}. */
public final class UnknownEventException extends RuntimeException {

    private final String eventName;

    public UnknownEventException(String eventName, Collection<String> knownNames) {
        super("unknown event name \"" + eventName + "\": the schema declares " + knownNames.size() + " event(s): "
                + String.join(", ", knownNames));
        this.eventName = eventName;
    }

    /** The name that was not found. */
    public String eventName() {
        return eventName;
    }
}
