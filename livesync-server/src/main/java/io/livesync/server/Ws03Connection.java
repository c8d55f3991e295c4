package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.StoreHub;
import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireFrames;
import io.livesync.core.wire.Wire03Codec;
import io.livesync.core.wire.Wire03Frames;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * One client's WebSocket in LiveStore 0.3's protocol ({@code @livestore/sync-cf} {@code makeCfSync}, served at
 * {@code /websocket}; see the project's H001-REAL-CLIENTS.md): {@code WSMessage.PullReq/PullRes/PushReq/PushAck/Error/
 * Ping/Pong}. It runs on the same {@link StoreHub} (same arbitration, storage and broadcast) as the 0.4 protocol, so
 * a 0.3 and a 0.4 client can share a store. Same concurrency policy as {@link WsConnection}: Pongs jump the queue,
 * requests run on virtual threads, one writer per socket.
 */
public final class Ws03Connection extends SocketConnection {


    private final Wire03Codec codec;
    /** This socket's pushes, one at a time in arrival order (as the 0.4 protocol's). */
    private final PushLane pushes = pushLane("livesync-push-03");
    private volatile StoreHub.Subscription live;
    private volatile boolean pullRequested;
    private final java.util.concurrent.locks.ReentrantLock liveLock = new java.util.concurrent.locks.ReentrantLock();

    /** Who the upgrade admitted: LiveStore 0.3 sends its token only there. */
    private final Authenticator.Decision.Granted identity;

    Ws03Connection(SyncServer server, String storeId, String remote, Authenticator.Decision.Granted identity) {
        super(server, storeId, remote);
        this.identity = identity;
        this.codec = new Wire03Codec(server.codec());
    }

    @Override
    public void onWebSocketOpen(Session s) {
        opened(s, "livesync-ws03-writer");
        // In the 0.3 protocol every socket of a store receives every accepted batch, pull request or not (the 0.3.1
        // client does not re-send its pull after a reconnect); a PullReq replaces this with a catch-up + live pull.
        io.livesync.core.Threads.startVirtual("livesync-ws03-follow", this::followLive);
    }

    private void followLive() {
        // Every non-empty page counts, including those delivered while subscribe() is still running (batches accepted
        // during its catch-up are handed over before it returns): only the empty first page is not a 0.3 frame.
        StoreHub.Sink sink = new StoreHub.Sink() {
            @Override
            public void page(WireFrames.PullResponse r) {
                server.facts().pulled(Ws03Connection.this, r);
                if (!pullRequested && !r.batch().isEmpty()) {
                    send(pullRes(r.batch(), 0, "push", "live"));
                }
            }

            @Override
            public void failed(WireFrames.WireError error) {}

            @Override
            public void ended() {}

            @Override
            public boolean cancelled() {
                return closed.get();
            }

            @Override
            public void shed(String reason) {
                Ws03Connection.this.shed(reason);
            }
        };
        try {
            long head = server.hub().head(storeId);
            server.facts().pullStarted(this, head, true);
            StoreHub.Subscription sub = server.hub().subscribe(storeId, head, null, true, sink, this);
            if (pullRequested) {
                sub.cancel(); // the client's own pull took over
            } else {
                replaceLive(sub);
            }
        } catch (RuntimeException e) {
            server.log().write(LogLevel.WARN, "follow-failed", "store", storeId, "error", e.toString(), "protocol", "0.3");
        }
    }

    /** Installs {@code next} as this socket's live subscription, cancelling the previous one. */
    private void replaceLive(StoreHub.Subscription next) {
        StoreHub.Subscription previous;
        liveLock.lock();
        try {
            previous = live;
            live = next;
        } finally {
            liveLock.unlock();
        }
        if (previous != null && previous != next) {
            previous.cancel();
        }
        if (closed.get()) {
            next.cancel();
        }
    }

    @Override
    public void onWebSocketText(String text) {
        Wire03Frames.ClientFrame frame;
        try {
            frame = codec.parseClientFrame(text);
        } catch (WireException e) {
            server.metrics().protocolError(e.code());
            if (e.requestId() != null) { // a push whose batch is malformed: answered, the socket stays
                send(new Wire03Frames.Error(e.requestId(), e.code() + ": " + e.getMessage()));
            } else {
                close(StatusCode.BAD_PAYLOAD, e.code() + ": " + e.getMessage());
            }
            return;
        }
        switch (frame) {
            case Wire03Frames.Ping ping -> {
                if (withinQueueBounds()) {
                    outbound.urgent(Wire03Codec.encode(new Wire03Frames.Pong(ping.requestId())));
                }
            }
            case Wire03Frames.PullReq pull -> io.livesync.core.Threads.startVirtual("livesync-pull-03",
                    () -> pull(pull.requestId(), pull.cursor() == null ? 0 : pull.cursor()));
            case Wire03Frames.PushReq push -> submitPush(pushes, () -> push(push.requestId(), push.batch()),
                    text.length());
            case Wire03Frames.Unknown unknown -> server.log().write(LogLevel.DEBUG, "unknown-frame", "store", storeId, "tag",
                    unknown.tag(), "protocol", "0.3");
        }
    }

