package io.livesync.core.wire;

/**
 * Limits every inbound message is checked against before use. Defaults follow LiveStore's client (at most 100 events
 * and about 900 KB per push), with headroom.
 *
 * @param maxFrameBytes largest text frame or HTTP body, in UTF-8 bytes (default 1 MiB)
 * @param maxEventsPerPush most events in one push (default 100)
 * @param maxEventBytes largest encoded event (default 256 KiB)
 * @param maxJsonDepth deepest JSON nesting of a frame (default 64)
 */
public record WireLimits(int maxFrameBytes, int maxEventsPerPush, int maxEventBytes, int maxJsonDepth) {

    public static final WireLimits DEFAULT = new WireLimits(1 << 20, 100, 256 << 10, 64);

    public WireLimits {
        require(maxFrameBytes >= 1024, "maxFrameBytes must be >= 1024, got " + maxFrameBytes);
        require(maxEventsPerPush >= 1 && maxEventsPerPush <= 10_000,
                "maxEventsPerPush must be in [1, 10000], got " + maxEventsPerPush);
        require(maxEventBytes >= 64 && maxEventBytes <= maxFrameBytes,
                "maxEventBytes must be in [64, maxFrameBytes], got " + maxEventBytes);
        require(maxJsonDepth >= 8 && maxJsonDepth <= 1000, "maxJsonDepth must be in [8, 1000], got " + maxJsonDepth);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
