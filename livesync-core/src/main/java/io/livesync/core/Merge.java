package io.livesync.core;

import io.livesync.core.MergePayload.LocalPush;
import io.livesync.core.MergePayload.UpstreamAdvance;
import io.livesync.core.MergePayload.UpstreamRebase;
import io.livesync.core.MergeResult.Advance;
import io.livesync.core.MergeResult.Rebase;
import io.livesync.core.MergeResult.Reject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * The merge rules of SYNC-SPEC §2.4, HEAD semantics, with three deliberate corrections (see docs/conformance.md):
 *
 * <ol>
 *   <li>{@code findDivergencePoint} with {@code ignoreClientEvents}: the divergent synced event is located in the
 *       unfiltered pending list through the filtered element itself, so a confirmed synced event is never rolled back
 *       and re-pushed (the TS code indexes the unfiltered list with the filtered index and duplicates events).</li>
 *   <li>On a rebase the new events are {@code incoming[k..] ++ rebased} where {@code k} is the number of incoming
 *       events that matched, which is what the TS second divergence search computes in every reachable case.</li>
 *   <li>Rebased events get generation {@code max(base, localHead, pending generations) + 1}, not
 *       {@code base + 1}: the upstream head a leader rebases onto comes from the wire with generation 0, so
 *       {@code base + 1} would hand out the same generation on every rebase and defeat the stale-generation fence.
 *       Every reference vector gives the same result under both rules.</li>
 * </ol>
 *
 * Cost: O(pending + incoming) per merge.
 */
final class Merge {

    private Merge() {}

    static MergeResult merge(SyncState state, MergePayload payload, Predicate<Event> isClientOnly, boolean ignoreClient) {
        checkPending(state.pending(), "state.pending");
        MergeResult result = switch (payload) {
            case LocalPush push -> localPush(state, push.newEvents(), isClientOnly, ignoreClient);
            case UpstreamAdvance advance -> upstreamAdvance(state, advance.newEvents(), isClientOnly, ignoreClient);
            case UpstreamRebase rebase -> upstreamRebase(state, rebase, isClientOnly);
        };
        switch (result) {
            case Advance advance -> {
                if (advance.newState() != state) {
                    checkResult(state, advance.newState());
                }
            }
            case Rebase rebase -> checkResult(state, rebase.newState());
            case Reject reject -> { /* rejects are not validated (SYNC-SPEC §2.2) */ }
        }
        return result;
    }

    private static MergeResult localPush(
            SyncState state, List<Event> events, Predicate<Event> isClientOnly, boolean ignoreClient) {
        if (events.isEmpty()) {
            return new Advance(state, List.of(), List.of());
        }
        checkAscending(events, "local-push newEvents");
        EventSeq first = events.getFirst().seq();
        if (!first.isGreaterThan(state.localHead())) {
            return new Reject(state.localHead().next(true).seq());
        }
        List<Event> appended = ignoreClient ? withoutClientOnly(events, isClientOnly) : events;
        List<Event> pending = concat(state.pending(), appended);
        EventSeq localHead = appended.isEmpty()
                ? EventSeq.max(state.localHead(), state.upstreamHead())
                : appended.getLast().seq();
        return new Advance(new SyncState(pending, state.upstreamHead(), localHead), events, List.of());
    }

