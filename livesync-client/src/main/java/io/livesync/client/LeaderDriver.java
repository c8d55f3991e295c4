package io.livesync.client;

import io.livesync.core.LogLevel;
import io.livesync.core.Event;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncException;
import io.livesync.core.leader.LeaderEffect;
import io.livesync.core.leader.LeaderInput;
import io.livesync.core.leader.LeaderLogic;
import io.livesync.core.leader.LeaderShell;
import io.livesync.core.leader.LeaderState;
import io.livesync.core.leader.PullPages;
import io.livesync.core.leader.PushLoop;
import io.livesync.core.backend.SyncError;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The imperative shell around {@link LeaderLogic}: one virtual thread takes inputs from one queue and hands each to
 * the {@link LeaderShell} (the effect interpreter the simulator runs too) over this class's ports. Backend calls run elsewhere and post their results back as inputs,
 * so no lock is held across IO and the state is only ever touched by this thread. Consecutive session pushes are
 * coalesced into one step of at most {@code localPushBatchSize} events (one transaction).
 *
 * <p>If a transaction fails (a materializer throws, an unknown event under {@link UnknownEventPolicy#FAIL}), the
 * step's new state is discarded, the database is unchanged, and the leader stops: it reports the failure in
 * {@link SyncStatus#failure()} and fails every waiting commit. It never half-applies a step.
 */
final class LeaderDriver {

    private sealed interface Item {
        record Input(LeaderInput input, CompletableFuture<Void> processed) implements Item {
            Input(LeaderInput input) {
                this(input, null);
            }
        }

        record Push(SessionDriver session, long sessionPushId, List<Event> events) implements Item {}

        record Control(Runnable action) implements Item {}

        record Stop() implements Item {}
    }

    private record PushOwner(SessionDriver session, long sessionPushId) {}

    /** Most upstream events merged into one step (one transaction) by {@link #drainPages}. */
    static final int MAX_COALESCED_UPSTREAM = 10_000;

    private final ClientDatabase db;
    private final LeaderLogic logic;
    private final SyncBackend backend;
    private final int localPushBatchSize;
    private final JsonLog log;
    private final String node;
    private final String storeId;
    private final LongSupplier clock;
    private final ScheduledExecutorService timers;
    private final Consumer<Set<String>> onTablesChanged;
    private final Consumer<LeaderEffect.ReportRefused> onRefused;
    private final LinkedBlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final List<SessionDriver> sessions = new CopyOnWriteArrayList<>();
    private final Map<Long, PushOwner> pushOwners = new HashMap<>();
    private final LeaderShell shell;
    private volatile LeaderState state;
    private volatile String failure;
    /** Why the last attempt to connect failed, until a connection succeeds (null when none failed). */
    private volatile String connectionProblem;
    private long nextLeaderPushId = 1;
    private SyncBackend.PullSubscription pull;
    private Thread thread;

    LeaderDriver(ClientDatabase db, LeaderLogic logic, LeaderState initial, SyncBackend backend, int localPushBatchSize,
            JsonLog log, String node, String storeId, LongSupplier clock, ScheduledExecutorService timers,
            Consumer<Set<String>> onTablesChanged, Consumer<LeaderEffect.ReportRefused> onRefused) {
        this.db = db;
        this.logic = logic;
        this.state = initial;
        this.backend = backend;
        this.localPushBatchSize = localPushBatchSize;
        this.log = log;
        this.node = node;
        this.storeId = storeId;
        this.clock = clock;
        this.timers = timers;
        this.onTablesChanged = onTablesChanged;
        this.onRefused = onRefused;
        this.shell = new LeaderShell(logic, initial, new Ports());
    }

    void start() {
        thread = io.livesync.core.Threads.unstartedVirtual("livesync-leader-" + node, this::run,
                (t, e) -> fail("leader thread crashed: " + e, e));
        thread.start();
        post(new LeaderInput.Start());
        if (backend != null) {
            backend.start(new SyncBackend.ConnectionListener() {
                @Override
                public void connected() {
                    connectionProblem = null;
                    post(new LeaderInput.Connected());
                }

                @Override
                public void disconnected(String cause) {
                    post(new LeaderInput.Disconnected(cause));
                }

                @Override
                public void connectFailed(String cause) {
                    connectionProblem = cause;
                    writeLog(state, LogLevel.WARN, "connect-failed", Map.of("cause", cause));
                }
            });
        }
    }

    LeaderState state() {
        return state;
    }

    String failure() {
        return failure;
    }

    String connectionProblem() {
        return connectionProblem;
    }

    LeaderLogic logic() {
        return logic;
    }

    /** Registers a session atomically with reading the leader's head; payloads after this go to its queue. */
    CompletableFuture<EventSeq> register(SessionDriver session) {
        CompletableFuture<EventSeq> head = new CompletableFuture<>();
        queue.add(new Item.Control(() -> {
            sessions.add(session);
            head.complete(state.sync().localHead());
        }));
        return head;
    }

    void unregister(SessionDriver session) {
        sessions.remove(session);
    }

    void submit(SessionDriver session, long sessionPushId, List<Event> events) {
        queue.add(new Item.Push(session, sessionPushId, events));
    }

    private void post(LeaderInput input) {
        queue.add(new Item.Input(input));
    }

    /** Stops the leader after the inputs already queued; waits for it. */
    void stop() {
        queue.add(new Item.Stop());
        try {
            if (thread != null) {
                thread.join(TimeUnit.SECONDS.toMillis(30));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (pull != null) {
            pull.cancel();
        }
    }

    private void run() {
        try {
            while (true) {
                Item item = queue.take();
                switch (item) {
                    case Item.Stop stop -> {
                        return;
                    }
                    case Item.Control control -> control.action().run();
                    case Item.Input input when input.input() instanceof LeaderInput.PullPage page -> drainPages(input, page);
                    case Item.Input input -> {
                        handleSafely(input.input());
                        if (input.processed() != null) {
                            input.processed().complete(null);
                        }
                    }
                    case Item.Push push -> handleSafely(coalesce(push));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Steps {@code first} together with the pages of the same pull queued right behind it, as one page
     * ({@link PullPages}): a burst of upstream events costs one rebase and one transaction. Each page's flow-control
     * completion fires once the merged page was applied.
     */
    private void drainPages(Item.Input first, LeaderInput.PullPage page) {
        List<LeaderInput.PullPage> pages = new ArrayList<>();
        List<CompletableFuture<Void>> processed = new ArrayList<>();
        pages.add(page);
        processed.add(first.processed());
        int events = page.events().size();
        while (events < MAX_COALESCED_UPSTREAM && queue.peek() instanceof Item.Input next
                && next.input() instanceof LeaderInput.PullPage nextPage && PullPages.canMerge(page, nextPage)) {
            queue.poll();
            pages.add(nextPage);
            processed.add(next.processed());
            events += nextPage.events().size();
        }
        handleSafely(PullPages.merge(pages));
        for (CompletableFuture<Void> done : processed) {
            if (done != null) {
                done.complete(null);
            }
        }
    }

    private LeaderInput coalesce(Item.Push first) {
        List<LeaderInput.LocalPush> pushes = new ArrayList<>();
        int total = 0;
        Item.Push next = first;
        while (true) {
            long id = nextLeaderPushId++;
            pushOwners.put(id, new PushOwner(next.session(), next.sessionPushId()));
            pushes.add(new LeaderInput.LocalPush(id, next.events()));
            total += next.events().size();
            if (!(queue.peek() instanceof Item.Push candidate) || total + candidate.events().size() > localPushBatchSize) {
                break;
            }
            queue.poll();
            next = candidate;
        }
        return new LeaderInput.LocalPushes(pushes);
    }

    private void handleSafely(LeaderInput input) {
        try {
            handle(input);
        } catch (RuntimeException e) {
            fail("the leader failed on " + input.getClass().getSimpleName() + ": " + e, e);
        }
    }

    private void handle(LeaderInput input) {
        if (failure != null) {
            if (input instanceof LeaderInput.LocalPushes pushes) {
                for (LeaderInput.LocalPush push : pushes.pushes()) {
                    PushOwner owner = pushOwners.remove(push.pushId());
                    if (owner != null) {
                        owner.session().leaderFailed(failure);
                    }
                }
            }
            return;
        }
        if (shell.handle(input, clock.getAsLong()) instanceof LeaderShell.Outcome.PersistFailed failed) {
            fail(failed.error().getMessage(), failed.error()); // the database did not change
        }
    }

    /** The leader's ports: the database, the sessions, the backend, the timers and the log. */
    private final class Ports implements LeaderShell.Ports {
        private Set<String> touched = Set.of();

        @Override
        public void persist(LeaderEffect.Persist persist) {
            Set<String> tables = db.persist(persist, warning -> writeLog(shell.state(), LogLevel.WARN,
                    "unknown-event-skipped", Map.of("detail", warning)));
            if (!tables.isEmpty()) {
                Set<String> all = new java.util.HashSet<>(touched);
                all.addAll(tables);
                touched = all;
            }
        }

        @Override
        public void resetLocal(LeaderEffect.ResetLocal reset) {
            Set<String> tables = db.resetTo(reset.backendId(), reset.reapply());
            Set<String> all = new java.util.HashSet<>(touched);
            all.addAll(tables);
            touched = all;
        }

        @Override
        public void published(LeaderState before, LeaderState after, LeaderInput input) {
            state = after;
            if (backend != null) {
                backend.reportStatus(new io.livesync.core.wire.WireFrames.ClientStatus(node,
                        after.pendingSynced(logic::isClientOnly), after.push().label(),
                        after.push() instanceof PushLoop.Parked parked ? parked.reason()
                                : after.push() instanceof PushLoop.Backoff backoff ? backoff.reason() : "",
                        after.sync().upstreamHead().global(), after.stats().stallsSuspected()));
            }
            Set<String> changed = touched;
            touched = Set.of();
            if (!changed.isEmpty()) {
                onTablesChanged.accept(changed);
            }
        }

        @Override
        public void sendPush(LeaderEffect.SendPush send) {
            long attemptId = send.attemptId();
            CompletableFuture<SyncBackend.PushAck> future;
            try {
                future = backend.push(toWire(send.batch()), send.backendId(), send.chainsOnPrevious());
            } catch (RuntimeException e) {
                future = CompletableFuture.failedFuture(e);
            }
            future.whenComplete((ack, error) -> post(error == null
                    ? new LeaderInput.PushAccepted(attemptId, ack != null && ack.chainsEnforced())
                    : new LeaderInput.PushFailed(attemptId, toSyncError(error))));
        }

        @Override
        public void startPull(LeaderEffect.StartPull pull) {
            LeaderDriver.this.startPull(pull);
        }

        @Override
        public void notifySessions(LeaderEffect.NotifySessions notify) {
            for (SessionDriver session : sessions) {
                session.postPayload(notify.payload(), notify.leaderHead());
            }
        }

        @Override
        public void completeLocalPush(LeaderEffect.CompleteLocalPush complete) {
            PushOwner owner = pushOwners.remove(complete.pushId());
            if (owner != null) {
                owner.session().postPushResult(owner.sessionPushId(), complete.outcome());
            }
        }

        @Override
        public void setTimer(LeaderEffect.SetTimer timer) {
            long delay = Math.max(0, timer.atMillis() - clock.getAsLong());
            LeaderInput fired = new LeaderInput.TimerFired(timer.kind(), timer.token());
            try {
                timers.schedule(() -> post(fired), delay, TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // the store is closing
            }
        }

        @Override
        public void reportRefused(LeaderEffect.ReportRefused refused) {
            onRefused.accept(refused);
        }

        @Override
        public void log(LeaderState current, LeaderEffect.Log entry) {
            writeLog(current, entry.level(), entry.event(), entry.fields());
        }
    }

    private void startPull(LeaderEffect.StartPull start) {
        if (pull != null) {
            pull.cancel();
            pull = null;
        }
        if (backend == null) {
            return;
        }
        long pullId = start.pullId();
        boolean live = start.live();
        try {
            pull = backend.pull(start.cursor(), start.backendId(), live, new SyncBackend.PullListener() {
                @Override
                public java.util.concurrent.CompletionStage<Void> page(List<Event> events, PageInfo pageInfo,
                        String backendId) {
                    CompletableFuture<Void> processed = new CompletableFuture<>();
                    queue.add(new Item.Input(new LeaderInput.PullPage(pullId, events, pageInfo, backendId), processed));
                    return processed;
                }

                @Override
                public void failed(SyncError error) {
                    post(new LeaderInput.PullFailed(pullId, error));
                }

                @Override
                public void ended() {
                    if (live) {
                        post(new LeaderInput.PullFailed(pullId, new SyncError.Transient("the live pull was ended")));
                    }
                }
            });
        } catch (RuntimeException e) {
            post(new LeaderInput.PullFailed(pullId, toSyncError(e)));
        }
    }

    private static List<Event> toWire(List<Event> batch) {
        List<Event> wire = new ArrayList<>(batch.size());
        for (Event e : batch) {
            wire.add(new Event(EventSeq.ofGlobal(e.seq().global()), EventSeq.ofGlobal(e.parent().global()), e.name(),
                    e.args(), e.clientId(), e.sessionId(), EventMeta.NONE));
        }
        return wire;
    }

    static SyncError toSyncError(Throwable error) {
        Throwable t = error;
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof SyncException se) {
            return se.error();
        }
        return new SyncError.Transient(String.valueOf(t));
    }

    private void fail(String message, Throwable cause) {
        failure = message;
        writeLog(state, LogLevel.ERROR, "leader-failed",
                Map.of("error", message, "cause", String.valueOf(cause)));
        for (SessionDriver session : sessions) {
            session.leaderFailed(message);
        }
        for (PushOwner owner : pushOwners.values()) {
            owner.session().leaderFailed(message);
        }
        pushOwners.clear();
    }

    void writeLog(LeaderState s, LogLevel level, String event, Map<String, ?> fields) {
        Map<String, Object> all = new LinkedHashMap<>();
        all.put("upstreamHead", s.sync().upstreamHead().toString());
        all.put("localHead", s.sync().localHead().toString());
        all.put("pending", s.sync().pendingCount());
        all.put("loop", s.push().label());
        if (s.push() instanceof PushLoop.Parked parked) {
            all.put("loopReason", parked.reason());
        }
        all.putAll(fields);
        log.write(level, node, storeId, event, all);
    }

    void logSession(String event, String detail) {
        writeLog(state, LogLevel.INFO, event, Map.of("detail", detail));
    }
}
