package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.EventStore;
import io.livesync.hub.PushValidator;
import io.livesync.hub.StoreHub;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.Fields;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.websocket.api.StatusCode;
import org.eclipse.jetty.websocket.server.WebSocketUpgradeHandler;

/**
 * The livesync sync server: LiveStore 0.4's WebSocket protocol at {@code /sync} and {@code /sync/{storeId}}, plain
 * HTTP push/pull, {@code /health} and {@code /metrics}, over an {@link EventStore} (embedded SQLite by default,
 * PostgreSQL for several instances). Start with {@link #start}; {@link #close} stops it gracefully: new pushes are
 * refused, pushes in progress finish (an accepted push is never lost), every frame queued by then (their acks and
 * echoes) is written (up to 10 s), then sockets close.
 */
public final class SyncServer implements AutoCloseable {

    static final Pattern STORE_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final ServerConfig config;
    private final EventStore store;
    private final StoreHub hub;
    private final Metrics metrics = new Metrics();
    private final ServerLog log;
    private final WireCodec codec;
    private final Server jetty;
    private final List<ServerConnection> connections = new CopyOnWriteArrayList<>();
    private final AtomicInteger pushesInProgress = new AtomicInteger();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final PushPipeline storing;
    private volatile PushPipeline pipeline;
    private final ConnectionRegistry facts = new ConnectionRegistry(java.time.Clock.systemUTC());
    private final Flags flags;
    private final Authenticator auth;
    private final Audit audit;
    /**
     * Sockets admitted with an expiring token, until they open (then their close at the expiry is scheduled); weak,
     * so an upgrade that never completes leaves nothing behind.
     */
    private final java.util.Map<ServerConnection, java.time.Instant> expiring =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());
    private final java.util.Map<ServerConnection, java.util.concurrent.ScheduledFuture<?>> expiries =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService expiryTimer;

    private SyncServer(ServerConfig config) {
        this.config = config;
        this.log = config.logFile() != null ? ServerLog.toFile(config.logFile(), config.nodeId())
                : ServerLog.toStderr(config.nodeId());
        this.codec = new WireCodec(config.limits());
        this.auth = new Authenticator(config, java.time.InstantSource.system());
        this.audit = new Audit(log);
        java.util.concurrent.ScheduledThreadPoolExecutor timer = new java.util.concurrent.ScheduledThreadPoolExecutor(1,
                io.livesync.core.Threads.platformDaemon("livesync-token-expiry"));
        timer.setRemoveOnCancelPolicy(true);
        this.expiryTimer = timer;
        this.store = config.postgresUrl() != null
                ? new PostgresEventStore(config.postgresUrl(), config.postgresSchema(), config.nodeId())
                : new SqliteEventStore(config.dataDir(), config.durability());
        this.metrics.eventsStored(store::eventCount);
        this.hub = StoreHub.builder(store).log(log::write).counters(metrics.hubCounters())
                .validator(config.pushValidator()).maxLiveSubscribersPerStore(config.maxLiveSubscribersPerStore())
                .maxBufferedEventsPerPull(config.maxBufferedEventsPerPull()).build();
        this.storing = new StoringPushPipeline(hub, metrics, log, new IdentityLimits(
                config.maxPushesPerSecondPerIdentity(), config.maxEventsPerSecondPerIdentity()), audit);
        this.pipeline = storing;
        this.flags = new Flags(facts, hub::head, store, metrics, log, java.time.Clock.systemUTC());
        log.tap(facts::logged);
        hub.onRemoteReset(this::dropConnections); // a reset through another instance: clients reconnect and see it
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("livesync-http");
        this.jetty = new Server(threads);
        ServerConnector connector = new ServerConnector(jetty);
        connector.setHost(config.host());
        connector.setPort(config.port());
        jetty.addConnector(connector);
        ContextHandler context = new ContextHandler("/");
        WebSocketUpgradeHandler ws = WebSocketUpgradeHandler.from(jetty, context, container -> {
            // Jetty's own limit is a backstop well above ours, so that our codec can answer with a typed error
            container.setMaxTextMessageSize(Math.max(4L * config.limits().maxFrameBytes(), 1 << 20));
            container.setIdleTimeout(Duration.ofMinutes(5));
            container.addMapping("/sync", (req, resp, callback) -> upgrade(req, resp, callback));
            // LiveStore clients append ?storeId=... to whatever URL the app gives, often just the host
            container.addMapping("/", (req, resp, callback) -> upgrade(req, resp, callback));
            // LiveStore 0.3 (makeCfSync) appends /websocket to the URL
            container.addMapping("/websocket", (req, resp, callback) -> upgrade(req, resp, callback));
            container.addMapping("/sync/*", (req, resp, callback) -> upgrade(req, resp, callback));
        });
        ws.setHandler(new AdminApi(this, new Dashboard(this, new HttpApi(this))));
        context.setHandler(ws);
        jetty.setHandler(context);
    }

    /** Starts a server; returns once it listens. */
    public static SyncServer start(ServerConfig config) {
        SyncServer server = new SyncServer(config);
        try {
            server.jetty.start();
        } catch (Exception e) {
            server.store.close();
            throw new IllegalStateException("cannot start the server on " + config.host() + ":" + config.port() + ": "
                    + e.getMessage(), e);
        }
        server.flags.start(FlagThresholds.DEFAULTS);
        if (config.testHooks()) {
            server.log.write(LogLevel.WARN, "test-hooks-enabled", "message",
                    "--test-hooks: POST /test/{storeId}/append-foreign and POST /test/{storeId}/reset (wipes the store)"
                            + " are ON, for holders of the store's token. Never in production.");
        }
        if (config.insecureNoAuth()) {
            server.log.write(LogLevel.WARN, "auth-disabled", "message",
                    "--insecure-no-auth: ANY client can read and write ANY store. For local play only.");
        }
        server.log.write(LogLevel.INFO, "server-start", "url", server.httpUri().toString(), "store", server.store.describe(),
                "pushValidator", config.pushValidator() == PushValidator.ACCEPT_ALL ? "none"
                        : config.pushValidator().getClass().getName());
        return server;
    }

    private Object upgrade(org.eclipse.jetty.websocket.server.ServerUpgradeRequest req,
            org.eclipse.jetty.websocket.server.ServerUpgradeResponse resp, org.eclipse.jetty.util.Callback callback) {
        String path = req.getHttpURI().getPath();
        boolean protocol03 = path.endsWith("/websocket"); // LiveStore 0.3 appends /websocket
        if (protocol03) {
            path = path.substring(0, path.length() - "/websocket".length());
        }
        Fields query = Request.extractQueryParameters(req);
        String pathStore = path.startsWith("/sync/") ? path.substring("/sync/".length()) : null;
        String queryStore = query.getValue("storeId");
        String storeId = pathStore != null && !pathStore.isEmpty() ? pathStore : queryStore;
        String remote = Request.getRemoteAddr(req) + ":" + Request.getRemotePort(req);
        if (storeId == null || !STORE_ID.matcher(storeId).matches()
                || (queryStore != null && pathStore != null && !pathStore.isEmpty() && !queryStore.equals(pathStore))) {
            metrics.protocolError("bad-store-id");
            log.write(LogLevel.WARN, "upgrade-refused", "remote", remote, "reason", "bad or conflicting store id",
                    "path", path, "storeIdParam", queryStore);
            Response.writeError(req, resp, callback, 400, "bad-store-id: the store id must be given as /sync/{storeId}"
                    + " or ?storeId=, match [A-Za-z0-9_-]{1,128}, and agree when both are given");
            return null;
        }
        JsonNode syncPayload = decodeSyncPayload(query.getValue("payload"));
        Authenticator.Decision decision = admit(storeId, Authenticator.authToken(syncPayload), "upgrade", false, remote);
        if (decision instanceof Authenticator.Decision.Refused refused) {
            Response.writeError(req, resp, callback, refused.code() == WireErrorCode.FORBIDDEN ? 403 : 401,
                    refused.code().wireName() + ": " + refused.reason() + " (store " + storeId + ")");
            return null;
        }
        Authenticator.Decision.Granted granted = (Authenticator.Decision.Granted) decision;
        if (stopping.get()) {
            Response.writeError(req, resp, callback, 503, "shutting-down");
            return null;
        }
        ServerConnection c = protocol03 ? new Ws03Connection(this, storeId, remote, granted)
                : new WsConnection(this, storeId, remote);
        if (granted.expiresAt() != null) {
            expiring.put(c, granted.expiresAt());
        }
        return c;
    }

    /**
     * Authenticates one request (or upgrade) of {@code storeId} with {@code token}; {@code write} asks for write
     * access. A refusal is audited (and counted when the token is not valid) before it is returned.
     */
    Authenticator.Decision admit(String storeId, String token, String action, boolean write, String remote) {
        Authenticator.Decision d = auth.authenticate(storeId, token);
        if (write && d instanceof Authenticator.Decision.Granted g && !g.mayWrite()) {
            d = new Authenticator.Decision.Refused(WireErrorCode.FORBIDDEN, g.subject(),
                    "read-only access to store \"" + storeId + "\": pushes are refused");
        }
        if (d instanceof Authenticator.Decision.Refused r) {
            audit.refused(r.code(), r.subject(), action, storeId, r.reason(), remote);
            if (r.code() == WireErrorCode.UNAUTHORIZED) {
                metrics.authFailures.increment();
            }
        }
        return d;
    }

    Authenticator authenticator() {
        return auth;
    }

    Audit audit() {
        return audit;
    }

    /** Test hook (only with {@code --test-hooks}): appends one foreign event at the head and publishes it. */
    public long appendForeignEvent(String storeId) {
        long head = hub.head(storeId);
        io.livesync.core.Event probe = io.livesync.core.Event.of(io.livesync.core.EventSeq.ofGlobal(head + 1),
                io.livesync.core.EventSeq.ofGlobal(head), "v1.TodoCreated",
                com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
                        .put("id", "foreign-probe-" + (head + 1)).put("text", "foreign probe"),
                "foreign-probe", "foreign-probe-session");
        StoreHub.PushResult r = hub.pushTrusted(storeId, java.util.List.of(probe), null);
        log.write(LogLevel.WARN, "test-hook-foreign-event", "store", storeId, "result", r.toString());
        return r instanceof StoreHub.PushResult.Accepted a ? a.newHead() : -1;
    }

    /** The sync payload of the URL: percent-encoded twice by LiveStore's client (§1.1); Jetty decoded it once. */
    static JsonNode decodeSyncPayload(String onceDecoded) {
        if (onceDecoded == null) {
            return null;
        }
        try {
            return JSON.readTree(URLDecoder.decode(onceDecoded, StandardCharsets.UTF_8));
        } catch (Exception e) {
            return null;
        }
    }

    /** Whether {@code authorization} carries the default ({@code *}) token: what operator-only details need. */
    boolean authorizedDefaultBearer(String authorization) {
        String expected = config.tokenFor("*");
        return expected != null && authorization != null && authorization.startsWith("Bearer ")
                && constantTimeEquals(expected, authorization.substring("Bearer ".length()).strip());
    }

    private static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    boolean enterPush() {
        pushesInProgress.incrementAndGet();
        if (stopping.get()) {
            pushesInProgress.decrementAndGet();
            return false;
        }
        return true;
    }

    void exitPush() {
        pushesInProgress.decrementAndGet();
    }

    void register(ServerConnection c) {
        connections.add(c);
        facts.opened(c);
        java.time.Instant expiresAt = expiring.remove(c);
        if (expiresAt != null) {
            long delay = Math.max(0, java.time.Duration.between(auth.now(), expiresAt).toMillis());
            expiries.put(c, expiryTimer.schedule(() -> {
                expiries.remove(c);
                log.write(LogLevel.INFO, "token-expired", "store", c.storeId(), "expiredAt", expiresAt.toString());
                c.close(StatusCode.POLICY_VIOLATION, "unauthorized: the token expired at " + expiresAt);
            }, delay, TimeUnit.MILLISECONDS));
        }
    }

    void unregister(ServerConnection c) {
        connections.remove(c);
        expiring.remove(c);
        java.util.concurrent.ScheduledFuture<?> expiry = expiries.remove(c);
        if (expiry != null) {
            expiry.cancel(false);
        }
        facts.closed(c);
    }

    /** Changes when the server raises its flags (docs/dashboard.md); the defaults are {@link FlagThresholds#DEFAULTS}. */
    public void flagThresholds(FlagThresholds thresholds) {
        flags.start(Objects.requireNonNull(thresholds, "thresholds"));
    }

    /** The flags of {@code kind} raised and not cleared (tests and embedders; the dashboard shows them all). */
    public List<String> activeFlags(String kind) {
        return flags.list(true, null).stream().filter(f -> f.kind().equals(kind))
                .map(f -> f.storeId() + "/" + f.clientId() + ": " + f.detail()).toList();
    }

    ConnectionRegistry facts() {
        return facts;
    }

    Flags flags() {
        return flags;
    }

    /** Installs fault injection (tests, {@code livesync server --fault}) as a decorator of the push pipeline; logged loudly. */
    public void faults(PushFaults f) {
        this.pipeline = new FaultInjectingPushPipeline(storing, Objects.requireNonNull(f, "faults"), hub, metrics, log);
        log.write(LogLevel.WARN, "faults-enabled", "message", "fault injection is ON: pushes may fail or lose their acks");
    }

    /**
     * Runs one push through the pipeline behind the shutting-down gate (a stopping server refuses new pushes and
     * waits for those in progress), and records its latency.
     */
    PushPipeline.Reply push(PushPipeline.Request request) {
        if (!enterPush()) {
            return new PushPipeline.Reply.Refused(io.livesync.core.wire.WireCodec.typedError(
                    io.livesync.core.wire.WireErrorCode.SHUTTING_DOWN, "the server is stopping; retry on another instance"),
                    "shutting-down");
        }
        long start = System.nanoTime();
        try {
            PushPipeline.Reply reply = pipeline.push(request);
            facts.pushed(request, reply);
            return reply;
        } finally {
            metrics.pushLatency(System.nanoTime() - start);
            exitPush();
        }
    }

    /**
     * Resets a store: empty log, new backend id; its sockets are closed so that clients reconnect and detect the
     * reset (LIVESTORE-WS-PROTOCOL §5 pitfall 6: rotating the backend id is the only supported reset).
     */
    public String resetStore(String storeId) {
        EventStore.StoreMeta fresh = hub.reset(storeId);
        log.write(LogLevel.WARN, "store-reset", "store", storeId, "backendId", fresh.backendId());
        dropConnections(storeId);
        return fresh.backendId();
    }

    /** Test hook: new pulls wait this long before their catch-up (a slow server); 0 turns it off. */
    public void delayCatchUps(long millis) {
        log.write(LogLevel.WARN, "test-hook-catch-up-delay", "millis", millis);
        hub.catchUpDelayMillis(millis);
    }

    /** Closes every open socket of {@code storeId} (tests: the server drops connections). */
    public void dropConnections(String storeId) {
        for (ServerConnection c : connections) {
            if (c.storeId().equals(storeId)) {
                c.close(StatusCode.SERVER_ERROR, "dropped by the server");
            }
        }
    }

    public ServerConfig config() {
        return config;
    }

    public Metrics metrics() {
        return metrics;
    }

    ServerLog log() {
        return log;
    }

    WireCodec codec() {
        return codec;
    }

    StoreHub hub() {
        return hub;
    }

    boolean isStopping() {
        return stopping.get();
    }

    public EventStore eventStore() {
        return store;
    }

    public int port() {
        return ((ServerConnector) jetty.getConnectors()[0]).getLocalPort();
    }

    public URI httpUri() {
        return URI.create("http://" + config.host() + ":" + port());
    }

    /** The WebSocket URL a client of {@code storeId} connects to. */
    public URI wsUri(String storeId) {
        return URI.create("ws://" + config.host() + ":" + port() + "/sync/" + storeId);
    }

    @Override
    public void close() {
        if (!stopping.compareAndSet(false, true)) {
            return;
        }
        log.write(LogLevel.INFO, "server-stopping", "pushesInProgress", pushesInProgress.get());
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (pushesInProgress.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5); // bounded poll: pushes in progress finish and are acked before sockets close
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        // Every frame queued before this point (acks of the pushes that just finished, their echoes) is written
        // before the socket closes; a client that does not read gets until the deadline, then is closed anyway.
        List<ServerConnection> open = List.copyOf(connections);
        for (ServerConnection c : open) {
            c.closeAfterFlush(StatusCode.SHUTDOWN, "server shutting down");
        }
        long flushDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (ServerConnection c : open) {
            try {
                if (!c.awaitWriterStopped(Math.max(0, flushDeadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    log.write(LogLevel.WARN, "shutdown-flush-timeout", "store", c.storeId(), "message",
                            "queued frames not written within 10 s; closing anyway");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (ServerConnection c : connections) {
            c.close(StatusCode.SHUTDOWN, "server shutting down");
        }
        try {
            jetty.stop();
        } catch (Exception e) {
            log.write(LogLevel.ERROR, "server-stop-failed", "error", e.toString());
        }
        flags.close();
        expiryTimer.shutdownNow();
        store.close();
        log.write(LogLevel.INFO, "server-stopped");
        log.close();
    }
}
