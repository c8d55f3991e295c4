package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.livesync.hub.PushValidator;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real LiveStore 0.4.0 client (npm, interop/livestore-node) passing a JWT as {@code syncPayload.authToken}: its
 * events are stored under the JWT's {@code sub}; a JWT for another store is refused at the upgrade.
 */
class LiveStoreAppWithAJwtTest {

    private static final String SECRET = "a-test-secret-of-at-least-32-bytes-0123456789";

    static String jwt(String sub, String... writeStores) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), new JWTClaimsSet.Builder().subject(sub)
                .expirationTime(Date.from(Instant.now().plusSeconds(600)))
                .claim("livesync", Map.of("write", List.of(writeStores))).build());
        jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    @Test
    void aLiveStoreAppSyncsWithAJwtAndItsSubIsThePusher(@TempDir Path dir) throws Exception {
        List<String> subjects = new CopyOnWriteArrayList<>();
        try (SyncServer s = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .jwtHs256Secret(SECRET.getBytes(StandardCharsets.UTF_8)).pushValidator(push -> {
                    subjects.add(push.pusher().subject());
                    return PushValidator.Verdict.accept();
                }).logFile(dir.resolve("server.log")).build());
                LiveStoreDriver a = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "todo-lena", "ls-jwt",
                        jwt("lena", "todo-lena"), "memory", dir.resolve("a.err"));
                LiveStoreDriver other = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), "todo-max", "ls-other",
                        jwt("lena", "todo-lena"), "memory", dir.resolve("b.err"))) {
            a.create(3, 3);
            other.create(1, 1);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (s.eventStore().meta("todo-lena").head() < 3 || !Files.readString(dir.resolve("server.log"))
                    .contains("\"event\":\"forbidden\"")) {
                assertThat(System.nanoTime()).as("LiveStore's events stored, the other store refused").isLessThan(deadline);
                Thread.sleep(20); // polling interval of a bounded wait
            }
            assertThat(subjects).isNotEmpty().containsOnly("lena");
            assertThat(s.eventStore().meta("todo-max").head()).isZero();
            assertThat(other.status().path("pending").asInt()).isEqualTo(1);
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("\"event\":\"forbidden\",\"audit\":true,\"who\":\"lena\",\"action\":\"upgrade\","
                    + "\"store\":\"todo-max\"");
        }
    }
}
