package io.livesync.core;

/**
 * Thrown by {@link SyncState#merge} for invalid input: a batch that is not strictly ascending, incoming events at or
 * below the upstream head, or a state or result that breaks the invariants of SYNC-SPEC §2.2. The message names the
 * offending values. This is a programming or protocol error, never a normal sync outcome.
 */
public final class SyncInvariantViolation extends RuntimeException {

    public SyncInvariantViolation(String message) {
        super(message);
    }
}
