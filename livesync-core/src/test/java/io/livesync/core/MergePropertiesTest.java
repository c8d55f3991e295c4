package io.livesync.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.MergeResult.Advance;
import io.livesync.core.MergeResult.Rebase;
import io.livesync.core.MergeResult.Reject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Seeded property tests of {@link SyncState#merge}. Each test prints its seed; re-run with {@code -Dlivesync.seed=N}.
 *
 * <p>The generator builds what a leader really sees: a client whose pending events (synced and client-only,
 * possibly of an older generation) sit on top of its upstream head, and an upstream page that confirms a prefix of
 * the client's synced events and then carries foreign events.
 */
class MergePropertiesTest {

    private static final int CASES = 2000;
    private static final Predicate<Event> CLIENT_ONLY = e -> e.seq().isClientPosition();

    /** A generated leader situation: the state, and the upstream page. */
    record Scenario(SyncState state, List<Event> incoming, int confirmedSynced, int foreign) {}

    private static final class Gen {
        private final SplittableRandom random;
        private int ids;

        Gen(long seed) {
            random = new SplittableRandom(seed);
        }

        Event event(EventSeq.SeqPair pair, String clientId) {
            String id = clientId + "-" + (ids++);
            return Event.of(pair.seq(), pair.parent(), pair.seq().isClientPosition() ? "ClientNote" : "TodoCreated",
                    JsonNodeFactory.instance.objectNode().put("id", id), clientId, "session-" + clientId);
        }

        Scenario scenario() {
            long upstreamGlobal = random.nextInt(6);
            int generation = random.nextInt(3);
            EventSeq upstreamHead = EventSeq.ofGlobal(upstreamGlobal);
            List<Event> pending = new ArrayList<>();
            EventSeq previous = upstreamHead.withGeneration(generation);
            int n = random.nextInt(13);
            for (int i = 0; i < n; i++) {
                Event e = event(previous.next(random.nextInt(10) < 3, generation), "A");
                pending.add(e);
                previous = e.seq();
            }
            List<Event> synced = pending.stream().filter(e -> !e.seq().isClientPosition()).toList();
            int confirm = synced.isEmpty() ? 0 : random.nextInt(synced.size() + 1);
            int foreign = random.nextInt(6);
            if (confirm + foreign == 0) {
                foreign = 1;
            }
            List<Event> incoming = new ArrayList<>();
            long global = upstreamGlobal;
            for (int i = 0; i < confirm; i++) {
                Event mine = synced.get(i);
                global++;
                incoming.add(Event.of(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1), mine.name(),
                        mine.args(), mine.clientId(), mine.sessionId()));
            }
            for (int i = 0; i < foreign; i++) {
                global++;
                incoming.add(event(new EventSeq.SeqPair(EventSeq.ofGlobal(global), EventSeq.ofGlobal(global - 1)),
                        "B"));
            }
            EventSeq localHead = pending.isEmpty() ? upstreamHead : pending.getLast().seq();
            return new Scenario(new SyncState(pending, upstreamHead, localHead), incoming, confirm, foreign);
        }
    }

    @Test
    void invariantsHoldOnEveryResultAndNoSyncedEventIsLostDuplicatedOrReordered() {
        long seed = Seeds.seed("invariantsHoldOnEveryResult");
        for (int c = 0; c < CASES; c++) {
            long caseSeed = seed + c;
            Scenario s = new Gen(caseSeed).scenario();
            String context = "seed=" + seed + " case=" + c + " " + s;
            MergeResult result = s.state().merge(new MergePayload.UpstreamAdvance(s.incoming()), CLIENT_ONLY, true);
            SyncState after = switch (result) {
                case Advance a -> a.newState();
                case Rebase r -> r.newState();
                case Reject r -> fail("an upstream advance never rejects: " + context);
            };
            assertInvariants(s.state(), after, context);

            List<String> syncedBefore = ids(s.state().pending().stream().filter(e -> !CLIENT_ONLY.test(e)).toList());
            List<String> confirmedIds = syncedBefore.subList(0, s.confirmedSynced());
            List<String> stillPending = ids(after.pending().stream().filter(e -> !CLIENT_ONLY.test(e)).toList());
            // every unconfirmed synced event is still pending, in its original order; no confirmed one is re-pushed
            assertThat(stillPending).as(context).isEqualTo(syncedBefore.subList(s.confirmedSynced(), syncedBefore.size()));
            assertDisjoint(stillPending, confirmedIds, "confirmed events re-pushed: " + context);
            if (result instanceof Rebase rebase) {
                assertThat(s.foreign()).as("a rebase needs a foreign event: " + context).isPositive();
                Set<String> rolledBack = new HashSet<>(ids(rebase.rollbackEvents()));
                assertDisjoint(rolledBack, confirmedIds, "confirmed events rolled back: " + context);
            }
        }
    }

    @Test
    void aLocalPushFollowedByItsOwnEchoConfirmsEverythingAndLeavesNothingPending() {
        long seed = Seeds.seed("localPushThenEcho");
        for (int c = 0; c < CASES; c++) {
            Gen gen = new Gen(seed + c);
            SplittableRandom random = new SplittableRandom(seed + c);
            EventSeq head = EventSeq.ofGlobal(random.nextInt(5));
            SyncState state = SyncState.initial(head);
            List<Event> batch = new ArrayList<>();
            EventSeq previous = head;
            int n = 1 + random.nextInt(10);
            for (int i = 0; i < n; i++) {
                Event e = gen.event(previous.next(random.nextInt(10) < 3), "A");
                batch.add(e);
                previous = e.seq();
            }
            String context = "seed=" + seed + " case=" + c + " batch=" + batch;
            MergeResult pushed = state.merge(new MergePayload.LocalPush(batch), CLIENT_ONLY, false);
            assertThat(pushed).as(context).isInstanceOf(Advance.class);
            SyncState afterPush = ((Advance) pushed).newState();
            assertThat(afterPush.pending()).as(context).hasSize(n);

            List<Event> echo = batch.stream().filter(e -> !CLIENT_ONLY.test(e))
                    .map(e -> Event.of(e.seq().withGeneration(0), e.parent().withGeneration(0), e.name(), e.args(),
                            e.clientId(), e.sessionId()))
                    .toList();
            if (echo.isEmpty()) {
                continue;
            }
            MergeResult confirmed = afterPush.merge(new MergePayload.UpstreamAdvance(echo), CLIENT_ONLY, true);
            assertThat(confirmed).as(context).isInstanceOf(Advance.class);
            Advance advance = (Advance) confirmed;
            assertThat(advance.newEvents()).as(context).isEmpty();
            assertThat(advance.newState().pending()).as(context).isEmpty();
            assertThat(advance.newState().upstreamHead()).as(context).isEqualTo(echo.getLast().seq());
            assertInvariants(afterPush, advance.newState(), context);
        }
    }

    @Test
    void aRebaseKeepsTheRelativeOrderAndRaisesTheGeneration() {
        long seed = Seeds.seed("rebaseKeepsOrderRaisesGeneration");
        int rebases = 0;
        for (int c = 0; c < CASES; c++) {
            Scenario s = new Gen(seed + c).scenario();
            String context = "seed=" + seed + " case=" + c + " " + s;
            MergeResult result = s.state().merge(new MergePayload.UpstreamAdvance(s.incoming()), CLIENT_ONLY, true);
            if (!(result instanceof Rebase rebase)) {
                continue;
            }
            rebases++;
            int oldMaxGeneration = s.state().pending().stream().mapToInt(e -> e.seq().rebaseGeneration()).max()
                    .orElse(0);
            assertThat(ids(rebase.newState().pending())).as(context).isEqualTo(ids(rebase.rollbackEvents()));
            for (Event e : rebase.newState().pending()) {
                assertThat(e.seq().rebaseGeneration()).as(context).isGreaterThan(oldMaxGeneration);
                assertThat(e.seq().isGreaterThan(s.incoming().getLast().seq())).as(context).isTrue();
            }
            assertThat(rebase.newEvents()).as(context).endsWith(rebase.newState().pending().toArray(Event[]::new));
        }
        assertThat(rebases).as("the generator must produce rebases (seed=" + seed + ")").isGreaterThan(CASES / 10);
    }

    @Test
    void aSecondRebaseGetsAHigherGenerationThanTheFirst() {
        // Upstream heads come from the wire with generation 0; generations must still keep rising.
        Gen gen = new Gen(7);
        Event a1 = gen.event(EventSeq.ROOT.next(false), "A");
        SyncState state = new SyncState(List.of(a1), EventSeq.ROOT, a1.seq());
        Event b1 = gen.event(EventSeq.ROOT.next(false), "B");
        Rebase first = (Rebase) state.merge(new MergePayload.UpstreamAdvance(List.of(b1)), CLIENT_ONLY, true);
        assertThat(first.newState().pending().getFirst().seq()).isEqualTo(EventSeq.parse("e2r1"));
        Event b2 = gen.event(EventSeq.ofGlobal(1).next(false), "B");
        Rebase second = (Rebase) first.newState().merge(new MergePayload.UpstreamAdvance(List.of(b2)), CLIENT_ONLY,
                true);
        assertThat(second.newState().pending().getFirst().seq()).isEqualTo(EventSeq.parse("e3r2"));
    }

    @Test
    void aLocalPushAtOrBelowTheLocalHeadIsRejectedWithTheNextClientPosition() {
        long seed = Seeds.seed("localPushReject");
        for (int c = 0; c < CASES; c++) {
            Scenario s = new Gen(seed + c).scenario();
            SyncState state = s.state();
            Event stale = Event.of(state.localHead(), EventSeq.ROOT, "TodoCreated", null, "A", "s");
            MergeResult result = state.merge(new MergePayload.LocalPush(List.of(stale)), CLIENT_ONLY, false);
            assertThat(result).as("seed=" + seed + " case=" + c)
                    .isEqualTo(new Reject(state.localHead().next(true).seq()));
        }
    }

    private static void assertDisjoint(java.util.Collection<String> a, java.util.Collection<String> b, String what) {
        Set<String> common = new HashSet<>(a);
        common.retainAll(b);
        assertThat(common).as(what).isEmpty();
    }

    private static List<String> ids(List<Event> events) {
        return events.stream().map(e -> e.args().get("id").asText()).toList();
    }

    /** SYNC-SPEC §2.2, checked independently of the implementation. */
    static void assertInvariants(SyncState before, SyncState after, String context) {
        List<Event> pending = after.pending();
        for (int i = 1; i < pending.size(); i++) {
            EventSeq prev = pending.get(i - 1).seq();
            Event cur = pending.get(i);
            assertThat(cur.seq().isGreaterThan(prev)).as("ascending at " + i + ": " + context).isTrue();
            if (cur.seq().global() > prev.global()) {
                assertThat(cur.seq().client()).as("new global has client 0 at " + i + ": " + context).isZero();
            } else {
                assertThat(cur.parent()).as("client chain at " + i + ": " + context).isEqualTo(prev);
            }
        }
        assertThat(after.localHead().isGreaterThanOrEqual(after.upstreamHead())).as("up <= local: " + context).isTrue();
        assertThat(after.localHead().isGreaterThanOrEqual(before.localHead())).as("local monotonic: " + context).isTrue();
        assertThat(after.upstreamHead().isGreaterThanOrEqual(before.upstreamHead())).as("up monotonic: " + context)
                .isTrue();
        if (!pending.isEmpty()) {
            assertThat(pending.getFirst().seq().isGreaterThan(after.upstreamHead())).as("pending above up: " + context)
                    .isTrue();
        }
    }
}
