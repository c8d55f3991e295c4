package io.livesync.server;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's structured log: one JSON object per line ({@code ts, level, node, event, ...fields}), the same shape as
 * the clients' logs so that {@code livesync diagnose} reads them together. Written to a file, or to stderr.
 */
public final class ServerLog implements AutoCloseable {

    private final Writer file;
    private final PrintStream stream;
    private final String node;
    private final ReentrantLock lock = new ReentrantLock();
    /** Sees every WARN and ERROR line (the dashboard's recent errors of a store); null when none. */
    private volatile Tap tap;

    /** A listener of WARN and ERROR lines; called on the writing thread, so it must be quick and never block. */
    interface Tap {
        void line(io.livesync.core.LogLevel level, String event, Object... keyValues);
    }

    private ServerLog(Writer file, PrintStream stream, String node) {
        this.file = file;
        this.stream = stream;
        this.node = node;
    }

    public static ServerLog toFile(Path path, String node) {
        try {
            if (path.getParent() != null) {
                Files.createDirectories(path.getParent());
            }
            return new ServerLog(Files.newBufferedWriter(path, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND), null, node);
        } catch (IOException e) {
            throw new IllegalStateException("cannot open server log " + path + ": " + e.getMessage(), e);
        }
    }

    public static ServerLog toStderr(String node) {
        return new ServerLog(null, System.err, node);
    }

    public static ServerLog discard() {
        return new ServerLog(null, null, "server");
    }

    /** Writes one line; {@code keyValues} alternate names and values (null values are left out). */
    public void write(io.livesync.core.LogLevel level, String event, Object... keyValues) {
        Tap t = tap;
        if (t != null && level.isProblem()) {
            t.line(level, event, keyValues);
        }
        if (file == null && stream == null) {
            return;
        }
        String text = io.livesync.core.LogLine.format(Instant.now(), level.name(), node, null, event, keyValues);
        lock.lock();
        try {
            if (file != null) {
                file.write(text);
                file.write('\n');
                file.flush();
            } else {
                stream.println(text);
            }
        } catch (IOException e) {
            System.err.println("livesync: cannot write the server log: " + e);
        } finally {
            lock.unlock();
        }
    }

    void tap(Tap t) {
        this.tap = t;
    }

    @Override
    public void close() {
        if (file != null) {
            try {
                file.close();
            } catch (IOException e) {
                System.err.println("livesync: cannot close the server log: " + e);
            }
        }
    }
}
