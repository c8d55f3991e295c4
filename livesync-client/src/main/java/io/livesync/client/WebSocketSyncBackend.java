package io.livesync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncException;
import io.livesync.core.leader.PushLimits;
import io.livesync.core.backend.SyncError;
import io.livesync.core.transport.ConnectionLifecycle;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireErrors;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireLimits;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link SyncBackend} that speaks LiveStore 0.4's WebSocket protocol to a livesync server (or any LiveStore-0.4
 * compatible backend), on the JDK {@link HttpClient}. Connected means "a frame arrived on the current socket", as in
 * LiveStore. It pings every {@code pingInterval}; two ping periods with no frame while reading drop the socket. It
 * reconnects with capped exponential backoff and jitter (reset after every successful connection). Every transport
 * failure becomes a callback: in-flight pushes fail as offline, pulls fail as offline, the listener hears
 * {@code disconnected}; nothing is left hanging.
 *
 * <p>The connection's lifecycle is the pure {@link ConnectionLifecycle}; this class is its driver. Socket callbacks
 * only post inputs tagged with their socket's generation to one transport thread, which steps the machine and runs
 * its effects in order, so a frame or an error of a socket being abandoned can never announce anything or reach the
 * leader, and connected / disconnected announcements strictly alternate.
 */
public final class WebSocketSyncBackend implements SyncBackend {

    /** Room reserved in a push frame for a refreshed token longer than the first one. */
    static final int TOKEN_GROWTH_BYTES = 1024;

    /** Room reserved for the server's backend id in a push frame (livesync's are UUIDs of 36 characters). */
    static final int MAX_BACKEND_ID_CHARS = 128;

    /** Frames read from the socket whose pages the leader has not processed yet; reading pauses at this many. */
    private static final int READ_AHEAD_FRAMES = 8;

    private volatile URI uri;
    private final URI serverUrl;
    private final String storeId;
    /** The sync payload of the current socket (its token comes from the supplier at every connect). */
    private volatile JsonNode syncPayload;
    private final java.util.function.Supplier<String> tokenSupplier;
    private final long pingIntervalMillis;
    private final WireCodec codec;
    private final PushLimits pushLimits;
    private final boolean reportStatus;
    private final HttpClient http;
    private final ScheduledExecutorService transport;
    private final ConnectionLifecycle lifecycle;
    private final io.livesync.core.Clock clock;
    /** Guards {@link #state}, {@link #sockets}, {@link #pushes} and {@link #pulls}. */
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Long, SocketHandle> sockets = new HashMap<>();
    private final Map<String, CompletableFuture<PushAck>> pushes = new HashMap<>();
    private final Map<String, PullListener> pulls = new HashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong();
    private ConnectionLifecycle.State state;
    private volatile ConnectionListener listener;
    private volatile boolean closed;

    /** An open socket and the chain of its sends ({@link WebSocket} allows one outstanding send). */
    private static final class SocketHandle {
        final WebSocket ws;
        CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);

