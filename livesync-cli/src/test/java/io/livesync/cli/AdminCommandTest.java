package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code livesync admin ...} against a real server: backup = export, restore = import; refusals are one line. */
class AdminCommandTest {

    private static final String ADMIN = "admin-token-0123456789";

    @Test
    void exportImportStoresResetDeleteAndOneLineRefusals(@TempDir Path dir) throws Exception {
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).dataDir(dir.resolve("data"))
                .tokens(Map.of("*", "secret")).adminToken(ADMIN).logFile(dir.resolve("server.log")).build())) {
            String url = server.httpUri().toString();
            String event = "{\"name\":\"v1.TodoCreated\",\"args\":{\"id\":\"t%d\",\"text\":\"x\"},\"seqNum\":%d,"
                    + "\"parentSeqNum\":%d,\"clientId\":\"c\",\"sessionId\":\"s\"}";
            HttpResponse<String> push = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    server.httpUri().resolve("/sync/orig/push")).header("Authorization", "Bearer secret")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[" + event.formatted(1, 1, 0) + ","
                            + event.formatted(2, 2, 1) + "," + event.formatted(3, 3, 2) + "]}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(push.statusCode()).isEqualTo(200);

            Path backup = dir.resolve("orig.jsonl");
            ConformanceCommandTest.Run export = ConformanceCommandTest.run("admin", "export", "orig", "--server", url,
                    "--token", ADMIN, "--out", backup.toString());
            assertThat(export.exit()).as(export.err()).isZero();
            assertThat(Files.readAllLines(backup)).hasSize(3);
            ConformanceCommandTest.Run toStdout = ConformanceCommandTest.run("admin", "export", "orig", "--server",
                    url, "--token", ADMIN);
            assertThat(toStdout.out()).isEqualTo(Files.readString(backup));

            ConformanceCommandTest.Run restore = ConformanceCommandTest.run("admin", "import", "copy",
                    backup.toString(), "--server", url, "--token", ADMIN);
            assertThat(restore.exit()).as(restore.err()).isZero();
            assertThat(restore.out()).startsWith("imported 3 events into copy");
            assertThat(server.eventStore().meta("copy").head()).isEqualTo(3);

            ConformanceCommandTest.Run stores = ConformanceCommandTest.run("admin", "stores", "--server", url,
                    "--token", ADMIN);
            assertThat(stores.exit()).isZero();
            assertThat(stores.out()).contains("orig").contains("copy");

            ConformanceCommandTest.Run again = ConformanceCommandTest.run("admin", "import", "copy",
                    backup.toString(), "--server", url, "--token", ADMIN);
            assertThat(again.exit()).isEqualTo(2);
            assertThat(again.err().strip().lines()).hasSize(1);
            assertThat(again.err()).startsWith("livesync admin import: the server answered 409 store-not-empty:");

            ConformanceCommandTest.Run wrongToken = ConformanceCommandTest.run("admin", "reset", "orig", "--server",
                    url, "--token", "secret");
            assertThat(wrongToken.exit()).isEqualTo(2);
            assertThat(wrongToken.err().strip().lines()).hasSize(1);
            assertThat(wrongToken.err()).contains("401 unauthorized").doesNotContain("secret\n");

            assertThat(ConformanceCommandTest.run("admin", "reset", "orig", "--server", url, "--token", ADMIN).out())
                    .startsWith("reset orig: new backend id ");
            assertThat(server.eventStore().meta("orig").head()).isZero();
            assertThat(ConformanceCommandTest.run("admin", "delete", "copy", "--server", url, "--token", ADMIN).exit())
                    .isZero();
            assertThat(server.eventStore().exists("copy")).isFalse();
            assertThat(Files.readString(dir.resolve("server.log"))).doesNotContain(ADMIN);
        }
    }

    @Test
    void anUnreachableServerIsOneLine() {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("admin", "stores", "--server",
                "http://127.0.0.1:1", "--token", ADMIN);
        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains("cannot connect to http://127.0.0.1:1");
    }
}
