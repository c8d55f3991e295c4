package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard opened in headless Chromium (Debian package {@code chromium}) over the DevTools protocol, against a
 * server with real livesync clients: the stores page lists the store, the store page shows a client row with its lag,
 * the event browser pages, the flags page shows a raised flag. A screenshot of each page is written to
 * {@code target/dashboard-screenshots/}.
 */
class DashboardRendersInChromiumTest {

    static final ObjectMapper JSON = new ObjectMapper();

    /** A minimal DevTools-protocol client: one page, commands answered by id. */
    static final class DevTools implements WebSocket.Listener, AutoCloseable {
        private final StringBuilder partial = new StringBuilder();
        private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
        private final AtomicInteger ids = new AtomicInteger();
        private WebSocket ws;

        static DevTools connect(HttpClient http, String url) {
            DevTools d = new DevTools();
            d.ws = http.newWebSocketBuilder().buildAsync(URI.create(url), d).join();
            return d;
        }

        JsonNode call(String method, ObjectNode params) throws Exception {
            int id = ids.incrementAndGet();
            CompletableFuture<JsonNode> f = new CompletableFuture<>();
            pending.put(id, f);
            ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
            msg.set("params", params == null ? JSON.createObjectNode() : params);
            ws.sendText(msg.toString(), true).join();
            JsonNode r = f.get(30, TimeUnit.SECONDS);
            assertThat(r.has("error")).as(method + ": " + r).isFalse();
            return r.path("result");
        }

        String eval(String expression) throws Exception {
            return call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                    .put("returnByValue", true)).path("result").path("value").asText("");
        }

