package io.livesync.server;

import io.livesync.core.LogLevel;
import io.livesync.hub.EventStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.core.Event;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The operator's dashboard (issue #18, docs/dashboard.md): the page at {@code /admin} (HTML, JavaScript and CSS
 * from the jar, nothing fetched from elsewhere) and its JSON at {@code /admin/api/...}. Everything but the login form
 * needs the admin token ({@link ServerConfig#adminToken()}) or a JWT with the admin claim: {@code Authorization: Bearer
 * <token>}, or the {@code livesync_admin} cookie that {@code POST /admin/login} sets. Without credentials: 401; with a
 * wrong token, a JWT without the admin claim or past its expiry, or when the server has neither an admin token nor
 * JWTs: 403. Any other path (including {@code /admin/v1/...}, the admin API) goes to the
 * wrapped handler.
 */
final class Dashboard extends Handler.Wrapper {

    static final String COOKIE = "livesync_admin";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> ASSETS = Map.of(
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");
    /** Events a page of the event browser reads at most, whatever the filter matches. */
    static final int MAX_SCANNED = 5_000;

    /** Sizes computed less than this long ago are served from the cache: computing them reads every stored event. */
    static final java.time.Duration SIZES_FRESH = java.time.Duration.ofSeconds(60);

    private final SyncServer server;
    /** The stored bytes of every store, computed when an operator asks (a scan of every event), and when. */
    private volatile Sizes sizes;
    private final java.util.concurrent.locks.ReentrantLock sizesLock = new java.util.concurrent.locks.ReentrantLock();

    private record Sizes(Instant at, Map<String, Long> bytes) {}

    Dashboard(SyncServer server, Handler next) {
        super(next);
        this.server = server;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        boolean ours = path.equals("/admin") || path.equals("/admin/") || path.startsWith("/admin/api/")
                || path.startsWith("/admin/assets/") || path.equals("/admin/login") || path.equals("/admin/logout");
        if (!ours) {
            return super.handle(request, response, callback);
        }
        io.livesync.core.Threads.startVirtual("livesync-admin-request", () -> {
            try {
                route(path, request, response, callback);
            } catch (RuntimeException | IOException e) {
                server.log().write(LogLevel.ERROR, "admin-request-failed", "path", path, "error", e.toString());
                json(response, callback, 500, error("internal-error", String.valueOf(e.getMessage())));
            }
        });
        return true;
    }

    private enum Auth { OK, MISSING, WRONG }

    private Auth auth(Request request) {
        String presented = null;
        String authorization = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (authorization != null && authorization.startsWith("Bearer ")) {
            presented = authorization.substring("Bearer ".length()).strip();
        } else {
            presented = cookie(request.getHeaders().get(HttpHeader.COOKIE));
        }
        if (presented == null || presented.isEmpty()) {
            return enabled() ? Auth.MISSING : Auth.WRONG;
        }
        return isAdmin(presented) ? Auth.OK : Auth.WRONG;
    }

    /** The dashboard is on when someone can be an admin: an admin token or JWTs (whose admin claim decides). */
    private boolean enabled() {
        return server.config().adminToken() != null || server.config().jwtVerifier() != null;
    }

    /** The admin token, or a JWT with the admin claim, valid now (so a page opened with a JWT stops at its exp). */
    private boolean isAdmin(String token) {
        return server.authenticator().authenticateAdmin(token) instanceof Authenticator.AdminDecision.Admin;
    }

    private static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.strip();
            if (p.startsWith(COOKIE + "=")) {
                return URLDecoder.decode(p.substring(COOKIE.length() + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private void route(String path, Request request, Response response, Callback callback) throws IOException {
        String method = request.getMethod();
        if (path.equals("/admin/login")) {
            login(method, request, response, callback);
            return;
        }
        if (path.equals("/admin/logout")) {
            response.getHeaders().add(HttpHeader.SET_COOKIE, COOKIE + "=; Path=/admin; Max-Age=0; HttpOnly; SameSite=Strict");
            redirect(response, callback, "/admin/login");
            return;
        }
        Auth auth = auth(request);
        boolean api = path.startsWith("/admin/api/");
        if (auth != Auth.OK) {
            int status = auth == Auth.MISSING ? 401 : 403;
            String message = !enabled()
                    ? "the dashboard is off: this server has no admin token (--admin-token-file or LIVESYNC_ADMIN_TOKEN)"
                            + " and accepts no JWTs"
                    : auth == Auth.MISSING ? "the admin token or an admin JWT is required (Authorization: Bearer, or log"
                            + " in at /admin/login)"
                    : "not the admin token, nor a valid JWT with the admin claim";
            if (auth == Auth.MISSING) {
                response.getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer realm=\"livesync admin\"");
            }
            if (api || path.startsWith("/admin/assets/")) {
                json(response, callback, status, error(auth == Auth.MISSING ? "unauthorized" : "forbidden", message));
            } else {
                html(response, callback, status, loginPage(message));
            }
            return;
        }
        if (!method.equals("GET")) {
            json(response, callback, 405, error("method-not-allowed", method + " " + path));
            return;
        }
        if (path.equals("/admin") || path.equals("/admin/")) {
            html(response, callback, 200, resource("index.html"));
            return;
        }
        if (path.startsWith("/admin/assets/")) {
            String name = path.substring("/admin/assets/".length());
            String type = ASSETS.get(name);
            if (type == null) {
                json(response, callback, 404, error("not-found", path));
                return;
            }
            response.setStatus(200);
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
            response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
            Content.Sink.write(response, true, resource(name), callback);
            return;
        }
        Fields query = Request.extractQueryParameters(request);
        String rest = path.substring("/admin/api/".length());
        if (rest.equals("overview")) {
            json(response, callback, 200, overview());
        } else if (rest.equals("sizes")) {
            json(response, callback, 200, sizes());
        } else if (rest.equals("flags")) {
            json(response, callback, 200, flags("true".equals(query.getValue("active")), query.getValue("store")));
        } else if (rest.startsWith("stores/")) {
            String[] parts = rest.split("/");
            if (parts.length < 2 || !SyncServer.STORE_ID.matcher(parts[1]).matches() || parts.length > 3
                    || (parts.length == 3 && !parts[2].equals("events"))) {
                json(response, callback, 404, error("not-found", path));
            } else if (server.facts().storeIfKnown(parts[1]) == null) {
                // reading an unknown store would create it in the event store: a GET must not
                json(response, callback, 404, error("not-found", "this instance has not served store " + parts[1]
                        + " since it started"));
            } else if (parts.length == 2) {
                json(response, callback, 200, store(parts[1]));
            } else {
                events(parts[1], query, response, callback);
            }
        } else {
            json(response, callback, 404, error("not-found", path));
        }
    }

    private void login(String method, Request request, Response response, Callback callback) throws IOException {
        if (method.equals("GET")) {
            html(response, callback, 200, loginPage(null));
            return;
        }
        if (!method.equals("POST")) {
            json(response, callback, 405, error("method-not-allowed", method + " /admin/login"));
            return;
        }
        if (request.getLength() > 4096) {
            json(response, callback, 413, error("too-large", "the login form is at most 4096 bytes"));
            return;
        }
        String body = Content.Source.asString(request, StandardCharsets.UTF_8);
        String token = null;
        for (String pair : body.split("&")) {
            if (pair.startsWith("token=")) {
                token = URLDecoder.decode(pair.substring("token=".length()), StandardCharsets.UTF_8).strip();
            }
        }
        if (token == null || !isAdmin(token)) {
            server.log().write(LogLevel.WARN, "admin-login-refused", "remote", Request.getRemoteAddr(request));
            html(response, callback, 403, loginPage(!enabled()
                    ? "the dashboard is off: this server has no admin token and accepts no JWTs"
                    : "not the admin token, nor a valid JWT with the admin claim"));
            return;
        }
        response.getHeaders().add(HttpHeader.SET_COOKIE, COOKIE + "="
                + java.net.URLEncoder.encode(token, StandardCharsets.UTF_8) + "; Path=/admin; HttpOnly; SameSite=Strict");
        redirect(response, callback, "/admin");
    }

    // ---- the JSON

    private ObjectNode overview() {
        Instant now = Instant.now();
        ObjectNode out = JSON.createObjectNode();
        out.put("node", server.config().nodeId());
        out.put("time", now.toString());
        out.put("eventStore", server.eventStore() instanceof PostgresEventStore ? "postgresql" : "sqlite");
        ArrayNode stores = out.putArray("stores");
        for (String id : server.facts().storeIds()) {
            stores.add(storeSummary(id, now));
        }
        out.put("activeFlags", server.flags().list(true, null).size());
        Sizes known = sizes;
        out.put("sizesAt", known == null ? null : known.at().toString());
        return out;
    }

    /**
     * The stored bytes of every store ({@code EventStore#stores()}, as {@code livesync admin stores} shows them). That
     * reads every stored event, so it runs only when asked ({@code /admin/api/sizes}, the page's button), one at a
     * time, and an answer younger than {@link #SIZES_FRESH} is reused; the overview shows the last one with its time.
     */
    private ObjectNode sizes() {
        Sizes known = sizes;
        if (known == null || known.at().plus(SIZES_FRESH).isBefore(Instant.now())) {
            sizesLock.lock();
            try {
                known = sizes;
                if (known == null || known.at().plus(SIZES_FRESH).isBefore(Instant.now())) {
                    Map<String, Long> bytes = new java.util.HashMap<>();
                    for (EventStore.StoreStats st : server.eventStore().stores()) {
                        bytes.put(st.storeId(), st.bytes());
                    }
                    known = new Sizes(Instant.now(), Map.copyOf(bytes));
                    sizes = known;
                }
            } finally {
                sizesLock.unlock();
            }
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("at", known.at().toString());
        ArrayNode stores = out.putArray("stores");
        known.bytes().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> stores.addObject().put("storeId", e.getKey()).put("bytes", e.getValue()));
        return out;
    }

    private ObjectNode storeSummary(String id, Instant now) {
        StoreStats st = server.facts().store(id);
        ObjectNode s = JSON.createObjectNode();
        s.put("storeId", id);
        long head = server.hub().head(id);
        s.put("head", head);
        s.put("events", head);
        Sizes known = sizes;
        Long bytes = known == null ? null : known.bytes().get(id);
        if (bytes == null) {
            s.putNull("bytes");
        } else {
            s.put("bytes", bytes.longValue());
        }
        s.put("connections", server.facts().openSockets(id));
        s.put("httpClients", server.facts().connections(id).stream().filter(f -> f.protocol.equals("http")).count());
        List<StoreStats.Point> lastMinute = st.series(now, 1, 60);
        s.put("pushesPerSecond", lastMinute.getFirst().pushesPerSecond());
        s.put("eventsPerSecond", lastMinute.getFirst().eventsPerSecond());
        s.put("lastPushAt", str(st.lastPushAt()));
        s.put("lastPushOutcome", st.lastPushOutcome());
        s.put("activeFlags", server.flags().list(true, id).size());
        ArrayNode series = s.putArray("series");
        for (StoreStats.Point p : st.series(now, 60, 10)) {
            series.addObject().put("t", p.endEpochSecond()).put("pushesPerSecond", p.pushesPerSecond())
                    .put("eventsPerSecond", p.eventsPerSecond());
        }
        return s;
    }

    private ObjectNode store(String id) {
        Instant now = Instant.now();
        ObjectNode s = storeSummary(id, now);
        s.put("node", server.config().nodeId());
        ArrayNode conns = s.putArray("connections");
        for (ConnectionFacts f : server.facts().connections(id)) {
            ObjectNode c = conns.addObject();
            c.put("id", f.id);
            c.put("protocol", f.protocol);
            c.put("clientId", f.clientId);
            c.put("remote", f.remote);
            c.put("open", f.open);
            c.put("connectedSince", f.connectedSince.toString());
            c.put("lastPushAt", str(f.lastPushAt));
            c.put("lastPushOutcome", f.lastPushOutcome);
            c.put("lastPushEvents", f.lastPushEvents);
            c.put("lastServerAheadAt", str(f.lastServerAheadAt));
            io.livesync.core.wire.WireFrames.ClientStatus reported = f.reported;
            if (reported != null) {
                c.putObject("reported").put("at", String.valueOf(str(f.reportedAt))).put("clientId", reported.clientId())
                        .put("pendingToPush", reported.pendingToPush()).put("pushLoop", reported.pushLoop())
                        .put("loopReason", reported.loopReason()).put("upstreamHead", reported.upstreamHead())
                        .put("stallsSuspected", reported.stallsSuspected());
            }
            if (f.lastServerAheadAt != null) {
                c.put("lastServerAheadParent", f.lastServerAheadParent);
                c.put("lastServerAheadMinimum", f.lastServerAheadMinimum);
            }
            c.put("livePull", f.livePull);
            if (f.livePull) {
                long ph = f.pullHead.get();
                c.put("livePullHead", ph);
                c.put("lag", Math.max(0, s.path("head").asLong() - ph));
            }
        }
        s.set("connections", conns);
        ArrayNode clients = s.putArray("clients");
        for (ConnectionRegistry.LastPush p : server.facts().lastPushes(id)) {
            clients.addObject().put("clientId", p.clientId()).put("connection", p.connectionId())
                    .put("protocol", p.protocol()).put("lastPushAt", p.at().toString()).put("outcome", p.outcome())
                    .put("failed", p.failed()).put("parent", p.parent()).put("events", p.events());
        }
        ArrayNode errors = s.putArray("recentErrors");
        for (StoreStats.Problem p : server.facts().store(id).problems()) {
            errors.addObject().put("at", p.at().toString()).put("level", p.level()).put("event", p.event())
                    .put("detail", p.detail());
        }
        s.set("flags", flagsArray(server.flags().list(false, id)));
        return s;
    }

    private ObjectNode flags(boolean activeOnly, String storeId) {
        ObjectNode out = JSON.createObjectNode();
        FlagThresholds t = server.flags().thresholds();
        out.putObject("thresholds").put("lagAfterMillis", t.lagAfter().toMillis())
                .put("serverAheadRepeats", t.serverAheadRepeats()).put("quietAfterMillis", t.quietAfter().toMillis())
                .put("checkEveryMillis", t.checkEvery().toMillis());
        out.set("flags", flagsArray(server.flags().list(activeOnly, storeId)));
        return out;
    }

    private static ArrayNode flagsArray(List<Flags.Flag> list) {
        ArrayNode a = JSON.createArrayNode();
        for (Flags.Flag f : list) {
            a.addObject().put("id", f.id()).put("kind", f.kind()).put("store", f.storeId()).put("clientId", f.clientId())
                    .put("connection", f.connectionId()).put("raisedAt", f.raisedAt().toString())
                    .put("clearedAt", str(f.clearedAt())).put("active", f.clearedAt() == null).put("detail", f.detail());
        }
        return a;
    }

    private void events(String storeId, Fields query, Response response, Callback callback) {
        long after;
        int limit;
        try {
            after = query.getValue("after") == null ? 0 : Long.parseLong(query.getValue("after"));
            limit = query.getValue("limit") == null ? 50 : Integer.parseInt(query.getValue("limit"));
        } catch (NumberFormatException e) {
            json(response, callback, 400, error("bad-request", "after and limit must be integers"));
            return;
        }
        if (after < 0 || limit < 1 || limit > 200) {
            json(response, callback, 400, error("bad-request", "after >= 0 and 1 <= limit <= 200"));
            return;
        }
        String name = blankToNull(query.getValue("name"));
        String clientId = blankToNull(query.getValue("clientId"));
        long head = server.hub().head(storeId);
        ObjectNode out = JSON.createObjectNode();
        out.put("storeId", storeId).put("head", head).put("after", after);
        ArrayNode events = out.putArray("events");
        long cursor = after;
        int scanned = 0;
        while (events.size() < limit && cursor < head && scanned < MAX_SCANNED) {
            List<Event> page = server.eventStore().read(storeId, cursor, head, Math.min(500, MAX_SCANNED - scanned));
            if (page.isEmpty()) {
                break;
            }
            for (Event e : page) {
                cursor = e.seq().global();
                scanned++;
                if ((name == null || name.equals(e.name())) && (clientId == null || clientId.equals(e.clientId()))) {
                    ObjectNode o = events.addObject();
                    o.put("seq", e.seq().global()).put("parent", e.parent().global()).put("name", e.name())
                            .put("clientId", e.clientId()).put("sessionId", e.sessionId());
                    o.set("args", e.args());
                    JsonNode meta = e.meta() == null ? null : e.meta().syncMetadata();
                    if (meta != null && meta.path("createdAt").isTextual()) {
                        o.put("createdAt", meta.get("createdAt").textValue());
                    }
                    if (events.size() == limit) {
                        break;
                    }
                }
            }
        }
        out.put("scanned", scanned);
        if (cursor < head) {
            out.put("next", cursor);
        } else {
            out.putNull("next");
        }
        json(response, callback, 200, out);
    }

    // ---- helpers

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static String str(Instant i) {
        return i == null ? null : i.toString();
    }

    private static String resource(String name) {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing dashboard resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String loginPage(String message) {
        String m = message == null ? "" : "<p class=\"error\">" + escape(message) + "</p>";
        return "<!doctype html><html><head><meta charset=\"utf-8\"><title>livesync admin: log in</title></head>"
                + "<body><h1>livesync admin</h1>" + m + "<form method=\"post\" action=\"/admin/login\">"
                + "<label>Admin token or admin JWT <input type=\"password\" name=\"token\" autofocus></label> "
                + "<button type=\"submit\">Log in</button></form></body></html>";
    }

    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static ObjectNode error(String code, String message) {
        return JSON.createObjectNode().put("code", code).put("message", message);
    }

    private static void json(Response response, Callback callback, int status, JsonNode body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        Content.Sink.write(response, true, body.toString(), callback);
    }

    private static void html(Response response, Callback callback, int status, String body) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/html; charset=utf-8");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'");
        Content.Sink.write(response, true, body, callback);
    }

    private static void redirect(Response response, Callback callback, String location) {
        response.setStatus(303);
        response.getHeaders().put(HttpHeader.LOCATION, location);
        callback.succeeded();
    }
}
