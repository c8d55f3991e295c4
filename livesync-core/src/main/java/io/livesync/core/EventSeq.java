package io.livesync.core;

import java.util.Objects;

/**
 * The position of an event in a store's log: {@code (global, client, rebaseGeneration)}.
 *
 * <p>{@code global} is the total-order position of synced events, {@code client} counts client-only events committed
 * after that global position (always 0 for synced events), and {@code rebaseGeneration} is a local epoch raised when
 * pending events are rebased. Only {@code global} ever goes over the wire.
 *
 * <p>Two families of comparison exist and must not be mixed up (SYNC-SPEC §1.1):
 * <ul>
 *   <li>{@link #compareTo} and {@link #equals} use all three parts (generation included);</li>
 *   <li>{@link #isGreaterThan}, {@link #isGreaterThanOrEqual}, {@link #samePosition} and {@link #max} use only
 *       {@code (global, client)} and ignore the generation.</li>
 * </ul>
 * The string form is {@code e{global}[.{client}][r{generation}]}, e.g. {@code e12}, {@code e12.3}, {@code e12.3r1}.
 */
public record EventSeq(long global, int client, int rebaseGeneration) implements Comparable<EventSeq> {

    /** The parent of the first event of every log. */
    public static final EventSeq ROOT = new EventSeq(0, 0, 0);

    public EventSeq {
        if (global < 0 || client < 0 || rebaseGeneration < 0) {
            throw new IllegalArgumentException("EventSeq parts must be non-negative, got global=" + global
                    + " client=" + client + " rebaseGeneration=" + rebaseGeneration);
        }
    }

    /** The sequence number of a synced event at global position {@code global}, generation 0. */
    public static EventSeq ofGlobal(long global) {
        return new EventSeq(global, 0, 0);
    }

    /** True for the position of a client-only event (its client part is non-zero). */
    public boolean isClientPosition() {
        return client != 0;
    }

    /** Lexicographic on (global, client, rebaseGeneration). */
    @Override
    public int compareTo(EventSeq other) {
        int byPosition = comparePosition(this, other);
        return byPosition != 0 ? byPosition : Integer.compare(rebaseGeneration, other.rebaseGeneration);
    }

    /** Compares (global, client) only, ignoring the generation. */
    public static int comparePosition(EventSeq a, EventSeq b) {
        int byGlobal = Long.compare(a.global, b.global);
        return byGlobal != 0 ? byGlobal : Integer.compare(a.client, b.client);
    }

    /** Strictly greater by (global, client); the generation is ignored. */
    public boolean isGreaterThan(EventSeq other) {
        return comparePosition(this, other) > 0;
    }

    /** Greater or equal by (global, client); the generation is ignored. */
    public boolean isGreaterThanOrEqual(EventSeq other) {
        return comparePosition(this, other) >= 0;
    }

    /** Same (global, client); the generation is ignored. */
    public boolean samePosition(EventSeq other) {
        return global == other.global && client == other.client;
    }

    /**
     * The greater of two positions by (global, client). On a tie it returns {@code b}, exactly like LiveStore's
     * {@code max}: callers rely on that to pick up the generation of the second argument.
     */
    public static EventSeq max(EventSeq a, EventSeq b) {
        return a.isGreaterThan(b) ? a : b;
    }

    /** This position with another rebase generation. */
    public EventSeq withGeneration(int generation) {
        return new EventSeq(global, client, generation);
    }

    /**
     * The sequence number and parent of the event that follows this one (SYNC-SPEC §1.1, HEAD semantics).
     *
     * <p>A client-only successor is {@code (g, c+1, gen)} with this exact value as parent. A synced successor is
     * {@code (g+1, 0, gen)} whose parent is {@code (g, 0, this.generation)}: a synced event's parent never has a
     * client part. The generation carries forward: {@code gen} is {@code generation} when given, else this one's.
     */
    public SeqPair next(boolean clientOnly, Integer generation) {
        int gen = generation != null ? generation : rebaseGeneration;
        if (clientOnly) {
            return new SeqPair(new EventSeq(global, client + 1, gen), this);
        }
        return new SeqPair(new EventSeq(global + 1, 0, gen), new EventSeq(global, 0, rebaseGeneration));
    }

    /** {@link #next(boolean, Integer)} with the generation carried forward from this value. */
    public SeqPair next(boolean clientOnly) {
        return next(clientOnly, null);
    }

    /** A sequence number together with its parent, as produced by {@link #next}. */
    public record SeqPair(EventSeq seq, EventSeq parent) {
        public SeqPair {
            Objects.requireNonNull(seq, "seq");
            Objects.requireNonNull(parent, "parent");
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(12).append('e').append(global);
        if (client != 0) {
            sb.append('.').append(client);
        }
        if (rebaseGeneration != 0) {
            sb.append('r').append(rebaseGeneration);
        }
        return sb.toString();
    }

    /**
     * Parses the canonical string form ({@code e12}, {@code e12.3}, {@code e12r1}, {@code e12.3r1}).
     *
     * <p>Strict: digits only (no signs, spaces or empty parts), no redundant zero parts such as {@code e1.0} or
     * {@code e1r0}, no leading zeros, and values within range, so that {@code parse(x.toString()).equals(x)} and
     * every accepted string is the canonical form of its value.
     *
     * @throws IllegalArgumentException naming the input and what is wrong with it
     */
    public static EventSeq parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("invalid event sequence number: null");
        }
        if (text.isEmpty() || text.charAt(0) != 'e') {
            throw invalid(text, "must start with \"e\"");
        }
        int pos = 1;
        int end = text.length();
        int rIndex = text.indexOf('r', pos);
        int dotIndex = text.indexOf('.', pos);
        int globalEnd = dotIndex >= 0 ? dotIndex : (rIndex >= 0 ? rIndex : end);
        if (rIndex >= 0 && dotIndex > rIndex) {
            throw invalid(text, "the client part must come before the generation");
        }
        long global = parsePart(text, pos, globalEnd, "global", Long.MAX_VALUE);
        int client = 0;
        int generation = 0;
        if (dotIndex >= 0) {
            int clientEnd = rIndex >= 0 ? rIndex : end;
            client = (int) parsePart(text, dotIndex + 1, clientEnd, "client", Integer.MAX_VALUE);
            if (client == 0) {
                throw invalid(text, "a zero client part is written without \".0\"");
            }
        }
        if (rIndex >= 0) {
            generation = (int) parsePart(text, rIndex + 1, end, "generation", Integer.MAX_VALUE);
            if (generation == 0) {
                throw invalid(text, "a zero generation is written without \"r0\"");
            }
        }
        return new EventSeq(global, client, generation);
    }

    private static long parsePart(String text, int from, int to, String part, long maxValue) {
        if (from >= to) {
            throw invalid(text, "the " + part + " part is empty");
        }
        if (to - from > 1 && text.charAt(from) == '0') {
            throw invalid(text, "the " + part + " part has a leading zero");
        }
        long value = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(text, "unexpected character '" + c + "' in the " + part + " part");
            }
            int digit = c - '0';
            if (value > (maxValue - digit) / 10) {
                throw invalid(text, "the " + part + " part is out of range");
            }
            value = value * 10 + digit;
        }
        return value;
    }

    private static IllegalArgumentException invalid(String text, String why) {
        return new IllegalArgumentException("invalid event sequence number \"" + text + "\": " + why
                + " (expected e<global>[.<client>][r<generation>], e.g. e12.3r1)");
    }
}
