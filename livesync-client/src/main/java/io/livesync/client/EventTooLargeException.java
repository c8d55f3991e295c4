package io.livesync.client;

/**
 * A commit refused because one of its events could never be pushed to the store's sync server: its encoded size or
 * the nesting of its args is over the server's limits (whatever position a rebase gives it). The event never entered
 * the log; nothing else changed.
 */
public final class EventTooLargeException extends StoreException {
    private final String eventName;

    public EventTooLargeException(String eventName, String message) {
        super(message);
        this.eventName = eventName;
    }

    /** The name of the refused event. */
    public String eventName() {
        return eventName;
    }
}
