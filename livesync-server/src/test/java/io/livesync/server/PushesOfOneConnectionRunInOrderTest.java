package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.livesync.core.Event;
import io.livesync.hub.PushValidator;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue #14: the pushes of one socket run one at a time, in the order their frames arrived (a client may send chained
 * batches before the answers come back). The first push is held in the validator until another push of the socket
 * reaches the validator (bounded wait): run in order, none does, so no two validations overlap and every chained
 * batch is accepted in order; run concurrently (each push on its own thread, as before), the second overtakes the
 * first and is refused with ServerAhead.
 */
class PushesOfOneConnectionRunInOrderTest {

    /** Holds the first push until a second one is being validated (at most 1 s); records overlapping validations. */
    public static final class HoldsTheFirstPush implements PushValidator {
        static final AtomicInteger SEEN = new AtomicInteger();
        static final AtomicInteger ACTIVE = new AtomicInteger();
        static final AtomicInteger OVERLAPS = new AtomicInteger();
        static final CountDownLatch SECOND_ARRIVED = new CountDownLatch(1);

        @Override
        public Verdict validate(Push push) {
            int n = SEEN.incrementAndGet();
            if (ACTIVE.incrementAndGet() > 1) {
                OVERLAPS.incrementAndGet();
            }
            try {
                if (n == 1) {
                    SECOND_ARRIVED.await(1, TimeUnit.SECONDS); // bounded: in order, nothing else can arrive
                } else {
                    SECOND_ARRIVED.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                ACTIVE.decrementAndGet();
            }
            return Verdict.accept();
        }
    }

    @Test
    void chainedPushesSentBeforeTheirAnswersAreStoredInOrder(@TempDir Path dir) throws Exception {
        int pushes = 20;
        int perPush = 5;
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).pushValidator(HoldsTheFirstPush.class.getName())
                .logFile(dir.resolve("server.log")).build());
                RawClient ws = RawClient.connect(http, server, "order", "secret")) {
            for (int p = 0; p < pushes; p++) {
                ws.push("p" + p, p * perPush + 1L, (p + 1L) * perPush, "chained");
            }
            List<String> outcomes = new ArrayList<>();
            for (int p = 0; p < pushes; p++) {
                String frame = ws.frames.poll(30, TimeUnit.SECONDS);
                assertThat(frame).as("answer %d of %d", p + 1, pushes).isNotNull();
                JsonNode exit = RawClient.JSON.readTree(frame);
                outcomes.add(exit.path("requestId").asText() + ":" + exit.path("exit").path("_tag").asText());
            }
            List<String> expected = new ArrayList<>();
            for (int p = 0; p < pushes; p++) {
                expected.add("p" + p + ":Success");
            }
            assertThat(outcomes).as("every chained push accepted, answered in order").isEqualTo(expected);
            assertThat(HoldsTheFirstPush.OVERLAPS.get()).as("validations of one socket never overlap").isZero();
            List<Event> log = server.eventStore().read("order", 0, pushes * perPush, 1000);
            assertThat(log).hasSize(pushes * perPush);
            for (int i = 0; i < log.size(); i++) {
                assertThat(log.get(i).args().path("id").asText()).isEqualTo("t" + (i + 1));
            }
        }
    }
}
