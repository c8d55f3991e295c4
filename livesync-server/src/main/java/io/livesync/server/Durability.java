package io.livesync.server;

import java.util.Locale;

/**
 * When the SQLite server acks a push, relative to the disk ({@code livesync server --durability}).
 * PostgreSQL's durability is PostgreSQL's own configuration ({@code synchronous_commit}); this setting is SQLite's.
 */
public enum Durability {
    /**
     * The default: {@code synchronous=FULL}, the WAL is fsynced at every commit, before the ack. An acked push survives
     * an OS crash or power loss.
     */
    FULL("FULL"),
    /**
     * Opt-out: {@code synchronous=NORMAL}, the WAL is fsynced at checkpoints only. An acked push survives a crash of the
     * server process but NOT an OS crash or power loss; clients that saw the echo may then be ahead of the server
     * ({@code cursor-ahead}). Measured cost of FULL in docs/benchmarks.md.
     */
    NORMAL("NORMAL");

    private final String pragma;

    Durability(String pragma) {
        this.pragma = pragma;
    }

    /** The value of SQLite's {@code PRAGMA synchronous}. */
    String pragma() {
        return pragma;
    }

    /** Parses {@code full} or {@code normal} (any case); anything else fails with the allowed values. */
    public static Durability parse(String text) {
        String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT);
        for (Durability d : values()) {
            if (d.name().equals(t)) {
                return d;
            }
        }
        throw new IllegalArgumentException("--durability must be full or normal, got \"" + text + "\"");
    }
}
