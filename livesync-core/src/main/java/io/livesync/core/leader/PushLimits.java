package io.livesync.core.leader;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.core.EventSeq;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireLimits;
import java.util.Iterator;
import java.util.Optional;

/**
 * What a sync backend accepts in one push, as the leader needs it to cut batches the server will take: at most
 * {@code maxEvents} events whose encoded sizes (plus one separator between two events) add up to at most
 * {@code maxBatchBytes}, each event at most {@code maxEventBytes} and its args nested at most {@code maxArgsDepth}
 * deep. A {@link io.livesync.core.backend.SyncBackend} derives them from the server's {@link WireLimits} and its own
 * frame envelope ({@link #forServer}); {@link #UNLIMITED} is for backends without limits.
 *
 * @param maxEvents most events in one push
 * @param maxBatchBytes most bytes of the events of one push, separators included
 * @param maxEventBytes largest encoded event ({@link #eventBytes})
 * @param maxArgsDepth deepest JSON nesting of an event's args (an object or array counts one level)
 */
public record PushLimits(int maxEvents, long maxBatchBytes, int maxEventBytes, int maxArgsDepth) {

    public static final PushLimits UNLIMITED = new PushLimits(Integer.MAX_VALUE, Long.MAX_VALUE, Integer.MAX_VALUE,
            Integer.MAX_VALUE);

    /**
     * JSON levels of a push frame above an event's args: the frame object, {@code payload}, {@code batch} and the
     * event object. A server with {@code maxJsonDepth = d} accepts args nested at most {@code d - 4} deep.
     */
    public static final int FRAME_LEVELS_ABOVE_ARGS = 4;

    public PushLimits {
        require(maxEvents >= 1, "maxEvents must be >= 1, got " + maxEvents);
        require(maxEventBytes >= 1, "maxEventBytes must be >= 1, got " + maxEventBytes);
        require(maxBatchBytes >= 1, "maxBatchBytes must be >= 1, got " + maxBatchBytes);
        require(maxArgsDepth >= 0, "maxArgsDepth must be >= 0, got " + maxArgsDepth);
    }

    /**
     * The limits of a server enforcing {@code server}, for a client whose push frame without events is
     * {@code envelopeBytes} long (request id, store id, sync payload, backend id: measured by encoding one).
     */
    public static PushLimits forServer(WireLimits server, int envelopeBytes) {
        long batchBytes = (long) server.maxFrameBytes() - envelopeBytes;
        if (batchBytes < 1) {
            throw new IllegalArgumentException("the push envelope (" + envelopeBytes + " bytes) leaves no room under "
                    + "the server's maxFrameBytes (" + server.maxFrameBytes() + ")");
        }
        return new PushLimits(server.maxEventsPerPush(), batchBytes, server.maxEventBytes(),
                Math.max(0, server.maxJsonDepth() - FRAME_LEVELS_ABOVE_ARGS));
    }

    /** The effective limits with at most {@code events} events per push (the smaller of both). */
    public PushLimits withMaxEvents(int events) {
        return events >= maxEvents ? this : new PushLimits(events, maxBatchBytes, maxEventBytes, maxArgsDepth);
    }

    /** The size of {@code e} as a push carries it and as a server measures it (UTF-8 bytes of its wire form). */
    public static int eventBytes(Event e) {
        return WireCodec.encodedEventBytes(e);
    }

    /**
     * Why the server can never accept {@code e}, whatever position it ends up at (its size is taken with the
     * largest sequence numbers a rebase could give it), or empty when it can be pushed.
     */
    public Optional<String> neverAccepted(Event e) {
        Event worstCase = new Event(EventSeq.ofGlobal(WireCodec.MAX_SEQ), EventSeq.ofGlobal(WireCodec.MAX_SEQ),
                e.name(), e.args(), e.clientId(), e.sessionId(), e.meta());
        int bytes = eventBytes(worstCase);
        if (bytes > maxEventBytes) {
            return Optional.of("event \"" + e.name() + "\" encodes to " + bytes + " bytes; the server accepts at most "
                    + maxEventBytes + " per event");
        }
        if (bytes > maxBatchBytes) {
            return Optional.of("event \"" + e.name() + "\" encodes to " + bytes + " bytes; a push carries at most "
                    + maxBatchBytes + " bytes of events");
        }
        int depth = depth(e.args());
        if (depth > maxArgsDepth) {
            return Optional.of("the args of event \"" + e.name() + "\" nest " + depth + " levels deep; the server "
                    + "accepts at most " + maxArgsDepth);
        }
        return Optional.empty();
    }

    /** JSON nesting depth: a scalar or missing value is 0, an object or array one more than its deepest member. */
    static int depth(JsonNode node) {
        if (node == null || !node.isContainerNode()) {
            return 0;
        }
        int deepest = 0; // recursion is bounded: Jackson caps the nesting of what it parses
        for (Iterator<JsonNode> it = node.elements(); it.hasNext();) {
            deepest = Math.max(deepest, depth(it.next()));
        }
        return deepest + 1;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
