package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue #11 item 9: a user error is one clear line on stderr and exit 2, never a stack trace. */
class CliUserErrorsTest {

    private static void assertOneLineNoStackTrace(ConformanceCommandTest.Run run) {
        assertThat(run.exit()).as(run.err()).isEqualTo(2);
        assertThat(run.err().strip().lines()).as(run.err()).hasSizeBetween(1, 2); // the error, maybe a --help hint
        assertThat(run.err()).doesNotContain("\tat ").doesNotContain("Exception in thread");
    }

    @Test
    void reproWithAMissingLiveStoreDriverSaysSoInOneLine(@TempDir Path root) throws Exception {
        Files.createDirectories(root.resolve("interop/livestore-node")); // a checkout without the driver's files
        String before = System.getProperty("livesync.root");
        System.setProperty("livesync.root", root.toString());
        try {
            ConformanceCommandTest.Run run = ConformanceCommandTest.run("repro", "h001", "--client",
                    "livestore-0.4.0", "--logs", root.resolve("logs").toString());
            assertOneLineNoStackTrace(run);
            assertThat(run.err()).contains("LiveStore driver").contains("interop/livestore-node");
        } finally {
            if (before == null) {
                System.clearProperty("livesync.root");
            } else {
                System.setProperty("livesync.root", before);
            }
        }
    }

    @Test
    void aMissingFileIsOneLine(@TempDir Path dir) {
        assertOneLineNoStackTrace(ConformanceCommandTest.run("conformance", "merge",
                dir.resolve("nope.jsonl").toString()));
    }

    @Test
    void aBadServerOptionIsOneLine(@TempDir Path dir) {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("server", "--port", "70000", "--data",
                dir.toString());
        assertOneLineNoStackTrace(run);
        assertThat(run.err()).startsWith("livesync server: port must be in [0, 65535], got 70000");
    }

    @Test
    void aMissingOrWrongPushValidatorIsOneLineNamingTheClass(@TempDir Path dir) {
        ConformanceCommandTest.Run missing = ConformanceCommandTest.run("server", "--port", "0", "--data",
                dir.toString(), "--insecure-no-auth", "--push-validator", "com.example.NoSuchValidator");
        assertOneLineNoStackTrace(missing);
        assertThat(missing.err()).contains("push validator class com.example.NoSuchValidator is not on the class path");
        ConformanceCommandTest.Run wrong = ConformanceCommandTest.run("server", "--port", "0", "--data",
                dir.toString(), "--insecure-no-auth", "--push-validator", "java.lang.String");
        assertOneLineNoStackTrace(wrong);
        assertThat(wrong.err()).contains("java.lang.String does not implement io.livesync.hub.PushValidator");
    }

    @Test
    void anUnknownOptionIsOneLineWithAHint() {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("simulate", "--no-such-option");
        assertOneLineNoStackTrace(run);
        assertThat(run.err()).contains("--no-such-option").contains("--help");
    }
}
