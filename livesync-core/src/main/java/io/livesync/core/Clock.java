package io.livesync.core;

/**
 * Monotonic milliseconds: the one way livesync's client and transport read time, injected through their builders so
 * that a test or the simulator can drive it. Only differences between two readings mean anything.
 */
@FunctionalInterface
public interface Clock {

    long millis();

    /** The JVM's monotonic clock ({@link System#nanoTime()}), starting near zero. */
    static Clock system() {
        long origin = System.nanoTime();
        return () -> (System.nanoTime() - origin) / 1_000_000;
    }
}
