package io.livesync.server;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The pushes of one connection, run one at a time in the order their frames arrived, on a virtual thread that exists
 * only while pushes are waiting. A client may send its next push before the answer to the previous one (a window of
 * chained batches); taken one by one, batch k is stored or refused before batch k+1 is even validated, so chained
 * batches are never reordered at the store lock. Pushes of different connections still run concurrently.
 */
final class PushLane {

    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean draining = new AtomicBoolean();
    private final String threadName;
    private final Thread.UncaughtExceptionHandler onError;

    PushLane(String threadName, Thread.UncaughtExceptionHandler onError) {
        this.threadName = threadName;
        this.onError = onError;
    }

    /** Runs {@code push} after every push submitted before it (called by the socket's one reader thread). */
    void submit(Runnable push) {
        waiting.add(push);
        drainIfIdle();
    }

    private void drainIfIdle() {
        if (draining.compareAndSet(false, true)) {
            io.livesync.core.Threads.unstartedVirtual(threadName, this::drain, onError).start();
        }
    }

    private void drain() {
        try {
            Runnable next;
            while ((next = waiting.poll()) != null) {
                try {
                    next.run();
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
