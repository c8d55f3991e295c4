package io.livesync.core.wire;

/**
 * An inbound message that breaks the protocol or a limit. {@link #code()} is stable and documented in
 * {@code docs/protocol.md}; the message names what was wrong. {@link #requestId()} is the request it belongs to, when
 * it could be read.
 */
public final class WireException extends RuntimeException {

    private final WireErrorCode code;
    private final String requestId;

    public WireException(WireErrorCode code, String message, String requestId) {
        super(message);
        this.code = java.util.Objects.requireNonNull(code, "code");
        this.requestId = requestId;
    }

    public WireErrorCode code() {
        return code;
    }

    public String requestId() {
        return requestId;
    }
}
