package io.livesync.core.leader;

import io.livesync.core.backend.SyncError;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.MergeResult;
import io.livesync.core.PageInfo;
import io.livesync.core.SyncInvariantViolation;
import io.livesync.core.SyncState;
import io.livesync.core.LogLevel;
import io.livesync.core.leader.LeaderInput.TimerKind;
import io.livesync.core.wire.WireErrorCode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The leader sync processor as a pure state machine: {@code step(state, input, now) -> (state', effects)}.
 * No IO, no threads, no clock: time comes in as {@code now}, randomness from the seeded {@code rng} in the state.
 *
 * <p>Invariants this class maintains (the H001 story in one place):
 * <ul>
 *   <li>The pushes in flight ({@link PushLoop.InFlight}) are one, or a window of pushes chained onto each other
 *       (only once the server said it enforces push chains on this connection); results of any other attempt are
 *       ignored, and the first failure in the window fails the whole window.</li>
 *   <li>The next batch is always derived from the authoritative pending list: the synced pending events after
 *       {@code pushCursor}. Resuming ("reseeding") sets the cursor to null, so events of a failed or superseded push
 *       are re-sent and confirmed ones never are.</li>
 *   <li>An upstream <em>rebase</em> resumes the loop under every policy. An upstream <em>advance</em> resumes a
 *       parked or backing-off loop under {@code SUPERVISED}, and restarts the loop (superseding a push in flight,
 *       as LiveStore 0.4.0 does) under {@code ON_ADVANCE}; under {@code REBASE_ONLY} it does neither, which is the
 *       H001 stall.</li>
 *   <li>Under {@code SUPERVISED} no state is final except a backend reset: errors back off, pushes time out,
 *       reconnects resume, and the watchdog re-pulls and resumes when pending events make no progress.</li>
 * </ul>
 */
public final class LeaderLogic {


    private final LeaderConfig config;
    private final Predicate<Event> isClientOnly;

    public LeaderLogic(LeaderConfig config) {
        this.config = config;
        this.isClientOnly = e -> config.schema().find(e.name()).map(EventDefinition::clientOnly).orElse(false);
    }

    public LeaderConfig config() {
        return config;
    }

    /** Whether an event is client-only (unknown names count as synced, like LiveStore HEAD). */
    public boolean isClientOnly(Event event) {
        return isClientOnly.test(event);
    }

    /** A new state and the effects to run, in order. */
    public record Step(LeaderState state, List<LeaderEffect> effects) {
        public Step {
            effects = List.copyOf(effects);
        }
    }

    /** Processes one input at time {@code now} (milliseconds on the driver's clock). */
    public Step step(LeaderState state, LeaderInput input, long now) {
        Ctx ctx = new Ctx(state, now);
        switch (input) {
            case LeaderInput.Start start -> onStart(ctx);
            case LeaderInput.Connected connected -> onConnected(ctx);
            case LeaderInput.Disconnected disconnected -> onDisconnected(ctx, disconnected.cause());
            case LeaderInput.LocalPushes pushes -> onLocalPushes(ctx, pushes.pushes());
            case LeaderInput.PullPage page -> onPullPage(ctx, page);
            case LeaderInput.PullFailed failed -> onPullFailed(ctx, failed.pullId(), failed.error());
            case LeaderInput.PushAccepted accepted ->
                    onPushAccepted(ctx, accepted.attemptId(), accepted.chainsEnforced());
            case LeaderInput.PushFailed failed -> onPushFailed(ctx, failed.attemptId(), failed.error());
            case LeaderInput.TimerFired timer -> onTimer(ctx, timer.kind(), timer.token());
        }
        if (ctx.s.sync().pending().isEmpty() && !ctx.s.logTail().equals(ctx.s.sync().localHead())) {
            ctx.s = ctx.s.withLogTail(ctx.s.sync().localHead());
        }
        return new Step(ctx.s, ctx.effects);
    }

    /** Mutable scratch for one step. */
    private static final class Ctx {
        LeaderState s;
        final long now;
        final List<LeaderEffect> effects = new ArrayList<>();

        Ctx(LeaderState s, long now) {
            this.s = s;
            this.now = now;
        }

        long newId() {
            long id = s.nextId();
            s = s.withNextId(id + 1);
            return id;
        }

        void log(LogLevel level, String event, Object... keyValues) {
            Map<String, Object> fields = new LinkedHashMap<>();
            for (int i = 0; i + 1 < keyValues.length; i += 2) {
                if (keyValues[i + 1] != null) {
                    fields.put((String) keyValues[i], keyValues[i + 1]);
                }
            }
            effects.add(new LeaderEffect.Log(level, event, fields));
        }
    }

    // ---------------------------------------------------------------- lifecycle and connection

    private void onStart(Ctx ctx) {
        ctx.log(LogLevel.INFO, "leader-start", "policy", config.pushResumePolicy().cliName(),
                "backendPushBatchSize", config.backendPushBatchSize(), "livePull", config.livePull());
        if (config.pushResumePolicy() == PushResumePolicy.SUPERVISED) {
            ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.WATCHDOG, ctx.newId(),
                    ctx.now + config.watchdogIntervalMillis()));
        }
    }

    private void onConnected(Ctx ctx) {
        ctx.s = ctx.s.withConnected(true).withPull(ctx.s.activePullId(), 0, false).withChainsEnforced(false);
        ctx.log(LogLevel.INFO, "connection-up");
        if (ctx.s.fatalError() != null) {
            return; // syncing stopped for good: no more pulls, whatever the connection does
        }
        if (ctx.s.push() instanceof PushLoop.Idle) {
            // acked-but-unconfirmed events are confirmed by the catch-up pull or must be pushed again
            ctx.s = ctx.s.withPushCursor(null);
        }
        if (config.pushResumePolicy() == PushResumePolicy.SUPERVISED) {
            resume(ctx, "reconnect");
        }
        startPull(ctx);
    }

    private void onDisconnected(Ctx ctx, String cause) {
        ctx.s = ctx.s.withConnected(false).withPull(0, ctx.s.pullAttempt(), false).withChainsEnforced(false);
        ctx.log(LogLevel.WARN, "connection-down", "cause", cause);
        flushDeferred(ctx, "disconnected");
    }

    private void startPull(Ctx ctx) {
        long pullId = ctx.newId();
        ctx.s = ctx.s.withPull(pullId, ctx.s.pullAttempt(), false);
        long cursor = ctx.s.receivedHead(); // deferred upstream events are not pulled again
        ctx.effects.add(new LeaderEffect.StartPull(pullId, cursor, ctx.s.backendId(), config.livePull()));
        ctx.log(LogLevel.DEBUG, "pull-start", "pullId", pullId, "cursor", cursor);
    }

    // ---------------------------------------------------------------- local pushes (sessions -> leader)

    private void onLocalPushes(Ctx ctx, List<LeaderInput.LocalPush> pushes) {
        boolean hadPending = ctx.s.hasPendingSynced(isClientOnly);
        List<Event> applied = new ArrayList<>();
        List<LeaderEffect> completions = new ArrayList<>();
        for (LeaderInput.LocalPush push : pushes) {
            LocalPushOutcome outcome = admit(ctx, push.events());
            if (outcome instanceof LocalPushOutcome.Rejected rejected) {
                ctx.s = ctx.s.withStats(ctx.s.stats().localReject());
                ctx.log(LogLevel.WARN, "local-push-reject", "pushId", push.pushId(), "reason", rejected.reason(),
                        "provided", String.valueOf(rejected.provided()),
                        "minimumExpected", String.valueOf(rejected.minimumExpected()), "message", rejected.message());
            } else {
                applied.addAll(push.events());
            }
            completions.add(new LeaderEffect.CompleteLocalPush(push.pushId(), outcome));
        }
        if (!applied.isEmpty()) {
            ctx.effects.add(new LeaderEffect.Persist(List.of(), applied, List.of(), null, null));
            ctx.effects.add(new LeaderEffect.NotifySessions(new MergePayload.UpstreamAdvance(applied),
                    ctx.s.sync().localHead()));
            ctx.log(LogLevel.DEBUG, "local-push-apply", "events", applied.size(),
                    "first", applied.getFirst().seq().toString(), "last", applied.getLast().seq().toString());
        }
        ctx.effects.addAll(completions);
        if (!hadPending && ctx.s.hasPendingSynced(isClientOnly)) {
            ctx.s = ctx.s.withProgress(ctx.now);
        }
        dispatch(ctx);
    }

    /** Validates one session push against the leader's head and merges it; returns the outcome. */
    private LocalPushOutcome admit(Ctx ctx, List<Event> events) {
        if (events.isEmpty()) {
            return LocalPushOutcome.APPLIED;
        }
        for (Event e : events) {
            Optional<EventDefinition> definition = config.schema().find(e.name());
            if (definition.isEmpty()) {
                return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.INVALID_EVENT, null, e.seq(),
                        "unknown event name \"" + e.name() + "\"");
            }
            Optional<String> problem = definition.get().argsValidator().problem(e.args());
            if (problem.isPresent()) {
                return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.INVALID_EVENT, null, e.seq(),
                        "invalid args for \"" + e.name() + "\": " + problem.get());
            }
        }
        SyncState sync = ctx.s.sync();
        EventSeq head = sync.localHead();
        Event first = events.getFirst();
        EventSeq.SeqPair expected = head.next(isClientOnly(first));
        if (!first.seq().isGreaterThan(head)) {
            return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.LEADER_AHEAD, expected.seq(), first.seq(),
                    "the leader is at " + head + "; rebase and re-send");
        }
        if (first.seq().rebaseGeneration() < head.rebaseGeneration()) {
            return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.STALE_GENERATION, expected.seq(), first.seq(),
                    "generation " + first.seq().rebaseGeneration() + " is older than the leader's "
                            + head.rebaseGeneration());
        }
        if (!first.seq().samePosition(expected.seq()) || !first.parent().samePosition(expected.parent())) {
            return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.NON_CONTIGUOUS, expected.seq(), first.seq(),
                    "expected " + expected.seq() + "←" + expected.parent() + ", got " + first.seq() + "←"
                            + first.parent());
        }
        for (int i = 1; i < events.size(); i++) {
            Event previous = events.get(i - 1);
            Event current = events.get(i);
            EventSeq.SeqPair next = previous.seq().next(isClientOnly(current));
            if (!current.seq().samePosition(next.seq()) || !current.parent().samePosition(next.parent())) {
                return new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.NON_CONTIGUOUS, next.seq(), current.seq(),
                        "event " + i + " of the batch: expected " + next.seq() + "←" + next.parent() + ", got "
                                + current.seq() + "←" + current.parent());
            }
        }
        MergeResult result = sync.merge(new MergePayload.LocalPush(events), isClientOnly, false);
        return switch (result) {
            case MergeResult.Advance advance -> {
                ctx.s = ctx.s.withSync(advance.newState());
                yield LocalPushOutcome.APPLIED;
            }
            case MergeResult.Reject reject -> new LocalPushOutcome.Rejected(LocalPushOutcome.RejectReason.LEADER_AHEAD,
                    reject.expectedMinimumId(), first.seq(), "the leader is at " + head);
            case MergeResult.Rebase rebase -> throw new IllegalStateException("a local push never rebases");
        };
    }

    // ---------------------------------------------------------------- pulls (backend -> leader)

    private void onPullPage(Ctx ctx, LeaderInput.PullPage page) {
        if (page.pullId() != ctx.s.activePullId() || ctx.s.fatalError() != null) {
            ctx.log(LogLevel.DEBUG, "pull-page-ignored", "pullId", page.pullId(), "activePullId", ctx.s.activePullId());
            return;
        }
        ctx.s = ctx.s.withPull(ctx.s.activePullId(), 0, ctx.s.caughtUp());
        String adoptedBackendId = null;
        if (page.backendId() != null) {
            if (ctx.s.backendId() == null) {
                adoptedBackendId = page.backendId();
            } else if (!ctx.s.backendId().equals(page.backendId())) {
                onBackendReset(ctx, new SyncError.BackendIdMismatch(page.backendId(), ctx.s.backendId()));
                return;
            }
        }
        List<Event> events = page.events();
        if (!events.isEmpty()) {
            String gap = chainProblem(ctx.s.receivedHead(), events);
            if (gap != null) {
                pullProtocolError(ctx, gap);
                return;
            }
            if (ctx.s.deferred() != null) {
                // upstream already diverged from the pending events: the new page only adds to what waits
                DeferredUpstream more = ctx.s.deferred().plus(events, ctx.now);
                if (!keepDeferring(ctx, more.events().size(), more.sinceMillis())) {
                    ctx.s = ctx.s.withDeferred(more);
                    flushDeferred(ctx, flushReason(ctx, more.events().size(), more.sinceMillis()));
                } else {
                    ctx.s = ctx.s.withDeferred(more).withStats(ctx.s.stats().deferred());
                    ctx.log(LogLevel.DEBUG, "rebase-deferred", "events", events.size(), "deferred", more.events().size(),
                            "pending", ctx.s.sync().pending().size());
                }
            } else if (!applyUpstream(ctx, events, adoptedBackendId, true)) {
                return;
            }
        } else if (adoptedBackendId != null) {
            ctx.s = ctx.s.withBackendId(adoptedBackendId);
            ctx.log(LogLevel.INFO, "backend-id-learned", "backendId", adoptedBackendId);
            ctx.effects.add(new LeaderEffect.Persist(List.of(), List.of(), List.of(), null, adoptedBackendId));
        }
        if (page.pageInfo() instanceof PageInfo.NoMore) {
            ctx.s = ctx.s.withPull(ctx.s.activePullId(), 0, true);
            if (config.pushResumePolicy() == PushResumePolicy.SUPERVISED
                    && ctx.s.push() instanceof PushLoop.Parked parked && parked.kind() == PushLoop.ParkReason.SERVER_AHEAD) {
                resume(ctx, "caught-up-after-server-ahead");
            }
        }
        dispatch(ctx);
    }

    /**
     * Merges upstream events that chain onto the upstream head and applies the result; a diverging result may be
     * deferred instead ({@link LeaderConfig.RebaseDeferral}) when {@code mayDefer}. False after a protocol error.
     */
    private boolean applyUpstream(Ctx ctx, List<Event> events, String adoptedBackendId, boolean mayDefer) {
        MergeResult result;
        try {
            result = ctx.s.sync().merge(new MergePayload.UpstreamAdvance(events), isClientOnly, true);
        } catch (SyncInvariantViolation violation) {
            pullProtocolError(ctx, violation.getMessage());
            return false;
        }
        if (adoptedBackendId != null) {
            ctx.s = ctx.s.withBackendId(adoptedBackendId);
            ctx.log(LogLevel.INFO, "backend-id-learned", "backendId", adoptedBackendId);
        }
        if (mayDefer && result instanceof MergeResult.Rebase && keepDeferring(ctx, events.size(), ctx.now)) {
            long token = ctx.newId();
            ctx.s = ctx.s.withDeferred(new DeferredUpstream(events, ctx.now, ctx.now, token, 1))
                    .withStats(ctx.s.stats().deferred());
            ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.REBASE_DEFERRAL, token,
                    ctx.now + config.rebaseDeferral().quietMillis()));
            if (adoptedBackendId != null) {
                ctx.effects.add(new LeaderEffect.Persist(List.of(), List.of(), List.of(), null, adoptedBackendId));
            }
            ctx.log(LogLevel.INFO, "rebase-deferred", "events", events.size(), "deferred", events.size(),
                    "pending", ctx.s.sync().pending().size(), "first", events.getFirst().seq().toString(),
                    "until", "upstream reaches " + deferThreshold(ctx) + " events, "
                            + config.rebaseDeferral().quietMillis() + " ms of quiet or "
                            + config.rebaseDeferral().capMillis() + " ms");
            return true;
        }
        long backendHead = events.getLast().seq().global();
        switch (result) {
            case MergeResult.Advance advance -> applyAdvance(ctx, events, advance, backendHead, adoptedBackendId);
            case MergeResult.Rebase rebase -> applyRebase(ctx, events, rebase, backendHead, adoptedBackendId);
            case MergeResult.Reject reject -> throw new IllegalStateException("an upstream advance never rejects");
        }
        return true;
    }

    /** Upstream events to accumulate before a deferred rebase runs: a fraction of the pending backlog. */
    private long deferThreshold(Ctx ctx) {
        return (long) Math.ceil(config.rebaseDeferral().fraction() * ctx.s.sync().pending().size());
    }

    /** Whether {@code deferredEvents} diverging upstream events, the first received at {@code since}, may wait. */
    private boolean keepDeferring(Ctx ctx, int deferredEvents, long since) {
        LeaderConfig.RebaseDeferral d = config.rebaseDeferral();
        return d.enabled() && config.pushResumePolicy() == PushResumePolicy.SUPERVISED && ctx.s.connected()
                && ctx.s.sync().pending().size() >= d.minPending() && deferredEvents < deferThreshold(ctx)
                && ctx.now - since < d.capMillis();
    }

    private String flushReason(Ctx ctx, int deferredEvents, long since) {
        if (!ctx.s.connected()) {
            return "disconnected";
        }
        if (ctx.now - since >= config.rebaseDeferral().capMillis()) {
            return "cap";
        }
        if (ctx.s.sync().pending().size() < config.rebaseDeferral().minPending()) {
            return "few-pending";
        }
        return deferredEvents >= deferThreshold(ctx) ? "threshold" : "quiet";
    }

    /** Applies the deferred upstream events, if any (one merge: at most one rebase), and resumes pushing. */
    private void flushDeferred(Ctx ctx, String reason) {
        flushDeferred(ctx, reason, true);
    }

    private void flushDeferred(Ctx ctx, String reason, boolean thenPush) {
        DeferredUpstream d = ctx.s.deferred();
        if (d == null) {
            return;
        }
        ctx.s = ctx.s.withDeferred(null);
        ctx.log(LogLevel.INFO, "rebase-deferral-end", "reason", reason, "deferred", d.events().size(),
                "pages", d.pages(), "deferredMillis", ctx.now - d.sinceMillis(),
                "pending", ctx.s.sync().pending().size());
        if (applyUpstream(ctx, d.events(), null, false) && thenPush) {
            dispatch(ctx);
        }
    }

    /** The one timer of a deferral: ends it at the cap or after quiet upstream, else looks again later. */
    private void onDeferralTimer(Ctx ctx, long token) {
        DeferredUpstream d = ctx.s.deferred();
        if (d == null || d.timerToken() != token) {
            return;
        }
        LeaderConfig.RebaseDeferral cfg = config.rebaseDeferral();
        if (ctx.now - d.sinceMillis() >= cfg.capMillis()) {
            flushDeferred(ctx, "cap");
        } else if (ctx.now - d.lastMillis() >= cfg.quietMillis()) {
            flushDeferred(ctx, "quiet");
        } else {
            long next = ctx.newId();
            ctx.s = ctx.s.withDeferred(d.withTimer(next));
            ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.REBASE_DEFERRAL, next,
                    Math.min(d.lastMillis() + cfg.quietMillis(), d.sinceMillis() + cfg.capMillis())));
        }
    }

    private void applyAdvance(Ctx ctx, List<Event> incoming, MergeResult.Advance advance, long backendHead,
            String adoptedBackendId) {
        ctx.s = ctx.s.withSync(advance.newState()).withStats(ctx.s.stats().advance());
        EventSeq tail = EventSeq.max(ctx.s.logTail(), advance.newState().upstreamHead());
        if (!advance.confirmedEvents().isEmpty()) {
            tail = EventSeq.max(tail, advance.confirmedEvents().getLast().seq());
        }
        ctx.s = ctx.s.withLogTail(tail);
        List<Event> alreadyLogged = incoming.subList(0, incoming.size() - advance.newEvents().size());
        ctx.effects.add(new LeaderEffect.Persist(List.of(), advance.newEvents(), alreadyLogged, backendHead,
                adoptedBackendId));
        if (!advance.newEvents().isEmpty()) {
            ctx.effects.add(new LeaderEffect.NotifySessions(new MergePayload.UpstreamAdvance(advance.newEvents()),
                    advance.newState().localHead()));
        }
        if (!advance.confirmedEvents().isEmpty()) {
            ctx.s = ctx.s.withProgress(ctx.now);
        }
        ctx.log(LogLevel.INFO, "pull-advance", "events", incoming.size(),
                "first", incoming.getFirst().seq().toString(), "last", incoming.getLast().seq().toString(),
                "confirmed", advance.confirmedEvents().size(), "newEvents", advance.newEvents().size());
        switch (config.pushResumePolicy()) {
            case REBASE_ONLY -> { }
            case ON_ADVANCE -> restartPushing(ctx, "upstream-advance");
            case SUPERVISED -> resume(ctx, "upstream-advance");
        }
    }

    /**
     * LiveStore 0.4.0's {@code restartBackendPushing}, run on every non-empty pull page: the running push attempt is
     * superseded (its result will be ignored), the loop restarts from the pending list (the push cursor is dropped,
     * so acked events whose echo is still coming are offered again; the server answers them with ServerAhead, which
     * parks until the next page). Terminal parks stay.
     */
    private void restartPushing(Ctx ctx, String reason) {
        PushLoop loop = ctx.s.push();
        if (loop instanceof PushLoop.Parked parked && parked.terminal()) {
            return;
        }
        ctx.s = ctx.s.withPush(PushLoop.IDLE).withPushCursor(null).withBackoffAttempt(0);
        if (!(loop instanceof PushLoop.Idle)) {
            ctx.s = ctx.s.withStats(ctx.s.stats().resume());
            ctx.log(LogLevel.INFO, "push-loop-resume", "reason", reason, "from", loop.label());
        }
    }

    private void applyRebase(Ctx ctx, List<Event> incoming, MergeResult.Rebase rebase, long backendHead,
            String adoptedBackendId) {
        SyncState after = rebase.newState();
        int newUpstream = rebase.newEvents().size() - after.pending().size();
        List<Event> alreadyLogged = incoming.subList(0, incoming.size() - newUpstream);
        ctx.s = ctx.s.withSync(after).withStats(ctx.s.stats().rebase()).withProgress(ctx.now)
                .withLogTail(EventSeq.max(ctx.s.logTail(), after.upstreamHead()));
        ctx.effects.add(new LeaderEffect.Persist(rebase.rollbackEvents(), rebase.newEvents(), alreadyLogged,
                backendHead, adoptedBackendId));
        ctx.effects.add(new LeaderEffect.NotifySessions(
                new MergePayload.UpstreamRebase(rebase.rollbackEvents(), rebase.newEvents()), after.localHead()));
        ctx.log(LogLevel.INFO, "pull-rebase", "events", incoming.size(),
                "first", incoming.getFirst().seq().toString(), "last", incoming.getLast().seq().toString(),
                "rolledBack", rebase.rollbackEvents().size(), "rebased", after.pending().size());
        // Every policy restarts pushing on a rebase. An attempt still in flight pushed pre-rebase positions that
        // upstream has now taken, so the server must answer it with ServerAhead: superseding it loses nothing.
        if (!(ctx.s.push() instanceof PushLoop.Parked parked && parked.terminal())) {
            String from = ctx.s.push().label();
            boolean wasHealthy = ctx.s.push() instanceof PushLoop.Idle;
            ctx.s = ctx.s.withPush(PushLoop.IDLE).withPushCursor(null).withBackoffAttempt(0);
            if (!wasHealthy) {
                ctx.s = ctx.s.withStats(ctx.s.stats().resume());
                ctx.log(LogLevel.INFO, "push-loop-resume", "reason", "upstream-rebase", "from", from);
            }
        }
    }

    /** Null when {@code events} chain onto {@code cursor} one by one, else what is wrong. */
    private static String chainProblem(long cursor, List<Event> events) {
        long expectedParent = cursor;
        for (Event e : events) {
            if (e.seq().client() != 0 || e.parent().global() != expectedParent
                    || e.seq().global() != expectedParent + 1) {
                return "pulled event " + e.seq() + "←" + e.parent() + " does not chain onto e" + expectedParent;
            }
            expectedParent = e.seq().global();
        }
        return null;
    }

    private void pullProtocolError(Ctx ctx, String problem) {
        ctx.s = ctx.s.withStats(ctx.s.stats().protocolError()).withPull(0, ctx.s.pullAttempt(), false);
        ctx.log(LogLevel.ERROR, "pull-protocol-error", "problem", problem);
        schedulePullRetry(ctx);
    }

    private void onPullFailed(Ctx ctx, long pullId, SyncError error) {
        if (pullId != ctx.s.activePullId()) {
            return;
        }
        ctx.s = ctx.s.withPull(0, ctx.s.pullAttempt(), false);
        if (error instanceof SyncError.BackendIdMismatch mismatch) {
            onBackendReset(ctx, mismatch);
            return;
        }
        if (error instanceof SyncError.Refused refused) {
            // Retrying a pull the server refused for good is a loop, never a recovery. cursor-ahead means the server
            // lost events this client saw (restored from an older copy, or acks a crash erased): like a reset, this
            // client's log no longer matches the server's, and only a new local store can sync with it again.
            stopForGood(ctx, refused, refused.code().equals("cursor-ahead")
                    ? "the server has fewer events than this client saw (restored from an older copy?); pushing on "
                            + "would fork the store, so syncing stopped; the local data stays readable"
                    : "the server refuses this client's pulls; fix the configuration (token, store id) and restart");
            return;
        }
        ctx.log(LogLevel.WARN, "pull-error", "error", error.describe());
        if (ctx.s.connected()) {
            schedulePullRetry(ctx, error instanceof SyncError.RateLimited limited ? limited.retryAfterMillis() : 0);
        }
    }

    private void schedulePullRetry(Ctx ctx) {
        schedulePullRetry(ctx, 0);
    }

    private void schedulePullRetry(Ctx ctx, long atLeastMillis) {
        long delay = Math.max(atLeastMillis, backoffDelay(ctx, ctx.s.pullAttempt()));
        ctx.s = ctx.s.withPull(ctx.s.activePullId(), ctx.s.pullAttempt() + 1, ctx.s.caughtUp());
        ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.PULL_RETRY, ctx.newId(), ctx.now + delay));
        ctx.log(LogLevel.INFO, "pull-retry-scheduled", "delayMillis", delay);
    }

    // ---------------------------------------------------------------- the push loop (leader -> backend)

    /**
     * Sends what may be sent: one push when none is in flight, and, once the server said it enforces push chains on
     * this connection, further pushes chained onto the last one in flight, up to {@link LeaderConfig#pushWindow()}.
     */
    private void dispatch(Ctx ctx) {
        while (true) {
            LeaderState s = ctx.s;
            if (s.fatalError() != null || !s.connected() || !s.caughtUp() || s.deferred() != null) {
                return; // while upstream events are deferred, the server is ahead of us: a push would be refused
            }
            List<PushLoop.Attempt> window;
            if (s.push() instanceof PushLoop.Idle) {
                window = List.of();
            } else if (s.push() instanceof PushLoop.InFlight inFlight && inFlight.window().size() < windowLimit(s)) {
                window = inFlight.window();
            } else {
                return;
            }
            EventSeq after = window.isEmpty() ? s.pushCursor() : window.getLast().batch().getLast().seq();
            List<Event> batch = nextBatch(s, after);
            if (batch.isEmpty()) {
                return;
            }
            Optional<String> never = config.pushLimits().neverAccepted(batch.getFirst());
            if (never.isPresent()) {
                if (window.isEmpty()) {
                    parkForGood(ctx, PushLoop.ParkReason.NEVER_ACCEPTED, "event " + batch.getFirst().seq()
                            + " can never be pushed: " + never.get());
                }
                return; // behind a window: parked once the pushes before it are done
            }
            long attemptId = ctx.newId();
            List<PushLoop.Attempt> next = new ArrayList<>(window);
            next.add(new PushLoop.Attempt(attemptId, batch, ctx.now));
            boolean chained = !window.isEmpty();
            ctx.s = ctx.s.withPush(new PushLoop.InFlight(next)).withStats(ctx.s.stats().sent());
            if (chained) {
                ctx.s = ctx.s.withStats(ctx.s.stats().pipelined());
            }
            ctx.effects.add(new LeaderEffect.SendPush(attemptId, batch, ctx.s.backendId(), chained));
            if (!chained) {
                armPushTimeout(ctx, attemptId);
            }
            ctx.log(LogLevel.INFO, "backend-push-batch", "attemptId", attemptId, "size", batch.size(),
                    "first", batch.getFirst().seq().toString(), "last", batch.getLast().seq().toString(),
                    "inFlight", chained ? next.size() : null);
        }
    }

    /**
     * Only the oldest push in flight is timed, from when it was sent or, once it became the oldest, from the answer
     * to the one before it: the server answers one socket's pushes one at a time, so a later push of a window waits
     * for the earlier ones, and timing it from when it was sent would time out a healthy server's tail of the
     * window whenever window x per-push time exceeds the timeout.
     */
    private void armPushTimeout(Ctx ctx, long attemptId) {
        if (config.pushResumePolicy() == PushResumePolicy.SUPERVISED) {
            ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.PUSH_TIMEOUT, attemptId,
                    ctx.now + config.pushTimeoutMillis()));
        }
    }

    /** How many pushes may be in flight: the configured window once the server enforces push chains, else one. */
    private int windowLimit(LeaderState s) {
        return s.chainsEnforced() && config.pushResumePolicy() == PushResumePolicy.SUPERVISED ? config.pushWindow() : 1;
    }

    /**
     * The synced pending events after {@code cursor} (the push cursor, or the last event in flight), as many as one
     * push may carry: at most the configured batch size, the backend's event limit and what a size refusal taught,
     * and at most {@code maxBatchBytes} of encoded events. The first event is always taken (an event too large on its
     * own is caught by {@link #dispatch}).
     */
    private List<Event> nextBatch(LeaderState s, EventSeq cursor) {
        PushLimits limits = config.pushLimits();
        int maxEvents = Math.min(config.backendPushBatchSize(), limits.maxEvents());
        if (s.learnedMaxEvents() > 0) {
            maxEvents = Math.min(maxEvents, s.learnedMaxEvents());
        }
        boolean countBytes = limits.maxBatchBytes() != Long.MAX_VALUE;
        List<Event> batch = new ArrayList<>();
        long bytes = 0;
        for (Event e : s.sync().pending()) {
            if (isClientOnly(e) || (cursor != null && !e.seq().isGreaterThan(cursor))) {
                continue;
            }
            if (countBytes) {
                long size = PushLimits.eventBytes(e) + (batch.isEmpty() ? 0 : 1);
                if (!batch.isEmpty() && bytes + size > limits.maxBatchBytes()) {
                    break;
                }
                bytes += size;
            }
            batch.add(e);
            if (batch.size() == maxEvents) {
                break;
            }
        }
        return batch;
    }

    private void onPushAccepted(Ctx ctx, long attemptId, boolean chainsEnforced) {
        int index = ctx.s.push() instanceof PushLoop.InFlight inFlight ? inFlight.indexOf(attemptId) : -1;
        if (index < 0) {
            ctx.log(LogLevel.DEBUG, "backend-push-ok-superseded", "attemptId", attemptId);
            return;
        }
        List<PushLoop.Attempt> window = ((PushLoop.InFlight) ctx.s.push()).window();
        // A server that enforces chains stores a chained push only after the push before it: an acceptance out of
        // order (never seen over one socket) confirms the attempts before it too.
        PushLoop.Attempt attempt = window.get(index);
        List<PushLoop.Attempt> rest = window.subList(index + 1, window.size());
        LeaderStats stats = ctx.s.stats();
        for (int i = 0; i <= index; i++) {
            stats = stats.accepted();
        }
        ctx.s = ctx.s.withPush(rest.isEmpty() ? PushLoop.IDLE : new PushLoop.InFlight(rest))
                .withPushCursor(attempt.batch().getLast().seq()).withBackoffAttempt(0)
                .withProgress(ctx.now).withStats(stats)
                .withChainsEnforced(ctx.s.chainsEnforced() || chainsEnforced);
        if (!rest.isEmpty()) {
            armPushTimeout(ctx, rest.getFirst().attemptId()); // the next one is the oldest now
        }
        ctx.log(LogLevel.INFO, "backend-push-ok", "attemptId", attemptId, "size", attempt.batch().size(),
                "last", attempt.batch().getLast().seq().toString(), "millis", ctx.now - attempt.sinceMillis(),
                "confirmedBefore", index > 0 ? index : null);
        dispatch(ctx);
    }

    private void onPushFailed(Ctx ctx, long attemptId, SyncError error) {
        int index = ctx.s.push() instanceof PushLoop.InFlight inFlight ? inFlight.indexOf(attemptId) : -1;
        if (index < 0) {
            ctx.log(LogLevel.DEBUG, "backend-push-error-superseded", "attemptId", attemptId, "error", error.describe());
            return;
        }
        // The first failure fails the whole window: the server stores none of the pushes chained after a refused
        // one, and the push cursor still names the last acknowledged event, so all of them are sent again.
        PushLoop.InFlight inFlight = (PushLoop.InFlight) ctx.s.push();
        List<Event> batch = inFlight.window().get(index).batch();
        ctx.s = ctx.s.withPush(PushLoop.IDLE).withStats(ctx.s.stats().pushError());
        ctx.log(LogLevel.WARN, "backend-push-error", "attemptId", attemptId, "error", error.describe(),
                "size", batch.size(), "first", batch.getFirst().seq().toString(),
                "windowDropped", inFlight.window().size() > 1 ? inFlight.window().size() : null);
        PushResumePolicy policy = config.pushResumePolicy();
        switch (error) {
            case SyncError.BackendIdMismatch mismatch -> onBackendReset(ctx, mismatch);
            case SyncError.ServerAhead ahead -> {
                park(ctx, PushLoop.ParkReason.SERVER_AHEAD, "");
                if (policy == PushResumePolicy.SUPERVISED && ctx.s.deferred() == null) {
                    // Re-pull from the persisted cursor: its catch-up brings the events that explain the rejection
                    // (even when they arrived on the live pull before the rejection did), and its NoMore page
                    // resumes the loop. Nothing else has to happen upstream. With deferred upstream events the
                    // explanation is in hand already, and the end of the deferral resumes the loop.
                    startPull(ctx);
                }
            }
            case SyncError.Offline offline -> {
                if (policy == PushResumePolicy.REBASE_ONLY) {
                    park(ctx, PushLoop.ParkReason.OFFLINE, "");
                } else {
                    backoff(ctx, "offline"); // LiveStore 0.4.0 retries IsOfflineError with backoff, forever
                }
            }
            case SyncError.RateLimited limited -> {
                if (policy == PushResumePolicy.REBASE_ONLY) {
                    retryOrDie(ctx, error);
                } else {
                    backoff(ctx, error.describe(), limited.retryAfterMillis()); // never sooner than the server asked
                }
            }
            case SyncError.Transient t -> retryOrDie(ctx, error);
            case SyncError.Timeout t -> retryOrDie(ctx, error);
            case SyncError.Refused refused -> onPushRefused(ctx, batch, refused);
            case SyncError.EventRefused refused -> onEventRefused(ctx, batch, refused);
        }
    }

    /**
     * The server's validator refused one event of the batch and stored nothing of it. The refused event leaves the
     * pending events for good (its effects are rolled back, the events after it move up one position), the app is
     * told, and the others are pushed again: a refusal never becomes a retry loop and never takes other events down.
     */
    private void onEventRefused(Ctx ctx, List<Event> batch, SyncError.EventRefused refused) {
        Event target = null;
        for (Event e : ctx.s.sync().pending()) {
            if (e.seq().client() == 0 && e.seq().global() == refused.seqNum() && !isClientOnly(e)) {
                target = e;
                break;
            }
        }
        boolean inBatch = false;
        for (Event e : batch) {
            inBatch |= e.seq().global() == refused.seqNum();
        }
        if (target == null || !inBatch) {
            // the server named an event this batch did not carry: a server bug; never drop anything on its word
            ctx.log(LogLevel.ERROR, "event-refused-unknown", "seqNum", refused.seqNum(), "reason", refused.reason());
            parkForGood(ctx, PushLoop.ParkReason.REFUSED, "the server refused e" + refused.seqNum()
                    + ", which was not in the pushed batch");
            return;
        }
        MergeResult.Rebase without = ctx.s.sync().withoutPending(target, ctx.s.logTail(), isClientOnly);
        ctx.s = ctx.s.withSync(without.newState()).withPush(PushLoop.IDLE).withPushCursor(null).withBackoffAttempt(0)
                .withProgress(ctx.now);
        ctx.effects.add(new LeaderEffect.Persist(without.rollbackEvents(), without.newEvents(), List.of(), null, null));
        ctx.effects.add(new LeaderEffect.NotifySessions(
                new MergePayload.UpstreamRebase(without.rollbackEvents(), without.newEvents()),
                without.newState().localHead()));
        ctx.effects.add(new LeaderEffect.ReportRefused(target, refused.reason()));
        ctx.log(LogLevel.WARN, "event-refused", "seq", target.seq().toString(), "name", target.name(),
                "reason", refused.reason(), "rolledBack", without.rollbackEvents().size(),
                "rebased", without.newEvents().size());
        dispatch(ctx);
    }

    /**
     * The server refused the batch for a reason retrying cannot fix, so the identical batch is never sent again.
     * A refusal for its size with more than one event halves the batch limit and pushes at once (the smaller batch
     * differs from the refused one); a single event refused for its size, or any other refusal, parks the loop for
     * good: visible in the status and the log, pulls go on, nothing pending is dropped.
     */
    private void onPushRefused(Ctx ctx, List<Event> batch, SyncError.Refused refused) {
        boolean sizeRefusal = WireErrorCode.fromWire(refused.code()).map(WireErrorCode::sizeRefusal).orElse(false);
        if (sizeRefusal && batch.size() > 1) {
            int smaller = Math.max(1, batch.size() / 2);
            ctx.s = ctx.s.withLearnedMaxEvents(smaller);
            ctx.log(LogLevel.WARN, "push-batch-split", "code", refused.code(), "refusedSize", batch.size(),
                    "maxEvents", smaller, "message", refused.message());
            dispatch(ctx);
            return;
        }
        parkForGood(ctx, sizeRefusal ? PushLoop.ParkReason.NEVER_ACCEPTED : PushLoop.ParkReason.REFUSED,
                refused.code() + ": " + refused.message() + (sizeRefusal ? "; event " + batch.getFirst().seq()
                + " can never be pushed to this server" : ""));
    }

    /** Parks the push loop for good (pulls continue): only a new store or a restarted app can push again. */
    private void parkForGood(Ctx ctx, PushLoop.ParkReason kind, String detail) {
        PushLoop.Parked parked = new PushLoop.Parked(kind, detail, ctx.now, true);
        String reason = parked.reason();
        ctx.s = ctx.s.withPush(parked).withStats(ctx.s.stats().park());
        ctx.log(LogLevel.ERROR, "push-loop-stopped", "reason", reason,
                "hint", "pending events stay in the local log; pulling goes on");
    }

    private void retryOrDie(Ctx ctx, SyncError error) {
        if (config.pushResumePolicy() == PushResumePolicy.REBASE_ONLY) {
            // LiveStore before the fix: the pushing fiber fails and onError='ignore' swallows it.
            park(ctx, PushLoop.ParkReason.PUSH_LOOP_DEAD, error.describe());
        } else {
            backoff(ctx, error.describe());
        }
    }

    private void park(Ctx ctx, PushLoop.ParkReason kind, String detail) {
        PushLoop.Parked parked = new PushLoop.Parked(kind, detail, ctx.now, false);
        String reason = parked.reason();
        ctx.s = ctx.s.withPush(parked).withStats(ctx.s.stats().park());
        ctx.log(LogLevel.WARN, "push-loop-park", "reason", reason);
    }

    private void backoff(Ctx ctx, String reason) {
        backoff(ctx, reason, 0);
    }

    private void backoff(Ctx ctx, String reason, long atLeastMillis) {
        int attempt = ctx.s.backoffAttempt();
        long delay = Math.max(atLeastMillis, backoffDelay(ctx, attempt));
        long token = ctx.newId();
        ctx.s = ctx.s.withPush(new PushLoop.Backoff(attempt + 1, ctx.now + delay, reason, token))
                .withBackoffAttempt(attempt + 1);
        ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.BACKOFF, token, ctx.now + delay));
        ctx.log(LogLevel.WARN, "push-loop-backoff", "reason", reason, "attempt", attempt + 1, "delayMillis", delay);
    }

    /** {@code min(base * 2^attempt, cap)}, with jitter in [50%, 100%] under SUPERVISED. */
    private long backoffDelay(Ctx ctx, int attempt) {
        long base = config.backoffBaseMillis();
        long cap = config.backoffCapMillis();
        long delay = attempt >= 40 ? cap : Math.min(cap, base << Math.min(attempt, 40));
        if (config.pushResumePolicy() == PushResumePolicy.SUPERVISED && delay > 1) {
            long next = splitMix(ctx.s.rng());
            ctx.s = ctx.s.withRng(next);
            long half = delay / 2;
            delay = half + Math.floorMod(next, delay - half + 1);
        }
        return delay;
    }

    private static long splitMix(long x) {
        long z = x + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Resumes a parked (non-terminal) or backing-off loop and reseeds it from the pending list. */
    private void resume(Ctx ctx, String reason) {
        PushLoop loop = ctx.s.push();
        boolean resumable = loop instanceof PushLoop.Backoff
                || (loop instanceof PushLoop.Parked parked && !parked.terminal());
        if (!resumable) {
            return;
        }
        ctx.s = ctx.s.withPush(PushLoop.IDLE).withPushCursor(null).withBackoffAttempt(0)
                .withStats(ctx.s.stats().resume());
        ctx.log(LogLevel.INFO, "push-loop-resume", "reason", reason, "from", loop.label());
    }

    /**
     * The server's backend id changed: the store there was reset. Under {@code SHUTDOWN} syncing stops for good.
     * Otherwise the client follows the new store: one transaction drops the local log and state, the pending events
     * ({@code REHOME_PENDING}) or nothing ({@code RESET_LOCAL}) are renumbered from the root in a new generation and
     * re-applied as pending, and a pull from the start brings the new store's events, over which they rebase and are
     * pushed as usual.
     */
    private void onBackendReset(Ctx ctx, SyncError.BackendIdMismatch mismatch) {
        BackendResetPolicy policy = config.backendResetPolicy();
        String serverId = mismatch.expected();
        if (policy == BackendResetPolicy.SHUTDOWN || serverId == null || serverId.isEmpty()) {
            stopForGood(ctx, mismatch);
            return;
        }
        ctx.s = ctx.s.withDeferred(null); // events of the old store, which the reset drops anyway
        SyncState before = ctx.s.sync();
        boolean keep = policy == BackendResetPolicy.REHOME_PENDING;
        SyncState fresh = keep ? new SyncState(before.pending(), EventSeq.ROOT, before.localHead())
                .rebasedOnto(EventSeq.ROOT, isClientOnly) : SyncState.initial(EventSeq.ROOT);
        ctx.effects.add(new LeaderEffect.ResetLocal(serverId, fresh.pending()));
        ctx.effects.add(new LeaderEffect.NotifySessions(
                new MergePayload.UpstreamRebase(before.pending(), fresh.pending()), fresh.localHead()));
        ctx.s = ctx.s.withSync(fresh).withBackendId(serverId).withPush(PushLoop.IDLE).withPushCursor(null)
                .withBackoffAttempt(0).withLogTail(EventSeq.ROOT).withPull(0, 0, false).withProgress(ctx.now)
                .withStats(ctx.s.stats().rebase());
        ctx.log(LogLevel.WARN, "backend-reset-followed", "policy", policy.name().toLowerCase(java.util.Locale.ROOT),
                "newBackendId", serverId, "previousBackendId", mismatch.received(),
                "droppedConfirmedUpTo", before.upstreamHead().toString(), "rehomed", keep ? fresh.pending().size() : 0,
                "droppedPending", keep ? 0 : before.pending().size());
        if (ctx.s.connected()) {
            startPull(ctx);
        }
    }

    private void stopForGood(Ctx ctx, SyncError error) {
        stopForGood(ctx, error, "the backend was reset; this client's data no longer matches it");
    }

    private void stopForGood(Ctx ctx, SyncError error, String hint) {
        flushDeferred(ctx, "sync-stopped", false); // what was received is applied, as it would have been at once
        String reason = error.describe();
        ctx.s = ctx.s.withFatal(reason).withPush(new PushLoop.Parked(PushLoop.ParkReason.SYNC_STOPPED, reason, ctx.now,
                true))
                .withPull(0, ctx.s.pullAttempt(), false).withStats(ctx.s.stats().park());
        ctx.log(LogLevel.ERROR, "sync-stopped", "reason", reason, "hint", hint);
    }

    // ---------------------------------------------------------------- timers

    private void onTimer(Ctx ctx, TimerKind kind, long token) {
        switch (kind) {
            case BACKOFF -> {
                if (ctx.s.push() instanceof PushLoop.Backoff backoff && backoff.timerToken() == token) {
                    ctx.s = ctx.s.withPush(PushLoop.IDLE).withStats(ctx.s.stats().resume());
                    ctx.log(LogLevel.INFO, "push-loop-resume", "reason", "backoff-elapsed", "from", "backoff");
                    dispatch(ctx);
                }
            }
            case PUSH_TIMEOUT -> {
                if (ctx.s.push() instanceof PushLoop.InFlight inFlight && inFlight.attemptId() == token) {
                    onPushFailed(ctx, token, new SyncError.Timeout(config.pushTimeoutMillis()));
                }
            }
            case PULL_RETRY -> {
                if (ctx.s.activePullId() == 0 && ctx.s.connected() && ctx.s.fatalError() == null) {
                    startPull(ctx);
                }
            }
            case WATCHDOG -> onWatchdog(ctx);
            case REBASE_DEFERRAL -> onDeferralTimer(ctx, token);
        }
    }

    private void onWatchdog(Ctx ctx) {
        if (config.pushResumePolicy() != PushResumePolicy.SUPERVISED || ctx.s.fatalError() != null) {
            return;
        }
        ctx.effects.add(new LeaderEffect.SetTimer(TimerKind.WATCHDOG, ctx.newId(),
                ctx.now + config.watchdogIntervalMillis()));
        long pending = ctx.s.pendingSynced(isClientOnly);
        long quietFor = ctx.now - ctx.s.lastProgressMillis();
        if (!ctx.s.connected() || pending == 0 || quietFor < config.stallAfterMillis()
                || (ctx.s.push() instanceof PushLoop.Parked parked && parked.terminal())) {
            return;
        }
        ctx.s = ctx.s.withStats(ctx.s.stats().stall()).withProgress(ctx.now);
        ctx.log(LogLevel.WARN, "push-stall-suspected", "pending", pending, "quietMillis", quietFor,
                "loop", ctx.s.push().label(), "action", "re-pull from the persisted cursor and resume pushing");
        String from = ctx.s.push().label();
        ctx.s = ctx.s.withPush(PushLoop.IDLE).withPushCursor(null).withBackoffAttempt(0)
                .withStats(ctx.s.stats().resume());
        ctx.log(LogLevel.INFO, "push-loop-resume", "reason", "watchdog", "from", from);
        startPull(ctx);
    }
}
