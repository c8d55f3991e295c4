package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.EventStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import java.io.BufferedWriter;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The operator's API under {@code /admin/v1/}, for the admin token or a JWT with the admin claim
 * ({@code Authorization: Bearer ...}); everything else goes to the next handler.
 * <pre>
 * GET    /admin/v1/stores                   {"stores":[{"storeId","head","backendId","events","bytes","lastPushAt"}]}
 * GET    /admin/v1/stores/{id}/export       the log as JSON lines ({@link ExportFormat}), streamed page by page
 * POST   /admin/v1/stores/{id}/import       JSON lines into an EMPTY store: chain checked, all or nothing
 * DELETE /admin/v1/stores/{id}              the store and its events
 * POST   /admin/v1/stores/{id}/reset        empty log, new backend id; clients on every instance see it
 * </pre>
 * Every answer other than an export is JSON; errors are {@code {"code","message"}}. Every action, done or refused, is
 * one audit line ({@link Audit#admin}). Requests run on virtual threads.
 */
final class AdminApi extends Handler.Wrapper {

    static final String PREFIX = "/admin/v1/";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXPORT_PAGE = 1000;
    private final SyncServer server;

    AdminApi(SyncServer server, Handler next) {
        super(next);
        this.server = server;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        if (!path.startsWith(PREFIX) && !path.equals("/admin/v1")) {
            return super.handle(request, response, callback);
        }
        io.livesync.core.Threads.startVirtual("livesync-admin-request", () -> {
            try {
                route(path, request, response, callback);
            } catch (RuntimeException e) {
                server.log().write(LogLevel.ERROR, "admin-failed", "path", path, "error", e.toString());
                reply(response, callback, 503, error("storage-error", "the admin action failed: " + e.getMessage()));
            } catch (Error e) {
                callback.failed(e); // never leave the request hanging (an OutOfMemoryError, say)
                throw e;
            }
        });
        return true;
    }

    private void route(String path, Request request, Response response, Callback callback) {
        String method = request.getMethod();
        String remote = Request.getRemoteAddr(request);
        String[] parts = path.substring(PREFIX.length() - 1).split("/", -1); // "", "stores", id, verb
        String storeId = parts.length >= 3 ? parts[2] : null;
        String action = switch (parts.length) {
            case 2 -> parts[1].equals("stores") && method.equals("GET") ? "stores" : null;
            case 3 -> parts[1].equals("stores") && method.equals("DELETE") ? "delete" : null;
            case 4 -> !parts[1].equals("stores") ? null
                    : parts[3].equals("export") && method.equals("GET") ? "export"
                    : parts[3].equals("import") && method.equals("POST") ? "import"
                    : parts[3].equals("reset") && method.equals("POST") ? "reset" : null;
            default -> null;
        };
        String who;
        switch (server.authenticator().authenticateAdmin(
                Authenticator.bearer(request.getHeaders().get(HttpHeader.AUTHORIZATION)))) {
            case Authenticator.AdminDecision.Admin admin -> who = admin.subject();
            case Authenticator.AdminDecision.NotAdmin not -> {
                server.audit().admin(not.subject(), action == null ? method + " " + path : action, storeId,
                        "refused: " + not.code().wireName(), remote, "reason", not.reason());
                if (not.code() == io.livesync.core.wire.WireErrorCode.UNAUTHORIZED) {
                    server.metrics().authFailures.increment();
                }
                reply(response, callback, not.code() == io.livesync.core.wire.WireErrorCode.FORBIDDEN ? 403 : 401,
                        error(not.code().wireName(), "the admin API needs the admin token or a JWT with the admin "
                                + "claim (" + not.reason() + ")"));
                return;
            }
        }
        if (action == null) {
            server.audit().admin(who, method + " " + path, null, "refused: not-found", remote);
            reply(response, callback, 404, error("not-found", method + " " + path + " is not an admin endpoint: "
                    + "GET /admin/v1/stores, GET|POST /admin/v1/stores/{id}/export|import|reset, "
                    + "DELETE /admin/v1/stores/{id}"));
            return;
        }
        if (storeId != null && !SyncServer.STORE_ID.matcher(storeId).matches()) {
            server.audit().admin(who, action, null, "refused: bad-store-id", remote);
            reply(response, callback, 400, error("bad-store-id", "store ids match [A-Za-z0-9_-]{1,128}"));
            return;
        }
        switch (action) {
            case "stores" -> stores(who, remote, response, callback);
            case "export" -> export(who, storeId, remote, response, callback);
            case "import" -> importInto(who, storeId, remote, request, response, callback);
            case "delete" -> delete(who, storeId, remote, response, callback);
            case "reset" -> reset(who, storeId, remote, response, callback);
            default -> throw new IllegalStateException(action);
        }
    }

    private void stores(String who, String remote, Response response, Callback callback) {
        List<EventStore.StoreStats> stores = server.eventStore().stores();
        ArrayNode list = JSON.createArrayNode();
        for (EventStore.StoreStats s : stores) {
            list.addObject().put("storeId", s.storeId()).put("head", s.head()).put("backendId", s.backendId())
                    .put("events", s.events()).put("bytes", s.bytes()).put("lastPushAt", s.lastPushAt());
        }
        server.audit().admin(who, "stores", null, "ok", remote, "stores", stores.size());
        reply(response, callback, 200, JSON.createObjectNode().set("stores", list));
    }

    private boolean missing(String who, String action, String storeId, String remote, Response response,
            Callback callback) {
        if (server.eventStore().exists(storeId)) {
            return false;
        }
        server.audit().admin(who, action, storeId, "refused: store-not-found", remote);
        reply(response, callback, 404, error("store-not-found", "there is no store " + storeId));
        return true;
    }

    private void export(String who, String storeId, String remote, Response response, Callback callback) {
        if (missing(who, "export", storeId, remote, response, callback)) {
            return;
        }
        EventStore.StoreMeta meta = server.eventStore().meta(storeId);
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/x-ndjson; charset=utf-8");
        response.getHeaders().put("Livesync-Head", Long.toString(meta.head()));
        response.getHeaders().put("Livesync-Backend-Id", meta.backendId());
        long after = 0;
        OutputStream out = Content.Sink.asOutputStream(response);
        try (Writer w = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8))) { // closes out too
            while (after < meta.head()) {
                List<Event> page = server.eventStore().read(storeId, after, meta.head(), EXPORT_PAGE);
                if (page.isEmpty()) {
                    break; // the store was reset or deleted meanwhile: the export ends short (its head header says so)
                }
                for (Event e : page) {
                    w.write(ExportFormat.line(e));
                    w.write('\n');
                }
                after = page.getLast().seq().global();
            }
        } catch (java.io.IOException | RuntimeException e) {
            server.audit().admin(who, "export", storeId, "failed", remote, "exported", after, "error", e.toString());
            callback.failed(e);
            return;
        }
        callback.succeeded();
        server.audit().admin(who, "export", storeId, "ok", remote, "events", after, "head", meta.head());
    }

    private void importInto(String who, String storeId, String remote, Request request, Response response,
            Callback callback) {
        EventStore.ImportOutcome outcome;
        try (java.io.InputStream in = Content.Source.asInputStream(request)) {
            outcome = server.hub().importInto(storeId, ExportFormat.reader(in, server.codec(),
                    server.config().limits().maxFrameBytes()));
            if (outcome instanceof EventStore.ImportOutcome.Refused) {
                // read the rest of the body before answering: a client that sends it all before reading (the JDK's
                // HttpClient, curl) would otherwise see its connection reset instead of the typed refusal
                in.transferTo(OutputStream.nullOutputStream());
            }
        } catch (java.io.IOException e) {
            outcome = new EventStore.ImportOutcome.Refused("malformed-frame", "cannot read the body: " + e.getMessage());
        }
        switch (outcome) {
            case EventStore.ImportOutcome.Imported imported -> {
                server.audit().admin(who, "import", storeId, "ok", remote, "head", imported.head());
                reply(response, callback, 200, JSON.createObjectNode().put("ok", true).put("storeId", storeId)
                        .put("head", imported.head()).put("backendId", server.eventStore().meta(storeId).backendId()));
            }
            case EventStore.ImportOutcome.Refused refused -> {
                server.audit().admin(who, "import", storeId, "refused: " + refused.code(), remote, "reason",
                        refused.problem());
                reply(response, callback, switch (refused.code()) {
                    case "store-not-empty" -> 409;
                    case "frame-too-large" -> 413;
                    default -> 400;
                }, error(refused.code(), refused.problem() + "; nothing was imported"));
            }
        }
    }

    private void delete(String who, String storeId, String remote, Response response, Callback callback) {
        if (missing(who, "delete", storeId, remote, response, callback)) {
            return;
        }
        boolean deleted = server.hub().delete(storeId);
        server.dropConnections(storeId);
        server.audit().admin(who, "delete", storeId, "ok", remote);
        reply(response, callback, 200, JSON.createObjectNode().put("ok", true).put("deleted", deleted));
    }

    private void reset(String who, String storeId, String remote, Response response, Callback callback) {
        if (missing(who, "reset", storeId, remote, response, callback)) {
            return;
        }
        String backendId = server.resetStore(storeId);
        server.audit().admin(who, "reset", storeId, "ok", remote, "backendId", backendId);
        reply(response, callback, 200, JSON.createObjectNode().put("ok", true).put("backendId", backendId));
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