    private static MergeResult upstreamAdvance(
            SyncState state, List<Event> incoming, Predicate<Event> isClientOnly, boolean ignoreClient) {
        if (incoming.isEmpty()) {
            return new Advance(state, List.of(), List.of());
        }
        checkAscending(incoming, "upstream-advance newEvents");
        if (!incoming.getFirst().seq().isGreaterThan(state.upstreamHead())) {
            throw new SyncInvariantViolation("upstream-advance: first incoming event " + incoming.getFirst().seq()
                    + " is not above the upstream head " + state.upstreamHead());
        }
        EventSeq newUpstreamHead = incoming.getLast().seq();
        List<Event> pending = state.pending();
        Divergence divergence = findDivergence(pending, incoming, isClientOnly, ignoreClient);

        if (divergence == null) {
            // Walk pending against incoming; client-only pending events count as matched when ignoring them,
            // so trailing client-only events after the last confirmed synced event are confirmed too (UA12).
            int split = 0;
            int matchedIncoming = 0;
            for (; split < pending.size(); split++) {
                Event event = pending.get(split);
                if (ignoreClient && isClientOnly.test(event)) {
                    continue;
                }
                if (matchedIncoming >= incoming.size() || !event.sameEvent(incoming.get(matchedIncoming))) {
                    break;
                }
                matchedIncoming++;
            }
            List<Event> confirmed = pending.subList(0, split);
            List<Event> remaining = pending.subList(split, pending.size());
            EventSeq localHead = remaining.isEmpty()
                    ? EventSeq.max(state.localHead(), newUpstreamHead)
                    : remaining.getLast().seq();
            List<Event> newEvents = incoming.subList(matchedIncoming, incoming.size());
            return new Advance(new SyncState(remaining, newUpstreamHead, localHead), newEvents, confirmed);
        }

        List<Event> divergent = pending.subList(divergence.pendingIndex(), pending.size());
        int generation = nextGeneration(state, newUpstreamHead);
        List<Event> rebased = rebaseEvents(divergent, newUpstreamHead, generation, isClientOnly);
        List<Event> newEvents = concat(incoming.subList(divergence.incomingIndex(), incoming.size()), rebased);
        SyncState newState = new SyncState(rebased, newUpstreamHead, rebased.getLast().seq());
        return new Rebase(newState, newEvents, divergent);
    }

    private static MergeResult upstreamRebase(SyncState state, UpstreamRebase payload, Predicate<Event> isClientOnly) {
        List<Event> incoming = payload.newEvents();
        checkAscending(incoming, "upstream-rebase newEvents");
        List<Event> rollback = concat(payload.rollbackEvents(), state.pending());
        EventSeq newUpstreamHead = incoming.isEmpty() ? state.upstreamHead() : incoming.getLast().seq();
        int generation = nextGeneration(state, newUpstreamHead);
        List<Event> rebased = rebaseEvents(state.pending(), newUpstreamHead, generation, isClientOnly);
        EventSeq localHead = rebased.isEmpty() ? newUpstreamHead : rebased.getLast().seq();
        return new Rebase(new SyncState(rebased, newUpstreamHead, localHead), concat(incoming, rebased), rollback);
    }

    /**
     * {@code state} without the pending event {@code refused} (which the server will never take): the pending events
     * after it are rolled back and re-applied one position earlier, in a new generation; those before it stay.
     */
    static Rebase withoutPending(SyncState state, Event refused, EventSeq logTail, Predicate<Event> isClientOnly) {
        List<Event> pending = state.pending();
        int index = -1;
        for (int i = 0; i < pending.size(); i++) {
            if (pending.get(i).seq().samePosition(refused.seq())) {
                index = i;
                break;
            }
        }
        if (index < 0) {
            throw new IllegalArgumentException("event " + refused.seq() + " is not pending");
        }
        List<Event> kept = pending.subList(0, index);
        List<Event> rollback = pending.subList(index, pending.size());
        EventSeq base = index == 0 ? EventSeq.max(state.upstreamHead(), logTail) : pending.get(index - 1).seq();
        List<Event> rebased = rebaseEvents(pending.subList(index + 1, pending.size()), base,
                nextGeneration(state, base), isClientOnly);
        List<Event> newPending = concat(kept, rebased);
        EventSeq localHead = newPending.isEmpty() ? base : newPending.getLast().seq();
        return new Rebase(new SyncState(newPending, state.upstreamHead(), localHead), rebased, rollback);
    }

    /** Where pending first differs from incoming: an index into each list. */
    private record Divergence(int pendingIndex, int incomingIndex) {}