        SocketHandle(WebSocket ws) {
            this.ws = ws;
        }
    }

    private WebSocketSyncBackend(Builder b) {
        this.storeId = b.storeId;
        this.tokenSupplier = b.tokenSupplier;
        this.serverUrl = b.serverUrl;
        this.pingIntervalMillis = b.pingIntervalMillis;
        this.clock = b.clock;
        this.reportStatus = b.reportStatus;
        this.codec = new WireCodec(b.limits);
        this.lifecycle = new ConnectionLifecycle(b.pingIntervalMillis, b.reconnectBaseMillis, b.reconnectCapMillis);
        this.state = ConnectionLifecycle.State.initial(b.seed);
        this.uri = uriFor(currentToken());
        this.pushLimits = PushLimits.forServer(b.serverLimits, envelopeBytes());
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.transport = Executors.newSingleThreadScheduledExecutor(
                io.livesync.core.Threads.platformDaemon("livesync-ws-" + storeId));
    }

    /** The token to connect with now (the supplier's answer; null for none), and sets the sync payload from it. */
    private String currentToken() {
        String token = tokenSupplier == null ? null : tokenSupplier.get();
        syncPayload = token == null ? null : JsonNodeFactory.instance.objectNode().put("authToken", token);
        return token;
    }

    /** The socket URL for the store, carrying the sync payload (as LiveStore does: §1.1). */
    private URI uriFor(String token) {
        StringBuilder url = new StringBuilder(serverUrl.toString().replaceAll("/+$", ""));
        if (!url.toString().matches(".*/sync/[^/]+$")) {
            url.append(url.toString().endsWith("/sync") ? "/" : "/sync/").append(storeId);
        }
        url.append("?storeId=").append(encode(storeId));
        JsonNode payload = syncPayload;
        if (payload != null) {
            url.append("&payload=").append(encode(encode(payload.toString()))); // twice, like LiveStore (§1.1)
        }
        url.append("&transport=ws");
        return URI.create(url.toString());
    }

    /**
     * The largest push frame without its events this client sends: the longest request id, a backend id of up to
     * {@value #MAX_BACKEND_ID_CHARS} characters, this store id and sync payload.
     */
    private int envelopeBytes() {
        String frame = codec.encode(new WireFrames.PushRequest(Long.toString(Long.MAX_VALUE), storeId, syncPayload,
                List.of(), "x".repeat(MAX_BACKEND_ID_CHARS), Boolean.FALSE));
        return frame.getBytes(StandardCharsets.UTF_8).length + TOKEN_GROWTH_BYTES;
    }

    /** The leader's latest status, sent to the server with every ping (at most once per ping interval). */
    private volatile WireFrames.ClientStatus latestStatus;
    private WireFrames.ClientStatus sentStatus;

    @Override
    public void reportStatus(WireFrames.ClientStatus status) {
        if (reportStatus) {
            latestStatus = status;
        }
    }

    @Override
    public PushLimits pushLimits() {
        return pushLimits;
    }

    public static Builder builder(URI serverUrl, String storeId) {
        return new Builder(serverUrl, storeId);
    }

    private static String encode(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void start(ConnectionListener connectionListener) {
        this.listener = connectionListener;
        post(new ConnectionLifecycle.Input.Start());
        try {
            transport.scheduleAtFixedRate(() -> handle(new ConnectionLifecycle.Input.PingTick(), null),
                    pingIntervalMillis, pingIntervalMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException closing) {
            // closed before it started
        }
    }

    private long now() {
        return clock.millis();
    }

    /** Hands an input to the transport thread (socket callbacks never step the machine themselves). */
    private void post(ConnectionLifecycle.Input input) {
        try {
            transport.execute(() -> handle(input, null));
        } catch (RejectedExecutionException closing) {
            // closed: nothing to do
        }
    }

    /** On the transport thread: steps the machine, then runs its effects in order. */
    private void handle(ConnectionLifecycle.Input input, Delivery delivery) {
        List<ConnectionLifecycle.Effect> effects;
        List<CompletableFuture<PushAck>> failedPushes = List.of();
        List<PullListener> failedPulls = List.of();
        lock.lock();
        try {
            ConnectionLifecycle.Step step = lifecycle.step(state, input, now());
            state = step.state();
            effects = step.effects();
            for (ConnectionLifecycle.Effect effect : effects) {
                if (effect instanceof ConnectionLifecycle.Effect.FailInFlight) {
                    // under the lock: a push or pull registers either before this (and fails here) or after it
                    // (and sees the connection down), never in between
                    failedPushes = new ArrayList<>(pushes.values());
                    failedPulls = new ArrayList<>(pulls.values());
                    pushes.clear();
                    pulls.clear();
                }
            }
        } finally {
            lock.unlock();
        }
        boolean delivered = false;
        for (ConnectionLifecycle.Effect effect : effects) {
            switch (effect) {
                case ConnectionLifecycle.Effect.OpenSocket open -> openSocket(open.generation());
                case ConnectionLifecycle.Effect.SendPing ping -> {
                    send(ping.generation(), codec.encode(new WireFrames.Ping()));
                    WireFrames.ClientStatus status = latestStatus;
                    if (status != null && (!status.equals(sentStatus) || input instanceof ConnectionLifecycle.Input.SocketOpened)) {
                        send(ping.generation(), codec.encode(status)); // transport thread only: no race on sentStatus
                        sentStatus = status;
                    }
                }
                case ConnectionLifecycle.Effect.AbortSocket abort -> {
                    SocketHandle handle = removeSocket(abort.generation());
                    if (handle != null) {
                        handle.ws.abort();
                    }
                }
                case ConnectionLifecycle.Effect.CloseSocket close -> {
                    SocketHandle handle = removeSocket(close.generation());
                    if (handle != null) {
                        handle.ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closing").orTimeout(2, TimeUnit.SECONDS)
                                .whenComplete((ok, e) -> handle.ws.abort());
                    }
                }
                case ConnectionLifecycle.Effect.Deliver deliver -> {
                    if (delivery != null) {
                        delivered = true;
                        deliver(delivery);
                    }
                }
                case ConnectionLifecycle.Effect.AnnounceConnected connected -> {
                    ConnectionListener l = listener;
                    if (l != null) {
                        l.connected();
                    }
                }
                case ConnectionLifecycle.Effect.AnnounceDisconnected disconnected -> {
                    ConnectionListener l = listener;
                    if (l != null) {
                        l.disconnected(disconnected.cause());
                    }
                }
                case ConnectionLifecycle.Effect.FailInFlight fail -> {
                    SyncException offline = new SyncException(new SyncError.Offline(fail.cause()));
                    failedPushes.forEach(p -> p.completeExceptionally(offline));
                    failedPulls.forEach(p -> p.failed(new SyncError.Offline(fail.cause())));
                }
                case ConnectionLifecycle.Effect.ScheduleReconnect reconnect -> {
                    try {
                        transport.schedule(() -> handle(new ConnectionLifecycle.Input.ReconnectDue(reconnect.token()),
                                null), reconnect.delayMillis(), TimeUnit.MILLISECONDS);
                    } catch (RejectedExecutionException closing) {
                        // closed
                    }
                }
                case ConnectionLifecycle.Effect.Log entry -> {
                    ConnectionListener l = listener;
                    if (l != null && input instanceof ConnectionLifecycle.Input.SocketFailedToOpen failed) {
                        l.connectFailed(failed.cause() + " (" + entry.detail().replaceFirst("^.*; ", "") + ")");
                    }
                }
            }
        }
        if (delivery != null && !delivered) {
            delivery.receiver.frameDone(); // a frame of a superseded socket: dropped unread
        }
    }

    private SocketHandle removeSocket(long generation) {
        lock.lock();
        try {
            return sockets.remove(generation);
        } finally {
            lock.unlock();
        }
    }

    private void openSocket(long generation) {
        URI target;
        try {
            target = uriFor(currentToken()); // a token supplier may hand out a fresh token for every connect
            uri = target;
        } catch (RuntimeException e) {
            post(new ConnectionLifecycle.Input.SocketFailedToOpen(generation, "the auth token supplier failed: " + e));
            return;
        }
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(target, new Receiver(generation))
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        post(new ConnectionLifecycle.Input.SocketFailedToOpen(generation, connectFailure(target, error)));
                    }
                });
    }

    /** Why a connect failed, naming a refused token (HTTP 401/403 at the upgrade) plainly. */
    private static String connectFailure(URI target, Throwable error) {
        Throwable t = error;
        while (t != null && !(t instanceof java.net.http.WebSocketHandshakeException)) {
            t = t.getCause();
        }
        if (t instanceof java.net.http.WebSocketHandshakeException handshake) {
            int status = handshake.getResponse().statusCode();
            if (status == 401 || status == 403) {
                return "the server refused the auth token (HTTP " + status + " at the upgrade): an expired or wrong "
                        + "token; give the backend a fresh one (WebSocketSyncBackend.Builder.authTokenSupplier)";
            }
            return "the server refused the upgrade (HTTP " + status + ")";
        }
        return "cannot connect to " + target.getHost() + ":" + target.getPort() + ": " + rootMessage(error);
    }

    /** Sends on socket {@code generation} if it is still open; false when it is gone. */
    private boolean send(long generation, String text) {
        lock.lock();
        try {
            SocketHandle handle = sockets.get(generation);
            if (handle == null) {
                return false;
            }
            handle.sendChain = handle.sendChain.handle((ok, error) -> null)
                    .thenCompose(x -> handle.ws.sendText(text, true));
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PullSubscription pull(long cursor, String backendId, boolean live, PullListener pullListener) {
        String id = Long.toString(nextRequestId.getAndIncrement());
        long generation;
        lock.lock();
        try {
            if (!state.announced()) {
                generation = -1;
            } else {
                generation = state.openGeneration();
                pulls.put(id, pullListener);
                send(generation, codec.encode(new WireFrames.PullRequest(id, storeId, syncPayload, live,
                        cursor == 0 ? null : cursor, cursor == 0 ? null : backendId)));
            }
        } finally {
            lock.unlock();
        }
        if (generation < 0) {
            pullListener.failed(new SyncError.Offline("not connected"));
            return () -> { };
        }
        return () -> {
            lock.lock();
            try {
                if (pulls.remove(id) != null) {
                    send(generation, codec.encode(new WireFrames.Interrupt(id)));
                }
            } finally {
                lock.unlock();
            }
        };
    }

    @Override
    public CompletableFuture<Void> push(List<Event> batch, String backendId) {
        return push(batch, backendId, false).thenApply(ack -> null);
    }

    /**
     * Sends {@code payload.chainsOnPrevious} on every push (LiveStore's servers ignore it; livesync's acknowledge it
     * with {@code chainsEnforced}); pushes go out in call order on the current socket.
     */
    @Override
    public CompletableFuture<PushAck> push(List<Event> batch, String backendId, boolean chainsOnPrevious) {
        String id = Long.toString(nextRequestId.getAndIncrement());
        CompletableFuture<PushAck> done = new CompletableFuture<>();
        lock.lock();
        try {
            if (!state.announced()) {
                return CompletableFuture.failedFuture(new SyncException(new SyncError.Offline("not connected")));
            }
            pushes.put(id, done);
            send(state.openGeneration(), codec.encode(new WireFrames.PushRequest(id, storeId, syncPayload, batch,
                    backendId, chainsOnPrevious)));
        } finally {
            lock.unlock();
        }
        return done;
    }

    /** Whether the transport is connected (a frame arrived on the current socket). */
    public boolean isConnected() {
        lock.lock();
        try {
            return state.announced();
        } finally {
            lock.unlock();
        }
    }

    /** A complete text frame of socket {@code generation}, read by {@code receiver}. */
    private record Delivery(long generation, String text, Receiver receiver) {}

    /** JDK socket callbacks: they only assemble frames and post inputs. */
    private final class Receiver implements WebSocket.Listener {
        private final long generation;
        private final StringBuilder partial = new StringBuilder();
        private final AtomicInteger unprocessed = new AtomicInteger();
        private final ReentrantLock pauseLock = new ReentrantLock();
        private boolean readPaused;
        private volatile WebSocket socket;

        Receiver(long generation) {
            this.generation = generation;
        }

        @Override
        public void onOpen(WebSocket ws) {
            socket = ws;
            lock.lock();
            try {
                sockets.put(generation, new SocketHandle(ws));
            } finally {
                lock.unlock();
            }
            post(new ConnectionLifecycle.Input.SocketOpened(generation));
            ws.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                Delivery delivery = new Delivery(generation, partial.toString(), this);
                partial.setLength(0);
                unprocessed.incrementAndGet();
                try {
                    transport.execute(() -> handle(new ConnectionLifecycle.Input.Frame(generation), delivery));
                } catch (RejectedExecutionException closing) {
                    return null;
                }
            }
            if (unprocessed.get() < READ_AHEAD_FRAMES) {
                ws.request(1);
            } else {
                pause();
                if (unprocessed.get() < READ_AHEAD_FRAMES) {
                    resumeIfPaused(); // the last frame finished between the check and the pause
                }
            }
            return null;
        }

        /** A frame was processed (or dropped): read on if reading was paused. */
        void frameDone() {
            if (unprocessed.decrementAndGet() < READ_AHEAD_FRAMES) {
                resumeIfPaused();
            }
        }

        // Pause and resume post their inputs under one lock, so the machine sees them in the order they happened
        // (a resume overtaking its pause would leave the silence clock suspended for good).
        private void pause() {
            pauseLock.lock();
            try {
                if (!readPaused) {
                    readPaused = true; // backpressure onto the socket and the server; the silence clock stops
                    post(new ConnectionLifecycle.Input.ReadPaused(generation));
                }
            } finally {
                pauseLock.unlock();
            }
        }

        private void resumeIfPaused() {
            boolean resumed = false;
            pauseLock.lock();
            try {
                if (readPaused) {
                    readPaused = false;
                    post(new ConnectionLifecycle.Input.ReadResumed(generation));
                    resumed = true;
                }
            } finally {
                pauseLock.unlock();
            }
            WebSocket ws = socket;
            if (resumed && ws != null) {
                ws.request(1);
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            post(new ConnectionLifecycle.Input.SocketLost(generation, "closed by the server: " + statusCode + " "
                    + reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            post(new ConnectionLifecycle.Input.SocketLost(generation, "socket error: " + rootMessage(error)));
        }
    }

    /** On the transport thread, for a frame of the current socket. */
    private void deliver(Delivery delivery) {
        WireFrames.ServerFrame frame;
        try {
            frame = codec.parseServerFrame(delivery.text());
        } catch (WireException e) {
            System.err.println("livesync: ignoring a malformed server frame: " + e.getMessage());
            delivery.receiver().frameDone();
            return;
        }
        switch (frame) {
            case WireFrames.Pong pong -> delivery.receiver().frameDone();
            case WireFrames.Chunk chunk -> {
                PullListener l;
                lock.lock();
                try {
                    l = pulls.get(chunk.requestId());
                } finally {
                    lock.unlock();
                }
                if (l == null) {
                    delivery.receiver().frameDone();
                    return;
                }
                List<CompletableFuture<Void>> processed = new ArrayList<>();
                for (WireFrames.PullResponse r : chunk.values()) {
                    processed.add(l.page(r.batch(), r.pageInfo(), r.backendId()).toCompletableFuture());
                }
                // acknowledge once the leader applied the pages: the server's catch-up waits for acks
                CompletableFuture.allOf(processed.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
                    send(delivery.generation(), codec.encode(new WireFrames.Ack(chunk.requestId())));
                    delivery.receiver().frameDone();
                });
            }
            case WireFrames.Exit exit -> {
                onExit(exit);
                delivery.receiver().frameDone();
            }
        }
    }

    private void onExit(WireFrames.Exit exit) {
        CompletableFuture<PushAck> push;
        PullListener pull = null;
        lock.lock();
        try {
            push = pushes.remove(exit.requestId());
            if (push == null) {
                pull = pulls.remove(exit.requestId());
            }
        } finally {
            lock.unlock();
        }
        if (push != null) {
            switch (exit.exit()) {
                case WireFrames.Success s -> push.complete(s.value() != null && s.value().path("chainsEnforced")
                        .asBoolean(false) ? new PushAck(true) : PushAck.PLAIN);
                case WireFrames.Failure f -> push.completeExceptionally(new SyncException(WireErrors.toSyncError(f.error())));
            }
            return;
        }
        if (pull != null) {
            switch (exit.exit()) {
                case WireFrames.Success s -> pull.ended();
                case WireFrames.Failure f -> pull.failed(WireErrors.toSyncError(f.error()));
            }
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    @Override
    public String describe() {
        return uri.getScheme() + "://" + uri.getHost() + ":" + uri.getPort() + uri.getPath();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        CountDownLatch done = new CountDownLatch(1);
        try {
            transport.execute(() -> {
                handle(new ConnectionLifecycle.Input.Close(), null);
                done.countDown();
            });
            done.await(5, TimeUnit.SECONDS);
        } catch (RejectedExecutionException alreadyClosed) {
            // nothing left to close
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        transport.shutdownNow();
        http.close();
    }

    /** Builder; fails fast on bad values. */
    public static final class Builder {
        private final URI serverUrl;
        private final String storeId;
        private java.util.function.Supplier<String> tokenSupplier;
        private long pingIntervalMillis = 10_000;
        private long reconnectBaseMillis = 1000;
        private long reconnectCapMillis = 30_000;
        private WireLimits limits = new WireLimits(16 << 20, 10_000, 4 << 20, 256);
        private long seed = System.nanoTime();
        private WireLimits serverLimits = WireLimits.DEFAULT;
        private io.livesync.core.Clock clock = io.livesync.core.Clock.system();
        private boolean reportStatus = true;

        private Builder(URI serverUrl, String storeId) {
            this.serverUrl = Objects.requireNonNull(serverUrl, "serverUrl");
            if (!"ws".equals(serverUrl.getScheme()) && !"wss".equals(serverUrl.getScheme())) {
                throw new IllegalArgumentException("the server URL must be ws:// or wss://, got " + serverUrl);
            }
            this.storeId = Objects.requireNonNull(storeId, "storeId");
        }

        public Builder authToken(String token) {
            this.tokenSupplier = token == null ? null : () -> token;
            return this;
        }

        /**
         * Where the auth token comes from: asked at every (re)connect, so an app can hand out a fresh JWT before the
         * old one expires (the server closes a socket whose token expired; a refused token is reported as
         * {@code connect-failed} in the log and in {@code syncStatus().connectionProblem()}).
         */
        public Builder authTokenSupplier(java.util.function.Supplier<String> supplier) {
            this.tokenSupplier = Objects.requireNonNull(supplier, "supplier");
            return this;
        }

        public Builder pingIntervalMillis(long millis) {
            if (millis < 10) {
                throw new IllegalArgumentException("pingIntervalMillis must be >= 10, got " + millis);
            }
            this.pingIntervalMillis = millis;
            return this;
        }

        public Builder reconnectBackoff(long baseMillis, long capMillis) {
            if (baseMillis < 1 || capMillis < baseMillis) {
                throw new IllegalArgumentException("reconnect backoff needs 1 <= base <= cap, got " + baseMillis + ", "
                        + capMillis);
            }
            this.reconnectBaseMillis = baseMillis;
            this.reconnectCapMillis = capMillis;
            return this;
        }

        public Builder seed(long s) {
            this.seed = s;
            return this;
        }

        /**
         * Whether to report the leader's sync state to the server with each ping (default true: livesync's server
         * shows it on its dashboard and makes its stall flag certain; other servers ignore the unknown frame tag).
         */
        public Builder reportStatus(boolean on) {
            this.reportStatus = on;
            return this;
        }

        /** The clock the connection lifecycle reads (ping timeouts); default {@link io.livesync.core.Clock#system()}. */
        public Builder clock(io.livesync.core.Clock c) {
            this.clock = Objects.requireNonNull(c, "clock");
            return this;
        }

        /**
         * The limits the server enforces ({@code livesync server --max-frame-bytes ...}; default
         * {@link WireLimits#DEFAULT}, the server's default). Pushes are cut to fit them and a commit of an event
         * that could never fit fails with {@link EventTooLargeException}. A server with smaller limits than
         * configured is still handled: a batch it refuses for its size is split in half, never re-sent unchanged.
         */
        public Builder serverLimits(WireLimits limits) {
            this.serverLimits = Objects.requireNonNull(limits, "serverLimits");
            return this;
        }

        public WebSocketSyncBackend build() {
            return new WebSocketSyncBackend(this);
        }
    }
}
