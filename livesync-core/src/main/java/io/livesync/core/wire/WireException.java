package io.livesync.core.wire;

/**
 * An inbound message that breaks the protocol or a limit. {@link #code()} is stable and documented in
 * {@code docs/protocol.md}; the message names what was wrong. {@link #requestId()} is the request it belongs to, when
 * it could be read.
 */
public final class WireException extends RuntimeException {

    private final String code;
    private final String requestId;

    public WireException(String code, String message, String requestId) {
        super(message);
        this.code = code;
        this.requestId = requestId;
    }

    public String code() {
        return code;
    }

    public String requestId() {
        return requestId;
    }
}
