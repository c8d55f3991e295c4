package io.livesync.client;

/** A failure of the client store: cannot open or read its database, a failed transaction, a closed store. */
public class StoreException extends RuntimeException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
