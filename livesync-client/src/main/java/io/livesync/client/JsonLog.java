package io.livesync.client;

import io.livesync.core.LogLevel;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A structured log: one JSON object per line ({@code ts}, {@code level}, {@code node}, {@code store}, {@code event},
 * then the event's fields), with the vocabulary of DESIGN.md §4.9. Lines are flushed as they are written so that a
 * killed process leaves a readable log. DEBUG lines are dropped unless the log was made with {@code debug = true}.
 */
public final class JsonLog implements AutoCloseable {

    private static final JsonLog DISCARD = new JsonLog(null, false, false);

    private final Writer out;
    private final boolean debug;
    private final boolean ownsOutput;
    private final ReentrantLock lock = new ReentrantLock();

    private JsonLog(Writer out, boolean debug, boolean ownsOutput) {
        this.out = out;
        this.debug = debug;
        this.ownsOutput = ownsOutput;
    }

    /** A log that writes nothing. */
    public static JsonLog discard() {
        return DISCARD;
    }

    /** Appends to {@code file} (created with its parent folders). */
    public static JsonLog toFile(Path file, boolean debug) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            return new JsonLog(w, debug, true);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open log file " + file, e);
        }
    }

    /** Writes to {@code stream} (not closed by {@link #close()}). */
    public static JsonLog toStream(OutputStream stream, boolean debug) {
        return new JsonLog(new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8)), debug, false);
    }

    public boolean debugEnabled() {
        return debug;
    }

    /** Writes one line; {@code fields} may not contain the reserved keys. */
    public void write(LogLevel level, String node, String store, String event, Map<String, ?> fields) {
        if (out == null || (level == LogLevel.DEBUG && !debug)) {
            return;
        }
        String text = io.livesync.core.LogLine.format(Instant.now(), level.name(), node, store, event, fields);
        lock.lock();
        try {
            out.write(text);
            out.write('\n');
            out.flush();
        } catch (IOException e) {
            // a broken log must never break syncing; report once on stderr
            System.err.println("livesync: cannot write log line: " + e);
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        if (out == null) {
            return;
        }
        lock.lock();
        try {
            out.flush();
            if (ownsOutput) {
                out.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            lock.unlock();
        }
    }
}
