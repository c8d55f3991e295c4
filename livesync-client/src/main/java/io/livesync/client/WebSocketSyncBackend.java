package io.livesync.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.Event;
import io.livesync.core.backend.SyncBackend;
import io.livesync.core.backend.SyncException;
import io.livesync.core.leader.PushLimits;
import io.livesync.core.leader.SyncError;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireLimits;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A {@link SyncBackend} that speaks LiveStore 0.4's WebSocket protocol to a livesync server (or any LiveStore-0.4
 * compatible backend), on the JDK {@link HttpClient}. Connected means "a frame arrived on the current socket", as in
 * LiveStore. It pings every {@code pingInterval}; a ping period with no frame at all drops the socket. It reconnects
 * with capped exponential backoff and jitter (reset after every successful connection). Every transport failure
 * becomes a callback: in-flight pushes fail as offline, pulls fail as offline, the listener hears
 * {@code disconnected}; nothing is left hanging.
 */
public final class WebSocketSyncBackend implements SyncBackend {

    private final URI uri;
    private final String storeId;
    private final JsonNode syncPayload;
    private final long pingIntervalMillis;
    private final long reconnectBaseMillis;
    private final long reconnectCapMillis;
    private final WireCodec codec;
    private final PushLimits pushLimits;
    private final HttpClient http;
    private final ScheduledExecutorService timers;
    private final SplittableRandom random;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, CompletableFuture<Void>> pushes = new ConcurrentHashMap<>();
    private final Map<String, PullListener> pulls = new ConcurrentHashMap<>();
    private final AtomicLong nextRequestId = new AtomicLong();
    private volatile ConnectionListener listener;
    private volatile WebSocket socket;
    private volatile boolean connected;
    private volatile boolean closed;
    private volatile long lastFrameNanos;
    private CompletableFuture<?> sendChain = CompletableFuture.completedFuture(null);
    private int reconnectAttempt;
    private long generation;

