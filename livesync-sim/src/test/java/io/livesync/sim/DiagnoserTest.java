package io.livesync.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The diagnoser on hand-written logs: each signature is named, and healthy runs are not accused. */
class DiagnoserTest {

    private static String line(int second, String event, int pending, String loop, String extra) {
        return "{\"ts\":\"2026-11-25T10:00:" + String.format("%02d", second) + "Z\",\"level\":\"INFO\",\"node\":\"client-a\","
                + "\"store\":\"s\",\"event\":\"" + event + "\",\"pending\":" + pending + ",\"loop\":\"" + loop + "\""
                + extra + "}";
    }

    @Test
    void namesTheAdvanceOnlyStallWithItsEvidence(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("client-a.log"), List.of(
                line(1, "backend-push-batch", 2, "in-flight", ""),
                line(2, "backend-push-error", 2, "in-flight", ",\"error\":\"transient: lost ack\""),
                line(2, "push-loop-park", 2, "parked", ",\"reason\":\"push-loop-dead\""),
                line(3, "pull-advance", 0, "parked", ",\"confirmed\":2"),
                line(4, "pull-advance", 0, "parked", ",\"newEvents\":2"),
                line(5, "local-push-apply", 3, "parked", "")));
        Diagnoser.Diagnosis d = Diagnoser.diagnose(dir);
        assertThat(d.has(Diagnoser.ADVANCE_ONLY_STALL)).isTrue();
        String text = d.render();
        assertThat(text).contains("client-a: ADVANCE-ONLY PUSH STALL").contains("2026-11-25T10:00:02Z push-loop-park")
                .contains("2026-11-25T10:00:04Z pull-advance");
    }

    @Test
    void aRebaseAfterTheParkIsNotTheStall(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("client-a.log"), List.of(
                line(2, "push-loop-park", 2, "parked", ""),
                line(3, "pull-advance", 2, "parked", ""),
                line(4, "pull-rebase", 2, "idle", ""),
                line(5, "backend-push-batch", 2, "in-flight", ""),
                line(6, "backend-push-ok", 0, "idle", "")));
        assertThat(Diagnoser.diagnose(dir).findings()).isEmpty();
        assertThat(Diagnoser.diagnose(dir).render()).contains("no known failure signature");
    }

    @Test
    void namesReconnectLoopsRejectPileUpsAndEarlyExits(@TempDir Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lines.add(line(i, "connection-down", 1, "idle", ""));
            lines.add(line(i, "connection-up", 1, "idle", ""));
        }
        for (int i = 0; i < 12; i++) {
            lines.add(line(30 + i, "local-push-reject", 1, "idle", ""));
        }
        Files.write(dir.resolve("client-a.log"), lines);
        Files.writeString(dir.resolve("runner.log"), "{\"ts\":\"2026-11-25T10:01:00Z\",\"event\":\"client-exited-early\","
                + "\"client\":\"client-b\",\"exitCode\":1}\n");
        Diagnoser.Diagnosis d = Diagnoser.diagnose(dir);
        assertThat(d.has(Diagnoser.RECONNECT_LOOP)).isTrue();
        assertThat(d.has(Diagnoser.REJECTS_PILING_UP)).isTrue();
        assertThat(d.has(Diagnoser.EXITED_EARLY)).isTrue();
    }

    @Test
    void aFolderWithoutLogsIsAClearError(@TempDir Path dir) {
        assertThatThrownBy(() -> Diagnoser.diagnose(dir)).hasMessageContaining("no .log files");
        assertThatThrownBy(() -> Diagnoser.diagnose(dir.resolve("nope"))).hasMessageContaining("not a folder");
    }
}