        /** Polls {@code expression} until it is true (bounded). */
        void await(String what, String expression) throws Exception {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!eval("!!(" + expression + ")").equals("true")) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out waiting for " + what + "; page text:\n"
                            + eval("document.body.innerText"));
                }
                Thread.sleep(50); // polling interval of a bounded wait
            }
        }

        void screenshot(Path file) throws Exception {
            String data = call("Page.captureScreenshot", JSON.createObjectNode().put("format", "png")).path("data")
                    .asText();
            Files.createDirectories(file.getParent());
            Files.write(file, Base64.getDecoder().decode(data));
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try {
                    JsonNode n = JSON.readTree(partial.toString());
                    if (n.has("id")) {
                        CompletableFuture<JsonNode> f = pending.remove(n.get("id").asInt());
                        if (f != null) {
                            f.complete(n);
                        }
                    }
                } catch (Exception e) {
                    // an event we do not read
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public void close() {
            ws.abort();
        }
    }

    @Test
    void rendersStoresAClientRowWithItsLagAFlagAndPagesTheEventLog(@TempDir Path dir) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assertThat(chromium).as("headless Chromium is needed (apt-get install chromium; .ci/run does it)").exists();
        Path shots = Path.of("target", "dashboard-screenshots");
        String storeId = "shown";
        HttpClient http = HttpClient.newHttpClient();
        try (SyncServer server = DashboardEndpointsTest.server(dir, DashboardEndpointsTest.ADMIN);
                Store a = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-a", "secret");
                Store b = EndToEndSyncTest.client(server.wsUri(storeId), storeId, "client-b", "secret")) {
            server.flagThresholds(ServerRaisesFlagsTest.FAST);
            EndToEndSyncTest.commitTodos(a, "a", 40, 4);
            EndToEndSyncTest.commitTodos(b, "b", 5, 1);
            EndToEndSyncTest.awaitConverged(server, storeId, 45, a, b);
            // a raised flag: an HTTP client pushing at a stale parent again and again
            for (int i = 0; i < 5; i++) {
                assertThat(RawClient.httpPush(http, server, storeId, "secret", RawClient.batch(1, 1, "stale"))
                        .statusCode()).isEqualTo(409);
            }
            ServerFixture.await("a server-ahead-loop flag", () -> !server.activeFlags(Flags.LOOP).isEmpty());

            Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--remote-debugging-port=0", "--window-size=1400,1000",
                    "--user-data-dir=" + dir.resolve("chromium-profile"), "about:blank")
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            try {
                Path portFile = dir.resolve("chromium-profile").resolve("DevToolsActivePort");
                ServerFixture.await("Chromium's DevTools port", () -> Files.exists(portFile) && readable(portFile));
                String port = Files.readAllLines(portFile).getFirst().strip();
                JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                        + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
                String pageUrl = null;
                for (JsonNode t : targets) {
                    if (t.path("type").asText().equals("page")) {
                        pageUrl = t.path("webSocketDebuggerUrl").asText();
                    }
                }
                assertThat(pageUrl).as(targets.toString()).isNotNull();
                try (DevTools page = DevTools.connect(http, pageUrl)) {
                    page.call("Network.enable", null);
                    ObjectNode headers = JSON.createObjectNode();
                    headers.putObject("headers").put("Authorization", "Bearer " + DashboardEndpointsTest.ADMIN);
                    page.call("Network.setExtraHTTPHeaders", headers);
                    page.call("Page.navigate", JSON.createObjectNode().put("url", server.httpUri() + "/admin#/"));
                    page.await("the stores page", "document.querySelector('a.store-link')");
                    assertThat(page.eval("document.querySelector('a.store-link').textContent")).isEqualTo(storeId);
                    assertThat(page.eval("document.querySelector('svg.chart polyline') !== null")).isEqualTo("true");
                    // stored bytes: computed when the operator asks
                    assertThat(page.eval("document.querySelector('span.bytes').textContent")).isEmpty();
                    page.eval("document.getElementById('sizes').click()");
                    page.await("the store's size", "/\\d+(\\.\\d)? (B|KiB|MiB)/.test(document.querySelector('span.bytes')"
                            + ".textContent) && document.getElementById('sizes-at').textContent.startsWith('Bytes as of')");
                    page.screenshot(shots.resolve("stores.png"));

                    page.eval("location.hash = '#/store/" + storeId + "'");
                    page.await("the store page with client rows", "document.body.innerText.includes('client-a')"
                            + " && document.getElementById('events-next')");
                    // a client row: protocol, client id, live-pull head 45, lag 0
                    String rows = page.eval("[...document.querySelectorAll('table')[0].rows].map(r => [...r.cells]"
                            + ".map(c => c.textContent).join('|')).join('\\n')");
                    assertThat(rows).containsPattern("0\\.4\\|client-a\\|127\\.0\\.0\\.1:\\d+\\|[^|]+\\|[^|]+\\|accepted"
                            + "\\|[^|]*\\|45\\|0");
                    assertThat(page.eval("document.body.innerText")).contains("server-ahead-loop");
                    assertThat(page.eval("document.getElementById('events-page').textContent")).startsWith("after 0");
                    page.screenshot(shots.resolve("store.png"));
                    page.eval("document.getElementById('events-next').click()");
                    page.await("the second page of events",
                            "document.getElementById('events-page').textContent.startsWith('after 20')");
                    assertThat(page.eval("document.querySelectorAll('table')[2].rows[1].cells[0].textContent"))
                            .isEqualTo("21");
                    page.eval("document.getElementById('events-prev').click()");
                    page.await("back to the first page",
                            "document.getElementById('events-page').textContent.startsWith('after 0')");
                    // the filter: client-b's 5 events only
                    page.eval("document.querySelector('input[name=clientId]').value = 'client-b';"
                            + " document.querySelector('form.filter').requestSubmit()");
                    page.await("the filtered page", "document.getElementById('events-page').textContent"
                            + ".includes('· 5 shown')");
                    assertThat(page.eval("[...document.querySelectorAll('table')[2].rows].slice(1)"
                            + ".map(r => r.cells[2].textContent).join(',')")).isEqualTo("client-b,client-b,client-b,"
                            + "client-b,client-b");

                    page.eval("location.hash = '#/flags'");
                    page.await("the flags page", "document.querySelector('h1').textContent === 'Flags'"
                            + " && document.querySelector('tr.flag-active')");
                    // newest first: the HTTP client is also quiet after its failed pushes; the loop is there too
                    String flags = page.eval("[...document.querySelectorAll('tr.flag-active')].map(r => [...r.cells]"
                            + ".map(c => c.textContent).join('|')).join('\\n')");
                    assertThat(flags).containsPattern("\\|server-ahead-loop\\|" + storeId + "\\|raw\\|h3\\|\\|5 pushes");
                    page.screenshot(shots.resolve("flags.png"));
                }
            } finally {
                p.destroy();
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
        assertThat(shots.resolve("store.png")).exists();
    }

    private static boolean readable(Path portFile) {
        try {
            return Files.readAllLines(portFile).size() >= 2;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
