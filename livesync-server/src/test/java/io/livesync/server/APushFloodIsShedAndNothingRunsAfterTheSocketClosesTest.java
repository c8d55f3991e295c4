package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.hub.PushValidator;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A client that sends push after push while its first push is still being validated: the pushes waiting on its
 * socket are bounded like its outbound queue (the client is shed, not buffered without limit), and once the socket is
 * gone none of the waiting pushes runs. Found by a review on 2026-12-02: before, 4,999 pushes waited and all ran after
 * the client had left.
 */
class APushFloodIsShedAndNothingRunsAfterTheSocketClosesTest {

    /** Holds the first push until released; counts every push it sees. */
    public static final class HoldsTheFirst implements PushValidator {
        static final AtomicInteger SEEN = new AtomicInteger();
        static final CountDownLatch FIRST_SEEN = new CountDownLatch(1);
        static final CountDownLatch RELEASE = new CountDownLatch(1);

        @Override
        public Verdict validate(Push push) {
            if (SEEN.incrementAndGet() == 1) {
                FIRST_SEEN.countDown();
                try {
                    RELEASE.await(60, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return Verdict.accept();
        }
    }

    @Test
    void aFloodOfPushesShedsTheClientAndTheWaitingPushesNeverRun(@TempDir Path dir) throws Exception {
        int pushes = 300;
        int maxWaiting = 16;
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).pushValidator(HoldsTheFirst.class.getName())
                .maxQueuedFramesPerConnection(maxWaiting).logFile(dir.resolve("server.log")).build())) {
            RawClient ws = RawClient.connect(http, server, "flood", "secret");
            ws.push("p0", 1, 1, "first");
            assertThat(HoldsTheFirst.FIRST_SEEN.await(30, TimeUnit.SECONDS)).as("the first push is held").isTrue();
            for (int p = 1; p < pushes && ws.closed == null; p++) {
                try {
                    ws.push("p" + p, p + 1L, p + 1L, "x".repeat(200));
                } catch (RuntimeException sendFailed) {
                    break; // the server cut the socket while we were still sending
                }
            }
            ServerFixture.await("the flooding client is shed", () -> ws.closed != null);
            assertThat(server.metrics().render()).contains("livesync_connections_shed_total 1");
            assertThat(Files.readString(dir.resolve("server.log"))).contains("push-flood");
            HoldsTheFirst.RELEASE.countDown();
            // the held push finishes; none of the waiting ones may run now that the socket is gone
            ServerFixture.await("the first push is stored", () -> server.eventStore().meta("flood").head() == 1);
            assertThat(HoldsTheFirst.SEEN.get()).as("pushes validated after the socket closed").isEqualTo(1);
        }
    }
}
