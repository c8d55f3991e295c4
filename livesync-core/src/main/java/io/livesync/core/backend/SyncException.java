package io.livesync.core.backend;


/** A failed backend call, carrying the typed {@link SyncError}. */
public final class SyncException extends RuntimeException {

    private final transient SyncError error;

    public SyncException(SyncError error) {
        super(error.describe());
        this.error = error;
    }

    public SyncError error() {
        return error;
    }
}
