package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.livesync.client.Store;
import io.livesync.core.HeadlessChromium;
import java.net.http.HttpClient;
import java.nio.file.Path;
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

            try (HeadlessChromium page = HeadlessChromium.open(dir.resolve("chromium-profile"))) {
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
        }
        assertThat(shots.resolve("store.png")).exists();
    }
}
