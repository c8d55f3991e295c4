package io.livesync.client;

import java.nio.file.Path;
import java.util.Objects;

/** Where a client store keeps its SQLite database: a file (durable, WAL) or memory (gone on close). */
public sealed interface Storage {

    record File(Path path) implements Storage {
        public File {
            Objects.requireNonNull(path, "path");
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
