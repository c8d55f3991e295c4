package io.livesync.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore of a store twice the size of the server's heap: a 48 MiB server imports a ~100 MB JSON-lines
 * file and exports it again, byte for byte, streaming both ways.
 */
class ExportAndImportRunInConstantMemoryTest {

    @Test
    void aStoreTwiceTheHeapIsImportedAndExportedByAServerWith48MiB(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("big.jsonl");
        int events = Integer.getInteger("it.events", 80_000);
        String pad = "p".repeat(1_200);
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 1; i <= events; i++) {
                w.write("{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"t" + i + "\",\"text\":\"" + pad + "\"},"
                        + "\"seqNum\":" + i + ",\"parentSeqNum\":" + (i - 1) + ",\"clientId\":\"c\",\"sessionId\":\"s\","
                        + "\"createdAt\":\"2026-12-02T12:00:00Z\"}\n");
            }
        }
        assertThat(Files.size(file)).isGreaterThan(events * 1_200L);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (ChildServer child = ChildServer.start(dir, "48m")) {
          try {
            URI base = URI.create("http://127.0.0.1:" + child.port);
            HttpResponse<String> imported = http.send(HttpRequest.newBuilder(base.resolve("/admin/v1/stores/big/import"))
                    .timeout(Duration.ofSeconds(Integer.getInteger("it.timeout", 300))).header("Authorization", "Bearer " + ChildServer.ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofFile(file)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(imported.statusCode()).as(imported.body()).isEqualTo(200);
            assertThat(imported.body()).contains("\"head\":" + events);
            Path exported = dir.resolve("exported.jsonl");
            HttpResponse<Path> export = http.send(HttpRequest.newBuilder(base.resolve("/admin/v1/stores/big/export"))
                    .timeout(Duration.ofSeconds(Integer.getInteger("it.timeout", 300))).header("Authorization", "Bearer " + ChildServer.ADMIN_TOKEN)
                    .GET().build(), HttpResponse.BodyHandlers.ofFile(exported));
            assertThat(export.statusCode()).isEqualTo(200);
            assertThat(Files.mismatch(file, exported)).as("the export is the imported file, byte for byte")
                    .isEqualTo(-1L);
            assertThat(child.process.isAlive()).isTrue();
            assertThat(Files.readString(dir.resolve("child-stderr.log"))).doesNotContain("OutOfMemoryError");
            assertThat(Files.readString(dir.resolve("server.log")))
                    .contains("\"action\":\"import\",\"store\":\"big\",\"outcome\":\"ok\"")
                    .contains("\"action\":\"export\",\"store\":\"big\",\"outcome\":\"ok\"");
          } finally {
            if (Boolean.getBoolean("it.debug")) {
                System.out.println("CHILD STDERR:\n" + Files.readString(dir.resolve("child-stderr.log")));
                String log = Files.readString(dir.resolve("server.log"));
                System.out.println("SERVER LOG TAIL:\n" + log.substring(Math.max(0, log.length() - 3000)));
            }
          }
        }
    }
}
