package io.livesync.core.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.MergeResult;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import io.livesync.core.leader.LocalPushOutcome;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A client session's sync processor as a pure state machine (SYNC-SPEC §3.11 with the HEAD corrections of §8
 * item 15): it numbers the application's commits from its local head, pushes them to the leader in batches of about
 * {@code leaderPushBatchSize} events that always end where a commit ends (a commit is never split across two leader
 * transactions, however large), and merges what the leader tells it.
 *
 * <p>Rules: one push to the leader at a time; after a rejection the session is <em>fenced</em> (sends nothing) until
 * the next leader payload reconciles it, then it reseeds from its <em>live</em> pending list; a rebase bumps the
 * epoch, so the answer to a push sent before it is ignored. A commit completes once every event of it has been
 * confirmed by the leader (applied and durable there).
 */
public final class SessionLogic {

    private final Schema schema;
    private final String clientId;
    private final String sessionId;
    private final int leaderPushBatchSize;
    private final long rebasePauseMillis;
    private final Predicate<Event> isClientOnly;

    /**
     * @param rebasePauseMillis test hook: after a rebase, pushing to the leader resumes only after this long (the
     *     sum of the simulation delays of SYNC-SPEC §3.12); 0 = resume at once
     */
    public SessionLogic(Schema schema, String clientId, String sessionId, int leaderPushBatchSize,
            long rebasePauseMillis) {
        if (leaderPushBatchSize < 1) {
            throw new IllegalArgumentException("leaderPushBatchSize must be >= 1, got " + leaderPushBatchSize);
        }
        if (rebasePauseMillis < 0) {
            throw new IllegalArgumentException("rebasePauseMillis must be >= 0, got " + rebasePauseMillis);
        }
        this.schema = schema;
        this.clientId = clientId;
        this.sessionId = sessionId;
        this.leaderPushBatchSize = leaderPushBatchSize;
        this.rebasePauseMillis = rebasePauseMillis;
        this.isClientOnly = e -> schema.find(e.name()).map(EventDefinition::clientOnly).orElse(false);
    }

    public String sessionId() {
        return sessionId;
    }

    /** An event as the application commits it: a name and args, before numbering. */
    public record PartialEvent(String name, JsonNode args) {}

    /** A commit waiting for the leader to confirm its {@code remaining} events. */
    public record OpenCommit(long commitId, int remaining) {}

    /**
     * The session's state.
     *
     * @param pushCursor the last event handed to the leader in this epoch (the next push starts after it)
     */
    public record State(SyncState sync, long epoch, long inFlightPushId, EventSeq pushCursor, boolean fenced,
            boolean pausedAfterRebase, List<OpenCommit> commits, long nextPushId, long rejections, long rebases) {
        public State {
            commits = List.copyOf(commits);
        }

        public static State initial(EventSeq leaderHead) {
            return new State(SyncState.initial(leaderHead), 0, 0, null, false, false, List.of(), 1, 0, 0);
        }

        boolean inFlight() {
            return inFlightPushId != 0;
        }
    }

    /** Inputs of a session. */
    public sealed interface Input {
        record Commit(long commitId, List<PartialEvent> events) implements Input {}

        /** What the leader merged; {@code leaderHead} is the leader's local head afterwards (null if unknown). */
        record LeaderPayload(MergePayload payload, EventSeq leaderHead) implements Input {
            public LeaderPayload(MergePayload payload) {
                this(payload, null);
            }
        }

        record PushResult(long pushId, LocalPushOutcome outcome) implements Input {}

        record ResumeAfterRebase(long epoch) implements Input {}
    }

    /** Effects of a session step. */
    public sealed interface Effect {
        record PushToLeader(long pushId, List<Event> events) implements Effect {
            public PushToLeader {
                events = List.copyOf(events);
            }
        }

        record CompleteCommit(long commitId) implements Effect {}

        /** Post {@code ResumeAfterRebase(epoch)} after {@code millis}. */
        record ScheduleResume(long epoch, long millis) implements Effect {}

        record Log(String event, String detail) implements Effect {}
    }