    /**
     * The first pending event that differs from its incoming counterpart, or {@code null}. With
     * {@code ignoreClient}, client-only pending events are skipped and synced ones are paired with incoming in order;
     * the returned pending index is that of the divergent synced event itself. Positions past the end of incoming
     * never count as divergent.
     */
    private static Divergence findDivergence(
            List<Event> pending, List<Event> incoming, Predicate<Event> isClientOnly, boolean ignoreClient) {
        int incomingIndex = 0;
        for (int i = 0; i < pending.size(); i++) {
            Event event = pending.get(i);
            if (ignoreClient && isClientOnly.test(event)) {
                continue;
            }
            if (incomingIndex >= incoming.size()) {
                return null;
            }
            if (!event.sameEvent(incoming.get(incomingIndex))) {
                return new Divergence(i, incomingIndex);
            }
            incomingIndex++;
        }
        return null;
    }

    private static int nextGeneration(SyncState state, EventSeq base) {
        int generation = Math.max(base.rebaseGeneration(), state.localHead().rebaseGeneration());
        for (Event event : state.pending()) {
            generation = Math.max(generation, event.seq().rebaseGeneration());
        }
        return generation + 1;
    }

    /** Renumbers {@code events} one after the other after {@code base}, keeping their order and kind. */
    static List<Event> rebaseEvents(List<Event> events, EventSeq base, int generation, Predicate<Event> isClientOnly) {
        List<Event> rebased = new ArrayList<>(events.size());
        EventSeq previous = base;
        for (Event event : events) {
            EventSeq.SeqPair pair = previous.next(isClientOnly.test(event), generation);
            rebased.add(event.withSeq(pair.seq(), pair.parent()));
            previous = pair.seq();
        }
        return rebased;
    }

    private static void checkAscending(List<Event> events, String what) {
        for (int i = 1; i < events.size(); i++) {
            EventSeq previous = events.get(i - 1).seq();
            EventSeq current = events.get(i).seq();
            if (!current.isGreaterThan(previous)) {
                throw new SyncInvariantViolation(what + " is not strictly ascending: " + current + " at index " + i
                        + " follows " + previous);
            }
        }
    }

    /** Invariants 1 and 2 of SYNC-SPEC §2.2. */
    private static void checkPending(List<Event> pending, String what) {
        for (int i = 1; i < pending.size(); i++) {
            Event previous = pending.get(i - 1);
            Event current = pending.get(i);
            if (!current.seq().isGreaterThan(previous.seq())) {
                throw new SyncInvariantViolation(what + " is not strictly ascending: " + current.seq() + " at index "
                        + i + " follows " + previous.seq());
            }
            if (current.seq().global() > previous.seq().global()) {
                if (current.seq().client() != 0) {
                    throw new SyncInvariantViolation(what + ": " + current.seq() + " at index " + i
                            + " starts a new global position but has a client part");
                }
            } else if (!current.parent().equals(previous.seq())) {
                throw new SyncInvariantViolation(what + ": client-only " + current.seq() + " at index " + i
                        + " has parent " + current.parent() + " but follows " + previous.seq());
            }
        }
    }

    /** Invariants 1-4 of SYNC-SPEC §2.2 on a result state. */
    private static void checkResult(SyncState before, SyncState after) {
        checkPending(after.pending(), "result pending");
        if (after.upstreamHead().isGreaterThan(after.localHead())) {
            throw new SyncInvariantViolation("result upstream head " + after.upstreamHead()
                    + " is above the result local head " + after.localHead());
        }
        if (before.localHead().isGreaterThan(after.localHead())) {
            throw new SyncInvariantViolation("local head would move backwards from " + before.localHead() + " to "
                    + after.localHead());
        }
        if (before.upstreamHead().isGreaterThan(after.upstreamHead())) {
            throw new SyncInvariantViolation("upstream head would move backwards from " + before.upstreamHead()
                    + " to " + after.upstreamHead());
        }
    }

    private static List<Event> withoutClientOnly(List<Event> events, Predicate<Event> isClientOnly) {
        List<Event> synced = new ArrayList<>(events.size());
        for (Event event : events) {
            if (!isClientOnly.test(event)) {
                synced.add(event);
            }
        }
        return synced;
    }

    private static List<Event> concat(List<Event> a, List<Event> b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        List<Event> all = new ArrayList<>(a.size() + b.size());
        all.addAll(a);
        all.addAll(b);
        return all;
    }
}
