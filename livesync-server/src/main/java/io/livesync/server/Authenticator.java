package io.livesync.server;

import io.livesync.core.wire.WireErrorCode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.InstantSource;

/**
 * Decides who a presented token is and what it may do with one store: static per-store tokens (read and write, never
 * expire), JWTs ({@link JwtVerifier}: read-only or read-write per store pattern, expiring), the operator's admin token.
 * One place for every endpoint (WebSocket upgrade and requests of both protocols, HTTP, admin API).
 */
final class Authenticator {

    /** The answer for one token and one store. */
    sealed interface Decision {
        /** Admitted: {@code mayWrite} false is a read-only user; {@code expiresAt} null never expires. */
        record Granted(String subject, boolean mayWrite, Instant expiresAt) implements Decision { }

        /** Not admitted: {@code code} is {@code UNAUTHORIZED} (no valid token) or {@code FORBIDDEN} (not this store). */
        record Refused(WireErrorCode code, String subject, String reason) implements Decision { }
    }

    /** The answer for an admin request. */
    sealed interface AdminDecision {
        record Admin(String subject) implements AdminDecision { }

        record NotAdmin(WireErrorCode code, String subject, String reason) implements AdminDecision { }
    }

    private final ServerConfig config;
    private final JwtVerifier jwt;
    private final InstantSource clock;

    Authenticator(ServerConfig config, InstantSource clock) {
        this.config = config;
        this.jwt = config.jwtVerifier();
        this.clock = clock;
    }

    /** Whether JWTs are accepted. */
    boolean jwtEnabled() {
        return jwt != null;
    }

    /** Who {@code token} (null: none given) is for {@code storeId}, now. */
    Decision authenticate(String storeId, String token) {
        if (config.insecureNoAuth()) {
            return new Decision.Granted("anonymous", true, null);
        }
        if (token == null || token.isEmpty()) {
            return new Decision.Refused(WireErrorCode.UNAUTHORIZED, null, "no token");
        }
        String expected = config.tokenFor(storeId);
        if (expected != null && constantTimeEquals(expected, token)) {
            return new Decision.Granted(config.subjectFor(storeId), true, null);
        }
        if (jwt == null || !JwtVerifier.looksLikeJwt(token)) {
            return new Decision.Refused(WireErrorCode.UNAUTHORIZED, null, "wrong token");
        }
        JwtVerifier.Claims claims;
        try {
            claims = jwt.verify(token, clock.instant());
        } catch (JwtVerifier.Invalid e) {
            return new Decision.Refused(WireErrorCode.UNAUTHORIZED, null, e.getMessage());
        }
        if (claims.mayWrite(storeId)) {
            return new Decision.Granted(claims.subject(), true, claims.expiresAt());
        }
        if (claims.mayRead(storeId)) {
            return new Decision.Granted(claims.subject(), false, claims.expiresAt());
        }
        return new Decision.Refused(WireErrorCode.FORBIDDEN, claims.subject(),
                "the token does not grant store \"" + storeId + "\"");
    }

    /** Whether {@code token} is the admin token or a JWT with the admin claim. */
    AdminDecision authenticateAdmin(String token) {
        if (token == null || token.isEmpty()) {
            return new AdminDecision.NotAdmin(WireErrorCode.UNAUTHORIZED, null, "no token");
        }
        if (config.isAdminToken(token)) {
            return new AdminDecision.Admin("admin-token");
        }
        if (jwt == null || !JwtVerifier.looksLikeJwt(token)) {
            return new AdminDecision.NotAdmin(WireErrorCode.UNAUTHORIZED, null, "not the admin token");
        }
        try {
            JwtVerifier.Claims claims = jwt.verify(token, clock.instant());
            return claims.admin() ? new AdminDecision.Admin(claims.subject())
                    : new AdminDecision.NotAdmin(WireErrorCode.FORBIDDEN, claims.subject(), "the JWT has no admin claim");
        } catch (JwtVerifier.Invalid e) {
            return new AdminDecision.NotAdmin(WireErrorCode.UNAUTHORIZED, null, e.getMessage());
        }
    }

    /** The token of an {@code Authorization: Bearer ...} header, or null. */
    static String bearer(String authorization) {
        return authorization != null && authorization.startsWith("Bearer ")
                ? authorization.substring("Bearer ".length()).strip() : null;
    }

    /** {@code syncPayload.authToken}, or null. */
    static String authToken(com.fasterxml.jackson.databind.JsonNode syncPayload) {
        return syncPayload != null && syncPayload.path("authToken").isTextual()
                ? syncPayload.get("authToken").textValue() : null;
    }

    Instant now() {
        return clock.instant();
    }

    static boolean constantTimeEquals(String a, String b) {
        return MessageDigest.isEqual(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }
}