    public record Step(State state, List<Effect> effects) {}

    /** Checks names and args before a commit is accepted (throws {@code UnknownEventException} and friends). */
    public void validate(List<PartialEvent> events) {
        for (PartialEvent e : events) {
            schema.validate(e.name(), e.args());
        }
    }

    public Step step(State state, Input input) {
        List<Effect> effects = new ArrayList<>();
        State next = switch (input) {
            case Input.Commit commit -> onCommit(state, commit, effects);
            case Input.LeaderPayload payload -> onPayload(state, payload.payload(), payload.leaderHead(), effects);
            case Input.PushResult result -> onPushResult(state, result, effects);
            case Input.ResumeAfterRebase resume -> resume.epoch() == state.epoch() && state.pausedAfterRebase()
                    ? copy(state, state.sync(), state.epoch(), state.inFlightPushId(), state.pushCursor(),
                            state.fenced(), false, state.commits())
                    : state;
        };
        return new Step(dispatch(next, effects), effects);
    }

    private State onCommit(State s, Input.Commit commit, List<Effect> effects) {
        if (commit.events().isEmpty()) {
            effects.add(new Effect.CompleteCommit(commit.commitId()));
            return s;
        }
        List<Event> numbered = new ArrayList<>(commit.events().size());
        EventSeq previous = s.sync().localHead();
        for (PartialEvent partial : commit.events()) {
            boolean clientOnly = schema.require(partial.name()).clientOnly();
            EventSeq.SeqPair pair = previous.next(clientOnly);
            numbered.add(Event.of(pair.seq(), pair.parent(), partial.name(), partial.args(), clientId, sessionId));
            previous = pair.seq();
        }
        MergeResult result = s.sync().merge(new MergePayload.LocalPush(numbered), isClientOnly, false);
        if (!(result instanceof MergeResult.Advance advance)) {
            throw new IllegalStateException("a session commit numbered from its own head must advance, got " + result);
        }
        List<OpenCommit> commits = new ArrayList<>(s.commits());
        commits.add(new OpenCommit(commit.commitId(), numbered.size()));
        return copy(s, advance.newState(), s.epoch(), s.inFlightPushId(), s.pushCursor(), s.fenced(),
                s.pausedAfterRebase(), commits);
    }

    private State onPayload(State s, MergePayload payload, EventSeq leaderHead, List<Effect> effects) {
        MergeResult result;
        if (payload instanceof MergePayload.UpstreamRebase rebase && leaderHead != null) {
            // The leader rolled back and re-applied its own events, and says where its head is now: our pending
            // events (not applied by the leader yet) follow it. This is what the merge computes for a rebase, except
            // that the leader's head may also move back (it dropped a server-refused event), which the merge's
            // forward-only invariant forbids.
            SyncState after = s.sync().rebasedOnto(leaderHead, isClientOnly);
            List<Event> newEvents = new ArrayList<>(rebase.newEvents());
            newEvents.addAll(after.pending());
            List<Event> rollback = new ArrayList<>(rebase.rollbackEvents());
            rollback.addAll(s.sync().pending());
            result = new MergeResult.Rebase(after, newEvents, rollback);
        } else {
            result = s.sync().merge(payload, isClientOnly, false);
        }
        return switch (result) {
            case MergeResult.Advance advance -> {
                List<OpenCommit> commits = confirm(s.commits(), advance.confirmedEvents().size(), effects);
                // a fenced session reseeds from its live pending once the leader's payload reconciled it
                EventSeq cursor = s.fenced() ? null : s.pushCursor();
                yield copy(s, advance.newState(), s.epoch(), s.inFlightPushId(), cursor, false,
                        s.pausedAfterRebase(), commits);
            }
            case MergeResult.Rebase rebase -> {
                effects.add(new Effect.Log("session-rebase", "rolled back " + rebase.rollbackEvents().size()
                        + ", rebased " + rebase.newState().pendingCount() + " pending"));
                long epoch = s.epoch() + 1;
                boolean pause = rebasePauseMillis > 0;
                SyncState afterRebase = rebase.newState();
                if (pause) {
                    effects.add(new Effect.ScheduleResume(epoch, rebasePauseMillis));
                }
                State rebased = copy(s, afterRebase, epoch, 0, null, false, pause, s.commits());
                yield new State(rebased.sync(), rebased.epoch(), 0, null, false, pause, rebased.commits(),
                        rebased.nextPushId(), rebased.rejections(), rebased.rebases() + 1);
            }
            case MergeResult.Reject reject -> throw new IllegalStateException("a leader payload never rejects");
        };
    }

