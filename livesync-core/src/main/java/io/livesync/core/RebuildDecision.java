package io.livesync.core;

import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What opening a store file must do to its state tables, decided from what the file records and the app's schema.
 * A pure function with no IO: the client's database acts on it when it opens a file, and the deterministic simulator
 * calls it when a simulated client restarts with a new schema version.
 */
public sealed interface RebuildDecision {

    /** The file's state was built by this schema: use it as it is. */
    record UpToDate() implements RebuildDecision {}

    /** A new file (no fingerprint, empty log): create the state tables, nothing to replay. */
    record Create() implements RebuildDecision {}

    /** Drop the state tables, create the new ones and replay the whole log, in one transaction. */
    record Rebuild(String reason) implements RebuildDecision {}

    /**
     * @param stored the fingerprint the file records, null if none (a new file, or one from before fingerprints)
     * @param current the app schema's {@code ClientSchema.fingerprint()} (livesync-client)
     * @param logSize the number of events in the file's log
     * @param deferred names of events the file holds unmaterialized under {@code UnknownEventPolicy.DEFER_UNTIL_KNOWN} (livesync-client)
     * @param known whether the app schema can materialize an event name
     */
    static RebuildDecision decide(String stored, String current, long logSize, Set<String> deferred,
            Predicate<String> known) {
        if (stored == null) {
            return logSize == 0 ? new Create()
                    : new Rebuild("the file records no schema fingerprint (written by an earlier livesync)");
        }
        if (!stored.equals(current)) {
            return new Rebuild("schema fingerprint changed from " + abbreviate(stored) + " to " + abbreviate(current));
        }
        Set<String> learned = new TreeSet<>();
        for (String name : deferred) {
            if (known.test(name)) {
                learned.add(name);
            }
        }
        return learned.isEmpty() ? new UpToDate()
                : new Rebuild("the schema now knows deferred events " + String.join(", ", learned));
    }

    private static String abbreviate(String fingerprint) {
        return fingerprint.length() > 12 ? fingerprint.substring(0, 12) : fingerprint;
    }
}
