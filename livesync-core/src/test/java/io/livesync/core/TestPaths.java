package io.livesync.core;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the repository root (set by the build as {@code livesync.root}; else found by walking up). */
public final class TestPaths {

    private TestPaths() {}

    public static Path root() {
        String configured = System.getProperty("livesync.root");
        if (configured != null && Files.isDirectory(Path.of(configured, "conformance"))) {
            return Path.of(configured);
        }
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("conformance"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (no conformance/ folder above "
                    + Path.of("").toAbsolutePath() + ")");
        }
        return dir;
    }
}
