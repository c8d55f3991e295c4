package io.livesync.server;

import io.livesync.core.LogLevel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;

/**
 * What the two WebSocket protocols' connections share: the socket's life (open, close, error, shed), its one writer
 * ({@link OutboundFrames}) with the per-connection queue bounds, and the server's registration and counters. A
 * subclass adds its protocol and says how its pulls end ({@link #endPulls}).
 */
abstract class SocketConnection implements Session.Listener.AutoDemanding, ServerConnection {

    protected final SyncServer server;
    protected final String storeId;
    protected final String remote;
    protected final OutboundFrames outbound = new OutboundFrames(this::close, this::shed);
    protected final AtomicBoolean closed = new AtomicBoolean();
    /** Whether the socket itself is closed (not just closing): what {@code livesync_connections_open} counts. */
    private final AtomicBoolean gone = new AtomicBoolean();
    private final AtomicBoolean shedOnce = new AtomicBoolean();
    /** Released once our close frame is written (or the socket is gone). */
    private final CountDownLatch closeWritten = new CountDownLatch(1);
    protected volatile Session session;

    SocketConnection(SyncServer server, String storeId, String remote) {
        this.server = server;
        this.storeId = storeId;
        this.remote = remote;
    }

    /** Cancels every pull of this connection and drops its waiting pushes (called once, when it closes). */
    protected abstract void endRequests();

    /** A new lane for this connection's pushes, bounded like its outbound queue. */
    protected PushLane pushLane(String threadName) {
        return new PushLane(threadName, server.config().maxQueuedFramesPerConnection(),
                server.config().maxQueuedBytesPerConnection(), io.livesync.core.Threads.REPORT);
    }

    /** Queues a push on {@code lane}; sheds the client when the lane is full (a client that floods pushes). */
    protected void submitPush(PushLane lane, Runnable push, long frameChars) {
        if (!lane.submit(push, frameChars)) {
            shed("push-flood: more than " + server.config().maxQueuedFramesPerConnection() + " pushes or "
                    + server.config().maxQueuedBytesPerConnection() + " bytes of pushes waiting");
        }
    }

    /** The socket opened: counted, registered (reset, drop and shutdown reach it), logged, its writer started. */
    protected void opened(Session s, String writerThread) {
        session = s;
        server.metrics().connectionsOpened.increment();
        server.metrics().connectionsOpen.incrementAndGet();
        server.register(this);
        server.log().write(LogLevel.INFO, "connection-open", "store", storeId, "remote", remote, "protocol", protocol());
        outbound.start(writerThread, s, closed::get, server.config().sendTimeout());
    }

    /** Whether one more frame may be queued; if not, the client is shed (a slow or flooding client). */
    protected boolean withinQueueBounds() {
        if (outbound.size() >= server.config().maxQueuedFramesPerConnection()) {
            shed("slow-consumer: more than " + server.config().maxQueuedFramesPerConnection() + " frames queued");
            return false;
        }
        if (outbound.queuedChars() >= server.config().maxQueuedBytesPerConnection()) {
            shed("slow-consumer: more than " + server.config().maxQueuedBytesPerConnection() + " bytes queued");
            return false;
        }
        return true;
    }

    @Override
    public String storeId() {
        return storeId;
    }

    @Override
    public String remote() {
        return remote;
    }

    @Override
    public void closeAfterFlush(int status, String reason) {
        outbound.closeAfterFlush(status, reason);
    }

    @Override
    public boolean awaitWriterStopped(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        return outbound.awaitFinished(timeout, unit)
                && closeWritten.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    /** Closes the socket (the client reconnects and re-pulls with its cursor). */
    @Override
    public void close(int status, String reason) {
        Session s = session;
        if (s != null && s.isOpen()) {
            String r = reason.length() > 120 ? reason.substring(0, 120) : reason;
            s.close(status, r, Callback.from(closeWritten::countDown, e -> closeWritten.countDown()));
        } else {
            closeWritten.countDown();
        }
        shutdown();
    }

    private void shutdown() {
        if (closed.compareAndSet(false, true)) {
            endRequests();
            server.unregister(this);
        }
    }

    @Override
    public void onWebSocketClose(int statusCode, String reason, Callback callback) {
        server.log().write(LogLevel.INFO, "connection-close", "store", storeId, "remote", remote, "status", statusCode,
                "reason", reason, "protocol", protocol());
        shutdown();
        closeWritten.countDown();
        gone();
        callback.succeed();
    }

    @Override
    public void onWebSocketError(Throwable cause) {
        server.log().write(LogLevel.WARN, "connection-error", "store", storeId, "remote", remote, "error", cause.toString(),
                "protocol", protocol());
        shutdown();
        closeWritten.countDown();
        gone();
    }

    /**
     * Sheds a client that does not read: logged, counted, and the connection is cut at once (a close frame could
     * never reach it), so its memory and its slot in {@code livesync_connections_open} are freed now.
     */
    void shed(String reason) {
        if (!shedOnce.compareAndSet(false, true)) {
            return;
        }
        server.log().write(LogLevel.WARN, "connection-shed", "store", storeId, "remote", remote, "reason", reason,
                "protocol", protocol());
        server.metrics().shedConnections.increment();
        Session s = session;
        shutdown();
        closeWritten.countDown();
        if (s != null) {
            s.disconnect();
        }
        gone();
    }

    private void gone() {
        if (gone.compareAndSet(false, true)) {
            server.metrics().connectionsOpen.decrementAndGet();
        }
    }
}
