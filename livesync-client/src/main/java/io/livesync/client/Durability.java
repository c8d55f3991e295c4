package io.livesync.client;

/**
 * What a returned {@link Store#commit} survives, for a store kept in a file (SQLite in WAL mode). Chosen with
 * {@link Store.Builder#durability}; an in-memory store survives nothing.
 *
 * <ul>
 *   <li>{@link #POWER_LOSS} (default, {@code synchronous=FULL}): the WAL is fsynced before every commit returns, so
 *       every commit that returned survives a process crash, an OS crash and a power loss (on a disk that honours
 *       fsync).</li>
 *   <li>{@link #PROCESS_CRASH} ({@code synchronous=NORMAL}): a commit that returned survives the application or
 *       its JVM crashing or being killed, but an OS crash or power loss can lose the commits of the last moments
 *       (those not yet checkpointed). The file is never corrupted either way. Faster: no fsync per commit.</li>
 * </ul>
 *
 * <p>Events that reached the sync server are safe there regardless: after a lost tail the client pulls them back.
 * What a power loss under {@code PROCESS_CRASH} can lose is pending events that were never pushed. docs/benchmarks.md
 * records the cost of each setting.
 */
public enum Durability {
    POWER_LOSS("FULL"),
    PROCESS_CRASH("NORMAL");

    private final String synchronousPragma;

    Durability(String synchronousPragma) {
        this.synchronousPragma = synchronousPragma;
    }

    /** The value of SQLite's {@code PRAGMA synchronous} for this setting. */
    String synchronousPragma() {
        return synchronousPragma;
    }
}
