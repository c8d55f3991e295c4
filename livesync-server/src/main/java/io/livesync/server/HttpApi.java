package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.StoreHub;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import io.livesync.core.wire.WireCodec;
import io.livesync.core.wire.WireErrorCode;
import io.livesync.core.wire.WireException;
import io.livesync.core.wire.WireFrames;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The plain HTTP endpoints: {@code GET /health}, {@code GET /metrics}, {@code POST /sync/{storeId}/push} and
 * {@code GET /sync/{storeId}/pull?cursor=N} (non-live, one page), with {@code Authorization: Bearer <token>}. Errors
 * are JSON {@code {"code": ..., "message": ...}} with a fitting status. Requests run on virtual threads.
 */
final class HttpApi extends Handler.Abstract {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final SyncServer server;

    HttpApi(SyncServer server) {
        this.server = server;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        io.livesync.core.Threads.startVirtual("livesync-http-request", () -> {
            try {
                route(request, response, callback);
            } catch (RuntimeException e) {
                server.log().write(LogLevel.ERROR, "http-failed", "error", e.toString());
                reply(response, callback, 500, error("internal-error", String.valueOf(e.getMessage())));
            }
        });
        return true;
    }

    private void route(Request request, Response response, Callback callback) {
        String path = Request.getPathInContext(request);
        String method = request.getMethod();
        if (path.equals("/health") && method.equals("GET")) {
            // status only for anyone; the store's location (file path, JDBC URL) only with the default (*) token
            ObjectNode body = JSON.createObjectNode().put("status", server.isStopping() ? "stopping" : "ok");
            if (server.authorizedDefaultBearer(request.getHeaders().get(HttpHeader.AUTHORIZATION))) {
                body.put("store", server.eventStore().describe());
            }
            reply(response, callback, server.isStopping() ? 503 : 200, body);
            return;
        }
        if (path.equals("/metrics") && method.equals("GET")) {
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            Content.Sink.write(response, true, server.metrics().render(), callback);
            return;
        }
        String[] parts = path.split("/");
        if (parts.length == 4 && parts[1].equals("test") && method.equals("POST") && server.config().testHooks()
                && (parts[3].equals("append-foreign") || parts[3].equals("reset"))) {
            if (!SyncServer.STORE_ID.matcher(parts[2]).matches()) {
                reply(response, callback, 400, error("bad-store-id", "store ids match [A-Za-z0-9_-]{1,128}"));
                return;
            }
            if (!(server.admit(parts[2], Authenticator.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION)),
                    "test hook " + parts[3], true, Request.getRemoteAddr(request))
                    instanceof Authenticator.Decision.Granted)) {
                reply(response, callback, 401, error("unauthorized", "test hooks need the store's bearer token"));
                return;
            }
            if (parts[3].equals("append-foreign")) {
                long head = server.appendForeignEvent(parts[2]);
                reply(response, callback, 200, JSON.createObjectNode().put("ok", head > 0).put("head", head));
                return;
            }
            if (parts[3].equals("reset")) {
                reply(response, callback, 200, JSON.createObjectNode().put("ok", true)
                        .put("backendId", server.resetStore(parts[2])));
                return;
            }
        }
        if (parts.length == 4 && parts[1].equals("sync")) {
            String storeId = parts[2];
            if (!SyncServer.STORE_ID.matcher(storeId).matches()) {
                reply(response, callback, 400, error("bad-store-id", "store ids match [A-Za-z0-9_-]{1,128}"));
                return;
            }
            boolean write = parts[3].equals("push");
            Authenticator.Decision decision = server.admit(storeId,
                    Authenticator.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION)), "http " + parts[3], write,
                    Request.getRemoteAddr(request));
            if (decision instanceof Authenticator.Decision.Refused refused) {
                if (write && refused.code() == WireErrorCode.FORBIDDEN) {
                    server.metrics().pushRejected("forbidden");
                }
                reply(response, callback, refused.code() == WireErrorCode.FORBIDDEN ? 403 : 401,
                        error(refused.code().wireName(), refused.code() == WireErrorCode.FORBIDDEN ? refused.reason()
                                : "missing or wrong bearer token for store " + storeId + " (" + refused.reason() + ")"));
                return;
            }
            String subject = ((Authenticator.Decision.Granted) decision).subject();
            if (parts[3].equals("push") && method.equals("POST")) {
                push(storeId, subject, request, response, callback);
                return;
            }
            if (parts[3].equals("pull") && method.equals("GET")) {
                pull(storeId, request, response, callback);
                return;
            }
        }
        reply(response, callback, 404, error("not-found", method + " " + path + " is not an endpoint of this server "
                + "(see docs/protocol.md)"));
    }

    private void push(String storeId, String subject, Request request, Response response, Callback callback) {
        long length = request.getLength();
        int max = server.config().limits().maxFrameBytes();
        if (length > max) {
            server.metrics().protocolError("frame-too-large");
            reply(response, callback, 413, error("frame-too-large", "the body is " + length + " bytes; the limit is "
                    + max + " (maxFrameBytes)"));
            return;
        }
        String body;
        try {
            body = readBounded(request, max);
        } catch (BodyTooLarge e) {
            server.metrics().protocolError("frame-too-large");
            server.log().write(LogLevel.WARN, "http-body-too-large", "store", storeId, "max", max);
            reply(response, callback, 413, error("frame-too-large", "the body is over the limit of " + max
                    + " bytes (maxFrameBytes); reading stopped there"));
            return;
        } catch (Exception e) {
            reply(response, callback, 400, error("malformed-frame", "cannot read the body: " + e.getMessage()));
            return;
        }
        List<Event> batch = new ArrayList<>();
        String backendId;
        try {
            JsonNode root = server.codec().parseBounded(body, null);
            JsonNode events = root.get("batch");
            if (!root.isObject() || events == null || !events.isArray()) {
                throw new WireException(WireErrorCode.MALFORMED_FRAME, "the body must be {\"batch\": [events], \"backendId\": ...}",
                        null);
            }
            if (events.size() > server.config().limits().maxEventsPerPush()) {
                throw new WireException(WireErrorCode.TOO_MANY_EVENTS, "the push has " + events.size() + " events; the limit is "
                        + server.config().limits().maxEventsPerPush() + " (maxEventsPerPush)", null);
            }
            for (int i = 0; i < events.size(); i++) {
                batch.add(server.codec().pushedEventFromWire(events.get(i), "batch[" + i + "]", null));
            }
            JsonNode id = root.get("backendId");
            backendId = id == null || id.isNull() ? null : id.asText();
        } catch (WireException e) {
            server.metrics().protocolError(e.code());
            reply(response, callback, e.code() == WireErrorCode.FRAME_TOO_LARGE ? 413 : 400, error(e.code().wireName(), e.getMessage()));
            return;
        }
        PushPipeline.Reply reply = server.push(new PushPipeline.Request(PushPipeline.Transport.HTTP, storeId, batch,
                backendId, subject, Request.getRemoteAddr(request), null));
        switch (reply) {
            case PushPipeline.Reply.Accepted accepted ->
                    reply(response, callback, 200, JSON.createObjectNode().put("ok", true).put("head", accepted.newHead()));
            case PushPipeline.Reply.Refused refused -> {
                ObjectNode answer = WireCodec.error(refused.error());
                answer.put("code", refused.reason());
                if (refused.error() instanceof WireFrames.UnknownError unknown && unknown.cause() != null) {
                    if (unknown.cause().has("message")) {
                        answer.set("message", unknown.cause().get("message"));
                    }
                    if (unknown.cause().has("seqNum")) {
                        answer.set("seqNum", unknown.cause().get("seqNum")); // event-refused names its event
                    }
                    if (unknown.cause().has("retryAfterMillis")) {
                        answer.set("retryAfterMillis", unknown.cause().get("retryAfterMillis"));
                        long seconds = (unknown.cause().get("retryAfterMillis").asLong() + 999) / 1000;
                        response.getHeaders().put(HttpHeader.RETRY_AFTER, Long.toString(Math.max(1, seconds)));
                    }
                }
                int status = switch (refused.reason()) {
                    case "invalid-batch" -> 400;
                    case "event-refused", "forbidden" -> 403;
                    case "rate-limited" -> 429;
                    case "storage-error", "shutting-down", "injected-fault" -> 503;
                    default -> 409;
                };
                reply(response, callback, status, answer);
            }
            case PushPipeline.Reply.Withheld withheld -> throw new IllegalStateException(
                    "faults are never injected into HTTP pushes: " + withheld);
        }
    }

    private void pull(String storeId, Request request, Response response, Callback callback) {
        Fields query = Request.extractQueryParameters(request);
        long cursor;
        try {
            String raw = query.getValue("cursor");
            cursor = raw == null ? 0 : Long.parseLong(raw);
            if (cursor < 0 || cursor > WireCodec.MAX_SEQ) {
                throw new NumberFormatException("out of range");
            }
        } catch (NumberFormatException e) {
            reply(response, callback, 400, error("bad-cursor", "cursor must be an integer in [0, 2^53-1], got \""
                    + query.getValue("cursor") + "\""));
            return;
        }
        try {
            WireFrames.PullResponse page = server.hub().page(storeId, cursor, query.getValue("backendId"));
            reply(response, callback, 200, server.codec().pullResponse(page));
        } catch (StoreHub.BackendIdMismatchException e) {
            ObjectNode body = WireCodec.error(e.error);
            body.put("code", "backend-id-mismatch");
            reply(response, callback, 409, body);
        } catch (StoreHub.CursorAheadException e) {
            reply(response, callback, 409, error(WireErrorCode.CURSOR_AHEAD.wireName(), e.getMessage()));
        }
    }

    /** A body with no declared length (chunked) that grew over the limit while it was read. */
    private static final class BodyTooLarge extends Exception {
        BodyTooLarge() {
            super("body too large", null, false, false);
        }
    }

    /**
     * Reads the body as UTF-8, at most {@code max} bytes: a chunked body is checked while it is read, so no more than
     * {@code max + 1} bytes are ever held, whatever the client sends.
     */
    private static String readBounded(Request request, int max) throws java.io.IOException, BodyTooLarge {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(Math.min(max, 64 * 1024));
        byte[] buf = new byte[16 * 1024];
        try (java.io.InputStream in = Content.Source.asInputStream(request)) {
            int n;
            while ((n = in.read(buf)) != -1) {
                if (out.size() + n > max) {
                    throw new BodyTooLarge();
                }
                out.write(buf, 0, n);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    private static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message);
    }

    private static void reply(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        Content.Sink.write(response, true, body.toString(), callback);
    }
}
