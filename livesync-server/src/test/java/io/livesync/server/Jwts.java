package io.livesync.server;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

/** Test tokens signed with nimbus: what an identity provider would issue. */
final class Jwts {

    static final String SECRET = "a-test-secret-of-at-least-32-bytes-0123456789";

    private Jwts() {}

    /** Claims with {@code sub}, {@code exp} and the {@code livesync} access claim; null lists are left out. */
    static JWTClaimsSet.Builder claims(String sub, Instant exp, List<String> read, List<String> write, boolean admin) {
        java.util.LinkedHashMap<String, Object> access = new java.util.LinkedHashMap<>();
        if (read != null) {
            access.put("read", read);
        }
        if (write != null) {
            access.put("write", write);
        }
        if (admin) {
            access.put("admin", true);
        }
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().subject(sub).claim("livesync", Map.copyOf(access));
        return exp == null ? b : b.expirationTime(Date.from(exp));
    }

    static String hs256(JWTClaimsSet.Builder claims) {
        return hs256(claims, SECRET);
    }

    static String hs256(JWTClaimsSet.Builder claims, String secret) {
        try {
            return sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)), JWSAlgorithm.HS256, null, claims);
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String readWrite(String sub, String... stores) {
        return hs256(claims(sub, Instant.now().plusSeconds(600), null, List.of(stores), false));
    }

    static String readOnly(String sub, String... stores) {
        return hs256(claims(sub, Instant.now().plusSeconds(600), List.of(stores), null, false));
    }

    static String sign(JWSSigner signer, JWSAlgorithm alg, String kid, JWTClaimsSet.Builder claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims.build());
            jwt.sign(signer);
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RSA and an EC key pair; their public halves written to {@code jwksFile}. */
    record Keys(RSAKey rsa, ECKey ec) {
        static Keys generate(Path jwksFile) throws Exception {
            RSAKey rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
            ECKey ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
            Files.writeString(jwksFile, new JWKSet(List.of(rsa.toPublicJWK(), ec.toPublicJWK())).toString());
            return new Keys(rsa, ec);
        }

        String rs256(JWTClaimsSet.Builder claims) throws JOSEException {
            return sign(new RSASSASigner(rsa), JWSAlgorithm.RS256, "rsa-1", claims);
        }

        String es256(JWTClaimsSet.Builder claims) throws JOSEException {
            return sign(new ECDSASigner(ec), JWSAlgorithm.ES256, "ec-1", claims);
        }
    }
}
