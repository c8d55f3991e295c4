package io.livesync.sim;

import io.livesync.core.HeadlessChromium;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.livesync.server.FlagThresholds;
import io.livesync.server.SyncServer;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in headless Chromium (Debian package {@code chromium}) over the DevTools protocol, with traffic from
 * real client processes: a livesync client (a child JVM) wrote 40 events, a LiveStore 0.4.0 node client 5 more, and a
 * second LiveStore 0.4.0 client connects while the server's catch-ups are slow (the {@code delayCatchUps} test hook),
 * so its live pull lags and is flagged. Without credentials the browser gets the login form and the JSON answers 401;
 * after logging in with the admin token through the form, the page lists the store, shows the client rows with their
 * live-pull heads and lag, the raised flag, and pages the event log. Screenshots go to
 * {@code target/dashboard-screenshots/real-clients-*.png}.
 */
class DashboardWithRealClientsRendersInChromiumTest {

    static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void loginThenStoresClientRowsWithLagARaisedFlagAndTheEventLogPaging(@TempDir Path dir) throws Exception {
        Path chromium = Path.of("/usr/bin/chromium");
        assertThat(chromium).as("headless Chromium is needed (apt-get install chromium; ./test does it)").exists();
        Path shots = Path.of("target", "dashboard-screenshots");
        String store = "shown";
        HttpClient http = HttpClient.newHttpClient();
        FlagsFromRealClientProcessesTest api = new FlagsFromRealClientProcessesTest();
        try (SyncServer s = FlagsFromRealClientProcessesTest.server(dir);
                NodeProcess writer = FlagsFromRealClientProcessesTest.livesync(s, store, "writer", dir);
                LiveStoreDriver reader = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), store, "ls-reader",
                        FlagsFromRealClientProcessesTest.TOKEN, "memory", dir.resolve("ls-reader.err"))) {
            s.flagThresholds(new FlagThresholds(Duration.ofSeconds(2), 5, Duration.ofSeconds(60), Duration.ofMillis(100)));
            writer.call("{\"cmd\":\"create\",\"count\":40,\"batch\":4}");
            reader.create(5, 1);
            assertThat(reader.waitFor(45, 60_000).path("reached").asBoolean()).isTrue();
            FlagsFromRealClientProcessesTest.await("45 events stored and both clients at the head", Duration.ofSeconds(60),
                    FlagsFromRealClientProcessesTest.unchecked(() -> s.eventStore().meta(store).head() == 45
                            && FlagsFromRealClientProcessesTest.todos(writer) == 45
                            && FlagsFromRealClientProcessesTest.pending(writer) == 0
                            && reader.status().path("pending").asInt() == 0), () -> "head "
                            + s.eventStore().meta(store).head());
            // a late LiveStore client whose catch-up waits 120 s: its live pull stays at 0 while the head is 45
            s.delayCatchUps(120_000);
            try (LiveStoreDriver late = new LiveStoreDriver("ws://127.0.0.1:" + s.port(), store, "ls-late",
                    FlagsFromRealClientProcessesTest.TOKEN, "memory", dir.resolve("ls-late.err"))) {
                FlagsFromRealClientProcessesTest.await("a lagging-live-pull flag", Duration.ofSeconds(40),
                        FlagsFromRealClientProcessesTest.unchecked(() -> !api.flags(s, store, "lagging-live-pull", true)
                                .isEmpty()), () -> Objects.toString(s.activeFlags("lagging-live-pull")));
                s.delayCatchUps(0); // only the late client's pull, already waiting, is slow

                try (HeadlessChromium page = HeadlessChromium.open(dir.resolve("chromium-profile"))) {
                    // no credentials: the login form, and the JSON is refused
                    page.call("Page.navigate", JSON.createObjectNode().put("url", s.httpUri() + "/admin#/"));
                    page.await("the login form", "document.querySelector('input[name=token]')");
                    assertThat(page.eval("document.body.innerText")).doesNotContain(store);
                    assertThat(page.eval("fetch('/admin/api/overview').then(r => r.status)")).isEqualTo("401");
                    assertThat(page.eval("fetch('/admin/api/stores/" + store + "').then(r => r.status)"))
                            .isEqualTo("401");
                    assertThat(page.eval("fetch('/admin/api/overview', {headers: {Authorization: 'Bearer wrong-token-"
                            + "0123456789'}}).then(r => r.status)")).isEqualTo("403");
                    // log in through the form: the cookie opens the page
                    page.eval("document.querySelector('input[name=token]').value = '" + FlagsFromRealClientProcessesTest.ADMIN
                            + "'; document.querySelector('form').submit()");
                    page.await("the stores page", "document.querySelector('a.store-link')");
                    assertThat(page.eval("document.querySelector('a.store-link').textContent")).isEqualTo(store);
                    page.screenshot(shots.resolve("real-clients-stores.png"));

                    page.eval("location.hash = '#/store/" + store + "'");
                    page.await("the store page with its client rows", "document.body.innerText.includes('ls-reader')"
                            + " && document.body.innerText.includes('writer') && document.getElementById('events-next')");
                    // id | protocol | client id | remote | connected since | last push | outcome | last ServerAhead |
                    // live-pull head | lag
                    String rows = page.eval("[...document.querySelectorAll('table')[0].rows].map(r => [...r.cells]"
                            + ".map(c => c.textContent).join('|')).join('\\n')");
                    assertThat(rows).containsPattern("\\|0\\.4\\|writer\\|127\\.0\\.0\\.1:\\d+\\|[^|]+\\|[^|]+\\|accepted"
                            + "\\|[^|]*\\|45\\|0(\\n|$)")
                            .containsPattern("\\|0\\.4\\|ls-reader\\|127\\.0\\.0\\.1:\\d+\\|[^|]+\\|[^|]+\\|accepted"
                                    + "\\|[^|]*\\|45\\|0(\\n|$)")
                            // the late client has pushed nothing (no client id) and its live pull is 45 behind
                            .containsPattern("\\|0\\.4\\|\\|127\\.0\\.0\\.1:\\d+\\|[^|]+\\|\\|\\|\\|0\\|45(\\n|$)");
                    assertThat(page.eval("[...document.querySelectorAll('tr.flag-active')].map(r => r.textContent)"
                            + ".join('\\n')")).contains("lagging-live-pull").contains("live pull at 0, store head 45");
                    assertThat(page.eval("document.getElementById('events-page').textContent")).startsWith("after 0");
                    page.screenshot(shots.resolve("real-clients-store.png"));
                    page.eval("document.getElementById('events-next').click()");
                    page.await("the second page of events",
                            "document.getElementById('events-page').textContent.startsWith('after 20')");
                    assertThat(page.eval("document.querySelectorAll('table')[2].rows[1].cells[0].textContent"))
                            .isEqualTo("21");
                    page.eval("document.getElementById('events-next').click()");
                    page.await("the third page of events",
                            "document.getElementById('events-page').textContent.startsWith('after 40')");
                    // the last page holds LiveStore's 5 events (seq 41..45), with its client id
                    assertThat(page.eval("[...document.querySelectorAll('table')[2].rows].slice(1)"
                            + ".map(r => r.cells[0].textContent + ':' + r.cells[2].textContent).join(',')"))
                            .isEqualTo("41:ls-reader,42:ls-reader,43:ls-reader,44:ls-reader,45:ls-reader");
                    assertThat(page.eval("document.getElementById('events-next').disabled")).isEqualTo("true");
                    page.eval("document.getElementById('events-prev').click()");
                    page.await("back to the second page",
                            "document.getElementById('events-page').textContent.startsWith('after 20')");

                    page.eval("location.hash = '#/flags'");
                    page.await("the flags page", "document.querySelector('h1').textContent === 'Flags'"
                            + " && document.querySelector('tr.flag-active')");
                    assertThat(page.eval("[...document.querySelectorAll('tr.flag-active')].map(r => [...r.cells]"
                            + ".map(c => c.textContent).join('|')).join('\\n')"))
                            .containsPattern("\\|lagging-live-pull\\|" + store + "\\|\\|c\\d+\\|\\|live pull at 0");
                    page.screenshot(shots.resolve("real-clients-flags.png"));
                }
            }
        }
        assertThat(shots.resolve("real-clients-store.png")).exists();
    }
}
