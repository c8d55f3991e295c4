package io.livesync.server;

import io.livesync.hub.PushValidator;
import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * JWT bearer tokens against the real server over real sockets: HS256 and RS256/ES256 (JWKS), per-store patterns,
 * read-only users, exp/nbf at the upgrade, on every request and on open sockets, the subject reaching the push
 * validator, and audit lines that never contain the token.
 */
class JwtBearerTokensTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final List<String> subjects = new CopyOnWriteArrayList<>();

    private SyncServer start(Path dir, Path jwks) {
        ServerConfig.Builder b = ServerConfig.builder().port(0).dataDir(dir).tokens(java.util.Map.of("legacy", "static-token"))
                .jwtHs256Secret(Jwts.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .pushValidator(push -> {
                    subjects.add(push.pusher().subject());
                    return PushValidator.Verdict.accept();
                })
                .logFile(dir.resolve("server.log"));
        if (jwks != null) {
            b.jwtJwksFile(jwks);
        }
        return SyncServer.start(b.build());
    }

    private static int upgradeStatus(HttpClient http, SyncServer server, String storeId, String token) {
        try {
            RawClient.connect(http, server, storeId, token).close();
            return 101;
        } catch (CompletionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            throw e;
        }
    }

    private static String next(RawClient c) throws InterruptedException {
        String frame = c.frames.poll(30, TimeUnit.SECONDS);
        assertThat(frame).as("a frame within 30 s").isNotNull();
        return frame;
    }

    @Test
    void aReadWriteJwtPushesAndItsSubjectReachesThePushValidator(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String alice = Jwts.readWrite("alice", "todo-alice", "team-*");
            try (Store store = EndToEndSyncTest.client(server.wsUri("team-red"), "team-red", "c1", alice)) {
                store.commit(List.of(TodoSchema.created("t1", "milk")));
                ServerFixture.await("the event is stored", () -> server.eventStore().meta("team-red").head() == 1);
            }
            assertThat(subjects).containsOnly("alice");
            HttpResponse<String> ok = RawClient.httpPush(http, server, "todo-alice", alice, RawClient.batch(1, 1, "x"));
            assertThat(ok.statusCode()).isEqualTo(200);
            // static tokens keep working next to JWTs
            assertThat(RawClient.httpPush(http, server, "legacy", "static-token", RawClient.batch(1, 1, "x")).statusCode())
                    .isEqualTo(200);
            assertThat(subjects).containsExactly("alice", "alice", "token:legacy");
        }
    }

    @Test
    void aReadOnlyJwtPullsButItsPushesAreForbiddenOnEveryPath(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String writer = Jwts.readWrite("writer", "shared");
            assertThat(RawClient.httpPush(http, server, "shared", writer, RawClient.batch(1, 2, "w")).statusCode())
                    .isEqualTo(200);
            String bob = Jwts.readOnly("bob", "shared");
            try (RawClient ws = RawClient.connect(http, server, "shared", bob)) {
                ws.pull("0", null, false);
                ServerFixture.await("bob pulls both events", () -> ws.seqs("0").equals(List.of(1L, 2L)));
                ws.push("1", 3, 3, "nope");
                String answer = "";
                while (!answer.contains("\"requestId\":\"1\"")) {
                    answer = next(ws);
                }
                assertThat(answer).contains("\"code\":\"forbidden\"").contains("read-only");
            }
            HttpResponse<String> httpPush = RawClient.httpPush(http, server, "shared", bob, RawClient.batch(3, 3, "n"));
            assertThat(httpPush.statusCode()).isEqualTo(403);
            assertThat(httpPush.body()).contains("\"code\":\"forbidden\"");
            HttpResponse<String> httpPull = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/sync/shared/pull?cursor=0"))
                    .header("Authorization", "Bearer " + bob).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(httpPull.statusCode()).isEqualTo(200);
            try (RawClient ws03 = RawClient.connect03(http, server, "shared", bob)) {
                ws03.send("{\"_tag\":\"WSMessage.PushReq\",\"requestId\":\"p\",\"batch\":[" + RawClient.EVENT.formatted(3, "n", 3, 2) + "]}");
                String answer = "";
                while (!answer.contains("\"requestId\":\"p\"")) {
                    answer = next(ws03);
                }
                assertThat(answer).contains("forbidden");
            }
            assertThat(server.eventStore().meta("shared").head()).isEqualTo(2);
            assertThat(server.metrics().rejected("forbidden")).isEqualTo(3);
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("\"event\":\"forbidden\",\"audit\":true,\"who\":\"bob\",\"action\":\"push\"")
                    .doesNotContain(bob).doesNotContain(writer);
        }
    }

    @Test
    void storesOutsideTheClaimAndInvalidTokensAreRefusedAtTheUpgrade(@TempDir Path dir) throws Exception {
        Path jwks = dir.resolve("jwks.json");
        Jwts.Keys keys = Jwts.Keys.generate(jwks);
        try (SyncServer server = start(dir, jwks)) {
            Instant now = Instant.now();
            assertThat(upgradeStatus(http, server, "team-red", Jwts.readWrite("carol", "team-*"))).isEqualTo(101);
            assertThat(upgradeStatus(http, server, "other", Jwts.readWrite("carol", "team-*"))).isEqualTo(403);
            assertThat(upgradeStatus(http, server, "team-red",
                    keys.rs256(Jwts.claims("rs", now.plusSeconds(60), null, List.of("team-red"), false)))).isEqualTo(101);
            assertThat(upgradeStatus(http, server, "team-red",
                    keys.es256(Jwts.claims("es", now.plusSeconds(60), List.of("team-red"), null, false)))).isEqualTo(101);
            String expired = Jwts.hs256(Jwts.claims("dave", now.minusSeconds(5), null, List.of("*"), false));
            String notYet = Jwts.hs256(Jwts.claims("dave", now.plusSeconds(600), null, List.of("*"), false)
                    .notBeforeTime(java.util.Date.from(now.plusSeconds(300))));
            String noExp = Jwts.hs256(Jwts.claims("dave", null, null, List.of("*"), false));
            String otherSecret = Jwts.hs256(Jwts.claims("dave", now.plusSeconds(60), null, List.of("*"), false),
                    "another-secret-of-at-least-32-bytes-xxxxxxxx");
            String unsigned = new com.nimbusds.jwt.PlainJWT(Jwts.claims("dave", now.plusSeconds(60), null,
                    List.of("*"), false).build()).serialize();
            for (String bad : List.of(expired, notYet, noExp, otherSecret, unsigned, "a.b.c", "garbage")) {
                assertThat(upgradeStatus(http, server, "team-red", bad)).as(bad).isEqualTo(401);
                assertThat(RawClient.httpPush(http, server, "team-red", bad, RawClient.batch(1, 1, "x")).statusCode())
                        .as(bad).isEqualTo(401);
            }
            String log = Files.readString(dir.resolve("server.log"));
            assertThat(log).contains("the JWT expired at").contains("the JWT is not valid before")
                    .contains("no \\\"exp\\\" claim").contains("\"event\":\"forbidden\",\"audit\":true,\"who\":\"carol\"");
            for (String bad : List.of(expired, notYet, noExp, otherSecret)) {
                assertThat(log).doesNotContain(bad);
            }
            assertThat(server.eventStore().meta("team-red").head()).isZero();
        }
    }

    @Test
    void anOpenSocketIsClosedWithATypedErrorWhenItsTokenExpires(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String shortLived = Jwts.hs256(Jwts.claims("erin", Instant.now().plusSeconds(2), null, List.of("s"), false));
            try (RawClient ws = RawClient.connect(http, server, "s", shortLived)) {
                ws.pull("0", null, true);
                String frame = "";
                while (!frame.startsWith("CLOSE")) {
                    frame = next(ws);
                }
                assertThat(frame).startsWith("CLOSE 1008 unauthorized: the token expired at");
                // a request with the expired token is refused too (checked on every request)
            }
            HttpResponse<String> late = RawClient.httpPush(http, server, "s", shortLived, RawClient.batch(1, 1, "x"));
            assertThat(late.statusCode()).isEqualTo(401);
            assertThat(Files.readString(dir.resolve("server.log"))).contains("\"event\":\"token-expired\"");
        }
    }

    @Test
    void aConfiguredIssuerAndAudienceAreRequired(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .jwtHs256Secret(Jwts.SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8))
                .jwtIssuer("https://id.example.com").jwtAudience("livesync").build())) {
            java.util.function.Function<com.nimbusds.jwt.JWTClaimsSet.Builder, String> sign = Jwts::hs256;
            Instant exp = Instant.now().plusSeconds(60);
            String right = sign.apply(Jwts.claims("h", exp, null, List.of("s"), false).issuer("https://id.example.com")
                    .audience(List.of("other", "livesync")));
            String wrongIssuer = sign.apply(Jwts.claims("h", exp, null, List.of("s"), false).issuer("https://evil")
                    .audience("livesync"));
            String noAudience = sign.apply(Jwts.claims("h", exp, null, List.of("s"), false)
                    .issuer("https://id.example.com"));
            assertThat(upgradeStatus(http, server, "s", right)).isEqualTo(101);
            assertThat(upgradeStatus(http, server, "s", wrongIssuer)).isEqualTo(401);
            assertThat(upgradeStatus(http, server, "s", noAudience)).isEqualTo(401);
        }
    }

    @Test
    void aLiveStore03SocketIsClosedAtItsTokensExpiryToo(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String shortLived = Jwts.hs256(Jwts.claims("gus", Instant.now().plusSeconds(2), null, List.of("s"), false));
            try (RawClient ws = RawClient.connect03(http, server, "s", shortLived)) {
                String frame = "";
                while (!frame.startsWith("CLOSE")) {
                    frame = next(ws);
                }
                assertThat(frame).startsWith("CLOSE 1008 unauthorized: the token expired at");
            }
        }
    }

    @Test
    void aRequestOnAnOpenSocketIsCheckedWithItsOwnToken(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String frank = Jwts.readWrite("frank", "s");
            String expired = Jwts.hs256(Jwts.claims("frank", Instant.now().minusSeconds(1), null, List.of("s"), false));
            try (RawClient ws = RawClient.connect(http, server, "s", frank)) {
                ws.send(RawClient.pushFrame("s", expired, "1", RawClient.batch(1, 1, "x")));
                String answer = "";
                while (!answer.contains("\"requestId\":\"1\"")) {
                    answer = next(ws);
                }
                assertThat(answer).contains("\"code\":\"unauthorized\"").contains("expired");
            }
            assertThat(server.eventStore().meta("s").head()).isZero();
        }
    }

    @Test
    void aLivesyncClientWithAReadOnlyJwtStopsPushingKeepsItsEventsAndStillPulls(@TempDir Path dir) throws Exception {
        try (SyncServer server = start(dir, null)) {
            String writer = Jwts.readWrite("writer", "news");
            try (Store reader = EndToEndSyncTest.client(server.wsUri("news"), "news", "r", Jwts.readOnly("reader", "news"))) {
                reader.commit(List.of(TodoSchema.created("mine", "local only")));
                ServerFixture.await("the push loop parks with forbidden",
                        () -> reader.syncStatus().pushLoop().equals("parked")
                                && reader.syncStatus().pushLoopReason().contains("forbidden"),
                        () -> reader.syncStatus().toString());
                long refusals = server.metrics().rejected("forbidden");
                assertThat(refusals).isEqualTo(1);
                // the reader keeps pulling: a writer's event arrives (a causal point after the refusal)
                assertThat(RawClient.httpPush(http, server, "news", writer, RawClient.batch(1, 1, "headline"))
                        .statusCode()).isEqualTo(200);
                ServerFixture.await("the reader pulls the writer's event",
                        () -> reader.syncStatus().upstreamHead().global() >= 1, () -> reader.syncStatus().toString());
                assertThat(reader.syncStatus().pendingCount()).as("its own event stays pending locally").isEqualTo(1);
                assertThat(reader.syncStatus().pushLoop()).isEqualTo("parked");
                assertThat(server.metrics().rejected("forbidden")).as("no retry loop").isEqualTo(refusals);
            }
            assertThat(server.eventStore().meta("news").head()).isEqualTo(1);
        }
    }
}
