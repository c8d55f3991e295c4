package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The H001 investigation end to end across real processes: the forced lost-ack scenario stalls under the legacy
 * rebase-only policy (and diagnose names the advance-only push stall), and converges under the default policy.
 */
class ReproH001Test {

    @Test
    void legacyStallsAndIsDiagnosedDefaultConverges(@TempDir Path logs) throws Exception {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        boolean reproduced;
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            reproduced = new ReproH001(out).runBoth(logs, Duration.ofSeconds(6));
        }
        String text = captured.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(reproduced).as(text).isTrue();
        assertThat(text).contains("STALLED").contains("ADVANCE-ONLY PUSH STALL").contains("REPRODUCED");
    }
}
