package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.livesync.client.RebuildProgress;
import io.livesync.client.Storage;
import io.livesync.client.Store;
import io.livesync.client.TodoSchema;
import io.livesync.server.ServerConfig;
import io.livesync.server.SyncServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two client processes on different schema versions (v1: {@code v1.TodoCreated}; v2: {@code v2.TodoCreated} with an
 * upcaster from v1) commit concurrently through a real sync server. Both converge on the same log; each state is a
 * replay of that log under its own schema (the old client keeps the v2 events unmaterialized). The old client's file,
 * reopened with v2, rebuilds to the new client's state.
 */
class MixedSchemaClientsConvergeThroughTheServerTest {

    @Test
    void oldAndNewClientsConvergeOnTheLogEachWithItsOwnState(@TempDir Path dir) throws Exception {
        int oldCount = 120;
        int newCount = 80;
        int total = oldCount + newCount;
        Path oldFile = dir.resolve("old.db");
        Path newFile = dir.resolve("new.db");
        try (SyncServer server = SyncServer.start(ServerConfig.builder().port(0).insecureNoAuth(true)
                .dataDir(dir.resolve("server-data")).logFile(dir.resolve("server.log")).build())) {
            String uri = server.wsUri("mixed").toString();
            Process old = start(uri, "old", "v1", oldFile, oldCount, total);
            Process newer = start(uri, "new", "v2", newFile, newCount, total);
            String[] oldDone = done(old);
            String[] newDone = done(newer);
            assertThat(oldDone[1]).as("same log").isEqualTo(newDone[1]);
            assertThat(oldDone[2]).as("old state == replay under v1").isEqualTo("true");
            assertThat(newDone[2]).as("new state == replay under v2").isEqualTo("true");
            assertThat(Integer.parseInt(oldDone[3])).as("v1 materializes only v1 events").isEqualTo(oldCount);
            assertThat(Integer.parseInt(newDone[3])).as("v2 upcasts v1 events").isEqualTo(total);
        }
        String newState;
        try (Store newer = Store.builder().storeId("mixed").clientId("new").schema(MixedSchemaClientMain.v2())
                .storage(Storage.file(newFile)).build()) {
            newState = newer.stateDigest();
        }
        List<RebuildProgress> progress = new ArrayList<>();
        try (Store upgraded = Store.builder().storeId("mixed").clientId("old").schema(MixedSchemaClientMain.v2())
                .storage(Storage.file(oldFile)).rebuildListener(progress::add).build()) {
            assertThat(progress).isNotEmpty();
            assertThat(upgraded.count("SELECT count(*) FROM todos")).isEqualTo(total);
            assertThat(upgraded.stateDigest()).as("upgraded old client == new client").isEqualTo(newState);
            assertThat(upgraded.eventLog()).extracting(e -> e.name()).containsOnly(TodoSchema.TODO_CREATED,
                    MixedSchemaClientMain.CREATED_V2);
        }
    }

    private static Process start(String uri, String client, String version, Path file, int count, int total)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), MixedSchemaClientMain.class.getName(), uri, "mixed", client,
                version, file.toString(), Integer.toString(count), Integer.toString(total))
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** The fields of the child's {@code DONE} line, after it exited 0. */
    private static String[] done(Process child) throws Exception {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            String last = null;
            while ((line = out.readLine()) != null) {
                last = line;
            }
            assertThat(child.waitFor(90, TimeUnit.SECONDS)).isTrue();
            assertThat(child.exitValue()).as(String.valueOf(last)).isZero();
            assertThat(last).startsWith("DONE ");
            return last.split(" ");
        } finally {
            child.destroyForcibly();
        }
    }
}
