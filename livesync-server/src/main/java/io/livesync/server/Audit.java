package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.core.wire.WireErrorCode;

/**
 * The audit trail: one log line, marked {@code "audit":true}, for every request refused for who sent it
 * ({@code auth-refused}, {@code forbidden}, {@code rate-limited}) and every admin action ({@code admin-action}).
 * Each says who ({@code who}: the token's subject, or null when no token was valid), what ({@code action}) and which
 * store; never the token.
 */
final class Audit {

    private final ServerLog log;

    Audit(ServerLog log) {
        this.log = log;
    }

    /** A refused request: {@code code} is unauthorized, forbidden or rate-limited. */
    void refused(WireErrorCode code, String who, String action, String storeId, String reason, String remote) {
        String event = switch (code) {
            case UNAUTHORIZED -> "auth-refused";
            case FORBIDDEN -> "forbidden";
            case RATE_LIMITED -> "rate-limited";
            default -> code.wireName();
        };
        log.write(LogLevel.WARN, event, "audit", true, "who", who, "action", action, "store", storeId, "code",
                code.wireName(), "reason", reason, "remote", remote);
    }

    /** An admin action, done or refused ({@code outcome}); {@code details} alternate names and values. */
    void admin(String who, String action, String storeId, String outcome, String remote, Object... details) {
        Object[] fields = new Object[12 + details.length];
        Object[] head = {"audit", true, "who", who, "action", action, "store", storeId, "outcome", outcome,
                "remote", remote};
        System.arraycopy(head, 0, fields, 0, head.length);
        System.arraycopy(details, 0, fields, head.length, details.length);
        log.write("ok".equals(outcome) ? io.livesync.core.LogLevel.INFO : io.livesync.core.LogLevel.WARN, "admin-action",
                java.util.Arrays.copyOf(fields, head.length + details.length));
    }
}
