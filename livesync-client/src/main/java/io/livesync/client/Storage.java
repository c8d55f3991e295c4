package io.livesync.client;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a client store keeps its SQLite database: a file (WAL; what a commit survives is its {@link Durability}) or
 * memory (gone on close).
 */
public sealed interface Storage {

    /** A database file; {@code durability} says what a returned commit survives (default {@link Durability#POWER_LOSS}). */
    record File(Path path, Durability durability) implements Storage {
        public File {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(durability, "durability");
        }

        public File(Path path) {
            this(path, Durability.POWER_LOSS);
        }
    }

    record InMemory() implements Storage {}

    static Storage file(Path path) {
        return new File(path);
    }

    static Storage inMemory() {
        return new InMemory();
    }
}
