package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The HTML timeline of a stalled run, opened in headless Chromium (Debian package {@code chromium}; {@code .ci/run}
 * installs it): the script must draw one lane per node, the marks, and the stall window.
 */
class TimelineRendersInChromiumTest {

    private static String line(String node, int second, String event, String extra) {
        return "{\"ts\":\"2026-11-25T10:00:" + String.format("%02d", second) + "Z\",\"level\":\"INFO\",\"node\":\""
                + node + "\",\"event\":\"" + event + "\",\"pending\":2,\"loop\":\"parked\"" + extra + "}";
    }

    @Test
    void drawsLanesMarksAndTheStallWindow(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("client-a.log"), List.of(
                line("client-a", 1, "backend-push-batch", ""),
                line("client-a", 2, "backend-push-error", ",\"error\":\"lost ack\""),
                line("client-a", 2, "push-loop-park", ",\"reason\":\"offline\""),
                line("client-a", 3, "pull-advance", ""),
                line("client-a", 9, "pull-advance", "")));
        Files.write(dir.resolve("client-b.log"), List.of(line("client-b", 1, "backend-push-ok", "")));
        Files.write(dir.resolve("server.log"), List.of(line("server", 2, "fault-injected", "")));
        Path html = dir.resolve("report.html");
        Files.writeString(html, Timeline.render(dir, Diagnoser.diagnose(dir)));

        Path chromium = Path.of("/usr/bin/chromium");
        assertThat(chromium).as("headless Chromium is needed (apt-get install chromium; .ci/run does it)").exists();
        Process p = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("chromium-profile"), "--dump-dom",
                html.toUri().toString()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        ByteArrayOutputStream dom = new ByteArrayOutputStream();
        p.getInputStream().transferTo(dom);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String rendered = dom.toString(StandardCharsets.UTF_8);
        assertThat(rendered).contains("data-rendered=\"true\"");
        for (String node : List.of("client-a", "client-b", "server")) {
            assertThat(rendered).contains("class=\"lane\" data-node=\"" + node + "\"");
        }
        assertThat(rendered).contains("class=\"stall\"").contains("data-event=\"push-loop-park\"")
                .contains("advance-only push stall");
    }
}