    private State onPushResult(State s, Input.PushResult result, List<Effect> effects) {
        if (result.pushId() != s.inFlightPushId()) {
            return s; // answer to a push of an earlier epoch: its events are covered by the reseed
        }
        return switch (result.outcome()) {
            case LocalPushOutcome.Applied applied -> copy(s, s.sync(), s.epoch(), 0, s.pushCursor(), s.fenced(),
                    s.pausedAfterRebase(), s.commits());
            case LocalPushOutcome.Rejected rejected -> {
                effects.add(new Effect.Log("session-push-rejected", rejected.reason() + ": " + rejected.message()));
                State fenced = copy(s, s.sync(), s.epoch(), 0, null, true, s.pausedAfterRebase(), s.commits());
                yield new State(fenced.sync(), fenced.epoch(), 0, null, true, fenced.pausedAfterRebase(),
                        fenced.commits(), fenced.nextPushId(), fenced.rejections() + 1, fenced.rebases());
            }
        };
    }

    private State dispatch(State s, List<Effect> effects) {
        if (s.inFlight() || s.fenced() || s.pausedAfterRebase()) {
            return s;
        }
        // A push ends only where a commit ends, so that the leader applies every commit in one transaction: a commit
        // is never half stored. The open commits hold the pending events in order (their remaining counts add up to
        // the pending count); if they ever did not, pushes fall back to cutting at the batch size.
        List<Event> pending = s.sync().pending();
        java.util.Set<Integer> commitEnds = new java.util.HashSet<>();
        int end = 0;
        for (OpenCommit commit : s.commits()) {
            end += commit.remaining();
            commitEnds.add(end);
        }
        boolean aligned = end == pending.size();
        List<Event> batch = new ArrayList<>();
        for (int i = 0; i < pending.size(); i++) {
            Event e = pending.get(i);
            if (s.pushCursor() != null && !e.seq().isGreaterThan(s.pushCursor())) {
                continue;
            }
            batch.add(e);
            if (batch.size() >= leaderPushBatchSize && (!aligned || commitEnds.contains(i + 1))) {
                break;
            }
        }
        if (batch.isEmpty()) {
            return s;
        }
        long pushId = s.nextPushId();
        effects.add(new Effect.PushToLeader(pushId, batch));
        return new State(s.sync(), s.epoch(), pushId, batch.getLast().seq(), false, false, s.commits(), pushId + 1,
                s.rejections(), s.rebases());
    }

    private static List<OpenCommit> confirm(List<OpenCommit> commits, int confirmed, List<Effect> effects) {
        if (confirmed == 0 || commits.isEmpty()) {
            return commits;
        }
        ArrayDeque<OpenCommit> open = new ArrayDeque<>(commits);
        int left = confirmed;
        while (left > 0 && !open.isEmpty()) {
            OpenCommit head = open.pollFirst();
            if (head.remaining() <= left) {
                left -= head.remaining();
                effects.add(new Effect.CompleteCommit(head.commitId()));
            } else {
                open.addFirst(new OpenCommit(head.commitId(), head.remaining() - left));
                left = 0;
            }
        }
        return new ArrayList<>(open);
    }

    private static State copy(State s, SyncState sync, long epoch, long inFlight, EventSeq cursor, boolean fenced,
            boolean paused, List<OpenCommit> commits) {
        return new State(sync, epoch, inFlight, cursor, fenced, paused, commits, s.nextPushId(), s.rejections(),
                s.rebases());
    }
}
