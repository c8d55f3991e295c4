package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #12 items A, B, F and 8: one authorized socket sends 100 pulls without a cursor, each a catch-up of a store of
 * 2,000 events of ~9 KB, and never reads. Before, the catch-ups queued pages without bound (the window gave up after
 * 5 s and sent anyway; the queue was bounded by frames, not bytes; pulls of a closed socket kept running) until the
 * heap was full and the server stopped answering. The server runs in a child JVM with a 160 MB heap; it must shed the
 * offender (logged, counted) and keep serving others: /health and another store's push and pull answer promptly.
 */
class OneClientCannotWedgeTheServerTest {

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aSocketThatPullsEverythingAndNeverReadsIsShedAndOthersAreServed(@TempDir Path dir) throws Exception {
        attack(dir, 100);
    }

    /** Within the per-socket pull limit: 16 catch-ups of ~18 MB each would fill the heap; the queued bytes bound sheds. */
    @Test
    void sixteenPullsThatNeverReadAreShedByQueuedBytes(@TempDir Path dir) throws Exception {
        attack(dir, 16);
    }

    private void attack(Path dir, int pulls) throws Exception {
        try (ChildServer child = ChildServer.start(dir, "160m")) {
            URI base = URI.create("http://127.0.0.1:" + child.port);
            String big = "x".repeat(9_000);
            for (long from = 1; from <= 2_000; from += 100) {
                assertThat(RawClient.httpPush(http, base, "big", "secret", RawClient.batch(from, from + 99, big))
                        .statusCode()).isEqualTo(200);
            }
            try (SocketWsClient attacker = SocketWsClient.connect("127.0.0.1", child.port,
                    SocketWsClient.storePath("big", "secret"), 8192)) {
                try {
                    for (int i = 0; i < pulls; i++) {
                        attacker.sendText(RawClient.pullFrame("big", "secret", "a" + i, null, true));
                    }
                } catch (java.io.IOException shedWhileSending) {
                    // the server cut the attacker while it was still sending pulls
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                String metrics = "";
                while (System.nanoTime() < deadline && !metrics.contains("livesync_connections_shed_total 1")) {
                    metrics = get(base.resolve("/metrics"), Duration.ofSeconds(5)).body();
                }
                assertThat(metrics).as("the attacker is shed and counted").contains("livesync_connections_shed_total 1");
            }
            // the server is still responsive to everybody else
            long start = System.nanoTime();
            HttpResponse<String> health = get(base.resolve("/health"), Duration.ofSeconds(5));
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(RawClient.httpPush(http, base, "other", "secret", RawClient.batch(1, 1, "x")).statusCode())
                    .isEqualTo(200);
            HttpResponse<String> pull = http.send(HttpRequest.newBuilder(base.resolve("/sync/other/pull?cursor=0"))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer secret").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(pull.body()).contains("\"seqNum\":1");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
            ServerFixture.await("the attacker's live pulls are gone", () -> {
                try {
                    return get(base.resolve("/metrics"), Duration.ofSeconds(5)).body()
                            .contains("livesync_live_subscribers 0");
                } catch (Exception e) {
                    return false;
                }
            });
            String log = Files.readString(child.dir.resolve("server.log"));
            assertThat(log).contains("\"event\":\"connection-shed\"");
            log.lines().filter(l -> l.contains("connection-shed")).forEach(l -> System.out.println("[wedge] " + l));
            assertThat(Files.exists(child.dir.resolve("child-stderr.log"))
                    && Files.readString(child.dir.resolve("child-stderr.log")).contains("OutOfMemoryError")).isFalse();
        }
    }

    private HttpResponse<String> get(URI uri, Duration timeout) throws Exception {
        return http.send(HttpRequest.newBuilder(uri).timeout(timeout).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
