package io.livesync.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

/**
 * Headless Chromium (Debian package {@code chromium}) driven over the DevTools protocol, for the page tests of several
 * modules (the dashboard, the timeline): one browser process, one page, commands answered by id, bounded waits only.
 */
public final class HeadlessChromium implements WebSocket.Listener, AutoCloseable {

    public static final Path BINARY = Path.of("/usr/bin/chromium");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(60);

    private final Process process;
    private final StringBuilder partial = new StringBuilder();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private WebSocket ws;

    private HeadlessChromium(Process process) {
        this.process = process;
    }

    /** Starts Chromium with a fresh profile in {@code profile} and connects to its first page. */
    public static HeadlessChromium open(Path profile) throws Exception {
        Process p = new ProcessBuilder(BINARY.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--remote-debugging-port=0", "--window-size=1400,1000", "--user-data-dir=" + profile,
                "about:blank").redirectError(ProcessBuilder.Redirect.DISCARD)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        HeadlessChromium browser = new HeadlessChromium(p);
        try {
            HttpClient http = HttpClient.newHttpClient();
            browser.ws = http.newWebSocketBuilder().buildAsync(URI.create(pageUrl(http, profile)), browser).join();
            return browser;
        } catch (Exception | AssertionError e) {
            browser.close();
            throw e;
        }
    }

    /** The DevTools WebSocket of the first page, once Chromium has written its port (bounded wait). */
    private static String pageUrl(HttpClient http, Path profile) throws Exception {
        Path portFile = profile.resolve("DevToolsActivePort");
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!readable(portFile)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Chromium wrote no DevTools port within " + WAIT.toSeconds() + " s");
            }
            Thread.sleep(50); // polling interval of a bounded wait
        }
        String port = Files.readAllLines(portFile).getFirst().strip();
        JsonNode targets = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                + "/json/list")).build(), HttpResponse.BodyHandlers.ofString()).body());
        for (JsonNode t : targets) {
            if (t.path("type").asText().equals("page")) {
                return t.path("webSocketDebuggerUrl").asText();
            }
        }
        throw new AssertionError("no page target: " + targets);
    }

    private static boolean readable(Path portFile) {
        try {
            return Files.exists(portFile) && Files.readAllLines(portFile).size() >= 2;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** Runs one DevTools command; fails the test on a protocol error. */
    public JsonNode call(String method, ObjectNode params) throws Exception {
        int id = ids.incrementAndGet();
        CompletableFuture<JsonNode> f = new CompletableFuture<>();
        pending.put(id, f);
        ObjectNode msg = JSON.createObjectNode().put("id", id).put("method", method);
        msg.set("params", params == null ? JSON.createObjectNode() : params);
        ws.sendText(msg.toString(), true).join();
        JsonNode r = f.get(30, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new AssertionError(method + ": " + r);
        }
        return r.path("result");
    }

    /** Evaluates a JavaScript expression in the page (promises awaited); its value as text. */
    public String eval(String expression) throws Exception {
        return call("Runtime.evaluate", JSON.createObjectNode().put("expression", expression)
                .put("returnByValue", true).put("awaitPromise", true)).path("result").path("value").asText("");
    }

    /** Polls {@code expression} until it is true (bounded). */
    public void await(String what, String expression) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!eval("!!(" + expression + ")").equals("true")) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; page text:\n"
                        + eval("document.body.innerText"));
            }
            Thread.sleep(50); // polling interval of a bounded wait
        }
    }

    /** Writes a PNG of the page to {@code file}. */
    public void screenshot(Path file) throws Exception {
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

    /** Closes the page and ends the browser process. */
    @Override
    public void close() {
        if (ws != null) {
            ws.abort();
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
