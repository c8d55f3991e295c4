package io.livesync.core.leader;

/**
 * What a client does when the sync server's backend id changes (the store was reset or restored as a new store).
 *
 * <ul>
 *   <li>{@link #SHUTDOWN}: stop syncing for good and report it ({@code syncStatus().failure()}); the local data stays
 *       readable. LiveStore's behaviour.</li>
 *   <li>{@link #RESET_LOCAL}: drop the local copy (log, state and events never pushed) and sync the new store from
 *       scratch. Local work that never reached the server is lost (logged).</li>
 *   <li>{@link #REHOME_PENDING} (default): drop the confirmed history, sync the new store from scratch, and rebase
 *       the events that were never confirmed onto it and push them: no local work is lost.</li>
 * </ul>
 */
public enum BackendResetPolicy {
    SHUTDOWN,
    RESET_LOCAL,
    REHOME_PENDING
}
