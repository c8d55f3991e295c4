package io.livesync.core.wire;

import java.util.Optional;

/**
 * The closed vocabulary of livesync's typed wire errors: the stable {@code code} carried in LiveStore's
 * {@code UnknownError.cause} and in HTTP error bodies (docs/protocol.md lists each with an example). Every component
 * that produces or interprets a code uses this enum: the codec, the server's endpoints and the client's error mapping.
 *
 * <p>{@link #retryable()} says whether sending the same request again later can succeed. {@link #sizeRefusal()} marks
 * the codes that refuse a request for its size: retrying it unchanged can never succeed, but a smaller request can.
 */
public enum WireErrorCode {
    /** Not JSON, a wrong type or a missing member. */
    MALFORMED_FRAME("malformed-frame", false, false),
    /** A frame or HTTP body over {@code maxFrameBytes}. */
    FRAME_TOO_LARGE("frame-too-large", false, true),
    /** JSON nested deeper than {@code maxJsonDepth}. */
    TOO_DEEP("too-deep", false, false),
    /** A push with more than {@code maxEventsPerPush} events. */
    TOO_MANY_EVENTS("too-many-events", false, true),
    /** One encoded event over {@code maxEventBytes}. */
    EVENT_TOO_LARGE("event-too-large", false, true),
    /** An event that is not well-formed (names, ids, sequence numbers, text that is not valid Unicode). */
    INVALID_EVENT("invalid-event", false, false),
    /** A batch that is not contiguous and ascending. */
    INVALID_BATCH("invalid-batch", false, false),
    /** An RPC this server does not serve. */
    UNSUPPORTED_REQUEST("unsupported-request", false, false),
    /** A request naming another store than its connection. */
    WRONG_STORE("wrong-store", false, false),
    /** A missing or wrong token. */
    UNAUTHORIZED("unauthorized", false, false),
    /** The identity may not do this: a read-only user pushing, a store outside the token's stores. */
    FORBIDDEN("forbidden", false, false),
    /** Too many requests from this identity; {@code retryAfterMillis} in the cause says when to try again. */
    RATE_LIMITED("rate-limited", true, false),
    /** The server could not store or read (a database hiccup); nothing was stored. */
    STORAGE_ERROR("storage-error", true, false),
    /** The server is stopping; another instance (or this one, restarted) will answer. */
    SHUTTING_DOWN("shutting-down", true, false),
    /** A pull cursor beyond the store's head: the server lost events the client saw (restored from a backup). */
    CURSOR_AHEAD("cursor-ahead", false, false),
    /**
     * The server's push validator refused an event of the batch ({@code seqNum} in the cause names it); nothing of
     * the batch was stored. The same event is refused again; the others can be pushed without it.
     */
    EVENT_REFUSED("event-refused", false, false);

    private final String wireName;
    private final boolean retryable;
    private final boolean sizeRefusal;

    WireErrorCode(String wireName, boolean retryable, boolean sizeRefusal) {
        this.wireName = wireName;
        this.retryable = retryable;
        this.sizeRefusal = sizeRefusal;
    }

    /** The spelling on the wire, e.g. {@code frame-too-large}. */
    public String wireName() {
        return wireName;
    }

    /** Whether the same request sent again later can succeed. */
    public boolean retryable() {
        return retryable;
    }

    /** Whether the request was refused for its size (a smaller request can succeed; the same one never). */
    public boolean sizeRefusal() {
        return sizeRefusal;
    }

    /** The code with this wire spelling, if livesync knows it. */
    public static Optional<WireErrorCode> fromWire(String wireName) {
        for (WireErrorCode code : values()) {
            if (code.wireName.equals(wireName)) {
                return Optional.of(code);
            }
        }
        return Optional.empty();
    }

    @Override
    public String toString() {
        return wireName;
    }
}
