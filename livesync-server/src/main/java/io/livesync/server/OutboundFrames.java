package io.livesync.server;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.eclipse.jetty.websocket.api.Callback;
import org.eclipse.jetty.websocket.api.Session;
import org.eclipse.jetty.websocket.api.StatusCode;

/**
 * The outbound side of one WebSocket: a queue drained by ONE writer virtual thread that sends a frame, waits for it to
 * be written, then sends the next (Jetty allows one outstanding send). {@link #urgent} puts a frame at the front
 * (Pongs: never delayed by queued chunks); {@link #closeAfterFlush} closes the socket once the frames queued before it
 * are written (the lost-ack fault: the echo reaches the pusher first). Shared by both protocol endpoints.
 */
final class OutboundFrames {

    private static final String CLOSE_AFTER_FLUSH = new String("close-after-flush"); // compared by identity

    private final LinkedBlockingDeque<String> queue = new LinkedBlockingDeque<>();
    private final BiConsumer<Integer, String> close;
    private final java.util.function.Consumer<String> shed;
    private final java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
    /** Chars of the frames queued and not yet handed to the socket (what a slow reader costs the heap). */
    private final java.util.concurrent.atomic.AtomicLong queuedChars = new java.util.concurrent.atomic.AtomicLong();
    private volatile String closeReason = "closed";
    private volatile int closeStatus = StatusCode.SERVER_ERROR;

    /**
     * @param close closes the socket (status, reason); called by the writer on a queued close or a failed send
     * @param shed sheds the client (reason); called when one frame is not written within the send timeout
     */
    OutboundFrames(BiConsumer<Integer, String> close, java.util.function.Consumer<String> shed) {
        this.close = close;
        this.shed = shed;
    }

    void send(String frame) {
        queuedChars.addAndGet(frame.length());
        queue.addLast(frame);
    }

    void urgent(String frame) {
        queuedChars.addAndGet(frame.length());
        queue.addFirst(frame);
    }

    int size() {
        return queue.size();
    }

    /** Chars queued (about the bytes of an ASCII frame). */
    long queuedChars() {
        return queuedChars.get();
    }

    void closeAfterFlush(String reason) {
        closeAfterFlush(StatusCode.SERVER_ERROR, reason);
    }

    /** Closes the socket with {@code status} once every frame queued before this call is written. */
    void closeAfterFlush(int status, String reason) {
        closeStatus = status;
        closeReason = reason;
        queue.addLast(CLOSE_AFTER_FLUSH);
    }

    /** Waits until the writer has stopped (flushed and closed, or failed); false if it has not within the time. */
    boolean awaitFinished(long timeout, TimeUnit unit) throws InterruptedException {
        return finished.await(timeout, unit);
    }

    /**
     * Starts the writer; it stops when {@code stopped} says so or the socket fails. A frame not written within
     * {@code sendTimeout} (a client that does not read) sheds the client.
     */
    void start(String threadName, Session session, java.util.function.BooleanSupplier stopped,
            java.time.Duration sendTimeout) {
        io.livesync.core.Threads.startVirtual(threadName, () -> {
            try {
                while (!stopped.getAsBoolean()) {
                    String text = queue.poll(1, TimeUnit.SECONDS);
                    if (text == null) {
                        continue;
                    }
                    queuedChars.addAndGet(-text.length());
                    if (text == CLOSE_AFTER_FLUSH) {
                        close.accept(closeStatus, closeReason);
                        return;
                    }
                    CompletableFuture<Void> sent = new CompletableFuture<>();
                    session.sendText(text, Callback.from(() -> sent.complete(null), sent::completeExceptionally));
                    sent.get(sendTimeout.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.TimeoutException e) {
                shed.accept("send-timeout: a frame was not written within " + sendTimeout.toMillis() + " ms");
            } catch (Exception e) {
                close.accept(StatusCode.SERVER_ERROR, "send-failed");
            } finally {
                finished.countDown();
            }
        });
    }
}
