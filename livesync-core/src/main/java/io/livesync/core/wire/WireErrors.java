package io.livesync.core.wire;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.livesync.core.backend.SyncError;

/**
 * How a wire error the server answered maps to the leader's error taxonomy: the one mapping, used by the WebSocket
 * backend and by the deterministic simulator (which runs the real hub and so sees the same wire errors).
 */
public final class WireErrors {

    private WireErrors() {}

    /** Maps a wire error to a {@link SyncError}; livesync's typed codes say which are worth retrying. */
    public static SyncError toSyncError(WireFrames.WireError error) {
        return switch (error) {
            case WireFrames.ServerAheadError e -> new SyncError.ServerAhead(e.minimumExpectedNum(), e.providedNum());
            case WireFrames.BackendIdMismatchError e -> new SyncError.BackendIdMismatch(e.expected(), e.received());
            case WireFrames.UnknownError e -> {
                JsonNode cause = e.cause() == null ? JsonNodeFactory.instance.nullNode() : e.cause();
                String code = cause.path("code").asText("");
                String message = cause.path("message").asText(cause.toString());
                java.util.Optional<WireErrorCode> known = WireErrorCode.fromWire(code);
                if (known.isPresent() && known.get() == WireErrorCode.EVENT_REFUSED
                        && cause.path("seqNum").canConvertToLong()) {
                    yield new SyncError.EventRefused(cause.path("seqNum").asLong(), message);
                }
                if (known.isPresent() && known.get() == WireErrorCode.RATE_LIMITED) {
                    yield new SyncError.RateLimited(Math.max(0, cause.path("retryAfterMillis").asLong(1000)), message);
                }
                yield known.isPresent() && !known.get().retryable()
                        ? new SyncError.Refused(code, message)
                        : new SyncError.Transient((code.isEmpty() ? "" : code + ": ") + message);
            }
        };
    }
}
