package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.StoreHub;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.WireFrames.ClientFrame;
import io.livesync.core.wire.WireFrames.PullResponse;
import io.livesync.core.wire.WireFrames.WireError;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One client's WebSocket (LiveStore 0.4 protocol). Concurrency policy:
 * <ul>
 *   <li>Jetty's reader thread only parses frames; a {@code Ping} is answered by putting a {@code Pong} at the FRONT of
 *       the outbound queue, so neither storage nor broadcasts can delay it (LIVESTORE-WS-PROTOCOL §5 pitfall 1).</li>
 *   <li>Pulls run on their own virtual threads; pushes run one at a time in arrival order on one virtual thread per
 *       connection while any are waiting ({@link PushLane}), so a client's chained batches are never reordered.</li>
 *   <li>One writer virtual thread sends queued frames one at a time. A client whose queue exceeds
 *       {@code maxQueuedFramesPerConnection} frames or {@code maxQueuedBytesPerConnection} chars, that does not take a
 *       frame within the send timeout, runs more than {@code maxPullsPerConnection} pulls or overflows a pull's
 *       buffer is shed by cutting its socket (logged, counted); a live pull is never ended or failed.</li>
 * </ul>
 */
public final class WsConnection extends SocketConnection {

    private static final Pattern REQUEST_ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]{1,40})\"");

    private final String pongText;
    private final Map<String, PullHandle> pulls = new ConcurrentHashMap<>();
    /** This connection's pushes, one at a time in arrival order (chained batches are never reordered). */
    private final PushLane pushes = pushLane("livesync-push");
    /** What this socket's last push became: a livesync client's pipelined push is stored only on top of it. */
    private final io.livesync.hub.PushChain pushChain = new io.livesync.hub.PushChain();

    /** Un-acked catch-up chunks a pull may have in flight (LiveStore's client buffers 16). */
    private static final int CATCH_UP_WINDOW = 16;

    /** A pull of this connection; Interrupt may arrive before its catch-up finished. */
    private static final class PullHandle {
        volatile boolean cancelled;
        volatile StoreHub.Subscription subscription;
        private final java.util.concurrent.locks.ReentrantLock lock = new java.util.concurrent.locks.ReentrantLock();
        private final java.util.concurrent.locks.Condition acked = lock.newCondition();
        private int unacked;

        void sent() {
            lock.lock();
            try {
                unacked++;
            } finally {
                lock.unlock();
            }
        }

        void ack() {
            lock.lock();
            try {
                unacked = Math.max(0, unacked - 1);
                acked.signalAll();
            } finally {
                lock.unlock();
            }
        }

        /** Waits while the window is full; false when no Ack came within {@code timeout} (the client is shed). */
        boolean awaitWindow(java.time.Duration timeout) throws InterruptedException {
            lock.lock();
            try {
                long nanos = timeout.toNanos();
                while (unacked >= CATCH_UP_WINDOW && !cancelled) {
                    if (nanos <= 0) {
                        return false;
                    }
                    nanos = acked.awaitNanos(nanos);
                }
                return true;
            } finally {
                lock.unlock();
            }
        }

        void cancel() {
            cancelled = true;
            lock.lock();
            try {
                acked.signalAll();
            } finally {
                lock.unlock();
            }
            StoreHub.Subscription s = subscription;
            if (s != null) {
                s.cancel();
            }
        }
    }

    WsConnection(SyncServer server, String storeId, String remote) {
        super(server, storeId, remote);
        this.pongText = server.codec().encode(new WireFrames.Pong());
    }

    @Override
    public void onWebSocketOpen(Session s) {
        opened(s, "livesync-ws-writer");
    }

    @Override
    public void onWebSocketText(String text) {
        ClientFrame frame;
        try {
            frame = server.codec().parseClientFrame(text);
        } catch (WireException e) {
            // answered in the push lane, behind the pushes that arrived before it: a push refused while parsed (too
            // many events, malformed) must not overtake the answer to the push before it (a pipelining client takes
            // the first failure it hears as its window's first failure)
            String start = text.substring(0, Math.min(text.length(), 512)); // all protocolError reads; not the frame
            submitPush(pushes, () -> protocolError(e, start), 0);
            return;
        }
        switch (frame) {
            case WireFrames.Ping ping -> {
                if (withinQueueBounds()) {
                    outbound.urgent(pongText);
                }
            }
            case WireFrames.Ack ack -> {
                PullHandle handle = pulls.get(ack.requestId());
                if (handle != null) {
                    handle.ack();
                }
            }
            case WireFrames.Interrupt interrupt -> {
                PullHandle handle = pulls.remove(interrupt.requestId());
                if (handle != null) {
                    handle.cancel();
                }
            }
            case WireFrames.Unknown unknown -> server.log().write(LogLevel.DEBUG, "unknown-frame", "store", storeId,
                    "tag", unknown.tag());
            case WireFrames.ClientStatus status -> server.facts().reported(this, status);
            case WireFrames.PullRequest pull -> io.livesync.core.Threads.startVirtual("livesync-pull", () -> handlePull(pull));
            case WireFrames.PushRequest push -> submitPush(pushes, () -> handlePush(push), text.length());
        }
    }

    private void handlePush(WireFrames.PushRequest push) {
        Object admitted = checkRequest(push.storeId(), push.syncPayload(), "push", true);
        if (admitted instanceof WireError refusal) {
            server.metrics().pushRejected(refusal instanceof WireFrames.UnknownError u
                    && "forbidden".equals(u.cause().path("code").asText()) ? "forbidden" : "refused");
            exit(push.id(), refusal);
            return;
        }
        String subject = ((Authenticator.Decision.Granted) admitted).subject();
        boolean livesyncClient = push.chainsOnPrevious() != null;
        PushPipeline.Reply reply = server.push(new PushPipeline.Request(PushPipeline.Transport.WS_04, storeId,
                push.batch(), push.backendId(), subject, remote, this, pushChain,
                livesyncClient && push.chainsOnPrevious()));
        switch (reply) {
            case PushPipeline.Reply.Accepted accepted -> {
                com.fasterxml.jackson.databind.node.ObjectNode ack =
                        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
                if (livesyncClient) {
                    ack.put("chainsEnforced", true); // only to clients that asked: LiveStore's get the plain {}
                }
                send(server.codec().encode(new WireFrames.Exit(push.id(), new WireFrames.Success(ack))));
            }
            case PushPipeline.Reply.Refused refused -> exit(push.id(), refused.error());
            case PushPipeline.Reply.Withheld withheld -> {
                switch (withheld.fault()) {
                    case PushPipeline.Fault.Disconnect d -> close(StatusCode.SERVER_ERROR, "injected fault: disconnect");
                    case PushPipeline.Fault.LostAck l -> outbound.closeAfterFlush("injected fault: lost ack"); // echo first
                    case PushPipeline.Fault.ErrorAfterStore e -> exit(push.id(), WireCodec.typedError(
                            WireErrorCode.STORAGE_ERROR, "injected fault: error after store"));
                    case PushPipeline.Fault.Blackhole b -> { } // no ack; the echo went to everyone else
                }
            }
        }
    }

    private void handlePull(WireFrames.PullRequest pull) {
        if (checkRequest(pull.storeId(), pull.syncPayload(), "pull", false) instanceof WireError refusal) {
            exit(pull.id(), refusal);
            return;
        }
        if (pulls.size() >= server.config().maxPullsPerConnection()) {
            shed("too-many-pulls: more than " + server.config().maxPullsPerConnection() + " pulls on one socket");
            return;
        }
        PullHandle handle = new PullHandle();
        pulls.put(pull.id(), handle);
        StoreHub.Sink sink = new StoreHub.Sink() {
            @Override
            public void page(PullResponse response) {
                if (!handle.cancelled) {
                    server.facts().pulled(WsConnection.this, response);
                    handle.sent();
                    send(server.codec().encode(new WireFrames.Chunk(pull.id(), List.of(response))));
                }
            }

            @Override
            public void awaitCatchUpWindow() {
                try {
                    if (!handle.awaitWindow(server.config().sendTimeout())) {
                        shed("catch-up-ack-timeout: no Ack of pull " + pull.id() + " within "
                                + server.config().sendTimeout().toMillis() + " ms");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    handle.cancel();
                }
            }

            @Override
            public boolean cancelled() {
                return handle.cancelled || closed.get();
            }

            @Override
            public void shed(String reason) {
                WsConnection.this.shed(reason);
            }

            @Override
            public void failed(WireError error) {
                pulls.remove(pull.id());
                exit(pull.id(), error);
            }

            @Override
            public void ended() {
                pulls.remove(pull.id());
                send(server.codec().encode(new WireFrames.Exit(pull.id(), new WireFrames.Success(null))));
            }
        };
        try {
            long cursor = pull.cursor() == null ? 0 : pull.cursor();
            server.facts().pullStarted(this, cursor, pull.live());
            StoreHub.Subscription sub = server.hub().subscribe(storeId, cursor, pull.cursorBackendId(), pull.live(), sink,
                    this);
            handle.subscription = sub;
            if (handle.cancelled || closed.get()) {
                sub.cancel();
            }
        } catch (StoreHub.TooManySubscribers e) {
            // log first, then count: whoever sees the counter move finds the line
            server.log().write(LogLevel.WARN, "connection-shed", "store", storeId, "remote", remote, "reason", e.getMessage());
            server.metrics().shedConnections.increment();
            close(StatusCode.TRY_AGAIN_LATER, "too-many-subscribers");
        } catch (RuntimeException e) {
            server.log().write(LogLevel.ERROR, "pull-failed", "store", storeId, "error", e.toString());
            close(StatusCode.SERVER_ERROR, "storage-error"); // never fail a live pull: the client re-pulls
        }
    }

    /**
     * Checks the request's store and token (LiveStore repeats the sync payload in every request): the
     * {@link Authenticator.Decision.Granted} identity, or the {@link WireError} to answer.
     */
    private Object checkRequest(String requestStore, com.fasterxml.jackson.databind.JsonNode syncPayload,
            String action, boolean write) {
        if (!storeId.equals(requestStore)) {
            server.metrics().protocolError("wrong-store");
            return WireCodec.typedError(WireErrorCode.WRONG_STORE, "this connection is for store \"" + storeId
                    + "\", the request names \"" + requestStore + "\"");
        }
        return switch (server.admit(storeId, Authenticator.authToken(syncPayload), action, write, remote)) {
            case Authenticator.Decision.Granted granted -> granted;
            case Authenticator.Decision.Refused refused -> WireCodec.typedError(refused.code(),
                    refused.code() == WireErrorCode.UNAUTHORIZED
                            ? "missing or wrong authToken for store \"" + storeId + "\" (" + refused.reason() + ")"
                            : refused.reason());
        };
    }

    private void protocolError(WireException e, String text) {
        server.metrics().protocolError(e.code());
        server.log().write(LogLevel.WARN, "protocol-error", "store", storeId, "remote", remote, "code", e.code().wireName(),
                "message", e.getMessage());
        String requestId = e.requestId();
        if (requestId == null) {
            // the frame could not be parsed (too large, too deep, a 41-digit number, ...): answer the request if
            // its id is readable near the start, so the client gets a typed error instead of a closed socket
            Matcher m = REQUEST_ID.matcher(text.substring(0, Math.min(text.length(), 512)));
            requestId = m.find() ? m.group(1) : null;
        }
        if (requestId != null) {
            exit(requestId, WireCodec.typedError(e.code(), e.getMessage()));
        } else {
            // Nothing to answer to: LiveStore's protocol has no connection-level error frame (and Defect is never
            // sent), so the typed error travels as the close reason.
            close(e.code() == WireErrorCode.FRAME_TOO_LARGE ? StatusCode.MESSAGE_TOO_LARGE : StatusCode.BAD_PAYLOAD,
                    e.code() + ": " + e.getMessage());
        }
    }

    private void exit(String requestId, WireError error) {
        send(server.codec().encode(new WireFrames.Exit(requestId, new WireFrames.Failure(error))));
    }

    void send(String text) {
        if (closed.get()) {
            return;
        }
        if (withinQueueBounds()) {
            outbound.send(text);
        }
    }

    @Override
    public String protocol() {
        return "0.4";
    }

    @Override
    protected void endRequests() {
        pushes.close();
        for (PullHandle handle : pulls.values()) {
            handle.cancel();
        }
        pulls.clear();
    }
}
