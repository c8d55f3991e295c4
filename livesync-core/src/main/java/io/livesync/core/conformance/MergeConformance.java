package io.livesync.core.conformance;

import io.livesync.core.CanonicalJson;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.MergeResult;
import io.livesync.core.SyncInvariantViolation;
import io.livesync.core.SyncState;
import io.livesync.core.conformance.MergeVector.ExpectAdvance;
import io.livesync.core.conformance.MergeVector.ExpectError;
import io.livesync.core.conformance.MergeVector.ExpectRebase;
import io.livesync.core.conformance.MergeVector.ExpectReject;
import io.livesync.core.conformance.MergeVector.ExpectedState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Runs merge conformance vectors against {@link SyncState#merge} and reports the differences. Events compare on seq
 * and parent (all three parts), name and args (canonically); heads compare on all three parts.
 */
public final class MergeConformance {

    private MergeConformance() {}

    /** The outcome of one case: no differences means it passed. */
    public record CaseOutcome(MergeVector vector, List<String> differences) {
        public boolean passed() {
            return differences.isEmpty();
        }
    }

    /** The outcomes of a run. */
    public record Report(List<CaseOutcome> outcomes) {
        public long passed() {
            return outcomes.stream().filter(CaseOutcome::passed).count();
        }

        public long failed() {
            return outcomes.size() - passed();
        }

        /** {@code "N passed, N failed"}. */
        public String summary() {
            return passed() + " passed, " + failed() + " failed";
        }
    }

    /** Runs every vector. */
    public static Report run(List<MergeVector> vectors) {
        List<CaseOutcome> outcomes = new ArrayList<>(vectors.size());
        for (MergeVector vector : vectors) {
            outcomes.add(new CaseOutcome(vector, check(vector)));
        }
        return new Report(List.copyOf(outcomes));
    }

    /** The differences between what {@code vector} expects and what merge does. */
    public static List<String> check(MergeVector vector) {
        MergeResult actual;
        try {
            actual = vector.state().merge(vector.payload(), vector.clientOnly()::contains, vector.ignoreClientEvents());
        } catch (SyncInvariantViolation violation) {
            if (vector.expect() instanceof ExpectError) {
                return List.of();
            }
            return List.of("kind: expected " + kindOf(vector.expect()) + ", got error: " + violation.getMessage());
        } catch (RuntimeException unexpected) {
            return List.of("kind: expected " + kindOf(vector.expect()) + ", got unexpected exception " + unexpected);
        }
        List<String> diffs = new ArrayList<>();
        switch (vector.expect()) {
            case ExpectError e -> diffs.add("kind: expected error (SyncInvariantViolation), got " + describe(actual));
            case ExpectReject expected -> {
                if (actual instanceof MergeResult.Reject reject) {
                    compareSeq(diffs, "expectedMinimumId", expected.expectedMinimumId(), reject.expectedMinimumId());
                } else {
                    diffs.add("kind: expected reject, got " + describe(actual));
                }
            }
            case ExpectAdvance expected -> {
                if (actual instanceof MergeResult.Advance advance) {
                    compareState(diffs, expected.newState(), advance.newState());
                    compareEvents(diffs, "newEvents", expected.newEvents(), advance.newEvents());
                    compareEvents(diffs, "confirmedEvents", expected.confirmedEvents(), advance.confirmedEvents());
                } else {
                    diffs.add("kind: expected advance, got " + describe(actual));
                }
            }
            case ExpectRebase expected -> {
                if (actual instanceof MergeResult.Rebase rebase) {
                    compareState(diffs, expected.newState(), rebase.newState());
                    compareEvents(diffs, "newEvents", expected.newEvents(), rebase.newEvents());
                    compareEvents(diffs, "rollbackEvents", expected.rollbackEvents(), rebase.rollbackEvents());
                } else {
                    diffs.add("kind: expected rebase, got " + describe(actual));
                }
            }
        }
        return diffs;
    }

    private static void compareState(List<String> diffs, ExpectedState expected, SyncState actual) {
        if (expected == null) {
            return;
        }
        compareEvents(diffs, "newState.pending", expected.pending(), actual.pending());
        compareSeq(diffs, "newState.upstreamHead", expected.upstreamHead(), actual.upstreamHead());
        compareSeq(diffs, "newState.localHead", expected.localHead(), actual.localHead());
    }

    private static void compareSeq(List<String> diffs, String field, EventSeq expected, EventSeq actual) {
        if (expected != null && !expected.equals(actual)) {
            diffs.add(field + ": expected " + expected + ", got " + actual);
        }
    }

    private static void compareEvents(List<String> diffs, String field, List<Event> expected, List<Event> actual) {
        if (expected == null) {
            return;
        }
        boolean same = expected.size() == actual.size();
        for (int i = 0; same && i < expected.size(); i++) {
            same = sameForConformance(expected.get(i), actual.get(i));
        }
        if (!same) {
            diffs.add(field + ": expected " + format(expected) + ", got " + format(actual));
        }
    }

    private static boolean sameForConformance(Event a, Event b) {
        return a.seq().equals(b.seq())
                && a.parent().equals(b.parent())
                && Objects.equals(a.name(), b.name())
                && CanonicalJson.equivalent(a.args(), b.args());
    }

    private static String format(List<Event> events) {
        return events.stream().map(e -> e.seq() + "←" + e.parent() + " " + e.name() + " " + e.args())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static String kindOf(MergeVector.Expectation expectation) {
        return switch (expectation) {
            case ExpectAdvance a -> "advance";
            case ExpectRebase r -> "rebase";
            case ExpectReject r -> "reject";
            case ExpectError e -> "error";
        };
    }

    private static String describe(MergeResult result) {
        return switch (result) {
            case MergeResult.Advance a -> "advance to " + a.newState();
            case MergeResult.Rebase r -> "rebase to " + r.newState();
            case MergeResult.Reject r -> "reject (expectedMinimumId " + r.expectedMinimumId() + ")";
        };
    }
}
