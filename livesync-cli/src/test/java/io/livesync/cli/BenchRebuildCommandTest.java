package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code livesync bench rebuild} runs end to end on a small log and shows the rebuild's progress bar. */
class BenchRebuildCommandTest {

    @Test
    void aSmallRebuildPrintsItsRateAndAProgressBar(@TempDir Path dir) {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("bench", "rebuild", "--events", "2000", "--dir",
                dir.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("rebuild of 2,000 events").contains("events/s").contains("ratio floor / rebuild");
        assertThat(run.err()).contains("rebuilding the state from the log: schema fingerprint changed")
                .contains("100% 2,000/2,000 events").contains("rebuilt 2,000 events");
        // the test's output is not a terminal: progress lines, never a redrawn bar mixed into a redirected file
        assertThat(run.err()).doesNotContain("\r");
    }

    @Test
    void quietPrintsTheResultsAndNoProgress(@TempDir Path dir) {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("bench", "rebuild", "--events", "1000", "--dir",
                dir.toString(), "--quiet");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).contains("rebuild of 1,000 events").contains("ratio floor / rebuild");
        assertThat(run.err()).doesNotContain("rebuilding the state").doesNotContain("%");
    }
}
