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
 * foreign event, which forces a rebase, heals it; 0.4.0 (with the fix) recovers by itself. The server flags the
 * stalled 0.3.1 client ({@code quiet-after-failed-push}, docs/dashboard.md), not the 0.4.0 one, and not the idle healthy
 * LiveStore 0.4.0 client that every run has next to client A. The other faults and
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
        // and the server itself named the stalled 0.3.1 client, while the recovered 0.4.0 client was not flagged
        // (quiet-after-failed-push, default threshold 10 s: raised within the 3 s + 12 s before the probe)
        String flags = text.substring(text.indexOf("flags the server raised by itself"));
        assertThat(flags).containsPattern("livestore-0.3.1\\s+F2\\s+quiet-after-failed-push client=client-a \\(last push"
                + " at \\S+ \\(2 events at parent 1, protocol 0.3\\): accepted, ack not delivered \\(injected lost ack\\)")
                .containsPattern("livestore-0.4.0\\s+F2\\s+none");
        // the idle, healthy LiveStore 0.4.0 client of each run pushed once (accepted) and stayed connected while the
        // store moved on for longer than the quiet threshold: never flagged
        assertThat(flags).doesNotContain("client=" + ReproRealClients.IDLE_CLIENT);
        assertThat(flags.lines().filter(l -> l.contains(" client=")).count()).as(flags).isEqualTo(1); // 0.3.1's only
    }

    /**
     * The same with livesync client processes, which report their own sync state on the socket: the legacy
     * {@code rebase-only} client stalled by F2 is flagged, and the flag is certain (the client said it has events to
     * push); the default {@code supervised} client recovers and is not flagged; the idle livesync client never is.
     */
    @Test
    void theStalledLegacyLivesyncClientIsFlaggedCertainlyTheDefaultOneIsNot(@TempDir Path logs) throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        boolean expected;
        try (PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8)) {
            expected = new ReproRealClients(out, Duration.ofSeconds(3), Duration.ofSeconds(12)).runMatrix(
                    List.of(ReproRealClients.Kind.LIVESYNC_LEGACY, ReproRealClients.Kind.LIVESYNC_DEFAULT),
                    List.of(ReproRealClients.Fault.F2), logs);
        }
        String text = buffer.toString(StandardCharsets.UTF_8);
        System.out.println(text);
        assertThat(expected).as(text).isTrue();
        String flags = text.substring(text.indexOf("flags the server raised by itself"));
        // the legacy client's run is listed first; its certain flag is the only one, or follows an uncertain one
        assertThat(flags).containsPattern("livesync rebase-only\\s+F2\\s+quiet-after-failed-push client=client-a ")
                .containsPattern("quiet-after-failed-push client=client-a \\(.*"
                + "accepted, ack not delivered \\(injected lost ack\\).*The client reports 2 events to push, its push"
                + " loop parked \\(offline\\): it is stalled, certainly\\)")
                .containsPattern("livesync supervised\\s+F2\\s+none")
                .doesNotContain("client=" + ReproRealClients.IDLE_CLIENT);
        // (raised once before the client's first report arrived, it is raised again, certain, once it has: both lines
        // name client-a)
        assertThat(flags.lines().filter(l -> l.contains(" client=")).toList()).as(flags).isNotEmpty()
                .allMatch(l -> l.contains("client=client-a "));
    }
}
