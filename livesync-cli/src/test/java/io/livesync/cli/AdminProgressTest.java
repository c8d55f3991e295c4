package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code livesync admin export} and {@code import} show a progress line on a terminal and end with a one-line summary;
 * {@code --quiet} leaves the line out; progress never goes into redirected output. The terminal is a real pseudo
 * terminal: the command runs as its own JVM under {@code script} (util-linux), as a person would run it.
 */
class AdminProgressTest {

    private static final String ADMIN = "admin-token-0123456789";
    private static final String SUMMARY_EXPORT = "exported 1200 events of orig to %s in \\d+\\.\\d s \\(server head 1200\\)";

    static SyncServer serverWith1200Events(Path dir) throws Exception {
        SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", "secret")).adminToken(ADMIN).logFile(dir.resolve("server.log")).build());
        String event = "{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"t%d\",\"text\":\"x\"},\"seqNum\":%d,"
                + "\"parentSeqNum\":%d,\"clientId\":\"c\",\"sessionId\":\"s\"}";
        HttpClient http = HttpClient.newHttpClient();
        for (int from = 1; from <= 1200; from += 100) {
            List<String> batch = new ArrayList<>();
            for (int s = from; s < from + 100; s++) {
                batch.add(event.formatted(s, s, s - 1));
            }
            HttpResponse<String> push = http.send(HttpRequest.newBuilder(server.httpUri().resolve("/sync/orig/push"))
                    .header("Authorization", "Bearer secret").POST(HttpRequest.BodyPublishers.ofString(
                            "{\"batch\":[" + String.join(",", batch) + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(push.statusCode()).as(push.body()).isEqualTo(200);
        }
        return server;
    }

    @Test
    void redirectedOutputGetsTheSummaryAndNoProgress(@TempDir Path dir) throws Exception {
        // this test JVM's error output is a pipe to the build, never a terminal
        assertThat(Progress.stderrIsTerminal()).isFalse();
        try (SyncServer server = serverWith1200Events(dir)) {
            String url = server.httpUri().toString();
            Path backup = dir.resolve("orig.jsonl");
            ConformanceCommandTest.Run export = ConformanceCommandTest.run("admin", "export", "orig", "--server", url,
                    "--token", ADMIN, "--out", backup.toString());
            assertThat(export.exit()).as(export.err()).isZero();
            assertThat(export.err()).doesNotContain("\r").matches(SUMMARY_EXPORT.formatted(
                    java.util.regex.Pattern.quote(backup.toString())) + "\\R");
            assertThat(Files.readAllLines(backup)).hasSize(1200);
            // to stdout: the events only; the summary would go to a non-terminal error output, so it is left out
            ConformanceCommandTest.Run toStdout = ConformanceCommandTest.run("admin", "export", "orig", "--server", url,
                    "--token", ADMIN);
            assertThat(toStdout.out()).isEqualTo(Files.readString(backup));
            assertThat(toStdout.err()).isEmpty();
            ConformanceCommandTest.Run restore = ConformanceCommandTest.run("admin", "import", "copy",
                    backup.toString(), "--server", url, "--token", ADMIN, "--quiet");
            assertThat(restore.exit()).as(restore.err()).isZero();
            assertThat(restore.err()).isEmpty();
            assertThat(restore.out()).matches("imported 1200 events into copy in \\d+\\.\\d s \\(backend id \\S+\\)\\R");
        }
    }

    @Test
    void aTerminalGetsAProgressLineUnlessQuietAndARedirectedErrorOutputNever(@TempDir Path dir) throws Exception {
        Path script = Path.of("/usr/bin/script");
        assertThat(script).as("util-linux script (Debian package bsdutils) runs the command on a terminal").exists();
        try (SyncServer server = serverWith1200Events(dir)) {
            String url = server.httpUri().toString();
            Path backup = dir.resolve("orig.jsonl");
            String export = cli("admin", "export", "orig", "--server", url, "--token", ADMIN, "--out", backup.toString());

            String onTerminal = onTerminal(dir, export);
            // the bar, redrawn in place, then erased, then the summary
            assertThat(onTerminal).contains("\r[").containsPattern("\\] +\\d+% [\\d,]+/1,200 events")
                    .contains("] 100% 1,200/1,200 events")
                    .containsPattern("\rexported 1200 events of orig to \\S+ in \\d+\\.\\d s \\(server head 1200\\)");
            assertThat(Files.readAllLines(backup)).hasSize(1200);

            String quiet = onTerminal(dir, export + " --quiet");
            assertThat(quiet).doesNotContain("\r[").doesNotContain("/1,200 events").contains("exported 1200 events of orig");

            // the error output redirected to a file on the same terminal: the summary goes there, the bar does not
            Path errFile = dir.resolve("export.err");
            onTerminal(dir, export + " 2> '" + errFile + "'");
            String redirected = Files.readString(errFile);
            assertThat(redirected).doesNotContain("\r").matches(SUMMARY_EXPORT.formatted(
                    java.util.regex.Pattern.quote(backup.toString())) + "\\R");

            // the events to stdout redirected to a file, the error output on the terminal: the bar and the summary on
            // the terminal, the events alone in the file
            Path viaStdout = dir.resolve("via-stdout.jsonl");
            String toFile = onTerminal(dir, cli("admin", "export", "orig", "--server", url, "--token", ADMIN) + " > '"
                    + viaStdout + "'");
            assertThat(toFile).contains("\r[").contains("] 100% 1,200/1,200 events")
                    .containsPattern("\rexported 1200 events of orig in \\d+\\.\\d s \\(server head 1200\\)");
            assertThat(Files.readString(viaStdout)).isEqualTo(Files.readString(backup));

            // import: the upload in MB, then what the server is doing, then the summary
            String importing = onTerminal(dir, cli("admin", "import", "copy", backup.toString(), "--server", url,
                    "--token", ADMIN));
            assertThat(importing).contains("\r[").containsPattern("\\] 100% \\d+\\.\\d/\\d+\\.\\d MB")
                    .contains("the server checks the chain and commits")
                    .containsPattern("imported 1200 events into copy in \\d+\\.\\d s \\(backend id \\S+\\)");
            assertThat(server.eventStore().meta("copy").head()).isEqualTo(1200);
        }
    }

    /** The shell command that runs the CLI as its own JVM, with the test's classpath. */
    static String cli(String... args) {
        StringBuilder b = new StringBuilder("'" + Path.of(System.getProperty("java.home"), "bin", "java") + "' -cp '"
                + System.getProperty("java.class.path") + "' " + LivesyncCommand.class.getName());
        for (String a : args) {
            b.append(" '").append(a).append('\'');
        }
        return b.toString();
    }

    /** Runs {@code command} on a pseudo terminal and returns everything it wrote to it. */
    static String onTerminal(Path dir, String command) throws Exception {
        Process p = new ProcessBuilder("/usr/bin/script", "-q", "-e", "-c", command, "/dev/null")
                .directory(dir.toFile()).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        p.getOutputStream().close();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }
}