    private void pull(String requestId, long cursor) {
        pullRequested = true;
        AtomicBoolean caughtUp = new AtomicBoolean();
        StoreHub.Sink sink = new StoreHub.Sink() {
            @Override
            public void page(WireFrames.PullResponse r) {
                server.facts().pulled(Ws03Connection.this, r);
                boolean liveBatch = caughtUp.get();
                long remaining = r.pageInfo() instanceof PageInfo.MoreKnown k ? k.remaining() : 0;
                send(pullRes(r.batch(), liveBatch ? 0 : remaining, liveBatch ? "push" : "pull",
                        liveBatch ? "live" : requestId));
            }

            @Override
            public void failed(WireFrames.WireError error) {
                send(error(requestId, WireCodec.error(error).toString()));
            }

            @Override
            public void ended() {}

            @Override
            public boolean cancelled() {
                return closed.get();
            }

            @Override
            public void shed(String reason) {
                Ws03Connection.this.shed(reason);
            }
        };
        try {
            StoreHub.Subscription previous = live;
            if (previous != null) {
                previous.cancel(); // the catch-up below covers whatever the follow subscription had not sent
            }
            server.facts().pullStarted(this, cursor, true);
            StoreHub.Subscription sub = server.hub().subscribe(storeId, cursor, null, true, sink, this);
            caughtUp.set(true);
            replaceLive(sub);
        } catch (StoreHub.TooManySubscribers e) {
            server.metrics().shedConnections.increment();
            close(StatusCode.TRY_AGAIN_LATER, "too-many-subscribers");
        } catch (RuntimeException e) {
            close(StatusCode.SERVER_ERROR, "storage-error");
        }
    }

    private void push(String requestId, List<Event> batch) {
        if (!identity.mayWrite()) {
            server.audit().refused(WireErrorCode.FORBIDDEN, identity.subject(), "push", storeId,
                    "read-only access to store \"" + storeId + "\": pushes are refused", remote);
            server.metrics().pushRejected("forbidden");
            send(error(requestId, WireCodec.error(WireCodec.typedError(WireErrorCode.FORBIDDEN,
                    "read-only access to store \"" + storeId + "\": pushes are refused")).toString()));
            return;
        }
        PushPipeline.Reply reply = server.push(new PushPipeline.Request(PushPipeline.Transport.WS_03, storeId, batch,
                null, identity.subject(), remote, this));
        switch (reply) {
            case PushPipeline.Reply.Accepted accepted -> send(new Wire03Frames.PushAck(requestId));
            case PushPipeline.Reply.Refused refused -> send(error(requestId,
                    refused.error() instanceof WireFrames.ServerAheadError ahead
                            ? "Invalid parent event number. Received e" + ahead.providedNum() + " but expected e"
                                    + ahead.minimumExpectedNum()
                            : WireCodec.error(refused.error()).toString()));
            case PushPipeline.Reply.Withheld withheld -> {
                switch (withheld.fault()) {
                    case PushPipeline.Fault.Disconnect d -> outbound.closeAfterFlush("injected fault: disconnect");
                    case PushPipeline.Fault.LostAck l -> outbound.closeAfterFlush("injected fault: lost ack"); // echo first
                    case PushPipeline.Fault.ErrorAfterStore e -> send(error(requestId,
                            "injected fault: error after store"));
                    case PushPipeline.Fault.Blackhole b -> { } // no ack; the echo went to everyone else
                }
            }
        }
    }

    private static Wire03Frames.PullRes pullRes(List<Event> events, long remaining, String context,
            String requestId) {
        return new Wire03Frames.PullRes(events, remaining, context, requestId);
    }

    private static Wire03Frames.Error error(String requestId, String message) {
        return new Wire03Frames.Error(requestId, message);
    }

    private void send(Wire03Frames.ServerFrame frame) {
        if (!closed.get() && withinQueueBounds()) {
            outbound.send(Wire03Codec.encode(frame));
        }
    }

    @Override
    public String protocol() {
        return "0.3";
    }

    @Override
    protected void endRequests() {
        pushes.close();
        StoreHub.Subscription sub = live;
        if (sub != null) {
            sub.cancel();
        }
    }
}
