package io.livesync.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The progress line of a long-running command (issue #18): a bar redrawn in place with {@code \r} on the error
 * stream, only when that stream is a terminal and {@code --quiet} was not given, so that progress never ends up in a
 * redirected file or pipe (the same rule as {@code simulate}'s bar). The command prints its one-line summary itself.
 * Thread-safe: an upload reports from the HTTP client's threads.
 */
final class Progress {

    private static final int WIDTH = 20;
    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintWriter err;
    private final boolean draw;
    private final String unit;
    private final boolean bytes;
    private final long startedAt = System.nanoTime();
    private long total;
    private long lastDrawAt;
    private int lastPercent = -1;
    private int drawnWidth;

    private Progress(PrintWriter err, boolean draw, String unit, boolean bytes) {
        this.err = err;
        this.draw = draw;
        this.unit = unit;
        this.bytes = bytes;
    }

    /** A progress line counting {@code unit} (e.g. "events"), drawn only when {@code draw}. */
    static Progress of(PrintWriter err, boolean draw, String unit) {
        return new Progress(err, draw, unit, false);
    }

    /** A progress line counting bytes (shown in MB), drawn only when {@code draw}. */
    static Progress ofBytes(PrintWriter err, boolean draw) {
        return new Progress(err, draw, "MB", true);
    }

    /**
     * Whether the error stream of this process is a terminal: on Linux, where {@code /proc/self/fd/2} points; else
     * whether the JVM has a console (standard input and output are a terminal).
     */
    static boolean stderrIsTerminal() {
        Path fd2 = Path.of("/proc/self/fd/2");
        try {
            String target = Files.readSymbolicLink(fd2).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (java.io.IOException | UnsupportedOperationException | SecurityException e) {
            return System.console() != null;
        }
    }

    /** Whether a command should draw: not {@code --quiet}, and its error stream is a terminal. */
    static boolean shouldDraw(boolean quiet) {
        return !quiet && stderrIsTerminal();
    }

    boolean drawing() {
        return draw;
    }

    /** The total, once known (0 = unknown: the line shows the count only). */
    synchronized void total(long total) {
        this.total = Math.max(0, total);
    }

    /** Shows {@code done} (redrawn at most every 200 ms, or when the whole percent changes). */
    synchronized void update(long done) {
        if (!draw) {
            return;
        }
        long now = System.nanoTime();
        int percent = total > 0 ? (int) Math.min(100, 100 * done / total) : -1;
        if (lastDrawAt != 0 && percent == lastPercent && now - lastDrawAt < REDRAW_NANOS) {
            return;
        }
        lastDrawAt = now;
        lastPercent = percent;
        String line = total > 0
                ? "[" + "#".repeat(percent * WIDTH / 100) + " ".repeat(WIDTH - percent * WIDTH / 100) + "] "
                        + String.format("%3d%% %s/%s %s", percent, amount(done), amount(total), unit)
                : amount(done) + " " + unit;
        line += String.format(" %.1f s", (now - startedAt) / 1e9);
        err.print("\r" + line + " ".repeat(Math.max(0, drawnWidth - line.length())));
        drawnWidth = line.length();
        err.flush();
    }

    /** A state without a count (e.g. "the server is committing"), on the same line. */
    synchronized void status(String text) {
        if (!draw) {
            return;
        }
        err.print("\r" + text + " ".repeat(Math.max(0, drawnWidth - text.length())));
        drawnWidth = text.length();
        err.flush();
    }

    /** Erases the line, so that the summary printed next starts clean. */
    synchronized void clear() {
        if (draw && drawnWidth > 0) {
            err.print("\r" + " ".repeat(drawnWidth) + "\r");
            err.flush();
            drawnWidth = 0;
        }
    }

    /** Seconds since this progress line was created, for the summary. */
    String elapsed() {
        return String.format("%.1f s", (System.nanoTime() - startedAt) / 1e9);
    }

    private String amount(long n) {
        return bytes ? String.format("%.1f", n / 1e6) : String.format("%,d", n);
    }
}
