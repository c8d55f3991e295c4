package io.livesync.core;

/** Thrown when an event's args fail its definition's {@link ArgsValidator}. */
public final class InvalidEventArgsException extends RuntimeException {

    private final String eventName;

    public InvalidEventArgsException(String eventName, String problem) {
        super("invalid args for event \"" + eventName + "\": " + problem);
        this.eventName = eventName;
    }

    /** The event whose args were rejected. */
    public String eventName() {
        return eventName;
    }
}
