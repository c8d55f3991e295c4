package io.livesync.server;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What this instance saw of one store: accepted pushes and events per second over the last {@link #SECONDS} seconds
 * (a ring of per-second buckets), the last push, and the last {@link #MAX_ERRORS} warnings and errors logged for it.
 * Bounded memory: a fixed ring and a fixed queue per store.
 */
final class StoreStats {

    static final int SECONDS = 600;
    static final int MAX_ERRORS = 50;

    /** One logged warning or error of the store. */
    record Problem(Instant at, String level, String event, String detail) {}

    /** A point of the rate series: {@code seconds} seconds ending at {@code end}. */
    record Point(long endEpochSecond, double pushesPerSecond, double eventsPerSecond) {}

    final String storeId;
    private final ReentrantLock lock = new ReentrantLock();
    private final long[] second = new long[SECONDS];
    private final long[] pushes = new long[SECONDS];
    private final long[] events = new long[SECONDS];
    private final ArrayDeque<Problem> problems = new ArrayDeque<>();
    private volatile Instant lastPushAt;
    private volatile String lastPushOutcome;

    StoreStats(String storeId) {
        this.storeId = storeId;
    }

    void pushed(Instant at, boolean accepted, int eventCount, String outcome) {
        lastPushAt = at;
        lastPushOutcome = outcome;
        if (!accepted) {
            return;
        }
        long s = at.getEpochSecond();
        int i = (int) Math.floorMod(s, SECONDS);
        lock.lock();
        try {
            if (second[i] != s) {
                second[i] = s;
                pushes[i] = 0;
                events[i] = 0;
            }
            pushes[i]++;
            events[i] += eventCount;
        } finally {
            lock.unlock();
        }
    }

    void problem(Problem p) {
        lock.lock();
        try {
            if (problems.size() == MAX_ERRORS) {
                problems.removeFirst();
            }
            problems.addLast(p);
        } finally {
            lock.unlock();
        }
    }

    /** Newest first. */
    List<Problem> problems() {
        lock.lock();
        try {
            List<Problem> out = new ArrayList<>(problems);
            java.util.Collections.reverse(out);
            return out;
        } finally {
            lock.unlock();
        }
    }

    Instant lastPushAt() {
        return lastPushAt;
    }

    String lastPushOutcome() {
        return lastPushOutcome;
    }

    /** {@code points} points of {@code step} seconds each, oldest first, ending with the current (partial) second. */
    List<Point> series(Instant now, int points, int step) {
        long end = now.getEpochSecond();
        List<Point> out = new ArrayList<>(points);
        lock.lock();
        try {
            for (int p = points - 1; p >= 0; p--) {
                long last = end - (long) p * step;
                long ps = 0;
                long es = 0;
                for (long s = last - step + 1; s <= last; s++) {
                    if (end - s >= SECONDS) {
                        continue;
                    }
                    int i = (int) Math.floorMod(s, SECONDS);
                    if (second[i] == s) {
                        ps += pushes[i];
                        es += events[i];
                    }
                }
                out.add(new Point(last, (double) ps / step, (double) es / step));
            }
        } finally {
            lock.unlock();
        }
        return out;
    }
}
