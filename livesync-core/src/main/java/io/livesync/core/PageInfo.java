package io.livesync.core;

/** Whether more pages follow a pulled page (SYNC-SPEC §5.1). */
public sealed interface PageInfo {

    /** Caught up: nothing more is known to follow. */
    record NoMore() implements PageInfo {}

    /** {@code remaining} more events follow in later pages. */
    record MoreKnown(long remaining) implements PageInfo {}

    /** More pages follow; how many is unknown. */
    record MoreUnknown() implements PageInfo {}

    PageInfo NO_MORE = new NoMore();
}
