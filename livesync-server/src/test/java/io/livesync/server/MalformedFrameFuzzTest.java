package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.core.Event;
import io.livesync.core.Seeds;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throws at least 1,000 seeded malformed frames at a live server over a real socket: truncated JSON, wrong types, huge
 * numbers, deep nesting, oversized batches and frames, non-chaining and invalid pushes, wrong store, wrong token,
 * wrong backend id. Every frame gets a typed answer (an Exit carrying a coded error, or a close whose reason starts with
 * a code), the server stays up, and the stored log is unchanged.
 */
class MalformedFrameFuzzTest {

    private static final int FRAMES = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CODES = Set.of("malformed-frame", "frame-too-large", "too-deep", "too-many-events",
            "event-too-large", "invalid-event", "invalid-batch", "unsupported-request", "unauthorized", "wrong-store",
            "ServerAheadError", "BackendIdMismatchError");

    /** One connection whose received frames and close land in a queue. */
    private static final class Conn implements WebSocket.Listener {
        final LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
        final StringBuilder partial = new StringBuilder();
        WebSocket ws;

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                received.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            received.add("CLOSE " + statusCode + " " + reason);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            received.add("CLOSE error " + error);
        }
    }

    private Conn open(HttpClient http, URI uri) {
        Conn c = new Conn();
        c.ws = http.newWebSocketBuilder().buildAsync(uri, c).join();
        return c;
    }

    @Test
    void everyMalformedFrameGetsATypedErrorAndNothingIsStored(@TempDir Path dir) throws Exception {
        long seed = Seeds.seed("malformedFrameFuzz");
        SplittableRandom random = new SplittableRandom(seed);
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir)
                .tokens(Map.of("*", "secret")).logFile(dir.resolve("server.log")).build());
                io.livesync.client.Store seedClient = EndToEndSyncTest.client(server.wsUri("fuzz"), "fuzz", "seed",
                        "secret")) {
            EndToEndSyncTest.commitTodos(seedClient, "seed", 10, 5);
            EndToEndSyncTest.awaitConverged(server, "fuzz", 10, seedClient);
            String backendId = server.eventStore().meta("fuzz").backendId();
            List<Event> before = server.eventStore().read("fuzz", 0, 1000, 1000);

            String payload = java.net.URLEncoder.encode(java.net.URLEncoder.encode("{\"authToken\":\"secret\"}",
                    "UTF-8"), "UTF-8");
            URI uri = URI.create(server.wsUri("fuzz") + "?storeId=fuzz&payload=" + payload + "&transport=ws");
            Map<String, Integer> codes = new TreeMap<>();
            try (HttpClient http = HttpClient.newHttpClient()) {
                Conn conn = open(http, uri);
                for (int i = 0; i < FRAMES; i++) {
                    String id = "f" + i;
                    String frame = FuzzFrames.generate(random, id, backendId);
                    conn.ws.sendText(frame, true).join();
                    String answer = awaitAnswer(conn, id, "seed=" + seed + " frame " + i + ": " + abbreviate(frame));
                    String code = codeOf(answer, "seed=" + seed + " frame " + i + ": " + abbreviate(frame));
                    codes.merge(code, 1, Integer::sum);
                    if (answer.startsWith("CLOSE")) {
                        conn = open(http, uri); // the server closed this socket (no request id to answer to)
                    }
                }
                conn.ws.abort();
            }
            System.out.println("[fuzz] seed=" + seed + " typed answers by code: " + codes);
            assertThat(codes.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(FRAMES);
            assertThat(codes.keySet()).as("the generator covers the error classes").contains("malformed-frame",
                    "too-deep", "too-many-events", "invalid-event", "ServerAheadError", "wrong-store", "unauthorized",
                    "frame-too-large", "BackendIdMismatchError");
            List<Event> after = server.eventStore().read("fuzz", 0, 1000, 1000);
            assertThat(after).isEqualTo(before);
            assertThat(server.eventStore().meta("fuzz").head()).isEqualTo(10);
            // the server is still up and serves the same store
            EndToEndSyncTest.commitTodos(seedClient, "after", 3, 3);
            EndToEndSyncTest.awaitConverged(server, "fuzz", 13, seedClient);
        }
    }

    private static String awaitAnswer(Conn conn, String id, String context) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            String frame = conn.received.poll(100, TimeUnit.MILLISECONDS);
            if (frame == null) {
                continue;
            }
            if (frame.startsWith("CLOSE") || frame.contains("\"requestId\":\"" + id + "\"")) {
                return frame;
            }
        }
        throw new AssertionError("no answer within 10 s: " + context);
    }

    private static String codeOf(String answer, String context) throws Exception {
        if (answer.startsWith("CLOSE")) {
            String[] parts = answer.split(" ", 3);
            String reason = parts.length > 2 ? parts[2] : "";
            String code = reason.contains(":") ? reason.substring(0, reason.indexOf(':')) : reason;
            assertThat(CODES).as("close reason of " + context + " -> " + answer).contains(code);
            return code;
        }
        JsonNode error = JSON.readTree(answer).path("exit").path("cause").path("error");
        String tag = error.path("_tag").asText();
        String code = tag.equals("UnknownError") ? error.path("cause").path("code").asText() : tag;
        assertThat(CODES).as(context + " -> " + answer).contains(code);
        return code;
    }

    private static String abbreviate(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "...(" + s.length() + " chars)" : s;
    }
}
