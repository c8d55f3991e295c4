package io.livesync.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The pushes of one connection, run one at a time in the order their frames arrived, on a virtual thread that exists
 * only while pushes are waiting. A client may send its next push before the answer to the previous one (a window of
 * chained batches); taken one by one, batch k is stored or refused before batch k+1 is even validated, so chained
 * batches are never reordered at the store lock. Pushes of different connections still run concurrently.
 *
 * <p>Bounded like the connection's outbound queue: {@link #submit} refuses a push beyond {@code maxWaiting} pushes or
 * {@code maxWaitingChars} characters of frames waiting (the caller sheds the client). Once {@link #close}d, waiting
 * pushes are dropped and new ones ignored: nothing runs for a socket that is gone.
 */
final class PushLane {

    private record Waiting(Runnable push, long chars) {}

    private final ConcurrentLinkedQueue<Waiting> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final AtomicInteger count = new AtomicInteger();
    private final AtomicLong chars = new AtomicLong();
    private final String threadName;
    private final int maxWaiting;
    private final long maxWaitingChars;
    private final Thread.UncaughtExceptionHandler onError;
    private volatile boolean closed;

    PushLane(String threadName, int maxWaiting, long maxWaitingChars, Thread.UncaughtExceptionHandler onError) {
        this.threadName = threadName;
        this.maxWaiting = maxWaiting;
        this.maxWaitingChars = maxWaitingChars;
        this.onError = onError;
    }

    /**
     * Runs {@code push} after every push submitted before it (called by the socket's one reader thread); false, and
     * nothing queued, when the lane is full. {@code frameChars} is the size of the push's frame.
     */
    boolean submit(Runnable push, long frameChars) {
        if (closed) {
            return true; // the socket is gone: nothing to run, nobody to shed
        }
        if (count.get() >= maxWaiting || chars.get() + frameChars > maxWaitingChars) {
            return false;
        }
        count.incrementAndGet();
        chars.addAndGet(frameChars);
        waiting.add(new Waiting(push, frameChars));
        drainIfIdle();
        return true;
    }

    /** Drops every waiting push and ignores later ones: the socket closed. */
    void close() {
        closed = true;
        Waiting w;
        while ((w = waiting.poll()) != null) {
            count.decrementAndGet();
            chars.addAndGet(-w.chars());
        }
    }

    private void drainIfIdle() {
        if (draining.compareAndSet(false, true)) {
            try {
                io.livesync.core.Threads.unstartedVirtual(threadName, this::drain, onError).start();
            } catch (RuntimeException | Error e) {
                draining.set(false); // no thread: the next submit tries again
                throw e;
            }
        }
    }

    private void drain() {
        try {
            Waiting next;
            while ((next = waiting.poll()) != null) {
                count.decrementAndGet();
                chars.addAndGet(-next.chars());
                if (closed) {
                    continue;
                }
                try {
                    next.push().run();
                } catch (RuntimeException | Error e) {
                    onError.uncaughtException(Thread.currentThread(), e); // the next push still runs
                }
            }
        } finally {
            draining.set(false);
            if (!waiting.isEmpty()) {
                drainIfIdle(); // submitted between the last poll and the reset
            }
        }
    }
}
