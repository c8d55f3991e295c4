package io.livesync.client;

import io.livesync.core.EventSeq;
import io.livesync.core.MergePayload;
import io.livesync.core.leader.LocalPushOutcome;
import io.livesync.core.session.SessionLogic;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The imperative shell around {@link SessionLogic}: one virtual thread, one input queue (commits, leader payloads,
 * push results, timer resumes), in FIFO order. The leader's payload that explains a rejection is always queued before
 * the rejection itself, which is what lets the session's fence resolve by itself.
 */
final class SessionDriver {

    private final SessionLogic logic;
    private final LeaderDriver leader;
    private final ScheduledExecutorService timers;
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Map<Long, CompletableFuture<Void>> openCommits = new HashMap<>();
    private final ReentrantLock commitsLock = new ReentrantLock();
    private volatile SessionLogic.State state;
    private volatile String failure;
    private long nextCommitId = 1;
    private Thread thread;

    private record Stop() {}

    /** The leader stopped; queued behind every payload the leader sent before it stopped. */
    private record LeaderFailed(String reason) {}

    private final java.util.function.BiConsumer<String, Object> inputHook;

    SessionDriver(SessionLogic logic, LeaderDriver leader, ScheduledExecutorService timers,
            java.util.function.BiConsumer<String, Object> inputHook) {
        this.logic = logic;
        this.leader = leader;
        this.timers = timers;
        this.inputHook = inputHook;
    }

    void start() {
        EventSeq head = leader.register(this).join();
        state = SessionLogic.State.initial(head);
        thread = io.livesync.core.Threads.startVirtual("livesync-session-" + logic.sessionId(), this::run);
    }

    SessionLogic.State state() {
        return state;
    }

    /** Numbers and submits a commit; the future completes when the leader applied (durably) all of its events. */
    CompletableFuture<Void> commit(List<SessionLogic.PartialEvent> events) {
        logic.validate(events);
        CompletableFuture<Void> done = new CompletableFuture<>();
        commitsLock.lock();
        try {
            if (failure != null) {
                done.completeExceptionally(new StoreException("the store stopped: " + failure));
                return done;
            }
            long id = nextCommitId++;
            openCommits.put(id, done);
            queue.add(new SessionLogic.Input.Commit(id, List.copyOf(events)));
        } finally {
            commitsLock.unlock();
        }
        return done;
    }

    void postPayload(MergePayload payload, EventSeq leaderHead) {
        queue.add(new SessionLogic.Input.LeaderPayload(payload, leaderHead));
    }

    void postPushResult(long pushId, LocalPushOutcome outcome) {
        queue.add(new SessionLogic.Input.PushResult(pushId, outcome));
    }

    /**
     * The leader stopped: new commits fail at once; open commits fail only once the session has processed every
     * payload the leader sent before it stopped. A commit the leader had already stored is confirmed by such a
     * payload and completes normally (the app is never told "failed" for data that is stored and will sync); what is
     * left open then was never stored (a commit is always stored in one transaction).
     */
    void leaderFailed(String reason) {
        commitsLock.lock();
        try {
            if (failure == null) {
                failure = reason;
            }
        } finally {
            commitsLock.unlock();
        }
        queue.add(new LeaderFailed(reason));
    }

    private void failOpenCommits(String reason) {
        commitsLock.lock();
        try {
            if (failure == null) {
                failure = reason;
            }
            for (CompletableFuture<Void> open : openCommits.values()) {
                open.completeExceptionally(new StoreException("the store stopped before this commit was stored: "
                        + reason));
            }
            openCommits.clear();
        } finally {
            commitsLock.unlock();
        }
    }

    /** Waits (bounded) for every open commit, then stops the session thread. */
    void stop(long timeoutMillis) {
        List<CompletableFuture<Void>> open;
        commitsLock.lock();
        try {
            open = List.copyOf(openCommits.values());
        } finally {
            commitsLock.unlock();
        }
        try {
            CompletableFuture.allOf(open.toArray(CompletableFuture[]::new)).get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            // reported by the commits themselves
        }
        queue.add(new Stop());
        try {
            if (thread != null) {
                thread.join(timeoutMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        leader.unregister(this);
    }

    private void run() {
        try {
            while (true) {
                Object item = queue.take();
                inputHook.accept(logic.sessionId(), item);
                if (item instanceof Stop) {
                    return;
                }
                if (item instanceof LeaderFailed failed) {
                    failOpenCommits(failed.reason());
                    continue;
                }
                SessionLogic.Step step = logic.step(state, (SessionLogic.Input) item);
                state = step.state();
                for (SessionLogic.Effect effect : step.effects()) {
                    execute(effect);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failOpenCommits("session " + logic.sessionId() + " failed: " + e);
        }
    }

    private void execute(SessionLogic.Effect effect) {
        switch (effect) {
            case SessionLogic.Effect.PushToLeader push -> leader.submit(this, push.pushId(), push.events());
            case SessionLogic.Effect.CompleteCommit complete -> {
                CompletableFuture<Void> done;
                commitsLock.lock();
                try {
                    done = openCommits.remove(complete.commitId());
                } finally {
                    commitsLock.unlock();
                }
                if (done != null) {
                    done.complete(null);
                }
            }
            case SessionLogic.Effect.ScheduleResume resume -> {
                try {
                    timers.schedule(() -> queue.add(new SessionLogic.Input.ResumeAfterRebase(resume.epoch())),
                            resume.millis(), TimeUnit.MILLISECONDS);
                } catch (RejectedExecutionException closing) {
                    // the store is closing
                }
            }
            case SessionLogic.Effect.Log log -> leader.logSession(log.event(), log.detail());
        }
    }
}
