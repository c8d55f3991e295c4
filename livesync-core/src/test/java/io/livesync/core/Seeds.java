package io.livesync.core;

import java.util.SplittableRandom;

/**
 * Seeds for property tests. Every test prints its seed; re-run one with {@code -Dlivesync.seed=N}.
 */
public final class Seeds {

    private Seeds() {}

    public static long seed(String test) {
        String configured = System.getProperty("livesync.seed");
        long seed = configured != null ? Long.parseLong(configured) : new SplittableRandom().nextLong();
        System.out.println("[seed] " + test + " seed=" + seed + "  (re-run with -Dlivesync.seed=" + seed + ")");
        return seed;
    }
}
