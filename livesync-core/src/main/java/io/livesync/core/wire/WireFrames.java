package io.livesync.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.core.PageInfo;
import java.util.List;

/** The frames of LiveStore 0.4's WebSocket sync protocol (Effect RPC, one JSON object per text frame). */
public final class WireFrames {

    private WireFrames() {}

    /** Frames a client sends. */
    public sealed interface ClientFrame {}

    public record Ping() implements ClientFrame {}

    /**
     * {@code SyncWsRpc.Pull}: events after {@code cursor} (null = from the start); {@code cursorBackendId} is the
     * backend id the client knows (required by LiveStore when a cursor is given).
     */
    public record PullRequest(String id, String storeId, JsonNode syncPayload, boolean live, Long cursor,
            String cursorBackendId) implements ClientFrame {}

    /**
     * {@code SyncWsRpc.Push}: a batch of global events; {@code backendId} null means "don't check".
     * {@code chainsOnPrevious} is livesync's own member ({@code payload.chainsOnPrevious}), null when absent (LiveStore
     * clients): true marks a pipelined push, to be stored only on top of the previous push on the same connection
     * (see {@code io.livesync.hub.PushChain}); livesync's client sends it on every push, and livesync's server then
     * acknowledges with {@code {"chainsEnforced": true}}.
     */
    public record PushRequest(String id, String storeId, JsonNode syncPayload, List<Event> batch, String backendId,
            Boolean chainsOnPrevious) implements ClientFrame {
        public PushRequest {
            batch = List.copyOf(batch);
        }

        /** A push without livesync's member (what LiveStore clients send). */
        public PushRequest(String id, String storeId, JsonNode syncPayload, List<Event> batch, String backendId) {
            this(id, storeId, syncPayload, batch, backendId, null);
        }
    }

    public record Ack(String requestId) implements ClientFrame {}

    public record Interrupt(String requestId) implements ClientFrame {}

    /**
     * livesync's own client reports its sync state ({@code _tag: "LivesyncClientStatus"}) so that the server's
     * dashboard knows what it cannot see: events still to push, the push loop, stall suspicions. LiveStore clients
     * never send it; livesync's server accepts it, any other server ignores it as an unknown tag.
     */
    public record ClientStatus(String clientId, long pendingToPush, String pushLoop, String loopReason,
            long upstreamHead, long stallsSuspected) implements ClientFrame {}

    /** A frame with a tag this server does not know; ignored (LIVESTORE-WS-PROTOCOL §2). */
    public record Unknown(String tag) implements ClientFrame {}

    /** Frames a server sends. */
    public sealed interface ServerFrame {}

    public record Pong() implements ServerFrame {}

    /** One or more stream elements of a pull ({@code values} is never empty). */
    public record Chunk(String requestId, List<PullResponse> values) implements ServerFrame {
        public Chunk {
            values = List.copyOf(values);
            if (values.isEmpty()) {
                throw new IllegalArgumentException("a Chunk must carry at least one PullResponse");
            }
        }
    }

    /** The end of a request. */
    public record Exit(String requestId, ExitValue exit) implements ServerFrame {}

    /** A page of a pull: at most 100 events, ascending, with the server's backend id. */
    public record PullResponse(List<Event> batch, PageInfo pageInfo, String backendId) {
        public PullResponse {
            batch = List.copyOf(batch);
        }
    }

    /** How a request ended. */
    public sealed interface ExitValue {}

    /** Success; {@code value} null means "void" (the member is omitted, as for an ended pull). */
    public record Success(JsonNode value) implements ExitValue {}

    public record Failure(WireError error) implements ExitValue {}

    /** The errors of LiveStore 0.4's sync RPCs; nothing else decodes on its client. */
    public sealed interface WireError {}

    public record ServerAheadError(long minimumExpectedNum, long providedNum) implements WireError {}

    public record BackendIdMismatchError(String expected, String received) implements WireError {}

    /**
     * Everything else. livesync puts {@code {"code": <stable code>, "message": ...}} in {@code cause}, so its own
     * clients (and people reading logs) get the typed error while LiveStore clients still decode it.
     */
    public record UnknownError(JsonNode cause, String note) implements WireError {}
}
