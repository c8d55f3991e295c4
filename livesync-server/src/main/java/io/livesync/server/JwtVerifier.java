package io.livesync.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Verifies JWT bearer tokens with nimbus-jose-jwt: HS256 with a shared secret and RS256/ES256 with the public keys
 * of a JWKS file (either or both). The signature, the algorithm and the key are nimbus's business; this class reads
 * the verified claims: {@code sub} (required), {@code exp} (required) and {@code nbf} (optional) against the time it
 * is given, {@code iss} and {@code aud} when configured, and the access claim (default name {@code livesync}):
 * <pre>{"read": ["shared-*"], "write": ["todo-alice", "team-*"], "admin": false}</pre>
 * Store patterns are store ids where {@code *} matches any run of characters; write implies read.
 */
final class JwtVerifier {

    /** A verified token's identity. */
    record Claims(String subject, List<Pattern> read, List<Pattern> write, boolean admin, Instant expiresAt) {

        boolean mayRead(String storeId) {
            return mayWrite(storeId) || matches(read, storeId);
        }

        boolean mayWrite(String storeId) {
            return matches(write, storeId);
        }

        private static boolean matches(List<Pattern> patterns, String storeId) {
            for (Pattern p : patterns) {
                if (p.matcher(storeId).matches()) {
                    return true;
                }
            }
            return false;
        }
    }

    /** Why a token was not accepted; the message never contains the token. */
    static final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
    private final String claimName;
    private final String issuer;
    private final String audience;

    private JwtVerifier(byte[] hs256Secret, JWKSet jwks, String claimName, String issuer, String audience) {
        this.claimName = Objects.requireNonNull(claimName, "claimName");
        this.issuer = issuer;
        this.audience = audience;
        JWSKeySelector<SecurityContext> hmac = hs256Secret == null ? null
                : new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(hs256Secret));
        JWSKeySelector<SecurityContext> keys = jwks == null ? null
                : new JWSVerificationKeySelector<>(Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256),
                        new ImmutableJWKSet<>(jwks));
        processor.setJWSKeySelector((JWSHeader header, SecurityContext ctx) -> {
            JWSKeySelector<SecurityContext> selector = JWSAlgorithm.HS256.equals(header.getAlgorithm()) ? hmac : keys;
            return selector == null ? List.<Key>of() : selector.selectJWSKeys(header, ctx);
        });
        processor.setJWTClaimsSetVerifier((claims, ctx) -> { }); // exp and nbf are checked in verify, against its time
    }

    /**
     * A verifier for HS256 tokens signed with {@code secret} (at least 32 bytes) and/or RS256/ES256 tokens signed with
     * a key of {@code jwks}; at least one must be given. {@code issuer} / {@code audience}, when not null, must be the
     * token's {@code iss} / among its {@code aud}.
     */
    static JwtVerifier of(byte[] hs256Secret, JWKSet jwks, String claimName, String issuer, String audience) {
        if (hs256Secret == null && jwks == null) {
            throw new IllegalArgumentException("a JWT verifier needs an HS256 secret or a JWKS file");
        }
        if (hs256Secret != null && hs256Secret.length < 32) {
            throw new IllegalArgumentException("the HS256 secret has " + hs256Secret.length
                    + " bytes; it needs at least 32 (256 bits)");
        }
        if (claimName == null || claimName.isBlank()) {
            throw new IllegalArgumentException("the JWT access claim name is empty");
        }
        return new JwtVerifier(hs256Secret, jwks, claimName, issuer, audience);
    }

    static byte[] readSecret(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip().getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the JWT secret file " + file + ": " + e.getMessage(), e);
        }
    }

    static JWKSet readJwks(Path file) {
        try {
            JWKSet set = JWKSet.load(file.toFile());
            if (set.getKeys().isEmpty()) {
                throw new IllegalArgumentException("the JWKS file " + file + " has no keys");
            }
            return set;
        } catch (IOException | ParseException e) {
            throw new IllegalArgumentException("cannot read the JWKS file " + file + ": " + e.getMessage(), e);
        }
    }

    /** Whether {@code token} has the shape of a JWS (three dot-separated parts); static tokens never reach nimbus. */
    static boolean looksLikeJwt(String token) {
        int first = token.indexOf('.');
        return first > 0 && token.indexOf('.', first + 1) > first + 1 && token.chars().filter(c -> c == '.').count() == 2;
    }

    /** The verified claims of {@code token} at {@code now}; throws {@link Invalid} saying why not. */
    Claims verify(String token, Instant now) throws Invalid {
        JWTClaimsSet claims;
        try {
            claims = processor.process(token, null);
        } catch (ParseException e) {
            throw new Invalid("the token is not a well-formed JWT");
        } catch (BadJOSEException e) {
            throw new Invalid("the JWT was not accepted: " + e.getMessage());
        } catch (JOSEException e) {
            throw new Invalid("the JWT could not be verified: " + e.getMessage());
        }
        String subject = claims.getSubject();
        if (subject == null || subject.isBlank()) {
            throw new Invalid("the JWT has no \"sub\" claim");
        }
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new Invalid("the JWT has no \"exp\" claim; livesync accepts only tokens that expire");
        }
        if (!now.isBefore(exp.toInstant())) {
            throw new Invalid("the JWT expired at " + exp.toInstant());
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now.isBefore(nbf.toInstant())) {
            throw new Invalid("the JWT is not valid before " + nbf.toInstant());
        }
        if (issuer != null && !issuer.equals(claims.getIssuer())) {
            throw new Invalid("the JWT's issuer is not " + issuer);
        }
        if (audience != null && (claims.getAudience() == null || !claims.getAudience().contains(audience))) {
            throw new Invalid("the JWT's audience does not include " + audience);
        }
        Object access = claims.getClaim(claimName);
        if (access != null && !(access instanceof Map<?, ?>)) {
            throw new Invalid("the JWT claim \"" + claimName + "\" must be an object {read, write, admin}");
        }
        Map<?, ?> map = access == null ? Map.of() : (Map<?, ?>) access;
        Object admin = map.get("admin");
        if (admin != null && !(admin instanceof Boolean)) {
            throw new Invalid("the JWT claim \"" + claimName + ".admin\" must be a boolean");
        }
        return new Claims(subject, patterns(map.get("read"), "read"), patterns(map.get("write"), "write"),
                Boolean.TRUE.equals(admin), exp.toInstant());
    }

    private List<Pattern> patterns(Object value, String member) throws Invalid {
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw new Invalid("the JWT claim \"" + claimName + "." + member + "\" must be an array of store patterns");
        }
        List<Pattern> out = new ArrayList<>();
        for (Object item : list) {
            if (!(item instanceof String s) || !s.matches("[A-Za-z0-9_*-]{1,128}")) {
                throw new Invalid("the JWT claim \"" + claimName + "." + member
                        + "\" must hold store ids, * matching any run of characters");
            }
            out.add(glob(s));
        }
        return List.copyOf(out);
    }

    static Pattern glob(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (String part : pattern.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }
}
