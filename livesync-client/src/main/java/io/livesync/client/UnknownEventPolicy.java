package io.livesync.client;

/**
 * What the leader does with an event pulled from upstream whose name this client's schema does not know (neither
 * declares nor upcasts), for example one written by a newer app version. In every policy but {@link #FAIL} the event
 * is kept in the log exactly as committed, and pushed, pulled and rebased like any other.
 */
public enum UnknownEventPolicy {
    /** Stop syncing and report it (status and an {@code ERROR} log line); the database is left unchanged. */
    FAIL,
    /**
     * Keep the event in the log without materializing it, and log a warning for each one. (A later rebuild, which
     * any schema change triggers, replays it like every event: materialized if the schema then knows it.)
     */
    SKIP_AND_LOG,
    /**
     * Default. Keep the event in the log without materializing it, and record its name in the file. When a later
     * open's schema knows one of the recorded names, the state is rebuilt from the log, so the deferred events are
     * applied in log order. An old client in a store with newer clients never loses or blocks on their events.
     */
    DEFER_UNTIL_KNOWN
}
