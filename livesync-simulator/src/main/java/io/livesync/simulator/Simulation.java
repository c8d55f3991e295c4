package io.livesync.simulator;

import io.livesync.core.LogLevel;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.ArgsValidator;
import io.livesync.core.Event;
import io.livesync.core.EventDefinition;
import io.livesync.core.EventMeta;
import io.livesync.core.EventSeq;
import io.livesync.core.PageInfo;
import io.livesync.core.Schema;
import io.livesync.core.SyncState;
import io.livesync.core.backend.Arbitration;
import io.livesync.core.leader.LeaderConfig;
import io.livesync.core.leader.LeaderEffect;
import io.livesync.core.leader.LeaderInput;
import io.livesync.core.leader.LeaderLogic;
import io.livesync.core.leader.LeaderShell;
import io.livesync.core.leader.PushLimits;
import io.livesync.core.transport.ConnectionLifecycle;
import io.livesync.core.wire.WireLimits;
import io.livesync.core.leader.LeaderState;
import io.livesync.core.leader.LocalPushOutcome;
import io.livesync.core.leader.PushLoop;
import io.livesync.core.leader.PushResumePolicy;
import io.livesync.core.backend.SyncError;
import io.livesync.core.session.SessionLogic;
import io.livesync.core.wire.WireErrors;
import io.livesync.core.wire.WireFrames;
import io.livesync.hub.InMemoryEventStore;
import io.livesync.hub.PushChain;
import io.livesync.hub.PushValidator;
import io.livesync.hub.StoreHub;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A deterministic simulation of N clients and the sync server, running the code that ships: each client is the REAL
 * {@link LeaderLogic} under the shipped effect interpreter ({@link LeaderShell}), the REAL {@link SessionLogic} and the
 * REAL transport state machine ({@link ConnectionLifecycle}); the server is one or two instances of the REAL
 * {@link StoreHub} over one {@link InMemoryEventStore} (as several server instances over one PostgreSQL database,
 * with one instance's appends announced to the other late, in order, or lost while its LISTEN is down), with the
 * real push validator path. Virtual time, and ONE seeded random source deciding every choice (which event runs next is fixed by virtual time and a sequence number; delays, faults
 * and the workload come from the random source). Same seed, same trace, byte for byte.
 *
 * <p>Network model: a client's connection carries messages in order in each direction (delivery times never decrease
 * on one connection; different connections interleave freely). A dropped connection gets a new epoch; whatever was in
 * flight on the old one is lost. Faults: lost acks (stored and published, then the connection drops), dropped
 * connections, duplicate pushes, slow messages, server restarts (durable log kept), client crashes (the durable state
 * is the local log plus backend head and id, since each leader step is one transaction) and partitions that heal.
 *
 * <p>A run is a chaos phase ({@code steps} events with faults and commits) and a quiet phase (faults off, network
 * healed, crashed clients restarted, no commits) in which every client must converge within a virtual-time budget.
 * The checker runs on every step where it applies and at the end; the first violation stops the run.
 */
public final class Simulation {

    /**
     * How one run is set up. {@code policy} null means a random policy per client among {@code on-advance} and
     * {@code supervised} (exploration: on-advance has known stalls, see docs/simulation.md).
     */
    public record Config(long seed, int clients, int steps, PushResumePolicy policy, SimFaults faults, boolean trace,
            int commitsPerClient) {
        public Config {
            if (clients < 1 || clients > 26 || steps < 1 || commitsPerClient < 0) {
                throw new IllegalArgumentException("need 1..26 clients, steps >= 1, commitsPerClient >= 0");
            }
        }
    }

    /** A broken invariant: where, what, and the last trace lines. */
    public record Violation(long step, String invariant, String detail, List<String> lastTrace) {
        public String render(long seed) {
            StringBuilder sb = new StringBuilder("VIOLATION seed=" + seed + " step=" + step + " invariant=" + invariant
                    + "\n  " + detail + "\n  last " + lastTrace.size() + " trace lines:\n");
            lastTrace.forEach(l -> sb.append("    ").append(l).append('\n'));
            return sb.toString();
        }
    }

    /** What a run exercised. */
    public record Coverage(long pushErrorThenAdvanceOnly, long rebases, long lostAcks, long serverRestarts,
            long crashes, long partitions, long drops, long duplicates, long commits, long serverEvents,
            long silentPartitions, long pingTimeouts, long staleFrames, long diskFailures, long refusals,
            long twoInstanceRuns, long delayedAnnouncements, long lostAnnouncements, long listenOutages,
            long pushesDuringCatchUp, long upgrades, long rebuilds, long pipelinedPushes, long chainBrokenRefusals) {

        /** Nothing exercised. */
        public static final Coverage NONE = new Coverage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0);

