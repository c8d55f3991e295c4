package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * H001 in LiveStore's own code: the npm release 0.3.1 (before the fix) stalls under fault F2 (lost-ack-close) and a
 * foreign event, which forces a rebase, heals it; 0.4.0 (with the fix) recovers by itself. The other faults and
 * clients run with {@code livesync repro h001 --client all --fault all}.
 */
class ReproH001RealClientsTest {

    @Test
    void liveStore031StallsUnderF2AndTheProbeHealsIt_liveStore040Recovers(@TempDir Path logs) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        boolean expected;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            expected = new ReproRealClients(out, Duration.ofSeconds(3), Duration.ofSeconds(12)).runMatrix(
                    List.of(ReproRealClients.Kind.LIVESTORE_031, ReproRealClients.Kind.LIVESTORE_040),
                    List.of(ReproRealClients.Fault.F2), logs);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(expected).as(text).isTrue();
        assertThat(text).containsPattern("livestore-0.3.1\\s+F2 lost-ack-close\\s+STALLED.*healed")
                .containsPattern("livestore-0.4.0\\s+F2 lost-ack-close\\s+recovered");
    }
}