    private WebSocketSyncBackend(Builder b) {
        this.storeId = b.storeId;
        this.syncPayload = b.authToken == null ? null
                : JsonNodeFactory.instance.objectNode().put("authToken", b.authToken);
        this.pingIntervalMillis = b.pingIntervalMillis;
        this.reconnectBaseMillis = b.reconnectBaseMillis;
        this.reconnectCapMillis = b.reconnectCapMillis;
        this.codec = new WireCodec(b.limits);
        this.random = new SplittableRandom(b.seed);
        StringBuilder url = new StringBuilder(b.serverUrl.toString().replaceAll("/+$", ""));
        if (!url.toString().matches(".*/sync/[^/]+$")) {
            url.append(url.toString().endsWith("/sync") ? "/" : "/sync/").append(storeId);
        }
        url.append("?storeId=").append(encode(storeId));
        if (syncPayload != null) {
            url.append("&payload=").append(encode(encode(syncPayload.toString()))); // twice, like LiveStore (§1.1)
        }
        url.append("&transport=ws");
        this.uri = URI.create(url.toString());
        this.pushLimits = PushLimits.forServer(b.serverLimits, envelopeBytes());
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        this.timers = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("livesync-ws-" + storeId).factory());
    }

    /**
     * The largest push frame without its events this client sends: the longest request id, a backend id of up to
     * {@value #MAX_BACKEND_ID_CHARS} characters, this store id and sync payload.
     */
    private int envelopeBytes() {
        String frame = codec.encode(new WireFrames.PushRequest(Long.toString(Long.MAX_VALUE), storeId, syncPayload,
                List.of(), "x".repeat(MAX_BACKEND_ID_CHARS)));
        return frame.getBytes(StandardCharsets.UTF_8).length;
    }

    /** Room reserved for the server's backend id in a push frame (livesync's are UUIDs of 36 characters). */
    static final int MAX_BACKEND_ID_CHARS = 128;

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
        connect();
        timers.scheduleAtFixedRate(this::pingTick, pingIntervalMillis, pingIntervalMillis, TimeUnit.MILLISECONDS);
    }

    private void connect() {
        if (closed) {
            return;
        }
        long myGeneration;
        lock.lock();
        try {
            myGeneration = ++generation;
        } finally {
            lock.unlock();
        }
        http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, new Receiver(myGeneration))
                .whenComplete((ws, error) -> {
                    if (error != null) {
                        scheduleReconnect("cannot connect to " + uri.getHost() + ":" + uri.getPort() + ": "
                                + rootMessage(error));
                        return;
                    }
                    lock.lock();
                    try {
                        socket = ws;
                        sendChain = CompletableFuture.completedFuture(null);
                    } finally {
                        lock.unlock();
                    }
                    lastFrameNanos = System.nanoTime();
                    send(codec.encode(new WireFrames.Ping()));
                });
    }

    private void scheduleReconnect(String cause) {
        if (closed) {
            return;
        }
        long delay;
        lock.lock();
        try {
            long base = Math.min(reconnectCapMillis, reconnectBaseMillis << Math.min(reconnectAttempt, 20));
            delay = base / 2 + random.nextLong(base / 2 + 1);
            reconnectAttempt++;
        } finally {
            lock.unlock();
        }
        try {
            timers.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException ignored) {
            // closing
        }
    }

    /** Everything of the current socket fails; the listener hears about it once. */
    private void lost(long socketGeneration, String cause) {
        lock.lock();
        try {
            if (socketGeneration != generation) {
                return; // an older socket
            }
            generation++;
            socket = null;
        } finally {
            lock.unlock();
        }
        boolean wasConnected = connected;
        connected = false;
        SyncException offline = new SyncException(new SyncError.Offline(cause));
        pushes.values().forEach(p -> p.completeExceptionally(offline));
        pushes.clear();
        pulls.values().forEach(p -> p.failed(new SyncError.Offline(cause)));
        pulls.clear();
        if (wasConnected && listener != null) {
            listener.disconnected(cause);
        }
        scheduleReconnect(cause);
    }

    private void pingTick() {
        WebSocket ws = socket;
        if (ws == null || closed) {
            return;
        }
        if (System.nanoTime() - lastFrameNanos > TimeUnit.MILLISECONDS.toNanos(2 * pingIntervalMillis)) {
            ws.abort(); // no frame for a whole ping period: drop the socket, fail what is in flight, reconnect
            lost(generationOf(ws), "no frame from the server for " + (2 * pingIntervalMillis) + " ms");
            return;
        }
        send(codec.encode(new WireFrames.Ping()));
    }

    private long generationOf(WebSocket ws) {
        lock.lock();
        try {
            return ws == socket ? generation : -1;
        } finally {
            lock.unlock();
        }
    }

    private void send(String text) {
        lock.lock();
        try {
            WebSocket ws = socket;
            if (ws == null) {
                return;
            }
            // java.net.http.WebSocket allows one outstanding send: chain them
            sendChain = sendChain.handle((ok, error) -> null).thenCompose(x -> ws.sendText(text, true));
        } finally {
            lock.unlock();
        }
    }

    @Override
    public PullSubscription pull(long cursor, String backendId, boolean live, PullListener pullListener) {
        if (!connected) {
            pullListener.failed(new SyncError.Offline("not connected"));
            return () -> { };
        }
        String id = Long.toString(nextRequestId.getAndIncrement());
        pulls.put(id, pullListener);
        send(codec.encode(new WireFrames.PullRequest(id, storeId, syncPayload, live, cursor == 0 ? null : cursor,
                cursor == 0 ? null : backendId)));
        return () -> {
            if (pulls.remove(id) != null) {
                send(codec.encode(new WireFrames.Interrupt(id)));
            }
        };
    }

    @Override
    public CompletableFuture<Void> push(List<Event> batch, String backendId) {
        if (!connected) {
            return CompletableFuture.failedFuture(new SyncException(new SyncError.Offline("not connected")));
        }
        String id = Long.toString(nextRequestId.getAndIncrement());
        CompletableFuture<Void> done = new CompletableFuture<>();
        pushes.put(id, done);
        send(codec.encode(new WireFrames.PushRequest(id, storeId, syncPayload, batch, backendId)));
        return done;
    }

    /** Chunks read from the socket whose pages the leader has not processed yet; reading pauses at this many. */
    private static final int READ_AHEAD_CHUNKS = 8;

    private final class Receiver implements WebSocket.Listener {
        private final long socketGeneration;
        private final StringBuilder partial = new StringBuilder();
        private final java.util.concurrent.atomic.AtomicInteger unprocessed = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicBoolean readPaused = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile WebSocket current;

        Receiver(long socketGeneration) {
            this.socketGeneration = socketGeneration;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            current = ws;
            partial.append(data);
            if (last) {
                String text = partial.toString();
                partial.setLength(0);
                onFrame(text);
            }
            if (unprocessed.get() < READ_AHEAD_CHUNKS) {
                ws.request(1);
            } else {
                readPaused.set(true); // resumed by chunkProcessed(): backpressure onto the socket and the server
            }
            return null;
        }

        private void chunkProcessed() {
            if (unprocessed.decrementAndGet() < READ_AHEAD_CHUNKS && readPaused.compareAndSet(true, false)) {
                WebSocket ws = current;
                if (ws != null) {
                    ws.request(1);
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            lost(socketGeneration, "closed by the server: " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            lost(socketGeneration, "socket error: " + rootMessage(error));
        }

        private void onFrame(String text) {
            lastFrameNanos = System.nanoTime();
            if (!connected) {
                connected = true;
                lock.lock();
                try {
                    reconnectAttempt = 0;
                } finally {
                    lock.unlock();
                }
                if (listener != null) {
                    listener.connected();
                }
            }
            WireFrames.ServerFrame frame;
            try {
                frame = codec.parseServerFrame(text);
            } catch (WireException e) {
                System.err.println("livesync: ignoring a malformed server frame: " + e.getMessage());
                return;
            }
            switch (frame) {
                case WireFrames.Pong pong -> { }
                case WireFrames.Chunk chunk -> {
                    PullListener l = pulls.get(chunk.requestId());
                    if (l != null) {
                        List<CompletableFuture<Void>> processed = new java.util.ArrayList<>();
                        for (WireFrames.PullResponse r : chunk.values()) {
                            processed.add(l.page(r.batch(), r.pageInfo(), r.backendId()).toCompletableFuture());
                        }
                        unprocessed.incrementAndGet();
                        // acknowledge once the leader applied the pages: the server's catch-up waits for acks
                        CompletableFuture.allOf(processed.toArray(CompletableFuture[]::new)).whenComplete((ok, e) -> {
                            send(codec.encode(new WireFrames.Ack(chunk.requestId())));
                            chunkProcessed();
                        });
                    }
                }
                case WireFrames.Exit exit -> onExit(exit);
            }
        }
    }

    private void onExit(WireFrames.Exit exit) {
        CompletableFuture<Void> push = pushes.remove(exit.requestId());
        if (push != null) {
            switch (exit.exit()) {
                case WireFrames.Success s -> push.complete(null);
                case WireFrames.Failure f -> push.completeExceptionally(new SyncException(toSyncError(f.error())));
            }
            return;
        }
        PullListener pull = pulls.remove(exit.requestId());
        if (pull != null) {
            switch (exit.exit()) {
                case WireFrames.Success s -> pull.ended();
                case WireFrames.Failure f -> pull.failed(toSyncError(f.error()));
            }
        }
    }

    /** Maps a wire error to the leader's taxonomy; livesync's typed codes say which are worth retrying. */
    static SyncError toSyncError(WireFrames.WireError error) {
        return switch (error) {
            case WireFrames.ServerAheadError e -> new SyncError.ServerAhead(e.minimumExpectedNum(), e.providedNum());
            case WireFrames.BackendIdMismatchError e -> new SyncError.BackendIdMismatch(e.expected(), e.received());
            case WireFrames.UnknownError e -> {
                JsonNode cause = e.cause() == null ? JsonNodeFactory.instance.nullNode() : e.cause();
                String code = cause.path("code").asText("");
                String message = cause.path("message").asText(cause.toString());
                java.util.Optional<WireErrorCode> known = WireErrorCode.fromWire(code);
                yield known.isPresent() && !known.get().retryable()
                        ? new SyncError.Refused(code, message)
                        : new SyncError.Transient((code.isEmpty() ? "" : code + ": ") + message);
            }
        };
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
        closed = true;
        timers.shutdownNow();
        WebSocket ws = socket;
        if (ws != null) {
            ws.sendClose(WebSocket.NORMAL_CLOSURE, "client closing").orTimeout(2, TimeUnit.SECONDS)
                    .exceptionally(e -> null);
            ws.abort();
        }
        SyncException offline = new SyncException(new SyncError.Offline("backend closed"));
        pushes.values().forEach(p -> p.completeExceptionally(offline));
        pushes.clear();
        pulls.clear();
        http.close();
    }

    /** Builder; fails fast on bad values. */
    public static final class Builder {
        private final URI serverUrl;
        private final String storeId;
        private String authToken;
        private long pingIntervalMillis = 10_000;
        private long reconnectBaseMillis = 1000;
        private long reconnectCapMillis = 30_000;
        private WireLimits limits = new WireLimits(16 << 20, 10_000, 4 << 20, 256);
        private long seed = System.nanoTime();
        private WireLimits serverLimits = WireLimits.DEFAULT;

        private Builder(URI serverUrl, String storeId) {
            this.serverUrl = Objects.requireNonNull(serverUrl, "serverUrl");
            if (!"ws".equals(serverUrl.getScheme()) && !"wss".equals(serverUrl.getScheme())) {
                throw new IllegalArgumentException("the server URL must be ws:// or wss://, got " + serverUrl);
            }
            this.storeId = Objects.requireNonNull(storeId, "storeId");
        }

        public Builder authToken(String token) {
            this.authToken = token;
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