        /** The sum of two coverages (a sweep's total). */
        public Coverage plus(Coverage o) {
            return new Coverage(pushErrorThenAdvanceOnly + o.pushErrorThenAdvanceOnly, rebases + o.rebases,
                    lostAcks + o.lostAcks, serverRestarts + o.serverRestarts, crashes + o.crashes,
                    partitions + o.partitions, drops + o.drops, duplicates + o.duplicates, commits + o.commits,
                    serverEvents + o.serverEvents, silentPartitions + o.silentPartitions, pingTimeouts + o.pingTimeouts,
                    staleFrames + o.staleFrames, diskFailures + o.diskFailures, refusals + o.refusals,
                    twoInstanceRuns + o.twoInstanceRuns, delayedAnnouncements + o.delayedAnnouncements,
                    lostAnnouncements + o.lostAnnouncements, listenOutages + o.listenOutages,
                    pushesDuringCatchUp + o.pushesDuringCatchUp, upgrades + o.upgrades, rebuilds + o.rebuilds,
                    pipelinedPushes + o.pipelinedPushes, chainBrokenRefusals + o.chainBrokenRefusals);
        }
    }

    /** The outcome of a run. */
    public record Result(long seed, Violation violation, Coverage coverage, long steps, long virtualMillis,
            String traceHash, List<String> trace) {
        public boolean passed() {
            return violation == null;
        }
    }

    private static final long QUIET_BUDGET_MILLIS = 600_000;

    private final Config config;
    private final SimComponents components;
    private final SplittableRandom random;
    private final PriorityQueue<Scheduled> queue = new PriorityQueue<>();
    private final List<SimClient> clients = new ArrayList<>();
    static final String STORE = "sim-store";
    static final String BACKEND_ID = "sim-backend";
    /** The database the server instances share (durable across server restarts). */
    private final InMemoryEventStore db = new InMemoryEventStore(() -> BACKEND_ID);
    private final List<ServerInstance> instances = new ArrayList<>();
    /** Ids of the events the validator refused (never in the log). */
    private final Set<String> refusedIds = new HashSet<>();
    private boolean serverUp = true;
    /** Pulls of any instance between their registration and their join with the live stream. */
    private int pullsCatchingUp;
    /** The wall clock the hubs stamp {@code createdAt} with: virtual time. */
    private final java.time.Clock wallClock = new java.time.Clock() {
        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public java.time.Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(1_767_225_600_000L + now);
        }
    };
    private final ArrayDeque<String> lastTrace = new ArrayDeque<>();
    private final List<String> fullTrace = new ArrayList<>();
    private final MessageDigest traceDigest;
    private long now;
    private long seq;
    private long step;
    private boolean quiet;
    private SimFaults faults;
    private Violation violation;
    private long covPushErrorThenAdvance, covRebases, covLostAcks, covRestarts, covCrashes, covPartitions, covDrops,
            covDuplicates, covCommits, covSilentPartitions, covPingTimeouts, covStaleFrames, covDiskFailures, covRefusals,
            covTwoInstanceRuns, covDelayedAnnouncements, covLostAnnouncements, covListenOutages,
            covPushesDuringCatchUp, covUpgrades, covRebuilds, covPipelinedPushes, covChainBrokenRefusals;

    private record Scheduled(long time, long seq, Runnable action) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int byTime = Long.compare(time, o.time);
            return byTime != 0 ? byTime : Long.compare(seq, o.seq);
        }
    }

    private Simulation(Config config, SimComponents components) {
        this.config = config;
        this.components = components;
        this.random = new SplittableRandom(config.seed());
        this.faults = config.faults();
        try {
            this.traceDigest = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Result run(Config config) {
        return new Simulation(config, SimComponents.SHIPPED).execute();
    }

    /** A run with some shipped component replaced (tests proving the simulator catches a re-introduced bug). */
    static Result run(Config config, SimComponents components) {
        return new Simulation(config, components).execute();
    }

    // ------------------------------------------------------------------ model

    /** A connection between a client and the server; {@code epoch} identifies it, delivery times are FIFO per way. */
    private static final class Conn {
        /** The socket's generation in the client's connection lifecycle. */
        final long epoch;
        /** The server instance the socket reached. */
        final ServerInstance instance;
        /** The pulls the server runs for this socket: cancelled when it closes. */
        final List<StoreHub.Subscription> pulls = new ArrayList<>();
        /** What the server made of this socket's last push: pipelined pushes are stored only on top of it. */
        final PushChain chain = new PushChain();
        boolean open = true;
        /** Until then messages on this link vanish without a close (a silent partition). */
        long silentUntil = -1;
        long lastUp;
        long lastDown;

        Conn(long epoch, ServerInstance instance) {
            this.epoch = epoch;
            this.instance = instance;
        }

        /** The socket closed: the server ends its pulls at once. */
        void close() {
            open = false;
            pulls.forEach(StoreHub.Subscription::cancel);
            pulls.clear();
        }
    }

    /** What the server accepts in one push; pushes are measured as a real server measures them. */
    static final WireLimits SERVER_LIMITS = new WireLimits(4096, 100, 1024, 64);
    /** The bytes of a push frame around its events, as the simulated clients encode it. */
    static final int PUSH_ENVELOPE_BYTES = 200;

    /** One server instance: the shipped hub over its own connection to the shared store. */
    private final class ServerInstance {
        final String name;
        final InMemoryEventStore.Instance view;
        StoreHub hub;
        /** Bumped at each restart: work of an older hub is abandoned. */
        long generation;
        boolean listenDown;
        long lastAnnouncementAt;

        ServerInstance(String name) {
            this.name = name;
            this.view = db.instance((from, storeId, head, backendId) -> announce(this, head, backendId));
        }
    }

    private final class SimSession {
        final SessionLogic logic;
        SessionLogic.State state;
        final Map<Long, List<String>> open = new TreeMap<>();
        long nextCommitId = 1;
        int createdTodos;
        final List<String> todoIds = new ArrayList<>();
        long lastLocal;

        SimSession(SessionLogic logic, EventSeq head) {
            this.logic = logic;
            this.state = SessionLogic.State.initial(head);
        }
    }

    private final class SimClient {
        final String name;
        final PushResumePolicy policy;
        final int backendPushBatchSize;
        /** Most pushes in flight (pipelined once the hub said it enforces push chains: it always does here). */
        final int pushWindow;
        LeaderLogic logic;
        final int commitBatchSize;
        final int leaderPushBatchSize;
        final long slowMillis;
        // durable
        final List<Event> log = new ArrayList<>();
        long backendHead;
        String backendId;
        /** The app's schema version installed ({@link SimSchemas}). */
        int version;
        /** The materialized state, changed in the same step as {@code log}. */
        final SimClientState materialized = new SimClientState();
        boolean upgradeOnRestart;
        // volatile (lost on crash)
        LeaderState state;
        SimComponents.Interpreter shell;
        ConnectionLifecycle.State lc;
        final List<SimSession> sessions = new ArrayList<>();
        final Map<Long, SimSession> pushOwners = new TreeMap<>();
        final Map<Long, Long> pushOwnerIds = new TreeMap<>();
        long nextLeaderPushId = 1;
        long incarnation;
        long lastToLeader;
        Conn conn;
        long connEpochs;
        boolean crashed;
        long partitionedUntil = -1;
        boolean errorSinceUpstream;
        boolean leaderFailed;
        final Set<String> refusedReported = new HashSet<>();
        // checker
        final List<String> completed = new ArrayList<>();

        SimClient(String name, PushResumePolicy policy, int backendPushBatchSize, int commitBatchSize,
                int leaderPushBatchSize, long slowMillis, int version, int pushWindow) {
            this.name = name;
            this.pushWindow = pushWindow;
            this.policy = policy;
            this.backendPushBatchSize = backendPushBatchSize;
            this.commitBatchSize = commitBatchSize;
            this.leaderPushBatchSize = leaderPushBatchSize;
            this.slowMillis = slowMillis;
            this.version = version;
            this.logic = leaderLogic();
        }

        /** The leader of the installed app version. */
        LeaderLogic leaderLogic() {
            return new LeaderLogic(LeaderConfig.builder(SimSchemas.schema(version)).pushResumePolicy(policy)
                    .backendPushBatchSize(backendPushBatchSize).pushWindow(pushWindow).backoff(200, 5000)
                    .pushTimeoutMillis(4000)
                    .stallAfterMillis(8000).watchdogIntervalMillis(1000)
                    .pushLimits(components.clientsKnowServerLimits()
                            ? PushLimits.forServer(SERVER_LIMITS, PUSH_ENVELOPE_BYTES) : PushLimits.UNLIMITED)
                    .build());
        }
    }

    // ------------------------------------------------------------------ the run

    private Result execute() {
        int serverInstances = random.nextBoolean() ? 2 : 1;
        for (int i = 0; i < serverInstances; i++) {
            ServerInstance inst = new ServerInstance("server-" + (i + 1));
            instances.add(inst);
            startHub(inst);
        }
        if (serverInstances > 1) {
            covTwoInstanceRuns++;
        }
        trace("setup", "server", serverInstances + " instance(s) over one store");
        int[] batches = {1, 2, 10, 100};
        for (int i = 0; i < config.clients(); i++) {
            PushResumePolicy policy = config.policy() != null ? config.policy()
                    : random.nextBoolean() ? PushResumePolicy.ON_ADVANCE : PushResumePolicy.SUPERVISED;
            // drawn apart from the run's random stream, so that adding them left the rest of every seed's run as it
            // was: the push window, and one client in five on the default 100 events per push
            SplittableRandom apart = new SplittableRandom(config.seed() * 31 + i);
            int pushWindow = new int[] {1, 2, 4, 8}[apart.nextInt(4)];
            int backendBatch = new int[] {1, 2, 10, 50}[random.nextInt(4)];
            if (apart.nextInt(5) == 0) {
                backendBatch = 100;
            }
            SimClient c = new SimClient("client-" + (char) ('a' + i), policy, backendBatch,
                    batches[random.nextInt(4)], batches[random.nextInt(4)], random.nextInt(10) == 0 ? 40 : 0,
                    random.nextBoolean() ? 1 : 2, pushWindow);
            clients.add(c);
            trace("setup", c.name, "policy=" + policy.cliName() + " backendPush=" + c.logic.config().backendPushBatchSize()
                    + " commitBatch=" + c.commitBatchSize + " leaderPush=" + c.leaderPushBatchSize + " slow="
                    + c.slowMillis + " schema=v" + c.version + " pushWindow=" + c.pushWindow);
            boot(c);
        }
        for (SimClient c : clients) {
            for (int k = 0; k < config.commitsPerClient(); k++) {
                long at = random.nextLong(Math.max(1, config.steps() * 5L));
                schedule(at, () -> commit(c));
            }
        }
        schedule(1000, this::faultTick);

        while (violation == null && step < config.steps() && !queue.isEmpty()) {
            runNext();
        }
        if (violation == null) {
            startQuietPhase();
            long deadline = now + QUIET_BUDGET_MILLIS;
            long nextCheck = now;
            while (violation == null && !queue.isEmpty() && now <= deadline) {
                runNext();
                if (now >= nextCheck) {
                    nextCheck = now + 200;
                    if (converged()) {
                        break;
                    }
                }
            }
            if (violation == null && !converged()) {
                violate("liveness", (queue.isEmpty()
                        ? "nothing is left to happen (no message, no timer) at t=" + now + " ms"
                        : "still not converged " + QUIET_BUDGET_MILLIS / 1000 + " s (virtual)")
                        + " after the network healed, and events are pending: " + describeClients());
            }
            if (violation == null) {
                checkFinal();
            }
        }
        Coverage coverage = new Coverage(covPushErrorThenAdvance, covRebases, covLostAcks, covRestarts, covCrashes,
                covPartitions, covDrops, covDuplicates, covCommits, serverHead(), covSilentPartitions,
                covPingTimeouts, covStaleFrames, covDiskFailures, covRefusals, covTwoInstanceRuns,
                covDelayedAnnouncements, covLostAnnouncements, covListenOutages, covPushesDuringCatchUp, covUpgrades,
                covRebuilds, covPipelinedPushes, covChainBrokenRefusals);
        return new Result(config.seed(), violation, coverage, step, now,
                HexFormat.of().formatHex(traceDigest.digest()), config.trace() ? fullTrace : List.copyOf(lastTrace));
    }

    private void runNext() {
        Scheduled next = queue.poll();
        now = Math.max(now, next.time());
        step++;
        next.action().run();
    }

    private void schedule(long delay, Runnable action) {
        queue.add(new Scheduled(now + Math.max(0, delay), seq++, action));
    }

    private void scheduleAt(long time, Runnable action) {
        queue.add(new Scheduled(Math.max(now, time), seq++, action));
    }

    private long networkDelay(SimClient c) {
        long d = 1 + random.nextInt(5) + c.slowMillis;
        if (!quiet && random.nextDouble() < faults.delay()) {
            d += 20 + random.nextInt(200);
        }
        return d;
    }

    // ------------------------------------------------------------------ clients

    private void boot(SimClient c) {
        c.incarnation++;
        c.crashed = false;
        if (c.upgradeOnRestart) {
            c.upgradeOnRestart = false;
            c.version++;
            c.logic = c.leaderLogic();
            covUpgrades++;
            trace("boot", c.name, "the app now runs schema v" + c.version);
        }
        openState(c);
        EventSeq localHead = EventSeq.ofGlobal(c.backendHead);
        if (!c.log.isEmpty()) {
            localHead = EventSeq.max(localHead, c.log.getLast().seq());
        }
        List<Event> pending = new ArrayList<>();
        for (Event e : c.log) {
            if (e.seq().global() > c.backendHead || (e.seq().global() == c.backendHead && e.seq().client() > 0)) {
                pending.add(e);
            }
        }
        c.state = LeaderState.initial(new SyncState(pending, EventSeq.ofGlobal(c.backendHead), localHead), c.backendId,
                random.nextLong());
        c.shell = components.leader().create(c.logic, c.state, new SimPorts(c));
        c.sessions.clear();
        c.pushOwners.clear();
        c.pushOwnerIds.clear();
        int sessions = 1 + (random.nextInt(4) == 0 ? 1 : 0);
        for (int i = 0; i < sessions; i++) {
            c.sessions.add(new SimSession(new SessionLogic(SimSchemas.schema(c.version), c.name, c.name + "-s" + c.incarnation + "-" + i,
                    c.leaderPushBatchSize, 0), c.state.sync().localHead()));
        }
        feedLeader(c, new LeaderInput.Start());
        c.lc = ConnectionLifecycle.State.initial(random.nextLong());
        transport(c, new ConnectionLifecycle.Input.Start(), null);
        schedulePing(c);
    }

    // ------------------------------------------------------------------ the client's transport

    /**
     * One step of the client's connection lifecycle (the shipped {@code ConnectionLifecycle}), running its effects the
     * way {@code WebSocketSyncBackend} does: frames reach the leader only when the machine delivers them, so frames of
     * a superseded socket, ping timeouts and reconnects are simulated events.
     */
    private void transport(SimClient c, ConnectionLifecycle.Input input, Runnable delivery) {
        ConnectionLifecycle.Step st = components.transport().step(c.lc, input, now);
        c.lc = st.state();
        if (input instanceof ConnectionLifecycle.Input.Frame
                && st.effects().stream().noneMatch(ConnectionLifecycle.Effect.Deliver.class::isInstance)) {
            covStaleFrames++;
            trace("transport", c.name, "stale frame of socket " + ((ConnectionLifecycle.Input.Frame) input).generation()
                    + " dropped");
        }
        if (input instanceof ConnectionLifecycle.Input.PingTick
                && st.effects().stream().anyMatch(ConnectionLifecycle.Effect.AbortSocket.class::isInstance)) {
            covPingTimeouts++;
        }
        for (ConnectionLifecycle.Effect effect : st.effects()) {
            if (violation != null || c.crashed) {
                return;
            }
            switch (effect) {
                case ConnectionLifecycle.Effect.OpenSocket open -> openSocket(c, open.generation());
                case ConnectionLifecycle.Effect.SendPing ping -> {
                    Conn conn = c.conn;
                    if (conn != null && conn.open && conn.epoch == ping.generation()) {
                        toServer(c, () -> toClient(c, conn, () -> { })); // the server's Pong
                    }
                }
                case ConnectionLifecycle.Effect.AbortSocket abort -> closeLink(c, abort.generation(), "aborted");
                case ConnectionLifecycle.Effect.CloseSocket close -> closeLink(c, close.generation(), "closed");
                case ConnectionLifecycle.Effect.Deliver deliver -> {
                    if (delivery != null) {
                        delivery.run();
                    }
                }
                case ConnectionLifecycle.Effect.AnnounceConnected connected -> {
                    if (c.state.connected()) {
                        violate("transport-announcements-alternate", c.name + " heard connected while connected");
                        return;
                    }
                    feedLeader(c, new LeaderInput.Connected());
                }
                case ConnectionLifecycle.Effect.AnnounceDisconnected disconnected -> {
                    if (!c.state.connected()) {
                        violate("transport-announcements-alternate", c.name + " heard disconnected while disconnected");
                        return;
                    }
                    feedLeader(c, new LeaderInput.Disconnected(disconnected.cause()));
                }
                case ConnectionLifecycle.Effect.FailInFlight fail -> {
                    // the transport fails whatever was in flight on the socket
                    if (c.state.push() instanceof PushLoop.InFlight inFlight) {
                        feedLeader(c, new LeaderInput.PushFailed(inFlight.attemptId(),
                                new SyncError.Offline(fail.cause())));
                    }
                }
                case ConnectionLifecycle.Effect.ScheduleReconnect reconnect -> {
                    long incarnation = c.incarnation;
                    schedule(reconnect.delayMillis(), () -> {
                        if (c.incarnation == incarnation && !c.crashed) {
                            transport(c, new ConnectionLifecycle.Input.ReconnectDue(reconnect.token()), null);
                        }
                    });
                }
                case ConnectionLifecycle.Effect.Log log -> trace("transport", c.name, log.event() + " " + log.detail());
            }
        }
    }

    private void openSocket(SimClient c, long generation) {
        long incarnation = c.incarnation;
        schedule(networkDelay(c), () -> {
            if (c.incarnation != incarnation || c.crashed) {
                return;
            }
            if (!serverUp || now < c.partitionedUntil) {
                transport(c, new ConnectionLifecycle.Input.SocketFailedToOpen(generation,
                        serverUp ? "partitioned" : "server down"), null);
                return;
            }
            if (c.conn != null && c.conn.open) {
                closeLink(c, c.conn.epoch, "superseded");
            }
            c.conn = new Conn(generation, instances.get(random.nextInt(instances.size())));
            c.connEpochs++;
            transport(c, new ConnectionLifecycle.Input.SocketOpened(generation), null);
        });
    }

    /** The client closes socket {@code generation}: the server forgets its subscriptions at once. */
    private void closeLink(SimClient c, long generation, String why) {
        Conn conn = c.conn;
        if (conn != null && conn.open && conn.epoch == generation) {
            conn.close();
            c.conn = null;
            trace("net", c.name, "socket " + generation + " " + why + " by the client");
        }
    }

    private void schedulePing(SimClient c) {
        long incarnation = c.incarnation;
        schedule(SimComponents.PING_MILLIS, () -> {
            if (c.incarnation == incarnation && !c.crashed) {
                transport(c, new ConnectionLifecycle.Input.PingTick(), null);
                schedulePing(c);
            }
        });
    }

    /** The network or the server closes the link; the client's transport hears of it a moment later. */
    private void drop(SimClient c, String why) {
        Conn conn = c.conn;
        if (conn == null || !conn.open) {
            return;
        }
        conn.close();
        c.conn = null;
        trace("net", c.name, "connection dropped: " + why);
        long incarnation = c.incarnation;
        schedule(1, () -> {
            if (c.incarnation == incarnation && !c.crashed) {
                transport(c, new ConnectionLifecycle.Input.SocketLost(conn.epoch, why), null);
            }
        });
    }

    private void commit(SimClient c) {
        if (c.crashed || quiet || c.sessions.isEmpty()) {
            return;
        }
        SimSession s = c.sessions.get(random.nextInt(c.sessions.size()));
        int n = 1 + random.nextInt(c.commitBatchSize);
        List<SessionLogic.PartialEvent> events = new ArrayList<>();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (random.nextInt(10) == 0) {
                events.add(new SessionLogic.PartialEvent("v1.UiFilterSet",
                        JsonNodeFactory.instance.objectNode().put("filter", "f" + random.nextInt(3))));
            } else if (c.version >= 2 && !s.todoIds.isEmpty() && random.nextInt(4) == 0) {
                String id = s.logic.sessionId() + "-" + (s.createdTodos++);
                ids.add(id);
                events.add(new SessionLogic.PartialEvent("v2.TodoTagged", JsonNodeFactory.instance.objectNode()
                        .put("id", id).put("todo", s.todoIds.get(random.nextInt(s.todoIds.size())))
                        .put("tag", "g" + random.nextInt(5))));
            } else {
                String id = s.logic.sessionId() + "-" + (s.createdTodos++);
                ids.add(id);
                s.todoIds.add(id);
                events.add(new SessionLogic.PartialEvent("v1.TodoCreated",
                        JsonNodeFactory.instance.objectNode().put("id", id).put("text", "t")));
            }
        }
        covCommits++;
        long commitId = s.nextCommitId++;
        s.open.put(commitId, ids);
        trace("commit", c.name, "session=" + s.logic.sessionId() + " events=" + n + " ids=" + ids);
        feedSession(c, s, new SessionLogic.Input.Commit(commitId, events));
    }

    private void crash(SimClient c) {
        if (c.crashed) {
            return;
        }
        covCrashes++;
        trace("fault", c.name, "CRASH (durable log kept: " + c.log.size() + " events, backend head e" + c.backendHead + ")");
        drop(c, "client crashed");
        c.crashed = true;
        c.incarnation++;
        for (SimSession s : c.sessions) {
            s.open.clear(); // commits in progress never returned to the app
        }
        c.sessions.clear();
        long restartIn = 300 + random.nextInt(2000);
        schedule(restartIn, () -> {
            if (c.crashed) {
                trace("fault", c.name, "restart from durable state");
                boot(c);
            }
        });
    }

    private void feedSession(SimClient c, SimSession s, SessionLogic.Input input) {
        SessionLogic.Step st = s.logic.step(s.state, input);
        s.state = st.state();
        for (SessionLogic.Effect effect : st.effects()) {
            switch (effect) {
                case SessionLogic.Effect.PushToLeader push -> {
                    long id = c.nextLeaderPushId++;
                    c.pushOwners.put(id, s);
                    c.pushOwnerIds.put(id, push.pushId());
                    local(c, () -> feedLeader(c, new LeaderInput.LocalPushes(
                            List.of(new LeaderInput.LocalPush(id, push.events())))));
                }
                case SessionLogic.Effect.CompleteCommit done -> {
                    List<String> ids = s.open.remove(done.commitId());
                    if (ids != null) {
                        c.completed.addAll(ids);
                    }
                }
                case SessionLogic.Effect.ScheduleResume resume -> {
                    long incarnation = c.incarnation;
                    schedule(resume.millis(), () -> {
                        if (c.incarnation == incarnation) {
                            feedSession(c, s, new SessionLogic.Input.ResumeAfterRebase(resume.epoch()));
                        }
                    });
                }
                case SessionLogic.Effect.Log log -> trace("session", c.name, log.event() + " " + log.detail());
            }
        }
    }

    /** In-process delivery (session <-> leader): FIFO, small delay, dropped if the process crashed meanwhile. */
    private void local(SimClient c, Runnable action) {
        long incarnation = c.incarnation;
        long at = Math.max(now + random.nextInt(2), c.lastToLeader);
        c.lastToLeader = at;
        scheduleAt(at, () -> {
            if (c.incarnation == incarnation && !c.crashed) {
                action.run();
            }
        });
    }

    /** Every leader input goes through the production effect interpreter, over the simulator's ports. */
    private void feedLeader(SimClient c, LeaderInput input) {
        if (c.leaderFailed || c.crashed) {
            return; // a stopped leader takes no more inputs
        }
        if (c.shell.handle(input, now) instanceof LeaderShell.Outcome.PersistFailed failed
                && failed.error() instanceof DiskFailure) {
            leaderFailed(c);
        }
    }

    /** A transaction failed (the store is unchanged); thrown by the persist port under the disk-failure fault. */
    private static final class DiskFailure extends RuntimeException {
        DiskFailure() {
            super("disk failure", null, false, false);
        }
    }

    /**
     * The leader stopped on a failed transaction, as {@code LeaderDriver} does: each session still processes what the
     * leader sent it before, then fails its open commits (the app hears "failed"); the app restarts the process.
     */
    private void leaderFailed(SimClient c) {
        c.leaderFailed = true;
        trace("fault", c.name, "DISK FAILURE: the leader stops; open commits fail; the app restarts");
        for (SimSession s : List.copyOf(c.sessions)) {
            local(c, () -> s.open.clear());
        }
        local(c, () -> {
            c.leaderFailed = false;
            crash(c);
        });
    }

    /** Thrown by the persist port once a violation is recorded: the step is abandoned, as a failed transaction. */
    private static final class ViolationRecorded extends RuntimeException {
        ViolationRecorded() {
            super("violation recorded", null, false, false);
        }
    }

    /** The simulator's side of {@link LeaderShell.Ports}: the durable log, the network, sessions and timers. */
    private final class SimPorts implements LeaderShell.Ports {
        private final SimClient c;

        SimPorts(SimClient c) {
            this.c = c;
        }

        @Override
        public void persist(LeaderEffect.Persist p) {
            if (!quiet && random.nextDouble() < faults.diskFailure()) {
                covDiskFailures++;
                throw new DiskFailure();
            }
            Simulation.this.persist(c, p);
            if (violation != null) {
                throw new ViolationRecorded();
            }
        }

        @Override
        public void resetLocal(LeaderEffect.ResetLocal reset) {
            c.log.clear();
            c.log.addAll(reset.reapply());
            c.materialized.replay(c.version, c.log);
            c.backendHead = 0;
            c.backendId = reset.backendId();
        }

        @Override
        public void published(LeaderState before, LeaderState after, LeaderInput input) {
            c.state = after;
            checkHeads(c, before, after, input);
        }

        @Override
        public void sendPush(LeaderEffect.SendPush send) {
            Simulation.this.sendPush(c, send);
        }

        @Override
        public void startPull(LeaderEffect.StartPull pull) {
            sendPull(c, pull);
        }

        @Override
        public void notifySessions(LeaderEffect.NotifySessions notify) {
            for (SimSession s : List.copyOf(c.sessions)) {
                local(c, () -> feedSession(c, s, new SessionLogic.Input.LeaderPayload(notify.payload(),
                        notify.leaderHead())));
            }
        }

        @Override
        public void completeLocalPush(LeaderEffect.CompleteLocalPush done) {
            SimSession s = c.pushOwners.remove(done.pushId());
            Long sessionPushId = c.pushOwnerIds.remove(done.pushId());
            if (s != null) {
                local(c, () -> feedSession(c, s, new SessionLogic.Input.PushResult(sessionPushId, done.outcome())));
            }
            if (done.outcome() instanceof LocalPushOutcome.Rejected r) {
                trace("leader", c.name, "local-push-reject " + r.reason());
            }
        }

        @Override
        public void setTimer(LeaderEffect.SetTimer timer) {
            long incarnation = c.incarnation;
            scheduleAt(timer.atMillis(), () -> {
                if (c.incarnation == incarnation && !c.crashed) {
                    feedLeader(c, new LeaderInput.TimerFired(timer.kind(), timer.token()));
                }
            });
        }

        @Override
        public void reportRefused(LeaderEffect.ReportRefused refused) {
            String id = refused.event().args().path("id").asText();
            trace("leader", c.name, "refused " + id + " reported to the app: " + refused.reason());
            c.refusedReported.add(id);
        }

        @Override
        public void log(LeaderState state, LeaderEffect.Log log) {
            if (log.level() != LogLevel.DEBUG) {
                trace("leader", c.name, log.event() + " " + new TreeMap<>(log.fields()));
            }
            observe(c, log.event());
        }
    }

    /** Coverage: a push error followed by an upstream change that is an advance (the H001 situation). */
    private void observe(SimClient c, String event) {
        switch (event) {
            case "backend-push-error" -> c.errorSinceUpstream = true;
            case "pull-advance" -> {
                if (c.errorSinceUpstream) {
                    covPushErrorThenAdvance++;
                }
                c.errorSinceUpstream = false;
            }
            case "pull-rebase" -> {
                covRebases++;
                c.errorSinceUpstream = false;
            }
            default -> { }
        }
    }

    /** One transaction on the client's durable log: roll back, apply, record the backend head. */
    private void persist(SimClient c, LeaderEffect.Persist p) {
        List<Event> rollback = p.rollback();
        for (int i = rollback.size() - 1; i >= 0; i--) {
            Event e = rollback.get(i);
            int at = c.log.size() - 1; // rolled-back events are pending ones: at the tail of the log
            while (at >= 0 && !c.log.get(at).seq().samePosition(e.seq())) {
                at--;
            }
            boolean removed = at >= 0;
            if (removed) {
                c.log.remove(at);
            }
            if (!removed) {
                violate("rollback-target", c.name + " rolls back " + e.seq() + " which is not in its log");
                return;
            }
            String undoProblem = c.materialized.rollBack(e);
            if (undoProblem != null) {
                violate("rollback-undoes-the-newest", c.name + " " + undoProblem);
                return;
            }
        }
        for (Event e : p.apply()) {
            if (!c.log.isEmpty() && !e.seq().isGreaterThan(c.log.getLast().seq())) {
                violate("local-log-ascending", c.name + " appends " + e.seq() + " after " + c.log.getLast().seq());
                return;
            }
            c.log.add(e);
            c.materialized.apply(c.version, e);
        }
        if (p.backendId() != null) {
            c.backendId = p.backendId();
        }
        if (p.backendHead() != null) {
            long previous = c.backendHead;
            c.backendHead = p.backendHead();
            checkConfirmedPrefix(c, previous, c.backendHead);
        }
    }

    // ------------------------------------------------------------------ server

    private void toServer(SimClient c, Runnable onServer) {
        Conn conn = c.conn;
        if (conn == null || !conn.open) {
            return;
        }
        if (!quiet && random.nextDouble() < faults.drop()) {
            covDrops++;
            drop(c, "connection dropped (fault)");
            return;
        }
        if (now < conn.silentUntil) {
            return; // a silent partition: the message vanishes
        }
        long at = Math.max(now + networkDelay(c), conn.lastUp);
        conn.lastUp = at;
        scheduleAt(at, () -> {
            if (conn.open && serverUp && now >= conn.silentUntil) {
                onServer.run();
            }
        });
    }

    /**
     * A frame from the server to the client on {@code conn}. It reaches the leader only if the client's transport
     * delivers it: a frame that arrives after its socket was lost or superseded is stale.
     */
    private void toClient(SimClient c, Conn conn, Runnable onClient) {
        if (!conn.open || now < conn.silentUntil) {
            return; // the server cannot write to a closed socket; a silent partition eats the frame
        }
        long at = Math.max(now + networkDelay(c), conn.lastDown);
        conn.lastDown = at;
        long incarnation = c.incarnation;
        scheduleAt(at, () -> {
            if (c.incarnation == incarnation && !c.crashed) {
                transport(c, new ConnectionLifecycle.Input.Frame(conn.epoch), onClient);
            }
        });
    }

    private void sendPush(SimClient c, LeaderEffect.SendPush send) {
        if (c.conn == null || !c.conn.open) {
            long incarnation = c.incarnation;
            schedule(0, () -> {
                if (c.incarnation == incarnation) {
                    feedLeader(c, new LeaderInput.PushFailed(send.attemptId(), new SyncError.Offline("not connected")));
                }
            });
            return;
        }
        Conn conn = c.conn;
        List<Event> wire = send.batch().stream().map(e -> Event.of(EventSeq.ofGlobal(e.seq().global()),
                EventSeq.ofGlobal(e.parent().global()), e.name(), e.args(), e.clientId(), e.sessionId())).toList();
        boolean chained = send.chainsOnPrevious();
        if (chained) {
            covPipelinedPushes++;
        }
        toServer(c, () -> serverPush(c, conn, send.attemptId(), wire, send.backendId(), chained));
        if (!quiet && random.nextDouble() < faults.duplicate()) {
            covDuplicates++;
            trace("fault", c.name, "push attempt " + send.attemptId() + " delivered twice");
            toServer(c, () -> serverPush(c, conn, send.attemptId(), wire, send.backendId(), chained));
        }
    }

    private void serverPush(SimClient c, Conn conn, long attemptId, List<Event> batch, String backendId,
            boolean chained) {
        long frameBytes = PUSH_ENVELOPE_BYTES + batch.size() - 1;
        for (Event e : batch) {
            frameBytes += PushLimits.eventBytes(e);
        }
        if (frameBytes > SERVER_LIMITS.maxFrameBytes() || batch.size() > SERVER_LIMITS.maxEventsPerPush()) {
            // the shipped client knows the server's limits and cuts its batches to them
            violate("pushes-fit-server-limits", c.name + " pushed " + batch.size() + " events in " + frameBytes
                    + " bytes; the server accepts " + SERVER_LIMITS.maxFrameBytes() + " bytes per push");
            return;
        }
        ServerInstance inst = conn.instance;
        switch (inst.hub.push(STORE, batch, backendId, c.name, null, conn.chain, chained)) {
            case StoreHub.PushResult.Accepted accepted -> {
                trace("server", c.name, "accepted attempt " + attemptId + " " + batch.getFirst().seq() + ".."
                        + batch.getLast().seq() + " head=e" + accepted.newHead() + " via " + inst.name);
                if (pullsCatchingUp > 0) {
                    covPushesDuringCatchUp++;
                }
                if (!quiet && random.nextDouble() < faults.lostAck()) {
                    covLostAcks++;
                    trace("fault", c.name, "lost ack of attempt " + attemptId + " (stored and published)");
                    drop(c, "connection lost before the ack");
                    return;
                }
                toClient(c, conn, () -> feedLeader(c, new LeaderInput.PushAccepted(attemptId, true)));
            }
            case StoreHub.PushResult.Rejected rejected -> {
                if (rejected.reason().equals("invalid-batch")) {
                    violate("client-sent-invalid-batch", c.name + " pushed an invalid batch: " + rejected.error());
                    return;
                }
                if (rejected.reason().equals("chain-broken")) {
                    covChainBrokenRefusals++;
                    trace("server", c.name, "refused pipelined attempt " + attemptId + " at " + batch.getFirst().seq()
                            + ": the push before it on this socket was not stored");
                }
                SyncError e = WireErrors.toSyncError(rejected.error());
                toClient(c, conn, () -> feedLeader(c, new LeaderInput.PushFailed(attemptId, e)));
            }
        }
    }

    /** The server's push validator: refuses the events the validator fault picked (before anything is stored). */
    private PushValidator.Verdict validate(PushValidator.Push push) {
        List<Event> batch = push.batch();
        for (int i = 0; i < batch.size(); i++) {
            Event e = batch.get(i);
            if (validatorRefuses(e)) {
                String id = e.args().path("id").asText();
                refusedIds.add(id);
                covRefusals++;
                trace("server", push.pusher().subject(), "validator refused " + id + " at " + e.seq());
                return PushValidator.Verdict.refuse(i, "refused by the validator");
            }
        }
        return PushValidator.Verdict.accept();
    }

    /** The validator fault: a stable fraction of events (by id and seed) is refused, the same event every time. */
    private boolean validatorRefuses(Event e) {
        String id = e.args().path("id").asText();
        if (refusedIds.contains(id)) {
            return true;
        }
        long h = config.seed() * 0x9E3779B97F4A7C15L + id.hashCode();
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        h ^= h >>> 29;
        // the configured rate, not the current one: the validator does not change in the quiet phase
        return Math.floorMod(h, 1_000_000) < (long) (config.faults().refusal() * 1_000_000);
    }

    /** A fresh hub on {@code inst} (at the start, and when the server restarts: everything but the store is lost). */
    private void startHub(ServerInstance inst) {
        inst.generation++;
        inst.hub = components.hub().create(StoreHub.builder(inst.view).wallClock(wallClock).validator(this::validate)
                .pageSize(100).log((level, event, keyValues) -> hubLog(inst, level, event, keyValues)));
    }

    /** The hub's log: WARN lines go into the trace; an ERROR line is a bug the hub detected in itself. */
    private void hubLog(ServerInstance inst, LogLevel level, String event, Object... keyValues) {
        if (level == LogLevel.ERROR) {
            violate("hub-logged-no-error", inst.name + " logged ERROR " + event + " " + java.util.Arrays.toString(
                    keyValues));
        } else if (level == LogLevel.WARN) {
            trace("hub", inst.name, event + " " + java.util.Arrays.toString(keyValues));
        }
    }

    /**
     * An append through {@code from}: announced to every other instance in append order, after a delay, or lost while
     * that instance's LISTEN connection is down (it resyncs when it comes back).
     */
    private void announce(ServerInstance from, long head, String backendId) {
        for (ServerInstance to : instances) {
            if (to == from) {
                continue;
            }
            if (to.listenDown) {
                covLostAnnouncements++;
                trace("server", to.name, "announcement of e" + head + " lost (LISTEN down)");
                continue;
            }
            long delay = 1 + random.nextInt(3);
            if (!quiet && random.nextDouble() < faults.announceDelay()) {
                covDelayedAnnouncements++;
                delay += 20 + random.nextInt(300);
            }
            long at = Math.max(now + delay, to.lastAnnouncementAt);
            to.lastAnnouncementAt = at;
            scheduleAt(at, () -> {
                if (!to.listenDown) {
                    to.view.announce(STORE, head, backendId);
                }
            });
        }
    }

    /** The instance's LISTEN connection is back: what it missed is made up by the hub's resync. */
    private void endListenOutage(ServerInstance inst) {
        if (inst.listenDown) {
            inst.listenDown = false;
            trace("fault", inst.name, "LISTEN back: resync");
            inst.view.resync();
        }
    }

    /**
     * A page the hub gives a pull, on its way to the client. The checker's view of every pull on every instance: it
     * is given each event after its cursor exactly once, in order (no gap, no duplicate), whatever interleaved.
     */
    private StoreHub.Sink sink(SimClient c, Conn conn, long pullId, long cursor) {
        long[] last = {cursor};
        return new StoreHub.Sink() {
            @Override
            public void page(WireFrames.PullResponse response) {
                for (Event e : response.batch()) {
                    if (e.seq().global() != last[0] + 1) {
                        violate("pull-exact", c.name + "'s pull " + pullId + " on " + conn.instance.name
                                + " was given e" + e.seq().global() + " after e" + last[0] + " (cursor " + cursor + ")");
                        return;
                    }
                    last[0] = e.seq().global();
                }
                toClient(c, conn, () -> feedLeader(c, new LeaderInput.PullPage(pullId, response.batch(),
                        response.pageInfo(), response.backendId())));
            }

            @Override
            public boolean cancelled() {
                return !conn.open;
            }

            @Override
            public void shed(String reason) {
                drop(c, "shed by the server: " + reason);
            }

            @Override
            public void failed(WireFrames.WireError error) {
                SyncError e = WireErrors.toSyncError(error);
                toClient(c, conn, () -> feedLeader(c, new LeaderInput.PullFailed(pullId, e)));
            }

            @Override
            public void ended() {}
        };
    }

    private void sendPull(SimClient c, LeaderEffect.StartPull pull) {
        if (c.conn == null || !c.conn.open) {
            long incarnation = c.incarnation;
            schedule(0, () -> {
                if (c.incarnation == incarnation) {
                    feedLeader(c, new LeaderInput.PullFailed(pull.pullId(), new SyncError.Offline("not connected")));
                }
            });
            return;
        }
        Conn conn = c.conn;
        toServer(c, () -> {
            ServerInstance inst = conn.instance;
            StoreHub.Pull running = inst.hub.startPull(STORE, pull.cursor(), pull.backendId(), pull.live(),
                    sink(c, conn, pull.pullId(), pull.cursor()), conn);
            conn.pulls.add(running.subscription());
            pullsCatchingUp++;
            stepPull(inst, inst.generation, conn, running);
        });
    }

    /**
     * One step of a pull on the hub (registration, a catch-up page, the join): each step is its own event, so pushes,
     * announcements and other pulls interleave with a catch-up as other threads do on the real server.
     */
    private void stepPull(ServerInstance inst, long generation, Conn conn, StoreHub.Pull running) {
        boolean more = inst.generation == generation && conn.open && violation == null && running.step();
        if (more) {
            schedule(random.nextInt(3), () -> stepPull(inst, generation, conn, running));
        } else {
            pullsCatchingUp--;
        }
    }

    private SimClient client(String name) {
        for (SimClient c : clients) {
            if (c.name.equals(name)) {
                return c;
            }
        }
        throw new IllegalStateException("no client " + name);
    }

    // ------------------------------------------------------------------ faults and phases

    /** Once per simulated second: maybe restart the server, crash a client, or partition one. */
    private void faultTick() {
        if (quiet) {
            return;
        }
        if (random.nextDouble() < faults.serverRestart() && serverUp) {
            covRestarts++;
            trace("fault", "server", "RESTART (store kept: " + serverHead() + " events)");
            serverUp = false;
            for (SimClient c : clients) {
                drop(c, "server restarting");
            }
            for (ServerInstance inst : instances) {
                startHub(inst); // the hubs' state is lost; the store is durable
            }
            schedule(500 + random.nextInt(1500), () -> {
                serverUp = true;
                trace("fault", "server", "back up"); // clients reconnect on their own transport's backoff
            });
        }
        if (instances.size() > 1 && random.nextDouble() < faults.listenOutage()) {
            ServerInstance inst = instances.get(random.nextInt(instances.size()));
            if (!inst.listenDown) {
                covListenOutages++;
                inst.listenDown = true;
                trace("fault", inst.name, "LISTEN DOWN: announcements of the other instance are lost");
                schedule(300 + random.nextInt(3000), () -> endListenOutage(inst));
            }
        }
        if (random.nextDouble() < faults.crash()) {
            crash(clients.get(random.nextInt(clients.size())));
        }
        if (random.nextDouble() < faults.upgrade()) {
            SimClient c = clients.get(random.nextInt(clients.size()));
            if (c.version < 2 && !c.crashed) {
                trace("fault", c.name, "UPGRADE: the app restarts with schema v2");
                c.upgradeOnRestart = true;
                crash(c);
            }
        }
        if (random.nextDouble() < faults.partition()) {
            SimClient c = clients.get(random.nextInt(clients.size()));
            covPartitions++;
            c.partitionedUntil = now + 1000 + random.nextInt(4000);
            if (c.conn != null && c.conn.open && random.nextBoolean()) {
                // silent: the socket stays open, messages vanish; only the client's ping timeout can notice
                c.conn.silentUntil = c.partitionedUntil;
                covSilentPartitions++;
                trace("fault", c.name, "SILENT PARTITION until t=" + c.partitionedUntil);
            } else {
                trace("fault", c.name, "PARTITION until t=" + c.partitionedUntil);
                drop(c, "partitioned");
            }
        }
        schedule(1000, this::faultTick);
    }

    private void startQuietPhase() {
        quiet = true;
        faults = SimFaults.NONE;
        trace("phase", "sim", "QUIET: faults off, network healed, no new commits");
        serverUp = true;
        instances.forEach(this::endListenOutage);
        for (SimClient c : clients) {
            c.partitionedUntil = -1;
            if (c.conn != null) {
                c.conn.silentUntil = -1;
            }
            if (c.crashed) {
                boot(c);
            }
        }
    }

    // ------------------------------------------------------------------ checker

    /** Opening the client's file: rebuild the state if the shipped decision says so, then check it. */
    private void openState(SimClient c) {
        String rebuilt = c.materialized.open(c.version, c.log, components.rebuild());
        if (rebuilt != null) {
            covRebuilds++;
            trace("boot", c.name, "rebuild: " + rebuilt);
        }
        checkState(c);
    }

    /** The client's state equals a replay of its log under its own schema. */
    private void checkState(SimClient c) {
        String difference = c.materialized.differenceFromReplay(c.version, c.log);
        if (difference != null) {
            violate("state-equals-replay", c.name + " (schema v" + c.version + ") " + difference);
        }
    }

    private void checkHeads(SimClient c, LeaderState before, LeaderState after, LeaderInput input) {
        if (after.sync().upstreamHead().global() < before.sync().upstreamHead().global()) {
            violate("heads-monotonic", c.name + " upstream head went back from " + before.sync().upstreamHead() + " to "
                    + after.sync().upstreamHead());
        }
        // the one step that may move the local head back: dropping a refused event that ended the pending events
        boolean refusal = input instanceof LeaderInput.PushFailed failed
                && failed.error() instanceof SyncError.EventRefused;
        if (!refusal && before.sync().localHead().isGreaterThan(after.sync().localHead())) {
            violate("heads-monotonic", c.name + " local head went back from " + before.sync().localHead() + " to "
                    + after.sync().localHead());
        }
    }

    /** The client's log up to the backend head (synced events) equals the server log's prefix. */
    private void checkConfirmedPrefix(SimClient c, long from, long to) {
        long head = serverHead();
        if (to > head) {
            violate("confirmed-prefix", c.name + " believes the backend head is e" + to + " but the server has "
                    + head + " events");
            return;
        }
        if (to <= from) {
            return;
        }
        List<Event> stored = db.read(STORE, from, to, (int) (to - from));
        for (Event e : c.log) {
            long g = e.seq().global();
            if (e.seq().client() == 0 && g > from && g <= to && !same(e, stored.get((int) (g - from - 1)))) {
                violate("confirmed-prefix", c.name + " has " + e + " at e" + g + " but the server has "
                        + stored.get((int) (g - from - 1)));
                return;
            }
        }
    }

    private long serverHead() {
        return db.meta(STORE).head();
    }

    private List<Event> serverLog() {
        return db.read(STORE, 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    }

    private static boolean same(Event a, Event b) {
        return a.seq().global() == b.seq().global() && a.name().equals(b.name()) && a.clientId().equals(b.clientId())
                && a.sessionId().equals(b.sessionId()) && a.args().equals(b.args());
    }

    private boolean converged() {
        for (SimClient c : clients) {
            // client-only events never go upstream: they may stay in the leader's pending until a later upstream
            // event passes them (LiveStore's UA12 rule), so convergence is about synced events
            if (c.crashed || c.state.pendingSynced(c.logic::isClientOnly) > 0
                    || c.state.sync().upstreamHead().global() != serverHead()) {
                return false;
            }
            for (SimSession s : c.sessions) {
                if (!s.open.isEmpty()) {
                    return false;
                }
            }
        }
        return true;
    }

    private void checkFinal() {
        for (SimClient c : clients) {
            checkState(c);
        }
        if (violation != null) {
            return;
        }
        List<Event> serverLog = serverLog();
        Set<String> seen = new HashSet<>();
        Map<String, List<String>> orderByClient = new TreeMap<>();
        for (Event e : serverLog) {
            String id = e.args().path("id").asText();
            if (!seen.add(id)) {
                violate("no-duplicate", "event " + id + " is in the server log twice");
                return;
            }
            orderByClient.computeIfAbsent(e.sessionId(), k -> new ArrayList<>()).add(id);
        }
        for (String id : seen) {
            if (refusedIds.contains(id)) {
                violate("refused-never-stored", "the validator refused " + id + " but it is in the server log");
                return;
            }
        }
        for (String id : refusedIds) {
            if (clients.stream().noneMatch(c -> c.refusedReported.contains(id))) {
                violate("refusal-reported", "the validator refused " + id + " but no client told its app");
                return;
            }
        }
        for (SimClient c : clients) {
            for (Event e : c.log) {
                if (refusedIds.contains(e.args().path("id").asText())) {
                    violate("refused-rolled-back", c.name + " still holds refused event " + e + " in its log");
                    return;
                }
            }
        }
        for (SimClient c : clients) {
            for (String id : c.completed) {
                if (refusedIds.contains(id)) {
                    continue; // committed, then refused by the server: reported, never stored
                }
                if (!seen.contains(id)) {
                    violate("no-loss", c.name + " committed " + id + " (the commit returned) but the server never got it");
                    return;
                }
            }
        }
        // each session's events reach the server in the order they were committed (sessions may interleave)
        for (Map.Entry<String, List<String>> session : orderByClient.entrySet()) {
            List<String> order = session.getValue();
            List<Integer> numbers = order.stream().map(id -> Integer.parseInt(id.substring(id.lastIndexOf('-') + 1)))
                    .toList();
            for (int i = 1; i < numbers.size(); i++) {
                if (numbers.get(i) < numbers.get(i - 1)) {
                    violate("commit-order", "session " + session.getKey() + "'s events reached the server out of "
                            + "commit order: " + order);
                    return;
                }
            }
        }
        for (SimClient c : clients) {
            List<Event> synced = c.log.stream().filter(e -> e.seq().client() == 0).toList();
            if (synced.size() != serverLog.size()) {
                violate("identical-logs", c.name + " has " + synced.size() + " synced events, the server "
                        + serverLog.size());
                return;
            }
            for (int i = 0; i < synced.size(); i++) {
                if (!same(synced.get(i), serverLog.get(i))) {
                    violate("identical-logs", c.name + " differs from the server at e" + (i + 1) + ": " + synced.get(i)
                            + " vs " + serverLog.get(i));
                    return;
                }
            }
        }
    }

    private String describeClients() {
        StringBuilder sb = new StringBuilder("server head e" + serverHead());
        for (SimClient c : clients) {
            sb.append("; ").append(c.name).append(c.crashed ? " CRASHED" : "").append(" policy=")
                    .append(c.logic.config().pushResumePolicy().cliName()).append(" pending=")
                    .append(c.state.sync().pendingCount()).append(" upstream=").append(c.state.sync().upstreamHead())
                    .append(" loop=").append(c.state.push().label());
            if (c.state.push() instanceof PushLoop.Parked p) {
                sb.append("(").append(p.reason()).append(")");
            }
            sb.append(" connected=").append(c.state.connected());
        }
        return sb.toString();
    }

    private void violate(String invariant, String detail) {
        if (violation == null) {
            trace("CHECK", "sim", "violated " + invariant + ": " + detail);
            violation = new Violation(step, invariant, detail, List.copyOf(lastTrace));
        }
    }

    private void trace(String kind, String node, String text) {
        String line = "t=" + now + " #" + step + " " + kind + " " + node + " " + text;
        traceDigest.update(line.getBytes(StandardCharsets.UTF_8));
        traceDigest.update((byte) '\n');
        lastTrace.addLast(line);
        if (lastTrace.size() > 50) {
            lastTrace.removeFirst();
        }
        if (config.trace()) {
            fullTrace.add(line);
        }
    }
}
