package io.livesync.client;

/**
 * What the leader does with an event pulled from upstream whose name this client's schema does not declare (for
 * example, written by a newer app version).
 */
public enum UnknownEventPolicy {
    /** Stop syncing and report it (status and an {@code ERROR} log line); the database is left unchanged. Default. */
    FAIL,
    /** Keep the event in the log without materializing it, and log a warning for each one. */
    SKIP_AND_LOG
}
