package io.livesync.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@code livesync bench client --parts apply} (issue #14: the receiving side of node-sync) runs and prints its rate,
 * and each page of 50 is its own pull step (one transaction): a review found that the pages had piled up and were
 * applied as a handful of coalesced steps, which is not what the figure claims to measure.
 */
class BenchClientApplyTest {

    @Test
    void liveUpstreamPagesAreAppliedAndTheRateIsPrinted() {
        ConformanceCommandTest.Run run = ConformanceCommandTest.run("bench", "client", "--parts", "apply", "--events",
                "1000");
        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out()).containsPattern("live, 50 per page +1,000 +[0-9,]+ +[0-9.,]+")
                .contains("(20 pages in 20 pull steps)");
    }
}
