package io.livesync.core.wire;

import io.livesync.core.Event;
import java.util.List;

/**
 * The frames of LiveStore 0.3's WebSocket protocol ({@code @livestore/sync-cf} {@code makeCfSync}, served at
 * {@code /websocket}; the project's H001-REAL-CLIENTS.md): one JSON object per text frame, tags prefixed
 * {@code WSMessage.}. Read and written by {@link Wire03Codec}.
 */
public final class Wire03Frames {

    private Wire03Frames() {}

    /** A frame a 0.3 client sends. */
    public sealed interface ClientFrame permits Ping, PullReq, PushReq, Unknown {}

    /** {@code WSMessage.Ping}; answered with a {@link Pong} of the same request id. */
    public record Ping(String requestId) implements ClientFrame {}

    /** {@code WSMessage.PullReq}: {@code cursor} is the last global seq the client has, null when absent (from 0). */
    public record PullReq(String requestId, Long cursor) implements ClientFrame {}

    /** {@code WSMessage.PushReq}: events in the global form of the 0.4 protocol. */
    public record PushReq(String requestId, List<Event> batch) implements ClientFrame {
        public PushReq {
            batch = List.copyOf(batch);
        }
    }

    /** A frame with a tag this server does not serve (logged, otherwise ignored, as the 0.3 server does). */
    public record Unknown(String tag) implements ClientFrame {}

    /** A frame the server sends. */
    public sealed interface ServerFrame permits Pong, PullRes, PushAck, Error {}

    public record Pong(String requestId) implements ServerFrame {}

    /**
     * {@code WSMessage.PullRes}: a page of a pull ({@code context} "pull") or the broadcast of an accepted push to every
     * socket of the store ({@code context} "push", {@code requestId} the push's), with the events still to come.
     */
    public record PullRes(List<Event> batch, long remaining, String context, String requestId) implements ServerFrame {
        public PullRes {
            batch = List.copyOf(batch);
        }
    }

    public record PushAck(String requestId) implements ServerFrame {}

    /** {@code WSMessage.Error}: the 0.3 protocol's only error, a free-text message. */
    public record Error(String requestId, String message) implements ServerFrame {}
}
