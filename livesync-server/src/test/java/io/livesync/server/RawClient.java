package io.livesync.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A LiveStore 0.4 wire client written by hand for server tests: it sends exactly the frames a test asks for, records
 * every frame and every event seqNum it receives per request id, acks chunks, and pushes over plain HTTP.
 */
final class RawClient implements WebSocket.Listener, AutoCloseable {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String EVENT = "{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"t%d\",\"text\":\"%s\"},\"seqNum\":%d,"
            + "\"parentSeqNum\":%d,\"clientId\":\"raw\",\"sessionId\":\"s\"}";

    private final StringBuilder partial = new StringBuilder();
    final LinkedBlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final List<String> all = new CopyOnWriteArrayList<>();
    final Map<String, List<Long>> seqs = new ConcurrentHashMap<>();
    volatile String closed;
    private volatile boolean paused;
    private volatile boolean owed;
    private final String storeId;
    private final String token;
    private final boolean autoAck;
    private WebSocket ws;

    private RawClient(String storeId, String token, boolean autoAck) {
        this.storeId = storeId;
        this.token = token;
        this.autoAck = autoAck;
    }

    static String payloadParam(String token) {
        return URLEncoder.encode(URLEncoder.encode("{\"authToken\":\"" + token + "\"}", StandardCharsets.UTF_8),
                StandardCharsets.UTF_8);
    }

    static RawClient connect(HttpClient http, SyncServer server, String storeId, String token) {
        RawClient c = new RawClient(storeId, token, true);
        URI uri = URI.create(server.wsUri(storeId) + "?storeId=" + storeId + "&payload=" + payloadParam(token)
                + "&transport=ws");
        c.ws = http.newWebSocketBuilder().buildAsync(uri, c).join();
        return c;
    }

    /** A LiveStore 0.3 ({@code /websocket}) socket. */
    static RawClient connect03(HttpClient http, SyncServer server, String storeId, String token) {
        RawClient c = new RawClient(storeId, token, false);
        URI uri = URI.create("ws://" + server.config().host() + ":" + server.port() + "/sync/" + storeId
                + "/websocket?storeId=" + storeId + "&payload=" + payloadParam(token));
        c.ws = http.newWebSocketBuilder().buildAsync(uri, c).join();
        return c;
    }

    /** Starts a pull; {@code cursor} null means from the start. */
    void pull(String id, Long cursor, boolean live) {
        seqs.putIfAbsent(id, new CopyOnWriteArrayList<>());
        send(pullFrame(storeId, token, id, cursor, live));
    }

    static String pullFrame(String storeId, String token, String id, Long cursor, boolean live) {
        String cursorJson = cursor == null ? "{\"_tag\":\"None\"}"
                : "{\"_tag\":\"Some\",\"value\":{\"backendId\":null,\"eventSequenceNumber\":" + cursor + "}}";
        return "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"tag\":\"SyncWsRpc.Pull\",\"payload\":{\"storeId\":\""
                + storeId + "\",\"payload\":{\"authToken\":\"" + token + "\"},\"live\":" + live + ",\"cursor\":"
                + cursorJson + "},\"traceId\":\"t\",\"spanId\":\"s\",\"sampled\":false,\"headers\":[]}";
    }

    void send(String text) {
        ws.sendText(text, true).join();
    }

    /** Sends a push of events {@code from..to} over the WebSocket. */
    void push(String id, long from, long to, String text) {
        send(pushFrame(storeId, token, id, from, to, text));
    }

    static String pushFrame(String storeId, String token, String id, long from, long to, String text) {
        return pushFrame(storeId, token, id, batch(from, to, text));
    }

    /** A push frame whose body is {@code batchBody} ({@code {"batch":[...]}}, as for the HTTP push). */
    static String pushFrame(String storeId, String token, String id, String batchBody) {
        String batch = batchBody;
        return "{\"_tag\":\"Request\",\"id\":\"" + id + "\",\"tag\":\"SyncWsRpc.Push\",\"payload\":{\"storeId\":\""
                + storeId + "\",\"payload\":{\"authToken\":\"" + token + "\"},"
                + batch.substring(1, batch.length() - 1) + "},\"traceId\":\"t\",\"spanId\":\"s\",\"sampled\":false,"
                + "\"headers\":[]}";
    }

    List<Long> seqs(String requestId) {
        return List.copyOf(seqs.getOrDefault(requestId, List.of()));
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            try {
                JsonNode frame = JSON.readTree(text);
                if (frame.path("_tag").asText().equals("Chunk")) {
                    String id = frame.path("requestId").asText();
                    List<Long> list = seqs.computeIfAbsent(id, k -> new CopyOnWriteArrayList<>());
                    for (JsonNode value : frame.path("values")) {
                        for (JsonNode e : value.path("batch")) {
                            list.add(e.path("eventEncoded").path("seqNum").asLong());
                        }
                    }
                    if (autoAck) {
                        webSocket.sendText("{\"_tag\":\"Ack\",\"requestId\":\"" + id + "\"}", true);
                    }
                }
            } catch (Exception e) {
                // keep the raw text: the test decides
            }
            all.add(text);
            frames.add(text);
        }
        if (paused) {
            owed = true; // reads nothing more until resume(): the server's writer backs up
        } else {
            webSocket.request(1);
        }
        return null;
    }

    /** Stops reading from the socket after the frame being delivered (a client that never reads). */
    void pause() {
        paused = true;
    }

    void resume() {
        paused = false;
        if (owed) {
            owed = false;
            ws.request(1);
        }
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed = statusCode + " " + reason;
        frames.add("CLOSE " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed = "error " + error;
        frames.add("CLOSE error " + error);
    }

    @Override
    public void close() {
        ws.abort();
    }

    /** Events {@code from..to} (inclusive) as a push body chaining onto {@code from - 1}. */
    static String batch(long from, long to, String text) {
        List<String> events = new ArrayList<>();
        for (long s = from; s <= to; s++) {
            events.add(EVENT.formatted(s, text, s, s - 1));
        }
        return "{\"batch\":[" + String.join(",", events) + "]}";
    }

    /** {@link #batch} with livesync's {@code chainsOnPrevious} member (a pipelined push when true). */
    static String chainedBatch(long from, long to, String text, boolean chainsOnPrevious) {
        String body = batch(from, to, text);
        return body.substring(0, body.length() - 1) + ",\"chainsOnPrevious\":" + chainsOnPrevious + "}";
    }

    /** The next frame received, parsed; fails when none comes within 30 s. */
    JsonNode nextFrame() throws Exception {
        String frame = frames.poll(30, java.util.concurrent.TimeUnit.SECONDS);
        if (frame == null) {
            throw new AssertionError("no frame within 30 s");
        }
        return JSON.readTree(frame);
    }

    static HttpResponse<String> httpPush(HttpClient http, SyncServer server, String storeId, String token, String body)
            throws Exception {
        return httpPush(http, server.httpUri(), storeId, token, body);
    }

    static HttpResponse<String> httpPush(HttpClient http, URI base, String storeId, String token, String body)
            throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve("/sync/" + storeId + "/push"))
                .timeout(Duration.ofSeconds(20)).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
