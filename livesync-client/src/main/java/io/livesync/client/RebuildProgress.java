package io.livesync.client;

/**
 * Progress of a state rebuild at open (docs/schema-evolution.md), reported to the builder's
 * {@link Store.Builder#rebuildListener listener} on the opening thread, in this order: {@link Started}, any number of
 * {@link Replayed}, {@link Committing}, {@link Finished}. A rebuild that fails reports nothing more; the open throws.
 */
public sealed interface RebuildProgress {

    /** The rebuild began: why, and how many events the log holds. */
    record Started(String reason, long totalEvents) implements RebuildProgress {}

    /** {@code replayed} of {@code totalEvents} events have been materialized into the new tables (every 1,000). */
    record Replayed(long replayed, long totalEvents) implements RebuildProgress {}

    /** Every event is replayed; the transaction that swaps the new state in is committing. */
    record Committing(long totalEvents) implements RebuildProgress {}

    /** The new state is committed and the file records the new fingerprint. */
    record Finished(long totalEvents) implements RebuildProgress {}
}
